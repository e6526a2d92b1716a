import type { CostlineConfig } from '../config/config-schema';
import { addMonths, monthOf, monthStart, monthsOf, toDay, type DayWindow } from '../domain/dates';
import type { BillingSource, Clock, CostRecordStore, IngestionStateStore, Log, ReplaceStats } from '../ports/ports';

/** What ingestion needs. */
export interface IngestDeps {
  sources: BillingSource[];
  records: CostRecordStore;
  state: IngestionStateStore;
  clock: Clock;
  config: CostlineConfig;
  log: Log;
}

/** How one source's pull went. */
export type SourceOutcome =
  | { source: string; ok: true; window: DayWindow; days: number; records: number; requests: number; estimatedMonths: string[]; stats: ReplaceStats }
  | { source: string; ok: false; window: DayWindow | null; error: string };

/** The result of one ingestion run. */
export interface IngestSummary {
  outcomes: SourceOutcome[];
  /** Months whose records may have changed: the ones to re-evaluate. */
  months: string[];
}

/** Thrown at the end of a run in which any source failed; the others were still ingested. */
export class IngestionFailedError extends Error {
  override readonly name = 'IngestionFailedError';
  constructor(
    readonly summary: IngestSummary,
    options?: { cause?: unknown },
  ) {
    const failed = summary.outcomes.filter((o) => !o.ok);
    super(`ingestion failed for ${failed.map((o) => `${o.source} (${'error' in o ? o.error : ''})`).join('; ')}`, options);
  }
}

/**
 * Which days a scheduled run pulls: the month to date (through yesterday: today's figures are partial)
 * and, while the source still calls it estimated or until `previousMonthUntilDay` of this month, the
 * whole previous month, because bills are restated after the month ends. One window, so Cost Explorer
 * sees one pair of queries per run.
 */
export function planWindow(today: string, previousMonthSettled: boolean, config: CostlineConfig): DayWindow | null {
  const thisMonth = monthOf(today);
  const dayOfMonth = Number(today.slice(8, 10));
  const includePrevious = !previousMonthSettled || dayOfMonth <= config.sources.aws.previousMonthUntilDay;
  const start = includePrevious ? monthStart(addMonths(thisMonth, -1)) : monthStart(thisMonth);
  return start < today ? { start, end: today } : null;
}

/**
 * Pulls each enabled source and replaces the days it returned. A source that fails (bad page, API
 * error) leaves its stored data untouched and does not stop the others; the run throws
 * {@link IngestionFailedError} at the end so the scheduler's retries, DLQ and alarms see it.
 * @param window explicit days to pull (a backfill); default: {@link planWindow}
 */
export async function ingestBilling(deps: IngestDeps, window?: DayWindow): Promise<IngestSummary> {
  const today = toDay(deps.clock.now());
  const outcomes: SourceOutcome[] = [];
  for (const source of deps.sources) {
    let pullWindow: DayWindow | null = window ?? null;
    try {
      if (!pullWindow) {
        const previous = await deps.state.getMonthState(source.id, addMonths(monthOf(today), -1));
        pullWindow = planWindow(today, previous?.estimated === false, deps.config);
      }
      if (!pullWindow) {
        outcomes.push({ source: source.id, ok: true, window: { start: today, end: today }, days: 0, records: 0, requests: 0, estimatedMonths: [], stats: { written: 0, deleted: 0, unchanged: 0 } });
        continue;
      }
      const pull = await source.pull(pullWindow);
      const stats = await deps.records.replaceDays(source.id, pull.days);
      const estimatedMonths: string[] = [];
      for (const month of monthsOf(pullWindow)) {
        const estimated = pull.days.some((d) => monthOf(d.day) === month && d.estimated);
        if (estimated) estimatedMonths.push(month);
        await deps.state.putMonthState({ source: source.id, month, estimated, lastPulledAt: deps.clock.now().toISOString() });
      }
      const records = pull.days.reduce((n, d) => n + d.records.length, 0);
      outcomes.push({ source: source.id, ok: true, window: pullWindow, days: pull.days.length, records, requests: pull.requests, estimatedMonths, stats });
    } catch (error) {
      deps.log.error('source ingestion failed; its stored data is unchanged', { source: source.id, window: pullWindow, error });
      outcomes.push({ source: source.id, ok: false, window: pullWindow, error: (error as Error).message });
    }
  }
  const months = [...new Set(outcomes.flatMap((o) => (o.ok && o.days > 0 ? monthsOf(o.window) : [])))].sort();
  return { outcomes, months };
}
