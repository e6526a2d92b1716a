import { z } from 'zod';
import { toDay, type DayWindow } from '../../domain/records/dates';
import { parseAmount, type Decimal } from '../../domain/records/money';
import { MalformedProviderPageError } from '../shared/paging';

/**
 * OpenAI's admin API pages as costline reads them (the shapes of `/organization/costs` and
 * `/organization/usage/*`, validated before anything is mapped), and what every OpenAI mapper shares.
 */

/** FOCUS ServiceName for everything billed through the OpenAI API platform. */
export const OPENAI_SERVICE = 'OpenAI API';

/** What the mappers need besides the pages. */
export interface OpenAiMapperContext {
  window: DayWindow;
  /** FOCUS BillingAccountId: the organization. */
  organizationId: string;
  /** Record source id. */
  source: string;
  /** Days at or after this are allowed to be missing (the window reaches into today). */
  today: string;
}

/**
 * The identity of an OpenAI record (`recordId`'s input): the organisation, the result's project and API key, the
 * day, and what the mapper calls its usage type and model. Key order is the records' own.
 */
export function openAiIdentity<U extends string | null, M extends string | null>(ctx: OpenAiMapperContext, r: { project_id?: string | null | undefined; api_key_id?: string | null | undefined }, day: string, usageType: U, model: M) {
  return {
    source: ctx.source,
    provider: 'openai' as const,
    billingAccountId: ctx.organizationId,
    subAccountId: r.project_id ?? null,
    serviceName: OPENAI_SERVICE,
    usageType,
    tags: {},
    chargePeriodStart: day,
    apiKeyId: r.api_key_id ?? null,
    model,
  };
}

export const DAY_SECONDS = 86_400;
export const HOUR_SECONDS = 3_600;

export const nullableString = z.string().nullable().optional();
export const count = z.number({ error: 'expected a number' }).int({ error: 'expected an integer' }).nonnegative({ error: 'expected a count (>= 0)' });
export const optionalCount = count.nullable().optional();

/**
 * A bucket: `[start_time, end_time)` of one documented width. Spec versions before 2026-05 named the array
 * `result`; the examples and the current spec say `results`. One of the two must be there.
 */
export const bucket = <T extends z.ZodType>(result: T, widths: readonly number[]) =>
  z
    .object({ start_time: z.number().int(), end_time: z.number().int(), results: z.array(result).optional(), result: z.array(result).optional() })
    .superRefine((b, ctx) => {
      // A bucket without its list is not an empty bucket: an empty one says `results: []`. Read as empty,
      // it would replace a day's stored spend with nothing.
      if (b.results === undefined && b.result === undefined) {
        ctx.addIssue({ code: 'custom', path: ['results'], message: 'missing: a bucket lists its results (`results`, or `result` in spec versions before 2026-05), `[]` when empty' });
      }
      if (!widths.includes(b.end_time - b.start_time)) {
        ctx.addIssue({ code: 'custom', path: ['end_time'], message: `bucket of ${b.end_time - b.start_time} s is not a width this query asks for (${widths.join(' or ')} s)` });
      }
    })
    .transform((b) => ({ start: b.start_time, end: b.end_time, results: b.results ?? b.result ?? [] }));
export const page = <T extends z.ZodType>(result: T, widths: readonly number[]) =>
  z.object({ data: z.array(bucket(result, widths), { error: 'expected an array of buckets' }), has_more: z.boolean() });

/** `object` is required by the spec; a result of another endpoint's type means the wrong page. */
export const objectName = (name: string) => z.literal(name, { error: `expected "${name}"` }).optional();

/** A JSON number or a numeric string: the spec says number, live answers send strings too (addendum §A4.1). */
export const numberOrString = z.union([z.number(), z.string()], { error: 'expected a number or a numeric string' });

export const costResult = z.object({
  object: objectName('organization.costs.result'),
  amount: z.object({ value: numberOrString, currency: z.string() }, { error: 'expected { value, currency }' }),
  line_item: nullableString,
  project_id: nullableString,
  api_key_id: nullableString,
  quantity: numberOrString.nullable().optional(),
  quantity_unit: nullableString,
});

export const completionsResult = z.object({
  object: objectName('organization.usage.completions.result'),
  input_tokens: count,
  input_cached_tokens: optionalCount,
  input_cache_write_tokens: optionalCount,
  input_uncached_tokens: optionalCount,
  output_tokens: optionalCount,
  input_audio_tokens: optionalCount,
  input_cached_audio_tokens: optionalCount,
  output_audio_tokens: optionalCount,
  input_image_tokens: optionalCount,
  input_cached_image_tokens: optionalCount,
  output_image_tokens: optionalCount,
  num_model_requests: count,
  project_id: nullableString,
  api_key_id: nullableString,
  model: nullableString,
  batch: z.boolean().nullable().optional(),
  service_tier: nullableString,
});
export const embeddingsResult = completionsResult.extend({ object: objectName('organization.usage.embeddings.result') });

/** The UTC day a bucket starts on. */
export function dayOfBucket(start: number): string {
  return toDay(new Date(start * 1000));
}

/** Reads a number-or-string amount exactly; a number through its shortest decimal text, which `String()` gives. */
export function exactDecimal(value: number | string, at: string): Decimal {
  try {
    return parseAmount(typeof value === 'number' ? String(value) : value, at);
  } catch {
    throw new MalformedProviderPageError(`${at}: expected a number or a numeric string, got ${JSON.stringify(value)}`);
  }
}
