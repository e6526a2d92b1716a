import Big from 'big.js';
import { expect } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback';
import { sum } from '../../functions/domain/money';

/**
 * The books-balance property, asserted wherever money moves: team totals plus unallocated equal the total
 * to the cent, and every breakdown adds up to what it breaks down.
 */
export function expectBooksBalance(cb: Chargeback): void {
  const teams = sum(cb.teams.map((t) => new Big(t.total)));
  expect(teams.plus(cb.unallocated).toFixed(2)).toBe(cb.total);
  expect(sum(Object.values(cb.providers).map((v) => new Big(v))).toFixed(2)).toBe(cb.total);
  for (const t of cb.teams) {
    expect(sum(t.byService.map((s) => new Big(s.cost))).toFixed(2)).toBe(t.total);
    expect(sum(Object.values(t.byProvider).map((v) => new Big(v))).toFixed(2)).toBe(t.total);
    expect(sum(t.lines.map((l) => new Big(l.cost))).toFixed(2)).toBe(t.total);
  }
  expect(sum(cb.unallocatedSources.map((s) => new Big(s.cost))).toFixed(2)).toBe(cb.unallocated);
}
