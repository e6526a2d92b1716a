import Big from 'big.js';

/**
 * Money is never a float. Amounts travel as decimal strings (as the billing APIs send them), are summed
 * exactly with big.js, and are rounded to cents once, at the edge, by {@link splitToCents} so that the
 * rounded parts add up to the rounded whole.
 */
export type Decimal = Big;

/** Thrown when an amount is not a decimal number; the message says where it came from. */
export class InvalidAmountError extends Error {
  override readonly name = 'InvalidAmountError';
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a decimal string (or a finite JSON number, as OpenAI sends) exactly. */
export function parseAmount(value: unknown, where: string): Decimal {
  if (typeof value === 'number' && Number.isFinite(value)) return new Big(value);
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return new Big(value.trim());
  throw new InvalidAmountError(`${where}: expected a decimal amount, got ${JSON.stringify(value)}`);
}

/** The exact sum of amounts. */
export function sum(values: Iterable<Decimal>): Decimal {
  let total = new Big(0);
  for (const v of values) total = total.plus(v);
  return total;
}

export const ZERO: Decimal = new Big(0);

/** Rounds to cents, half away from zero, as invoices do. */
export function roundCents(value: Decimal): Decimal {
  return value.round(2, Big.roundHalfUp);
}

/** Formats an amount as a plain decimal string with two places, e.g. `"1234.50"`. */
export function formatCents(value: Decimal): string {
  return roundCents(value).toFixed(2);
}

/** Canonical exact form of an amount for storage (no exponent, no trailing zeros). */
export function canonical(value: Decimal): string {
  return value.toFixed();
}

function floorCents(value: Decimal): Decimal {
  const truncated = value.round(2, Big.roundDown);
  return value.lt(0) && !truncated.eq(value) ? truncated.minus('0.01') : truncated;
}

/**
 * Rounds each part to cents so that the rounded parts sum exactly to `total` (already in cents) — the
 * largest-remainder rule: floor every part, then hand the missing cents one by one to the parts that lost
 * the most to flooring (ties go to the earlier part, so the result is deterministic).
 * @param parts exact amounts
 * @param total the rounded whole; defaults to the sum of the parts rounded to cents
 */
export function splitToCents(parts: readonly Decimal[], total: Decimal = roundCents(sum(parts))): Decimal[] {
  const floors = parts.map(floorCents);
  let missing = Math.round(Number(total.minus(sum(floors)).times(100)));
  const order = parts
    .map((part, index) => ({ index, remainder: part.minus(floors[index]!) }))
    .sort((a, b) => b.remainder.cmp(a.remainder) || a.index - b.index);
  const result = [...floors];
  // With total = round(sum(parts)), 0 <= missing <= parts.length; a caller-supplied total may differ by
  // more in either direction (splitting one rounded figure across parts), so wrap round the list.
  // Cents to take away come from parts with positive value, smallest remainder first, so a part that was
  // exactly zero is never pushed below zero by someone else's rounding.
  const givers = [...order].reverse().filter((o) => parts[o.index]!.gt(0));
  const takeFrom = givers.length > 0 ? givers : [...order].reverse();
  for (let i = 0; missing !== 0 && order.length > 0; i++) {
    const idx = missing > 0 ? order[i % order.length]!.index : takeFrom[i % takeFrom.length]!.index;
    result[idx] = result[idx]!.plus(missing > 0 ? '0.01' : '-0.01');
    missing += missing > 0 ? -1 : 1;
  }
  return result;
}
