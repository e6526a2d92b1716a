import { z } from 'zod';
import { recordId, type CostRecord, type TokenType } from '../../domain/records/cost-record';
import { addDays, isDay, type DayWindow } from '../../domain/records/dates';
import { canonical, parseAmount, type Decimal } from '../../domain/records/money';
import { addTokens, NO_TOKENS, type UsageRecord } from '../../domain/records/usage-record';
import type { SourceDay } from '../../ports/ports';
import { completeDays, MalformedProviderPageError, parsePages } from '../shared/paging';

/** FOCUS ServiceName for everything billed through the Claude API. */
export const ANTHROPIC_SERVICE = 'Claude API';

const nullableString = z.string().nullable().optional();
const rfc3339 = z.string().refine((v) => !Number.isNaN(Date.parse(v)) && isDay(v.slice(0, 10)), { error: 'expected an RFC 3339 time' });
const page = <T extends z.ZodType>(result: T) =>
  z.object({
    data: z.array(z.object({ starting_at: rfc3339, ending_at: rfc3339, results: z.array(result) }), { error: 'expected an array of buckets' }),
    has_more: z.boolean(),
  });

const costResult = z.object({
  amount: z.string({ error: 'expected a decimal string (cents)' }),
  currency: z.string(),
  workspace_id: nullableString,
  description: nullableString,
  cost_type: nullableString,
  model: nullableString,
  token_type: nullableString,
  service_tier: nullableString,
  context_window: nullableString,
  inference_geo: nullableString,
});
const count = z.number().int().nonnegative().nullable().optional();
const usageResult = z.object({
  uncached_input_tokens: count,
  cache_creation: z.object({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count }).nullable().optional(),
  cache_read_input_tokens: count,
  output_tokens: count,
  server_tool_use: z.object({ web_search_requests: count }).nullable().optional(),
  workspace_id: nullableString,
  api_key_id: nullableString,
  model: nullableString,
  service_tier: nullableString,
  context_window: nullableString,
  inference_geo: nullableString,
  speed: nullableString,
});

/** What the mappers need besides the pages. */
export interface AnthropicMapperContext {
  window: DayWindow;
  organizationId: string;
  source: string;
  /** Days at or after this may be missing (not happened yet). */
  today: string;
  /** Where the mappers add a line for anything the operator should know (rows added together). */
  notes?: string[];
}

/** Anthropic's token types (cost `token_type`, usage field names) to costline's. */
export const TOKEN_TYPES: Record<string, TokenType> = {
  uncached_input_tokens: 'input',
  cache_read_input_tokens: 'cachedInput',
  'cache_creation.ephemeral_5m_input_tokens': 'cacheWrite',
  'cache_creation.ephemeral_1h_input_tokens': 'cacheWrite',
  output_tokens: 'output',
};

/** The dimensions that make one Anthropic usage slice, besides the day. */
export interface AnthropicUsageDimensions {
  workspaceId: string | null;
  apiKeyId: string | null;
  model: string;
  serviceTier: string | null;
  contextWindow: string | null;
  inferenceGeo: string | null;
  speed: string | null;
}

/**
 * A usage record with no counts yet, its id from its identity. The legacy report and the analytics API
 * give the same slice the same id, so a day re-read from the other API replaces like with like. The
 * tier, context window, geography and speed price differently, so each is part of the identity.
 */
export function usageSlice(ctx: Pick<AnthropicMapperContext, 'source' | 'organizationId'>, day: string, d: AnthropicUsageDimensions): UsageRecord {
  const pricing = [d.serviceTier, d.contextWindow, d.inferenceGeo, d.speed].filter(Boolean);
  const identity = {
    source: ctx.source,
    provider: 'anthropic' as const,
    billingAccountId: ctx.organizationId,
    subAccountId: d.workspaceId,
    serviceName: ANTHROPIC_SERVICE,
    usageType: pricing.length > 0 ? `messages (${pricing.join(', ')})` : 'messages',
    tags: {},
    chargePeriodStart: day,
    apiKeyId: d.apiKeyId,
    model: d.model,
  };
  return {
    id: recordId(identity),
    ...identity,
    usageType: 'messages',
    serviceTier: d.serviceTier,
    contextWindow: d.contextWindow,
    inferenceGeo: d.inferenceGeo,
    speed: d.speed,
    chargePeriodEnd: addDays(day, 1),
    tokens: NO_TOKENS,
    requests: 0,
    webSearchRequests: 0,
  };
}

/** The identity fields of an Anthropic billed cost record (what {@link recordId} is taken from). */
type AnthropicCostIdentity = Pick<CostRecord, 'source' | 'provider' | 'billingAccountId' | 'subAccountId' | 'serviceName' | 'usageType' | 'tags' | 'chargePeriodStart' | 'apiKeyId' | 'model'>;

/**
 * Adds one billed row to `records`, by identity: a new record, or, when a row of the same identity was seen
 * already, its dollars added to that record after `onRepeat` is told where the first one was (both cost
 * mappers add repeated rows together, with a note, rather than failing the run).
 */
export function addBilledCost(
  records: Map<string, { record: CostRecord; at: string }>,
  identity: AnthropicCostIdentity,
  dollars: Decimal,
  tokenType: string | null,
  at: string,
  onRepeat: (firstAt: string) => void,
): void {
  const id = recordId(identity);
  const prior = records.get(id);
  if (prior) {
    onRepeat(prior.at);
    const total = canonical(dollars.plus(prior.record.billedCost));
    prior.record.billedCost = total;
    prior.record.effectiveCost = total;
    return;
  }
  records.set(id, {
    at,
    record: {
      id,
      ...identity,
      providerName: 'Anthropic',
      subAccountName: null,
      serviceCategory: 'AI and Machine Learning',
      chargePeriodEnd: addDays(identity.chargePeriodStart, 1),
      billedCost: canonical(dollars),
      effectiveCost: canonical(dollars),
      billingCurrency: 'USD',
      consumedQuantity: null,
      consumedUnit: null,
      tokenType: tokenType ? (TOKEN_TYPES[tokenType] ?? null) : null,
      costOrigin: 'billed',
      estimated: false,
    },
  });
}

/**
 * Maps `GET /v1/organizations/cost_report` pages (1-day buckets grouped by workspace and description) to
 * billed cost records. Amounts are decimal strings in **cents** (`"123.45"` is $1.2345), divided exactly.
 * The default workspace is `workspace_id: null`. Costs with no model (web search, code execution) count
 * like any other. The report cannot group by API key, so `apiKeyId` is null: an `apiKey` allocation rule
 * never sees these dollars. Two results with the same identity are added together, with a line in
 * `ctx.notes`, rather than failing the run.
 */
export function mapAnthropicCosts(pages: readonly unknown[], ctx: AnthropicMapperContext): SourceDay<CostRecord>[] {
  const where = 'Anthropic cost_report';
  const records = new Map<string, { record: CostRecord; at: string }>();
  const seen = new Set<string>();
  parsePages(pages, page(costResult), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = b.starting_at.slice(0, 10);
      seen.add(day);
      b.results.forEach((r, ri) => {
        const pos = `page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
        const at = `${where}, ${pos}`;
        if (r.currency !== 'USD') throw new MalformedProviderPageError(`${at}.currency: expected "USD", got "${r.currency}"`);
        const dollars = parseAmount(r.amount, `${at}.amount`).div(100);
        const identity = {
          source: ctx.source,
          provider: 'anthropic' as const,
          billingAccountId: ctx.organizationId,
          subAccountId: r.workspace_id ?? null,
          serviceName: ANTHROPIC_SERVICE,
          // The description names model and token type; tier, context window and geography price differently too.
          usageType: [r.description ?? r.cost_type, r.service_tier, r.context_window, r.inference_geo].filter(Boolean).join(' | ') || null,
          tags: {},
          chargePeriodStart: day,
          model: r.model ?? null,
        };
        addBilledCost(records, { ...identity, apiKeyId: null }, dollars, r.token_type ?? null, pos, (prior) => {
          ctx.notes?.push(`${at} repeats ${prior} ("${r.description}" of workspace ${r.workspace_id ?? 'default'} on ${day}): the two amounts are added together`);
        });
      });
    });
  });
  return completeDays(
    [...records.values()].map((r) => r.record),
    seen,
    ctx,
    where,
  );
}

/**
 * Maps `GET /v1/organizations/usage_report/messages` pages (1-hour or 1-day buckets grouped by workspace,
 * model, API key, service tier, context window, inference geography and speed) to one usage record per
 * day and slice. The report has no request count, so `requests` is 0; web search requests are counted.
 * Two results of one bucket with the same identity are added together, with a line in `ctx.notes`.
 */
export function mapAnthropicUsage(pages: readonly unknown[], ctx: AnthropicMapperContext): SourceDay<UsageRecord>[] {
  const where = 'Anthropic usage_report/messages';
  const slices = new Map<string, UsageRecord>();
  const seen = new Set<string>();
  parsePages(pages, page(usageResult), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = b.starting_at.slice(0, 10);
      seen.add(day);
      const inBucket = new Map<string, string>();
      b.results.forEach((r, ri) => {
        const pos = `page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
        const at = `${where}, ${pos}`;
        if (!r.model) throw new MalformedProviderPageError(`${at}.model: expected a model (the query groups by model)`);
        const slice = usageSlice(ctx, day, {
          workspaceId: r.workspace_id ?? null,
          apiKeyId: r.api_key_id ?? null,
          model: r.model,
          serviceTier: r.service_tier ?? null,
          contextWindow: r.context_window ?? null,
          inferenceGeo: r.inference_geo ?? null,
          speed: r.speed ?? null,
        });
        const earlier = inBucket.get(slice.id);
        if (earlier) ctx.notes?.push(`${at} repeats ${earlier} (${b.starting_at}, workspace ${r.workspace_id ?? 'default'}, key ${r.api_key_id ?? 'none'}, ${r.model}): the two are added together`);
        else inBucket.set(slice.id, pos);
        const prior = slices.get(slice.id);
        slices.set(slice.id, {
          ...slice,
          tokens: addTokens(prior?.tokens ?? NO_TOKENS, {
            input: r.uncached_input_tokens ?? 0,
            cachedInput: r.cache_read_input_tokens ?? 0,
            cacheWrite5m: r.cache_creation?.ephemeral_5m_input_tokens ?? 0,
            cacheWrite1h: r.cache_creation?.ephemeral_1h_input_tokens ?? 0,
            output: r.output_tokens ?? 0,
          }),
          webSearchRequests: (prior?.webSearchRequests ?? 0) + (r.server_tool_use?.web_search_requests ?? 0),
        });
      });
    });
  });
  return completeDays(slices.values(), seen, ctx, where);
}
