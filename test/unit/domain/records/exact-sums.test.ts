import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { ExactSums } from '../../../../functions/domain/records/exact-sums';
import { parseAmount } from '../../../../functions/domain/records/money';

/** A small deterministic generator, so the property runs the same everywhere. */
function seeded(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Adds as the chargeback does: the fast path, or the caller's exact parse when it declines. */
function addAll(amounts: readonly string[]): Big {
  const sums = new ExactSums();
  const slot = sums.open();
  for (const a of amounts) if (!sums.add(slot, a)) sums.addExact(slot, parseAmount(a, 'test'));
  return sums.value(slot);
}

describe('ExactSums', () => {
  it('sums decimal strings exactly, whatever their digits, signs and forms (property)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      // Prepare: plain decimals of 0 to 18 places, credits, exponents, a leading dot.
      const random = seeded(seed);
      const amounts = Array.from({ length: 2000 }, () => {
        const digits = Math.floor(random() * 19);
        const value = new Big(Math.floor(random() * 1e9)).div(new Big(10).pow(Math.floor(random() * 9))).toFixed(digits);
        const r = random();
        return r < 0.1 ? `-${value}` : r < 0.15 ? `${value}e-3` : r < 0.2 ? `.${value.replace(/\D/g, '')}` : value;
      });

      // Act
      const fast = addAll(amounts);

      // Assess
      expect(fast.eq(amounts.reduce((a, v) => a.plus(parseAmount(v, 'test')), new Big(0))), `seed ${seed}`).toBe(true);
    }
  });

  it('takes the exponent forms String(x) writes for small doubles, exactly (property)', () => {
    // Prepare: doubles of 10^-12 to 10^3 as JavaScript writes them (below 10^-6 with an exponent), and other forms.
    const random = seeded(7);
    const doubles = Array.from({ length: 5000 }, () => String((random() < 0.2 ? -1 : 1) * Math.round(random() * 10 ** (1 + Math.floor(random() * 8))) / 10 ** (6 + Math.floor(random() * 9))));
    const amounts = [...doubles, '1e5', '-3.5E+2', '1.25e-7', '1e-15', '99999999999999e0', '.5e1', '1.e3', '0.000001e-9', '-0e-3'];
    expect(doubles.filter((d) => d.includes('e')).length).toBeGreaterThan(500);
    const sums = new ExactSums();
    const slot = sums.open();

    // Act
    const declined = amounts.filter((a) => !sums.add(slot, a));

    // Assess
    expect(declined).toEqual([]);
    expect(sums.value(slot).eq(amounts.reduce((a, v) => a.plus(parseAmount(v, 'test')), new Big(0)))).toBe(true);
  });

  it('stays exact past 2^53 minor units and past 2^53 whole units (carry and spill)', () => {
    const amounts = [...Array.from({ length: 5000 }, () => '0.999999999999999'), ...Array.from({ length: 20 }, () => '999999999999999.5'), '-3.000000000000001'];
    expect(addAll(amounts).toFixed()).toBe(amounts.reduce((a, v) => a.plus(v), new Big(0)).toFixed());
  });

  it('reads whole and minor units of opposite signs as one exact decimal', () => {
    for (const amounts of [['5', '-0.25'], ['-5', '0.25'], ['0.5', '-1'], ['-0.000000000000001'], ['1', '-1.000000000000001'], ['123456789012345', '-0.999999999999999'], ['3', '-3']]) {
      expect(addAll(amounts).toFixed(), amounts.join(' + ')).toBe(amounts.reduce((a, v) => a.plus(v), new Big(0)).toFixed());
    }
  });

  it('declines what is not a plain decimal, adding nothing, and never sums to a negative zero', () => {
    const sums = new ExactSums();
    const slot = sums.open();
    for (const declined of ['', '-', '.', '+1', 'e5', '1e', '1e+', '1e-', '1e5x', '1e1000', '1e-16', '1e15', '1234567890123456e-3', '12.3.4', ' 1', '1234567890123456', '0.1234567890123456', 7 as unknown]) expect(sums.add(slot, declined), String(declined)).toBe(false);
    expect(sums.add(slot, '-0.00')).toBe(true);
    expect(sums.value(slot).toFixed(2)).toBe('0.00');
  });
});
