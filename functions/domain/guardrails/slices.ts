import Big from 'big.js';
import { recordAllocation, type AllocatedMonth } from '../allocation/allocate';
import type { CostBasis } from '../chargeback/chargeback';
import { KeyedSums } from '../chargeback/keyed-sums';
import type { CostRecord, Provider } from '../records/cost-record';
import { ExactSums } from '../records/exact-sums';
import type { Decimal } from '../records/money';

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
  /**
   * Its cost on the basis, the decimal string as stored: slices are only ever summed, and
   * {@link sumAmounts} adds the strings exactly without a big decimal per slice.
   */
  amount: string;
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
      amount: r[basis],
    };
  }));
}

/**
 * The exact sum of each group's amounts, by `keyOf` (null: left out), in the order the keys are first
 * seen. Plain decimal strings are added as integers ({@link ExactSums}); anything else is parsed as
 * big.js parses it, so the sums are the ones big.js additions give.
 */
export function sumAmounts<T>(items: Iterable<T>, keyOf: (item: T) => string | null, amountOf: (item: T) => string): Map<string, Decimal> {
  const store = new ExactSums();
  const sums = new KeyedSums(store);
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const slot = sums.slotOf(key);
    const amount = amountOf(item);
    if (!store.add(slot, amount)) store.addExact(slot, new Big(amount));
  }
  return sums.totals().map;
}

/** The slices' cost per day, ascending. */
export function dailySeries(slices: readonly Slice[]): Array<{ day: string; amount: string }> {
  const byDay = sumAmounts(slices, (s) => s.day, (s) => s.amount);
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, amount]) => ({ day, amount: amount.toFixed() }));
}

/** The slices grouped by `keyOf`, each group in the slices' order, the groups in first-seen order. */
export function groupSlices<K>(slices: readonly Slice[], keyOf: (s: Slice) => K): Map<K, Slice[]> {
  const groups = new Map<K, Slice[]>();
  for (const s of slices) {
    const key = keyOf(s);
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return groups;
}
