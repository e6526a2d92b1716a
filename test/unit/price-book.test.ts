import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baseModel, findModelPrice, parsePriceBook, priceUsage } from '../../functions/domain/price-book';
import { usageRecord } from '../support/usage';

const book = parsePriceBook(JSON.parse(readFileSync('functions/pricing/price-book.json', 'utf8')), 'price-book.json');

describe('price book', () => {
  it('matches a versioned model by its name without the date suffix', () => {
    expect(baseModel('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(baseModel('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(findModelPrice(book, 'openai', 'gpt-4o-2024-08-06', '2026-10-01')?.model).toBe('gpt-4o');
    // gpt-4o must not price gpt-4o-mini.
    expect(findModelPrice(book, 'openai', 'gpt-4o-mini-2024-07-18', '2026-10-01')?.perMillionTokens.input).toBe('0.15');
  });

  it('uses the price in force on the day: a later row takes over from its effective date', () => {
    const changed = parsePriceBook({
      currency: 'USD',
      models: [
        { provider: 'openai', model: 'gpt-4o', effectiveFrom: '2024-01-01', perMillionTokens: { input: '5' } },
        { provider: 'openai', model: 'gpt-4o', effectiveFrom: '2026-10-15', perMillionTokens: { input: '2' } },
      ],
    });
    expect(findModelPrice(changed, 'openai', 'gpt-4o', '2026-10-14')?.perMillionTokens.input).toBe('5');
    expect(findModelPrice(changed, 'openai', 'gpt-4o', '2026-10-15')?.perMillionTokens.input).toBe('2');
    expect(findModelPrice(changed, 'openai', 'gpt-4o', '2023-12-31')).toBeUndefined();
  });

  it('prices every token type exactly, cache writes by lifetime, and batch at the batch multiplier', () => {
    const priced = priceUsage(
      book,
      usageRecord({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tokens: { input: 1_000_000, cachedInput: 2_000_000, cacheWrite5m: 1_000_000, cacheWrite1h: 500_000, output: 100_000 }, webSearchRequests: 12 }),
    );
    if ('unpriced' in priced) throw new Error(priced.unpriced);
    expect([priced.input, priced.cachedInput, priced.cacheWrite, priced.output, priced.requests].map((d) => d.toFixed())).toEqual(['3', '0.6', '6.75', '1.5', '0.12']);
    const batch = priceUsage(book, usageRecord({ serviceTier: 'batch', tokens: { input: 1_000_000, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 } }));
    expect('unpriced' in batch ? batch : batch.input.toFixed()).toBe('1.25');
  });

  it('never prices an unknown model, or a token type without a price, at $0', () => {
    expect(priceUsage(book, usageRecord({ model: 'o3-deep-research-2025-06-26', tokens: { input: 10, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 } }))).toEqual({
      unpriced: 'no price for openai model o3-deep-research-2025-06-26 on 2026-10-01',
    });
    expect(priceUsage(book, usageRecord({ model: 'text-embedding-3-small', tokens: { input: 0, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 5 } }))).toEqual({
      unpriced: 'no output price for openai model text-embedding-3-small',
    });
  });

  it('rejects a malformed price book naming the field', () => {
    expect(() => parsePriceBook({ currency: 'USD', models: [{ provider: 'openai', model: 'x', effectiveFrom: '2026-13-01', perMillionTokens: { input: '-1' } }] })).toThrow(
      /models\[0\]\.effectiveFrom: expected a YYYY-MM-DD day[\s\S]*models\[0\]\.perMillionTokens\.input: expected a non-negative decimal string/,
    );
  });
});
