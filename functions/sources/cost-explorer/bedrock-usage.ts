import { z } from 'zod';
import { recordId } from '../../domain/records/cost-record';
import { addDays, daysOf, isDay, type DayWindow } from '../../domain/records/dates';
import Big from 'big.js';
import { parseAmount, type Decimal } from '../../domain/records/money';
import { bedrockTokenPrice, type PriceBook } from '../../domain/pricing/price-book';
import { NO_TOKENS, type TokenCounts, type UsageRecord } from '../../domain/records/usage-record';
import type { SourceDay } from '../../ports/ports';
import { describeIssues } from '../../lib/zod-issues';
import { bedrockModelOf, MalformedCostExplorerPageError } from './cost-explorer-mapper';
import type { CostAndUsageRequest } from './cost-explorer-queries';

/** Is this Cost Explorer service Amazon Bedrock, first-party or a Marketplace model sold through it? */
export function isBedrockService(service: string): boolean {
  return service === 'Amazon Bedrock' || bedrockModelOf(service) !== null;
}

/**
 * The one extra query for Bedrock tokens: usage quantity and unblended cost per service and usage type,
 * only for the Bedrock services the cost queries found in the window (no Bedrock spend, no request). The
 * cost is what token counts are derived from where the usage unit is not documented.
 */
export function bedrockUsageQuery(window: DayWindow, services: readonly string[]): CostAndUsageRequest {
  return {
    TimePeriod: { Start: window.start, End: window.end },
    Granularity: 'DAILY',
    Metrics: ['UsageQuantity', 'UnblendedCost'],
    GroupBy: [
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
    ],
    Filter: { Dimensions: { Key: 'SERVICE', Values: [...services].sort(), MatchOptions: ['EQUALS'] } },
  } as unknown as CostAndUsageRequest;
}

/** What a Bedrock usage type says about its tokens: the kind, and the modifiers that change its price. */
export interface BedrockMeter {
  kind: keyof TokenCounts;
  /** Global cross-region inference (the base price); otherwise in-region or geo, priced 1.1x (§A6.3). */
  global: boolean;
  batch: boolean;
  longContext: boolean;
  /** `priority`, `flex` or `latency-optimized` service tiers; null for on-demand standard. */
  tier: 'priority' | 'flex' | 'latency-optimized' | null;
}

/**
 * Reads a Bedrock usage type by pattern (billing-apis-2026.md §A6.3), never by a fixed list: both the
 * CamelCase Marketplace style up to Claude 4.6 (`USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units`)
 * and the snake_case style from Claude 4.7 (`USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units`), the
 * first-party style (`USE1-NovaPro-input-tokens-latency-optimized`) and the "mantle" one
 * (`USE1-openai.gpt-oss-120b-mantle-cache_read-tokens-standard`). Null for anything that is not tokens
 * (provisioned throughput hours, for instance).
 */
export function bedrockMeterOf(usageType: string): BedrockMeter | null {
  const u = usageType.toLowerCase();
  let kind: keyof TokenCounts | null = null;
  if (/cache[_-]?read/.test(u)) kind = 'cachedInput';
  else if (/cache[_-]?write/.test(u)) kind = /cache[_-]?write[_-]?1h|1h[_-]?input|tokens?[_-]1h/.test(u) ? 'cacheWrite1h' : 'cacheWrite5m';
  else if (/input[_-]?tokens?|inputtokencount/.test(u)) kind = 'input';
  else if (/output[_-]?tokens?|outputtokencount|responsetokencount/.test(u)) kind = 'output';
  if (kind === null) return null;
  const tier = /priority/.test(u) ? 'priority' : /flex/.test(u) ? 'flex' : /latency[_-]?optimi[sz]ed/.test(u) ? 'latency-optimized' : null;
  return { kind, global: /global/.test(u), batch: /batch/.test(u), longContext: /long[_-]?ctx|long[_-]?context/.test(u), tier };
}

/** Token type of a Bedrock usage type; null for anything that is not tokens. */
export function bedrockTokenType(usageType: string): keyof TokenCounts | null {
  return bedrockMeterOf(usageType)?.kind ?? null;
}

/**
 * Tokens per unit of a usage quantity, where the unit says it: `tokens`, `1K tokens`, `1M tokens`. Null
 * otherwise, notably for Marketplace "Units", whose size (1,000 or 1,000,000 tokens) AWS does not document
 * (billing-apis-2026.md §A6.4): those tokens are derived from cost instead (see {@link mapBedrockUsage}).
 */
export function tokensPerUnit(unit: string): number | null {
  const u = unit.trim().toLowerCase();
  if (/^tokens?$/.test(u)) return 1;
  if (/^(1k|1,000|1000|thousand) tokens?$/.test(u)) return 1_000;
  if (/^(1m|1,000,000|1000000|million) tokens?$/.test(u)) return 1_000_000;
  return null;
}

/**
 * `USE1-NovaPro-input-tokens` → `NovaPro`, `USE1-openai.gpt-oss-120b-mantle-cache_read-tokens-standard` →
 * `openai.gpt-oss-120b`: the first-party model named in a usage type.
 */
export function firstPartyModelOf(usageType: string): string {
  return usageType.replace(/^[A-Z0-9]+-/, '').replace(/-(mantle-)?(input|output|cache[-_]?read|cache[-_]?write)([-_].*)?$/i, '');
}

/**
 * The list price per million tokens of a Bedrock model's meter on a day, in force in the price book; undefined
 * when the book has none (or cannot price the meter's modifiers), so no token count is invented from it.
 */
export type BedrockRate = (model: string, day: string, meter: BedrockMeter) => Decimal | undefined;

const pageSchema = z.object({
  ResultsByTime: z.array(
    z.object({
      TimePeriod: z.object({ Start: z.string().refine(isDay), End: z.string().refine(isDay) }),
      Groups: z.array(z.object({ Keys: z.array(z.string()).length(2), Metrics: z.record(z.string(), z.object({ Amount: z.string(), Unit: z.string() })) })).default([]),
    }),
  ),
});

/**
 * The rate of a Bedrock meter from the price book's `aws` rows (named as {@link bedrockModelOf} names the
 * model, e.g. `Claude Sonnet 4.5`): see {@link bedrockTokenPrice}. Long context and the priority, flex and
 * latency-optimized tiers have no such rule in the book, so they get no rate, and their tokens are not derived.
 */
export function priceBookBedrockRate(book: PriceBook): BedrockRate {
  const kinds = { input: 'input', output: 'output', cachedInput: 'cacheRead', cacheWrite5m: 'cacheWrite', cacheWrite1h: 'cacheWrite1h' } as const;
  return (model, day, meter) =>
    meter.longContext || meter.tier !== null ? undefined : bedrockTokenPrice(book, { model, day, kind: kinds[meter.kind], routing: meter.global ? 'global' : 'regional', batch: meter.batch });
}

/** What the Bedrock mapper needs besides the pages. */
export interface BedrockUsageContext {
  source: string;
  billingAccountId: string;
  /** Prices of meters whose unit is not documented, to derive tokens from their cost. */
  rate: BedrockRate;
}

/** The Bedrock usage, and the meters whose tokens could not be counted (no documented unit, no price). */
export interface MappedBedrockUsage {
  days: SourceDay<UsageRecord>[];
  /** One line per model and usage type left uncounted, e.g. `Claude Opus 5 USE1-MP:USE1_input_tokens_standard-Units (Units)`. */
  uncounted: string[];
}

/**
 * Maps the Bedrock usage query's pages to org-level usage records per day, service and model. They
 * carry no team: the chargeback apportions them to the teams by each team's share of that day's cost of
 * the service (`apportionByCost`), since Cost Explorer allows two GroupBy keys and for Marketplace models
 * the service, not the usage type, names the model.
 *
 * Token counts come from the usage quantity where its unit names tokens. Marketplace "Units" are not
 * documented as 1,000 or 1,000,000 tokens, so their tokens are derived from the meter's cost divided by
 * the price book's rate, and the record says so (`tokensDerivedFromCost`); a meter with neither a known
 * unit nor a rate is counted in `uncounted`, never guessed.
 */
export function mapBedrockUsage(pages: readonly unknown[], window: DayWindow, ctx: BedrockUsageContext): MappedBedrockUsage {
  const byDay = new Map<string, Map<string, UsageRecord>>();
  const uncounted = new Set<string>();
  pages.forEach((raw, pageIndex) => {
    const where = `Cost Explorer Bedrock usage query, page ${pageIndex + 1}`;
    const parsed = pageSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedCostExplorerPageError(`${where}: ${describeIssues(parsed.error.issues).join('; ')}`);
    parsed.data.ResultsByTime.forEach((result, r) => {
      const day = result.TimePeriod.Start;
      const records = byDay.get(day) ?? new Map<string, UsageRecord>();
      byDay.set(day, records);
      result.Groups.forEach((group, g) => {
        const [service, usageType] = group.Keys as [string, string];
        const quantity = group.Metrics.UsageQuantity;
        if (!quantity) return;
        const cost = group.Metrics.UnblendedCost;
        const at = `${where}: ResultsByTime[${r}].Groups[${g}].Metrics.UnblendedCost.Amount`;
        addBedrockMeter(records, uncounted, { day, service, usageType, quantity: quantity.Amount, unit: quantity.Unit, cost: () => (cost ? parseAmount(cost.Amount, at) : undefined) }, ctx);
      });
    });
  });
  return { days: daysOf(window).map((day) => ({ day, records: [...(byDay.get(day)?.values() ?? [])], estimated: false })), uncounted: [...uncounted].sort() };
}

/** One Bedrock meter's day: its service and usage type, quantity with unit, and (lazily) its unblended cost. */
export interface BedrockMeterDay {
  day: string;
  service: string;
  usageType: string;
  /** The usage quantity as a decimal string. */
  quantity: string;
  unit: string;
  cost: () => Decimal | undefined;
}

/**
 * Adds one meter's tokens to a day's org-level usage records (keyed by id), or its name to `uncounted`; a
 * usage type that is not tokens is skipped. Shared by Cost Explorer and the billing exports: see
 * {@link mapBedrockUsage} for how tokens are counted.
 */
export function addBedrockMeter(records: Map<string, UsageRecord>, uncounted: Set<string>, meterDay: BedrockMeterDay, ctx: BedrockUsageContext): void {
  const { day, service, usageType } = meterDay;
  const meter = bedrockMeterOf(usageType);
  if (!meter) return;
  const model = bedrockModelOf(service) ?? firstPartyModelOf(usageType);
  const perUnit = tokensPerUnit(meterDay.unit);
  let tokens: number;
  let derived = false;
  if (perUnit !== null) {
    tokens = Math.round(Number(meterDay.quantity) * perUnit);
  } else {
    const cost = meterDay.cost();
    const rate = ctx.rate(model, day, meter);
    if (!cost || !rate || rate.lte(0)) {
      uncounted.add(`${model} ${usageType} (${meterDay.unit})`);
      return;
    }
    tokens = Number(cost.times(1_000_000).div(rate).round(0, Big.roundHalfUp).toFixed(0));
    derived = true;
  }
  if (!Number.isFinite(tokens) || tokens <= 0) return;
  const identity = { source: ctx.source, provider: 'aws' as const, billingAccountId: ctx.billingAccountId, subAccountId: null, serviceName: service, usageType: 'bedrock', tags: {}, chargePeriodStart: day, model };
  const id = recordId(identity);
  const prior = records.get(id);
  const counts = { ...(prior?.tokens ?? NO_TOKENS) };
  counts[meter.kind] += tokens;
  records.set(id, {
    id,
    ...identity,
    apiKeyId: null,
    serviceTier: null,
    chargePeriodEnd: addDays(day, 1),
    tokens: counts,
    requests: 0,
    webSearchRequests: 0,
    apportionByCost: true,
    ...(derived || prior?.tokensDerivedFromCost ? { tokensDerivedFromCost: true } : {}),
  });
}
