import { randomUUID } from 'node:crypto';
import type { CostlineConfig } from '../config/config-schema';
import type { Chargeback } from '../domain/chargeback/chargeback';
import { addMonths, monthOf, toDay } from '../domain/records/dates';
import { guardrailsPolicyOf } from '../config/policies';
import { baselineMonth, budgetPositions, digestAlert, evaluateGuardrails, isSilenced, teamThresholdAlert, type AlertMessage, type GuardrailAlert } from '../domain/guardrails/guardrails';
import type { PriceBook } from '../domain/pricing/price-book';
import type { AlertLedger, AlertScope, ChargebackStore, Clock, CostRecordStore, Log, MessagePublisher, SentAlert, UsageRecordStore } from '../ports/ports';
import { monthChargeback, readAllocatedMonth, type MonthChargeback } from './month-chargeback';

/** What alert evaluation needs. */
export interface EvaluateDeps {
  records: CostRecordStore;
  usage: UsageRecordStore;
  /** Prices for estimating model usage the bill does not cover yet. */
  priceBook: PriceBook;
  chargebacks: ChargebackStore;
  ledger: AlertLedger;
  alerts: MessagePublisher;
  clock: Clock;
  config: CostlineConfig;
  log: Log;
  /**
   * How long another run's pending alert claim is left alone before this run sends it (default
   * {@link CLAIM_LEASE_MS}). The local CLI, which holds its state alone, passes 0: any other run's claim is dead.
   */
  claimLeaseMs?: number;
  /** This run's id in the claims it makes (default: a random UUID). */
  runId?: string;
}

/** One month's evaluation. */
export interface MonthEvaluation {
  month: string;
  chargeback: Chargeback;
  /** Alerts published by this run (not the ones that had fired before). */
  fired: SentAlert[];
}

/**
 * How long another run's `pending` claim is left alone: the claimer publishes right after its claim, and one
 * Publish is bounded (20 s, the SDK's retries included, in the SNS adapter), so a claim older than this belongs
 * to a run that died. The scheduler's retry of a failed run comes a minute or more later and sends it.
 */
export const CLAIM_LEASE_MS = 60_000;

/** What makes a scope's ledger item: kind and scope, and the level for one-level alerts (rank 0). */
function scopeId(alert: Pick<GuardrailAlert, 'kind' | 'scope' | 'level' | 'rank'>): string {
  return `${alert.kind}#${alert.scope}${alert.rank === 0 ? `#${alert.level}` : ''}`;
}

/**
 * Recomputes each month's chargeback from its records, stores it (a team's month to date is then one
 * read), and evaluates every guardrail: budget thresholds and forecasts for each budget scope, spend
 * anomalies and unit-cost changes, shadow-AI spend. Each alert has a stable key (kind, scope, level) and fires
 * once. All levels of one kind and scope are one ledger item ({@link AlertScope}): claiming them is one
 * conditional write that only escalates, recording the highest level newly reached as `pending` and the
 * lower ones (and a lower claim never sent) as `superseded`; only the highest is sent, and it is marked
 * `published` once the topic accepts it. So a run never sends a lower level after a higher one.
 *
 * A run that dies leaves its claim `pending`; the next run sends it at once when the claim is older than
 * {@link CLAIM_LEASE_MS} (or `deps.claimLeaseMs`), the highest level then on record, before anything lower.
 * If publishing fails, the claim is released (still `pending`, owned by no run: the next run sends it) and
 * the error re-thrown. The one case that sends twice: a run that dies after the topic accepted the message
 * and before the ledger recorded it. Silenced alerts are not recorded (they fire when the silence ends, if
 * still true); past the recipient team's daily cap, alerts short of critical are recorded as `held` and sent
 * in one digest the next day.
 */
export async function evaluateBudgetAlerts(deps: EvaluateDeps, months: readonly string[]): Promise<MonthEvaluation[]> {
  const now = deps.clock.now();
  const policy = guardrailsPolicyOf(deps.config);
  const today = toDay(now);
  const runId = deps.runId ?? randomUUID();
  const leaseStart = new Date(now.getTime() - (deps.claimLeaseMs ?? CLAIM_LEASE_MS)).toISOString();
  // Alerts are for the month to date and for last month, whose final days arrive after it ends; a
  // backfill of older months recomputes their chargebacks but emails nobody about the past.
  const oldestAlerted = addMonths(monthOf(today), -1);
  const loaded = new Map<string, Promise<MonthChargeback>>();
  const load = (month: string) => {
    if (!loaded.has(month)) loaded.set(month, monthChargeback(deps, month, today));
    return loaded.get(month)!;
  };
  const alerted = months.filter((m) => m >= oldestAlerted);
  // Alerts sent today per recipient team, for the daily cap; and yesterday's held ones, for the digest.
  const ledgerMonths = [...new Set([oldestAlerted, monthOf(today), ...alerted])];
  const recorded = (await Promise.all(ledgerMonths.map((m) => deps.ledger.listMonth(m)))).flat();
  const scopes = new Map((await Promise.all(ledgerMonths.map((m) => deps.ledger.listScopes(m)))).flat().map((s) => [`${s.month}#${s.id}`, s]));
  const sentKeys = new Set(recorded.filter((a) => a.delivery === 'published').map((a) => `${a.month}#${a.key}`));
  const sentToday = new Map<string, number>();
  for (const a of recorded) if (a.delivery === 'published' && a.firedAt.slice(0, 10) === today) sentToday.set(a.attributes.team, (sentToday.get(a.attributes.team) ?? 0) + 1);
  const results: MonthEvaluation[] = [];
  const fired = new Map<string, SentAlert[]>();

  /** Writes a scope's next state; on success it is the state this run knows. */
  const write = async (next: AlertScope) => {
    const ok = await deps.ledger.write(next);
    if (ok) scopes.set(`${next.month}#${next.id}`, next);
    return ok;
  };
  /** Publishes a scope's pending claim held by this run and records it `published` (or releases it and throws). */
  const send = async (claim: AlertScope) => {
    const { alert } = claim;
    let messageId: string;
    try {
      messageId = await deps.alerts.publish({ subject: alert.subject, body: alert.body, attributes: alert.attributes, ...(alert.json !== undefined ? { json: alert.json } : {}) });
    } catch (error) {
      const { claimedBy: _b, claimedAt: _a, ...released } = claim;
      await write({ ...released, version: claim.version + 1 });
      throw error;
    }
    const { claimedBy: _b, claimedAt: _a, ...settled } = claim;
    const published: SentAlert = { ...alert, delivery: 'published', messageId };
    // Written over this run's own claim; if another run wrote the scope since (it escalated, or took over a
    // claim it thought dead), its record stands.
    if (!(await write({ ...settled, alert: published, version: claim.version + 1 }))) deps.log.warn('alert published, but its scope was changed by another run meanwhile', { month: claim.month, key: alert.key });
    fired.set(claim.month, [...(fired.get(claim.month) ?? []), published]);
    sentToday.set(alert.attributes.team, (sentToday.get(alert.attributes.team) ?? 0) + 1);
    deps.log.info('alert published', { month: claim.month, key: alert.key, team: alert.attributes.team, kind: alert.attributes.kind, also: claim.earlier.filter((a) => a.delivery === 'superseded' && a.firedAt === alert.firedAt).length });
  };
  /** A pending claim this run may send: released, or another run's older than the lease. */
  const claimable = (s: AlertScope) => s.alert.delivery === 'pending' && s.claimedBy !== runId && (s.claimedBy === undefined || (s.claimedAt ?? '') <= leaseStart);
  /** Takes over a pending claim (a run that died, or a released one) and sends it. */
  const recover = async (s: AlertScope) => {
    const claim: AlertScope = { ...s, claimedBy: runId, claimedAt: now.toISOString(), version: s.version + 1 };
    if (await write(claim)) await send(claim);
  };
  const entryOf = (alert: GuardrailAlert | (AlertMessage & { json?: unknown }), delivery: SentAlert['delivery']): SentAlert => {
    const { kind: _k, scope: _s, level: _l, rank: _r, coveredBy: _c, ...message } = alert as GuardrailAlert;
    return { ...message, firedAt: now.toISOString(), delivery };
  };

  for (const month of months) {
    const current = await load(month);
    await deps.chargebacks.putChargeback(current.chargeback, now.toISOString());
    if (month < oldestAlerted) {
      results.push({ month, chargeback: current.chargeback, fired: [] });
      continue;
    }
    const candidates: GuardrailAlert[] = budgetPositions(current.chargeback, policy).flatMap(({ team, reached }) => reached.map((t) => teamThresholdAlert(current.chargeback, team, t)));
    // The month before is only the anomaly baseline: its allocated records, not its chargeback.
    const previous = baselineMonth(month);
    const before = loaded.has(previous) ? (await loaded.get(previous)!).allocated : await readAllocatedMonth(deps, previous);
    candidates.push(...evaluateGuardrails({ month, now, policy, chargeback: current.chargeback, allocated: [current.allocated, before] }));

    // One group per ledger scope: kind and scope (and level, for one-level alerts).
    const groups = new Map<string, GuardrailAlert[]>();
    for (const alert of candidates) {
      if (isSilenced(alert, policy, today)) continue;
      if (alert.coveredBy?.some((key) => sentKeys.has(`${month}#${key}`))) continue;
      // A level already sent (an item of the per-level ledger before scopes included) is never claimed again.
      if (sentKeys.has(`${month}#${alert.key}`)) continue;
      groups.set(scopeId(alert), [...(groups.get(scopeId(alert)) ?? []), alert]);
    }
    for (const [id, group] of groups) {
      const state = scopes.get(`${month}#${id}`);
      const [top, ...lower] = group.sort((a, b) => b.rank - a.rank);
      // Nothing higher than what is on record: a pending claim of it (a run that died) is sent now.
      if (!top || (state && state.rank >= top.rank)) {
        if (state && claimable(state)) await recover(state);
        continue;
      }
      const team = top.attributes.team;
      // A critical alert (a budget passed, a spike far over its usual day) is never held back, nor is
      // shadow AI, whose audience is the platform team, not the team's lead.
      const capped = top.attributes.severity !== 'critical' && top.kind !== 'shadow-ai' && (sentToday.get(team) ?? 0) >= deps.config.alerts.dailyCap;
      // One write claims the highest level; the lower ones newly reached, and a lower claim of a run that
      // died before sending it, are recorded as superseded by it.
      const earlier = [
        ...(state?.earlier ?? []),
        ...(state ? [state.alert.delivery === 'pending' ? { ...state.alert, delivery: 'superseded' as const } : state.alert] : []),
        ...lower.filter((a) => !state || a.rank > state.rank).reverse().map((a) => entryOf(a, 'superseded')),
      ];
      const claim: AlertScope = {
        month,
        id,
        kind: top.kind,
        scope: top.scope,
        rank: top.rank,
        alert: entryOf(top, capped ? 'held' : 'pending'),
        ...(capped ? {} : { claimedBy: runId, claimedAt: now.toISOString() }),
        earlier,
        version: (state?.version ?? 0) + 1,
      };
      // False: another run wrote this scope a moment ago; what it claimed is on record, and it sends it.
      if ((await write(claim)) && !capped) await send(claim);
    }
    results.push({ month, chargeback: current.chargeback, fired: [] });
  }

  // The ledger's own outbox: any other pending claim left by a run that died (or released after a failed
  // publish), of a scope nothing was reached for this run, is sent now, unless its scope is silenced now.
  for (const s of [...scopes.values()].sort((a, b) => (`${a.month}#${a.id}` < `${b.month}#${b.id}` ? -1 : 1))) {
    if (!claimable(s) || isSilenced({ kind: s.kind as GuardrailAlert['kind'], scope: s.scope, attributes: s.alert.attributes }, policy, today)) continue;
    await recover(s);
  }

  // Yesterday's (or earlier) alerts held back by the daily cap: one digest per team and day, once,
  // recorded in the month of that day (held alerts of last month's and this month's figures together).
  const held = new Map<string, SentAlert[]>();
  for (const a of recorded) {
    if (a.delivery !== 'held' || a.firedAt.slice(0, 10) >= today) continue;
    const key = JSON.stringify([a.attributes.team, a.firedAt.slice(0, 10)]);
    held.set(key, [...(held.get(key) ?? []), a]);
  }
  for (const [key, alerts] of held) {
    const [team, day] = JSON.parse(key) as [string, string];
    const digest = digestAlert(team, day, alerts);
    const id = `digest#team:${team}#${day}`;
    if (scopes.has(`${digest.month}#${id}`)) continue;
    const claim: AlertScope = { month: digest.month, id, kind: 'digest', scope: `team:${team}`, rank: 0, alert: entryOf(digest, 'pending'), claimedBy: runId, claimedAt: now.toISOString(), earlier: [], version: 1 };
    if (await write(claim)) await send(claim);
  }
  return results.map((r) => ({ ...r, fired: fired.get(r.month) ?? [] }));
}
