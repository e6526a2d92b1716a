import type { CostlineConfig } from '../config/config-schema';
import type { Provider } from '../domain/cost-record';
import { addDays, addMonths, isMonday, monthOf, monthStart, monthsOf, toDay, type DayWindow } from '../domain/dates';
import type { Clock, CostRecordStore, IngestionStateStore, Log, ReplaceStats, Source, UsageRecordStore } from '../ports/ports';

/** What ingestion needs. */
export interface IngestDeps {
  sources: Source[];
  records: CostRecordStore;
  usage: UsageRecordStore;
  state: IngestionStateStore;
  clock: Clock;
  config: CostlineConfig;
  log: Log;
}

/** How one source's pull went. */
export type SourceOutcome =
  | { source: string; ok: true; window: DayWindow; days: number; records: number; requests: number; estimatedMonths: string[]; stats: ReplaceStats; notes: string[] }
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
    const parts = failed.map((o) => `${o.source} (${'error' in o ? o.error : ''})`);
    if (options?.cause) parts.push(`alert evaluation (${(options.cause as Error).message})`);
    super(`daily run failed: ${parts.join('; ')}`, options);
  }
}

/**
 * Which days a scheduled run pulls: the month to date (through yesterday: today's figures are partial)
 * and, while the source still calls it estimated or until `previousMonthUntilDay` of this month, the
 * whole previous month, because bills are restated after the month ends. On Mondays, also the
 * `recheckClosedMonths` closed months before that. One window, so Cost Explorer sees one set of
 * queries per run.
 */
export function planWindow(today: string, previousMonthSettled: boolean, previousMonthUntilDay: number, includeToday = false, recheckClosedMonths = 0): DayWindow | null {
  const thisMonth = monthOf(today);
  const dayOfMonth = Number(today.slice(8, 10));
  const includePrevious = !previousMonthSettled || dayOfMonth <= previousMonthUntilDay;
  // Mondays (UTC), also the closed months before: late credits and restatements of a closed month are
  // only seen if something re-pulls it, and then become prior-period adjustments on the next statement.
  const recheck = recheckClosedMonths > 0 && isMonday(today) ? recheckClosedMonths : 0;
  const start = monthStart(addMonths(thisMonth, -((includePrevious ? 1 : 0) + recheck)));
  const end = includeToday ? addDays(today, 1) : today;
  return start < end ? { start, end } : null;
}

/** How long after a month ends its bill may still move, per provider (`sources.<provider>.previousMonthUntilDay`). */
export function previousMonthUntilDayOf(provider: Provider, config: CostlineConfig): number {
  return config.sources[provider].previousMonthUntilDay;
}

/** What to pull: an explicit window (backfill, hourly usage), and which kinds of source. */
export interface IngestOptions {
  window?: DayWindow;
  /** Default: every source. The hourly job pulls only usage. */
  kinds?: ReadonlyArray<Source['kind']>;
  /** Epoch ms after which no request starts. */
  deadline?: number;
}

/**
 * Pulls each enabled source and replaces the days it returned. A source that fails (bad page, API
 * error) leaves its stored data untouched and does not stop the others; the run throws
 * {@link IngestionFailedError} at the end so the scheduler's retries, DLQ and alarms see it.
 * @param window explicit days to pull (a backfill); default: {@link planWindow}
 */
export async function ingestBilling(deps: IngestDeps, options: IngestOptions = {}): Promise<IngestSummary> {
  const now = deps.clock.now();
  const today = toDay(now);
  const outcomes: SourceOutcome[] = [];
  for (const source of deps.sources.filter((s) => !options.kinds || options.kinds.includes(s.kind))) {
    let pullWindow: DayWindow | null = options.window ?? null;
    try {
      if (!pullWindow) {
        const previous = await deps.state.getMonthState(source.id, addMonths(monthOf(today), -1));
        // Usage includes today (as far as it has happened): it is what the hourly estimates are made of.
        pullWindow = planWindow(
          today,
          previous?.estimated === false,
          previousMonthUntilDayOf(source.provider, deps.config),
          source.kind === 'usage',
          deps.config.sources[source.provider].recheckClosedMonths,
        );
      }
      if (!pullWindow) {
        outcomes.push({ source: source.id, ok: true, window: { start: today, end: today }, days: 0, records: 0, requests: 0, estimatedMonths: [], stats: { written: 0, deleted: 0, unchanged: 0 }, notes: [] });
        continue;
      }
      const context = { now, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) };
      const { pull, stats } =
        source.kind === 'cost'
          ? await source.pull(pullWindow, context).then(async (pull) => {
              if (pull.usage) await deps.usage.replaceDays(pull.usage.source, pull.usage.days);
              return { pull, stats: await deps.records.replaceDays(source.id, pull.days) };
            })
          : await source.pull(pullWindow, context).then(async (pull) => ({ pull, stats: await deps.usage.replaceDays(source.id, pull.days) }));
      const estimatedMonths: string[] = [];
      for (const month of monthsOf(pullWindow)) {
        const estimated = pull.days.some((d) => monthOf(d.day) === month && d.estimated);
        if (estimated) estimatedMonths.push(month);
        await deps.state.putMonthState({ source: source.id, month, estimated, lastPulledAt: deps.clock.now().toISOString() });
      }
      const records = pull.days.reduce((n: number, d) => n + d.records.length, 0);
      outcomes.push({ source: source.id, ok: true, window: pullWindow, days: pull.days.length, records, requests: pull.requests, estimatedMonths, stats, notes: pull.notes ?? [] });
    } catch (error) {
      deps.log.error('source ingestion failed; its stored data is unchanged', { source: source.id, window: pullWindow, error });
      outcomes.push({ source: source.id, ok: false, window: pullWindow, error: (error as Error).message });
    }
  }
  const months = [...new Set(outcomes.flatMap((o) => (o.ok && o.days > 0 ? monthsOf(o.window) : [])))].sort();
  return { outcomes, months };
}

/**
 * {@link ingestBilling} for callers that go on only with every source in: throws
 * {@link IngestionFailedError}, with the summary, if any source failed (the others' days are stored).
 */
export async function ingestEverySource(deps: IngestDeps, options: IngestOptions = {}): Promise<IngestSummary> {
  const summary = await ingestBilling(deps, options);
  if (summary.outcomes.some((o) => !o.ok)) throw new IngestionFailedError(summary);
  return summary;
}
