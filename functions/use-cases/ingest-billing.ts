import type { CostlineConfig } from '../config/config-schema';
import Big from 'big.js';
import type { BuiltInProvider, CostRecord } from '../domain/records/cost-record';
import { focusSourceIdOf, FOCUS_SOURCE_PREFIX } from '../lib/source-ids';
import { addDays, addMonths, isMonday, monthOf, monthStart, monthsOf, toDay, type DayWindow } from '../domain/records/dates';
import { alertAttributes, PLATFORM_TEAMS } from '../domain/guardrails/alert-attributes';
import { formatMoney } from '../domain/statements/format';
import { billedTotal, isShrink, totalConfirms } from '../domain/records/shrink';
import { oneBillPerDay } from '../domain/records/one-bill-per-day';
import { allocationPolicyOf } from '../config/policies';
import { withRunViews } from './run-view';
import type { BillingSource, Clock, CostRecordStore, IngestionStateStore, Log, MessagePublisher, PendingShrink, PullContext, ReplaceStats, Source, SourceDay, SourcePull, UsageRecordStore } from '../ports/ports';

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

/** What the shrink guard let through, what it held back, and what is left to record once the days are stored. */
interface GuardedPull {
  /** The days to store: every pulled day but the held ones. */
  days: SourceDay<CostRecord>[];
  held: string[];
  applied: string[];
  notes: string[];
  /** Requests made to confirm (Cost Explorer's daily total). */
  requests: number;
  /** Forgets the pending shrinks of the days now stored; call after they are. */
  settle(): Promise<void>;
}

const money = (d: Big) => formatMoney(d.toFixed(2));

/**
 * After a switch of `sources.aws.mode`: the other AWS source's records stored for the months this pull covers,
 * on days this source now has, which are kept but no longer counted (see `oneBillPerDay`). Said on every run
 * that still finds them, so a switch is never silent.
 */
async function supersededNotes(deps: IngestDeps, source: BillingSource, pull: SourcePull<CostRecord>): Promise<string[]> {
  const precedence = allocationPolicyOf(deps.config).billPrecedence ?? [];
  if (precedence[0] !== source.id) return [];
  const notes: string[] = [];
  for (const month of [...new Set(pull.days.map((d) => monthOf(d.day)))].sort()) {
    for (const s of oneBillPerDay(await deps.records.listMonth(month), precedence).superseded) {
      const span = s.days.length === 1 ? s.days[0] : `${s.days[0]}..${s.days.at(-1)}`;
      notes.push(`${month}: ${s.records} record(s) of ${s.source} on ${s.days.length} day(s) (${span}) are kept but not counted: ${source.id} has those days (sources.aws.mode is ${deps.config.sources.aws.mode})`);
    }
  }
  return notes;
}

/**
 * The shrink guard: a day whose answer is much smaller than what is stored (see `domain/shrink.ts`) is
 * not replaced until the shrink is confirmed, either by the source's own daily total (Cost Explorer's
 * unfiltered total, asked only now) or by the same answer on a later run. A held day keeps its stored
 * records and is recorded as a pending shrink; each new shrink raises one operations alert naming the
 * source and days (a held one is not alerted again on later runs), and every shrink is in the outcome.
 */
async function guardShrinks(deps: IngestDeps, source: BillingSource, window: DayWindow, pull: SourcePull<CostRecord>, context: PullContext): Promise<GuardedPull> {
  const nowIso = context.now.toISOString();
  const storedTotals = new Map<string, { total: Big; count: number }>();
  for (const month of new Set(pull.days.map((d) => monthOf(d.day)))) {
    for (const r of await deps.records.listMonth(month)) {
      if (r.source !== source.id) continue;
      const prior = storedTotals.get(r.chargePeriodStart) ?? { total: new Big(0), count: 0 };
      storedTotals.set(r.chargePeriodStart, { total: prior.total.plus(r.billedCost), count: prior.count + 1 });
    }
  }
  const pending = new Map((await deps.state.listPendingShrinks(source.id)).map((p) => [p.day, p]));
  const suspects = pull.days.filter((d) => isShrink(storedTotals.get(d.day)?.total ?? new Big(0), billedTotal(d.records)));
  const toClear = [...pending.keys()].filter((day) => pull.days.some((d) => d.day === day) && !suspects.some((d) => d.day === day));
  const notes: string[] = [];
  let requests = 0;
  let totals: Map<string, string> | undefined;
  if (suspects.length > 0 && source.dailyTotals) {
    const span = { start: suspects[0]!.day, end: addDays(suspects.at(-1)!.day, 1) };
    try {
      const answer = await source.dailyTotals(span, context);
      totals = answer.totals;
      requests += answer.requests;
    } catch (error) {
      notes.push(`could not read ${source.id}'s own daily total to check a shrink (${(error as Error).message}); a later run's identical answer confirms it instead`);
    }
  }
  const held: string[] = [];
  const applied: string[] = [];
  const fresh: Array<{ day: string; stored: Big; answered: Big; outcome: 'held' | 'applied' }> = [];
  const toPut: PendingShrink[] = [];
  for (const d of suspects) {
    const stored = storedTotals.get(d.day)!.total;
    const answered = billedTotal(d.records);
    const previous = pending.get(d.day);
    const own = totals?.get(d.day);
    const line = `${d.day} (${money(stored)} stored, ${money(answered)} answered)`;
    if (own !== undefined && totalConfirms(new Big(own), answered)) {
      applied.push(d.day);
      toClear.push(d.day);
      notes.push(`shrink applied on ${line}: ${source.id}'s own daily total (${money(new Big(own))}) confirms it`);
      if (!previous) fresh.push({ day: d.day, stored, answered, outcome: 'applied' });
      continue;
    }
    const repeated = previous !== undefined && previous.answeredTotal === answered.toFixed() && previous.answeredRecords === d.records.length && previous.firstSeenAt < nowIso;
    if (own === undefined && repeated) {
      applied.push(d.day);
      toClear.push(d.day);
      notes.push(`shrink applied on ${line}: the same answer as on ${previous.firstSeenAt.slice(0, 10)}, so the source means it`);
      continue;
    }
    held.push(d.day);
    notes.push(
      own !== undefined
        ? `shrink held on ${line}: ${source.id}'s own daily total is ${money(new Big(own))}, so the answer is incomplete; the stored records stay`
        : `shrink held on ${line}: the stored records stay until a later run pulls the same answer`,
    );
    const sameAnswer = previous !== undefined && previous.answeredTotal === answered.toFixed() && previous.answeredRecords === d.records.length;
    if (!sameAnswer) toPut.push({ source: source.id, day: d.day, storedTotal: stored.toFixed(), answeredTotal: answered.toFixed(), answeredRecords: d.records.length, firstSeenAt: nowIso });
    if (!previous) fresh.push({ day: d.day, stored, answered, outcome: 'held' });
  }
  // One alert per source and run for its new shrinks; a publish that fails fails the source (nothing
  // stored, nothing recorded), so the next run alerts again.
  if (fresh.length > 0) {
    const days = fresh.map((f) => f.day);
    await deps.alerts.publish({
      subject: `[costline] ${source.id}: billing shrank on ${days.length} day(s), ${fresh.some((f) => f.outcome === 'held') ? 'held for confirmation' : 'applied as confirmed'}`.slice(0, 99),
      body: [
        `${source.id} answered much less billing than costline has stored for ${days.join(', ')}:`,
        ...fresh.map((f) =>
          f.outcome === 'held'
            ? `  ${f.day}: ${money(f.stored)} stored, ${money(f.answered)} answered. Held: the stored records stay until a later run pulls the same answer${source.dailyTotals ? ' or the source\'s own total agrees' : ''}.`
            : `  ${f.day}: ${money(f.stored)} stored, ${money(f.answered)} answered. Applied: the source's own daily total confirms it (a credit or a restatement).`,
        ),
        'A held day keeps the month from closing. If the provider really restated or credited these days, the next run applies it; if not, check the provider and its answers.',
      ].join('\n'),
      attributes: alertAttributes(PLATFORM_TEAMS.organization, 'data-shrink', 'warning', { source: source.id }),
    });
  }
  for (const p of toPut) await deps.state.putPendingShrink(p);
  const heldDays = new Set(held);
  return {
    days: pull.days.filter((d) => !heldDays.has(d.day)),
    held,
    applied,
    notes,
    requests,
    settle: async () => {
      for (const day of new Set(toClear)) if (pending.has(day)) await deps.state.clearPendingShrink(source.id, day);
    },
  };
}
