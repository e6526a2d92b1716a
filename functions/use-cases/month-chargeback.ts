import type { CostlineConfig } from '../config/config-schema';
import { allocationPolicyOf, chargebackPolicyOf } from '../config/policies';
import { allocate, type AllocatedMonth, type MonthRecords } from '../domain/allocation/allocate';
import type { Chargeback } from '../domain/chargeback/chargeback';
import { chargeMonth } from '../domain/chargeback/charge-month';
import { withDimensions } from '../domain/chargeback/dimension-totals';
import { withUnmappedPrincipals } from '../domain/chargeback/unmapped-principals';
import type { PriceBook } from '../domain/pricing/price-book';
import type { CostRecordStore, UsageRecordStore } from '../ports/ports';

/** What reading a month's chargeback needs. */
export interface MonthChargebackDeps {
  records: CostRecordStore;
  usage: UsageRecordStore;
  priceBook: PriceBook;
  config: CostlineConfig;
}

/** A month's stored records and usage, allocated once, and the chargeback built from them. */
export interface MonthChargeback {
  chargeback: Chargeback;
  /** The month allocated: its records (billed, and estimates for what is not billed yet) and usage, each with its allocation. */
  allocated: AllocatedMonth;
  /** Nothing was stored for the month. */
  empty: boolean;
}

/** The month's chargeback with what is computed beside it: unmapped AI callers and, when configured, the dimensions. */
function chargebackOf(allocated: AllocatedMonth, config: CostlineConfig, asOf: string): Chargeback {
  return withDimensions(withUnmappedPrincipals(chargeMonth(allocated, chargebackPolicyOf(config), asOf), allocated), allocated);
}

/** Allocates a month's records by the config's policy and builds its chargeback as of `asOf`. Pure. */
export function chargeRecords(config: CostlineConfig, input: MonthRecords, asOf: string): { allocated: AllocatedMonth; chargeback: Chargeback } {
  const allocated = allocate(input, allocationPolicyOf(config));
  return { allocated, chargeback: chargebackOf(allocated, config, asOf) };
}

/** Reads a month's records and usage, once, and allocates them by the config's policy. */
export async function readAllocatedMonth(deps: MonthChargebackDeps, month: string): Promise<AllocatedMonth> {
  const [billed, usage] = await Promise.all([deps.records.listMonth(month), deps.usage.listMonth(month)]);
  return allocate({ month, billed, usage, priceBook: deps.priceBook }, allocationPolicyOf(deps.config));
}

/** Reads a month's records and usage once, allocates them once and builds its chargeback as of `asOf`: the one way every job does it. */
export async function monthChargeback(deps: MonthChargebackDeps, month: string, asOf: string): Promise<MonthChargeback> {
  const allocated = await readAllocatedMonth(deps, month);
  const chargeback = chargebackOf(allocated, deps.config, asOf);
  return { chargeback, allocated, empty: allocated.billed.length === 0 && allocated.usage.length === 0 };
}
