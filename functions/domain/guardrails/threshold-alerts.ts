import type { Chargeback, TeamCharge } from '../chargeback/chargeback';
import { formatCents, type Decimal } from '../records/money';
import { formatMoney } from '../statements/format';
import { build, jsonOf, type GuardrailAlert } from './alert';
import { severityOf, thresholdAlertMessage } from './budget-alerts';
import { scopeAttributes, teamAttribute, type BudgetScope } from './scopes';

/** A budget scope's threshold alert: the scope's spend has reached `threshold` percent of its monthly budget. */
export function thresholdAlert(scope: BudgetScope, month: string, spend: Decimal, threshold: number, teamName: Map<string, string>, currency: string): GuardrailAlert {
  const severity = severityOf(threshold);
  const percent = spend.times(100).div(scope.monthly).toFixed(1);
  const body = [
    `${scope.label} has spent ${formatMoney(formatCents(spend), currency)} of its ${formatMoney(scope.monthly.toFixed(2), currency)} budget for ${month}: ${percent}%, past the ${threshold}% threshold.`,
    '',
    `Scope: ${scope.scope}${scope.team ? ` (team ${teamName.get(scope.team) ?? scope.team})` : ' (AI spend of every team and unallocated: Bedrock, OpenAI, Anthropic)'}.`,
    `Severity: ${severity}. Each threshold alerts once a month; a higher one reached later escalates.`,
  ].join('\n');
  const key = `threshold#${scope.scope}#${threshold}`;
  return build(
    { key, month, kind: 'threshold', scope: scope.scope, level: String(threshold), rank: threshold, subject: `[costline] ${scope.label} reached ${threshold}% of its ${month} budget`, body, attributes: { team: teamAttribute(scope), kind: 'threshold', severity, threshold: String(threshold), ...scopeAttributes(scope) } },
    { spend: formatCents(spend), budget: scope.monthly.toFixed(2), percent },
  );
}


/** A team's monthly-budget threshold alert (the message of {@link thresholdAlertMessage}) as a guardrail alert. */
export function teamThresholdAlert(chargeback: Chargeback, team: TeamCharge, threshold: number): GuardrailAlert {
  const message = thresholdAlertMessage(chargeback, team, threshold);
  const shaped = { ...message, kind: 'threshold' as const, scope: `team:${team.team}`, level: String(threshold), rank: threshold };
  return { ...shaped, json: jsonOf(shaped, { spend: team.total, budget: team.budget ?? '', percent: team.budgetUsedPercent?.toFixed(1) ?? '' }) };
}
