import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { formatCents, parseAmount, splitToCents, sum } from '../../../../functions/domain/records/money';

const big = (xs: string[]) => xs.map((x) => new Big(x));
const cents = (xs: Big[]) => xs.map((x) => x.toFixed(2));

describe('money', () => {
  it('parses decimal strings and JSON numbers exactly and rejects anything else with its location', () => {
    expect(parseAmount('40.3543773134', 'x').toFixed()).toBe('40.3543773134');
    expect(parseAmount(0.1, 'x').plus(parseAmount(0.2, 'x')).toFixed()).toBe('0.3');
    expect(() => parseAmount('12,30', 'page 2 group 4')).toThrow('page 2 group 4: expected a decimal amount, got "12,30"');
    expect(() => parseAmount(null, 'here')).toThrow(/here/);
  });

  it('rounds half away from zero once, at the edge', () => {
    expect(formatCents(new Big('2.345'))).toBe('2.35');
    expect(formatCents(new Big('-2.345'))).toBe('-2.35');
  });

  it('splits by largest remainder so the parts add up to the rounded whole', () => {
    // Three thirds of a dollar: naive rounding gives 0.33 × 3 = 0.99.
    expect(cents(splitToCents(big(['0.333333', '0.333333', '0.333334'])))).toEqual(['0.33', '0.33', '0.34']);
    // Ties go to the earlier part.
    expect(cents(splitToCents(big(['0.005', '0.005'])))).toEqual(['0.01', '0.00']);
  });

  it('handles negative parts (credits) without losing a cent', () => {
    const parts = big(['10.004', '-3.333', '-0.001', '5.5555']);
    const split = splitToCents(parts);
    expect(sum(split).toFixed(2)).toBe(formatCents(sum(parts)));
  });

  it('splits a given rounded total that differs from the parts by more than their count', () => {
    const split = splitToCents(big(['1.00', '2.00']), new Big('3.05'));
    expect(sum(split).toFixed(2)).toBe('3.05');
    expect(cents(split)).toEqual(['1.03', '2.02']);
    expect(sum(splitToCents(big(['1.00', '2.00']), new Big('2.97'))).toFixed(2)).toBe('2.97');
  });

  it('takes a cent away only from a part with positive value, never pushing a zero part below zero', () => {
    // Found by the shared-pool property test: pools rounded up leave fewer cents for the direct parts.
    expect(cents(splitToCents(big(['0', '10.00']), new Big('9.99')))).toEqual(['0.00', '9.99']);
    expect(cents(splitToCents(big(['0', '5.004', '5.001']), new Big('9.99')))).toEqual(['0.00', '5.00', '4.99']);
  });

  it('always adds up, for random amounts with 10 decimal places (property)', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 300; run++) {
      const parts = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => new Big(((rand() - 0.2) * 1000).toFixed(10)));
      const split = splitToCents(parts);
      expect(sum(split).toFixed(2)).toBe(formatCents(sum(parts)));
      split.forEach((s, i) => expect(s.minus(parts[i]!).abs().lt('0.01')).toBe(true));
    }
  });
});
