import Big from 'big.js';
import { addDays, daysOf, isDay, isMonth, monthOf, monthWindow, isWeekend } from '../records/dates';
import { formatMoney } from '../statements/format';
import { formatCents, parseAmount, ZERO, type Decimal } from '../records/money';

/**
 * Month-end spend forecast for one budget scope (a team, a team and provider, a team and model, or the
 * organisation's AI spend), aware that weekdays and weekends spend differently.
 *
 * Method: the daily rates are the mean daily spend of weekdays (Mon–Fri, UTC) and of weekend days over the
 * trailing `trailingDays` complete days through `throughDay`, reaching back into earlier months when that
 * history is given; a day type absent from the window borrows the other type's rate. The projection is
 * month-to-date plus remaining weekdays × weekday rate plus remaining weekend days × weekend rate. The 80%
 * range (10th to 90th percentile) is projection ± 1.2816 × √(n·s² + n²·s²/basisDays), where n is the number
 * of remaining days and s the sample standard deviation of each basis day from its day type's mean: day
 * noise plus the uncertainty of the mean. Money is summed exactly and rounded to cents at the edge; the
 * statistics use plain numbers because they only size the range.
 */

/** Spend of one UTC day in the scope. Several entries for one day are added together. */
export interface DailySpend {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** Exact decimal USD. */
  amount: string;
}

/** What the forecast rests on. */
export interface ForecastInput {
  /** `YYYY-MM`, the month being forecast. */
  month: string;
  /** Last complete day with data (inclusive), inside `month`; later days are the future. */
  throughDay: string;
  /**
   * Spend per day, in any order; may reach back before the month (history for the rates). A day missing
   * between the first day given and `throughDay` counts as zero spend; entries after `throughDay` are ignored.
   */
  daily: readonly DailySpend[];
  /** Monthly budget, decimal; enables {@link Forecast.runsOutOn}. */
  budget?: string;
}

/** How far the forecast can be trusted, from how many days of data the rates rest on (≥ 21 high, ≥ 10 medium). */
export type ForecastConfidence = 'low' | 'medium' | 'high';

/** The expected month-end spend of a scope. Amounts are decimal strings in cents, e.g. `"1234.56"`. */
export interface Forecast {
  month: string;
  throughDay: string;
  monthToDate: string;
  /** Expected month-end total. */
  projected: string;
  /** 10th percentile of the month-end total; never below {@link Forecast.monthToDate}. */
  low: string;
  /** 90th percentile of the month-end total. */
  high: string;
  confidence: ForecastConfidence;
  /** Days of data the rates were computed from (missing days inside the data count as zero spend). */
  basisDays: number;
  weekdayRate: string;
  weekendRate: string;
  /** One sentence stating the method and its figures, for alert bodies. */
  method: string;
  /**
   * With a budget, the first day whose cumulative month spend, that day included, is at or above the budget:
   * from actual data when already reached, otherwise at the expected rates. `null` when not reached within
   * the month or without a budget.
   */
  runsOutOn: string | null;
}

/** Tuning of {@link forecastMonthEnd}. */
export interface ForecastOptions {
  /** Days of history the rates are computed from; default 28 (four of each weekday). */
  trailingDays?: number;
  /** Fewer days of data than this and there is no forecast; default 5. */
  minDays?: number;
}

/** Thrown for malformed forecast input; the message names the field and the value. */
export class ForecastInputError extends Error {
  override readonly name = 'ForecastInputError';
}

/** z-score of the 90th percentile of the normal distribution: ± this many sd is the 80% range. */
const Z80 = 1.2816;

function meanOf(days: readonly string[], spend: ReadonlyMap<string, Decimal>): Decimal | null {
  if (days.length === 0) return null;
  return days.reduce((total, d) => total.plus(spend.get(d) ?? ZERO), ZERO).div(days.length);
}

/**
 * Forecasts the month-end spend of one scope from its daily spend (see the module comment for the method).
 * @returns `null` when fewer than `minDays` days of data reach up to `throughDay`
 * @throws ForecastInputError (or InvalidAmountError for amounts) naming the malformed field and its value
 */
export function forecastMonthEnd(input: ForecastInput, options: ForecastOptions = {}): Forecast | null {
  const { month, throughDay } = input;
  const trailingDays = options.trailingDays ?? 28;
  const minDays = options.minDays ?? 5;
  const bad = (field: string, value: unknown, expected: string) =>
    new ForecastInputError(`${field}: expected ${expected}, got ${JSON.stringify(value)}`);
  if (!isMonth(month)) throw bad('month', month, 'a month YYYY-MM');
  if (!isDay(throughDay) || monthOf(throughDay) !== month) throw bad('throughDay', throughDay, `a day in ${month}`);
  if (!Number.isInteger(trailingDays) || trailingDays < 1) throw bad('trailingDays', trailingDays, 'a positive whole number');
  if (!Number.isInteger(minDays) || minDays < 1) throw bad('minDays', minDays, 'a positive whole number');
  const budget = input.budget === undefined ? null : parseAmount(input.budget, 'budget');
  if (budget?.lt(0)) throw bad('budget', input.budget, 'a budget of zero or more');

  const spend = new Map<string, Decimal>();
  input.daily.forEach(({ day, amount }, i) => {
    if (!isDay(day)) throw bad(`daily[${i}].day`, day, 'a day YYYY-MM-DD');
    const value = parseAmount(amount, `daily[${i}].amount`);
    if (day <= throughDay) spend.set(day, (spend.get(day) ?? ZERO).plus(value));
  });
  const firstDay = [...spend.keys()].sort()[0];
  if (firstDay === undefined) return null;
  const basisStart = [firstDay, addDays(throughDay, 1 - trailingDays)].sort()[1]!;
  const basis = daysOf({ start: basisStart, end: addDays(throughDay, 1) });
  if (basis.length < minDays) return null;

  const { start, end } = monthWindow(month);
  const elapsed = daysOf({ start, end: addDays(throughDay, 1) });
  const remaining = daysOf({ start: addDays(throughDay, 1), end });
  const monthToDate = elapsed.reduce((total, d) => total.plus(spend.get(d) ?? ZERO), ZERO);

  const basisWeekdays = basis.filter((d) => !isWeekend(d));
  const basisWeekends = basis.filter(isWeekend);
  const weekdayMean = meanOf(basisWeekdays, spend);
  const weekendMean = meanOf(basisWeekends, spend);
  const weekdayRate = (weekdayMean ?? weekendMean)!;
  const weekendRate = (weekendMean ?? weekdayMean)!;
  const rateOf = (day: string) => (isWeekend(day) ? weekendRate : weekdayRate);

  const remainingWeekends = remaining.filter(isWeekend).length;
  const remainingWeekdays = remaining.length - remainingWeekends;
  const projected = monthToDate.plus(weekdayRate.times(remainingWeekdays)).plus(weekendRate.times(remainingWeekends));

  // One degree of freedom is spent on each mean that was estimated.
  const groups = (weekdayMean === null ? 0 : 1) + (weekendMean === null ? 0 : 1);
  const squares = basis.reduce((acc, d) => acc + Number((spend.get(d) ?? ZERO).minus(rateOf(d))) ** 2, 0);
  const s2 = squares / Math.max(1, basis.length - groups);
  const n = remaining.length;
  const halfWidth = new Big((Z80 * Math.sqrt(n * s2 + (n * n * s2) / basis.length)).toFixed(6));
  const lowRaw = projected.minus(halfWidth);

  let runsOutOn: string | null = null;
  if (budget) {
    let cumulative = ZERO;
    for (const day of [...elapsed, ...remaining]) {
      cumulative = cumulative.plus(day <= throughDay ? (spend.get(day) ?? ZERO) : rateOf(day));
      if (cumulative.gte(budget)) {
        runsOutOn = day;
        break;
      }
    }
  }

  const borrowed =
    weekendMean === null ? ' (no weekend days in the data, so weekends use the weekday rate)' :
    weekdayMean === null ? ' (no weekdays in the data, so weekdays use the weekend rate)' : '';
  const usd = (value: Decimal) => formatMoney(formatCents(value));
  const method =
    n === 0
      ? `The month is complete through ${throughDay}, so the month-end total is the actual spend of ${usd(monthToDate)}.`
      : `Month-to-date spend of ${usd(monthToDate)} through ${throughDay} plus ${remainingWeekdays} remaining weekdays at ` +
        `${usd(weekdayRate)} and ${remainingWeekends} weekend days at ${usd(weekendRate)}, the mean daily spend of ` +
        `each day type (UTC) over the last ${basis.length} days${borrowed}, with an 80% range from their day-to-day spread.`;

  return {
    month,
    throughDay,
    monthToDate: formatCents(monthToDate),
    projected: formatCents(projected),
    low: formatCents(lowRaw.lt(monthToDate) ? monthToDate : lowRaw),
    high: formatCents(projected.plus(halfWidth)),
    confidence: basis.length >= 21 ? 'high' : basis.length >= 10 ? 'medium' : 'low',
    basisDays: basis.length,
    weekdayRate: formatCents(weekdayRate),
    weekendRate: formatCents(weekendRate),
    method,
    runsOutOn,
  };
}
