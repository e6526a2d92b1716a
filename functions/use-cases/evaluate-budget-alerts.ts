import type { CostlineConfig } from '../config/config-schema';
import { budgetPositions, thresholdAlertMessage } from '../domain/budget-alerts';
import type { Chargeback } from '../domain/chargeback';
import { monthChargeback } from './month-chargeback';
import { addMonths, monthOf, toDay } from '../domain/dates';
import type { PriceBook } from '../domain/price-book';
import type { AlertLedger, ChargebackStore, Clock, CostRecordStore, Log, MessagePublisher, SentAlert, UsageRecordStore } from '../ports/ports';

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
 * read), and publishes budget-threshold alerts. Each (team, month, threshold) fires once: a conditional
 * write claims it as `pending` first, and it is marked `published` once the topic accepts it. When a
 * run finds several thresholds newly reached at once (say 50, 80 and 100 on the first run of a month),
 * all are recorded but only the highest is sent: one message, not three. If publishing fails, the claim
 * is released and the error re-thrown; if the run dies in between, the next run past
 * {@link STALE_PENDING_MS} sends it. So an alert may, rarely, arrive twice; it is never lost.
 */
export async function evaluateBudgetAlerts(deps: EvaluateDeps, months: readonly string[]): Promise<MonthEvaluation[]> {
  const now = deps.clock.now();
  // Alerts are for the month to date and for last month, whose final days arrive after it ends; a
  // backfill of older months recomputes their chargebacks but emails nobody about the past.
  const oldestAlerted = addMonths(monthOf(toDay(now)), -1);
  const results: MonthEvaluation[] = [];
  for (const month of months) {
    const { chargeback } = await monthChargeback(deps, month, toDay(now));
    await deps.chargebacks.putChargeback(chargeback, now.toISOString());
    const fired: SentAlert[] = [];
    const positions = month >= oldestAlerted ? budgetPositions(chargeback, deps.config) : [];
    for (const { team, reached } of positions) {
      const claimed: SentAlert[] = [];
      // Highest first: the first new claim is the one to send; lower ones reached in the same run are
      // recorded as superseded so they never fire later.
      const stale = new Date(now.getTime() - STALE_PENDING_MS).toISOString();
      for (const threshold of [...reached].reverse()) {
        const delivery = claimed.length === 0 ? 'pending' : 'superseded';
        const alert: SentAlert = { ...thresholdAlertMessage(chargeback, team, threshold), firedAt: now.toISOString(), delivery };
        if (await deps.ledger.claim(alert, stale)) claimed.push(alert);
      }
      const highest = claimed[0];
      if (!highest || highest.delivery !== 'pending') continue;
      try {
        await deps.alerts.publish({ subject: highest.subject, body: highest.body, attributes: highest.attributes });
      } catch (error) {
        await Promise.all(claimed.map((a) => deps.ledger.release(month, a.key)));
        throw error;
      }
      await deps.ledger.markPublished(highest);
      fired.push({ ...highest, delivery: 'published' });
      deps.log.info('budget alert published', { month, team: team.team, threshold: highest.attributes.threshold, also: claimed.length - 1 });
    }
    results.push({ month, chargeback, fired });
  }
  return results;
}
