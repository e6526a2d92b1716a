import Big from 'big.js';
import type { Chargeback, TeamCharge } from '../chargeback/chargeback';
import { formatCents, type Decimal } from '../records/money';
import { formatMoney } from '../statements/format';
import { build, type GuardrailAlert } from './alert';
import { alertAttributes, ALERT_ATTRIBUTES, type Severity } from './alert-attributes';
import type { GuardrailsPolicy } from './policy';
import { scopeAttributes, teamAttribute, type BudgetScope } from './scopes';

/** One team's position against its monthly budget. */
export interface BudgetPosition {
  team: TeamCharge;
  /** The configured thresholds (percent) the spend has reached, ascending. */
  reached: number[];
}

/** The key under which a (scope, month, threshold) alert is recorded once. */
export function thresholdAlertKey(scope: string, threshold: number): string {
  return `threshold#${scope}#${threshold}`;
}

/** A threshold's severity: critical at 100% and over, warning from 80%, info below. */
export function severityOf(threshold: number): Severity {
  return threshold >= 100 ? 'critical' : threshold >= 80 ? 'warning' : 'info';
}

/** The thresholds (percent) `spend` has reached against `budget`: spend × 100 ≥ threshold × budget, exactly. */
export function reachedThresholds(spend: Decimal, budget: Decimal, thresholds: readonly number[]): number[] {
  const spendPercent = spend.times(100);
  return thresholds.filter((t) => spendPercent.gte(budget.times(t)));
}

/** Which thresholds each budgeted team's month-to-date spend has reached. */
export function budgetPositions(chargeback: Chargeback, policy: Pick<GuardrailsPolicy, 'thresholds'>): BudgetPosition[] {
  return chargeback.teams
    .filter((team) => team.budget !== null)
    .map((team) => ({ team, reached: reachedThresholds(new Big(team.total), new Big(team.budget!), policy.thresholds) }))
    .filter((p) => p.reached.length > 0);
}

/** What a threshold alert says, besides what every threshold alert says. */
interface Threshold {
  scope: string;
  label: string;
  /** The `team` attribute. */
  team: string;
  month: string;
  threshold: number;
  /** The body, given the severity. */
  body: (severity: Severity) => string;
  /** Attributes after the threshold's own. */
  attributes: Record<string, string>;
  /** The figures for the JSON form. */
  facts: Record<string, string>;
  /** A team's whole-budget alert cuts a long subject at 99 characters; a scope's ends it in `...`. */
  cut: boolean;
}

/** The one threshold-alert builder: key, subject, level, rank and attributes from the scope and threshold. */
function thresholdAlertOf(t: Threshold): GuardrailAlert {
  const severity = severityOf(t.threshold);
  const subject = `[costline] ${t.label} reached ${t.threshold}% of its ${t.month} budget`;
  return build(
    {
      key: thresholdAlertKey(t.scope, t.threshold),
      month: t.month,
      kind: 'threshold',
      scope: t.scope,
      level: String(t.threshold),
      rank: t.threshold,
      subject: t.cut ? subject.slice(0, 99) : subject,
      body: t.body(severity),
      attributes: alertAttributes(t.team, 'threshold', severity, { [ALERT_ATTRIBUTES.threshold]: String(t.threshold), ...t.attributes }),
    },
    t.facts,
  );
}

/** A budget scope's threshold alert: the scope's spend has reached `threshold` percent of its monthly budget. */
export function thresholdAlert(scope: BudgetScope, month: string, spend: Decimal, threshold: number, teamName: Map<string, string>, currency: string): GuardrailAlert {
  const percent = spend.times(100).div(scope.monthly).toFixed(1);
  const body = (severity: Severity) =>
    [
      `${scope.label} has spent ${formatMoney(formatCents(spend), currency)} of its ${formatMoney(scope.monthly.toFixed(2), currency)} budget for ${month}: ${percent}%, past the ${threshold}% threshold.`,
      '',
      `Scope: ${scope.scope}${scope.team ? ` (team ${teamName.get(scope.team) ?? scope.team})` : ' (AI spend of every team and unallocated: Bedrock, OpenAI, Anthropic)'}.`,
      `Severity: ${severity}. Each threshold alerts once a month; a higher one reached later escalates.`,
    ].join('\n');
  return thresholdAlertOf({ scope: scope.scope, label: scope.label, team: teamAttribute(scope), month, threshold, body, attributes: scopeAttributes(scope), facts: { spend: formatCents(spend), budget: scope.monthly.toFixed(2), percent }, cut: false });
}

/**
 * A team that has reached `threshold` of its monthly budget: team, month, spend, budget, percentage and the
 * services behind the spend.
 */
export function teamThresholdAlert(chargeback: Chargeback, team: TeamCharge, threshold: number): GuardrailAlert {
  const spend = formatMoney(team.total, chargeback.currency);
  const budget = formatMoney(team.budget!, chargeback.currency);
  const percent = team.budgetUsedPercent!.toFixed(1);
  const top = team.byService.slice(0, 5);
  const body = (severity: Severity) =>
    [
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
  const facts = { spend: team.total, budget: team.budget ?? '', percent: team.budgetUsedPercent?.toFixed(1) ?? '' };
  return thresholdAlertOf({ scope: `team:${team.team}`, label: team.name, team: team.team, month: chargeback.month, threshold, body, attributes: {}, facts, cut: true });
}
