import type { CostRecord } from '../../domain/records/cost-record';
import type { ExactSums } from '../../domain/records/exact-sums';
import { canonical } from '../../domain/records/money';
import type { SourceDay } from '../../ports/ports';

/** A record being summed from billing file rows; `billed`, `effective` and `quantity` are slots of one {@link ExactSums}. */
export interface SummedRecord {
  record: Omit<CostRecord, 'billedCost' | 'effectiveCost' | 'consumedQuantity' | 'consumedUnit' | 'estimated'>;
  billed: number;
  effective: number;
  quantity: number;
  /** The unit of the quantity; null once two units met (then no quantity is reported). */
  unit: string | null | undefined;
}

/** A new summed record at zero, its three sums opened in `sums`. */
export function openSummed(record: SummedRecord['record'], sums: ExactSums): SummedRecord {
  return { record, billed: sums.open(), effective: sums.open(), quantity: sums.open(), unit: undefined };
}

/** Notes a row's quantity unit on a summed record: a second, different unit makes the quantity unreportable. */
export function noteUnit(summed: SummedRecord, unit: string | null): void {
  summed.unit = summed.unit === undefined || summed.unit === unit ? unit : null;
}

/**
 * Every day of `days` with its summed records, in id order; a record whose billed and effective cost both sum to
 * zero is dropped, and a quantity is reported only when it is not zero and had one unit.
 * @param estimated whether a day's figures may still change
 */
export function daysOfSummed(summed: Iterable<SummedRecord>, sums: ExactSums, days: readonly string[], estimated: (day: string) => boolean): SourceDay<CostRecord>[] {
  const byDay = new Map<string, CostRecord[]>(days.map((d) => [d, []]));
  for (const s of summed) {
    const list = byDay.get(s.record.chargePeriodStart);
    if (!list) continue;
    const [billed, effective, quantity] = [sums.value(s.billed), sums.value(s.effective), sums.value(s.quantity)];
    if (billed.eq(0) && effective.eq(0)) continue;
    const hasQuantity = !quantity.eq(0) && typeof s.unit === 'string';
    list.push({
      ...s.record,
      estimated: estimated(s.record.chargePeriodStart),
      billedCost: canonical(billed),
      effectiveCost: canonical(effective),
      consumedQuantity: hasQuantity ? canonical(quantity) : null,
      consumedUnit: hasQuantity ? (s.unit as string) : null,
    });
  }
  return [...byDay].map(([day, records]) => ({ day, records: records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), estimated: estimated(day) }));
}
