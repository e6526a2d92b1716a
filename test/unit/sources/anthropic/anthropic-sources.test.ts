import { describe, expect, it } from 'vitest';
import { ProviderAuthError, ProviderRequestError, type ProviderHttp, type Query } from '../../../../functions/lib/http/provider-http';
import { AnalyticsAccess, chunkWindow, firstAnalyticsDay, planAnthropicWindow } from '../../../../functions/sources/anthropic/anthropic-api-plan';
import { nextCursorOf } from '../../../../functions/sources/anthropic/anthropic-analytics-paging';
import { AnthropicCostsSource, AnthropicUsageSource, type AnthropicClients } from '../../../../functions/sources/anthropic/anthropic-sources';
import { fixture } from '../../../support/fixtures';

/** A fake Anthropic: records each call, answers analytics with `analytics(query)` and legacy with an empty page per day. */
function fakeAnthropic(analytics: (path: string, query: Query) => unknown) {
  const calls: Array<{ client: keyof AnthropicClients; path: string; query: Query }> = [];
  const legacyPage = (query: Query) => {
    const start = String(query.find(([k]) => k === 'starting_at')![1]).slice(0, 10);
    const end = String(query.find(([k]) => k === 'ending_at')![1]).slice(0, 10);
    const data = [];
    for (let d = new Date(`${start}T00:00:00Z`); d.toISOString().slice(0, 10) < end; d = new Date(d.getTime() + 86_400_000)) {
      data.push({ starting_at: d.toISOString().replace('.000Z', 'Z'), ending_at: new Date(d.getTime() + 86_400_000).toISOString().replace('.000Z', 'Z'), results: [] });
    }
    return { data, has_more: false, next_page: null };
  };
  const client = (name: keyof AnthropicClients): ProviderHttp => ({
    getJson: async (path, query) => {
      calls.push({ client: name, path, query });
      return name === 'analytics' ? analytics(path, query) : legacyPage(query);
    },
  });
  return { calls, http: { legacy: client('legacy'), legacyUsage: client('legacyUsage'), analytics: client('analytics') } };
}

const empty = () => ({ data: [], has_more: false, next_page: null });
const NOW = new Date('2026-11-10T06:00:00Z');
const forbidden = () => {
  throw new ProviderAuthError('Anthropic rejected the admin key (HTTP 403: no analytics access). The key is missing, revoked, or lacks admin rights', 403);
};

describe('Anthropic API plan', () => {
  it('splits a window at 2026-01-01: older days to the legacy reports, the rest to the analytics API', () => {
    expect(planAnthropicWindow({ start: '2025-12-01', end: '2026-02-01' }, NOW, 'auto')).toEqual({
      legacy: { start: '2025-12-01', end: '2026-01-01' },
      analytics: { start: '2026-01-01', end: '2026-02-01' },
    });
    expect(planAnthropicWindow({ start: '2025-12-01', end: '2026-02-01' }, NOW, 'legacy')).toEqual({ legacy: { start: '2025-12-01', end: '2026-02-01' }, analytics: null });
  });

  it('sends days more than 365 days before now to the legacy reports too', () => {
    const now = new Date('2027-03-15T06:00:00Z'); // 365 days back is 2026-03-15T06:00Z: the first whole day is 03-16
    expect(firstAnalyticsDay(now)).toBe('2026-03-16');
    expect(planAnthropicWindow({ start: '2026-03-01', end: '2026-04-01' }, now, 'analytics')).toEqual({
      legacy: { start: '2026-03-01', end: '2026-03-16' },
      analytics: { start: '2026-03-16', end: '2026-04-01' },
    });
    expect(firstAnalyticsDay(new Date('2027-03-15T00:00:00Z'))).toBe('2026-03-15');
  });

  it('cuts a window into requests of at most 31 days', () => {
    expect(chunkWindow({ start: '2026-09-01', end: '2026-11-05' })).toEqual([
      { start: '2026-09-01', end: '2026-10-02' },
      { start: '2026-10-02', end: '2026-11-02' },
      { start: '2026-11-02', end: '2026-11-05' },
    ]);
  });
});

describe('Anthropic analytics paging fields', () => {
  it.each([
    [{ has_more: true, next_page: 'p2' }, 'p2'],
    [{ has_more: false, next_page: 'ignored' }, null],
    [{ has_more: true, next_cursor: 'c2' }, 'c2'],
    [{ next_page: 'p2' }, 'p2'],
    [{ next_page: null }, null],
    [{}, null],
  ])('reads %j as next cursor %s', (page, cursor) => {
    expect(nextCursorOf({ data: [], ...page }, 'Anthropic analytics/cost, page 1')).toBe(cursor);
  });

  it.each([
    [{ has_more: 'yes' }, /^Anthropic analytics\/cost, page 1: has_more: expected true or false, got "yes"$/],
    [{ has_more: true }, /has_more is true but there is no next_page or next_cursor$/],
    [{ has_more: true, next_page: 7 }, /next_page: expected a cursor string or null, got 7$/],
    [{ next_page: 'a', next_cursor: 'b' }, /next_page and next_cursor disagree/],
  ])('fails loudly on paging fields %j', (page, message) => {
    expect(() => nextCursorOf({ data: [], ...page }, 'Anthropic analytics/cost, page 1')).toThrow(message);
  });
});

describe('Anthropic sources', () => {
  it('reads cost from analytics/cost grouped by workspace, key, model, cost and token type in daily buckets, with no limit, and legacy days from cost_report (limit 31)', async () => {
    const fake = fakeAnthropic(() => empty());
    const pull = await new AnthropicCostsSource(fake.http, { organizationId: 'org' }).pull({ start: '2025-12-30', end: '2026-01-02' }, { now: NOW });
    expect(fake.calls.map((c) => [c.client, c.path])).toEqual([
      ['legacy', '/v1/organizations/cost_report'],
      ['analytics', '/v1/organizations/analytics/cost'],
    ]);
    expect(fake.calls[0]!.query).toContainEqual(['limit', 31]);
    expect(fake.calls[1]!.query).toEqual([
      ['starting_at', '2026-01-01T00:00:00Z'],
      ['ending_at', '2026-01-02T00:00:00Z'],
      ['time_bucket_width', '1d'],
      ['group_by[]', 'workspace_id'],
      ['group_by[]', 'api_key_id'],
      ['group_by[]', 'model'],
      ['group_by[]', 'cost_type'],
      ['group_by[]', 'token_type'],
    ]);
    expect(pull.days.map((d) => d.day)).toEqual(['2025-12-30', '2025-12-31', '2026-01-01']);
    expect(pull.notes).toEqual(['2025-12-30..2026-01-01 (end exclusive) read from the legacy reports: the analytics API serves only days from 2026-01-01 and within 365 days']);
  });

  it('reads usage grouped by tier, context window, geography and speed, on the fast-mode client for the legacy report', async () => {
    const fake = fakeAnthropic(() => empty());
    await new AnthropicUsageSource(fake.http, { organizationId: 'org', bucketWidth: '1h' }).pull({ start: '2025-12-31', end: '2026-01-02' }, { now: NOW });
    const groups = (q: Query) => q.filter(([k]) => k === 'group_by[]').map(([, v]) => v);
    expect(fake.calls.map((c) => [c.client, c.path, groups(c.query)])).toEqual([
      ['legacyUsage', '/v1/organizations/usage_report/messages', ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed']],
      ['analytics', '/v1/organizations/analytics/usage', ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed']],
    ]);
    expect(fake.calls[1]!.query).toContainEqual(['time_bucket_width', '1h']);
  });

  it('asks for no time after the next hour: a window reaching into the future ends at the top of the next hour', async () => {
    const fake = fakeAnthropic(() => empty());
    await new AnthropicUsageSource(fake.http, { organizationId: 'org', bucketWidth: '1d' }).pull({ start: '2026-11-01', end: '2026-11-11' }, { now: NOW });
    expect(fake.calls[0]!.query).toContainEqual(['ending_at', '2026-11-10T06:00:00Z']);
  });

  it('in auto, falls back to the legacy reports when the analytics API refuses the key, and says so once for both sources of the run', async () => {
    const fake = fakeAnthropic(forbidden);
    const access = new AnalyticsAccess();
    const cost = await new AnthropicCostsSource(fake.http, { organizationId: 'org', access }).pull({ start: '2026-11-01', end: '2026-11-03' }, { now: NOW });
    const usage = await new AnthropicUsageSource(fake.http, { organizationId: 'org', access, bucketWidth: '1d' }).pull({ start: '2026-11-01', end: '2026-11-03' }, { now: NOW });
    expect(fake.calls.map((c) => c.client)).toEqual(['analytics', 'legacy', 'legacyUsage']);
    expect(cost.notes).toEqual([
      'the Anthropic Usage and Cost Analytics API refused the key (Anthropic rejected the admin key (HTTP 403: no analytics access)); both Anthropic sources read the legacy cost_report and usage_report/messages instead this run. Give the key analytics access, or set sources.anthropic.api to "legacy" to stop asking',
    ]);
    expect(usage.notes).toBeUndefined();
    expect(cost.days.map((d) => d.day)).toEqual(['2026-11-01', '2026-11-02']);
    expect(cost.requests).toBe(2);
  });

  it('asks the analytics API again in the next run (another now)', async () => {
    const fake = fakeAnthropic(forbidden);
    const source = new AnthropicCostsSource(fake.http, { organizationId: 'org', access: new AnalyticsAccess() });
    await source.pull({ start: '2026-11-01', end: '2026-11-02' }, { now: NOW });
    const next = await source.pull({ start: '2026-11-01', end: '2026-11-02' }, { now: new Date('2026-11-11T06:00:00Z') });
    expect(fake.calls.map((c) => c.client)).toEqual(['analytics', 'legacy', 'analytics', 'legacy']);
    expect(next.notes).toHaveLength(1);
  });

  it('falls back on a 404 too, but not on a 401 (a bad key) or a 400', async () => {
    const notFound = fakeAnthropic(() => {
      throw new ProviderRequestError('Anthropic GET /v1/organizations/analytics/cost failed with HTTP 404: Not found', 404);
    });
    await expect(new AnthropicCostsSource(notFound.http, { organizationId: 'org' }).pull({ start: '2026-11-01', end: '2026-11-02' }, { now: NOW })).resolves.toMatchObject({ notes: [expect.any(String)] });
    for (const error of [new ProviderAuthError('Anthropic rejected the admin key (HTTP 401: invalid x-api-key)', 401), new ProviderRequestError('HTTP 400: bad', 400)]) {
      const fake = fakeAnthropic(() => {
        throw error;
      });
      await expect(new AnthropicCostsSource(fake.http, { organizationId: 'org' }).pull({ start: '2026-11-01', end: '2026-11-02' }, { now: NOW })).rejects.toBe(error);
      expect(fake.calls.map((c) => c.client)).toEqual(['analytics']);
    }
  });

  it('with api "analytics", a refusal fails the source instead of falling back', async () => {
    const fake = fakeAnthropic(forbidden);
    const pull = new AnthropicCostsSource(fake.http, { organizationId: 'org', api: 'analytics' }).pull({ start: '2026-11-01', end: '2026-11-02' }, { now: NOW });
    await expect(pull).rejects.toThrow(/^Anthropic Usage and Cost Analytics API refused the key and sources\.anthropic\.api is "analytics" \(no fallback\)/);
    expect(fake.calls.map((c) => c.client)).toEqual(['analytics']);
  });

  it('with api "legacy", never calls the analytics API', async () => {
    const fake = fakeAnthropic(() => empty());
    const pull = await new AnthropicUsageSource(fake.http, { organizationId: 'org', api: 'legacy', bucketWidth: '1d' }).pull({ start: '2026-11-01', end: '2026-11-03' }, { now: NOW });
    expect(fake.calls.map((c) => c.client)).toEqual(['legacyUsage']);
    expect(pull.notes).toBeUndefined();
  });

  it('follows the analytics cursor with the query unchanged and maps the recorded pages', async () => {
    const pages = [fixture('anthropic/analytics-cost.page1.json'), fixture('anthropic/analytics-cost.page2.json')];
    const fake = fakeAnthropic((_path, query) => (query.some(([k]) => k === 'page') ? pages[1] : pages[0]));
    const pull = await new AnthropicCostsSource(fake.http, { organizationId: 'org' }).pull({ start: '2026-11-01', end: '2026-11-03' }, { now: NOW });
    expect(fake.calls[1]!.query).toEqual([...fake.calls[0]!.query, ['page', 'page_MDAwMDAwMDAwMw']]);
    expect(pull.requests).toBe(2);
    expect(pull.days.flatMap((d) => d.records).map((r) => r.billedCost)).toEqual(['412.8', '0.4', '0.125', '0.00005', '20.0025']);
  });
});
