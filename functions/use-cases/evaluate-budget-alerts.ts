import type { CostlineConfig } from '../config/config-schema';
import { budgetPositions } from '../domain/budget-alerts';
import { effectiveRecords, type Chargeback } from '../domain/chargeback';
import { addMonths, monthOf, toDay } from '../domain/dates';
import { baselineMonth, digestAlert, evaluateGuardrails, isSilenced, teamThresholdAlert, type GuardrailAlert } from '../domain/guardrails';
import type { PriceBook } from '../domain/price-book';
import type { AlertLedger, ChargebackStore, Clock, CostRecordStore, Log, MessagePublisher, SentAlert, UsageRecordStore } from '../ports/ports';
import { monthChargeback, type MonthChargeback } from './month-chargeback';

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
}

/** One month's evaluation. */
export interface MonthEvaluation {
  month: string;
  chargeback: Chargeback;
  /** Alerts published by this run (not the ones that had fired before). */
  fired: SentAlert[];
}

/** A claim still `pending` after this long belongs to a run that died (Lambda timeouts are 5 minutes). */
export const STALE_PENDING_MS = 15 * 60_000;

/**
 * Recomputes each month's chargeback from its records, stores it (a team's month to date is then one
 * read), and evaluates every guardrail: budget thresholds and forecasts for each budget scope, spend
 * anomalies and unit-cost changes, shadow-AI spend. Each alert has a stable key (kind, scope, level)
 * and fires once: a conditional write claims it as `pending` first, and it is marked `published` once
 * the topic accepts it. Levels of one kind and scope escalate: when several are newly reached at once
 * (say 50, 80 and 100 on the first run of a month), all are recorded but only the highest is sent.
 * Silenced alerts are not recorded (they fire when the silence ends, if still true); past the recipient
 * team's daily cap, alerts short of critical are recorded as `held` and sent in one digest the next day. If publishing fails,
 * the claim is released and the error re-thrown; if the run dies in between, the next run past
 * {@link STALE_PENDING_MS} sends it. So an alert may, rarely, arrive twice; it is never lost.
 */
export async function evaluateBudgetAlerts(deps: EvaluateDeps, months: readonly string[]): Promise<MonthEvaluation[]> {
  const now = deps.clock.now();
  const today = toDay(now);
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
  const sentKeys = new Set(recorded.filter((a) => a.delivery === 'published').map((a) => `${a.month}#${a.key}`));
  const sentToday = new Map<string, number>();
  for (const a of recorded) if (a.delivery === 'published' && a.firedAt.slice(0, 10) === today) sentToday.set(a.attributes.team, (sentToday.get(a.attributes.team) ?? 0) + 1);
  const results: MonthEvaluation[] = [];
  const fired = new Map<string, SentAlert[]>();
  const send = async (alert: SentAlert, superseded: SentAlert[]) => {
    try {
      await deps.alerts.publish({ subject: alert.subject, body: alert.body, attributes: alert.attributes, ...(alert.json !== undefined ? { json: alert.json } : {}) });
    } catch (error) {
      await Promise.all([alert, ...superseded].map((a) => deps.ledger.release(a.month, a.key)));
      throw error;
    }
    await deps.ledger.markPublished(alert);
    const list = fired.get(alert.month) ?? [];
    list.push({ ...alert, delivery: 'published' });
    fired.set(alert.month, list);
  };
  const stale = new Date(now.getTime() - STALE_PENDING_MS).toISOString();

  for (const month of months) {
    const current = await load(month);
    await deps.chargebacks.putChargeback(current.chargeback, now.toISOString());
    if (month < oldestAlerted) {
      results.push({ month, chargeback: current.chargeback, fired: [] });
      continue;
    }
    const candidates: GuardrailAlert[] = budgetPositions(current.chargeback, deps.config).flatMap(({ team, reached }) => reached.map((t) => teamThresholdAlert(current.chargeback, team, t)));
    // The month before is only the anomaly baseline: its records, not its chargeback.
    const previous = baselineMonth(month);
    const before = loaded.has(previous)
      ? await loaded.get(previous)!
      : await Promise.all([deps.records.listMonth(previous), deps.usage.listMonth(previous)]).then(([records, usage]) => ({ usage, effective: effectiveRecords(records, { usage, priceBook: deps.priceBook }).records }));
    const records = [...current.effective, ...before.effective];
    candidates.push(...evaluateGuardrails({ month, now, config: deps.config, chargeback: current.chargeback, records, usage: [...current.usage, ...before.usage] }));

    // One group per kind and scope (and day, for anomalies): the highest level first.
    const groups = new Map<string, GuardrailAlert[]>();
    for (const alert of candidates) {
      if (isSilenced(alert, deps.config, today)) continue;
      if (alert.coveredBy?.some((key) => sentKeys.has(`${month}#${key}`))) continue;
      const group = `${alert.kind}#${alert.scope}#${alert.rank === 0 ? alert.level : ''}`;
      groups.set(group, [...(groups.get(group) ?? []), alert]);
    }
    for (const group of groups.values()) {
      const claimed: SentAlert[] = [];
      for (const alert of group.sort((a, b) => b.rank - a.rank)) {
        const team = alert.attributes.team;
        // A critical alert (a budget passed, a spike far over its usual day) is never held back, nor is
        // shadow AI, whose audience is the platform team, not the team's lead.
        const capped = claimed.length === 0 && alert.attributes.severity !== 'critical' && alert.kind !== 'shadow-ai' && (sentToday.get(team) ?? 0) >= deps.config.alerts.dailyCap;
        const delivery = claimed.length > 0 ? 'superseded' : capped ? 'held' : 'pending';
        const { kind: _k, scope: _s, level: _l, rank: _r, coveredBy: _c, ...message } = alert;
        const entry: SentAlert = { ...message, firedAt: now.toISOString(), delivery };
        if (await deps.ledger.claim(entry, stale)) claimed.push(entry);
      }
      const first = claimed[0];
      if (!first || first.delivery !== 'pending') continue;
      await send(first, claimed.slice(1));
      sentToday.set(first.attributes.team, (sentToday.get(first.attributes.team) ?? 0) + 1);
      deps.log.info('alert published', { month, key: first.key, team: first.attributes.team, kind: first.attributes.kind, also: claimed.length - 1 });
    }
    results.push({ month, chargeback: current.chargeback, fired: [] });
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
    const digest: SentAlert = { ...digestAlert(team, day, alerts), firedAt: now.toISOString(), delivery: 'pending' };
    if (await deps.ledger.claim(digest, stale)) await send(digest, []);
  }
  return results.map((r) => ({ ...r, fired: fired.get(r.month) ?? [] }));
}
