import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer, type AnthropicServer } from '../../../../local/emulators/anthropic-server';
import { fixture, requestOf, ADMIN_KEY, USAGE, COST, get, allPages, comparable, anthropicLedger } from './anthropic-harness';

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
