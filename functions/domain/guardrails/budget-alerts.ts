import Big from 'big.js';
import type { CostlineConfig } from '../../config/config-schema';
import type { Chargeback, TeamCharge } from '../chargeback/chargeback';
import { formatMoney } from '../statements/format';

/** How loud an alert is; subscriptions can filter on it. */
export type Severity = 'info' | 'warning' | 'critical';

/** A message for the alerts topic, with the attributes subscription filter policies match on. */
export interface AlertMessage {
  /** Stable identity: the same alert has the same key however often evaluation runs. */
  key: string;
  month: string;
  subject: string;
  body: string;
  attributes: { team: string; kind: string; severity: Severity } & Record<string, string>;
}

/** One team's position against its monthly budget. */
export interface BudgetPosition {
  team: TeamCharge;
  /** The configured thresholds (percent) the spend has reached, ascending. */
  reached: number[];
}

/** The key under which a (team, month, threshold) alert is recorded once. */
export function thresholdAlertKey(team: string, threshold: number): string {
  return `threshold#team:${team}#${threshold}`;
}

export function severityOf(threshold: number): Severity {
  return threshold >= 100 ? 'critical' : threshold >= 80 ? 'warning' : 'info';
}

/** Which thresholds each budgeted team's month-to-date spend has reached (spend × 100 ≥ threshold × budget, exactly). */
export function budgetPositions(chargeback: Chargeback, config: CostlineConfig): BudgetPosition[] {
  return chargeback.teams
    .filter((team) => team.budget !== null)
    .map((team) => {
      const spendPercent = new Big(team.total).times(100);
      const budget = new Big(team.budget!);
      return { team, reached: config.alerts.thresholds.filter((t) => spendPercent.gte(budget.times(t))) };
    })
    .filter((p) => p.reached.length > 0);
}

/**
 * The message for a team that has reached `threshold`: team, month, spend, budget, percentage and the
 * services behind the spend. The subject stays under SNS's 100-character limit.
 */
export function thresholdAlertMessage(chargeback: Chargeback, team: TeamCharge, threshold: number): AlertMessage {
  const spend = formatMoney(team.total, chargeback.currency);
  const budget = formatMoney(team.budget!, chargeback.currency);
  const percent = team.budgetUsedPercent!.toFixed(1);
  const severity = severityOf(threshold);
  const subject = `[costline] ${team.name} reached ${threshold}% of its ${chargeback.month} budget`.slice(0, 99);
  const top = team.byService.slice(0, 5);
  const body = [
    `${team.name} (${team.team}) has spent ${spend} of its ${budget} budget for ${chargeback.month}: ${percent}%, past the ${threshold}% threshold.`,
    '',
    'Top services behind the spend:',
    ...top.map((s) => `  ${formatMoney(s.cost, chargeback.currency).padStart(14)}  ${s.service} (${s.provider})`),
    '',
    chargeback.estimated
      ? 'Month-to-date figures include estimates from the provider and may still change.'
      : 'Month-to-date figures are final from the provider.',
    `Severity: ${severity}. Each threshold alerts once a month; thresholds reached together send one message, for the highest.`,
  ].join('\n');
  return {
    key: thresholdAlertKey(team.team, threshold),
    month: chargeback.month,
    subject,
    body,
    attributes: { team: team.team, kind: 'threshold', severity, threshold: String(threshold) },
  };
}
