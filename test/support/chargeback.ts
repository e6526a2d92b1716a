import type { CostlineConfig } from '../../functions/config/config-schema';
import { allocationPolicyOf } from '../../functions/config/policies';
import { allocate, type AllocatedMonth } from '../../functions/domain/allocation/allocate';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import type { PriceBook } from '../../functions/domain/pricing/price-book';
import type { CostRecord } from '../../functions/domain/records/cost-record';
import type { UsageRecord } from '../../functions/domain/records/usage-record';
import { chargeRecords } from '../../functions/use-cases/month-chargeback';

/** Usage and prices a test month may carry besides its billed records. */
export interface MonthExtras {
  usage?: readonly UsageRecord[];
  priceBook?: PriceBook;
}

/** A month allocated once by the config's policy and its chargeback, as the jobs build them. */
export function chargeWith(billed: readonly CostRecord[], config: CostlineConfig, month: string, asOf: string, extras: MonthExtras = {}): { allocated: AllocatedMonth; chargeback: Chargeback } {
  return chargeRecords(config, { month, billed, ...extras }, asOf);
}

/** The month's chargeback from billed records and a config, as the jobs build it. */
export function buildChargeback(billed: readonly CostRecord[], config: CostlineConfig, month: string, asOf: string, extras: MonthExtras = {}): Chargeback {
  return chargeWith(billed, config, month, asOf, extras).chargeback;
}

/** Records (and usage) allocated by the config's policy, as the jobs allocate a month. */
export function allocateWith(billed: readonly CostRecord[], config: CostlineConfig, month = '2026-10', usage: readonly UsageRecord[] = []): AllocatedMonth {
  return allocate({ month, billed, usage }, allocationPolicyOf(config));
}
