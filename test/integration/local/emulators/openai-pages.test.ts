import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiServer } from '../../../../local/emulators/openai-server';
import { mapOpenAiCosts } from '../../../../functions/sources/openai/openai-cost-mapper';
import type { OpenAiMapperContext } from '../../../../functions/sources/openai/openai-pages';
import { mapOpenAiUnitUsage } from '../../../../functions/sources/openai/openai-unit-usage-mapper';
import { mapOpenAiUsage } from '../../../../functions/sources/openai/openai-usage-mapper';
import { fixture, requestOf, ADMIN_KEY, DAY, OCT_1, get, allPages, comparable, openAiLedger } from './openai-harness';

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
