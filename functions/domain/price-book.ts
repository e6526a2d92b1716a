import Big from 'big.js';
import { z } from 'zod';
import { describeIssues } from '../shared/zod-issues';
import type { Provider } from './cost-record';
import { isDay } from './dates';
import { ZERO, type Decimal } from './money';
import type { TokenCounts, UsageRecord } from './usage-record';

/**
 * The price book: list prices per model and token type with effective dates, as data
 * (`functions/pricing/price-book.json`), so a price change is a new row, not a code change. Used only to
 * estimate days the bill does not cover yet; the bill always supersedes the estimate.
 */

const amount = z.string().regex(/^\d+(\.\d+)?$/, { error: 'expected a non-negative decimal string' });
const day = z.string().refine(isDay, { error: 'expected a YYYY-MM-DD day' });
const tokenPrices = z.strictObject({
  input: amount.optional(),
  cachedInput: amount.optional(),
  cacheWrite5m: amount.optional(),
  cacheWrite1h: amount.optional(),
  output: amount.optional(),
});
const bookSchema = z.strictObject({
  $comment: z.string().optional(),
  currency: z.literal('USD', { error: 'expected "USD"' }),
  models: z.array(
    z.strictObject({
      provider: z.enum(['openai', 'anthropic', 'aws']),
      model: z.string().min(1),
      effectiveFrom: day,
      perMillionTokens: tokenPrices,
      /** Price multiplier for the batch tier (OpenAI and Anthropic: half price). */
      batchMultiplier: amount.optional(),
    }),
  ),
  requests: z
    .array(z.strictObject({ provider: z.enum(['openai', 'anthropic', 'aws']), item: z.literal('webSearch'), effectiveFrom: day, perThousand: amount }))
    .default([]),
});

export type PriceBook = z.output<typeof bookSchema>;
export type ModelPrice = PriceBook['models'][number];

/** Thrown when the price book does not validate; names the field. */
export class PriceBookError extends Error {
  override readonly name = 'PriceBookError';
}

/** Validates a parsed price book. */
export function parsePriceBook(raw: unknown, source = 'price book'): PriceBook {
  const result = bookSchema.safeParse(raw);
  if (!result.success) throw new PriceBookError(`${source} is invalid:\n  - ${describeIssues(result.error.issues).join('\n  - ')}`);
  return result.data;
}

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** The model name without its date suffix: `gpt-4o-2024-08-06` → `gpt-4o`. */
export function baseModel(model: string): string {
  return model.replace(DATE_SUFFIX, '');
}

function latestEffective<T extends { effectiveFrom: string }>(rows: T[], day: string): T | undefined {
  return rows.filter((r) => r.effectiveFrom <= day).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
}

/** The price in force on `day` for a model: an exact-name row first, else one for its base name. */
export function findModelPrice(book: PriceBook, provider: Provider, model: string, day: string): ModelPrice | undefined {
  const rows = book.models.filter((m) => m.provider === provider);
  return latestEffective(rows.filter((m) => m.model === model), day) ?? latestEffective(rows.filter((m) => m.model === baseModel(model)), day);
}

/** A usage record priced, by the token types of {@link CostRecord.tokenType}. */
export interface PricedUsage {
  input: Decimal;
  cachedInput: Decimal;
  cacheWrite: Decimal;
  output: Decimal;
  /** Per-request server tools (web search). */
  requests: Decimal;
}

/** Why a usage record has no estimate: its model (or a token type it used) has no price. */
export interface Unpriced {
  unpriced: string;
}

const MILLION = new Big(1_000_000);

/**
 * Prices one usage record with the prices in force on its day. Never prices unknown usage at $0: a
 * model without a row, or tokens of a type the row has no price for, make the record unpriced.
 */
export function priceUsage(book: PriceBook, usage: UsageRecord): PricedUsage | Unpriced {
  const row = findModelPrice(book, usage.provider, usage.model, usage.chargePeriodStart);
  if (!row) return { unpriced: `no price for ${usage.provider} model ${usage.model} on ${usage.chargePeriodStart}` };
  const p = row.perMillionTokens;
  const t: TokenCounts = usage.tokens;
  // A cache write without its own price is charged as input.
  const prices: Array<[keyof TokenCounts, string | undefined]> = [
    ['input', p.input],
    ['cachedInput', p.cachedInput],
    ['cacheWrite5m', p.cacheWrite5m ?? p.input],
    ['cacheWrite1h', p.cacheWrite1h ?? p.input],
    ['output', p.output],
  ];
  const missing = prices.filter(([type, price]) => t[type] > 0 && price === undefined).map(([type]) => type);
  if (missing.length > 0) return { unpriced: `no ${missing.join(', ')} price for ${usage.provider} model ${usage.model}` };
  const multiplier = usage.serviceTier === 'batch' && row.batchMultiplier ? new Big(row.batchMultiplier) : new Big(1);
  const cost = (type: keyof TokenCounts) => {
    const price = prices.find(([k]) => k === type)![1];
    return price === undefined || t[type] === 0 ? ZERO : new Big(t[type]).times(price).div(MILLION).times(multiplier);
  };
  let requests = ZERO;
  if (usage.webSearchRequests > 0) {
    const search = latestEffective(book.requests.filter((r) => r.provider === usage.provider && r.item === 'webSearch'), usage.chargePeriodStart);
    if (!search) return { unpriced: `no web search price for ${usage.provider}` };
    requests = new Big(usage.webSearchRequests).times(search.perThousand).div(1000);
  }
  return { input: cost('input'), cachedInput: cost('cachedInput'), cacheWrite: cost('cacheWrite5m').plus(cost('cacheWrite1h')), output: cost('output'), requests };
}
