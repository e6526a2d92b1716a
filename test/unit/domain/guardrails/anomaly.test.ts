import { describe, expect, it } from 'vitest';
import {
  detectSpendAnomaly,
  detectUnitCostChange,
  topDrivers,
  type DailySpend,
  type DailyUnitUsage,
  type DriverSeries,
} from '../../../../functions/domain/guardrails/anomaly';
import { addDays } from '../../../../functions/domain/records/dates';
import { mulberry32 } from '../../../../local/sample/seeded-random';

// 2024-01-01 is a Monday, so day i is a weekend day when i % 7 is 5 or 6.
const START = '2024-01-01';
const isWeekendIndex = (i: number): boolean => i % 7 >= 5;

/** `count` days of spend from START; `amount` gives dollars for day index i. */
function spend(count: number, amount: (i: number) => number): DailySpend[] {
  return Array.from({ length: count }, (_, i) => ({ day: addDays(START, i), amount: amount(i).toFixed(2) }));
}

/** The same series with day `index` replaced (or appended) at `amount`. */
function withDay(series: DailySpend[], index: number, amount: string): DailySpend[] {
  return [...series.filter((row) => row.day !== addDays(START, index)), { day: addDays(START, index), amount }];
}

function checkedDays(series: readonly DailySpend[], fromIndex: number): string[] {
  return series.slice(fromIndex).map((row) => row.day);
}

describe('detectSpendAnomaly', () => {
  it('raises nothing on a perfectly flat series, nor on a 3% wobble after it (the 5% scale floor), even with no minimum impact', () => {
    const flat = spend(42, () => 300);
    for (const day of checkedDays(flat, 14)) expect(detectSpendAnomaly(flat, day)).toBeNull();
    expect(detectSpendAnomaly(withDay(flat, 42, '310.00'), addDays(START, 42), { minImpact: '0' })).toBeNull();
  });

  it('raises nothing when a flat $0 series moves by 50 cents (the $1 scale floor)', () => {
    const zero = withDay(spend(28, () => 0), 28, '0.50');
    expect(detectSpendAnomaly(zero, addDays(START, 28), { minImpact: '0' })).toBeNull();
  });

  it('raises nothing on a series with ±10% seeded noise', () => {
    const random = mulberry32(20240101);
    const noisy = spend(90, () => 300 * (0.9 + 0.2 * random()));
    for (const day of checkedDays(noisy, 14)) expect(detectSpendAnomaly(noisy, day)).toBeNull();
  });

  it('raises nothing for a weekly weekend dip, on the weekend days nor on the Monday after', () => {
    const random = mulberry32(7);
    const weekly = spend(63, (i) => (isWeekendIndex(i) ? 60 : 300) * (0.95 + 0.1 * random()));
    const weekendsAndMondays = checkedDays(weekly, 14).filter((_, k) => [0, 5, 6].includes((k + 14) % 7));
    expect(weekendsAndMondays).toHaveLength(21);
    for (const day of weekendsAndMondays) expect(detectSpendAnomaly(weekly, day)).toBeNull();
  });

  it('compares a weekend day with weekend days, so a Saturday at weekday levels is caught', () => {
    const weekly = spend(35, (i) => (isWeekendIndex(i) ? 60 : 300));
    const saturday = withDay(weekly, 40, '300.00'); // day 40 is a Saturday
    expect(detectSpendAnomaly(saturday, addDays(START, 40))).toMatchObject({ expected: '60.00', impact: '240.00', baselineDays: 8 });
  });

  it('raises an anomaly for a tripling on a weekday, with the weekday median as expected and the excess as impact', () => {
    const weekly = withDay(spend(37, (i) => (isWeekendIndex(i) ? 60 : 300)), 37, '900.00'); // day 37 is a Wednesday
    const anomaly = detectSpendAnomaly(weekly, '2024-02-07');
    expect(anomaly).toMatchObject({ day: '2024-02-07', actual: '900.00', expected: '300.00', impact: '600.00', score: 40, baselineDays: 20 });
    expect(anomaly!.method).toContain('median of the 20 weekdays in the 28 days before it');
  });

  it('raises nothing when a small team jumps from $5 to $15, below the minimum impact, yet flags it when the minimum allows', () => {
    const small = withDay(spend(28, () => 5), 28, '15.00');
    expect(detectSpendAnomaly(small, addDays(START, 28))).toBeNull();
    expect(detectSpendAnomaly(small, addDays(START, 28), { minImpact: '5' })).toMatchObject({ impact: '10.00', score: 10 });
  });

  it('gives no verdict with fewer than minBaselineDays days of history, and one from exactly minBaselineDays', () => {
    expect(detectSpendAnomaly(withDay(spend(13, () => 300), 13, '900.00'), addDays(START, 13))).toBeNull();
    expect(detectSpendAnomaly(withDay(spend(14, () => 300), 14, '900.00'), addDays(START, 14))).not.toBeNull();
    expect(detectSpendAnomaly([], START)).toBeNull();
  });

  it('counts days missing inside the covered range as $0', () => {
    const sparse = [...spend(1, () => 300), { day: addDays(START, 28), amount: '300' }];
    expect(detectSpendAnomaly(sparse, addDays(START, 28))).toMatchObject({ expected: '0.00', impact: '300.00' });
  });

  it('names the field and the value of malformed input', () => {
    expect(() => detectSpendAnomaly(spend(20, () => 1), '2024-02-30')).toThrow(/day: .*"2024-02-30"/);
    expect(() => detectSpendAnomaly([{ day: '2024-1-05', amount: '1' }], START)).toThrow(/daily\[0\]\.day: .*"2024-1-05"/);
    expect(() => detectSpendAnomaly([{ day: START, amount: '1' }, { day: START, amount: '$3' }], START)).toThrow(/daily\[1\]\.amount: .*"\$3"/);
  });
});

describe('topDrivers', () => {
  const random = mulberry32(42);
  const steady = (kind: DriverSeries['kind'], id: string, level: number, days = 36): DriverSeries => ({
    kind,
    id,
    label: id,
    daily: spend(days, () => level * (0.95 + 0.1 * random())),
  });
  const day = addDays(START, 35); // a Tuesday

  it('names the model that tripled first, with its change and a share of about 1', () => {
    const sonnet: DriverSeries = { kind: 'model', id: 'claude-sonnet', label: 'Claude Sonnet', daily: withDay(spend(35, () => 300), 35, '900.00') };
    const drivers = topDrivers([steady('service', 'Amazon S3', 50), sonnet, steady('model', 'gpt-4o', 100)], day);
    expect(drivers).toHaveLength(1);
    expect(drivers[0]).toMatchObject({ kind: 'model', id: 'claude-sonnet', actual: '900.00', expected: '300.00', change: '600.00' });
    expect(drivers[0]!.shareOfJump).toBeCloseTo(1, 1);
  });

  it('names both components of a jump spread over two, largest change first, and not the steady one', () => {
    const a: DriverSeries = { kind: 'project', id: 'search', label: 'Search', daily: withDay(spend(35, () => 100), 35, '350.00') };
    const b: DriverSeries = { kind: 'project', id: 'chat', label: 'Chat', daily: withDay(spend(35, () => 100), 35, '300.00') };
    const drivers = topDrivers([b, steady('project', 'batch', 80), a], day);
    expect(drivers.map((d) => [d.id, d.change])).toEqual([
      ['search', '250.00'],
      ['chat', '200.00'],
    ]);
    expect(drivers[0]!.shareOfJump + drivers[1]!.shareOfJump).toBeGreaterThan(0.9);
  });

  it('treats a component that first appears on the day as rising from $0', () => {
    const newcomer: DriverSeries = { kind: 'apiKey', id: 'key-1', label: 'key-1', daily: [{ day, amount: '120' }] };
    expect(topDrivers([{ kind: 'model', id: 'flat', label: 'flat', daily: spend(36, () => 10) }, newcomer], day)).toEqual([
      { kind: 'apiKey', id: 'key-1', label: 'key-1', actual: '120.00', expected: '0.00', change: '120.00', shareOfJump: 1 },
    ]);
  });

  it('stops once the named drivers explain 80% of the rises, and at 5 drivers', () => {
    const rising = (id: string, to: number): DriverSeries => ({ kind: 'workspace', id, label: id, daily: withDay(spend(35, () => 10), 35, to.toFixed(2)) });
    expect(topDrivers([rising('a', 410), rising('b', 310), rising('c', 210), rising('d', 110)], day).map((d) => d.id)).toEqual(['a', 'b', 'c']);
    expect(topDrivers(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => rising(id, 110)), day).map((d) => d.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('names the component and field of malformed input', () => {
    expect(() => topDrivers([{ kind: 'model', id: 'm', label: 'm', daily: [{ day: START, amount: 'NaN' }] }], day)).toThrow(/components\[0\]\.daily\[0\]\.amount/);
  });
});

describe('detectUnitCostChange', () => {
  /** `count` days at `tokens` a day and `price` USD per million, then the day under test. */
  function usage(count: number, tokens: number, price: number, last: { tokens: number; price: number }): DailyUnitUsage[] {
    const row = (i: number, t: number, p: number): DailyUnitUsage => ({ day: addDays(START, i), cost: ((t / 1e6) * p).toFixed(2), tokens: t });
    return [...Array.from({ length: count }, (_, i) => row(i, tokens, price)), row(count, last.tokens, last.price)];
  }
  const day = addDays(START, 14);

  it('detects a 50% price rise at steady volume, with the per-million prices, volume and impact', () => {
    const change = detectUnitCostChange(usage(14, 20_000_000, 3, { tokens: 20_000_000, price: 4.5 }), day);
    expect(change).toMatchObject({
      day,
      costPerMillion: '4.5000',
      baselineCostPerMillion: '3.0000',
      increasePercent: 50,
      tokens: 20_000_000,
      baselineTokens: 20_000_000,
      impact: '30.00',
    });
    expect(change!.method).toContain('50% above the $3.0000 median');
  });

  it('raises nothing for a rise below minIncreasePercent, however large its impact', () => {
    const rise20 = usage(14, 100_000_000, 3, { tokens: 100_000_000, price: 3.6 });
    expect(detectUnitCostChange(rise20, day)).toBeNull();
    expect(detectUnitCostChange(rise20, day, { minIncreasePercent: 20 })).toMatchObject({ increasePercent: 20, impact: '60.00' });
  });

  it('raises nothing when volume doubles at the same unit cost', () => {
    expect(detectUnitCostChange(usage(14, 20_000_000, 3, { tokens: 40_000_000, price: 3 }), day)).toBeNull();
  });

  it('raises nothing when unit cost rises 50% but volume triples (not steady)', () => {
    expect(detectUnitCostChange(usage(14, 20_000_000, 3, { tokens: 60_000_000, price: 4.5 }), day)).toBeNull();
    expect(detectUnitCostChange(usage(14, 20_000_000, 3, { tokens: 60_000_000, price: 4.5 }), day, { maxVolumeChangePercent: 250 })).not.toBeNull();
  });

  it('raises nothing when the rise costs less than the minimum impact, yet flags it when the minimum allows', () => {
    const small = usage(14, 1_000_000, 3, { tokens: 1_000_000, price: 4.5 });
    expect(detectUnitCostChange(small, day)).toBeNull();
    expect(detectUnitCostChange(small, day, { minImpact: '1' })).toMatchObject({ impact: '1.50' });
  });

  it('gives no verdict with fewer than minBaselineDays days of usage in the baseline', () => {
    expect(detectUnitCostChange(usage(6, 20_000_000, 3, { tokens: 20_000_000, price: 4.5 }), addDays(START, 6))).toBeNull();
    expect(detectUnitCostChange(usage(7, 20_000_000, 3, { tokens: 20_000_000, price: 4.5 }), addDays(START, 7))).not.toBeNull();
  });

  it('names the field and the value of malformed input', () => {
    expect(() => detectUnitCostChange([{ day: START, cost: '1', tokens: -5 }], day)).toThrow(/daily\[0\]\.tokens: .*-5/);
    expect(() => detectUnitCostChange([{ day: START, cost: 'one', tokens: 5 }], day)).toThrow(/daily\[0\]\.cost: .*"one"/);
    expect(() => detectUnitCostChange([], 'yesterday')).toThrow(/day: .*"yesterday"/);
  });
});
