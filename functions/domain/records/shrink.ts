import Big from 'big.js';
import type { CostRecord } from './cost-record';
import type { Decimal } from './money';

/**
 * The shrink rule. Replacing a source's day with a much smaller answer is how an empty or truncated answer
 * deletes billing, and how a real credit or restatement lands: the two cannot be told apart from the answer
 * alone, so a shrink is held until confirmed (a later run's identical answer, or the source's own total).
 *
 * A day's answer shrinks when the stored day's absolute billed total is at least {@link SHRINK_FLOOR} and
 * the answer's absolute billed total is below {@link SHRINK_RATIO} of it. Per source and day.
 */
export const SHRINK_FLOOR = new Big('1');
export const SHRINK_RATIO = new Big('0.5');

/** A source's own total agrees with the records when they differ by less than a cent. */
const TOTAL_TOLERANCE = new Big('0.01');

/** The exact signed sum of the records' billed cost. */
export function billedTotal(records: readonly Pick<CostRecord, 'billedCost'>[]): Decimal {
  return records.reduce((sum, r) => sum.plus(r.billedCost), new Big(0));
}

/** Whether replacing a day whose records total `stored` with records totalling `answered` is a shrink. */
export function isShrink(stored: Decimal, answered: Decimal): boolean {
  return stored.abs().gte(SHRINK_FLOOR) && answered.abs().lt(stored.abs().times(SHRINK_RATIO));
}

/** Whether a source's own daily total confirms an answer's records (to the cent). */
export function totalConfirms(sourceTotal: Decimal, answered: Decimal): boolean {
  return sourceTotal.minus(answered).abs().lt(TOTAL_TOLERANCE);
}
