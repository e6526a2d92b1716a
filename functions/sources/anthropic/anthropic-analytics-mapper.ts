import { z } from 'zod';
import type { CostRecord } from '../../domain/records/cost-record';
import { daysOf, isDay, toDay } from '../../domain/records/dates';
import { parseAmount } from '../../domain/records/money';
import { addTokens, NO_TOKENS, type UsageRecord } from '../../domain/records/usage-record';
import type { SourceDay } from '../../ports/ports';
import { MalformedProviderPageError, parsePages } from '../shared/paging';
import { addBilledCost, ANTHROPIC_SERVICE, usageSlice, type AnthropicMapperContext } from './anthropic-mapper';

/**
 * `time_bucket_width` values costline sends and accepts. The enum strings are not documented
 * (billing-apis-2026 §A1.3); `1d` is what the docs quickstart sends, `1h`/`1m` follow the legacy reports.
 * No other spelling (`day`, `1 day`, `P1D`) is listed anywhere, so none is accepted.
 */
export const ANALYTICS_BUCKET_WIDTHS = ['1d', '1h', '1m'] as const;
export type AnalyticsBucketWidth = (typeof ANALYTICS_BUCKET_WIDTHS)[number];
const WIDTH_MS: Record<AnalyticsBucketWidth, number> = { '1d': 86_400_000, '1h': 3_600_000, '1m': 60_000 };

/** What the analytics mappers need besides the pages. */
export interface AnthropicAnalyticsContext extends AnthropicMapperContext {
  /** The request's `group_by[]`: each of these keys must be in every row's `group` (a string or null). */
  groupBy: readonly string[];
  /** The request's `time_bucket_width`: every row must fit in one such bucket. */
  bucketWidth: AnalyticsBucketWidth;
}

const rfc3339 = z.string({ error: 'expected an RFC 3339 time' }).refine((v) => !Number.isNaN(Date.parse(v)) && isDay(v.slice(0, 10)), { error: 'expected an RFC 3339 time' });
/** Fractional cents: documented as a decimal string; a JSON number is accepted too (OpenAI's amounts arrive both ways). */
const money = z.union([z.string(), z.number()], { error: 'expected fractional cents as a decimal string (or a number)' });
const count = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).nonnegative({ error: 'expected 0 or more' });
const optionalCount = count.nullable().optional();
/** The request count's name is not documented for the analytics API (§A1.5); these are the names in use nearby. */
const REQUEST_COUNT_FIELDS = ['requests', 'request_count', 'num_requests'] as const;
const requestCounts = { requests: optionalCount, request_count: optionalCount, num_requests: optionalCount };

const row = <T extends z.ZodType>(metricsKey: string, metrics: T) =>
  z.object({ starting_at: rfc3339, ending_at: rfc3339, group: z.record(z.string(), z.unknown(), { error: 'expected an object of group values' }), [metricsKey]: metrics });
const page = <T extends z.ZodType>(metricsKey: string, metrics: T) =>
  z.object({
    data: z.array(row(metricsKey, metrics), { error: 'expected an array of rows' }),
    // Echoed by some report APIs; when present it must be a width costline knows.
    time_bucket_width: z.enum(ANALYTICS_BUCKET_WIDTHS, { error: `unknown bucket width; expected one of ${ANALYTICS_BUCKET_WIDTHS.join(', ')}` }).nullable().optional(),
  });

const costMetrics = z.object({ amount: money, list_amount: money.nullable().optional(), currency: z.string({ error: 'expected a currency code' }), ...requestCounts });
const usageMetrics = z.object({
  uncached_input_tokens: optionalCount,
  cache_creation: z.object({ ephemeral_5m_input_tokens: optionalCount, ephemeral_1h_input_tokens: optionalCount }).nullable().optional(),
  cache_read_input_tokens: optionalCount,
  output_tokens: optionalCount,
  total_tokens: optionalCount,
  server_tool_use: z.object({ web_search_requests: optionalCount }).nullable().optional(),
  ...requestCounts,
});

type Row = { starting_at: string; ending_at: string; group: Record<string, unknown> };

/** The request count under whichever name it came; two names with different values are a broken row. */
function requestCountOf(metrics: Partial<Record<(typeof REQUEST_COUNT_FIELDS)[number], number | null | undefined>>, at: string): number | null {
  const values = REQUEST_COUNT_FIELDS.map((f) => [f, metrics[f]] as const).filter(([, v]) => v !== undefined && v !== null) as Array<readonly [string, number]>;
  if (new Set(values.map(([, v]) => v)).size > 1) throw new MalformedProviderPageError(`${at}: ${values.map(([f, v]) => `${f} ${v}`).join(' and ')} disagree`);
  return values[0]?.[1] ?? null;
}

/** The grouped values of a row, each a string or null; a grouped key missing from `group` is a broken row. */
function groupValues(r: Row, ctx: AnthropicAnalyticsContext, at: string): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const key of ctx.groupBy) {
    const value = r.group[key];
    if (value === undefined) throw new MalformedProviderPageError(`${at}.group.${key}: missing (the query groups by ${key}; expected a string or null)`);
    if (value !== null && typeof value !== 'string') throw new MalformedProviderPageError(`${at}.group.${key}: expected a string or null, got ${JSON.stringify(value)}`);
    values[key] = value;
  }
  return values;
}

/** The UTC day a row belongs to: it must lie inside one requested bucket, inside the window. */
function dayOf(r: Row, ctx: AnthropicAnalyticsContext, at: string): string {
  const start = Date.parse(r.starting_at);
  const end = Date.parse(r.ending_at);
  const span = end - start;
  if (!(span > 0 && span <= WIDTH_MS[ctx.bucketWidth]) || toDay(new Date(start)) !== toDay(new Date(end - 1))) {
    throw new MalformedProviderPageError(`${at}: ${r.starting_at}..${r.ending_at} is not a ${ctx.bucketWidth} bucket (an unknown bucket width, or time_bucket_width ignored)`);
  }
  const day = toDay(new Date(start));
  if (day < ctx.window.start || day >= ctx.window.end) throw new MalformedProviderPageError(`${at}: ${r.starting_at} is outside the requested ${ctx.window.start}..${ctx.window.end} (end exclusive)`);
  return day;
}

/**
 * The days the pull replaces. Analytics rows are flat and a day with nothing to report has no row, so an
 * absent day is an empty day, not a gap: every day before today is returned (with its records or none),
 * and today or later only when rows came for it.
 */
function analyticsDays<R extends { chargePeriodStart: string }>(records: Iterable<R>, ctx: AnthropicAnalyticsContext): SourceDay<R>[] {
  const byDay = new Map<string, R[]>();
  for (const r of records) byDay.set(r.chargePeriodStart, [...(byDay.get(r.chargePeriodStart) ?? []), r]);
  return daysOf(ctx.window)
    .filter((d) => d < ctx.today || byDay.has(d))
    .map((d) => ({ day: d, records: byDay.get(d) ?? [], estimated: false }));
}

const describeGroup = (g: Record<string, string | null>) =>
  Object.entries(g)
    .map(([k, v]) => `${k} ${v ?? 'null'}`)
    .join(', ');

/**
 * Maps `GET /v1/organizations/analytics/cost` pages (flat rows, `time_bucket_width=1d`, grouped by
 * `workspace_id`, `api_key_id` and `model`) to billed cost records that carry the API key and the model.
 * `amount` is fractional cents (`"41280.000000"` is $412.80), post-discount and pre-credit, divided
 * exactly; `list_amount` is optional and checked but not stored (the record has no list-price column).
 * `workspace_id: null` is the default workspace, `api_key_id: null` usage no key made (Console Workbench),
 * `model: null` a cost with no model (web search, code execution). Two rows with the same identity are
 * added together, with a line in `ctx.notes`.
 */
export function mapAnthropicAnalyticsCosts(pages: readonly unknown[], ctx: AnthropicAnalyticsContext): SourceDay<CostRecord>[] {
  const where = 'Anthropic analytics/cost';
  const records = new Map<string, { record: CostRecord; at: string }>();
  parsePages(pages, page('cost', costMetrics), where).forEach((p, pageIndex) => {
    p.data.forEach((raw, i) => {
      const r = raw as Row & { cost: z.output<typeof costMetrics> };
      const pos = `page ${pageIndex + 1}: data[${i}]`;
      const at = `${where}, ${pos}`;
      const day = dayOf(r, ctx, at);
      const g = groupValues(r, ctx, at);
      if (r.cost.currency !== 'USD') throw new MalformedProviderPageError(`${at}.cost.currency: expected "USD", got "${r.cost.currency}"`);
      const dollars = parseAmount(r.cost.amount, `${at}.cost.amount`).div(100);
      if (r.cost.list_amount !== undefined && r.cost.list_amount !== null) parseAmount(r.cost.list_amount, `${at}.cost.list_amount`);
      requestCountOf(r.cost, `${at}.cost`);
      const tokenType = g.token_type ?? null;
      const identity = {
        source: ctx.source,
        provider: 'anthropic' as const,
        billingAccountId: ctx.organizationId,
        subAccountId: g.workspace_id ?? null,
        serviceName: ANTHROPIC_SERVICE,
        // Grouped by key and model only, a row has no usage type; the finer dimensions name it when asked for.
        usageType: [g.cost_type, g.token_type, g.service_tier, g.context_window, g.inference_geo].filter(Boolean).join(' | ') || null,
        tags: {},
        chargePeriodStart: day,
        apiKeyId: g.api_key_id ?? null,
        model: g.model ?? null,
      };
      addBilledCost(records, identity, dollars, tokenType, pos, (prior) => {
        ctx.notes?.push(`${at} repeats ${prior} (${day}, ${describeGroup(g)}): the two rows are added together`);
      });
    });
  });
  return analyticsDays(
    [...records.values()].map((r) => r.record),
    ctx,
  );
}

/**
 * Maps `GET /v1/organizations/analytics/usage` pages (flat rows, daily or hourly buckets, grouped by
 * workspace, API key, model, service tier, context window, inference geography and speed) to one usage
 * record per day and slice. Priority Tier usage is here (`service_tier: "priority"`) though no cost
 * endpoint bills it. The token components are required to add up to `total_tokens` when both come; a row
 * with a total but no components cannot be split by token type and fails rather than count as nothing.
 * Rows of one bucket with the same identity are added together, with a line in `ctx.notes`.
 */
export function mapAnthropicAnalyticsUsage(pages: readonly unknown[], ctx: AnthropicAnalyticsContext): SourceDay<UsageRecord>[] {
  const where = 'Anthropic analytics/usage';
  const slices = new Map<string, UsageRecord>();
  const rowsSeen = new Map<string, string>();
  parsePages(pages, page('usage', usageMetrics), where).forEach((p, pageIndex) => {
    p.data.forEach((raw, i) => {
      const r = raw as Row & { usage: z.output<typeof usageMetrics> };
      const pos = `page ${pageIndex + 1}: data[${i}]`;
      const at = `${where}, ${pos}`;
      const day = dayOf(r, ctx, at);
      const g = groupValues(r, ctx, at);
      if (!g.model) throw new MalformedProviderPageError(`${at}.group.model: expected a model (the query groups by model)`);
      const u = r.usage;
      const tokens = {
        input: u.uncached_input_tokens ?? 0,
        cachedInput: u.cache_read_input_tokens ?? 0,
        cacheWrite5m: u.cache_creation?.ephemeral_5m_input_tokens ?? 0,
        cacheWrite1h: u.cache_creation?.ephemeral_1h_input_tokens ?? 0,
        output: u.output_tokens ?? 0,
      };
      const parts = tokens.input + tokens.cachedInput + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.output;
      if (u.total_tokens != null && u.total_tokens !== parts) {
        throw new MalformedProviderPageError(`${at}.usage.total_tokens: ${u.total_tokens}, but the token components add up to ${parts} (a missing or renamed component?)`);
      }
      const slice = usageSlice(ctx, day, {
        workspaceId: g.workspace_id ?? null,
        apiKeyId: g.api_key_id ?? null,
        model: g.model,
        serviceTier: g.service_tier ?? null,
        contextWindow: g.context_window ?? null,
        inferenceGeo: g.inference_geo ?? null,
        speed: g.speed ?? null,
      });
      const rowKey = `${r.starting_at}|${slice.id}`;
      const earlier = rowsSeen.get(rowKey);
      if (earlier) ctx.notes?.push(`${at} repeats ${earlier} (${r.starting_at}, ${describeGroup(g)}): the two rows are added together`);
      else rowsSeen.set(rowKey, pos);
      const prior = slices.get(slice.id);
      slices.set(slice.id, {
        ...slice,
        tokens: addTokens(prior?.tokens ?? NO_TOKENS, tokens),
        requests: (prior?.requests ?? 0) + (requestCountOf(u, `${at}.usage`) ?? 0),
        webSearchRequests: (prior?.webSearchRequests ?? 0) + (u.server_tool_use?.web_search_requests ?? 0),
      });
    });
  });
  return analyticsDays(slices.values(), ctx);
}
