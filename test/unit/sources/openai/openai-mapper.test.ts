import { describe, expect, it } from 'vitest';
import { mapOpenAiCosts } from '../../../../functions/sources/openai/openai-cost-mapper';
import { lineItemModel, parseLineItem, usageModel } from '../../../../functions/sources/openai/openai-line-items';
import type { OpenAiMapperContext } from '../../../../functions/sources/openai/openai-pages';
import { OPENAI_UNIT_ENDPOINTS, type OpenAiUnitEndpoint } from '../../../../functions/sources/openai/openai-unit-endpoints';
import { mapOpenAiUnitUsage } from '../../../../functions/sources/openai/openai-unit-usage-mapper';
import { mapOpenAiUsage } from '../../../../functions/sources/openai/openai-usage-mapper';
import { expectGolden, fixture } from '../../../support/fixtures';

const ctx = (start: string, end: string, source: string): OpenAiMapperContext => ({ window: { start, end }, organizationId: 'org-test', source, today: '2026-11-23' });
const costPages = () => [fixture('openai/costs-by-project-line-item-key.page1.json'), fixture('openai/costs-by-project-line-item-key.page2.json')];

describe('OpenAI mapper', () => {
  it('maps the recorded costs pages (two pages, a null project, an empty day) to the golden records', () => {
    expectGolden('openai/costs.records.golden.json', mapOpenAiCosts(costPages(), ctx('2026-10-01', '2026-10-03', 'openai-costs')));
  });

  it('maps the recorded hourly completions and daily embeddings usage to the golden records', () => {
    expectGolden('openai/usage-completions.records.golden.json', mapOpenAiUsage([fixture('openai/usage-completions-hourly.page1.json')], 'completions', ctx('2026-10-01', '2026-10-02', 'openai-usage')));
    expectGolden('openai/usage-embeddings.records.golden.json', mapOpenAiUsage([fixture('openai/usage-embeddings-daily.page1.json')], 'embeddings', ctx('2026-10-01', '2026-10-03', 'openai-usage')));
  });

  it('keeps a day whose bucket is empty as a day with no records: no bill yet, so costline estimates it', () => {
    const days = mapOpenAiCosts([fixture('openai/costs-by-project.page1.json')], ctx('2026-10-01', '2026-10-04', 'openai-costs'));
    expect(days.map((d) => [d.day, d.records.length > 0])).toEqual([
      ['2026-10-01', true],
      ['2026-10-02', true],
      ['2026-10-03', false],
    ]);
    expect(days[0]!.records.every((r) => r.model === null && r.tokenType === null && r.apiKeyId === null)).toBe(true);
  });

  it('reads amounts from their decimal text, never adding floats', () => {
    const days = mapOpenAiCosts(costPages(), ctx('2026-10-01', '2026-10-03', 'openai-costs'));
    const amounts = days.flatMap((d) => d.records.map((r) => r.billedCost));
    expect(amounts).toContain('0.7158151500000001');
    expect(amounts).toContain('3.4118675');
  });

  it.each([
    ['gpt-4o-2024-08-06, cached input', { surface: null, model: 'gpt-4o-2024-08-06', side: 'cached input', tokenType: 'cachedInput' }],
    ['gpt-4o-mini-2024-07-18, output', { surface: null, model: 'gpt-4o-mini-2024-07-18', side: 'output', tokenType: 'output' }],
    ['ft-gpt-4o-2024-08-06, input', { surface: null, model: 'ft-gpt-4o-2024-08-06', side: 'input', tokenType: 'input' }],
    ['evals | gpt-4o-mini-2024-07-18, input', { surface: 'evals', model: 'gpt-4o-mini-2024-07-18', side: 'input', tokenType: 'input' }],
    ['assistants api | file search', { surface: 'assistants api', model: null, side: null, tokenType: null }],
    ['gpt-5.2, cached input', { surface: null, model: 'gpt-5.2', side: 'cached input', tokenType: 'cachedInput' }],
    ['gpt-4o, images', { surface: null, model: 'gpt-4o', side: 'images', tokenType: null }],
    ['gpt-realtime-2.1-mini-2026-08-28, audio input', { surface: null, model: 'gpt-realtime-2.1-mini-2026-08-28', side: 'audio input', tokenType: null }],
    ['gpt-live-1, voice session', { surface: null, model: 'gpt-live-1', side: 'voice session', tokenType: null }],
    ['web search tool calls', { surface: null, model: null, side: null, tokenType: null }],
    ['Text tokens', { surface: null, model: null, side: null, tokenType: null }],
    ['dall-e-3, 1024x1024 hd', { surface: null, model: 'dall-e-3', side: '1024x1024 hd', tokenType: null }],
  ])('takes line item %j apart into surface, model, side and text token type', (text, parts) => {
    expect(parseLineItem(text)).toEqual(parts);
  });

  it.each([
    ['assistants api | file search', 'file-search'],
    ['file search storage', 'vector-store'],
    ['code interpreter sessions', 'code-interpreter'],
    ['web search tool calls', null],
    ['Text tokens', null],
    ['evals | gpt-4o-mini-2024-07-18, input', 'gpt-4o-mini-2024-07-18'],
  ])('gives line item %j the model %j, a modelless tool the model its usage records get', (text, model) => {
    expect(lineItemModel(text)).toBe(model);
  });

  it('reads a fine-tuned usage model id as the ft- model its cost lines name, and leaves other models alone', () => {
    expect(usageModel('ft:gpt-4o-2024-08-06:acme:support-tone:B7xk2Qd9')).toBe('ft-gpt-4o-2024-08-06');
    expect(usageModel('gpt-4o-2024-08-06')).toBe('gpt-4o-2024-08-06');
  });

  it('counts uncached input apart from cached input', () => {
    const [day] = mapOpenAiUsage([fixture('openai/usage-completions-hourly.page1.json')], 'completions', ctx('2026-10-01', '2026-10-02', 'openai-usage'));
    const search = day!.records.find((r) => r.subAccountId === 'proj_search' && r.model === 'gpt-4o-mini-2024-07-18')!;
    // The page says input_tokens 240,500 of which input_cached_tokens 131,072.
    expect(search.tokens).toMatchObject({ input: 109_428, cachedInput: 131_072, output: 20_400 });
  });

  it('rejects a malformed page naming the page and the field', () => {
    const [p1, p2] = costPages() as [any, any];
    p2.data[0].results = [{ amount: { value: true, currency: 'usd' } }];
    expect(() => mapOpenAiCosts([p1, p2], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toThrow(/^OpenAI costs, page 2: data\[0\]\.results\[0\]\.amount\.value: expected a number or a numeric string$/);
    const [q1] = costPages() as [any];
    q1.data[0].results[0].amount.currency = 'eur';
    expect(() => mapOpenAiCosts([q1, costPages()[1]], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toThrow(/amount\.currency: expected "usd", got "eur"/);
  });

  it('rejects a cost bucket without its results list, naming page and field: a missing list is not an empty day', () => {
    const [p1, p2] = costPages() as [any, any];
    delete p2.data[0].results;
    expect(() => mapOpenAiCosts([p1, p2], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toThrow(/^OpenAI costs, page 2: data\[0\]\.results: missing: a bucket lists its results/);
  });

  it('still reads the list under its older name `result`', () => {
    const [p1, p2] = costPages() as [any, any];
    p2.data[0].result = p2.data[0].results;
    delete p2.data[0].results;
    expect(mapOpenAiCosts([p1, p2], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toEqual(mapOpenAiCosts(costPages(), ctx('2026-10-01', '2026-10-03', 'openai-costs')));
  });

  it('rejects a usage bucket without its results list, naming page and field', () => {
    const page = fixture<any>('openai/usage-embeddings-daily.page1.json');
    delete page.data[0].results;
    expect(() => mapOpenAiUsage([page], 'embeddings', ctx('2026-10-01', '2026-10-03', 'openai-usage'))).toThrow(/page 1: data\[0\]\.results: missing: a bucket lists its results/);
  });

  it('rejects an answer missing a past day, so no day is replaced by a partial answer', () => {
    expect(() => mapOpenAiCosts([costPages()[0]], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toThrow(/returned no bucket for 2026-10-02/);
  });

  it('maps the short line-item pages (string amounts, ft-, evals and file-search lines) to the golden records', () => {
    const pages = [fixture('openai/costs-line-items-short-pages.page1.json'), fixture('openai/costs-line-items-short-pages.page2.json')];
    const days = mapOpenAiCosts(pages, ctx('2025-12-06', '2025-12-08', 'openai-costs'));
    expectGolden('openai/costs-line-items.records.golden.json', days);
    const records = days.flatMap((d) => d.records);
    expect(records.find((r) => r.usageType === 'evals | gpt-4o-mini-2024-07-18, input')).toMatchObject({ model: 'gpt-4o-mini-2024-07-18', tokenType: 'input', billedCost: '0.0321' });
    expect(records.find((r) => r.usageType === 'ft-gpt-4o-2024-08-06, input')).toMatchObject({ model: 'ft-gpt-4o-2024-08-06', tokenType: 'input', billedCost: '1.96875' });
    expect(records.find((r) => r.usageType === 'assistants api | file search')).toMatchObject({ model: 'file-search', tokenType: null, consumedQuantity: null });
  });

  it('reads amount.value the same whether it is a JSON number or a numeric string, exactly', () => {
    const asNumber = fixture<any>('openai/costs-by-project-line-item-key.page1.json');
    const asString = fixture<any>('openai/costs-by-project-line-item-key.page1.json');
    for (const r of asString.data[0].results) r.amount.value = String(r.amount.value);
    asString.data[0].results[0].amount.value = '0.01399380000000000'; // a zero tail, as decimal-typed exports show
    const map = (p: unknown) => mapOpenAiCosts([p], ctx('2026-10-01', '2026-10-02', 'openai-costs'));
    expect(map(asString)).toEqual(map(asNumber));
  });

  it('rejects a non-numeric amount string and a non-numeric quantity string naming the field, and reads a numeric quantity string', () => {
    const page = () => fixture<any>('openai/costs-by-project-line-item-key.page1.json');
    const map = (p: unknown) => mapOpenAiCosts([p], ctx('2026-10-01', '2026-10-02', 'openai-costs'));
    const badAmount = page();
    badAmount.data[0].results[1].amount.value = 'n/a';
    expect(() => map(badAmount)).toThrow(/^OpenAI costs, page 1: data\[0\]\.results\[1\]\.amount\.value: expected a number or a numeric string, got "n\/a"$/);
    const badQuantity = page();
    badQuantity.data[0].results[2].quantity = 'lots';
    expect(() => map(badQuantity)).toThrow(/data\[0\]\.results\[2\]\.quantity: expected a number or a numeric string, got "lots"/);
    const stringQuantity = page();
    stringQuantity.data[0].results[2].quantity = '318206';
    expect(map(stringQuantity)[0]!.records[2]!.consumedQuantity).toBe('318206');
  });

  it('rejects a bucket of a width the query did not ask for, naming the field', () => {
    const p = fixture<any>('openai/costs-by-project-line-item-key.page1.json');
    p.data[0].end_time = p.data[0].start_time + 3600;
    expect(() => mapOpenAiCosts([p], ctx('2026-10-01', '2026-10-02', 'openai-costs'))).toThrow(/^OpenAI costs, page 1: data\[0\]\.end_time: bucket of 3600 s is not a width/);
  });

  it('maps usage grouped by service tier and batch, with cache-write, audio and image tokens, to the golden records', () => {
    const days = mapOpenAiUsage([fixture('openai/usage-completions-tiers.page1.json')], 'completions', ctx('2026-10-10', '2026-10-11', 'openai-usage'));
    expectGolden('openai/usage-completions-tiers.records.golden.json', days);
    const records = days[0]!.records;
    expect(records.map((r) => [r.apiKeyId, r.model, r.serviceTier])).toEqual([
      ['key_growth_batch', 'gpt-4o-2024-08-06', 'batch'],
      ['key_growth_voice', 'gpt-realtime-2.1-mini-2026-08-28', 'standard'],
      ['key_growth_web', 'gpt-4o-mini-2024-07-18', 'priority'],
      ['key_payments_prod', 'gpt-4o-2024-08-06', 'standard'],
      ['key_payments_prod', 'gpt-4o-2024-08-06', 'flex'],
      ['key_support_ft', 'ft-gpt-4o-2024-08-06', 'standard'],
    ]);
    // 120,000 input = 40,000 cached + 72,000 uncached + 8,000 cache write.
    expect(records[3]!.tokens).toEqual({ input: 72_000, cachedInput: 40_000, cacheWrite5m: 8_000, cacheWrite1h: 0, output: 15_000 });
    expect(records[1]!.modalities).toEqual({ audio: { input: 20_000, cachedInput: 5_000, output: 10_000 }, image: { input: 0, cachedInput: 0, output: 0 } });
    expect(records[2]!.modalities?.image).toEqual({ input: 24_000, cachedInput: 0, output: 0 });
  });

  it('derives uncached and cache-write tokens when a page predates those fields', () => {
    const p = fixture<any>('openai/usage-completions-tiers.page1.json');
    for (const r of p.data[0].results) delete r.input_cache_write_tokens;
    const derived = mapOpenAiUsage([p], 'completions', ctx('2026-10-10', '2026-10-11', 'openai-usage'))[0]!.records[3]!;
    expect(derived.tokens).toMatchObject({ input: 72_000, cachedInput: 40_000, cacheWrite5m: 8_000 });
    for (const r of p.data[0].results) delete r.input_uncached_tokens;
    const older = mapOpenAiUsage([p], 'completions', ctx('2026-10-10', '2026-10-11', 'openai-usage'))[0]!.records[3]!;
    // Without either field the cache writes cannot be told from uncached input: all of it counts as input.
    expect(older.tokens).toMatchObject({ input: 80_000, cachedInput: 40_000, cacheWrite5m: 0 });
  });

  it('rejects usage whose input parts do not add up to input_tokens, naming the field', () => {
    const p = fixture<any>('openai/usage-completions-tiers.page1.json');
    p.data[0].results[3].input_uncached_tokens = 71_999;
    expect(() => mapOpenAiUsage([p], 'completions', ctx('2026-10-10', '2026-10-11', 'openai-usage'))).toThrow(
      /^OpenAI usage\/completions, page 1: data\[0\]\.results\[3\]\.input_tokens: 120000 is not input_cached_tokens \+ input_uncached_tokens \+ input_cache_write_tokens/,
    );
  });

  const UNIT_FIXTURES = Object.keys(OPENAI_UNIT_ENDPOINTS) as OpenAiUnitEndpoint[];
  it.each(UNIT_FIXTURES)('maps the recorded daily %s page to the golden usage records', (endpoint) => {
    const days = mapOpenAiUnitUsage([fixture(`openai/usage-${endpoint}-daily.page1.json`)], endpoint, ctx('2026-10-10', '2026-10-11', 'openai-usage'));
    expectGolden(`openai/usage-${endpoint}.records.golden.json`, days);
    for (const r of days[0]!.records) expect(r).toMatchObject({ usageType: endpoint, units: { unit: OPENAI_UNIT_ENDPOINTS[endpoint].unit } });
  });

  it('counts vector store storage in gibibyte-days: the day bucket and the day hour by hour agree', () => {
    const daily = mapOpenAiUnitUsage([fixture('openai/usage-vector_stores-daily.page1.json')], 'vector_stores', ctx('2026-10-10', '2026-10-11', 'openai-usage'));
    // 3 GiB for 12 hours and 4 GiB for 12: 3.5 GiB-days.
    expect(daily[0]!.records[0]!.units).toEqual({ quantity: 3.5, unit: 'gibibyte-days' });
    const hourly = mapOpenAiUnitUsage([fixture('openai/usage-vector_stores-hourly.page1.json')], 'vector_stores', ctx('2026-10-10', '2026-10-11', 'openai-usage'));
    // 11:00 at 3 GiB and 12:00 at 4 GiB: 7/24 GiB-days.
    expect(hourly[0]!.records[0]!.units!.quantity).toBeCloseTo(7 / 24, 12);
    expect(daily[0]!.records[0]!.model).toBe('vector-store');
  });

  it('rejects a results object of another endpoint, naming the field', () => {
    const p = fixture<any>('openai/usage-file_search_calls-daily.page1.json');
    p.data[0].results[0].object = 'organization.usage.file_search_calls.result';
    expect(() => mapOpenAiUnitUsage([p], 'file_search_calls', ctx('2026-10-10', '2026-10-11', 'openai-usage'))).toThrow(
      /^OpenAI usage\/file_search_calls, page 1: data\[0\]\.results\[0\]\.object: expected "organization\.usage\.file_searches\.result"/,
    );
    const q = fixture<any>('openai/usage-images-daily.page1.json');
    delete q.data[0].results[0].images;
    expect(() => mapOpenAiUnitUsage([q], 'images', ctx('2026-10-10', '2026-10-11', 'openai-usage'))).toThrow(/data\[0\]\.results\[0\]\.images: expected a number/);
  });
});
