import Big from 'big.js';
import type { Decimal } from './money';
import { addScaled, pow10, scaledOf, type Scaled } from './scaled';

/** Fraction digits the fast path keeps: amounts with more go to the exact big-decimal path. */
const FRACTION_DIGITS = 15;
/** 10^15: one currency unit in the fast path's minor units. */
const UNIT = 1e15;
/** Carry threshold: |part| stays below 2^52 between additions, so adding one part (< 10^15 < 2^50) stays below 2^53. */
const LIMIT = 2 ** 52;
const POW10 = Array.from({ length: FRACTION_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * Exact sums of many decimal amounts, fast: a set of numbered accumulators ("slots") that add decimal
 * strings without building a big decimal per amount.
 *
 * An amount written as a plain decimal with at most 15 integer and 15 fraction digits (`-1234.5678`, what
 * every source writes) is split into whole units `w` (|w| < 10^15) and minor units of 10^-15 `f`
 * (|f| < 10^15), both integers, each added to its own double. The bound that keeps this exact: a part is
 * carried or spilled as soon as its magnitude reaches 2^52, so before each addition it is below 2^52 and
 * after it below 2^52 + 10^15 < 2^53 = Number.MAX_SAFE_INTEGER + 1; every intermediate is an integer a
 * double holds exactly. Minor units past 2^52 carry into whole units (`f % 10^15` and the quotient are
 * exact for safe integers); whole units past 2^52 spill into a BigInt. Anything else (an exponent, more
 * digits, a JSON number) is parsed by the caller and added exactly with {@link addExact}. Reading a slot
 * gives the exact sum as a big decimal, so rounding happens once, later, as before.
 */
export class ExactSums {
  private readonly whole: number[] = [];
  private readonly minor: number[] = [];
  private readonly spilled = new Map<number, bigint>();
  private readonly exact = new Map<number, Decimal>();

  /** Opens a new slot at zero and returns its number. */
  open(): number {
    this.whole.push(0);
    this.minor.push(0);
    return this.whole.length - 1;
  }

  /** How many slots are open. */
  get size(): number {
    return this.whole.length;
  }

  /**
   * Adds a plain decimal string to a slot. Returns false, adding nothing, when the amount is not one the
   * fast path takes (the caller then parses it, which also rejects what is not an amount).
   */
  add(slot: number, amount: unknown): boolean {
    if (typeof amount !== 'string') return false;
    const n = amount.length;
    let i = 0;
    let c = n > 0 ? amount.charCodeAt(0) : 0;
    // A leading "+" is declined: parseAmount's big.js refuses it, and so must this.
    const negative = c === 45;
    if (negative) i = 1;
    let w = 0;
    let f = 0;
    const intStart = i;
    for (; i < n; i++) {
      c = amount.charCodeAt(i);
      if (c < 48 || c > 57) break;
      w = w * 10 + (c - 48);
    }
    const intDigits = i - intStart;
    let fracDigits = 0;
    if (i < n && c === 46) {
      const fracStart = ++i;
      for (; i < n; i++) {
        c = amount.charCodeAt(i);
        if (c < 48 || c > 57) break;
        f = f * 10 + (c - 48);
      }
      fracDigits = i - fracStart;
    }
    if (intDigits + fracDigits === 0) return false;
    if (i < n && (c === 101 || c === 69)) {
      // An exponent, as String(x) writes a double below 10^-6 (`1.2e-7`): the value is the digits m, read as one
      // integer, times 10^(exponent - fracDigits). With at most 15 digits, m < 10^15 is exact, and so are its
      // split at the value's point and the powers of ten up to 10^15, so the sum stays exact; anything else
      // (more digits, more than 15 places, a value of 10^15 or more) is declined.
      const scaled = this.scientific(amount, i + 1, w, f, intDigits, fracDigits);
      if (scaled === undefined) return false;
      w = scaled.whole;
      f = scaled.minor;
    } else {
      if (i !== n || intDigits > FRACTION_DIGITS || fracDigits > FRACTION_DIGITS) return false;
      f *= POW10[FRACTION_DIGITS - fracDigits]!;
    }
    if (negative) {
      // 0 - x, not -x: never a negative zero, which big.js would print as "-0.00".
      w = 0 - w;
      f = 0 - f;
    }
    this.settle(slot, this.minor[slot]! + f, this.whole[slot]! + w);
    return true;
  }

  /**
   * The whole and minor units of `<w>.<f>e<exponent>` (digits counted as given), the exponent read from `start`;
   * undefined when it is not one the fast path takes exactly.
   */
  private scientific(amount: string, start: number, w: number, f: number, intDigits: number, fracDigits: number): { whole: number; minor: number } | undefined {
    const n = amount.length;
    let i = start;
    let c = i < n ? amount.charCodeAt(i) : 0;
    const negativeExponent = c === 45;
    if (c === 45 || c === 43) i += 1;
    const digitsStart = i;
    let exponent = 0;
    for (; i < n; i++) {
      c = amount.charCodeAt(i);
      if (c < 48 || c > 57 || exponent > 99) return undefined;
      exponent = exponent * 10 + (c - 48);
    }
    if (i === digitsStart || intDigits + fracDigits > FRACTION_DIGITS) return undefined;
    const digits = w * POW10[fracDigits]! + f;
    // Places of the value after its point: fracDigits - exponent; fewer than none is a whole number.
    const places = fracDigits - (negativeExponent ? -exponent : exponent);
    if (places < -FRACTION_DIGITS || places > FRACTION_DIGITS) return undefined;
    if (places < 0) {
      const whole = digits * POW10[-places]!;
      return whole < UNIT ? { whole, minor: 0 } : undefined;
    }
    const minor = digits % POW10[places]!;
    return { whole: (digits - minor) / POW10[places]!, minor: minor * POW10[FRACTION_DIGITS - places]! };
  }

  /**
   * Stores a slot's new parts (each below 2^53 in magnitude, so exact), carrying minor units past 2^52
   * into whole units and spilling whole units past 2^52 into a BigInt, so both are below 2^52 again.
   */
  private settle(slot: number, minor: number, whole: number): void {
    if (minor >= LIMIT || minor <= -LIMIT) {
      const kept = minor % UNIT;
      whole += (minor - kept) / UNIT;
      minor = kept;
    }
    if (whole >= LIMIT || whole <= -LIMIT) {
      this.spilled.set(slot, (this.spilled.get(slot) ?? 0n) + BigInt(whole));
      whole = 0;
    }
    this.minor[slot] = minor;
    this.whole[slot] = whole;
  }

  /** Adds one slot's sum into a slot of `into`, exactly (integer parts as integers, the rest as decimals). */
  addSlotTo(slot: number, into: ExactSums, intoSlot: number): void {
    // Both parts are below 2^52 in magnitude, so each sum is below 2^53: exact.
    into.settle(intoSlot, into.minor[intoSlot]! + this.minor[slot]!, into.whole[intoSlot]! + this.whole[slot]!);
    const spilled = this.spilled.get(slot);
    if (spilled !== undefined) into.spilled.set(intoSlot, (into.spilled.get(intoSlot) ?? 0n) + spilled);
    const exact = this.exact.get(slot);
    if (exact !== undefined) into.addExact(intoSlot, exact);
  }

  /** Adds an already parsed amount to a slot, exactly. */
  addExact(slot: number, amount: Decimal): void {
    this.exact.set(slot, (this.exact.get(slot) ?? new Big(0)).plus(amount));
  }

  /** The slot's exact sum as an integer of minor units (see {@link Scaled}): no big decimal is built. */
  units(slot: number): Scaled {
    let units = BigInt(this.whole[slot]!) * pow10(FRACTION_DIGITS) + BigInt(this.minor[slot]!);
    const spilled = this.spilled.get(slot);
    if (spilled !== undefined) units += spilled * pow10(FRACTION_DIGITS);
    const exact = this.exact.get(slot);
    const sum: Scaled = { units, places: FRACTION_DIGITS };
    return exact === undefined ? sum : addScaled(sum, scaledOf(exact));
  }

  /** The slot's exact sum. */
  value(slot: number): Decimal {
    let v = new Big(plainDecimal(this.whole[slot]!, this.minor[slot]!));
    const spilled = this.spilled.get(slot);
    if (spilled !== undefined) v = v.plus(spilled.toString());
    const exact = this.exact.get(slot);
    return exact === undefined ? v : v.plus(exact);
  }
}

/**
 * `whole + minor * 10^-15` (both safe integers below 2^52 in magnitude) written as one plain decimal
 * string, so reading a slot parses one decimal instead of adding three. Minor units are first carried
 * into whole units (`minor % 10^15` and the quotient are exact) and given the sign of the whole.
 */
function plainDecimal(whole: number, minor: number): string {
  const kept = minor % UNIT;
  whole += (minor - kept) / UNIT;
  minor = kept;
  if (whole > 0 && minor < 0) {
    whole -= 1;
    minor += UNIT;
  } else if (whole < 0 && minor > 0) {
    whole += 1;
    minor -= UNIT;
  }
  // Zero is written unsigned: big.js would print a negative zero as "-0.00".
  const sign = whole < 0 || minor < 0 ? '-' : '';
  return `${sign}${Math.abs(whole)}.${String(Math.abs(minor)).padStart(FRACTION_DIGITS, '0')}`;
}
