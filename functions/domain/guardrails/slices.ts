import Big from 'big.js';
import { recordAllocation, type AllocatedMonth } from '../allocation/allocate';
import type { CostBasis } from '../chargeback/chargeback';
import type { CostRecord, Provider } from '../records/cost-record';
import { ZERO, type Decimal } from '../records/money';

/** One allocated, costed slice of a day. */
export interface Slice {
  day: string;
  team: string | null;
  provider: Provider;
  service: string;
  model: string | null;
  subAccount: string | null;
  apiKey: string | null;
  ai: boolean;
  cost: Decimal;
}

/** AI spend: any model-provider spend, and AWS spend on Bedrock or any model. */
export function isAiSpend(r: Pick<CostRecord, 'provider' | 'model' | 'serviceName'>): boolean {
  return r.provider !== 'aws' || r.model !== null || /Bedrock/i.test(r.serviceName);
}

/** Each record of the months as a slice: its day, its team (null when unallocated), what it is, and its cost on the basis. */
export function allocateSlices(months: readonly AllocatedMonth[], basis: CostBasis): Slice[] {
  return months.flatMap((month) => month.records.map((r, i) => {
    const a = recordAllocation(month, i);
    return {
      day: r.chargePeriodStart,
      team: a.kind === 'team' ? a.team : null,
      provider: r.provider,
      service: r.serviceName,
      model: r.model,
      subAccount: r.subAccountId,
      apiKey: r.apiKeyId,
      ai: isAiSpend(r),
      cost: new Big(r[basis]),
    };
  }));
}

/** The slices' cost per day, ascending. */
export function dailySeries(slices: readonly Slice[]): Array<{ day: string; amount: string }> {
  const byDay = new Map<string, Decimal>();
  for (const s of slices) byDay.set(s.day, (byDay.get(s.day) ?? ZERO).plus(s.cost));
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, amount]) => ({ day, amount: amount.toFixed() }));
}
