import Big from 'big.js';
import { expect } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import { sum } from '../../functions/domain/records/money';

const total = (xs: string[]) => sum(xs.map((x) => new Big(x))).toFixed(2);

/**
 * The books-balance property, asserted wherever money moves: team totals plus unallocated equal the total
 * to the cent; each team is its direct spend plus its pool shares; every breakdown adds up to what it
 * breaks down; each shared pool is distributed fully, to the cent.
 */
export function expectBooksBalance(cb: Chargeback): void {
  expect(total([...cb.teams.map((t) => t.total), cb.unallocated])).toBe(cb.total);
  expect(total(Object.values(cb.providers))).toBe(cb.total);
  for (const t of cb.teams) {
    expect(total([t.direct, t.shared])).toBe(t.total);
    expect(total(t.byService.map((s) => s.cost))).toBe(t.direct);
    expect(total(Object.values(t.byProvider))).toBe(t.direct);
    expect(total(t.lines.map((l) => l.cost))).toBe(t.direct);
    expect(total(t.shares.map((s) => s.amount))).toBe(t.shared);
  }
  for (const p of cb.pools) {
    expect(total(p.shares.map((s) => s.amount))).toBe(p.total);
    expect(total(p.sources.map((s) => s.cost))).toBe(p.total);
    for (const share of p.shares) expect(cb.teams.find((t) => t.team === share.team)!.shares.find((s) => s.pool === p.pool)?.amount ?? '0.00').toBe(share.amount);
  }
  expect(total(cb.unallocatedSources.map((s) => s.cost))).toBe(cb.unallocated);
}
