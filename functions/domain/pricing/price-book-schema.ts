import { z } from 'zod';
import { describeIssues } from '../../lib/zod-issues';
import { isDay } from '../records/dates';
import type { UsageUnit } from '../records/usage-record';

/** The price book's shape (see price-book.ts for what it means), and its validation. */

const amount = z.string().regex(/^\d+(\.\d+)?$/, { error: 'expected a non-negative decimal string' });
const day = z.string().refine(isDay, { error: 'expected a YYYY-MM-DD day' });
const provider = z.enum(['openai', 'anthropic', 'aws']);
const source = z.string().min(1, { error: 'expected where the price comes from' });
const modalityPrices = z.strictObject({ input: amount.optional(), cachedInput: amount.optional(), output: amount.optional() });
const priceTable = z.strictObject({
  input: amount.optional(),
  cachedInput: amount.optional(),
  cacheWrite5m: amount.optional(),
  cacheWrite1h: amount.optional(),
  output: amount.optional(),
  /** Audio tokens (OpenAI audio and realtime models), taken out of the text tokens. */
  audio: modalityPrices.optional(),
  /** Image tokens (OpenAI image and realtime models), taken out of the text tokens. */
  image: modalityPrices.optional(),
});
/** A price modifier: a multiplier of the standard prices, or a price table that replaces them. */
const modifier = z
  .strictObject({ multiplier: amount.optional(), perMillionTokens: priceTable.optional(), source: source.optional(), $comment: z.string().optional() })
  .refine((m) => (m.multiplier === undefined) !== (m.perMillionTokens === undefined), { error: 'expected exactly one of "multiplier" and "perMillionTokens"' });
const units: readonly [UsageUnit, ...UsageUnit[]] = ['images', 'characters', 'seconds', 'gibibyte-days', 'sessions', 'calls', 'requests'];

const bookSchema = z.strictObject({
  $comment: z.string().optional(),
  currency: z.literal('USD', { error: 'expected "USD"' }),
  models: z.array(
    z.strictObject({
      $comment: z.string().optional(),
      provider,
      /** The provider's model name; for `aws`, the model of the Marketplace service (`Claude Sonnet 4.6`). */
      model: z.string().min(1),
      effectiveFrom: day,
      source,
      /** Standard prices; for `aws`, global cross-Region inference. */
      perMillionTokens: priceTable,
      /** By the usage record's `serviceTier` (`batch`, `flex`, `priority`, ...). */
      tiers: z.record(z.string().min(1), modifier).optional(),
      /** By the usage record's `contextWindow`, for bands other than the standard one (`200k-1M`). */
      contextWindows: z.record(z.string().min(1), modifier).optional(),
      /** By the usage record's `speed`, for speeds other than standard (`fast`). */
      speeds: z.record(z.string().min(1), modifier).optional(),
    }),
  ),
  /** Multipliers by inference geography: Anthropic `us`; Bedrock `regional` (against global CRIS). */
  geo: z.array(z.strictObject({ provider, geo: z.string().min(1), multiplier: amount, effectiveFrom: day, source })).default([]),
  /** Per-request server tools counted in `webSearchRequests` (Anthropic web search). */
  requests: z.array(z.strictObject({ provider, item: z.literal('webSearch'), effectiveFrom: day, perThousand: amount, source: source.optional() })).default([]),
  /**
   * Non-token usage (`units` of a usage record): `price` per `per` units of `unit`. A row may narrow to a
   * usage type (the endpoint), a model (exact or without its date suffix) and an image size.
   */
  units: z
    .array(
      z.strictObject({
        $comment: z.string().optional(),
        provider,
        usageType: z.string().min(1).optional(),
        model: z.string().min(1).optional(),
        size: z.string().regex(/^\d+x\d+$/, { error: 'expected a WIDTHxHEIGHT size' }).optional(),
        unit: z.enum(units, { error: `expected one of ${units.join(', ')}` }),
        price: amount,
        per: z.number().int().positive({ error: 'expected a positive whole number of units' }),
        effectiveFrom: day,
        source,
      }),
    )
    .default([]),
});

export type PriceBook = z.output<typeof bookSchema>;
export type ModelPrice = PriceBook['models'][number];
/** A table of per-million-token prices: text token types, and audio and image tokens. */
export type PriceTable = z.output<typeof priceTable>;
export type UnitPrice = PriceBook['units'][number];

/** Thrown when the price book does not validate; names the field. */
export class PriceBookError extends Error {
  override readonly name = 'PriceBookError';
}

/** Validates a parsed price book. */
export function parsePriceBook(raw: unknown, where = 'price book'): PriceBook {
  const result = bookSchema.safeParse(raw);
  if (!result.success) throw new PriceBookError(`${where} is invalid:\n  - ${describeIssues(result.error.issues).join('\n  - ')}`);
  return result.data;
}
