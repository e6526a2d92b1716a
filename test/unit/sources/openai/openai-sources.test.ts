import { describe, expect, it } from 'vitest';
import { allocationPolicyOf } from '../../../../functions/config/policies';
import { createAllocator } from '../../../../functions/domain/allocation/allocation';
import { ProviderRequestError, type ProviderHttp, type Query } from '../../../../functions/lib/http/provider-http';
import { groupingRefusal, OPENAI_API_KEY_COSTS_FLOOR, OpenAiCostsSource, OpenAiUsageSource } from '../../../../functions/sources/openai/openai-sources';
import { testConfig } from '../../../support/config';
import { fixture } from '../../../support/fixtures';

const DAY = 86_400;
const FLOOR = OPENAI_API_KEY_COSTS_FLOOR;
const floorRefusal = fixture<{ error: { message: string } }>('openai/costs-key-floor.400.json');

/** Buckets `[start, end)` of one day each, one result per day naming its grouping. */
function costsPage(start: number, end: number, byKey: boolean, more: string | null = null): unknown {
  const data = [];
  for (let t = start; t < end; t += DAY) {
    data.push({
      object: 'bucket',
      start_time: t,
      end_time: t + DAY,
      results: [{ object: 'organization.costs.result', amount: { value: '1.25', currency: 'usd' }, line_item: 'gpt-4o-2024-08-06, input', project_id: 'proj_a', api_key_id: byKey ? 'key_a' : null, quantity: 500000, quantity_unit: 'tokens' }],
    });
  }
  return { object: 'page', data, has_more: more !== null, next_page: more };
}

const param = (query: Query, name: string) => query.filter(([k]) => k === name).map(([, v]) => v);

/** A fake OpenAI that refuses api_key_id grouping before `floor` with the recorded 400, and records every call. */
function fakeOpenAi(floor: number, options: { shortPages?: boolean } = {}) {
  const calls: Query[] = [];
  const http: ProviderHttp = {
    async getJson(_path, query) {
      calls.push(query);
      const start = Number(param(query, 'start_time')[0]);
      const end = Number(param(query, 'end_time')[0]);
      const byKey = param(query, 'group_by').includes('api_key_id');
      if (byKey && start < floor) {
        const message = floorRefusal.error.message.replaceAll(String(FLOOR), String(floor));
        throw new ProviderRequestError(`OpenAI GET /v1/organization/costs failed with HTTP 400: ${message}`, 400, { providerMessage: message });
      }
      const page = param(query, 'page')[0];
      // Short pages: one day a page whatever limit says, cursor = the next day's start.
      if (options.shortPages) {
        const from = page === undefined ? start : Number(page);
        return costsPage(from, from + DAY, byKey, from + DAY < end ? String(from + DAY) : null);
      }
      return costsPage(start, end, byKey);
    },
  };
  return { http, calls };
}

const now = new Date('2026-11-02T06:00:00Z');
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

describe('OpenAI costs source', () => {
  it('splits a window across the API-key floor: before it grouped by project and line item only, from it by API key too', async () => {
    // Prepare
    const { http, calls } = fakeOpenAi(FLOOR);
    const source = new OpenAiCostsSource(http, { organizationId: 'org' });

    // Act
    const pull = await source.pull({ start: day(FLOOR - 2 * DAY), end: day(FLOOR + 2 * DAY) }, { now });

    // Assess
    expect(calls.map((q) => [param(q, 'start_time')[0], param(q, 'end_time')[0], param(q, 'group_by')])).toEqual([
      [FLOOR - 2 * DAY, FLOOR, ['project_id', 'line_item']],
      [FLOOR, FLOOR + 2 * DAY, ['project_id', 'line_item', 'api_key_id']],
    ]);
    expect(calls.every((q) => Number(param(q, 'limit')[0]) <= 180)).toBe(true);
    expect(pull.days.map((d) => [d.day, d.records.map((r) => r.apiKeyId)])).toEqual([
      ['2025-12-04', [null]],
      ['2025-12-05', [null]],
      ['2025-12-06', ['key_a']],
      ['2025-12-07', ['key_a']],
    ]);
    expect(pull.requests).toBe(2);
    expect(pull.notes).toEqual([expect.stringMatching(/before 2025-12-06T00:00:00Z were read without group_by=api_key_id/)]);
  });

  it('asks for the API key on a window from the floor on, with no note', async () => {
    const { http, calls } = fakeOpenAi(FLOOR);

    const pull = await new OpenAiCostsSource(http, { organizationId: 'org' }).pull({ start: '2026-10-01', end: '2026-10-03' }, { now });

    expect(calls.map((q) => param(q, 'group_by'))).toEqual([['project_id', 'line_item', 'api_key_id']]);
    expect(pull.notes).toBeUndefined();
  });

  it('retries once split at the epoch a refusal names when the floor has moved, and says so in the notes', async () => {
    const moved = FLOOR + 10 * DAY;
    const { http, calls } = fakeOpenAi(moved);

    const pull = await new OpenAiCostsSource(http, { organizationId: 'org' }).pull({ start: day(FLOOR), end: day(FLOOR + 20 * DAY) }, { now });

    expect(calls.map((q) => [param(q, 'start_time')[0], param(q, 'end_time')[0], param(q, 'group_by').includes('api_key_id')])).toEqual([
      [FLOOR, FLOOR + 20 * DAY, true],
      [FLOOR, moved, false],
      [moved, FLOOR + 20 * DAY, true],
    ]);
    expect(pull.requests).toBe(3);
    expect(pull.days).toHaveLength(20);
    expect(pull.notes).toEqual([expect.stringMatching(/^OpenAI refused group_by=api_key_id for 2025-12-06T00:00:00Z\.\.2025-12-26T00:00:00Z \(HTTP 400: .*\); retried split at 2025-12-16T00:00:00Z/)]);
  });

  it('retries without the grouping when the refusal names no epoch, and fails if the retry is refused too', async () => {
    const calls: Query[] = [];
    let refuseAll = false;
    const http: ProviderHttp = {
      async getJson(_path, query) {
        calls.push(query);
        if (param(query, 'group_by').includes('api_key_id') || refuseAll) {
          throw new ProviderRequestError('HTTP 400', 400, { providerMessage: "Invalid value for 'group_by': api_key_id is not available for this organization." });
        }
        return costsPage(Number(param(query, 'start_time')[0]), Number(param(query, 'end_time')[0]), false);
      },
    };
    const source = new OpenAiCostsSource(http, { organizationId: 'org' });

    const pull = await source.pull({ start: '2026-10-01', end: '2026-10-03' }, { now });
    refuseAll = true;
    const failed = await source.pull({ start: '2026-10-01', end: '2026-10-03' }, { now }).catch((e: unknown) => e);

    expect(calls.slice(0, 2).map((q) => param(q, 'group_by'))).toEqual([
      ['project_id', 'line_item', 'api_key_id'],
      ['project_id', 'line_item'],
    ]);
    expect(pull.notes).toEqual([expect.stringContaining('retried without the API-key grouping')]);
    expect(failed).toBeInstanceOf(ProviderRequestError);
  });

  it('does not retry a 400 that names no grouping', () => {
    expect(groupingRefusal(new ProviderRequestError('x', 400, { providerMessage: "Invalid value for 'limit'" }))).toBeUndefined();
    expect(groupingRefusal(new ProviderRequestError('x', 429, { providerMessage: 'group_by' }))).toBeUndefined();
    expect(groupingRefusal(new ProviderRequestError('x', 400, { providerMessage: floorRefusal.error.message }))).toEqual({ floor: FLOOR, message: floorRefusal.error.message });
  });

  it('follows next_page through pages shorter than limit and counts every request made', async () => {
    const { http, calls } = fakeOpenAi(FLOOR, { shortPages: true });

    const pull = await new OpenAiCostsSource(http, { organizationId: 'org' }).pull({ start: '2026-10-01', end: '2026-10-06' }, { now });

    expect(pull.days.map((d) => d.day)).toEqual(['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05']);
    expect(pull.requests).toBe(5);
    expect(calls).toHaveLength(5);
  });
});

describe('allocation of OpenAI costs read before the API-key floor', () => {
  it('lets an apiKey rule fall through to the next rule on a record with no API key', () => {
    const allocate = createAllocator(allocationPolicyOf(testConfig({
        allocation: {
          awsTagKey: 'team',
          rules: [
            { match: { apiKey: 'key_a' }, team: 'payments' },
            { match: { project: 'proj_a' }, team: 'search' },
          ],
        },
      }),
    ));
    const record = { provider: 'openai' as const, subAccountId: 'proj_a', serviceName: 'OpenAI API', usageType: 'gpt-4o-2024-08-06, input', tags: {}, model: 'gpt-4o-2024-08-06' };

    expect(allocate({ ...record, apiKeyId: 'key_a' })).toMatchObject({ team: 'payments', ruleIndex: 0 });
    expect(allocate({ ...record, apiKeyId: null })).toMatchObject({ team: 'search', ruleIndex: 1 });
  });
});

describe('OpenAI usage source', () => {
  it('asks completions for service_tier and batch, and every other usage endpoint with its own grouping', async () => {
    const calls: Array<[string, Query]> = [];
    const http: ProviderHttp = {
      async getJson(path, query) {
        calls.push([path, query]);
        return { object: 'page', data: [{ object: 'bucket', start_time: 1790812800, end_time: 1790899200, results: [] }], has_more: false, next_page: null };
      },
    };

    const pull = await new OpenAiUsageSource(http, { organizationId: 'org', bucketWidth: '1d' }).pull({ start: '2026-10-01', end: '2026-10-02' }, { now });

    expect(calls.map(([path, q]) => [path.replace('/organization/usage/', ''), param(q, 'group_by').join(',')])).toEqual([
      ['completions', 'project_id,model,api_key_id,batch,service_tier'],
      ['embeddings', 'project_id,model,api_key_id'],
      ['images', 'project_id,api_key_id,model'],
      ['audio_speeches', 'project_id,api_key_id,model'],
      ['audio_transcriptions', 'project_id,api_key_id,model'],
      ['moderations', 'project_id,api_key_id,model'],
      ['vector_stores', 'project_id'],
      ['code_interpreter_sessions', 'project_id'],
      ['file_search_calls', 'project_id,api_key_id'],
      ['web_search_calls', 'project_id,api_key_id,model'],
    ]);
    expect(pull.requests).toBe(10);
    expect(pull.days).toEqual([{ day: '2026-10-01', records: [], estimated: false }]);
  });
});
