import { z } from 'zod';
import { recordId, type CostRecord, type TokenType } from '../../domain/cost-record';
import { addDays, isDay, type DayWindow } from '../../domain/dates';
import { canonical, parseAmount } from '../../domain/money';
import { NO_TOKENS, type UsageRecord } from '../../domain/usage-record';
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
});

/** What the mappers need besides the pages. */
export interface AnthropicMapperContext {
  window: DayWindow;
  organizationId: string;
  source: string;
  /** Days at or after this may be missing (not happened yet). */
  today: string;
}

const TOKEN_TYPES: Record<string, TokenType> = {
  uncached_input_tokens: 'input',
  cache_read_input_tokens: 'cachedInput',
  'cache_creation.ephemeral_5m_input_tokens': 'cacheWrite',
  'cache_creation.ephemeral_1h_input_tokens': 'cacheWrite',
  output_tokens: 'output',
};

/**
 * Maps `GET /v1/organizations/cost_report` pages (1-day buckets grouped by workspace and description) to
 * billed cost records. Amounts are decimal strings in **cents** (`"123.45"` is $1.2345), divided exactly.
 * The default workspace is `workspace_id: null`. Costs with no model (web search, code execution) count
 * like any other.
 */
export function mapAnthropicCosts(pages: readonly unknown[], ctx: AnthropicMapperContext): SourceDay<CostRecord>[] {
  const where = 'Anthropic cost_report';
  const records: CostRecord[] = [];
  const seen = new Set<string>();
  const ids = new Set<string>();
  parsePages(pages, page(costResult), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = b.starting_at.slice(0, 10);
      seen.add(day);
      b.results.forEach((r, ri) => {
        const at = `${where}, page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
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
        const record: CostRecord = {
          id: recordId(identity),
          ...identity,
          apiKeyId: null,
          providerName: 'Anthropic',
          subAccountName: null,
          serviceCategory: 'AI and Machine Learning',
          chargePeriodEnd: addDays(day, 1),
          billedCost: canonical(dollars),
          effectiveCost: canonical(dollars),
          billingCurrency: 'USD',
          consumedQuantity: null,
          consumedUnit: null,
          tokenType: r.token_type ? (TOKEN_TYPES[r.token_type] ?? null) : null,
          costOrigin: 'billed',
          estimated: false,
        };
        if (ids.has(record.id)) throw new MalformedProviderPageError(`${at}: "${r.description}" of workspace ${r.workspace_id} appears twice for ${day}`);
        ids.add(record.id);
        records.push(record);
      });
    });
  });
  return completeDays(records, seen, ctx, where);
}

/**
 * Maps `GET /v1/organizations/usage_report/messages` pages (1-hour or 1-day buckets grouped by workspace,
 * model, API key and service tier) to one usage record per day and slice. Anthropic reports no request
 * count, so `requests` is 0; web search requests are counted.
 */
export function mapAnthropicUsage(pages: readonly unknown[], ctx: AnthropicMapperContext): SourceDay<UsageRecord>[] {
  const where = 'Anthropic usage_report/messages';
  const slices = new Map<string, UsageRecord>();
  const seen = new Set<string>();
  parsePages(pages, page(usageResult), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = b.starting_at.slice(0, 10);
      seen.add(day);
      b.results.forEach((r, ri) => {
        const at = `${where}, page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
        if (!r.model) throw new MalformedProviderPageError(`${at}.model: expected a model (the query groups by model)`);
        const identity = {
          source: ctx.source,
          provider: 'anthropic' as const,
          billingAccountId: ctx.organizationId,
          subAccountId: r.workspace_id ?? null,
          serviceName: ANTHROPIC_SERVICE,
          usageType: r.service_tier ? `messages (${r.service_tier})` : 'messages',
          tags: {},
          chargePeriodStart: day,
          apiKeyId: r.api_key_id ?? null,
          model: r.model,
        };
        const id = recordId(identity);
        const prior = slices.get(id);
        const t = prior?.tokens ?? NO_TOKENS;
        slices.set(id, {
          id,
          ...identity,
          usageType: 'messages',
          serviceTier: r.service_tier ?? null,
          chargePeriodEnd: addDays(day, 1),
          tokens: {
            input: t.input + (r.uncached_input_tokens ?? 0),
            cachedInput: t.cachedInput + (r.cache_read_input_tokens ?? 0),
            cacheWrite5m: t.cacheWrite5m + (r.cache_creation?.ephemeral_5m_input_tokens ?? 0),
            cacheWrite1h: t.cacheWrite1h + (r.cache_creation?.ephemeral_1h_input_tokens ?? 0),
            output: t.output + (r.output_tokens ?? 0),
          },
          requests: 0,
          webSearchRequests: (prior?.webSearchRequests ?? 0) + (r.server_tool_use?.web_search_requests ?? 0),
        });
      });
    });
  });
  return completeDays(slices.values(), seen, ctx, where);
}
