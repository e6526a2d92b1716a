import { z } from 'zod';
import { recordId, type CostRecord, type TokenType } from '../../domain/cost-record';
import { addDays, toDay, type DayWindow } from '../../domain/dates';
import { canonical, parseAmount } from '../../domain/money';
import { NO_TOKENS, type UsageRecord } from '../../domain/usage-record';
import type { SourceDay } from '../../ports/ports';
import { completeDays, MalformedProviderPageError, parsePages } from '../shared/paging';

/** FOCUS ServiceName for everything billed through the OpenAI API platform. */
export const OPENAI_SERVICE = 'OpenAI API';

const nullableString = z.string().nullable().optional();
const bucket = <T extends z.ZodType>(result: T) =>
  z
    .object({ start_time: z.number().int(), end_time: z.number().int(), results: z.array(result).optional(), result: z.array(result).optional() })
    // Spec versions before 2026-05 named the array `result`; the examples and current spec say `results`.
    .transform((b) => ({ start: b.start_time, end: b.end_time, results: b.results ?? b.result ?? [] }));
const page = <T extends z.ZodType>(result: T) => z.object({ data: z.array(bucket(result), { error: 'expected an array of buckets' }), has_more: z.boolean() });

const costResult = z.object({
  amount: z.object({ value: z.number({ error: 'expected a number' }), currency: z.string() }),
  line_item: nullableString,
  project_id: nullableString,
  api_key_id: nullableString,
  quantity: z.number().nullable().optional(),
  quantity_unit: nullableString,
});
const usageResult = z.object({
  input_tokens: z.number().int().nonnegative(),
  input_cached_tokens: z.number().int().nonnegative().nullable().optional(),
  input_cache_write_tokens: z.number().int().nonnegative().nullable().optional(),
  input_uncached_tokens: z.number().int().nonnegative().nullable().optional(),
  output_tokens: z.number().int().nonnegative().nullable().optional(),
  num_model_requests: z.number().int().nonnegative(),
  project_id: nullableString,
  api_key_id: nullableString,
  model: nullableString,
  batch: z.boolean().nullable().optional(),
  service_tier: nullableString,
});

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

const TOKEN_TYPES: Record<string, TokenType> = {
  input: 'input',
  'cached input': 'cachedInput',
  'cache write': 'cacheWrite',
  'cached write': 'cacheWrite',
  output: 'output',
};

/**
 * Splits a line item like `gpt-4o-2024-08-06, cached input` into model and token type. OpenAI does not
 * specify the format, so anything else keeps the whole text as the usage type and no model.
 */
export function parseLineItem(lineItem: string | null): { model: string | null; tokenType: TokenType | null } {
  if (!lineItem) return { model: null, tokenType: null };
  const comma = lineItem.lastIndexOf(', ');
  if (comma < 0) return { model: null, tokenType: null };
  const kind = lineItem.slice(comma + 2).trim().toLowerCase();
  return { model: lineItem.slice(0, comma), tokenType: TOKEN_TYPES[kind] ?? null };
}

function dayOfBucket(start: number, where: string): string {
  if (!Number.isFinite(start)) throw new MalformedProviderPageError(`${where}: start_time is not a time`);
  return toDay(new Date(start * 1000));
}

/**
 * Maps the pages of `GET /organization/costs` (1-day buckets, grouped by project, line item and API key)
 * to billed cost records. Amounts arrive as JSON numbers in dollars; each is read from its decimal text,
 * never summed as a float. A day whose bucket is empty stays empty: no bill yet, so costline estimates it.
 */
export function mapOpenAiCosts(pages: readonly unknown[], ctx: OpenAiMapperContext): SourceDay<CostRecord>[] {
  const where = 'OpenAI costs';
  const records: CostRecord[] = [];
  const seen = new Set<string>();
  const ids = new Set<string>();
  parsePages(pages, page(costResult), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = dayOfBucket(b.start, where);
      seen.add(day);
      b.results.forEach((r, ri) => {
        const at = `${where}, page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
        if (r.amount.currency.toLowerCase() !== 'usd') throw new MalformedProviderPageError(`${at}.amount.currency: expected "usd", got "${r.amount.currency}"`);
        // JSON numbers: String() gives the shortest decimal text of the value the API sent.
        const amount = parseAmount(String(r.amount.value), `${at}.amount.value`);
        const { model, tokenType } = parseLineItem(r.line_item ?? null);
        const identity = {
          source: ctx.source,
          provider: 'openai' as const,
          billingAccountId: ctx.organizationId,
          subAccountId: r.project_id ?? null,
          serviceName: OPENAI_SERVICE,
          usageType: r.line_item ?? null,
          tags: {},
          chargePeriodStart: day,
          apiKeyId: r.api_key_id ?? null,
          model,
        };
        const record: CostRecord = {
          id: recordId(identity),
          ...identity,
          providerName: 'OpenAI',
          subAccountName: null,
          serviceCategory: 'AI and Machine Learning',
          chargePeriodEnd: addDays(day, 1),
          billedCost: canonical(amount),
          effectiveCost: canonical(amount),
          billingCurrency: 'USD',
          consumedQuantity: r.quantity == null ? null : String(r.quantity),
          consumedUnit: r.quantity_unit ?? null,
          tokenType,
          costOrigin: 'billed',
          estimated: false,
        };
        if (ids.has(record.id)) throw new MalformedProviderPageError(`${at}: line item ${JSON.stringify(r.line_item)} of project ${r.project_id} appears twice for ${day}`);
        ids.add(record.id);
        records.push(record);
      });
    });
  });
  return completeDays(records, seen, ctx, where);
}

/**
 * Maps the pages of `GET /organization/usage/{completions|embeddings}` (1-hour or 1-day buckets, grouped by
 * project, model, API key and batch) to one usage record per day and slice. Input tokens are made
 * disjoint: `input` is uncached input only (cached and cache-write tokens are counted separately).
 */
export function mapOpenAiUsage(pages: readonly unknown[], endpoint: 'completions' | 'embeddings', ctx: OpenAiMapperContext): SourceDay<UsageRecord>[] {
  const where = `OpenAI usage/${endpoint}`;
  const slices = new Map<string, UsageRecord>();
  const seen = new Set<string>();
  parsePages(pages, page(usageResult), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = dayOfBucket(b.start, where);
      seen.add(day);
      b.results.forEach((r, ri) => {
        const at = `${where}, page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
        if (!r.model) throw new MalformedProviderPageError(`${at}.model: expected a model (the query groups by model)`);
        const cached = r.input_cached_tokens ?? 0;
        const cacheWrite = r.input_cache_write_tokens ?? 0;
        const uncached = r.input_uncached_tokens ?? r.input_tokens - cached - cacheWrite;
        if (uncached < 0) throw new MalformedProviderPageError(`${at}: cached and cache-write tokens exceed input_tokens`);
        const tier = r.batch ? 'batch' : (r.service_tier ?? null);
        const identity = {
          source: ctx.source,
          provider: 'openai' as const,
          billingAccountId: ctx.organizationId,
          subAccountId: r.project_id ?? null,
          serviceName: OPENAI_SERVICE,
          usageType: tier ? `${endpoint} (${tier})` : endpoint,
          tags: {},
          chargePeriodStart: day,
          apiKeyId: r.api_key_id ?? null,
          model: r.model,
        };
        const id = recordId(identity);
        const prior = slices.get(id);
        const tokens = prior?.tokens ?? NO_TOKENS;
        slices.set(id, {
          id,
          ...identity,
          usageType: endpoint,
          serviceTier: tier,
          chargePeriodEnd: addDays(day, 1),
          tokens: {
            input: tokens.input + uncached,
            cachedInput: tokens.cachedInput + cached,
            cacheWrite5m: tokens.cacheWrite5m + cacheWrite,
            cacheWrite1h: tokens.cacheWrite1h,
            output: tokens.output + (r.output_tokens ?? 0),
          },
          requests: (prior?.requests ?? 0) + r.num_model_requests,
          webSearchRequests: 0,
        });
      });
    });
  });
  return completeDays(slices.values(), seen, ctx, where);
}
