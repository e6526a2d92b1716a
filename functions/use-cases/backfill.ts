import { monthsOf, monthWindow, type DayWindow } from '../domain/dates';
import type { EvaluateDeps } from './evaluate-budget-alerts';
import type { IngestDeps } from './ingest-billing';
import { runDailyIngestion, type DailyRunResult } from './run-daily';

/** What a backfill did, and what is left when it stopped at the deadline. */
export interface BackfillResult {
  done: Array<{ month: string; result: DailyRunResult }>;
  /** Set when the run stopped for time: invoke again with this window. */
  remaining?: DayWindow;
}

/** A month takes well under this; do not start one closer than this to the deadline. */
const MONTH_BUDGET_MS = 90_000;

/**
 * Loads history for every source, one calendar month at a time: a month is within every API's window
 * limits (Cost Explorer's daily history, OpenAI's 180 and Anthropic's 31 daily buckets a page), progress
 * is reported after each, and a run that must stop (the Lambda's deadline) says where to resume.
 * Safe to interrupt and re-run: each day pulled replaces what was stored for it. Alerts are not sent
 * for months older than last month, so a backfill emails nobody about the past.
 */
export async function backfill(
  deps: IngestDeps & EvaluateDeps,
  window: DayWindow,
  options: { deadline?: number; monthBudgetMs?: number; now?: () => number; onMonth?: (month: string, result: DailyRunResult, index: number, count: number) => void } = {},
): Promise<BackfillResult> {
  const months = monthsOf(window);
  const done: BackfillResult['done'] = [];
  for (const [index, month] of months.entries()) {
    const whole = monthWindow(month);
    const part = { start: whole.start < window.start ? window.start : whole.start, end: whole.end > window.end ? window.end : whole.end };
    const now = options.now ?? Date.now;
    if (options.deadline !== undefined && now() > options.deadline - (options.monthBudgetMs ?? MONTH_BUDGET_MS)) {
      return { done, remaining: { start: part.start, end: window.end } };
    }
    const result = await runDailyIngestion(deps, { window: part, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) });
    done.push({ month, result });
    options.onMonth?.(month, result, index, months.length);
  }
  return { done };
}
