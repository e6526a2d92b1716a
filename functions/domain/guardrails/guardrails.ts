import Big from 'big.js';
import type { AllocatedMonth } from '../allocation/allocate';
import type { Chargeback } from '../chargeback/chargeback';
import type { Provider } from '../records/cost-record';
import { addDays, addMonths, monthOf, monthStart } from '../records/dates';
import { sum } from '../records/money';
import type { GuardrailAlert } from './alert';
import { detectSpendAnomaly, detectUnitCostChange } from './anomaly';
import { anomalyAlert, driversOf } from './anomaly-alerts';
import { forecastMonthEnd } from './forecast';
import { forecastAlerts } from './forecast-alerts';
import { budgetScopes, inScope } from './scopes';
import { shadowAiAlerts } from './shadow-ai-alerts';
import { allocateSlices, dailySeries, groupSlices } from './slices';
import type { GuardrailsPolicy } from './policy';
import { reachedThresholds, thresholdAlert } from './threshold-alerts';
import { unitCostAlert, unitSeries } from './unit-cost-alerts';

export { ALERT_KINDS, type AlertJson, type AlertKind, type GuardrailAlert } from './alert';
export { digestAlert } from './digest';
export { isSilenced } from './silences';
export { isAiSpend } from './slices';
export type { GuardrailsPolicy, Silence } from './policy';
export { budgetPositions, teamThresholdAlert, type BudgetPosition } from './threshold-alerts';
export type { AlertMessage } from './alert';
export type { Severity } from './alert-attributes';

/**
 * Budget guardrails beyond the team thresholds: thresholds and forecasts for every budget scope
 * (team, team and provider, team and model pattern, the organisation's AI spend), spend anomalies
 * and unit-cost changes per team and team-model, and shadow-AI spend. Pure: the use-case decides
 * what was sent before, what is silenced and what the daily cap holds back.
 */

/** What one evaluation of a month looks at. */
export interface GuardrailInput {
  month: string;
  /** The evaluation instant: days before its day are complete, its own day is in progress. */
  now: Date;
  /** The teams, budgets and alert settings (records arrive allocated: `allocated`). */
  policy: GuardrailsPolicy;
  /** The month's chargeback (for team totals with their shared-pool shares, and unmapped model spend). */
  chargeback: Chargeback;
  /**
   * The month and the month before it (the baseline), each allocated once: their cost records (billed and
   * usage estimates) and usage records (tokens for unit costs).
   */
  allocated: readonly AllocatedMonth[];
}

/** Evaluates every guardrail for a month as of `now`; returns the alerts whose conditions hold now. */
export function evaluateGuardrails(input: GuardrailInput): GuardrailAlert[] {
  const { policy, month, chargeback } = input;
  const today = input.now.toISOString().slice(0, 10);
  const yesterday = addDays(today, -1);
  const slices = allocateSlices(input.allocated, policy.costBasis);
  const teamName = new Map(policy.teams.map((t) => [t.id, t.name]));
  const alerts: GuardrailAlert[] = [];
  const inMonth = (day: string) => monthOf(day) === month && day <= today;
  // Each team's slices, in the slices' order: what `slices.filter((s) => s.team === id)` gives, found once.
  const byTeam = groupSlices(slices, (s) => s.team);
  const slicesOf = (team: string | null) => (team === null ? slices : (byTeam.get(team) ?? []));

  // Budget scopes: thresholds for the month, and (current month) a forecast of its end.
  for (const scope of budgetScopes(policy, chargeback)) {
    // A team's scope only holds its own slices (inScope checks the team first).
    const series = dailySeries(slicesOf(scope.team).filter((s) => inScope(s, scope)));
    const monthToDate = sum(series.filter((d) => inMonth(d.day)).map((d) => new Big(d.amount))).plus(scope.shared);
    if (scope.scope.includes('/') || scope.team === null) {
      const reached = reachedThresholds(monthToDate, scope.monthly, policy.thresholds);
      for (const threshold of reached) alerts.push(thresholdAlert(scope, month, monthToDate, threshold, teamName, chargeback.currency));
    }
    // Shared-pool shares alone at or over the budget: the 100% threshold says it; there is nothing to project.
    if (policy.forecast.enabled && monthOf(today) === month && yesterday >= monthStart(month) && scope.monthly.gt(scope.shared)) {
      const forecast = forecastMonthEnd(
        { month, throughDay: yesterday, daily: series.filter((d) => d.day <= yesterday), budget: scope.monthly.minus(scope.shared).toFixed(2) },
        { minDays: policy.forecast.minDays },
      );
      if (forecast && series.some((d) => d.day >= monthStart(month) && d.day <= yesterday)) alerts.push(...forecastAlerts(scope, forecast, teamName, chargeback.currency));
    }
  }

  // Anomalies and unit-cost changes: yesterday (complete) and today so far (hourly usage estimates).
  const days = [yesterday, today].filter((d) => monthOf(d) === month);
  if (policy.anomaly.enabled) {
    const options = { minImpact: String(policy.anomaly.minImpact), sensitivity: policy.anomaly.sensitivity, baselineDays: policy.anomaly.baselineDays };
    for (const team of policy.teams) {
      const own = slicesOf(team.id);
      // The team's and each model's series, built once for both days.
      const ownSeries = dailySeries(own);
      const byModel = [...groupSlices(own, (s) => s.model)].flatMap(([model, modelSlices]) => (model === null ? [] : [{ model, modelSlices, series: dailySeries(modelSlices) }]));
      for (const day of days) {
        const anomaly = detectSpendAnomaly(ownSeries, day, options);
        const drivers = anomaly ? driversOf(own, day, options) : [];
        if (anomaly) {
          const alert = anomalyAlert(`team:${team.id}`, team.name, null, anomaly, drivers, month, chargeback.currency, options.minImpact);
          alert.coveredBy = drivers.filter((d) => d.kind === 'model').slice(0, 1).map((d) => `anomaly#team:${team.id}/model:${d.id}#${day}`);
          alerts.push(alert);
        }
        for (const { model, modelSlices, series } of byModel) {
          const modelAnomaly = detectSpendAnomaly(series, day, options);
          // Quiet: the team's own anomaly already names this model as a driver.
          if (!modelAnomaly || drivers.some((d) => d.kind === 'model' && d.id === model)) continue;
          alerts.push(anomalyAlert(`team:${team.id}/model:${model}`, team.name, modelSlices[0]!, modelAnomaly, driversOf(modelSlices, day, options), month, chargeback.currency, options.minImpact));
        }
      }
    }
  }
  if (policy.unitCost.enabled && monthOf(yesterday) === month) {
    for (const [key, series] of unitSeries(input.allocated, slices)) {
      const [team, provider, model] = JSON.parse(key) as [string, Provider, string];
      const change = detectUnitCostChange(series, yesterday, { minIncreasePercent: policy.unitCost.minIncreasePercent, minImpact: String(policy.unitCost.minImpact) });
      if (change) alerts.push(unitCostAlert(team, teamName.get(team) ?? team, provider, model, change, month, chargeback.currency));
    }
  }
  if (policy.shadowAi.enabled) alerts.push(...shadowAiAlerts(month, chargeback, policy.shadowAi, slices));
  return alerts;
}

/** The month before, whose days are the baseline of the month's first weeks. */
export function baselineMonth(month: string): string {
  return addMonths(month, -1);
}
