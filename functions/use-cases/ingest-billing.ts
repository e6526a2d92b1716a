import type { CostlineConfig } from '../config/config-schema';
import type { BuiltInProvider } from '../domain/records/cost-record';
import { focusSourceIdOf, FOCUS_SOURCE_PREFIX } from '../lib/source-ids';
import { addDays, addMonths, isMonday, monthOf, monthStart, monthsOf, toDay, type DayWindow } from '../domain/records/dates';
import { withRunViews } from './run-view';
import { guardShrinks, supersededNotes } from './ingest-guards';
import type { Clock, CostRecordStore, IngestionStateStore, Log, MessagePublisher, PullContext, ReplaceStats, Source, UsageRecordStore } from '../ports/ports';

/** What ingestion needs. */
export interface IngestDeps {
  sources: Source[];
  records: CostRecordStore;
  usage: UsageRecordStore;
  state: IngestionStateStore;
  clock: Clock;
  config: CostlineConfig;
  log: Log;
  /** The operations alerts topic: a shrink raises one alert (kind `data-shrink`, team `organization`). */
  alerts: MessagePublisher;
}

/** Days whose new answer shrank: held back (the stored records stay), or applied once confirmed. */
export interface ShrinkCounts {
  held: string[];
  applied: string[];
}

/** How one source's pull went. */
export type SourceOutcome =
  | { source: string; ok: true; window: DayWindow; days: number; records: number; requests: number; estimatedMonths: string[]; stats: ReplaceStats; notes: string[]; shrinks: ShrinkCounts }
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

/**
 * How long after a month ends a source's bill may still move, and how many closed months it re-pulls on
 * Mondays: `sources.<provider>` for the built-in sources, the source's own `sources.focus[]` entry for a
 * FOCUS file source.
 */
export function restatementScheduleOf(source: Pick<Source, 'id' | 'provider'>, config: CostlineConfig): { previousMonthUntilDay: number; recheckClosedMonths: number } {
  if (source.id.startsWith(FOCUS_SOURCE_PREFIX)) {
    const entry = config.sources.focus.find((f) => focusSourceIdOf(f.id) === source.id);
    if (entry) return entry;
  }
  const builtIn = config.sources[source.provider as BuiltInProvider] as { previousMonthUntilDay: number; recheckClosedMonths: number } | undefined;
  if (!builtIn) throw new Error(`${source.id}: no sources.${source.provider} or sources.focus entry says how long its months may be restated`);
  return builtIn;
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
 * Each month's stored records are read once for the run (the shrink guard and every source's replacement share the read).
 * @param window explicit days to pull (a backfill); default: {@link planWindow}
 */
export async function ingestBilling(given: IngestDeps, options: IngestOptions = {}): Promise<IngestSummary> {
  const deps = withRunViews(given);
  const now = deps.clock.now();
  const today = toDay(now);
  const outcomes: SourceOutcome[] = [];
  for (const source of deps.sources.filter((s) => !options.kinds || options.kinds.includes(s.kind))) {
    let pullWindow: DayWindow | null = options.window ?? null;
    try {
      if (!pullWindow) {
        const previous = await deps.state.getMonthState(source.id, addMonths(monthOf(today), -1));
        // Usage includes today (as far as it has happened): it is what the hourly estimates are made of.
        const schedule = restatementScheduleOf(source, deps.config);
        pullWindow = planWindow(today, previous?.estimated === false, schedule.previousMonthUntilDay, source.kind === 'usage', schedule.recheckClosedMonths);
      }
      if (!pullWindow) {
        outcomes.push({ source: source.id, ok: true, window: { start: today, end: today }, days: 0, records: 0, requests: 0, estimatedMonths: [], stats: { written: 0, deleted: 0, unchanged: 0 }, notes: [], shrinks: { held: [], applied: [] } });
        continue;
      }
      const context: PullContext = { now, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) };
      const window = pullWindow;
      const { pull, stats, guard } =
        source.kind === 'cost'
          ? await source.pull(window, context).then(async (pull) => {
              if (pull.usage) await deps.usage.replaceDays(pull.usage.source, pull.usage.days);
              const guard = await guardShrinks(deps, source, window, pull, context);
              const stats = await deps.records.replaceDays(source.id, guard.days);
              await guard.settle();
              guard.notes.push(...(await supersededNotes(deps, source, pull)));
              return { pull, stats, guard };
            })
          : await source.pull(window, context).then(async (pull) => ({ pull, stats: await deps.usage.replaceDays(source.id, pull.days), guard: undefined }));
      const estimatedMonths: string[] = [];
      const held = guard?.held ?? [];
      for (const month of monthsOf(window)) {
        const estimated = pull.days.some((d) => monthOf(d.day) === month && d.estimated);
        if (estimated) estimatedMonths.push(month);
        await deps.state.putMonthState({ source: source.id, month, estimated, lastPulledAt: deps.clock.now().toISOString() });
        const heldThere = held.filter((d) => monthOf(d) === month);
        await deps.state.putMonthHealth({
          source: source.id,
          month,
          status: heldThere.length > 0 ? 'shrink-held' : 'complete',
          at: deps.clock.now().toISOString(),
          ...(heldThere.length > 0 ? { detail: `shrink held on ${heldThere.join(', ')}` } : {}),
        });
      }
      const records = pull.days.reduce((n: number, d) => n + d.records.length, 0);
      outcomes.push({
        source: source.id,
        ok: true,
        window,
        days: pull.days.length,
        records,
        requests: pull.requests + (guard?.requests ?? 0),
        estimatedMonths,
        stats,
        notes: [...(pull.notes ?? []), ...(guard?.notes ?? [])],
        shrinks: { held, applied: guard?.applied ?? [] },
      });
    } catch (error) {
      deps.log.error('source ingestion failed; its stored data is unchanged', { source: source.id, window: pullWindow, error });
      outcomes.push({ source: source.id, ok: false, window: pullWindow, error: (error as Error).message });
      // A month is not closed on a run whose ingestion of it failed (see publishStatement).
      for (const month of pullWindow ? monthsOf(pullWindow) : []) {
        await deps.state
          .putMonthHealth({ source: source.id, month, status: 'failed', at: deps.clock.now().toISOString(), detail: (error as Error).message })
          .catch((stateError: unknown) => deps.log.error('could not record the failed ingestion of a month', { source: source.id, month, error: stateError }));
      }
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
