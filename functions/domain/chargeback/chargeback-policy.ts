import { addDays, addMonths, monthStart } from '../records/dates';
import type { CostBasis } from './chargeback';

/** Amortized metrics (`AmortizedCost`, `NetAmortizedCost`) charge the effective (accrual) cost; unblended ones the billed (cash) cost. */
export function costBasisOf(costMetric: string): CostBasis {
  return costMetric === 'AmortizedCost' || costMetric === 'NetAmortizedCost' ? 'effectiveCost' : 'billedCost';
}

/** A team as the chargeback knows it. */
export interface ChargebackTeam {
  id: string;
  name: string;
  monthlyBudget?: number | undefined;
}

/**
 * A shared-cost pool: spend rules send to it is split across the teams, `proportional` by each team's
 * direct spend (or its tokens, with `basis: "tokens"`), `even` equally (among teams with direct spend, or
 * all teams with `evenAmong: "all"`), `fixed` by weights.
 */
export interface SharedPoolPolicy {
  id: string;
  method: 'proportional' | 'even' | 'fixed';
  basis: 'cost' | 'tokens';
  evenAmong: 'active' | 'all';
  weights?: Record<string, number> | undefined;
}

/** What the chargeback needs from the configuration, and nothing else; the composition layer derives it. */
export interface ChargebackPolicy {
  currency: string;
  /** The teams, in the order the chargeback lists them. */
  teams: readonly ChargebackTeam[];
  sharedPools: readonly SharedPoolPolicy[];
  /** Share the unallocated spend too, proportionally to direct spend. */
  shareUnallocated: boolean;
  costBasis: CostBasis;
  /** The last day of the next month on which any enabled source still re-pulls a month. */
  repullUntilDay: number;
}

/** The day from which a month counts as closed: the day after every enabled source stops re-pulling it. */
export function closeDayOf(month: string, repullUntilDay: number): string {
  return addDays(monthStart(addMonths(month, 1)), repullUntilDay);
}
