import Big from 'big.js';
import { HISTORY_FIRST_DAY, monthsBeforeSeptember, MONTHLY_GROWTH_BACK } from './sample-history';
import { mulberry32 } from './seeded-random';

/*
 * The calendar and the load curve of the sample provider books (see sample-provider-ledger.ts): the detailed months,
 * the weekly and daily shape of the load, the noise, and the history's days and bill adjustments.
 */

/** The detailed months' first hour, 2026-09-01T00:00:00Z. */
export const FIRST_HOUR_MS = Date.UTC(2026, 8, 1);
/** Days of the detailed months: through 2026-10-31. */
export const DAYS = 61;
/** The last day billed: the bill for 31 October is not in yet on the morning of 1 November. */
export const LAST_BILLED_DAY = '2026-10-30';
/** Seed of the detailed months' rows (one stream for both providers). */
export const SEED = 20261101;

/** Weekend level relative to weekdays. */
export const WEEKEND = 0.4;
/** Average of the weekday factor over a week, to turn a monthly target into a weekday hourly level. */
export const WEEK_AVERAGE = (5 + 2 * WEEKEND) / 7;
/** Relative load by UTC hour (Europe and the US at work in the afternoon), normalized below to average 1. */
const DIURNAL_RAW = [0.55, 0.45, 0.35, 0.3, 0.3, 0.35, 0.5, 0.7, 0.9, 1.05, 1.15, 1.25, 1.35, 1.45, 1.55, 1.6, 1.55, 1.45, 1.35, 1.2, 1.05, 0.9, 0.75, 0.65];
export const DIURNAL = DIURNAL_RAW.map((v) => (v * 24) / DIURNAL_RAW.reduce((a, b) => a + b, 0));

/** The day (YYYY-MM-DD, UTC) of an epoch-ms instant. */
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A day's level: {@link WEEKEND} on Saturdays and Sundays, else 1. */
export const weekdayFactor = (day: string) => ([0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()) ? WEEKEND : 1);

/** A factor of 1 ± `spread`, drawn from `random`. */
export const noiseOf =
  (random: () => number) =>
  (spread: number): number =>
    1 - spread + random() * 2 * spread;

/** Input tokens of a typical weekday hour (on the daily curve's average) for a 30-day spend at list price. */
export function hourlyInputLevel(monthlyUsd: number, usdPerInputToken: number): number {
  return monthlyUsd / (30 * 24 * WEEK_AVERAGE) / usdPerInputToken;
}

/** Day-to-day spread of the history (steadier than the detailed months' ±15 % an hour). */
export const HISTORY_NOISE = 0.08;

/** The days of a provider's history and what each draws from its seeded stream. */
export interface HistoryCalendar {
  /** 2025-11-01 up to the first detailed day (exclusive). */
  days: string[];
  /** The day's bill adjustment, −2 % … +3 %, drawn up front. */
  factorOf: (day: string) => Big;
  /** The stream's noise, for the rows. */
  noise: (spread: number) => number;
  /** How much smaller the day's spend is than September's: ×0.96 a month back. */
  shrinkOf: (day: string) => number;
}

/** The history's days from `HISTORY_FIRST_DAY` (sample-history.ts) to `firstDetailedDay`, with a seeded stream of their own. */
export function historyCalendar(seed: number, firstDetailedDay: string): HistoryCalendar {
  const random = mulberry32(seed);
  const days: string[] = [];
  for (let ms = Date.parse(`${HISTORY_FIRST_DAY}T00:00:00Z`); isoDay(ms) < firstDetailedDay; ms += 86_400_000) days.push(isoDay(ms));
  const factors = new Map(days.map((day) => [day, new Big(10_000 - 200 + Math.floor(random() * 501)).div(10_000)]));
  return {
    days,
    factorOf: (day) => factors.get(day)!,
    noise: noiseOf(random),
    shrinkOf: (day) => Number(MONTHLY_GROWTH_BACK) ** monthsBeforeSeptember(day),
  };
}
