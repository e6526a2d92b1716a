import type { Decimal } from '../../domain/records/money';
import { ZERO } from '../../domain/records/money';
import type { CurColumn } from './cur-columns';
import type { CurFindings } from './cur-mapper';
import { amount, rawAmount, text, type Amount, type CurRow, type Where } from './cur-values';

/**
 * FOCUS EffectiveCost (AWS amortization, as Cost Explorer's AmortizedCost): usage covered by a Savings Plan or
 * a reservation costs its effective cost; the negation that takes covered usage out of the cash view, and the
 * upfront fees, amortized over that usage, count zero; recurring fees count only their unused part (the used
 * part is in the covered usage's effective cost). Everything else (usage, tax, credits, refunds) as billed.
 */
export function effectiveCostOf(row: CurRow, lineItemType: string, billed: number | null, at: Where, findings: Pick<CurFindings, 'feesWithoutUnusedColumns'>): Amount {
  // No closure here: this runs for every line item (see `unusedFee`).
  switch (lineItemType) {
    case 'SavingsPlanCoveredUsage':
      return rawAmount(row, 'savings_plan_savings_plan_effective_cost', at);
    case 'DiscountedUsage':
      return rawAmount(row, 'reservation_effective_cost', at);
    case 'SavingsPlanNegation':
    case 'SavingsPlanUpfrontFee':
      return ZERO;
    case 'SavingsPlanRecurringFee':
      return unusedFee(row, lineItemType, 'savings_plan_total_commitment_to_date', 'savings_plan_used_commitment', at, findings, (total, used) => total.minus(used));
    case 'RIFee':
      return unusedFee(row, lineItemType, 'reservation_unused_amortized_upfront_fee_for_billing_period', 'reservation_unused_recurring_fee', at, findings, (upfront, recurring) => upfront.plus(recurring));
    case 'Fee':
      // An RI's upfront fee is amortized into its DiscountedUsage; other fees (support, registrations) are as billed.
      return text(row, 'reservation_reservation_a_r_n', at) ? ZERO : billed;
    default:
      return billed;
  }
}

/** A commitment fee's unused part from its two columns, or zero (and a note) when the export lacks them. */
function unusedFee(row: CurRow, lineItemType: string, first: CurColumn, second: CurColumn, at: Where, findings: Pick<CurFindings, 'feesWithoutUnusedColumns'>, combine: (a: Decimal, b: Decimal) => Decimal): Decimal {
  if (!(first in row) || !(second in row)) {
    findings.feesWithoutUnusedColumns.add(lineItemType);
    return ZERO;
  }
  return combine(amount(row, first, at) ?? ZERO, amount(row, second, at) ?? ZERO);
}
