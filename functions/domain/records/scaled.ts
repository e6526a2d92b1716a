import Big from 'big.js';
import type { Decimal } from './money';

/**
 * Exact decimals as native integers, for the chargeback's per-line rounding: a month has tens of thousands
 * of lines, and a big.js decimal per line (built, floored, compared, printed) was most of the chargeback's
 * time and garbage. A BigInt has no bound, so nothing here needs a fallback; the results are the numbers
 * big.js gives, digit for digit (test/unit/domain/records/scaled.test.ts compares them).
 */

/** An exact decimal as an integer and a power of ten: `value = units / 10^places`, `places >= 0`. */
export interface Scaled {
  units: bigint;
  places: number;
}

/** Zero, at no places. */
export const SCALED_ZERO: Scaled = { units: 0n, places: 0 };

const POWERS: bigint[] = [];

/** 10^k as a BigInt (cached: the same few powers are asked for per line). */
export function pow10(k: number): bigint {
  return (POWERS[k] ??= 10n ** BigInt(k));
}

/** A big.js decimal as a {@link Scaled}, exactly. */
export function scaledOf(x: Decimal): Scaled {
  // big.js keeps the digits in `c` and the exponent of the first in `e`; `s` is the sign.
  const { c, e, s } = x as unknown as { c: number[]; e: number; s: number };
  const places = c.length - 1 - e;
  let units = BigInt(c.join(''));
  if (s < 0) units = -units;
  return places >= 0 ? { units, places } : { units: units * pow10(-places), places: 0 };
}

/** `x`'s units at `places` (at least `x.places`). */
function unitsAt(x: Scaled, places: number): bigint {
  return places === x.places ? x.units : x.units * pow10(places - x.places);
}

/** The exact sum `a + b`. */
export function addScaled(a: Scaled, b: Scaled): Scaled {
  const places = Math.max(a.places, b.places);
  return { units: unitsAt(a, places) + unitsAt(b, places), places };
}

/** `n / d` rounded to an integer, ties away from zero (`d > 0`): big.js's half-up rounding. */
export function roundedQuotient(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  if ((abs % d) * 2n >= d) q += 1n;
  return negative ? -q : q;
}

/** `units / 10^places` written as big.js's `toFixed(places)` writes a value already at that many places. */
export function formatUnits(units: bigint, places: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, '0');
  const point = digits.length - places;
  return `${negative ? '-' : ''}${digits.slice(0, point)}${places > 0 ? `.${digits.slice(point)}` : ''}`;
}

/** Whole cents written with two places, e.g. `-5n` → `"-0.05"`, `0n` → `"0.00"`. */
export function formatCentUnits(cents: bigint): string {
  return formatUnits(cents, 2);
}

const CENTS = /^-?\d+\.\d\d$/;

/** An amount written with exactly two places (as the chargeback writes every amount) in whole cents. */
export function centsOf(text: string): bigint {
  if (!CENTS.test(text)) throw new RangeError(`not an amount with two places: ${JSON.stringify(text)}`);
  return BigInt(text.replace('.', ''));
}

/** A decimal of whole cents (a rounded total) in cents; throws on a fraction of a cent. */
export function wholeCentsOf(x: Decimal): bigint {
  const { units, places } = scaledOf(x);
  if (places <= 2) return units * pow10(2 - places);
  const divisor = pow10(places - 2);
  if (units % divisor !== 0n) throw new RangeError(`not whole cents: ${x.toString()}`);
  return units / divisor;
}

/**
 * {@link splitToCents} (money.ts) on exact integers: the largest-remainder rule, step for step. Floors
 * every part to cents, then hands the cents missing to `totalCents` one by one to the parts that lost the
 * most to flooring (ties to the earlier part), wrapping round the list; cents to take away come from parts
 * with positive value, smallest remainder first (ties to the later part), or from every part when none is
 * positive. Returns whole cents per part.
 */
export function splitScaledToCents(parts: readonly Scaled[], totalCents: bigint): bigint[] {
  let places = 2;
  for (const p of parts) if (p.places > places) places = p.places;
  const divisor = pow10(places - 2);
  const n = parts.length;
  const floors: bigint[] = new Array<bigint>(n);
  const remainders: bigint[] = new Array<bigint>(n);
  let floorSum = 0n;
  for (let i = 0; i < n; i++) {
    const units = unitsAt(parts[i]!, places);
    // BigInt division truncates; a negative part with a remainder floors one cent lower.
    let floor = units / divisor;
    if (units < 0n && floor * divisor !== units) floor -= 1n;
    floors[i] = floor;
    remainders[i] = units - floor * divisor;
    floorSum += floor;
  }
  let missing = totalCents - floorSum;
  if (missing === 0n || n === 0) return floors;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (remainders[b]! > remainders[a]! ? 1 : remainders[b]! < remainders[a]! ? -1 : a - b));
  if (missing > 0n) {
    for (let i = 0; missing > 0n; i++, missing--) floors[order[i % n]!]! += 1n;
    return floors;
  }
  const reversed = order.reverse();
  const givers = reversed.filter((i) => parts[i]!.units > 0n);
  const takeFrom = givers.length > 0 ? givers : reversed;
  for (let i = 0; missing < 0n; i++, missing++) floors[takeFrom[i % takeFrom.length]!]! -= 1n;
  return floors;
}

/**
 * `x * factor / quantity` as big.js gives `divide(x.times(factor), new Big(quantity)).round(places,
 * Big.roundHalfUp).toFixed(places)`: the quotient rounded to 20 places (big.js's division), then to
 * `places`, each tie away from zero. `factor` is a safe integer, `quantity` a positive number.
 */
export function formatRatio(x: Scaled, factor: number, quantity: number, places: number): string {
  const q = Number.isSafeInteger(quantity) ? { units: BigInt(quantity), places: 0 } : scaledOf(new Big(quantity));
  const at20 = roundedQuotient(x.units * BigInt(factor) * pow10(20 + q.places), pow10(x.places) * q.units);
  return formatUnits(roundedQuotient(at20, pow10(20 - places)), places);
}

/** A {@link Scaled} as a big.js decimal. */
export function decimalOf(x: Scaled): Decimal {
  return new Big(formatUnits(x.units, x.places));
}
