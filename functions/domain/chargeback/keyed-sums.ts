import { ExactSums } from '../records/exact-sums';
import { Totals } from './totals';

/**
 * Exact sums under string keys, kept in integer minor units ({@link ExactSums}) while they are added to,
 * and turned into {@link Totals} of decimals once, at the end, in the order the keys were first seen.
 * Many sums share one store, so adding one slot into another never builds a decimal.
 */
export class KeyedSums {
  private readonly slots = new Map<string, number>();

  constructor(private readonly store: ExactSums) {}

  /** The slot of `key` in the store, opened at zero on first use. */
  slotOf(key: string): number {
    let slot = this.slots.get(key);
    if (slot === undefined) this.slots.set(key, (slot = this.store.open()));
    return slot;
  }

  /** Every key's exact sum, as decimals, in first-seen order. */
  totals(): Totals {
    const totals = new Totals();
    for (const [key, slot] of this.slots) totals.add(key, this.store.value(slot));
    return totals;
  }
}
