import Big from 'big.js';
import { formatCents, type Decimal } from '../records/money';
import { formatMoney } from '../statements/format';
import { build, type GuardrailAlert } from './alert';
import { alertAttributes, type Severity } from './alert-attributes';
import type { Forecast } from './forecast';
import { scopeAttributes, teamAttribute, type BudgetScope } from './scopes';

/**
 * Projected over budget: `over` (warning); even the low end of the 80% range over it: `certain`
 * (critical), which also holds the `over` level (recorded, not sent) so a later, milder projection does
 * not send a lower level after a higher one.
 */
export function forecastAlerts(scope: BudgetScope, f: Forecast, teamName: Map<string, string>, currency: string): GuardrailAlert[] {
  const alert = forecastAlert(scope, f, teamName, currency, false);
  if (!alert || alert.level === 'over') return alert ? [alert] : [];
  return [alert, forecastAlert(scope, f, teamName, currency, true)!];
}

function forecastAlert(scope: BudgetScope, f: Forecast, teamName: Map<string, string>, currency: string, asOver: boolean): GuardrailAlert | null {
  const budget = scope.monthly;
  const projected = new Big(f.projected).plus(scope.shared);
  const low = new Big(f.low).plus(scope.shared);
  const high = new Big(f.high).plus(scope.shared);
  const monthToDate = new Big(f.monthToDate).plus(scope.shared);
  if (projected.lt(budget) || monthToDate.gte(budget)) return null; // under budget, or the 100% threshold already says it
  const certain = !asOver && low.gte(budget);
  const level = certain ? 'certain' : 'over';
  const severity: Severity = certain ? 'critical' : 'warning';
  const money = (d: Decimal) => formatMoney(formatCents(d), currency);
  const body = [
    `${scope.label} is projected to spend ${money(projected)} in ${f.month} against a ${money(budget)} budget (80% range ${money(low)} to ${money(high)}, ${f.confidence} confidence).`,
    f.runsOutOn ? `At the current rate the budget runs out on ${f.runsOutOn}.` : '',
    '',
    `Spent so far: ${money(monthToDate)} through ${f.throughDay}${scope.shared.gt(0) ? ` (including ${money(scope.shared)} of shared-pool shares)` : ''}.`,
    `How: ${f.method}`,
    `Scope: ${scope.scope}${scope.team ? ` (team ${teamName.get(scope.team) ?? scope.team})` : ''}. Severity: ${severity}: ${certain ? 'even the low end of the range is over budget' : 'the projection is over budget'}. Sent once a month per level.`,
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  return build(
    {
      key: `forecast#${scope.scope}#${level}`,
      month: f.month,
      kind: 'forecast',
      scope: scope.scope,
      level,
      rank: certain ? 2 : 1,
      subject: `[costline] ${scope.label} projected at ${formatMoney(formatCents(projected), currency).replace(/\.\d\d$/, '')} vs ${formatMoney(budget.toFixed(2), currency).replace(/\.\d\d$/, '')} budget for ${f.month}`,
      body,
      attributes: alertAttributes(teamAttribute(scope), 'forecast', severity, scopeAttributes(scope)),
    },
    { projected: formatCents(projected), low: formatCents(low), high: formatCents(high), budget: budget.toFixed(2), runsOutOn: f.runsOutOn ?? '', confidence: f.confidence },
  );
}
