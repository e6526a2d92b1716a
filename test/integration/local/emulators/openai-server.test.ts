import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiServer } from '../../../../local/emulators/openai-server';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';
import { fixture, requestOf, ADMIN_KEY, DAY, OCT_1, get, allPages, comparable, openAiLedger } from './openai-harness';

describe('local OpenAI authentication', () => {
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer({ ledger: openAiLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());
  const path = `/v1/organization/costs?start_time=${OCT_1}`;

  it('answers 401 invalid_api_key for an admin key that is not the one configured', async () => {
    const reply = await get(server, path, 'sk-admin-someoneElsesKey0000000000009');

    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: { message: expect.stringMatching(/^Incorrect API key provided/), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect(reply.body.error.message).not.toContain('someoneElsesKey');
  });

  it('answers 401 when no Authorization header is sent', async () => {
    const reply = await get(server, path, null);

    expect(reply.status).toBe(401);
    expect(reply.body.error.type).toBe('invalid_request_error');
  });

  it('answers 403 naming the missing api.usage.read scope for a key that is not an admin key', async () => {
    const reply = await get(server, path, 'sk-proj-abc123');

    expect(reply.status).toBe(403);
    expect(reply.body.error.message).toContain('api.usage.read');
  });

  it('records every request with method, path and headers, refused ones included', async () => {
    const before = server.requests.length;

    await get(server, path, 'sk-proj-abc123');
    await get(server, path);

    expect(server.requests.slice(before)).toEqual([
      { method: 'GET', url: path, headers: expect.objectContaining({ authorization: 'Bearer sk-proj-abc123' }) },
      { method: 'GET', url: path, headers: expect.objectContaining({ authorization: `Bearer ${ADMIN_KEY}` }) },
    ]);
  });
});

describe('local OpenAI fault injection', () => {
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer({ ledger: openAiLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());
  const path = requestOf('costs-by-project');

  it('serves a queued 429 with retry-after, then the real page', async () => {
    const rateLimited = { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    server.failNext(1, { status: 429, headers: { 'retry-after': '2' }, body: rateLimited });

    const first = await get(server, path);
    const second = await get(server, path);

    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(first.body).toEqual(rateLimited);
    expect(second.status).toBe(200);
    expect(comparable(second.body)).toEqual(comparable(fixture('costs-by-project.page1.json')));
  });

  it('serves faults in the order queued (two 500s, then a malformed 200) before answering from the ledger again', async () => {
    server.failNext(2, { status: 500, body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } } });
    server.failNext(1, { status: 200, body: '{"object": "page", "data": [' });

    const replies = [await get(server, path), await get(server, path), await get(server, path), await get(server, path)];

    expect(replies.map((r) => r.status)).toEqual([500, 500, 200, 200]);
    expect(replies[2]!.body).toBe('{"object": "page", "data": [');
    expect(replies[3]!.body.object).toBe('page');
  });
});

describe('local OpenAI serving the sample books', () => {
  const ledger = sampleProviderLedger();
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer({ ledger: ledger.openai, adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());

  it("pages October's costs by project (7 days a page) and they sum to the ledger's, to the last decimal", async () => {
    const start = Date.parse('2026-10-01T00:00:00Z') / 1000;
    const end = Date.parse('2026-11-01T00:00:00Z') / 1000;

    const pages = await allPages(server, `/v1/organization/costs?start_time=${start}&end_time=${end}&group_by=project_id`);

    expect(pages.map((p) => p.data.length)).toEqual([7, 7, 7, 7, 3]);
    const served = new Map<string, Big>();
    for (const bucket of pages.flatMap((p) => p.data)) {
      for (const r of bucket.results) served.set(r.project_id, (served.get(r.project_id) ?? new Big(0)).plus(String(r.amount.value)));
    }
    const expected = new Map<string, Big>();
    for (const row of ledger.openai.costs) {
      if (row.day.startsWith('2026-10')) expected.set(row.projectId!, (expected.get(row.projectId!) ?? new Big(0)).plus(row.amountUsd));
    }
    expect([...served.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [project, total] of expected) expect(served.get(project)!.eq(total), `${project}: ${served.get(project)!.toFixed()} = ${total.toFixed()}`).toBe(true);
    // 31 October has no bill yet: its bucket is there, empty.
    expect(pages.at(-1).data.at(-1)).toEqual({ object: 'bucket', start_time: end - DAY, end_time: end, results: [] });
  });

  it('cuts pages at 31 daily buckets even when limit asks for 180', async () => {
    const start = Date.parse('2026-09-01T00:00:00Z') / 1000;
    const end = Date.parse('2026-11-01T00:00:00Z') / 1000;

    const pages = await allPages(server, `/v1/organization/costs?start_time=${start}&end_time=${end}&group_by=project_id&limit=180`);

    expect(pages.map((p) => [p.data.length, p.has_more])).toEqual([
      [31, true],
      [30, false],
    ]);
  });
});

describe('local OpenAI with a clock', () => {
  const ledger = sampleProviderLedger();
  const at = (iso: string) => Date.parse(iso) / 1000;
  let now = new Date('2026-10-21T14:15:00Z');
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer({ ledger: ledger.openai, adminKey: ADMIN_KEY, now: () => now });
  });
  afterAll(() => server.close());
  const ledgerInput = (from: string, to: string) =>
    ledger.openai.usage.filter((r) => r.endpoint === 'completions' && r.hour >= from && r.hour < to).reduce((n, r) => n + r.inputTokens, 0);

  it('lists usage buckets up to the hour in progress, served whole, and none that have not started', async () => {
    now = new Date('2026-10-21T14:15:00Z');

    const hourly = await get(server, `/v1/organization/usage/completions?start_time=${at('2026-10-21T00:00:00Z')}&end_time=${at('2026-10-22T00:00:00Z')}&bucket_width=1h`);
    const daily = await get(server, `/v1/organization/usage/completions?start_time=${at('2026-10-20T00:00:00Z')}&end_time=${at('2026-10-23T00:00:00Z')}&bucket_width=1d`);

    expect(hourly.status).toBe(200);
    expect(hourly.body.data).toHaveLength(15); // 00:00 … 14:00
    expect(hourly.body.has_more).toBe(false);
    const last = hourly.body.data.at(-1);
    expect([last.start_time, last.results[0].input_tokens]).toEqual([at('2026-10-21T14:00:00Z'), ledgerInput('2026-10-21T14:00:00Z', '2026-10-21T15:00:00Z')]);
    // 10-20 whole, 10-21 so far (its hours 00:00 … 14:00); 10-22 has not started.
    expect(daily.body.data.map((b: any) => [b.start_time, b.results[0]?.input_tokens])).toEqual([
      [at('2026-10-20T00:00:00Z'), ledgerInput('2026-10-20T00:00:00Z', '2026-10-21T00:00:00Z')],
      [at('2026-10-21T00:00:00Z'), ledgerInput('2026-10-21T00:00:00Z', '2026-10-21T15:00:00Z')],
    ]);
  });

  it("bills only the days before now's UTC day: today's bucket is listed empty, and its bill appears once the day is over", async () => {
    const costs = async () =>
      (await get(server, `/v1/organization/costs?start_time=${at('2026-10-19T00:00:00Z')}&end_time=${at('2026-10-24T00:00:00Z')}`)).body.data.map((b: any) => [b.start_time, b.results.length]);

    now = new Date('2026-10-21T23:59:59Z');
    const lateOnTheDay = await costs();
    now = new Date('2026-10-22T00:30:00Z');
    const nextMorning = await costs();

    expect(lateOnTheDay).toEqual([
      [at('2026-10-19T00:00:00Z'), 1],
      [at('2026-10-20T00:00:00Z'), 1],
      [at('2026-10-21T00:00:00Z'), 0],
    ]);
    expect(nextMorning).toEqual([
      [at('2026-10-19T00:00:00Z'), 1],
      [at('2026-10-20T00:00:00Z'), 1],
      [at('2026-10-21T00:00:00Z'), 1],
      [at('2026-10-22T00:00:00Z'), 0],
    ]);
  });
});
