import Big from 'big.js';
import { divide } from '../records/division';
import { splitToCents, sum, ZERO, type Decimal } from '../records/money';

/** Sums exact amounts under string keys, keeping first-seen order. */
export class Totals {
  readonly map = new Map<string, Decimal>();
  add(key: string, amount: Decimal): void {
    this.map.set(key, (this.map.get(key) ?? ZERO).plus(amount));
  }
  get(key: string): Decimal {
    return this.map.get(key) ?? ZERO;
  }
}

/** Splits a rounded total across named parts by largest remainder; returns name → "0.00" strings. */
export function splitNamed(parts: Map<string, Decimal>, total: Decimal): Map<string, string> {
  const names = [...parts.keys()];
  const cents = splitToCents(names.map((n) => parts.get(n)!), total);
  return new Map(names.map((n, i) => [n, cents[i]!.toFixed(2)]));
}

/** The value under `key`, created by `create` when missing. */
export function getOrCreate<V>(map: Map<string, V>, key: string, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

/** Splits a whole number by positive weights, largest remainder first, so the parts add up to it exactly. */
export function splitInteger(total: number, weights: readonly Decimal[]): number[] {
  const sumOfWeights = sum(weights);
  if (total === 0 || sumOfWeights.lte(0)) return weights.map(() => 0);
  const exact = weights.map((w) => divide(new Big(total).times(w), sumOfWeights));
  const floors = exact.map((e) => Number(e.round(0, Big.roundDown)));
  let missing = total - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e.minus(floors[i]!) })).sort((a, b) => b.r.cmp(a.r) || a.i - b.i);
  for (let k = 0; missing > 0; k = (k + 1) % order.length, missing--) floors[order[k]!.i]! += 1;
  return floors;
}
