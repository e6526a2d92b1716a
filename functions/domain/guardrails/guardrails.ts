import Big from 'big.js';
import type { AlertKind, CostlineConfig } from '../../config/config-schema';
import { createAllocator, globMatches, type Allocator } from '../allocation/allocation';
import { detectSpendAnomaly, detectUnitCostChange, topDrivers, type Driver, type DriverSeries, type SpendAnomaly, type UnitCostChange } from './anomaly';
import { severityOf, thresholdAlertMessage, type AlertMessage, type Severity } from './budget-alerts';
import { costBasisOf, type Chargeback, type TeamCharge } from '../chargeback/chargeback';
import type { CostRecord, Provider } from '../records/cost-record';
import { addDays, addMonths, monthOf, monthStart } from '../records/dates';
import { forecastMonthEnd, type Forecast } from './forecast';
import { formatMoney } from '../statements/format';
import { formatCents, sum, ZERO, type Decimal } from '../records/money';
import type { UsageRecord } from '../records/usage-record';

/**
 * Budget guardrails beyond the team thresholds: thresholds and forecasts for every budget scope
 * (team, team and provider, team and model pattern, the organisation's AI spend), spend anomalies
 * and unit-cost changes per team and team-model, and shadow-AI spend. Pure: the use-case decides
 * what was sent before, what is silenced and what the daily cap holds back.
 */

/** An alert with the scope and level that make its key, ready for the once-only ledger. */
export interface GuardrailAlert extends AlertMessage {
  kind: AlertKind;
  /** `team:search`, `team:search/model:gpt-4o*`, `organization:ai`, `shadow-ai`. */
  scope: string;
  /** Threshold percent, forecast level, day (anomalies), or the id (shadow AI). */
  level: string;
  /** Higher ranks of the same kind and scope supersede lower ones (escalation). */
  rank: number;
  /** The machine-readable form for chat and ticket integrations. */
  json: AlertJson;
  /**
   * Keys of alerts that already say the same thing: when one of them was sent, this one is not (a team's
   * anomaly the morning after the hourly job reported its top model's spike).
   */
  coveredBy?: string[];
}

/**
 * The JSON form: an AWS Chatbot custom notification (so a Chatbot-subscribed topic posts it to Slack or
 * Teams as is), with costline's fields in `metadata.additionalContext` for webhooks and tickets.
 */
export interface AlertJson {
  version: '1.0';
  source: 'custom';
  id: string;
  content: { textType: 'client-markdown'; title: string; description: string; keywords: string[] };
  metadata: { threadId: string; summary: string; eventType: AlertKind; additionalContext: Record<string, string> };
}

/** What one evaluation of a month looks at. */
export interface GuardrailInput {
  month: string;
  /** The evaluation instant: days before its day are complete, its own day is in progress. */
  now: Date;
  config: CostlineConfig;
  /** The month's chargeback (for team totals with their shared-pool shares, and unmapped model spend). */
  chargeback: Chargeback;
  /** Cost records (billed and usage estimates) of the month and of the month before it (the baseline). */
  records: readonly CostRecord[];
  /** Usage records of the same two months (tokens for unit costs). */
  usage: readonly UsageRecord[];
}

/** A scope's budget: its spend series is built from the records the predicate accepts. */
interface BudgetScope {
  scope: string;
  label: string;
  team: string | null;
  provider?: Provider;
  model?: string;
  monthly: Decimal;
  /** Added to the scope's direct spend: the team's shared-pool shares, month to date. */
  shared: Decimal;
}

/** One allocated, costed slice of a day. */
interface Slice {
  day: string;
  team: string | null;
  provider: Provider;
  service: string;
  model: string | null;
  subAccount: string | null;
  apiKey: string | null;
  ai: boolean;
  cost: Decimal;
}

/** AI spend: any model-provider spend, and AWS spend on Bedrock or any model. */
export function isAiSpend(r: Pick<CostRecord, 'provider' | 'model' | 'serviceName'>): boolean {
  return r.provider !== 'aws' || r.model !== null || /Bedrock/i.test(r.serviceName);
}

/** Evaluates every guardrail for a month as of `now`; returns the alerts whose conditions hold now. */
export function evaluateGuardrails(input: GuardrailInput): GuardrailAlert[] {
  const { config, month, chargeback } = input;
  const today = input.now.toISOString().slice(0, 10);
  const yesterday = addDays(today, -1);
  const allocate = createAllocator(config);
  const slices = allocateSlices(input, allocate);
  const teamName = new Map(config.teams.map((t) => [t.id, t.name]));
  const alerts: GuardrailAlert[] = [];
  const inMonth = (day: string) => monthOf(day) === month && day <= today;

  // Budget scopes: thresholds for the month, and (current month) a forecast of its end.
  for (const scope of budgetScopes(config, chargeback)) {
    const series = dailySeries(slices.filter((s) => inScope(s, scope)));
    const monthToDate = sum(series.filter((d) => inMonth(d.day)).map((d) => new Big(d.amount))).plus(scope.shared);
    if (scope.scope.includes('/') || scope.team === null) {
      const reached = config.alerts.thresholds.filter((t) => monthToDate.times(100).gte(scope.monthly.times(t)));
      for (const threshold of reached) alerts.push(thresholdAlert(scope, month, monthToDate, threshold, teamName, chargeback.currency));
    }
    // Shared-pool shares alone at or over the budget: the 100% threshold says it; there is nothing to project.
    if (config.alerts.forecast.enabled && monthOf(today) === month && yesterday >= monthStart(month) && scope.monthly.gt(scope.shared)) {
      const forecast = forecastMonthEnd(
        { month, throughDay: yesterday, daily: series.filter((d) => d.day <= yesterday), budget: scope.monthly.minus(scope.shared).toFixed(2) },
        { minDays: config.alerts.forecast.minDays },
      );
      if (forecast && series.some((d) => d.day >= monthStart(month) && d.day <= yesterday)) alerts.push(...forecastAlerts(scope, forecast, teamName, chargeback.currency));
    }
  }

  // Anomalies and unit-cost changes: yesterday (complete) and today so far (hourly usage estimates).
  const days = [yesterday, today].filter((d) => monthOf(d) === month);
  if (config.alerts.anomaly.enabled) {
    const options = { minImpact: String(config.alerts.anomaly.minImpact), sensitivity: config.alerts.anomaly.sensitivity, baselineDays: config.alerts.anomaly.baselineDays };
    for (const team of config.teams) {
      const own = slices.filter((s) => s.team === team.id);
      for (const day of days) {
        const anomaly = detectSpendAnomaly(dailySeries(own), day, options);
        const drivers = anomaly ? driversOf(own, day, options) : [];
        if (anomaly) {
          const alert = anomalyAlert(`team:${team.id}`, team.name, null, anomaly, drivers, month, chargeback.currency, options.minImpact);
          alert.coveredBy = drivers.filter((d) => d.kind === 'model').slice(0, 1).map((d) => `anomaly#team:${team.id}/model:${d.id}#${day}`);
          alerts.push(alert);
        }
        for (const model of [...new Set(own.filter((s) => s.model !== null).map((s) => s.model!))]) {
          const modelSlices = own.filter((s) => s.model === model);
          const modelAnomaly = detectSpendAnomaly(dailySeries(modelSlices), day, options);
          // Quiet: the team's own anomaly already names this model as a driver.
          if (!modelAnomaly || drivers.some((d) => d.kind === 'model' && d.id === model)) continue;
          alerts.push(anomalyAlert(`team:${team.id}/model:${model}`, team.name, modelSlices[0]!, modelAnomaly, driversOf(modelSlices, day, options), month, chargeback.currency, options.minImpact));
        }
      }
    }
  }
  if (config.alerts.unitCost.enabled && monthOf(yesterday) === month) {
    for (const [key, series] of unitSeries(input.usage, slices, allocate)) {
      const [team, provider, model] = JSON.parse(key) as [string, Provider, string];
      const change = detectUnitCostChange(series, yesterday, { minIncreasePercent: config.alerts.unitCost.minIncreasePercent, minImpact: String(config.alerts.unitCost.minImpact) });
      if (change) alerts.push(unitCostAlert(team, teamName.get(team) ?? team, provider, model, change, month, chargeback.currency));
    }
  }
  if (config.alerts.shadowAi.enabled) alerts.push(...shadowAiAlerts(input, slices));
  return alerts;
}

function allocateSlices(input: GuardrailInput, allocate: Allocator): Slice[] {
  const basis = costBasisOf(input.config.sources.aws.costMetric);
  return input.records.map((r) => {
    const a = allocate(r);
    return {
      day: r.chargePeriodStart,
      team: a.kind === 'team' ? a.team : null,
      provider: r.provider,
      service: r.serviceName,
      model: r.model,
      subAccount: r.subAccountId,
      apiKey: r.apiKeyId,
      ai: isAiSpend(r),
      cost: new Big(r[basis]),
    };
  });
}

function budgetScopes(config: CostlineConfig, chargeback: Chargeback): BudgetScope[] {
  const sharedOf = (team: string) => new Big(chargeback.teams.find((t) => t.team === team)?.shared ?? '0');
  const scopes: BudgetScope[] = config.teams
    .filter((t) => t.monthlyBudget !== undefined)
    .map((t) => ({ scope: `team:${t.id}`, label: t.name, team: t.id, monthly: new Big(t.monthlyBudget!), shared: sharedOf(t.id) }));
  for (const b of config.alerts.budgets) {
    const name = config.teams.find((t) => t.id === b.team)?.name ?? b.team;
    const parts = [b.provider && `provider:${b.provider}`, b.model && `model:${b.model}`].filter(Boolean);
    const what = [b.provider && PROVIDER_NAMES[b.provider], b.model].filter(Boolean).join(' ');
    scopes.push({ scope: `team:${b.team}/${parts.join('/')}`, label: `${name}: ${what}`, team: b.team, provider: b.provider, model: b.model, monthly: new Big(b.monthly), shared: ZERO });
  }
  if (config.alerts.organizationAiBudget !== undefined) {
    scopes.push({ scope: 'organization:ai', label: 'Organisation AI spend', team: null, monthly: new Big(config.alerts.organizationAiBudget), shared: ZERO });
  }
  return scopes;
}

const PROVIDER_NAMES: Record<Provider, string> = { aws: 'AWS', openai: 'OpenAI', anthropic: 'Anthropic' };

function inScope(s: Slice, scope: BudgetScope): boolean {
  if (scope.team === null) return s.ai;
  return s.team === scope.team && (scope.provider === undefined || s.provider === scope.provider) && (scope.model === undefined || globMatches(scope.model, s.model));
}

function dailySeries(slices: readonly Slice[]): Array<{ day: string; amount: string }> {
  const byDay = new Map<string, Decimal>();
  for (const s of slices) byDay.set(s.day, (byDay.get(s.day) ?? ZERO).plus(s.cost));
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, amount]) => ({ day, amount: amount.toFixed() }));
}

/** The model or service, the project or workspace, and the API key whose change explains the jump. */
function driversOf(slices: readonly Slice[], day: string, options: { minImpact?: string; baselineDays?: number }): Driver[] {
  const components = (kind: DriverSeries['kind'], keyOf: (s: Slice) => [string, string] | null): DriverSeries[] => {
    const groups = new Map<string, { label: string; slices: Slice[] }>();
    for (const s of slices) {
      const key = keyOf(s);
      if (!key) continue;
      const group = groups.get(key[0]) ?? { label: key[1], slices: [] };
      group.slices.push(s);
      groups.set(key[0], group);
    }
    return [...groups.entries()].map(([id, g]) => ({ kind, id, label: g.label, daily: dailySeries(g.slices) }));
  };
  const what = [
    ...components('model', (s) => (s.model ? [s.model, `${s.model} (${PROVIDER_NAMES[s.provider]})`] : null)),
    ...components('service', (s) => (s.model ? null : [s.service, s.service])),
  ];
  const where = components('project', (s) => (s.provider === 'openai' && s.subAccount ? [s.subAccount, `OpenAI project ${s.subAccount}`] : s.provider === 'anthropic' ? [s.subAccount ?? 'default', `Anthropic workspace ${s.subAccount ?? 'default'}`] : null));
  const keys = components('apiKey', (s) => (s.apiKey ? [s.apiKey, `API key ${s.apiKey}`] : null));
  const driverOptions = { baselineDays: options.baselineDays };
  return [...topDrivers(what, day, driverOptions).slice(0, 3), ...topDrivers(where, day, driverOptions).slice(0, 2), ...topDrivers(keys, day, driverOptions).slice(0, 2)];
}

/** Daily cost and tokens per (team, provider, model), for unit costs: model lines with usage only. */
function unitSeries(usage: readonly UsageRecord[], slices: readonly Slice[], allocate: Allocator): Map<string, Array<{ day: string; cost: string; tokens: number }>> {
  const tokens = new Map<string, number>();
  for (const u of usage) {
    if (u.apportionByCost) continue;
    const a = allocate(u);
    if (a.kind !== 'team') continue;
    const key = JSON.stringify([a.team, u.provider, u.model, u.chargePeriodStart]);
    const t = u.tokens;
    tokens.set(key, (tokens.get(key) ?? 0) + t.input + t.cachedInput + t.cacheWrite5m + t.cacheWrite1h + t.output);
  }
  const cost = new Map<string, Decimal>();
  for (const s of slices) {
    if (s.team === null || s.model === null) continue;
    const key = JSON.stringify([s.team, s.provider, s.model, s.day]);
    cost.set(key, (cost.get(key) ?? ZERO).plus(s.cost));
  }
  const series = new Map<string, Array<{ day: string; cost: string; tokens: number }>>();
  for (const [key, c] of cost) {
    const n = tokens.get(key);
    if (!n) continue;
    const [team, provider, model, day] = JSON.parse(key) as [string, string, string, string];
    const scope = JSON.stringify([team, provider, model]);
    const list = series.get(scope) ?? [];
    list.push({ day, cost: c.toFixed(), tokens: n });
    series.set(scope, list);
  }
  for (const list of series.values()) list.sort((a, b) => (a.day < b.day ? -1 : 1));
  return series;
}

function jsonOf(alert: Omit<GuardrailAlert, 'json'>, facts: Record<string, string>): AlertJson {
  const description = alert.body.split('\n\n')[0]!;
  return {
    version: '1.0',
    source: 'custom',
    id: `${alert.month}#${alert.key}`,
    content: { textType: 'client-markdown', title: alert.subject, description, keywords: [alert.kind, alert.attributes.severity, alert.attributes.team] },
    metadata: { threadId: `costline#${alert.scope}#${alert.month}`, summary: alert.subject, eventType: alert.kind, additionalContext: { key: alert.key, month: alert.month, scope: alert.scope, ...alert.attributes, ...facts } },
  };
}

function build(alert: Omit<GuardrailAlert, 'json' | 'subject'> & { subject: string }, facts: Record<string, string>): GuardrailAlert {
  const shaped = { ...alert, subject: alert.subject.length > 99 ? `${alert.subject.slice(0, 96)}...` : alert.subject };
  return { ...shaped, json: jsonOf(shaped, facts) };
}

const teamAttribute = (scope: BudgetScope) => scope.team ?? 'organization';

function scopeAttributes(scope: BudgetScope): Record<string, string> {
  return { ...(scope.provider ? { provider: scope.provider } : {}), ...(scope.model ? { model: scope.model } : {}) };
}

function thresholdAlert(scope: BudgetScope, month: string, spend: Decimal, threshold: number, teamName: Map<string, string>, currency: string): GuardrailAlert {
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

/**
 * Projected over budget: `over` (warning); even the low end of the 80% range over it: `certain`
 * (critical), which also holds the `over` level (recorded, not sent) so a later, milder projection does
 * not send a lower level after a higher one.
 */
function forecastAlerts(scope: BudgetScope, f: Forecast, teamName: Map<string, string>, currency: string): GuardrailAlert[] {
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
      attributes: { team: teamAttribute(scope), kind: 'forecast', severity, ...scopeAttributes(scope) },
    },
    { projected: formatCents(projected), low: formatCents(low), high: formatCents(high), budget: budget.toFixed(2), runsOutOn: f.runsOutOn ?? '', confidence: f.confidence },
  );
}

function anomalyAlert(scope: string, teamLabel: string, model: Slice | null, a: SpendAnomaly, drivers: Driver[], month: string, currency: string, minImpact: string): GuardrailAlert {
  const team = scope.slice('team:'.length).split('/')[0]!;
  const what = model ? `${teamLabel}'s ${model.model} spend` : `${teamLabel}'s spend`;
  const ratio = new Big(a.expected).gt(0) ? `${new Big(a.actual).div(a.expected).toFixed(1)}× ` : '';
  // Critical: over twice the usual day, or (nothing usual to compare with) twice the minimum impact.
  const expected = new Big(a.expected);
  const severity: Severity = new Big(a.impact).gte(expected.gt(0) ? expected.times(2) : new Big(minImpact).times(2)) ? 'critical' : 'warning';
  const body = [
    `${what} on ${a.day} is ${formatMoney(a.actual, currency)}, ${ratio}its usual ${formatMoney(a.expected, currency)}: ${formatMoney(a.impact, currency)} more than expected.`,
    '',
    drivers.length ? 'What moved (change against each one\'s own usual day):' : 'No single service, model, project or key explains the jump.',
    ...drivers.map((d) => `  ${('+' + formatMoney(d.change, currency)).padStart(12)}  ${d.label}: ${formatMoney(d.actual, currency)} vs usual ${formatMoney(d.expected, currency)}`),
    '',
    `How: ${a.method}`,
    `Severity: ${severity}. Sent once per scope per day; a day still in progress counts what is known so far (model usage hourly).`,
  ].join('\n');
  return build(
    {
      key: `anomaly#${scope}#${a.day}`,
      month,
      kind: 'anomaly',
      scope,
      level: a.day,
      rank: 0,
      subject: `[costline] ${what} jumped to ${formatMoney(a.actual, currency)} on ${a.day} (usual ${formatMoney(a.expected, currency)})`,
      body,
      attributes: { team, kind: 'anomaly', severity, ...(model ? { provider: model.provider, model: model.model! } : {}) },
    },
    { day: a.day, actual: a.actual, expected: a.expected, impact: a.impact, drivers: drivers.map((d) => `${d.label} +${d.change}`).join('; ') },
  );
}

function unitCostAlert(team: string, name: string, provider: Provider, model: string, c: UnitCostChange, month: string, currency: string): GuardrailAlert {
  const scope = `team:${team}/model:${model}`;
  const body = [
    `${name}'s ${model} (${PROVIDER_NAMES[provider]}) cost ${formatMoney(c.costPerMillion, currency)} per million tokens on ${c.day}, up ${c.increasePercent.toFixed(0)}% from ${formatMoney(c.baselineCostPerMillion, currency)}, at a steady ${(c.tokens / 1e6).toFixed(1)}M tokens: ${formatMoney(c.impact, currency)} more for the day.`,
    '',
    'A prompt change (longer outputs, lost prompt caching) or a switch to a dearer model version or tier does this.',
    `How: ${c.method}`,
    'Severity: warning. Sent once per team-model per month: the change, not every day it lasts.',
  ].join('\n');
  return build(
    {
      key: `unit-cost#${scope}`,
      month,
      kind: 'unit-cost',
      scope,
      level: 'changed',
      rank: 0,
      subject: `[costline] ${name}: ${model} cost per M tokens up ${c.increasePercent.toFixed(0)}% on ${c.day}`,
      body,
      attributes: { team, kind: 'unit-cost', severity: 'warning', provider, model },
    },
    { day: c.day, costPerMillion: c.costPerMillion, baselineCostPerMillion: c.baselineCostPerMillion, impact: c.impact },
  );
}

/** Unmapped projects, workspaces and keys, and watched high-cost models: once a month each. */
function shadowAiAlerts(input: GuardrailInput, slices: readonly Slice[]): GuardrailAlert[] {
  const { config, chargeback, month } = input;
  const currency = chargeback.currency;
  const alerts: GuardrailAlert[] = [];
  const minSpend = new Big(config.alerts.shadowAi.minSpend);
  for (const u of chargeback.unmappedModelSpend) {
    if (new Big(u.cost).lt(minSpend)) continue;
    const field = u.kind === 'project' ? 'project' : 'workspace';
    const noProject = u.kind === 'project' && u.id === '(none)';
    const rule = noProject
      ? u.apiKeys.length
        ? `{ "match": { "provider": "openai", "apiKey": "${u.apiKeys[0]}" }, "team": "<team id>" } (one per API key; this spend has no project)`
        : 'none by project: this spend has no project and no API key; move its callers into a project'
      : `{ "match": { "provider": "${u.provider}", "${field}": "${u.id}" }, "team": "<team id>" }`;
    const body = [
      `${formatMoney(u.cost, currency)} of ${PROVIDER_NAMES[u.provider as Provider] ?? u.provider} spend in ${month} came through ${u.kind} ${u.id}, which no allocation rule maps: it is unallocated.`,
      '',
      u.apiKeys.length ? `API keys it came through: ${u.apiKeys.join(', ')}.` : 'The source reports no API keys for it.',
      `To charge it to a team, add a rule such as: ${rule}`,
      'Severity: warning. Sent the first time it is seen each month.',
    ].join('\n');
    alerts.push(
      build(
        { key: `shadow-ai#${u.provider}:${u.kind}:${u.id}`, month, kind: 'shadow-ai', scope: 'shadow-ai', level: `${u.provider}:${u.kind}:${u.id}`, rank: 0, subject: `[costline] Unmapped AI spend: ${u.provider} ${u.kind} ${u.id}, ${formatMoney(u.cost, currency)} in ${month}`, body, attributes: { team: 'unallocated', kind: 'shadow-ai', severity: 'warning', provider: u.provider } },
        { id: u.id, idKind: u.kind, apiKeys: u.apiKeys.join(','), amount: u.cost },
      ),
    );
  }
  const watched = config.alerts.shadowAi.watchModels;
  if (watched.length) {
    const byModel = new Map<string, { provider: Provider; cost: Decimal; teams: Map<string, Decimal> }>();
    for (const s of slices) {
      if (s.model === null || monthOf(s.day) !== month || !watched.some((p) => globMatches(p, s.model))) continue;
      const entry = byModel.get(s.model) ?? { provider: s.provider, cost: ZERO, teams: new Map() };
      entry.cost = entry.cost.plus(s.cost);
      const team = s.team ?? 'unallocated';
      entry.teams.set(team, (entry.teams.get(team) ?? ZERO).plus(s.cost));
      byModel.set(s.model, entry);
    }
    for (const [model, e] of byModel) {
      if (e.cost.lt(minSpend)) continue;
      const teams = [...e.teams.entries()].sort(([, a], [, b]) => b.cmp(a));
      const body = [
        `${model} (${PROVIDER_NAMES[e.provider]}), on the watch list of high-cost models, has cost ${formatMoney(formatCents(e.cost), currency)} in ${month} so far.`,
        '',
        'Who used it:',
        ...teams.map(([t, c]) => `  ${formatMoney(formatCents(c), currency).padStart(12)}  ${t}`),
        'Severity: warning. Sent the first time it is seen each month (alerts.shadowAi.watchModels).',
      ].join('\n');
      // One team: its lead hears of it too; several: it is organisation-wide (the platform audience).
      const single = teams.length === 1 ? teams[0]![0] : 'organization';
      alerts.push(
        build(
          { key: `shadow-ai#model:${e.provider}:${model}`, month, kind: 'shadow-ai', scope: 'shadow-ai', level: `model:${model}`, rank: 0, subject: `[costline] Watched model ${model} used in ${month}: ${formatMoney(formatCents(e.cost), currency)}`, body, attributes: { team: single, kind: 'shadow-ai', severity: 'warning', provider: e.provider, model } },
          { model, amount: formatCents(e.cost), teams: teams.map(([t]) => t).join(',') },
        ),
      );
    }
  }
  return alerts;
}

/** The month before, whose days are the baseline of the month's first weeks. */
export function baselineMonth(month: string): string {
  return addMonths(month, -1);
}

/** A team's monthly-budget threshold alert (the message of {@link thresholdAlertMessage}) as a guardrail alert. */
export function teamThresholdAlert(chargeback: Chargeback, team: TeamCharge, threshold: number): GuardrailAlert {
  const message = thresholdAlertMessage(chargeback, team, threshold);
  const shaped = { ...message, kind: 'threshold' as const, scope: `team:${team.team}`, level: String(threshold), rank: threshold };
  return { ...shaped, json: jsonOf(shaped, { spend: team.total, budget: team.budget ?? '', percent: team.budgetUsedPercent?.toFixed(1) ?? '' }) };
}

/** Whether a silence in the config covers this alert on `day`: same scope or a narrower one, same kind or any. */
export function isSilenced(alert: Pick<GuardrailAlert, 'scope' | 'kind'> & { attributes?: Record<string, string> }, config: CostlineConfig, day: string): boolean {
  const parts = scopeParts(alert.scope);
  const provider = alert.attributes?.provider ?? parts.provider;
  const model = alert.attributes?.model ?? parts.model;
  return config.alerts.silences.some((s) => {
    if (day > s.until || (s.kind !== undefined && s.kind !== alert.kind)) return false;
    if (alert.scope === s.scope) return true;
    const silenced = scopeParts(s.scope);
    if (silenced.team === undefined || silenced.team !== parts.team) return false;
    // A narrower silence covers an alert when the alert is inside it: its provider, and a model its pattern matches.
    return (silenced.provider === undefined || silenced.provider === provider) && (silenced.model === undefined || (model !== undefined && (silenced.model === model || globMatches(silenced.model, model))));
  });
}

/** `team:search/provider:openai/model:gpt-4o*` → its parts. */
function scopeParts(scope: string): { team?: string; provider?: string; model?: string } {
  const out: { team?: string; provider?: string; model?: string } = {};
  for (const part of scope.split('/')) {
    const [key, ...rest] = part.split(':');
    const value = rest.join(':');
    if (key === 'team' || key === 'provider' || key === 'model') out[key] = value;
  }
  return out;
}

/** The digest of alerts held back by the daily cap: one message per team and day. */
export function digestAlert(team: string, day: string, held: readonly AlertMessage[]): AlertMessage {
  const month = monthOf(day);
  const order: Severity[] = ['info', 'warning', 'critical'];
  const severity = held.reduce<Severity>((a, h) => (order.indexOf(h.attributes.severity) > order.indexOf(a) ? h.attributes.severity : a), 'info');
  const body = [
    `${held.length} more alert(s) for ${team} on ${day}, past the daily cap (alerts.dailyCap), rolled into this digest:`,
    '',
    ...held.map((h) => `  [${h.attributes.severity}] ${h.subject.replace(/^\[costline\] /, '')}`),
    '',
    'Each was recorded once and will not be sent again.',
  ].join('\n');
  return { key: `digest#team:${team}#${day}`, month, subject: `[costline] Digest: ${held.length} more alert(s) for ${team} on ${day}`.slice(0, 99), body, attributes: { team, kind: 'digest', severity } };
}
