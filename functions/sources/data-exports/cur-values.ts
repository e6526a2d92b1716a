import Big from 'big.js';
import { toDay } from '../../domain/records/dates';
import type { Decimal } from '../../domain/records/money';
import { remember } from '../../lib/remember';
import type { Where } from '../shared/parquet-rows';
import { MalformedExportError, type CurColumn } from './cur-columns';

export type { Where } from '../shared/parquet-rows';

/** One row as the Parquet reader returns it: column name to value (string, number, Date, map object or null). */
export type CurRow = Partial<Record<CurColumn, unknown>>;

/*
 * Reading one CUR 2.0 row's columns, each checked for its type: a value of the wrong type fails the export,
 * naming where (`at`: file and row) and the column.
 */

export function fail(at: Where, column: CurColumn, problem: string): never {
  throw new MalformedExportError(`${at}: column ${column} ${problem}`);
}

/** A string column's value; null when null or empty. */
export function text(row: CurRow, column: CurColumn, at: Where): string | null {
  const value = row[column];
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') fail(at, column, `holds ${typeof value}, expected a string`);
  return value;
}

export function required(row: CurRow, column: CurColumn, at: Where): string {
  return text(row, column, at) ?? fail(at, column, 'is empty, expected a value');
}

/** An amount to sum: a column's double as read, a decimal derived from columns, or null for nothing. */
export type Amount = number | Decimal | null;

/** A number column's value as read (a finite double); null when null. */
export function rawAmount(row: CurRow, column: CurColumn, at: Where): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(at, column, `holds ${shown(value)}, expected a finite number`);
  return value;
}

/** A number column's value as an exact decimal (see the module comment); null when null. */
export function amount(row: CurRow, column: CurColumn, at: Where): Decimal | null {
  const value = rawAmount(row, column, at);
  return value === null ? null : new Big(String(value));
}

/** A map column's value (string keys and values); null when null. */
export function map(row: CurRow, column: CurColumn, at: Where): Record<string, string> | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) fail(at, column, `holds ${typeof value}, expected a map`);
  return value as Record<string, string>;
}

/** The UTC day of `line_item_usage_start_date`. */
export function dayOf(row: CurRow, at: Where): string {
  const value = row.line_item_usage_start_date;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return dayAt(value);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
  return fail(at, 'line_item_usage_start_date', `holds ${shown(value)}, expected a timestamp`);
}

/** A value as an error message shows it (`NaN`, `"abc"`, `[object]`). */
function shown(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? typeof value);
}

/** Days by epoch ms: an export has a few dozen distinct start times and millions of rows. */
const days = new Map<number, string>();
function dayAt(instant: Date): string {
  return remember(days, instant.getTime(), () => toDay(instant));
}
