import type { Decimal } from './money';
import { decimalOf, pow10, roundedQuotient, scaledOf } from './scaled';

/** The places big.js divides to (`Big.DP`, its default), and its rounding mode there (`Big.RM`, half up). */
const PLACES = 20;

/**
 * `x / y` exactly as big.js's `x.div(y)` gives it (the quotient rounded to 20 places, ties away from
 * zero), computed with native integers: big.js divides digit by digit, which at 20 places and long
 * operands is the slowest step of a chargeback. The result is the same number; only the time differs.
 * Division by zero throws, as big.js does.
 */
export function divide(x: Decimal, y: Decimal): Decimal {
  if (y.eq(0)) return x.div(y);
  const a = scaledOf(x);
  const b = scaledOf(y);
  // x / y = (a.units / 10^a.places) / (b.units / 10^b.places); times 10^20 for the places kept.
  let n = a.units * pow10(PLACES) * pow10(b.places);
  let d = b.units * pow10(a.places);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  return decimalOf({ units: roundedQuotient(n, d), places: PLACES });
}
