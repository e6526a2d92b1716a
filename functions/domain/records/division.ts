import Big from 'big.js';
import type { Decimal } from './money';

/** The places big.js divides to (`Big.DP`, its default), and its rounding mode there (`Big.RM`, half up). */
const PLACES = 20;
const SCALE = 10n ** BigInt(PLACES);

/** A decimal as an integer and a power of ten: `value = units / 10^places`, `places >= 0`. */
function scaled(x: Decimal): { units: bigint; places: number } {
  // big.js keeps the digits in `c` and the exponent of the first in `e`; `s` is the sign.
  const { c, e, s } = x as unknown as { c: number[]; e: number; s: number };
  const places = c.length - 1 - e;
  let units = BigInt(c.join(''));
  if (s < 0) units = -units;
  return places >= 0 ? { units, places } : { units: units * 10n ** BigInt(-places), places: 0 };
}

/** `n / d` rounded to an integer, ties away from zero (`d > 0`). */
function roundedQuotient(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  if ((abs % d) * 2n >= d) q += 1n;
  return negative ? -q : q;
}

/**
 * `x / y` exactly as big.js's `x.div(y)` gives it (the quotient rounded to 20 places, ties away from
 * zero), computed with native integers: big.js divides digit by digit, which at 20 places and long
 * operands is the slowest step of a chargeback. The result is the same number; only the time differs.
 * Division by zero throws, as big.js does.
 */
export function divide(x: Decimal, y: Decimal): Decimal {
  if (y.eq(0)) return x.div(y);
  const a = scaled(x);
  const b = scaled(y);
  // x / y = (a.units / 10^a.places) / (b.units / 10^b.places); times 10^20 for the places kept.
  let n = a.units * SCALE * 10n ** BigInt(b.places);
  let d = b.units * 10n ** BigInt(a.places);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  return fromScaled(roundedQuotient(n, d), PLACES);
}

/** `units / 10^places` as a decimal. */
function fromScaled(units: bigint, places: number): Decimal {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, '0');
  const point = digits.length - places;
  return new Big(`${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`);
}
