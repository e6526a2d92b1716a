import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_MODE_BETA, startAnthropicServer, type AnthropicServer } from '../../../../local/emulators/anthropic-server';
import type { ProviderLedger } from '../../../../local/sample/provider-ledger';
import { fixture, requestOf, ADMIN_KEY, get, allPages, comparable } from './anthropic-harness';

describe('local Anthropic Usage and Cost Analytics API against the recorded fixtures', () => {
  let server: AnthropicServer;
  const now = new Date('2026-11-10T06:00:00Z');
  beforeAll(async () => {
    server = await startAnthropicServer({ ledger: fixture<ProviderLedger['anthropic']>('analytics-ledger.json'), adminKey: ADMIN_KEY, now: () => now });
  });
  afterAll(() => server.close());

  it.each([
    ['analytics-usage-quickstart', 1],
    ['analytics-usage', 2],
    ['analytics-cost', 2],
    ['legacy-usage-2025-12-31', 1],
    ['legacy-cost-2025-12-31', 1],
  ])('reproduces %s (%i page(s)) exactly from analytics-ledger.json', async (name, pageCount) => {
    const pages = await allPages(server, requestOf(name));

    expect(pages).toHaveLength(pageCount);
    pages.forEach((page, i) => expect(comparable(page), `${name} page ${i + 1}`).toEqual(comparable(fixture(`${name}.page${i + 1}.json`))));
  });

  it('writes analytics amounts as fractional cents with six decimals: "41280.000000" is $412.80', async () => {
    const [page] = await allPages(server, requestOf('analytics-cost'));
    expect(page.data[0].cost).toEqual({ amount: '41280.000000', list_amount: '45866.666667', currency: 'USD', requests: 1932 });
  });

  it('leaves Priority Tier out of both cost endpoints, while the usage endpoints keep it with service_tier priority', async () => {
    const cost = await allPages(server, '/v1/organizations/analytics/cost?starting_at=2026-11-01T00:00:00Z&ending_at=2026-11-02T00:00:00Z&group_by[]=service_tier');
    expect(cost[0].data.map((r: any) => String(r.group.service_tier)).sort()).toEqual(['batch', 'null', 'standard']);
    const legacy = await allPages(server, '/v1/organizations/cost_report?starting_at=2025-12-31T00:00:00Z&ending_at=2026-01-01T00:00:00Z&group_by[]=description');
    expect(legacy[0].data[0].results.map((r: any) => r.service_tier)).not.toContain('priority');
    const usage = await allPages(server, '/v1/organizations/analytics/usage?starting_at=2026-09-03T00:00:00Z&ending_at=2026-09-04T00:00:00Z&group_by[]=service_tier');
    expect(usage[0].data.map((r: any) => r.group.service_tier).sort()).toEqual(['priority', 'standard']);
  });

  it('without time_bucket_width gives one row per group over the whole range, ending at ending_at', async () => {
    const [page] = await allPages(server, '/v1/organizations/analytics/usage?starting_at=2026-09-03T00:00:00Z&ending_at=2026-09-05T00:00:00Z&group_by[]=speed');
    expect(page.data.map((r: any) => [r.starting_at, r.ending_at, r.group.speed, r.usage.total_tokens])).toEqual([
      ['2026-09-03T00:00:00Z', '2026-09-05T00:00:00Z', 'standard', 124456],
      ['2026-09-03T00:00:00Z', '2026-09-05T00:00:00Z', 'fast', 9000],
    ]);
  });

  it('answers 400 invalid_request_error naming the header when anthropic-beta is missing', async () => {
    const reply = await get(server, requestOf('analytics-cost'), { beta: null });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual(fixture('analytics-missing-beta-400.json'));
  });

  it.each([
    ['before 2026-01-01', 'starting_at=2025-12-31T00:00:00Z&ending_at=2026-01-02T00:00:00Z', /^starting_at: must be no earlier than 2026-01-01T00:00:00Z/],
    ['more than 365 days before now', 'starting_at=2025-11-01T00:00:00Z', /must be no earlier than 2026-01-01/],
    ['an unknown time_bucket_width', 'starting_at=2026-09-03T00:00:00Z&time_bucket_width=day', /^time_bucket_width: Input should be '1d', '1h' or '1m'; got "day"$/],
    ['a range longer than 31 days', 'starting_at=2026-09-01T00:00:00Z&ending_at=2026-10-15T00:00:00Z', /^ending_at: the range may cover at most 31 days$/],
    ['a group_by the ledger cannot answer', 'starting_at=2026-09-03T00:00:00Z&group_by[]=actor', /^group_by: actor is not supported by the local Anthropic/],
  ])('answers 400 for a starting_at or parameter it refuses: %s', async (_name, query, message) => {
    const reply = await get(server, `/v1/organizations/analytics/usage?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.type).toBe('invalid_request_error');
    expect(reply.body.error.message).toMatch(message);
  });

  it('applies the 365-day rule to its clock: 2026-01-01 is refused once it is more than 365 days ago', async () => {
    const later = await startAnthropicServer({ ledger: fixture<ProviderLedger['anthropic']>('analytics-ledger.json'), adminKey: ADMIN_KEY, now: () => new Date('2027-01-02T06:00:00Z') });
    try {
      const reply = await get(later, '/v1/organizations/analytics/usage?starting_at=2026-01-01T00:00:00Z&ending_at=2026-01-02T00:00:00Z');
      expect([reply.status, reply.body.error.message]).toEqual([400, 'starting_at: must be within the last 365 days']);
    } finally {
      await later.close();
    }
  });

  it.each([
    ['forbidden', 403, 'analytics-forbidden-403.json'],
    ['not_found', 404, undefined],
  ] as const)('refuses the key on the analytics endpoints only when analyticsAccess is %s', async (access, status, body) => {
    const refusing = await startAnthropicServer({ ledger: fixture<ProviderLedger['anthropic']>('analytics-ledger.json'), adminKey: ADMIN_KEY, analyticsAccess: access });
    try {
      const reply = await get(refusing, requestOf('analytics-cost'));
      expect(reply.status).toBe(status);
      if (body) expect(reply.body).toEqual(fixture(body));
      expect((await get(refusing, requestOf('legacy-cost-2025-12-31'))).status).toBe(200);
    } finally {
      await refusing.close();
    }
  });

  it('refuses a legacy cost_report limit above 31, and grouping legacy usage by speed without the fast-mode beta header', async () => {
    const limit = await get(server, '/v1/organizations/cost_report?starting_at=2025-12-01T00:00:00Z&limit=32');
    expect([limit.status, limit.body.error.message]).toEqual([400, 'limit: must be an integer between 1 and 31 for bucket_width 1d, got "32"']);
    const speed = await get(server, requestOf('legacy-usage-2025-12-31'), { beta: null });
    expect([speed.status, speed.body.error.message]).toEqual([400, `group_by: grouping by speed requires the anthropic-beta: ${FAST_MODE_BETA} header`]);
  });

  it('serves a queued 529 overloaded_error, then the real page', async () => {
    server.failNext(1, { status: 529, body: fixture('overloaded-529.json') });
    const first = await get(server, requestOf('analytics-cost'));
    expect([first.status, first.body.error.type]).toEqual([529, 'overloaded_error']);
    expect((await get(server, requestOf('analytics-cost'))).status).toBe(200);
  });

  it('refuses an analytics page token replayed on another query', async () => {
    const [first] = await allPages(server, requestOf('analytics-usage'));
    const reply = await get(server, `${requestOf('analytics-cost')}&page=${encodeURIComponent(first.next_page)}`);
    expect(reply.status).toBe(400);
  });
});
