import type { CostlineConfig } from '../config/config-schema';
import { budgetPositions, thresholdAlertMessage } from '../domain/budget-alerts';
import { buildChargeback, type Chargeback } from '../domain/chargeback';
import { toDay } from '../domain/dates';
import type { AlertLedger, ChargebackStore, Clock, CostRecordStore, Log, MessagePublisher, SentAlert } from '../ports/ports';

/** What alert evaluation needs. */
export interface EvaluateDeps {
  records: CostRecordStore;
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

/**
 * Recomputes each month's chargeback from its records, stores it (a team's month to date is then one
 * read), and publishes budget-threshold alerts. Each (team, month, threshold) fires once: a conditional
 * write claims it first. When a run finds several thresholds newly reached at once (say 50, 80 and 100
 * on the first run of a month), all are recorded but only the highest is sent: one message, not three.
 * If publishing fails, the claim is released so the next run tries again, and the error is re-thrown.
 */
export async function evaluateBudgetAlerts(deps: EvaluateDeps, months: readonly string[]): Promise<MonthEvaluation[]> {
  const now = deps.clock.now();
  const results: MonthEvaluation[] = [];
  for (const month of months) {
    const records = await deps.records.listMonth(month);
    const chargeback = buildChargeback(records, deps.config, month, toDay(now));
    await deps.chargebacks.putChargeback(chargeback, now.toISOString());
    const fired: SentAlert[] = [];
    for (const { team, reached } of budgetPositions(chargeback, deps.config)) {
      const claimed: SentAlert[] = [];
      // Highest first: the first new claim is the one to send; lower ones reached in the same run are
      // recorded as superseded so they never fire later.
      for (const threshold of [...reached].reverse()) {
        const delivery = claimed.length === 0 ? 'published' : 'superseded';
        const alert: SentAlert = { ...thresholdAlertMessage(chargeback, team, threshold), firedAt: now.toISOString(), delivery };
        if (await deps.ledger.claim(alert)) claimed.push(alert);
      }
      const highest = claimed[0];
      if (!highest) continue;
      try {
        await deps.alerts.publish({ subject: highest.subject, body: highest.body, attributes: highest.attributes });
      } catch (error) {
        await Promise.all(claimed.map((a) => deps.ledger.release(month, a.key)));
        throw error;
      }
      fired.push(highest);
      deps.log.info('budget alert published', { month, team: team.team, threshold: highest.attributes.threshold, also: claimed.length - 1 });
    }
    results.push({ month, chargeback, fired });
  }
  return results;
}
