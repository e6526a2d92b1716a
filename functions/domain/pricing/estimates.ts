import { recordId, type CostRecord, type Provider, type TokenType } from '../records/cost-record';
import { ExactSums } from '../records/exact-sums';
import { parseAmount, sum, ZERO, type Decimal } from '../records/money';
import { priceUsage, type PriceBook } from './price-book';
import { addTokens, NO_TOKENS, type TokenCounts, type UsageRecord } from '../records/usage-record';

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

/** Usage the price book has no price for (a model, or a tier, band, speed, geo, modality or unit of it), by reason. */
export interface UnpricedUsage {
  provider: Provider;
  model: string;
  reason: string;
  tokens: TokenCounts;
  requests: number;
  /** Days of this usage the bill does not cover yet: their cost is unknown and left out of the totals. */
  unbilledDays: string[];
}

/**
 * Usage of capacity bought by commitment (Anthropic Priority Tier): it never appears in either Anthropic
 * cost endpoint, so it is neither estimated nor billed here. Reported with its tokens and requests, never
 * with dollars, and never in any total.
 */
export interface CapacityUsage {
  provider: Provider;
  /** Anthropic workspace (null: the default workspace). */
  subAccountId: string | null;
  model: string;
  serviceTier: string;
  tokens: TokenCounts;
  requests: number;
  days: string[];
}

/** The result of reconciling usage with the bill. */
export interface Reconciliation {
  /** Cost records estimated from usage, for provider-days without a bill only. */
  estimates: CostRecord[];
  unpriced: UnpricedUsage[];
  gaps: EstimateGap[];
  /** Capacity billed separately (Anthropic Priority Tier), by workspace and model; no dollars. */
  capacity: CapacityUsage[];
}

/**
 * Whether usage runs on capacity billed by commitment rather than per token: Anthropic's Priority Tier,
 * whose cost "uses a different billing model and is not included in the cost endpoint".
 */
export function isCommittedCapacity(u: Pick<UsageRecord, 'provider' | 'serviceTier'>): boolean {
  return u.provider === 'anthropic' && u.serviceTier === 'priority';
}

/**
 * What sets a usage slice's price apart, for the estimate's usage type: `messages (batch, 200k-1M, fast, us)`.
 * Part of the record id, so two slices of one day that differ only in band or speed stay two records.
 */
function variantOf(u: UsageRecord): string {
  const parts = [u.serviceTier, u.contextWindow === '0-200k' ? null : u.contextWindow, u.speed === 'standard' ? null : u.speed, u.inferenceGeo === 'global' || u.inferenceGeo === 'not_available' ? null : u.inferenceGeo].filter(
    (x): x is string => typeof x === 'string' && x.length > 0,
  );
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const dayKey = (provider: string, day: string) => `${provider}|${day}`;
/** The bill's grain: a provider bills each project (OpenAI) or workspace (Anthropic) per day. */
const sliceKey = (provider: string, day: string, subAccountId: string | null) => `${provider}|${day}|${subAccountId ?? ''}`;

/**
 * Prices usage into estimate cost records for whatever the bill does not cover yet, and for what it
 * does, reports the gap between estimate and bill. Estimates are superseded, never added: usage of a
 * project or workspace on a day for which the bill has any record (even of $0) gets no estimate. The
 * grain is the bill's own, so a day billed for one project while another's bill is late keeps the
 * other's estimate. Unpriced usage is reported with its reason, never priced at $0 or at another rate.
 * Anthropic Priority Tier usage is committed capacity: reported in `capacity` with its tokens, never
 * estimated, never in a total.
 */
export function reconcileUsage(costs: readonly CostRecord[], usage: readonly UsageRecord[], book: PriceBook): Reconciliation {
  // The bill per provider-day, summed as integers (ExactSums) rather than a big decimal per record.
  const billedSums = new ExactSums();
  const billedSlots = new Map<string, number>();
  const billedSlices = new Set<string>();
  for (const c of costs) {
    if (!ESTIMATED_PROVIDERS.has(c.provider) || c.costOrigin !== 'billed') continue;
    const key = dayKey(c.provider, c.chargePeriodStart);
    let slot = billedSlots.get(key);
    if (slot === undefined) billedSlots.set(key, (slot = billedSums.open()));
    if (!billedSums.add(slot, c.billedCost)) billedSums.addExact(slot, parseAmount(c.billedCost, `record ${c.id}`));
    billedSlices.add(sliceKey(c.provider, c.chargePeriodStart, c.subAccountId));
  }
  const billed = new Map([...billedSlots].map(([key, slot]) => [key, billedSums.value(slot)] as const));
  const estimatedByDay = new Map<string, Decimal>();
  const unpricedByDay = new Map<string, Set<string>>();
  const unpriced = new Map<string, UnpricedUsage>();
  const estimates: CostRecord[] = [];
  const capacity = new Map<string, CapacityUsage>();

  for (const u of usage) {
    if (!ESTIMATED_PROVIDERS.has(u.provider)) continue;
    if (isCommittedCapacity(u)) {
      // Never an estimate, so never an estimate that vanishes when the day's bill (without it) arrives.
      const id = JSON.stringify([u.provider, u.subAccountId, u.model, u.serviceTier]);
      const entry = capacity.get(id) ?? { provider: u.provider, subAccountId: u.subAccountId, model: u.model, serviceTier: u.serviceTier!, tokens: NO_TOKENS, requests: 0, days: [] };
      entry.tokens = addTokens(entry.tokens, u.tokens);
      entry.requests += u.requests;
      if (!entry.days.includes(u.chargePeriodStart)) entry.days.push(u.chargePeriodStart);
      capacity.set(id, entry);
      continue;
    }
    const key = dayKey(u.provider, u.chargePeriodStart);
    const isBilled = billedSlices.has(sliceKey(u.provider, u.chargePeriodStart, u.subAccountId));
    const priced = priceUsage(book, u);
    if ('unpriced' in priced) {
      // One entry per model and kind of gap; the day a reason may name is not a kind of its own.
      const id = `${u.provider}|${u.model}|${priced.unpriced.replace(/ on \d{4}-\d{2}-\d{2}$/, '')}`;
      const entry = unpriced.get(id) ?? { provider: u.provider, model: u.model, reason: priced.unpriced, tokens: NO_TOKENS, requests: 0, unbilledDays: [] };
      entry.tokens = addTokens(entry.tokens, u.tokens);
      entry.requests += u.requests;
      if (!isBilled && !entry.unbilledDays.includes(u.chargePeriodStart)) entry.unbilledDays.push(u.chargePeriodStart);
      unpriced.set(id, entry);
      if (isBilled) unpricedByDay.set(key, (unpricedByDay.get(key) ?? new Set()).add(u.model));
      continue;
    }
    const audio = u.modalities?.audio ?? { input: 0, cachedInput: 0, output: 0 };
    const image = u.modalities?.image ?? { input: 0, cachedInput: 0, output: 0 };
    const parts: Array<[TokenType | null, string, Decimal, number, string]> = [
      ['input', 'input', priced.input, u.tokens.input - audio.input - image.input, 'Tokens'],
      ['cachedInput', 'cached input', priced.cachedInput, u.tokens.cachedInput - audio.cachedInput - image.cachedInput, 'Tokens'],
      ['cacheWrite', 'cache write', priced.cacheWrite, u.tokens.cacheWrite5m + u.tokens.cacheWrite1h, 'Tokens'],
      ['output', 'output', priced.output, u.tokens.output - audio.output - image.output, 'Tokens'],
      ['input', 'audio input', priced.audio.input, audio.input, 'Tokens'],
      ['cachedInput', 'cached audio input', priced.audio.cachedInput, audio.cachedInput, 'Tokens'],
      ['output', 'audio output', priced.audio.output, audio.output, 'Tokens'],
      ['input', 'image input', priced.image.input, image.input, 'Tokens'],
      ['cachedInput', 'cached image input', priced.image.cachedInput, image.cachedInput, 'Tokens'],
      ['output', 'image output', priced.image.output, image.output, 'Tokens'],
      [null, 'web search', priced.requests, u.webSearchRequests, 'Requests'],
      [null, u.units?.unit ?? 'units', priced.units, u.units?.quantity ?? 0, u.units?.unit ?? 'Units'],
    ];
    // The gap compares like with like: the estimate of what the bill covers, against the bill.
    if (isBilled) {
      estimatedByDay.set(key, (estimatedByDay.get(key) ?? ZERO).plus(sum(parts.map(([, , cost]) => cost))));
      continue;
    }
    for (const [tokenType, label, cost, quantity, unit] of parts) {
      if (cost.eq(0)) continue;
      const identity = {
        source: `${u.provider}-usage-estimate`,
        provider: u.provider,
        billingAccountId: u.billingAccountId,
        subAccountId: u.subAccountId,
        serviceName: u.serviceName,
        usageType: `${u.usageType}${variantOf(u)}: ${label}`,
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
        consumedUnit: unit,
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
  const byName = (a: { model: string; subAccountId?: string | null }, b: { model: string; subAccountId?: string | null }) =>
    a.model < b.model ? -1 : a.model > b.model ? 1 : (a.subAccountId ?? '') < (b.subAccountId ?? '') ? -1 : 1;
  return {
    estimates,
    unpriced: [...unpriced.values()].sort(byName),
    gaps,
    capacity: [...capacity.values()].map((c) => ({ ...c, days: c.days.sort() })).sort(byName),
  };
}
