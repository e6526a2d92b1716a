import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { divide } from '../../../../functions/domain/records/division';

/** A small deterministic generator, so the property runs the same everywhere. */
function seeded(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('divide', () => {
  it('gives exactly what big.js div gives: 20 places, ties away from zero, any signs and digits (property)', () => {
    // Prepare: decimals of up to 12 digits at up to 24 places, credits, whole thousands.
    const random = seeded(3);
    const decimal = () => (random() < 0.1 ? new Big(Math.floor(random() * 1000) * 1000) : new Big(Math.floor(random() * 1e12)).div(new Big(10).pow(Math.floor(random() * 25))).times(random() < 0.3 ? -1 : 1));
    for (let i = 0; i < 5000; i++) {
      const [x, y] = [decimal(), decimal()];
      if (y.eq(0)) continue;

      // Act
      const quotient = divide(x, y);

      // Assess
      expect(quotient.toString(), `${x.toString()} / ${y.toString()}`).toBe(x.div(y).toString());
    }
  });

  it('rounds a tie at the 20th place away from zero, and throws on division by zero', () => {
    expect(divide(new Big('1e-20'), new Big(2)).toString()).toBe(new Big('1e-20').div(2).toString());
    expect(divide(new Big('-1e-20'), new Big(2)).toString()).toBe(new Big('-1e-20').div(2).toString());
    expect(divide(new Big(2), new Big(3)).toFixed(20)).toBe('0.66666666666666666667');
    expect(() => divide(new Big(1), new Big(0))).toThrow();
  });
});
