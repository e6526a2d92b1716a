import { recordId, type CostRecord, type Provider, type TokenType } from './cost-record';
import { parseAmount, sum, ZERO, type Decimal } from './money';
import { priceUsage, type PriceBook } from './price-book';
import { addTokens, NO_TOKENS, type TokenCounts, type UsageRecord } from './usage-record';

/** Providers whose usage costline prices between bills (AWS bills Bedrock daily through Cost Explorer). */
const ESTIMATED_PROVIDERS: ReadonlySet<Provider> = new Set(['openai', 'anthropic']);

/** Per provider and day with a bill: what the usage estimate said, what the bill says. */
export interface EstimateGap {
  provider: Provider;
  day: string;
  estimated: string;
  billed: string;
  /** billed − estimated. */
  gap: string;
  /** Models whose usage that day had no price, so the estimate left them out. */
  unpricedModels: string[];
}

/** Usage of a model the price book has no price for. */
export interface UnpricedUsage {
  provider: Provider;
  model: string;
  reason: string;
  tokens: TokenCounts;
  requests: number;
  /** Days of this usage the bill does not cover yet: their cost is unknown and left out of the totals. */
  unbilledDays: string[];
}

/** The result of reconciling usage with the bill. */
export interface Reconciliation {
  /** Cost records estimated from usage, for provider-days without a bill only. */
  estimates: CostRecord[];
  unpriced: UnpricedUsage[];
  gaps: EstimateGap[];
}

const dayKey = (provider: string, day: string) => `${provider}|${day}`;
/** The bill's grain: a provider bills each project (OpenAI) or workspace (Anthropic) per day. */
const sliceKey = (provider: string, day: string, subAccountId: string | null) => `${provider}|${day}|${subAccountId ?? ''}`;

/**
 * Prices usage into estimate cost records for whatever the bill does not cover yet, and for what it
 * does, reports the gap between estimate and bill. Estimates are superseded, never added: usage of a
 * project or workspace on a day for which the bill has any record (even of $0) gets no estimate. The
 * grain is the bill's own, so a day billed for one project while another's bill is late keeps the
 * other's estimate. Unpriced usage is reported, never priced at $0.
 */
export function reconcileUsage(costs: readonly CostRecord[], usage: readonly UsageRecord[], book: PriceBook): Reconciliation {
  const billed = new Map<string, Decimal>();
  const billedSlices = new Set<string>();
  for (const c of costs) {
    if (!ESTIMATED_PROVIDERS.has(c.provider) || c.costOrigin !== 'billed') continue;
    const key = dayKey(c.provider, c.chargePeriodStart);
    billed.set(key, (billed.get(key) ?? ZERO).plus(parseAmount(c.billedCost, `record ${c.id}`)));
    billedSlices.add(sliceKey(c.provider, c.chargePeriodStart, c.subAccountId));
  }
  const estimatedByDay = new Map<string, Decimal>();
  const unpricedByDay = new Map<string, Set<string>>();
  const unpriced = new Map<string, UnpricedUsage>();
  const estimates: CostRecord[] = [];

  for (const u of usage) {
    if (!ESTIMATED_PROVIDERS.has(u.provider)) continue;
    const key = dayKey(u.provider, u.chargePeriodStart);
    const isBilled = billedSlices.has(sliceKey(u.provider, u.chargePeriodStart, u.subAccountId));
    const priced = priceUsage(book, u);
    if ('unpriced' in priced) {
      const id = `${u.provider}|${u.model}`;
      const entry = unpriced.get(id) ?? { provider: u.provider, model: u.model, reason: priced.unpriced, tokens: NO_TOKENS, requests: 0, unbilledDays: [] };
      entry.tokens = addTokens(entry.tokens, u.tokens);
      entry.requests += u.requests;
      if (!isBilled && !entry.unbilledDays.includes(u.chargePeriodStart)) entry.unbilledDays.push(u.chargePeriodStart);
      unpriced.set(id, entry);
      if (isBilled) unpricedByDay.set(key, (unpricedByDay.get(key) ?? new Set()).add(u.model));
      continue;
    }
    const parts: Array<[TokenType | null, string, Decimal, number]> = [
      ['input', 'input', priced.input, u.tokens.input],
      ['cachedInput', 'cached input', priced.cachedInput, u.tokens.cachedInput],
      ['cacheWrite', 'cache write', priced.cacheWrite, u.tokens.cacheWrite5m + u.tokens.cacheWrite1h],
      ['output', 'output', priced.output, u.tokens.output],
      [null, 'web search', priced.requests, u.webSearchRequests],
    ];
    // The gap compares like with like: the estimate of what the bill covers, against the bill.
    if (isBilled) {
      estimatedByDay.set(key, (estimatedByDay.get(key) ?? ZERO).plus(sum(parts.map(([, , cost]) => cost))));
      continue;
    }
    for (const [tokenType, label, cost, quantity] of parts) {
      if (cost.eq(0)) continue;
      const identity = {
        source: `${u.provider}-usage-estimate`,
        provider: u.provider,
        billingAccountId: u.billingAccountId,
        subAccountId: u.subAccountId,
        serviceName: u.serviceName,
        usageType: `${u.usageType}${u.serviceTier ? ` (${u.serviceTier})` : ''}: ${label}`,
        tags: u.tags,
        chargePeriodStart: u.chargePeriodStart,
        apiKeyId: u.apiKeyId,
        model: u.model,
      };
      const amount = cost.toFixed();
      estimates.push({
        id: recordId(identity),
        ...identity,
        providerName: u.provider === 'openai' ? 'OpenAI' : 'Anthropic',
        subAccountName: null,
        serviceCategory: 'AI and Machine Learning',
        chargePeriodEnd: u.chargePeriodEnd,
        billedCost: amount,
        effectiveCost: amount,
        billingCurrency: 'USD',
        consumedQuantity: String(quantity),
        consumedUnit: tokenType ? 'Tokens' : 'Requests',
        tokenType,
        costOrigin: 'usage-estimate',
        estimated: true,
      });
    }
  }

  const gaps = [...billed]
    .map(([key, bill]): EstimateGap => {
      const [provider, day] = key.split('|') as [Provider, string];
      const estimate = estimatedByDay.get(key) ?? ZERO;
      return {
        provider,
        day,
        estimated: estimate.toFixed(2),
        billed: bill.toFixed(2),
        gap: bill.minus(estimate).toFixed(2),
        unpricedModels: [...(unpricedByDay.get(key) ?? [])].sort(),
      };
    })
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.provider < b.provider ? -1 : 1));
  return { estimates, unpriced: [...unpriced.values()].sort((a, b) => (a.model < b.model ? -1 : 1)), gaps };
}
