/*
 * Refusals made before any work: an --out that cannot take files, a --month with no data.
 */

import { existsSync, mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { monthOf, toDay } from '../../functions/domain/records/dates';
import type { Ledger } from '../sample/ledger';
import { UsageError, RefusedError } from './errors';

/**
 * `--out` must take files: created if missing and probed with a temporary file, so that a path under a file
 * or a folder without write permission is refused now, not after the run's work. What the probe created is
 * removed again: a run that then fails leaves no empty folder behind.
 */
export function checkWritableOut(out: string): void {
  const dir = resolve(out);
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.costline-write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new UsageError(`--out ${out}: cannot write files there: ${writeFailure(dir, error as NodeJS.ErrnoException)}`);
  } finally {
    // Only the folders this probe made, deepest first, and only while empty.
    for (let d = dir; created !== undefined && d.length >= created.length; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        break;
      }
    }
  }
}

/** Why a folder cannot take files, in words; the code is kept for a search. */
function writeFailure(dir: string, error: NodeJS.ErrnoException): string {
  const blocker = (() => {
    for (let d = dir; d !== dirname(d); d = dirname(d)) if (existsSync(d)) return statSync(d).isDirectory() ? undefined : d;
    return undefined;
  })();
  if (blocker) return `${blocker} is a file, not a folder (${error.code})`;
  if (error.code === 'EACCES' || error.code === 'EPERM') return `permission denied (${error.code}); choose a folder you can write to`;
  if (error.code === 'EROFS') return `the file system is read-only (${error.code})`;
  return `${error.message}`;
}

/**
 * A run for a month with no data would write a $0.00 statement that reads as a real one. The sample has the
 * ledger's months; --live has every month up to the current one by the run's clock (--now pins it).
 */
export function checkMonthHasData(month: string, ledger: Ledger | undefined, now: () => Date): void {
  if (ledger) {
    const months = ledger.lineItems.map((i) => monthOf(i.date));
    const [first, last] = [months.reduce((a, b) => (a < b ? a : b)), months.reduce((a, b) => (a > b ? a : b))];
    if (month < first || month > last) throw new RefusedError(`--month ${month}: the sample data has no such month; it covers ${first}..${last}`);
    return;
  }
  const today = toDay(now());
  if (month > monthOf(today)) throw new RefusedError(`--month ${month} is in the future (the run's clock says ${today}); --live has data for months up to ${monthOf(today)}`);
}
