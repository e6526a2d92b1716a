import Big from 'big.js';
import { globMatches } from '../../lib/glob';
import type { Chargeback } from '../chargeback/chargeback';
import { principalPattern } from '../chargeback/unmapped-principals';
import type { Provider } from '../records/cost-record';
import { monthOf } from '../records/dates';
import { formatCents, type Decimal } from '../records/money';
import { formatMoney } from '../statements/format';
import { build, providerLabel, type GuardrailAlert } from './alert';
import { alertAttributes, ALERT_ATTRIBUTES, PLATFORM_TEAMS } from './alert-attributes';
import type { GuardrailsPolicy } from './policy';
import { sumAmounts, type Slice } from './slices';

/** Unmapped projects, workspaces and keys, unmapped AWS AI callers (IAM principals), and watched high-cost models: once a month each. */
export function shadowAiAlerts(month: string, chargeback: Chargeback, options: GuardrailsPolicy['shadowAi'], slices: readonly Slice[]): GuardrailAlert[] {
  const currency = chargeback.currency;
  const alerts: GuardrailAlert[] = [];
  const minSpend = new Big(options.minSpend);
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
      `${formatMoney(u.cost, currency)} of ${providerLabel(u.provider)} spend in ${month} came through ${u.kind} ${u.id}, which no allocation rule maps: it is unallocated.`,
      '',
      u.apiKeys.length ? `API keys it came through: ${u.apiKeys.join(', ')}.` : 'The source reports no API keys for it.',
      `To charge it to a team, add a rule such as: ${rule}`,
      'Severity: warning. Sent the first time it is seen each month.',
    ].join('\n');
    alerts.push(
      build(
        { key: `shadow-ai#${u.provider}:${u.kind}:${u.id}`, month, kind: 'shadow-ai', scope: 'shadow-ai', level: `${u.provider}:${u.kind}:${u.id}`, rank: 0, subject: `[costline] Unmapped AI spend: ${u.provider} ${u.kind} ${u.id}, ${formatMoney(u.cost, currency)} in ${month}`, body, attributes: alertAttributes(PLATFORM_TEAMS.unallocated, 'shadow-ai', 'warning', { [ALERT_ATTRIBUTES.provider]: u.provider }) },
        { id: u.id, idKind: u.kind, apiKeys: u.apiKeys.join(','), amount: u.cost },
      ),
    );
  }
  for (const p of chargeback.unmappedPrincipals ?? []) {
    if (new Big(p.cost).lt(minSpend)) continue;
    const pattern = principalPattern(p.principal);
    const body = [
      `${formatMoney(p.cost, currency)} of AWS AI spend (${p.services.join(', ')}) in ${month} was called by IAM principal ${p.principal}${p.account ? ` in account ${p.account}` : ''}, which no tag or allocation rule maps: it is unallocated.`,
      '',
      `To charge it to a team, tag the role with the team tag, or add a rule such as: { "match": { "provider": "aws", "iamPrincipal": "${pattern}" }, "team": "<team id>" }`,
      'Severity: warning. Sent the first time it is seen each month.',
    ].join('\n');
    alerts.push(
      build(
        { key: `shadow-ai#aws:principal:${p.principal}`, month, kind: 'shadow-ai', scope: 'shadow-ai', level: `aws:principal:${p.principal}`, rank: 0, subject: `[costline] Unmapped AI caller: ${p.principal}, ${formatMoney(p.cost, currency)} in ${month}`, body, attributes: alertAttributes(PLATFORM_TEAMS.unallocated, 'shadow-ai', 'warning', { [ALERT_ATTRIBUTES.provider]: 'aws' }) },
        { principal: p.principal, account: p.account ?? '', amount: p.cost },
      ),
    );
  }
  const watched = options.watchModels;
  if (watched.length) {
    // Whether a model is watched, asked once per model rather than once per slice.
    const isWatched = new Map<string, boolean>();
    const watchedSlices = slices.filter((s) => {
      if (s.model === null || monthOf(s.day) !== month) return false;
      let hit = isWatched.get(s.model);
      if (hit === undefined) isWatched.set(s.model, (hit = watched.some((p) => globMatches(p, s.model))));
      return hit;
    });
    const costs = sumAmounts(watchedSlices, (s) => s.model, (s) => s.amount);
    const teamCosts = sumAmounts(watchedSlices, (s) => JSON.stringify([s.model, s.team ?? PLATFORM_TEAMS.unallocated]), (s) => s.amount);
    const byModel = new Map<string, { provider: Provider; cost: Decimal; teams: Map<string, Decimal> }>();
    for (const s of watchedSlices) if (!byModel.has(s.model!)) byModel.set(s.model!, { provider: s.provider, cost: costs.get(s.model!)!, teams: new Map() });
    for (const [key, cost] of teamCosts) {
      const [model, team] = JSON.parse(key) as [string, string];
      byModel.get(model)!.teams.set(team, cost);
    }
    for (const [model, e] of byModel) {
      if (e.cost.lt(minSpend)) continue;
      const teams = [...e.teams.entries()].sort(([, a], [, b]) => b.cmp(a));
      const body = [
        `${model} (${providerLabel(e.provider)}), on the watch list of high-cost models, has cost ${formatMoney(formatCents(e.cost), currency)} in ${month} so far.`,
        '',
        'Who used it:',
        ...teams.map(([t, c]) => `  ${formatMoney(formatCents(c), currency).padStart(12)}  ${t}`),
        'Severity: warning. Sent the first time it is seen each month (alerts.shadowAi.watchModels).',
      ].join('\n');
      // One team: its lead hears of it too; several: it is organisation-wide (the platform audience).
      const single = teams.length === 1 ? teams[0]![0] : PLATFORM_TEAMS.organization;
      alerts.push(
        build(
          { key: `shadow-ai#model:${e.provider}:${model}`, month, kind: 'shadow-ai', scope: 'shadow-ai', level: `model:${model}`, rank: 0, subject: `[costline] Watched model ${model} used in ${month}: ${formatMoney(formatCents(e.cost), currency)}`, body, attributes: alertAttributes(single, 'shadow-ai', 'warning', { [ALERT_ATTRIBUTES.provider]: e.provider, [ALERT_ATTRIBUTES.model]: model }) },
          { model, amount: formatCents(e.cost), teams: teams.map(([t]) => t).join(',') },
        ),
      );
    }
  }
  return alerts;
}
