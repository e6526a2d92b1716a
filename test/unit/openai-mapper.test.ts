import { describe, expect, it } from 'vitest';
import { mapOpenAiCosts, mapOpenAiUsage, parseLineItem, type OpenAiMapperContext } from '../../functions/sources/openai/openai-mapper';
import { expectGolden, fixture } from '../support/fixtures';

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

  it('splits line items into model and token type, and keeps unknown formats whole', () => {
    expect(parseLineItem('gpt-4o-2024-08-06, cached input')).toEqual({ model: 'gpt-4o-2024-08-06', tokenType: 'cachedInput' });
    expect(parseLineItem('gpt-4o-mini-2024-07-18, output')).toEqual({ model: 'gpt-4o-mini-2024-07-18', tokenType: 'output' });
    expect(parseLineItem('Assistants file search')).toEqual({ model: null, tokenType: null });
    expect(parseLineItem('dall-e-3, 1024x1024 hd')).toEqual({ model: 'dall-e-3', tokenType: null });
  });

  it('counts uncached input apart from cached input', () => {
    const [day] = mapOpenAiUsage([fixture('openai/usage-completions-hourly.page1.json')], 'completions', ctx('2026-10-01', '2026-10-02', 'openai-usage'));
    const search = day!.records.find((r) => r.subAccountId === 'proj_search' && r.model === 'gpt-4o-mini-2024-07-18')!;
    // The page says input_tokens 240,500 of which input_cached_tokens 131,072.
    expect(search.tokens).toMatchObject({ input: 109_428, cachedInput: 131_072, output: 20_400 });
  });

  it('rejects a malformed page naming the page and the field', () => {
    const [p1, p2] = costPages() as [any, any];
    p2.data[0].results = [{ amount: { value: '12.5', currency: 'usd' } }];
    p2.data[0].results[0].amount.value = '12.5';
    expect(() => mapOpenAiCosts([p1, p2], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toThrow(/^OpenAI costs, page 2: data\[0\]\.results\[0\]\.amount\.value: expected a number$/);
    const [q1] = costPages() as [any];
    q1.data[0].results[0].amount.currency = 'eur';
    expect(() => mapOpenAiCosts([q1, costPages()[1]], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toThrow(/amount\.currency: expected "usd", got "eur"/);
  });

  it('rejects an answer missing a past day, so no day is replaced by a partial answer', () => {
    expect(() => mapOpenAiCosts([costPages()[0]], ctx('2026-10-01', '2026-10-03', 'openai-costs'))).toThrow(/returned no bucket for 2026-10-02/);
  });
});
