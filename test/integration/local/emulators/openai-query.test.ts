import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiServer } from '../../../../local/emulators/openai-server';
import { requestOf, ADMIN_KEY, DAY, OCT_1, HOUR_13, get, comparable, openAiLedger } from './openai-harness';

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
