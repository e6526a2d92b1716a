import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { divide } from '../../../../functions/domain/records/division';
import { ExactSums } from '../../../../functions/domain/records/exact-sums';
import { splitToCents } from '../../../../functions/domain/records/money';
import { centsOf, decimalOf, formatCentUnits, formatRatio, scaledOf, splitScaledToCents, wholeCentsOf } from '../../../../functions/domain/records/scaled';

/** A small deterministic generator, so the property runs the same everywhere. */
function seeded(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Decimals of up to 12 digits at up to 18 places, a tenth of them credits, some zero, some whole. */
function decimals(random: () => number, n: number): Big[] {
  return Array.from({ length: n }, () => {
    const r = random();
    if (r < 0.05) return new Big(0);
    if (r < 0.1) return new Big(Math.floor(random() * 1000));
    const value = new Big(Math.floor(random() * 1e12)).div(new Big(10).pow(Math.floor(random() * 19)));
    return random() < 0.1 ? value.times(-1) : value;
  });
}

describe('scaled', () => {
  it('splits to cents exactly as splitToCents does, for any total near or far from the parts (property)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      // Prepare: random parts and totals: the rounded sum, and totals a few cents either side of it.
      const random = seeded(seed);
      for (let round = 0; round < 200; round++) {
        const parts = decimals(random, 1 + Math.floor(random() * 12));
        const rounded = parts.reduce((a, p) => a.plus(p), new Big(0)).round(2, Big.roundHalfUp);
        const total = rounded.plus(new Big(Math.floor(random() * 41) - 20).div(100));

        // Act
        const cents = splitScaledToCents(parts.map(scaledOf), wholeCentsOf(total));

        // Assess
        expect(cents.map(formatCentUnits), `${parts.join(' ')} → ${total.toFixed(2)}`).toEqual(splitToCents(parts, total).map((c) => c.toFixed(2)));
      }
    }
  });

  it('gives unit costs as big.js does: divided to 20 places, then rounded half up to four (property)', () => {
    const random = seeded(7);
    const costs = decimals(random, 3000);
    for (const cost of costs) {
      const quantity = random() < 0.1 ? 1 + Math.floor(random() * 10) : 1 + Math.floor(random() * 1e9);
      const per = random() < 0.5 ? 1_000_000 : 1000;
      expect(formatRatio(scaledOf(cost), per, quantity, 4), `${cost.toString()} × ${per} / ${quantity}`).toBe(divide(cost.times(per), new Big(quantity)).round(4, Big.roundHalfUp).toFixed(4));
    }
    // A credit that rounds to zero prints unsigned, as big.js prints a rounded zero.
    expect(formatRatio(scaledOf(new Big('-0.00000001')), 1000, 3, 4)).toBe('0.0000');
  });

  it('reads and writes whole cents: signs, zero, and nothing but two places', () => {
    expect(['0.00', '-0.05', '12.30', '-1234.99'].map((s) => formatCentUnits(centsOf(s)))).toEqual(['0.00', '-0.05', '12.30', '-1234.99']);
    expect(() => centsOf('1.5')).toThrow(RangeError);
    expect(wholeCentsOf(new Big('12.300'))).toBe(1230n);
    expect(() => wholeCentsOf(new Big('0.001'))).toThrow(RangeError);
    expect(decimalOf(scaledOf(new Big('-1.5e-7'))).toString()).toBe(new Big('-1.5e-7').toString());
  });

  it('reads an ExactSums slot as the same number whether as units or as a decimal', () => {
    const sums = new ExactSums();
    const slot = sums.open();
    for (const a of ['0.999999999999999', '999999999999999.5', '-3.000000000000001']) for (let k = 0; k < 3000; k++) sums.add(slot, a);
    sums.addExact(slot, new Big('1e-20'));
    expect(decimalOf(sums.units(slot)).eq(sums.value(slot))).toBe(true);
  });
});
