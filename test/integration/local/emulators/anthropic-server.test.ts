import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer, type AnthropicServer } from '../../../../local/emulators/anthropic-server';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';
import { fixture, requestOf, ADMIN_KEY, VERSION, USAGE, COST, get, allPages, comparable, anthropicLedger } from './anthropic-harness';

describe('local Anthropic headers and authentication', () => {
  let server: AnthropicServer;
  beforeAll(async () => {
    server = await startAnthropicServer({ ledger: anthropicLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());
  const path = `${COST}?starting_at=2026-10-01T00:00:00Z`;

  it('answers 401 authentication_error for an admin key that is not the one configured', async () => {
    const reply = await get(server, path, { key: 'sk-ant-admin01-someoneElse' });

    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.any(String) } });
  });

  it('answers 401 authentication_error when x-api-key is missing', async () => {
    const reply = await get(server, path, { key: null });

    expect(reply.status).toBe(401);
    expect(reply.body.error.type).toBe('authentication_error');
  });

  it('answers 403 permission_error for a regular (non-admin) API key', async () => {
    const reply = await get(server, path, { key: 'sk-ant-api03-regularKey' });

    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ type: 'error', error: { type: 'permission_error', message: expect.stringMatching(/Admin API key/) } });
  });

  it('answers 400 invalid_request_error when anthropic-version is missing or not 2023-06-01', async () => {
    const missing = await get(server, path, { version: null });
    const wrong = await get(server, path, { version: '2024-01-01' });

    expect([missing.status, wrong.status]).toEqual([400, 400]);
    expect(missing.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/anthropic-version/) } });
    expect(wrong.body.error.message).toMatch(/anthropic-version/);
  });

  it('records every request with method, path and headers, refused ones included', async () => {
    const before = server.requests.length;

    await get(server, path, { version: null });
    await get(server, path);

    expect(server.requests.slice(before)).toEqual([
      { method: 'GET', url: path, headers: expect.not.objectContaining({ 'anthropic-version': expect.anything() }) },
      { method: 'GET', url: path, headers: expect.objectContaining({ 'x-api-key': ADMIN_KEY, 'anthropic-version': VERSION }) },
    ]);
  });
});

describe('local Anthropic fault injection', () => {
  let server: AnthropicServer;
  beforeAll(async () => {
    server = await startAnthropicServer({ ledger: anthropicLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());
  const path = requestOf('cost-by-workspace');

  it('serves a queued 429 rate_limit_error with retry-after, then the real page', async () => {
    const rateLimited = { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit.' } };
    server.failNext(1, { status: 429, headers: { 'retry-after': '3' }, body: rateLimited });

    const first = await get(server, path);
    const second = await get(server, path);

    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.body).toEqual(rateLimited);
    expect(comparable(second.body)).toEqual(comparable(fixture('cost-by-workspace.page1.json')));
  });

  it('serves faults in the order queued (a 500, then a malformed 200) before answering from the ledger again', async () => {
    server.failNext(1, { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } } });
    server.failNext(1, { status: 200, body: '{"data": [' });

    const replies = [await get(server, path), await get(server, path), await get(server, path)];

    expect(replies.map((r) => r.status)).toEqual([500, 200, 200]);
    expect(replies[1]!.body).toBe('{"data": [');
    expect(Array.isArray(replies[2]!.body.data)).toBe(true);
  });
});

describe('local Anthropic serving the sample books', () => {
  const ledger = sampleProviderLedger();
  let server: AnthropicServer;
  beforeAll(async () => {
    server = await startAnthropicServer({ ledger: ledger.anthropic, adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());

  it("pages October's cost_report by workspace (7 days a page) and it sums to the ledger's cents exactly; 31 October is empty", async () => {
    const pages = await allPages(server, `${COST}?starting_at=2026-10-01T00:00:00Z&ending_at=2026-11-01T00:00:00Z&group_by[]=workspace_id`);

    expect(pages.map((p) => p.data.length)).toEqual([7, 7, 7, 7, 3]);
    const served = new Map<string | null, Big>();
    for (const bucket of pages.flatMap((p) => p.data)) {
      for (const r of bucket.results) served.set(r.workspace_id, (served.get(r.workspace_id) ?? new Big(0)).plus(r.amount));
    }
    const expected = new Map<string | null, Big>();
    for (const row of ledger.anthropic.costs) {
      if (row.day.startsWith('2026-10')) expected.set(row.workspaceId, (expected.get(row.workspaceId) ?? new Big(0)).plus(row.amountCents));
    }
    expect(served.size).toBe(expected.size);
    for (const [workspace, total] of expected) expect(served.get(workspace)?.eq(total), `${workspace}`).toBe(true);
    expect(pages.at(-1).data.at(-1)).toEqual({ starting_at: '2026-10-31T00:00:00Z', ending_at: '2026-11-01T00:00:00Z', results: [] });
  });

  it('serves 31 October hour by hour from usage_report (24 buckets a page), the day the bill is missing', async () => {
    const pages = await allPages(server, `${USAGE}?starting_at=2026-10-31T00:00:00Z&ending_at=2026-11-01T00:00:00Z&bucket_width=1h&group_by[]=workspace_id`);

    expect(pages).toHaveLength(1);
    expect(pages[0].data).toHaveLength(24);
    // wrkspc_support, wrkspc_support_priority, wrkspc_data, wrkspc_sandbox and the default workspace.
    expect(pages[0].data.every((b: any) => b.results.length === 5)).toBe(true);
  });
});

describe('local Anthropic with a clock', () => {
  const ledger = sampleProviderLedger();
  let now = new Date('2026-10-21T14:15:00Z');
  let server: AnthropicServer;
  beforeAll(async () => {
    server = await startAnthropicServer({ ledger: ledger.anthropic, adminKey: ADMIN_KEY, now: () => now });
  });
  afterAll(() => server.close());
  const ledgerOutput = (from: string, to: string) => ledger.anthropic.usage.filter((r) => r.hour >= from && r.hour < to).reduce((n, r) => n + r.outputTokens, 0);

  it('lists usage buckets up to the hour in progress, served whole, and none that have not started', async () => {
    now = new Date('2026-10-21T14:15:00Z');

    const hourly = await get(server, `${USAGE}?starting_at=2026-10-21T00:00:00Z&ending_at=2026-10-22T00:00:00Z&bucket_width=1h`);
    const daily = await get(server, `${USAGE}?starting_at=2026-10-20T00:00:00Z&ending_at=2026-10-23T00:00:00Z&bucket_width=1d`);

    expect(hourly.status).toBe(200);
    expect(hourly.body.data).toHaveLength(15); // 00:00 … 14:00
    expect(hourly.body.has_more).toBe(false);
    const last = hourly.body.data.at(-1);
    expect([last.starting_at, last.results[0].output_tokens]).toEqual(['2026-10-21T14:00:00Z', ledgerOutput('2026-10-21T14:00:00Z', '2026-10-21T15:00:00Z')]);
    // 10-20 whole, 10-21 so far (its hours 00:00 … 14:00); 10-22 has not started.
    expect(daily.body.data.map((b: any) => [b.starting_at, b.results[0]?.output_tokens])).toEqual([
      ['2026-10-20T00:00:00Z', ledgerOutput('2026-10-20T00:00:00Z', '2026-10-21T00:00:00Z')],
      ['2026-10-21T00:00:00Z', ledgerOutput('2026-10-21T00:00:00Z', '2026-10-21T15:00:00Z')],
    ]);
  });

  it("bills only the days before now's UTC day: today's bucket is listed empty, and its bill appears once the day is over", async () => {
    const costs = async () => (await get(server, `${COST}?starting_at=2026-10-19T00:00:00Z&ending_at=2026-10-24T00:00:00Z`)).body.data.map((b: any) => [b.starting_at, b.results.length]);

    now = new Date('2026-10-21T23:59:59Z');
    const lateOnTheDay = await costs();
    now = new Date('2026-10-22T00:30:00Z');
    const nextMorning = await costs();

    expect(lateOnTheDay).toEqual([
      ['2026-10-19T00:00:00Z', 1],
      ['2026-10-20T00:00:00Z', 1],
      ['2026-10-21T00:00:00Z', 0],
    ]);
    expect(nextMorning).toEqual([
      ['2026-10-19T00:00:00Z', 1],
      ['2026-10-20T00:00:00Z', 1],
      ['2026-10-21T00:00:00Z', 1],
      ['2026-10-22T00:00:00Z', 0],
    ]);
  });
});
