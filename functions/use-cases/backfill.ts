import { addMonths, monthOf, monthsOf, monthStart, monthWindow, toDay, type DayWindow } from '../domain/records/dates';
import type { EvaluateDeps } from './evaluate-budget-alerts';
import { IngestionFailedError, type IngestDeps } from './ingest-billing';
import { runDailyIngestion, type DailyRunResult } from './run-daily';

/** What a backfill did, and what is left when it stopped at the deadline. */
export interface BackfillResult {
  done: Array<{ month: string; result: DailyRunResult }>;
  /** Set when the run stopped for time: invoke again with this window. */
  remaining?: DayWindow;
}

/** Thrown at the end of a backfill in which some months failed; the others were loaded. */
export class BackfillFailedError extends Error {
  override readonly name = 'BackfillFailedError';
  constructor(
    readonly failed: Array<{ month: string; error: IngestionFailedError }>,
    readonly result: BackfillResult,
  ) {
    super(`backfill failed for ${failed.map((f) => `${f.month} (${f.error.message})`).join('; ')}; the other months were loaded, and re-running the failed ones is safe`);
  }
}

/** Thrown when a backfill asks Cost Explorer for more history than it keeps. */
export class BackfillRangeError extends Error {
  override readonly name = 'BackfillRangeError';
}

/** Cost Explorer serves the current month and the 13 before it at daily granularity. */
export function oldestCostExplorerDay(today: string): string {
  return monthStart(addMonths(monthOf(today), -13));
}

/** Checks a backfill window before it costs anything: Cost Explorer's history, and not in the future. */
export function checkBackfillWindow(window: DayWindow, today: string, costExplorerEnabled: boolean): void {
  if (window.start >= window.end) throw new BackfillRangeError(`backfill window ${window.start}..${window.end} is empty`);
  if (window.start > today) throw new BackfillRangeError(`backfill starts in the future (${window.start})`);
  const oldest = oldestCostExplorerDay(today);
  if (costExplorerEnabled && window.start < oldest) {
    throw new BackfillRangeError(`Cost Explorer keeps daily data from ${oldest} (13 months back); start the backfill there, or disable sources.aws for an older provider-only backfill`);
  }
}

/** A month takes well under this; do not start one closer than this to the deadline. */
const MONTH_BUDGET_MS = 90_000;

/**
 * Loads history for every source, one calendar month at a time: a month is within every API's window
 * limits (Cost Explorer's daily history, OpenAI's 180 and Anthropic's 31 daily buckets a page), progress
 * is reported after each, and a run that must stop (the Lambda's deadline) says where to resume.
 * Safe to interrupt and re-run: each day pulled replaces what was stored for it. A month that fails
 * does not stop the later ones; the run then throws {@link BackfillFailedError} naming the failed months.
 * Alerts are not sent for months older than last month, so a backfill emails nobody about the past.
 */
export async function backfill(
  deps: IngestDeps & EvaluateDeps,
  window: DayWindow,
  options: {
    deadline?: number;
    monthBudgetMs?: number;
    now?: () => number;
    onMonth?: (month: string, result: DailyRunResult, index: number, count: number) => void;
    onFailure?: (month: string, error: IngestionFailedError, index: number, count: number) => void;
  } = {},
): Promise<BackfillResult> {
  checkBackfillWindow(window, toDay(deps.clock.now()), deps.config.sources.aws.enabled);
  const months = monthsOf(window);
  const done: BackfillResult['done'] = [];
  const failed: BackfillFailedError['failed'] = [];
  for (const [index, month] of months.entries()) {
    const whole = monthWindow(month);
    const part = { start: whole.start < window.start ? window.start : whole.start, end: whole.end > window.end ? window.end : whole.end };
    const now = options.now ?? Date.now;
    if (options.deadline !== undefined && now() > options.deadline - (options.monthBudgetMs ?? MONTH_BUDGET_MS)) {
      return { done, remaining: { start: part.start, end: window.end } };
    }
    try {
      const result = await runDailyIngestion(deps, { window: part, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) });
      done.push({ month, result });
      options.onMonth?.(month, result, index, months.length);
    } catch (error) {
      // One month failing (a source's outage, a bad page) does not stop the others.
      if (!(error instanceof IngestionFailedError)) throw error;
      failed.push({ month, error });
      options.onFailure?.(month, error, index, months.length);
    }
  }
  if (failed.length > 0) throw new BackfillFailedError(failed, { done });
  return { done };
}
