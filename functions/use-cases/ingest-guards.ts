import Big from 'big.js';
import type { CostRecord } from '../domain/records/cost-record';
import { addDays, monthOf, type DayWindow } from '../domain/records/dates';
import { alertAttributes, PLATFORM_TEAMS } from '../domain/guardrails/alert-attributes';
import { formatMoney } from '../domain/statements/format';
import { billedTotal, isShrink, totalConfirms } from '../domain/records/shrink';
import { oneBillPerDay } from '../domain/records/one-bill-per-day';
import { billPrecedenceOf } from '../config/policies';
import type { BillingSource, PendingShrink, PullContext, SourceDay, SourcePull } from '../ports/ports';
import type { IngestDeps } from './ingest-billing';

/*
 * What ingestion checks in a cost source's pull before and after storing it: the shrink guard, and the AWS days
 * another AWS source's records no longer count on after a switch of `sources.aws.mode`.
 */

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
export async function supersededNotes(deps: IngestDeps, source: BillingSource, pull: SourcePull<CostRecord>): Promise<string[]> {
  const precedence = billPrecedenceOf(deps.config);
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
export async function guardShrinks(deps: IngestDeps, source: BillingSource, window: DayWindow, pull: SourcePull<CostRecord>, context: PullContext): Promise<GuardedPull> {
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
