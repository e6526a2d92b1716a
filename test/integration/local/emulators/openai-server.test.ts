import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiServer } from '../../../../local/emulators/openai-server';
import type { ProviderLedger } from '../../../../local/sample/provider-ledger';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';
import { mapOpenAiCosts } from '../../../../functions/sources/openai/openai-cost-mapper';
import type { OpenAiMapperContext } from '../../../../functions/sources/openai/openai-pages';
import { mapOpenAiUnitUsage } from '../../../../functions/sources/openai/openai-unit-usage-mapper';
import { mapOpenAiUsage } from '../../../../functions/sources/openai/openai-usage-mapper';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/openai/', import.meta.url));
const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as T;
const requestOf = (name: string): string => readFileSync(`${FIXTURES}${name}.request.txt`, 'utf8').trim();

const ADMIN_KEY = 'sk-admin-LOCALtestKEY0000000000000001';
const DAY = 86400;
const OCT_1 = 1790812800; // 2026-10-01T00:00:00Z
const HOUR_13 = OCT_1 + 13 * 3600;

interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON pages are inspected field by field
}

/** GETs a path (with `/v1`, as in the fixtures) from the server's origin with a bearer key. */
async function get(server: OpenAiServer, path: string, key: string | null = ADMIN_KEY): Promise<Reply> {
  const origin = server.url.replace(/\/v1$/, '');
  const response = await fetch(`${origin}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Leave malformed bodies as text for the test to look at.
  }
  return { status: response.status, headers: response.headers, body };
}

/** Follows `next_page` to the end and returns every page (asserting each is a 200). */
async function allPages(server: OpenAiServer, path: string): Promise<any[]> {
  const pages: any[] = [];
  let token: string | null = null;
  do {
    const reply = await get(server, token === null ? path : `${path}&page=${encodeURIComponent(token)}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    pages.push(reply.body);
    token = reply.body.has_more ? reply.body.next_page : null;
  } while (token !== null);
  return pages;
}

/**
 * A page in comparable form: `amount.value` (a JSON number) becomes its exact decimal via `String()` and big.js, so
 * two amounts compare equal exactly when they are the same decimal; a `next_page` token becomes a marker (its
 * presence matters, its value is opaque).
 */
function comparable(page: unknown): unknown {
  const walk = (value: unknown, key?: string): unknown => {
    if (key === 'amount' && typeof value === 'object' && value !== null && ['number', 'string'].includes(typeof (value as { value: unknown }).value)) {
      const amount = value as { value: number | string; currency: unknown };
      return { value: new Big(String(amount.value)).toFixed(), currency: amount.currency };
    }
    if (key === 'next_page') return typeof value === 'string' && value.length > 0 ? '<token>' : value;
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return walk(page);
}

const openAiLedger = () => fixture<ProviderLedger['openai']>('ledger.json');

describe('local OpenAI against the recorded fixtures', () => {
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer({ ledger: openAiLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());

  it.each([
    ['costs-by-project-line-item-key', 2],
    ['costs-by-project', 1],
    ['usage-completions-hourly', 1],
    ['usage-embeddings-daily', 1],
    ['usage-completions-tiers', 1],
    ['usage-images-daily', 1],
    ['usage-audio_speeches-daily', 1],
    ['usage-audio_transcriptions-daily', 1],
    ['usage-moderations-daily', 1],
    ['usage-vector_stores-daily', 1],
    ['usage-vector_stores-hourly', 1],
    ['usage-code_interpreter_sessions-daily', 1],
    ['usage-file_search_calls-daily', 1],
    ['usage-web_search_calls-daily', 1],
  ])('reproduces %s (%i page(s)) exactly from ledger.json, money compared as decimals', async (name, pageCount) => {
    // Prepare
    const path = requestOf(name);

    // Act
    const pages = await allPages(server, path);

    // Assess
    expect(pages).toHaveLength(pageCount);
    pages.forEach((page, i) => expect(comparable(page), `${name} page ${i + 1}`).toEqual(comparable(fixture(`${name}.page${i + 1}.json`))));
  });

  it('with limit=1 gives a next_page token and has_more on every page but the last, whose next_page is null', async () => {
    const pages = await allPages(server, requestOf('costs-by-project-line-item-key'));

    expect(pages.map((p) => [p.has_more, typeof p.next_page])).toEqual([
      [true, 'string'],
      [false, 'object'],
    ]);
    expect(pages[1].next_page).toBeNull();
    expect(pages[0].next_page).toMatch(/^page_/);
  });

  it('sends amounts as JSON numbers in dollars with lowercase usd, summed exactly (3.4118675 + 3.18206 = 6.5939275, not the float 6.5939274999999995)', async () => {
    const { body } = await get(server, `/v1/organization/costs?start_time=${OCT_1}&end_time=${OCT_1 + DAY}&group_by=project_id&project_ids=proj_payments`);

    expect(body.data[0].results).toEqual([expect.objectContaining({ amount: { value: 6.5939275, currency: 'usd' }, project_id: 'proj_payments' })]);
  });
});

describe('local OpenAI answering as the live API does (addendum §A4)', () => {
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer({ ledger: openAiLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());
  const FLOOR = 1764979200; // 2025-12-06T00:00:00Z

  it('serves the buckets of the short-page fixture (fewer buckets a page than limit) with the same results, whatever the page cut', async () => {
    const served = (await allPages(server, requestOf('costs-line-items-short-pages'))).flatMap((p) => p.data);
    const recorded = [fixture<any>('costs-line-items-short-pages.page1.json'), fixture<any>('costs-line-items-short-pages.page2.json')].flatMap((p) => p.data);

    expect(comparable(served)).toEqual(comparable(recorded));
  });

  it('sends some amounts as JSON strings (every second result of a bucket) and the rest as numbers, with the same field set as the fixture', async () => {
    const [page] = await allPages(server, requestOf('costs-line-items-short-pages'));
    const results = page.data[0].results;

    expect(results.map((r: any) => typeof r.amount.value)).toEqual(['number', 'string', 'number', 'string', 'number']);
    const recordedKeys = Object.keys(fixture<any>('costs-line-items-short-pages.page1.json').data[0].results[0]).sort();
    for (const r of results) expect(Object.keys(r).sort()).toEqual(recordedKeys);
  });

  it('answers the recorded 400 naming start_time and the floor epoch for group_by=api_key_id before 2025-12-06, and serves from the floor second on', async () => {
    const refused = await get(server, requestOf('costs-key-floor'));
    const atFloor = await get(server, `/v1/organization/costs?start_time=${FLOOR}&end_time=${FLOOR + DAY}&group_by=api_key_id`);
    const secondEarlier = await get(server, `/v1/organization/costs?start_time=${FLOOR - 1}&end_time=${FLOOR + DAY}&group_by=api_key_id`);
    const olderByProject = await get(server, `/v1/organization/costs?start_time=${FLOOR - DAY}&end_time=${FLOOR + DAY}&group_by=project_id&group_by=line_item`);

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(fixture('costs-key-floor.400.json'));
    expect(atFloor.status).toBe(200);
    expect(secondEarlier.status).toBe(400);
    expect(secondEarlier.body.error).toMatchObject({ param: 'start_time', message: expect.stringContaining('1764979200') });
    expect(olderByProject.status).toBe(200);
    expect(olderByProject.body.data[0].results.map((r: any) => [r.line_item, r.api_key_id])).toEqual([['ft-gpt-4o-2024-08-06, input', null]]);
  });

  it('refuses limit=366 on costs with the documented message instead of clamping it', async () => {
    const reply = await get(server, `/v1/organization/costs?start_time=${OCT_1}&limit=366`);

    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ param: 'limit', message: 'Invalid limit provided: 366. Limit must be less than or equal to 180.' });
  });

  it('gives pages the mappers read into the golden records (the local OpenAI and the fixtures agree through the mapper too)', async () => {
    const ctx = (start: string, end: string, source: string): OpenAiMapperContext => ({ window: { start, end }, organizationId: 'org-test', source, today: '2026-11-23' });
    const costs = mapOpenAiCosts(await allPages(server, requestOf('costs-line-items-short-pages')), ctx('2025-12-06', '2025-12-08', 'openai-costs'));
    const tiers = mapOpenAiUsage(await allPages(server, requestOf('usage-completions-tiers')), 'completions', ctx('2026-10-10', '2026-10-11', 'openai-usage'));
    const searches = mapOpenAiUnitUsage(await allPages(server, requestOf('usage-file_search_calls-daily')), 'file_search_calls', ctx('2026-10-10', '2026-10-11', 'openai-usage'));

    expect(costs).toEqual(fixture('costs-line-items.records.golden.json'));
    expect(tiers).toEqual(fixture('usage-completions-tiers.records.golden.json'));
    expect(searches).toEqual(fixture('usage-file_search_calls.records.golden.json'));
  });
});

describe('local OpenAI time ranges, buckets and grouping', () => {
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer({ ledger: openAiLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());

  it('lists every day of the range, empty ones with results: [], the day at end_time excluded', async () => {
    const { body } = await get(server, `/v1/organization/costs?start_time=${OCT_1 - DAY}&end_time=${OCT_1 + 4 * DAY}`);

    // 09-30, 10-01, 10-02, 10-03 (nothing billed), 10-04; not 10-05.
    expect(body.data.map((b: any) => [b.start_time, b.end_time, b.results.length])).toEqual([
      [OCT_1 - DAY, OCT_1, 1],
      [OCT_1, OCT_1 + DAY, 1],
      [OCT_1 + DAY, OCT_1 + 2 * DAY, 1],
      [OCT_1 + 2 * DAY, OCT_1 + 3 * DAY, 0],
      [OCT_1 + 3 * DAY, OCT_1 + 4 * DAY, 1],
    ]);
    const shorter = await get(server, `/v1/organization/costs?start_time=${OCT_1 - DAY}&end_time=${OCT_1 + 3 * DAY}`);
    expect(shorter.body.data.at(-1).start_time).toBe(OCT_1 + 2 * DAY);
  });

  it('without group_by gives one result per bucket with every grouping field, quantity and unit null', async () => {
    const { body } = await get(server, `/v1/organization/costs?start_time=${OCT_1}&end_time=${OCT_1 + DAY}`);

    expect(comparable(body.data[0].results)).toEqual([
      {
        object: 'organization.costs.result',
        // The exact sum is 7.5372614500000001; a JSON number cannot carry 17 digits, so the nearest double goes out.
        amount: { value: '7.53726145', currency: 'usd' },
        line_item: null,
        project_id: null,
        api_key_id: null,
        quantity: null,
        quantity_unit: null,
      },
    ]);
  });

  it('counts a usage row at end_time out and one just before it in (end_time exclusive)', async () => {
    const upTo = (end: number) => get(server, `/v1/organization/usage/embeddings?start_time=${OCT_1 + DAY}&end_time=${end}`);

    const excluded = await upTo(OCT_1 + 2 * DAY); // the 2026-10-03T00:00 row sits exactly at end_time
    const included = await upTo(OCT_1 + 2 * DAY + 3600);

    expect(excluded.body.data.map((b: any) => b.results.map((r: any) => r.input_tokens))).toEqual([[500000]]);
    expect(included.body.data.map((b: any) => b.results.map((r: any) => r.input_tokens))).toEqual([[500000], [999]]);
  });

  it('snaps start_time down to the bucket boundary and keeps rows from end_time on out of the last bucket', async () => {
    const { body } = await get(server, `/v1/organization/usage/completions?start_time=${HOUR_13 + 1800}&end_time=${HOUR_13 + 3600 + 60}&bucket_width=1h`);

    expect(body.data.map((b: any) => b.start_time)).toEqual([HOUR_13, HOUR_13 + 3600]);
    // 13:00 all rows; 14:00 rows are at 14:00:00 < end_time, so they count.
    expect(body.data.map((b: any) => b.results[0].input_tokens)).toEqual([1110500, 893500]);
  });

  it('puts an hour of usage in the minute at the top of the hour with bucket_width=1m', async () => {
    const { body } = await get(server, `/v1/organization/usage/completions?start_time=${HOUR_13}&end_time=${HOUR_13 + 180}&bucket_width=1m&project_ids=proj_payments`);

    expect(body.data.map((b: any) => [b.end_time - b.start_time, b.results.map((r: any) => r.input_tokens)])).toEqual([
      [60, [70000]],
      [60, []],
      [60, []],
    ]);
  });

  it('accepts group_by[] (bracket form) exactly like repeated group_by', async () => {
    const repeated = await get(server, requestOf('usage-completions-hourly'));
    const brackets = await get(server, requestOf('usage-completions-hourly').replaceAll('group_by=', 'group_by[]='));

    expect(brackets.status).toBe(200);
    expect(brackets.body).toEqual(repeated.body);
  });

  it('fills only the grouped fields: group_by=batch splits batch from non-batch, other fields null', async () => {
    const { body } = await get(server, `/v1/organization/usage/completions?start_time=${HOUR_13 + 3600}&end_time=${HOUR_13 + 7200}&bucket_width=1h&group_by=batch&project_ids=proj_growth`);

    expect(body.data[0].results).toEqual([
      expect.objectContaining({ batch: false, input_tokens: 42500, project_id: null, model: null, api_key_id: null, user_id: null, service_tier: null }),
      expect.objectContaining({ batch: true, input_tokens: 640000, project_id: null, model: null, api_key_id: null, user_id: null, service_tier: null }),
    ]);
  });

  it('filters by project_ids, api_key_ids, models, user_ids and batch', async () => {
    // 2026-10-01 00:00 … 15:00: the 12:00 proj_payments row counts, the 15:00 one does not.
    const base = `/v1/organization/usage/completions?start_time=${OCT_1}&end_time=${HOUR_13 + 7200}&bucket_width=1d`;
    const input = async (filter: string) => (await get(server, `${base}&${filter}`)).body.data[0].results[0]?.input_tokens ?? 0;

    expect(await input('project_ids=proj_payments&project_ids=proj_search')).toBe(99999 + 52000 + 18000 + 61000 + 240500 + 150000);
    expect(await input('api_key_ids[]=key_growth_batch')).toBe(800000 + 640000 + 12000);
    expect(await input('models=o3-deep-research-2025-06-26')).toBe(150000);
    expect(await input('user_ids=user_ops')).toBe(18000);
    expect(await input('batch=true')).toBe(800000 + 640000);
    expect(await input('project_ids=proj_nobody')).toBe(0);
  });

  it('keeps a null-project cost out of a project_ids filter but in an unfiltered project grouping', async () => {
    const filtered = await get(server, `/v1/organization/costs?start_time=${OCT_1}&end_time=${OCT_1 + DAY}&group_by=project_id&project_ids=proj_search`);

    expect(filtered.body.data[0].results.map((r: any) => r.project_id)).toEqual(['proj_search']);
  });

  it('without end_time runs the range to the end of the data', async () => {
    const { body } = await get(server, `/v1/organization/costs?start_time=${OCT_1 + 2 * DAY}`);

    expect(body.data.map((b: any) => [b.start_time, b.results.length])).toEqual([
      [OCT_1 + 2 * DAY, 0],
      [OCT_1 + 3 * DAY, 1],
    ]);
  });

  it.each([
    ['costs', '/v1/organization/costs?', 7],
    ['1d usage', '/v1/organization/usage/completions?bucket_width=1d&', 7],
    ['1h usage', '/v1/organization/usage/completions?bucket_width=1h&', 24],
    ['1m usage', '/v1/organization/usage/embeddings?bucket_width=1m&', 60],
  ])('pages %s at the documented default limit of %i buckets', async (_, prefix, limit) => {
    const { body } = await get(server, `${prefix}start_time=${OCT_1}&end_time=${OCT_1 + 10 * DAY}`);

    expect(body.data).toHaveLength(limit);
    expect(body.has_more).toBe(true);
  });

  it.each([
    ['costs', '/v1/organization/costs?', 180],
    ['1d usage', '/v1/organization/usage/completions?bucket_width=1d&', 31],
    ['1h usage', '/v1/organization/usage/completions?bucket_width=1h&', 168],
    ['1m usage', '/v1/organization/usage/embeddings?bucket_width=1m&', 1440],
  ])('accepts limit up to the maximum for %s (%i) and answers 400 naming limit above it or at 0', async (_, prefix, max) => {
    const at = (limit: number) => get(server, `${prefix}start_time=${OCT_1}&end_time=${OCT_1 + 2 * DAY}&limit=${limit}`);

    expect((await at(max)).status).toBe(200);
    for (const limit of [max + 1, 0]) {
      const reply = await at(limit);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
    }
  });

  it.each([
    ['a missing start_time', '/v1/organization/costs?end_time=1790899200', 'start_time'],
    ['start_time not in Unix seconds', '/v1/organization/costs?start_time=2026-10-01', 'start_time'],
    ['end_time not after start_time', `/v1/organization/costs?start_time=${OCT_1}&end_time=${OCT_1}`, 'end_time'],
    ['bucket_width 1h on costs (1d only)', `/v1/organization/costs?start_time=${OCT_1}&bucket_width=1h`, 'bucket_width'],
    ['an unknown bucket_width', `/v1/organization/usage/completions?start_time=${OCT_1}&bucket_width=1w`, 'bucket_width'],
    ['group_by=model on costs', `/v1/organization/costs?start_time=${OCT_1}&group_by=model`, 'group_by'],
    ['group_by=batch on embeddings', `/v1/organization/usage/embeddings?start_time=${OCT_1}&group_by=batch`, 'group_by'],
    ['an unknown parameter (project_id for project_ids)', `/v1/organization/costs?start_time=${OCT_1}&project_id=proj_search`, 'project_id'],
    ['a page token that is not one', `/v1/organization/costs?start_time=${OCT_1}&page=garbage`, 'page'],
  ])('answers 400 invalid_request_error naming the param for %s', async (_, path, param) => {
    const reply = await get(server, path);

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param, code: expect.anything() } });
  });

  it('refuses a page token replayed on a different query', async () => {
    const first = await get(server, `${requestOf('costs-by-project-line-item-key')}`);

    const replay = await get(server, `/v1/organization/costs?start_time=${OCT_1}&end_time=${OCT_1 + 2 * DAY}&limit=1&page=${first.body.next_page}`);

    expect(replay.status).toBe(400);
    expect(replay.body.error.param).toBe('page');
  });

  it('answers 404 with the error envelope for an unknown path', async () => {
    const reply = await get(server, `/v1/organization/usage/decisions?start_time=${OCT_1}`);

    expect(reply.status).toBe(404);
    expect(reply.body.error.message).toMatch(/Invalid URL/);
  });
});

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
