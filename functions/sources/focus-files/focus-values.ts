import Big from 'big.js';
import { isDay, toDay } from '../../domain/records/dates';
import { MalformedFocusFileError } from './focus-columns';
import type { FocusRow } from './focus-file-rows';

/*
 * Reading one FOCUS row's values, each checked: a value of the wrong kind fails the file, naming where (`at`:
 * file and row) and the column. CSV cells are text; Parquet values are typed, so both are accepted where FOCUS
 * allows either (an amount as a decimal text or a double, a date as ISO 8601 text or a timestamp).
 */

export function fail(at: string, column: string, problem: string): never {
  throw new MalformedFocusFileError(`${at}: column ${column} ${problem}`);
}

/** A value as an error message shows it. */
function shown(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? typeof value);
}

/** A string column's value; null when null or empty. Ids written as numbers by a Parquet writer are read as their digits. */
export function text(row: FocusRow, column: string, at: string): string | null {
  const value = row[column];
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return String(value);
  return fail(at, column, `holds ${shown(value)}, expected a string`);
}

export function required(row: FocusRow, column: string, at: string): string {
  return text(row, column, at) ?? fail(at, column, 'is empty, expected a value');
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * An amount as decimal text: a CSV cell as written (so sums are exact to the digit the file wrote), a Parquet
 * double through `String(x)`, the shortest text that reads back as the same double; null when null.
 */
export function amountText(row: FocusRow, column: string, at: string): string | null {
  const value = row[column];
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return value.trim().replace(/^\+/, '');
  return fail(at, column, `holds ${shown(value)}, expected a decimal number`);
}

export function requiredAmount(row: FocusRow, column: string, at: string): string {
  return amountText(row, column, at) ?? fail(at, column, 'is empty, expected a decimal number');
}

/** An amount text as an exact decimal. */
export function decimalOf(amount: string): Big {
  return new Big(amount);
}

/**
 * The UTC day of a date-time column. FOCUS date-times are ISO 8601 in UTC (`2026-05-01T00:00:00Z`); text with an
 * explicit offset is converted to UTC, text without one (`2026-05-01 00:00:00`, `2026-05-01`) is taken as UTC.
 */
export function dayOf(row: FocusRow, column: string, at: string): string {
  const value = row[column];
  if (value instanceof Date && !Number.isNaN(value.getTime())) return toDay(value);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$/i.test(trimmed) && isDay(trimmed.slice(0, 10))) return trimmed.slice(0, 10);
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}:?\d{2}$/.test(trimmed)) {
      const instant = new Date(trimmed.replace(' ', 'T'));
      if (!Number.isNaN(instant.getTime())) return toDay(instant);
    }
  }
  if (value === null || value === undefined || value === '') return fail(at, column, 'is empty, expected a date-time');
  return fail(at, column, `holds ${shown(value)}, expected an ISO 8601 date-time`);
}

/**
 * The Tags column: a JSON object in CSV (FOCUS's key/value format), a map in Parquet (or a JSON string there too).
 * Values are strings; a key without a value is `true` in FOCUS and is read as `"true"`.
 */
export function tagsOf(row: FocusRow, at: string): Record<string, string> {
  let value = row.Tags;
  if (value === null || value === undefined || value === '') return {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return fail(at, 'Tags', `holds ${shown(value)}, expected a JSON object of tag keys and values`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return fail(at, 'Tags', `holds ${shown(value)}, expected a JSON object of tag keys and values`);
  const tags: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') tags[key] = v;
    else if (typeof v === 'boolean' || typeof v === 'number') tags[key] = String(v);
    else if (v !== null) fail(at, 'Tags', `key "${key}" holds ${shown(v)}, expected a string`);
  }
  return tags;
}
