import Big from 'big.js';
import { addDays, isDay, isWeekend } from '../records/dates';
import { divide } from '../records/division';
import { formatCents, parseAmount, roundCents, sum, ZERO, type Decimal } from '../records/money';

/**
 * Spend anomalies for one scope (a team, or a team and model), the drivers behind a jump, and rises in
 * cost per million tokens. Statistics are JS numbers; money is summed exactly with big.js and leaves as
 * cent strings. Nothing here alerts on a drop: less spend is not a cost risk.
 */

/** One day of a scope's spend: the same shape the forecast reads. */
export type { DailySpend } from './forecast';
import type { DailySpend } from './forecast';

/** Tuning for {@link detectSpendAnomaly} and {@link topDrivers}. */
export interface AnomalyOptions {
  /** Calendar days before `day` the baseline looks back over; default 28. */
  baselineDays?: number;
  /** Covered days of history needed before `day` for a verdict; default 14. */
  minBaselineDays?: number;
  /** Robust z-score at or above which a day is anomalous; default 4. */
  sensitivity?: number;
  /** Least excess over the baseline median worth an alert, USD; default `"50"`. */
  minImpact?: string;
}

/** A day whose spend broke upward out of its baseline. */
export interface SpendAnomaly {
  day: string;
  /** The day's spend, cents. */
  actual: string;
  /** The baseline median, cents. */
  expected: string;
  /** `actual - expected`, cents. */
  impact: string;
  /** Robust z-score: (actual − median) / robust scale. */
  score: number;
  /** How many same-type days the baseline holds. */
  baselineDays: number;
  /** One sentence saying how the verdict was reached. */
  method: string;
}

/** Thrown for a malformed day or token count; the message names the field and the value. */
export class InvalidSeriesError extends Error {
  override readonly name = 'InvalidSeriesError';
}

function checkDay(value: unknown, where: string): string {
  if (typeof value !== 'string' || !isDay(value)) throw new InvalidSeriesError(`${where}: expected a YYYY-MM-DD day, got ${JSON.stringify(value)}`);
  return value;
}

function checkCount(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidSeriesError(`${where}: expected a non-negative number, got ${JSON.stringify(value)}`);
  return value;
}

function spendByDay(daily: readonly DailySpend[], where: string): Map<string, Decimal> {
  const byDay = new Map<string, Decimal>();
  daily.forEach((row, i) => {
    const day = checkDay(row.day, `${where}[${i}].day`);
    byDay.set(day, (byDay.get(day) ?? ZERO).plus(parseAmount(row.amount, `${where}[${i}].amount`)));
  });
  return byDay;
}

function median(values: readonly Decimal[]): Decimal {
  const sorted = [...values].sort((a, b) => a.cmp(b));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : sorted[mid - 1]!.plus(sorted[mid]!).div(2);
}

const dayType = (day: string): string => (isWeekend(day) ? 'weekend day' : 'weekday');

/** The days of `[day - count, day)` from `coveredFrom` on, oldest first. */
function trailingDays(day: string, count: number, coveredFrom: string): string[] {
  const days: string[] = [];
  for (let i = count; i >= 1; i--) if (addDays(day, -i) >= coveredFrom) days.push(addDays(day, -i));
  return days;
}

function spendOptions(options: AnomalyOptions = {}) {
  return {
    baselineDays: checkCount(options.baselineDays ?? 28, 'options.baselineDays'),
    minBaselineDays: checkCount(options.minBaselineDays ?? 14, 'options.minBaselineDays'),
    sensitivity: checkCount(options.sensitivity ?? 4, 'options.sensitivity'),
    minImpact: parseAmount(options.minImpact ?? '50', 'options.minImpact'),
  };
}

/**
 * Whether the scope's spend on `day` broke upward out of its baseline. Day-of-week aware: the baseline is
 * the days of the same type (weekday Mon–Fri or weekend Sat–Sun, UTC) among the trailing `baselineDays`
 * days before `day`. With m their median and MAD their median absolute deviation, the robust scale is
 * max(1.4826 × MAD, 5% of m, $1) — the floors keep a perfectly flat series from making every cent an
 * anomaly — and score = (x − m) / scale. The day is anomalous when score ≥ `sensitivity` and x − m ≥
 * `minImpact`; drops never alert.
 * @param daily the scope's daily spend; days missing inside the covered range (first row onwards) are 0
 * @returns null when normal, or when fewer than `minBaselineDays` covered days precede `day`
 */
export function detectSpendAnomaly(daily: readonly DailySpend[], day: string, options?: AnomalyOptions): SpendAnomaly | null {
  const opts = spendOptions(options);
  checkDay(day, 'day');
  const byDay = spendByDay(daily, 'daily');
  const coveredFrom = [...byDay.keys()].sort()[0];
  if (coveredFrom === undefined) return null;
  const window = trailingDays(day, opts.baselineDays, coveredFrom);
  const values = window.filter((d) => isWeekend(d) === isWeekend(day)).map((d) => byDay.get(d) ?? ZERO);
  if (window.length < opts.minBaselineDays || values.length === 0) return null;
  const m = median(values);
  const mad = median(values.map((v) => v.minus(m).abs())).toNumber();
  const scale = Math.max(1.4826 * mad, 0.05 * m.toNumber(), 1);
  const actual = byDay.get(day) ?? ZERO;
  const excess = actual.minus(m);
  const score = excess.toNumber() / scale;
  if (score < opts.sensitivity || excess.lt(opts.minImpact)) return null;
  const [a, e] = [formatCents(actual), formatCents(m)];
  return {
    day,
    actual: a,
    expected: e,
    impact: formatCents(roundCents(actual).minus(roundCents(m))),
    score: Math.round(score * 100) / 100,
    baselineDays: values.length,
    method:
      `Spend of $${a} on ${day} is ${score.toFixed(1)} robust deviations above $${e}, the median of the ` +
      `${values.length} ${dayType(day)}s in the ${opts.baselineDays} days before it ` +
      `(scale = max(1.4826 × MAD, 5% of median, $1); alerts at ${opts.sensitivity} and $${formatCents(opts.minImpact)} over).`,
  };
}

/** One component of a scope's spend (a service, model, project, ...) as a daily series. */
export interface DriverSeries {
  kind: 'service' | 'model' | 'project' | 'workspace' | 'apiKey' | 'account';
  id: string;
  label: string;
  daily: readonly DailySpend[];
}

/** A component that explains part of a jump. */
export interface Driver {
  kind: DriverSeries['kind'];
  id: string;
  label: string;
  /** Its spend on the day, cents. */
  actual: string;
  /** Its same-day-type baseline median, cents. */
  expected: string;
  /** `actual - expected`, cents; always positive. */
  change: string;
  /** Its change over the sum of all components' increases, 0..1. */
  shareOfJump: number;
}

/**
 * The components whose rise on `day` explains most of the jump. Each is measured against its own
 * same-day-type baseline median over the trailing `baselineDays` (as in {@link detectSpendAnomaly}); the
 * range covered starts at the first row of any component, so a component that is new on `day` rises from
 * 0. Only rises count; each share is of the sum of all rises. Ranked by change, largest first; the list
 * stops once the shares reach 0.8 together, or at 5 drivers.
 */
export function topDrivers(components: readonly DriverSeries[], day: string, options?: AnomalyOptions): Driver[] {
  const { baselineDays } = spendOptions(options);
  checkDay(day, 'day');
  const series = components.map((c, i) => ({ c, byDay: spendByDay(c.daily, `components[${i}].daily`) }));
  const coveredFrom = series.flatMap((s) => [...s.byDay.keys()]).sort()[0] ?? day;
  const window = trailingDays(day, baselineDays, coveredFrom).filter((d) => isWeekend(d) === isWeekend(day));
  const rises = series
    .map(({ c, byDay }) => {
      const actual = roundCents(byDay.get(day) ?? ZERO);
      const expected = roundCents(window.length > 0 ? median(window.map((d) => byDay.get(d) ?? ZERO)) : ZERO);
      return { c, actual, expected, change: actual.minus(expected) };
    })
    .filter((r) => r.change.gt(0))
    .sort((x, y) => y.change.cmp(x.change) || x.c.kind.localeCompare(y.c.kind) || x.c.id.localeCompare(y.c.id));
  const jump = sum(rises.map((r) => r.change));
  const drivers: Driver[] = [];
  let cumulative = 0;
  for (const { c, actual, expected, change } of rises) {
    if (drivers.length >= 5 || cumulative >= 0.8) break;
    const shareOfJump = change.div(jump).toNumber();
    cumulative += shareOfJump;
    drivers.push({ kind: c.kind, id: c.id, label: c.label, actual: formatCents(actual), expected: formatCents(expected), change: formatCents(change), shareOfJump });
  }
  return drivers;
}

/** One day of a model's (or scope's) cost and token volume. */
export interface DailyUnitUsage {
  day: string;
  /** Exact decimal USD. */
  cost: string;
  tokens: number;
}

/** Tuning for {@link detectUnitCostChange}. */
export interface UnitCostOptions {
  /** Calendar days before `day` the baseline looks back over; default 14. */
  baselineDays?: number;
  /** Least rise in cost per million tokens, percent; default 30. */
  minIncreasePercent?: number;
  /** Largest move in token volume, either way, percent of the baseline, for volume to count as steady; default 50. */
  maxVolumeChangePercent?: number;
  /** Least extra cost on the day, USD; default `"20"`. */
  minImpact?: string;
  /** Days with tokens needed in the baseline; default 7. */
  minBaselineDays?: number;
}

/** A rise in what a million tokens cost, at steady volume. */
export interface UnitCostChange {
  day: string;
  /** USD per million tokens on the day, to 4 places (cheap models cost well under a cent per thousand). */
  costPerMillion: string;
  /** Baseline median USD per million tokens, to 4 places. */
  baselineCostPerMillion: string;
  increasePercent: number;
  tokens: number;
  /** Baseline median daily tokens. */
  baselineTokens: number;
  /** tokens × (cost per million − baseline) / 1e6: what the day cost over the baseline price, cents. */
  impact: string;
  method: string;
}

type Usage = { cost: Decimal; tokens: number };

/**
 * A rise in cost per million tokens on `day` while token volume stays steady — a price change, a switch
 * to a dearer model or tier, or lost caching, rather than more use. The baseline is the median cost per
 * million over the days with tokens > 0 among the trailing `baselineDays`, and the median of their daily
 * tokens. Flags when the day's cost per million ≥ baseline × (1 + `minIncreasePercent`/100), its tokens
 * are within ±`maxVolumeChangePercent` of the baseline tokens, and the impact ≥ `minImpact`.
 * @returns null when there is no rise, volume moved, the day has no tokens, or the baseline holds fewer
 * than `minBaselineDays` days or a zero price
 */
export function detectUnitCostChange(daily: readonly DailyUnitUsage[], day: string, options: UnitCostOptions = {}): UnitCostChange | null {
  const baselineDays = checkCount(options.baselineDays ?? 14, 'options.baselineDays');
  const minIncrease = checkCount(options.minIncreasePercent ?? 30, 'options.minIncreasePercent');
  const maxVolumeChange = checkCount(options.maxVolumeChangePercent ?? 50, 'options.maxVolumeChangePercent');
  const minImpact = parseAmount(options.minImpact ?? '20', 'options.minImpact');
  const minBaselineDays = checkCount(options.minBaselineDays ?? 7, 'options.minBaselineDays');
  checkDay(day, 'day');
  const byDay = new Map<string, Usage>();
  daily.forEach((row, i) => {
    const d = checkDay(row.day, `daily[${i}].day`);
    const cost = parseAmount(row.cost, `daily[${i}].cost`);
    const tokens = checkCount(row.tokens, `daily[${i}].tokens`);
    const seen = byDay.get(d);
    byDay.set(d, { cost: cost.plus(seen?.cost ?? ZERO), tokens: tokens + (seen?.tokens ?? 0) });
  });
  const today = byDay.get(day);
  const base = [...Array(baselineDays).keys()].map((i) => byDay.get(addDays(day, -i - 1))).filter((u): u is Usage => u !== undefined && u.tokens > 0);
  if (today === undefined || today.tokens === 0 || base.length < minBaselineDays) return null;
  // divide: the quotient big.js's div gives, by integer arithmetic.
  const perMillion = (u: Usage): Decimal => divide(u.cost.times(1e6), new Big(u.tokens));
  const baseUnit = median(base.map(perMillion));
  const baseTokens = median(base.map((u) => new Big(u.tokens))).toNumber();
  const unit = perMillion(today);
  if (baseUnit.lte(0) || unit.lt(baseUnit.times(1 + minIncrease / 100))) return null;
  const volumeChange = (Math.abs(today.tokens - baseTokens) / baseTokens) * 100;
  const impact = unit.minus(baseUnit).times(today.tokens).div(1e6);
  if (volumeChange > maxVolumeChange || impact.lt(minImpact)) return null;
  const increasePercent = Math.round(unit.div(baseUnit).minus(1).times(1000).toNumber()) / 10;
  const [u, b] = [unit.round(4, Big.roundHalfUp).toFixed(4), baseUnit.round(4, Big.roundHalfUp).toFixed(4)];
  return {
    day,
    costPerMillion: u,
    baselineCostPerMillion: b,
    increasePercent,
    tokens: today.tokens,
    baselineTokens: baseTokens,
    impact: formatCents(impact),
    method:
      `Cost per million tokens on ${day} was $${u}, ${increasePercent}% above the $${b} median of the ${base.length} days ` +
      `with usage in the ${baselineDays} before it, while ${today.tokens} tokens stayed within ±${maxVolumeChange}% of the ` +
      `${baseTokens} median, so the day cost $${formatCents(impact)} more than at the baseline price.`,
  };
}
