import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_BETA, FAST_MODE_BETA, startAnthropicServer, type AnthropicServer } from '../../../../local/emulators/anthropic-server';
import type { ProviderLedger } from '../../../../local/sample/provider-ledger';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/anthropic/', import.meta.url));
const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as T;
const requestOf = (name: string): string => readFileSync(`${FIXTURES}${name}.request.txt`, 'utf8').trim();

const ADMIN_KEY = 'sk-ant-admin01-LOCALtestKEY000000000000000001';
const VERSION = '2023-06-01';
const USAGE = '/v1/organizations/usage_report/messages';
const COST = '/v1/organizations/cost_report';

interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON pages are inspected field by field
}

/** GETs a path from the server with the Admin API headers (each can be overridden or dropped with null). */
async function get(server: AnthropicServer, path: string, headers: { key?: string | null; version?: string | null; beta?: string | null } = {}): Promise<Reply> {
  const key = headers.key === undefined ? ADMIN_KEY : headers.key;
  const version = headers.version === undefined ? VERSION : headers.version;
  // The analytics endpoints need their beta header; the legacy usage report needs fast mode's to group by speed.
  const beta = headers.beta === undefined ? (path.includes('/analytics/') ? ANALYTICS_BETA : path.includes('speed') ? FAST_MODE_BETA : null) : headers.beta;
  const response = await fetch(`${server.url}${path}`, {
    headers: { ...(key === null ? {} : { 'x-api-key': key }), ...(version === null ? {} : { 'anthropic-version': version }), ...(beta === null ? {} : { 'anthropic-beta': beta }) },
  });
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
async function allPages(server: AnthropicServer, path: string): Promise<any[]> {
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
 * A page in comparable form: a cents `amount` string becomes big.js canonical form, so two amounts compare equal
 * exactly when `Big(a).eq(b)` (`"250.00"` and `"250"` are the same amount); a `next_page` token becomes a marker.
 */
function comparable(page: unknown): unknown {
  const walk = (value: unknown, key?: string): unknown => {
    if ((key === 'amount' || key === 'list_amount') && typeof value === 'string') return new Big(value).toFixed();
    if (key === 'next_page') return typeof value === 'string' && value.length > 0 ? '<token>' : value;
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return walk(page);
}

const anthropicLedger = () => fixture<ProviderLedger['anthropic']>('ledger.json');

describe('local Anthropic against the recorded fixtures', () => {
  let server: AnthropicServer;
  beforeAll(async () => {
    server = await startAnthropicServer({ ledger: anthropicLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());

  it.each([
    ['cost-by-workspace-description', 2],
    ['cost-by-workspace', 1],
    ['usage-messages-hourly', 1],
  ])('reproduces %s (%i page(s)) exactly from ledger.json, cents compared as decimals', async (name, pageCount) => {
    // Prepare
    const path = requestOf(name);

    // Act
    const pages = await allPages(server, path);

    // Assess
    expect(pages).toHaveLength(pageCount);
    pages.forEach((page, i) => expect(comparable(page), `${name} page ${i + 1}`).toEqual(comparable(fixture(`${name}.page${i + 1}.json`))));
  });

  it('with limit=1 gives a next_page token and has_more on every page but the last, whose next_page is null', async () => {
    const pages = await allPages(server, requestOf('cost-by-workspace-description'));

    expect(pages.map((p) => [p.has_more, p.next_page === null])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(pages[0].next_page).toMatch(/^page_/);
  });

  it('sums cents strings exactly and writes them with at least two decimals, USD uppercase', async () => {
    const { body } = await get(server, `${COST}?starting_at=2026-10-02T00:00:00Z&ending_at=2026-10-03T00:00:00Z&group_by[]=workspace_id`);

    // 903.125 + 0.005 = 903.130 for wrkspc_data; 1520.05 + 12.30 + 120.00 for wrkspc_support.
    expect(body.data[0].results.map((r: any) => [r.workspace_id, r.amount, r.currency])).toEqual([
      ['wrkspc_data', '903.13', 'USD'],
      ['wrkspc_support', '1652.35', 'USD'],
    ]);
  });
});

describe('local Anthropic time ranges, buckets and grouping', () => {
  let server: AnthropicServer;
  beforeAll(async () => {
    server = await startAnthropicServer({ ledger: anthropicLedger(), adminKey: ADMIN_KEY });
  });
  afterAll(() => server.close());

  it('lists every day of the range, empty ones with results: [], and no bucket ending after ending_at', async () => {
    const { body } = await get(server, `${COST}?starting_at=2026-09-30T00:00:00Z&ending_at=2026-10-05T00:00:00Z`);

    expect(body.data.map((b: any) => [b.starting_at, b.ending_at, b.results.length])).toEqual([
      ['2026-09-30T00:00:00Z', '2026-10-01T00:00:00Z', 1],
      ['2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', 1],
      ['2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z', 1],
      ['2026-10-03T00:00:00Z', '2026-10-04T00:00:00Z', 0],
      ['2026-10-04T00:00:00Z', '2026-10-05T00:00:00Z', 1],
    ]);
  });

  it('returns only buckets that end at or before ending_at: a day still running is left out', async () => {
    const { body } = await get(server, `${COST}?starting_at=2026-10-01T00:00:00Z&ending_at=2026-10-02T12:00:00Z`);

    expect(body.data.map((b: any) => b.starting_at)).toEqual(['2026-10-01T00:00:00Z']);
  });

  it('excludes the hour at ending_at (15:00 row) and snaps starting_at down to the hour', async () => {
    const { body } = await get(server, `${USAGE}?starting_at=2026-10-01T13:30:00Z&ending_at=2026-10-01T15:00:00Z&bucket_width=1h`);

    expect(body.data.map((b: any) => [b.starting_at, b.results.map((r: any) => r.uncached_input_tokens)])).toEqual([
      ['2026-10-01T13:00:00Z', [152034 + 10000 + 42000 + 2000000]],
      ['2026-10-01T14:00:00Z', [98000 + 61000 + 300000 + 45000]],
    ]);
  });

  it('without group_by sums everything into one result per bucket with every grouping field null', async () => {
    const { body } = await get(server, `${USAGE}?starting_at=2026-10-01T13:00:00Z&ending_at=2026-10-01T14:00:00Z&bucket_width=1h`);

    expect(body.data[0].results).toEqual([
      {
        uncached_input_tokens: 2204034,
        cache_creation: { ephemeral_5m_input_tokens: 20480, ephemeral_1h_input_tokens: 4096 },
        cache_read_input_tokens: 880112,
        output_tokens: 441155,
        server_tool_use: { web_search_requests: 12 },
        workspace_id: null,
        api_key_id: null,
        model: null,
        service_tier: null,
        context_window: null,
        inference_geo: null,
        speed: null,
      },
    ]);
  });

  it('keeps the default workspace as workspace_id null when grouped by it, and splits by inference_geo and context_window when asked', async () => {
    const { body } = await get(
      server,
      `${USAGE}?starting_at=2026-10-01T13:00:00Z&ending_at=2026-10-01T14:00:00Z&bucket_width=1h&group_by[]=workspace_id&group_by[]=inference_geo&group_by[]=context_window`,
    );

    expect(body.data[0].results.map((r: any) => [r.workspace_id, r.context_window, r.inference_geo, r.uncached_input_tokens, r.model])).toEqual([
      [null, '0-200k', 'global', 42000, null],
      ['wrkspc_data', '0-200k', 'global', 2000000, null],
      ['wrkspc_support', '0-200k', 'global', 152034, null],
      ['wrkspc_support', '0-200k', 'us', 10000, null],
    ]);
  });

  it('groups cost by description alone: workspace_id null, description-derived fields filled, web search with no model', async () => {
    const { body } = await get(server, `${COST}?starting_at=2026-10-01T00:00:00Z&ending_at=2026-10-02T00:00:00Z&group_by[]=description`);

    expect(body.data[0].results.map((r: any) => [r.workspace_id, r.description, r.cost_type, r.model, r.token_type, r.amount])).toEqual([
      [null, 'Claude Haiku 4.5 Usage - Input Tokens', 'tokens', 'claude-haiku-4-5-20251001', 'uncached_input_tokens', '112.0417'],
      [null, 'Claude Sonnet 4.5 Usage - 5m Cache Write Input Tokens', 'tokens', 'claude-sonnet-4-5-20250929', 'cache_creation.ephemeral_5m_input_tokens', '7.68'],
      [null, 'Claude Sonnet 4.5 Usage - Cache Read Input Tokens', 'tokens', 'claude-sonnet-4-5-20250929', 'cache_read_input_tokens', '26.4033'],
      [null, 'Claude Sonnet 4.5 Usage - Input Tokens', 'tokens', 'claude-sonnet-4-5-20250929', 'uncached_input_tokens', '1843.27'],
      [null, 'Claude Sonnet 4.5 Usage - Output Tokens', 'tokens', 'claude-sonnet-4-5-20250929', 'output_tokens', '2415.50'],
      [null, 'Web Search Usage', 'web_search', null, null, '250.00'],
    ]);
  });

  it('puts an hour of usage in the minute at the top of the hour with bucket_width=1m', async () => {
    const { body } = await get(server, `${USAGE}?starting_at=2026-10-01T13:00:00Z&ending_at=2026-10-01T13:03:00Z&bucket_width=1m&workspace_ids[]=wrkspc_data`);

    expect(body.data.map((b: any) => [b.starting_at, b.ending_at, b.results.map((r: any) => r.uncached_input_tokens)])).toEqual([
      ['2026-10-01T13:00:00Z', '2026-10-01T13:01:00Z', [2000000]],
      ['2026-10-01T13:01:00Z', '2026-10-01T13:02:00Z', []],
      ['2026-10-01T13:02:00Z', '2026-10-01T13:03:00Z', []],
    ]);
  });

  it('filters by workspace_ids[], api_key_ids[], models[] and service_tiers[]', async () => {
    const base = `${USAGE}?starting_at=2026-10-01T13:00:00Z&ending_at=2026-10-01T15:00:00Z&bucket_width=1h`;
    const uncached = async (filter: string) => {
      const reply = await get(server, `${base}&${filter}`);
      return reply.body.data.reduce((sum: number, b: any) => sum + (b.results[0]?.uncached_input_tokens ?? 0), 0);
    };

    expect(await uncached('workspace_ids[]=wrkspc_data&workspace_ids[]=wrkspc_sandbox')).toBe(2000000 + 300000 + 45000);
    expect(await uncached('api_key_ids[]=apikey_growth_app')).toBe(61000);
    expect(await uncached('models[]=claude-sonnet-4-5-20250929')).toBe(152034 + 10000 + 98000 + 45000);
    expect(await uncached('service_tiers[]=priority')).toBe(45000);
    expect(await uncached('workspace_ids[]=wrkspc_nobody')).toBe(0);
  });

  it('without ending_at runs the range to the end of the data', async () => {
    const { body } = await get(server, `${COST}?starting_at=2026-10-03T00:00:00Z`);

    expect(body.data.map((b: any) => [b.starting_at, b.results.length])).toEqual([
      ['2026-10-03T00:00:00Z', 0],
      ['2026-10-04T00:00:00Z', 1],
    ]);
  });

  it.each([
    ['cost_report', `${COST}?`, 7],
    ['1d usage', `${USAGE}?bucket_width=1d&`, 7],
    ['1h usage', `${USAGE}?bucket_width=1h&`, 24],
    ['1m usage', `${USAGE}?bucket_width=1m&`, 60],
  ])('pages %s at the documented default limit of %i buckets', async (_, prefix, limit) => {
    const { body } = await get(server, `${prefix}starting_at=2026-10-01T00:00:00Z&ending_at=2026-10-11T00:00:00Z`);

    expect(body.data).toHaveLength(limit);
    expect(body.has_more).toBe(true);
  });

  it.each([
    ['cost_report', `${COST}?`, 31],
    ['1d usage', `${USAGE}?bucket_width=1d&`, 31],
    ['1h usage', `${USAGE}?bucket_width=1h&`, 168],
    ['1m usage', `${USAGE}?bucket_width=1m&`, 1440],
  ])('accepts limit up to the maximum for %s (%i) and answers 400 invalid_request_error above it or at 0', async (_, prefix, max) => {
    const at = (limit: number) => get(server, `${prefix}starting_at=2026-10-01T00:00:00Z&ending_at=2026-10-03T00:00:00Z&limit=${limit}`);

    expect((await at(max)).status).toBe(200);
    for (const limit of [max + 1, 0]) {
      const reply = await at(limit);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^limit/) } });
    }
  });

  it.each([
    ['a missing starting_at', `${COST}?ending_at=2026-10-03T00:00:00Z`, /starting_at/],
    ['a starting_at that is not RFC 3339', `${COST}?starting_at=2026-10-01`, /starting_at/],
    ['ending_at not after starting_at', `${COST}?starting_at=2026-10-02T00:00:00Z&ending_at=2026-10-01T00:00:00Z`, /ending_at/],
    ['bucket_width 1h on cost_report (1d only)', `${COST}?starting_at=2026-10-01T00:00:00Z&bucket_width=1h`, /bucket_width/],
    ['group_by[]=model on cost_report', `${COST}?starting_at=2026-10-01T00:00:00Z&group_by[]=model`, /group_by/],
    ['group_by without brackets', `${COST}?starting_at=2026-10-01T00:00:00Z&group_by=workspace_id`, /group_by\[\]/],
    ['a workspace filter on cost_report (not documented there)', `${COST}?starting_at=2026-10-01T00:00:00Z&workspace_ids[]=wrkspc_data`, /workspace_ids/],
    ['an unknown parameter', `${USAGE}?starting_at=2026-10-01T00:00:00Z&workspace_id[]=wrkspc_data`, /workspace_id/],
    ['a page token that is not one', `${COST}?starting_at=2026-10-01T00:00:00Z&page=garbage`, /page/],
  ])('answers 400 invalid_request_error for %s', async (_, path, message) => {
    const reply = await get(server, path);

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(message) } });
  });

  it('refuses a page token replayed on a different query', async () => {
    const first = await get(server, requestOf('cost-by-workspace-description'));

    const replay = await get(server, `${COST}?starting_at=2026-10-01T00:00:00Z&ending_at=2026-10-03T00:00:00Z&limit=1&page=${first.body.next_page}`);

    expect(replay.status).toBe(400);
    expect(replay.body.error.message).toMatch(/page/);
  });

  it('answers 404 not_found_error for an unknown path', async () => {
    const reply = await get(server, '/v1/organizations/usage_report/claude_code?starting_at=2026-10-01T00:00:00Z');

    expect(reply.status).toBe(404);
    expect(reply.body.error.type).toBe('not_found_error');
  });
});

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
