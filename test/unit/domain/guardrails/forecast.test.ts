import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { addDays, daysOf } from '../../../../functions/domain/records/dates';
import { forecastMonthEnd, type DailySpend } from '../../../../functions/domain/guardrails/forecast';

/** Daily spend for every day of `[first, last]`, inclusive. */
function series(first: string, last: string, amountOf: (day: string, index: number) => string): DailySpend[] {
  return daysOf({ start: first, end: addDays(last, 1) }).map((day, i) => ({ day, amount: amountOf(day, i) }));
}

const isWeekend = (day: string) => [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
const width = (f: { low: string; high: string }) => Number(new Big(f.high).minus(f.low));

// October 2026: the 1st is a Thursday; weekend days are the 3rd, 4th, 10th, 11th, 17th, 18th, 24th, 25th and 31st.
describe('month-end forecast', () => {
  it('projects a steady series as exactly rate × days in the month, with no spread, and no run-out under the budget', () => {
    // Prepare
    const daily = series('2026-10-01', '2026-10-14', () => '50');
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-14', daily, budget: '2000' })!;
    // Assess
    expect(f).toMatchObject({ monthToDate: '700.00', projected: '1550.00', low: '1550.00', high: '1550.00' });
    expect(f).toMatchObject({ weekdayRate: '50.00', weekendRate: '50.00', basisDays: 14, confidence: 'medium', runsOutOn: null });
  });

  it('projects a weekday/weekend pattern by day type, below the naive daily-average extrapolation', () => {
    // Prepare: $100 on weekdays, $20 on weekend days
    const daily = series('2026-10-01', '2026-10-14', (d) => (isWeekend(d) ? '20' : '100'));
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-14', daily })!;
    // Assess: 1–14 Oct has 10 weekdays and 4 weekend days: 1000 + 80 = 1080.
    // 15–31 Oct has 12 weekdays and 5 weekend days: 1080 + 1200 + 100 = 2380 (22 × 100 + 9 × 20 for the month).
    expect(f.monthToDate).toBe('1080.00');
    expect(f.projected).toBe('2380.00');
    expect(f).toMatchObject({ weekdayRate: '100.00', weekendRate: '20.00' });
    const naive = new Big(1080).div(14).times(31).round(2).toFixed(2);
    expect(naive).toBe('2391.43');
    expect(f.projected).not.toBe(naive);
    expect(f.method).toMatch(/\$1,080\.00 through 2026-10-14 plus 12 remaining weekdays at \$100\.00 and 5 weekend days at \$20\.00/);
  });

  it('gives a noisier series a wider range that contains the projection and starts no lower than month-to-date', () => {
    // Prepare: the same mean of $100 a day, spread ±10 and ±50
    const calm = series('2026-10-01', '2026-10-14', (_, i) => (i % 2 ? '110' : '90'));
    const noisy = series('2026-10-01', '2026-10-14', (_, i) => (i % 2 ? '150' : '50'));
    // Act
    const [c, n] = [calm, noisy].map((daily) => forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-14', daily })!);
    // Assess
    expect(width(c!)).toBeGreaterThan(0);
    expect(width(n!)).toBeGreaterThan(width(c!));
    for (const f of [c!, n!]) {
      expect(Number(f.low)).toBeLessThan(Number(f.projected));
      expect(Number(f.high)).toBeGreaterThan(Number(f.projected));
      expect(Number(f.low)).toBeGreaterThanOrEqual(Number(f.monthToDate));
    }
  });

  it('sizes the 80% range from day noise plus the uncertainty of the mean', () => {
    // Prepare: $90 and $110 alternating, so both day types average $100 and every residual is ±10
    const daily = series('2026-10-01', '2026-10-14', (_, i) => (i % 2 ? '110' : '90'));
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-14', daily })!;
    // Assess: s² = 14 × 10² / (14 − 2 means), 17 days left, basis of 14 days
    const s2 = 1400 / 12;
    const half = 1.2816 * Math.sqrt(17 * s2 + (17 ** 2 * s2) / 14);
    expect(f).toMatchObject({ projected: '3100.00', low: (3100 - half).toFixed(2), high: (3100 + half).toFixed(2) });
    expect(f.high).toBe('3184.93');
  });

  it('ignores entries after throughDay, the day still in progress', () => {
    // Prepare
    const daily = [...series('2026-10-01', '2026-10-14', () => '50'), { day: '2026-10-15', amount: '999' }];
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-14', daily })!;
    // Assess
    expect(f).toMatchObject({ monthToDate: '700.00', projected: '1550.00', basisDays: 14 });
  });

  it('clamps the low end of the range to month-to-date when the spread exceeds the spend still to come', () => {
    // Prepare: one $2800 spike in 28 otherwise idle days, three days left
    const daily = series('2026-10-01', '2026-10-28', (d) => (d === '2026-10-07' ? '2800' : '0'));
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-28', daily })!;
    // Assess: two weekdays (29th, 30th) at 2800 / 20 = 140 and Saturday the 31st at 0
    expect(f).toMatchObject({ monthToDate: '2800.00', projected: '3080.00', low: '2800.00', weekdayRate: '140.00', weekendRate: '0.00' });
    expect(Number(f.high)).toBeGreaterThan(3080);
  });

  it('runs out on the day cumulative spend, that day included, reaches the budget', () => {
    // Prepare: $100 a day from the 1st, five days of data
    const daily = series('2026-10-01', '2026-10-05', () => '100');
    // Act
    const at = (budget: string) => forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-05', daily, budget })!.runsOutOn;
    // Assess: $1000 is reached exactly at the end of the 10th; one cent more takes the 11th
    expect(at('1000')).toBe('2026-10-10');
    expect(at('1000.01')).toBe('2026-10-11');
    expect(at('3100.01')).toBeNull();
  });

  it('reports the actual day an already-exceeded budget was crossed', () => {
    // Prepare: $100 a day, with a $500 day on the 7th: 600 by the 6th, 1100 on the 7th
    const daily = series('2026-10-01', '2026-10-14', (d) => (d === '2026-10-07' ? '500' : '100'));
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-14', daily, budget: '1000' })!;
    // Assess: the rates alone ($140 on weekdays, $100 on weekend days) would cross on the 8th; the actual spend crossed on the 7th
    expect(f.runsOutOn).toBe('2026-10-07');
  });

  it('gives no forecast with fewer than minDays days of data', () => {
    // Prepare
    const daily = series('2026-10-01', '2026-10-04', () => '100');
    // Act / Assess
    expect(forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-04', daily })).toBeNull();
    expect(forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-04', daily: [] })).toBeNull();
    expect(forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-04', daily }, { minDays: 4 })).not.toBeNull();
  });

  it('counts a missing day inside the data as zero spend', () => {
    // Prepare: Thursday to Wednesday at $70, with Monday the 5th missing
    const daily = series('2026-10-01', '2026-10-07', () => '70').filter((d) => d.day !== '2026-10-05');
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-07', daily })!;
    // Assess: five weekdays, one of them at zero
    expect(f).toMatchObject({ basisDays: 7, monthToDate: '420.00', weekdayRate: '56.00', weekendRate: '70.00' });
  });

  it('rates early in the month on the previous month’s history, with high confidence', () => {
    // Prepare: 3–30 September and 1–2 October, $100 on weekdays and $20 on weekend days
    const daily = series('2026-09-03', '2026-10-02', (d) => (isWeekend(d) ? '20' : '100'));
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-02', daily })!;
    // Assess: the trailing 28 days (5 Sep – 2 Oct) set the rates; only 1–2 Oct is month-to-date
    expect(f).toMatchObject({ basisDays: 28, confidence: 'high', weekdayRate: '100.00', weekendRate: '20.00', monthToDate: '200.00' });
    expect(f.projected).toBe('2380.00');
  });

  it('projects the month-to-date spend once the month is complete', () => {
    // Prepare: a noisy October, complete
    const daily = series('2026-10-01', '2026-10-31', (_, i) => String(40 + ((i * 37) % 90)));
    // Act
    const f = forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-31', daily })!;
    // Assess
    expect(f.projected).toBe(f.monthToDate);
    expect(f.low).toBe(f.monthToDate);
    expect(f.high).toBe(f.monthToDate);
    expect(f.method).toMatch(/complete through 2026-10-31/);
  });

  it('names the malformed field and its value', () => {
    // Prepare
    const daily = series('2026-10-01', '2026-10-14', () => '50');
    const run = (patch: object) => () => forecastMonthEnd({ month: '2026-10', throughDay: '2026-10-14', daily, ...patch });
    // Act / Assess
    expect(run({ month: '2026-13' })).toThrow(/month: .*"2026-13"/);
    expect(run({ throughDay: '2026-11-01' })).toThrow(/throughDay: .*"2026-11-01"/);
    expect(run({ throughDay: '2026-10-32' })).toThrow(/throughDay: .*"2026-10-32"/);
    expect(run({ daily: [...daily, { day: '2026-02-30', amount: '1' }] })).toThrow(/daily\[14\]\.day: .*"2026-02-30"/);
    expect(run({ daily: [{ day: '2026-10-01', amount: 'ten' }] })).toThrow(/daily\[0\]\.amount: .*"ten"/);
    expect(run({ budget: 'lots' })).toThrow(/budget: .*"lots"/);
  });
});
