import type { CostlineConfig } from '../config/config-schema';
import { chargeMonth, type Chargeback } from '../domain/chargeback/chargeback';
import type { CostRecord } from '../domain/records/cost-record';
import type { PriceBook } from '../domain/pricing/price-book';
import type { UsageRecord } from '../domain/records/usage-record';
import type { CostRecordStore, UsageRecordStore } from '../ports/ports';

/** What reading a month's chargeback needs. */
export interface MonthChargebackDeps {
  records: CostRecordStore;
  usage: UsageRecordStore;
  priceBook: PriceBook;
  config: CostlineConfig;
}

/** A month's stored records and usage, and the chargeback built from them (estimates for what is not billed yet). */
export interface MonthChargeback {
  chargeback: Chargeback;
  records: CostRecord[];
  /** What the month is charged from: `records` plus usage estimates for days not billed yet. */
  effective: CostRecord[];
  usage: UsageRecord[];
  /** Nothing was stored for the month. */
  empty: boolean;
}

/** Reads a month's records and usage and builds its chargeback as of `asOf`: the one way every job does it. */
export async function monthChargeback(deps: MonthChargebackDeps, month: string, asOf: string): Promise<MonthChargeback> {
  const [records, usage] = await Promise.all([deps.records.listMonth(month), deps.usage.listMonth(month)]);
  const { chargeback, records: effective } = chargeMonth(records, deps.config, month, asOf, { usage, priceBook: deps.priceBook });
  return { chargeback, records, effective, usage, empty: records.length === 0 && usage.length === 0 };
}
