/**
 * Days and months as strings: a day is `YYYY-MM-DD` (UTC), a month is `YYYY-MM`. Every range is half-open
 * `[start, end)`, as in Cost Explorer and FOCUS. Plain string arithmetic over `Date.UTC` keeps the domain
 * free of time zones; no date library is needed for whole UTC days.
 */
import { remember } from '../../lib/remember';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** A half-open range of UTC days. */
export interface DayWindow {
  /** First day, inclusive. */
  start: string;
  /** Day after the last, exclusive. */
  end: string;
}

/**
 * Answers of the pure day functions below, by their arguments: alert evaluation asks about the same few
 * hundred days hundreds of thousands of times a run, and each fresh answer builds and prints a Date.
 */
const validDays = new Map<string, boolean>();
const weekendDays = new Map<string, boolean>();
const shiftedDays = new Map<number, Map<string, string>>();

export function isDay(value: string): boolean {
  return remember(validDays, value, (v) => DAY.test(v) && toDay(new Date(`${v}T00:00:00Z`)) === v);
}

export function isMonth(value: string): boolean {
  return MONTH.test(value);
}

/** The UTC day of an instant. */
export function toDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export function addDays(day: string, count: number): string {
  return remember(remember(shiftedDays, count, () => new Map<string, string>()), day, (from) => {
    const d = new Date(`${from}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + count);
    return toDay(d);
  });
}

/** The month a day belongs to. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export function monthStart(month: string): string {
  return `${month}-01`;
}

export function addMonths(month: string, count: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + count, 1));
  return d.toISOString().slice(0, 7);
}

/** The month as a window: `[first day, first day of next month)`. */
export function monthWindow(month: string): DayWindow {
  return { start: monthStart(month), end: monthStart(addMonths(month, 1)) };
}

/** Every day of a window, in order. */
export function daysOf(window: DayWindow): string[] {
  const days: string[] = [];
  for (let d = window.start; d < window.end; d = addDays(d, 1)) days.push(d);
  return days;
}

/** Every month a window touches, in order. */
export function monthsOf(window: DayWindow): string[] {
  const months: string[] = [];
  if (window.start >= window.end) return months;
  for (let m = monthOf(window.start); m <= monthOf(addDays(window.end, -1)); m = addMonths(m, 1)) months.push(m);
  return months;
}

/** Number of days in a month. */
export function daysInMonth(month: string): number {
  return daysOf(monthWindow(month)).length;
}

/** Saturday or Sunday, UTC. */
export function isWeekend(day: string): boolean {
  return remember(weekendDays, day, (d) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
}

/** Monday, UTC. */
export function isMonday(day: string): boolean {
  return new Date(`${day}T00:00:00Z`).getUTCDay() === 1;
}
