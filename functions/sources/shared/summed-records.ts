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
 *
 * Each record is finished in place (its costs, quantity and flag set on the summed record's own object) rather than
 * copied: a spread copy of a record of twenty-odd fields cost several microseconds in V8, over a second for a
 * month of 78,000 records in the export engine bench. A later call sets the same objects' fields again.
 * @param estimated whether a day's figures may still change
 */
export function daysOfSummed(summed: Iterable<SummedRecord>, sums: ExactSums, days: readonly string[], estimated: (day: string) => boolean): SourceDay<CostRecord>[] {
  const byDay = new Map<string, CostRecord[]>(days.map((d) => [d, []]));
  for (const s of summed) {
    const list = byDay.get(s.record.chargePeriodStart);
    if (!list) continue;
    const billed = sums.value(s.billed);
    const effective = sums.value(s.effective);
    if (billed.eq(0) && effective.eq(0)) continue;
    const quantity = sums.value(s.quantity);
    const hasQuantity = !quantity.eq(0) && typeof s.unit === 'string';
    // The fields in the order a copy `{ ...record, estimated, billedCost, ... }` gave them (stored items keep it).
    const record = s.record as CostRecord;
    record.estimated = estimated(record.chargePeriodStart);
    record.billedCost = canonical(billed);
    record.effectiveCost = canonical(effective);
    record.consumedQuantity = hasQuantity ? canonical(quantity) : null;
    record.consumedUnit = hasQuantity ? (s.unit as string) : null;
    list.push(record);
  }
  return [...byDay].map(([day, records]) => ({ day, records: records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), estimated: estimated(day) }));
}
