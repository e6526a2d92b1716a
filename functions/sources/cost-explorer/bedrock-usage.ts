import { z } from 'zod';
import { recordId } from '../../domain/cost-record';
import { addDays, daysOf, isDay, type DayWindow } from '../../domain/dates';
import { NO_TOKENS, type TokenCounts, type UsageRecord } from '../../domain/usage-record';
import type { SourceDay } from '../../ports/ports';
import { describeIssues } from '../../shared/zod-issues';
import { bedrockModelOf, MalformedCostExplorerPageError } from './cost-explorer-mapper';
import type { CostAndUsageRequest } from './cost-explorer-queries';

/** Is this Cost Explorer service Amazon Bedrock, first-party or a Marketplace model sold through it? */
export function isBedrockService(service: string): boolean {
  return service === 'Amazon Bedrock' || bedrockModelOf(service) !== null;
}

/**
 * The one extra query for Bedrock tokens: usage quantity per service and usage type, only for the
 * Bedrock services the cost queries found in the window (no Bedrock spend, no request).
 */
export function bedrockUsageQuery(window: DayWindow, services: readonly string[]): CostAndUsageRequest {
  return {
    TimePeriod: { Start: window.start, End: window.end },
    Granularity: 'DAILY',
    Metrics: ['UsageQuantity'],
    GroupBy: [
      { Type: 'DIMENSION', Key: 'SERVICE' },
      { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
    ],
    Filter: { Dimensions: { Key: 'SERVICE', Values: [...services].sort(), MatchOptions: ['EQUALS'] } },
  } as unknown as CostAndUsageRequest;
}

/** Token type of a Bedrock usage type, from the documented patterns; null for anything else (e.g. provisioned hours). */
export function bedrockTokenType(usageType: string): keyof TokenCounts | null {
  const u = usageType.toLowerCase();
  if (/cache-?read|cacheread/.test(u)) return 'cachedInput';
  if (/cache-?write|cachewrite/.test(u)) return 'cacheWrite5m';
  if (/input-?tokens|inputtokencount|input_tokens/.test(u)) return 'input';
  if (/output-?tokens|outputtokencount|output_tokens/.test(u)) return 'output';
  return null;
}

/**
 * Tokens per unit of a usage quantity. First-party usage types count tokens; Marketplace (`MP:`) usage
 * types count "Units" of 1,000 tokens, as their per-unit prices (a thousand times the per-token list
 * price) show. AWS does not document this; any other unit yields no tokens rather than a guess.
 */
export function tokensPerUnit(usageType: string, unit: string): number | null {
  if (/^tokens?$/i.test(unit)) return 1;
  if (/^units?$/i.test(unit) && usageType.includes('MP:')) return 1000;
  return null;
}

/** `USE1-NovaPro-input-tokens` → `NovaPro`: the first-party model named in a usage type. */
export function firstPartyModelOf(usageType: string): string {
  return usageType.replace(/^[A-Z0-9]+-/, '').replace(/-(mantle-)?(input|output|cache-read-input|cache-write-input)-tokens?.*$|-(cache-read|cache-write)-input-token-count$/i, '');
}

const pageSchema = z.object({
  ResultsByTime: z.array(
    z.object({
      TimePeriod: z.object({ Start: z.string().refine(isDay), End: z.string().refine(isDay) }),
      Groups: z.array(z.object({ Keys: z.array(z.string()).length(2), Metrics: z.record(z.string(), z.object({ Amount: z.string(), Unit: z.string() })) })).default([]),
    }),
  ),
});

/**
 * Maps the Bedrock usage query's pages to org-level usage records per day, service and model. They
 * carry no team: the chargeback apportions them to the teams by each team's share of that day's cost of
 * the service (`apportionByCost`), since Cost Explorer allows two GroupBy keys and for Marketplace models
 * the service, not the usage type, names the model.
 */
export function mapBedrockUsage(pages: readonly unknown[], window: DayWindow, ctx: { source: string; billingAccountId: string }): SourceDay<UsageRecord>[] {
  const byDay = new Map<string, Map<string, UsageRecord>>();
  pages.forEach((raw, pageIndex) => {
    const where = `Cost Explorer Bedrock usage query, page ${pageIndex + 1}`;
    const parsed = pageSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedCostExplorerPageError(`${where}: ${describeIssues(parsed.error.issues).join('; ')}`);
    for (const result of parsed.data.ResultsByTime) {
      const day = result.TimePeriod.Start;
      const records = byDay.get(day) ?? new Map<string, UsageRecord>();
      byDay.set(day, records);
      for (const group of result.Groups) {
        const [service, usageType] = group.Keys as [string, string];
        const quantity = group.Metrics.UsageQuantity;
        const type = bedrockTokenType(usageType);
        const perUnit = quantity ? tokensPerUnit(usageType, quantity.Unit) : null;
        if (!quantity || type === null || perUnit === null) continue;
        const tokens = Math.round(Number(quantity.Amount) * perUnit);
        if (!Number.isFinite(tokens) || tokens <= 0) continue;
        const model = bedrockModelOf(service) ?? firstPartyModelOf(usageType);
        const identity = { source: ctx.source, provider: 'aws' as const, billingAccountId: ctx.billingAccountId, subAccountId: null, serviceName: service, usageType: 'bedrock', tags: {}, chargePeriodStart: day, model };
        const id = recordId(identity);
        const prior = records.get(id);
        const counts = { ...(prior?.tokens ?? NO_TOKENS) };
        counts[type] += tokens;
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
        });
      }
    }
  });
  return daysOf(window).map((day) => ({ day, records: [...(byDay.get(day)?.values() ?? [])], estimated: false }));
}
