import { usageAllocation, type AllocatedMonth } from '../allocation/allocate';
import type { Provider } from '../records/cost-record';
import { totalTokens } from '../records/usage-record';
import { formatMoney } from '../statements/format';
import { build, providerLabel, type GuardrailAlert } from './alert';
import { alertAttributes, ALERT_ATTRIBUTES } from './alert-attributes';
import type { UnitCostChange } from './anomaly';
import { sumAmounts, type Slice } from './slices';

/** Daily cost and tokens per (team, provider, model), for unit costs: model lines with usage only. */
export function unitSeries(months: readonly AllocatedMonth[], slices: readonly Slice[]): Map<string, Array<{ day: string; cost: string; tokens: number }>> {
  const tokens = new Map<string, number>();
  for (const month of months) {
    month.usage.forEach((u, i) => {
      if (u.apportionByCost) return;
      const a = usageAllocation(month, i);
      if (a.kind !== 'team') return;
      const key = JSON.stringify([a.team, u.provider, u.model, u.chargePeriodStart]);
      tokens.set(key, (tokens.get(key) ?? 0) + totalTokens(u.tokens));
    });
  }
  const cost = sumAmounts(
    slices,
    (s) => (s.team === null || s.model === null ? null : JSON.stringify([s.team, s.provider, s.model, s.day])),
    (s) => s.amount,
  );
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

/** A team-model's cost per million tokens rose at steady volume. */
export function unitCostAlert(team: string, name: string, provider: Provider, model: string, c: UnitCostChange, month: string, currency: string): GuardrailAlert {
  const scope = `team:${team}/model:${model}`;
  const body = [
    `${name}'s ${model} (${providerLabel(provider)}) cost ${formatMoney(c.costPerMillion, currency)} per million tokens on ${c.day}, up ${c.increasePercent.toFixed(0)}% from ${formatMoney(c.baselineCostPerMillion, currency)}, at a steady ${(c.tokens / 1e6).toFixed(1)}M tokens: ${formatMoney(c.impact, currency)} more for the day.`,
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
      attributes: alertAttributes(team, 'unit-cost', 'warning', { [ALERT_ATTRIBUTES.provider]: provider, [ALERT_ATTRIBUTES.model]: model }),
    },
    { day: c.day, costPerMillion: c.costPerMillion, baselineCostPerMillion: c.baselineCostPerMillion, impact: c.impact },
  );
}
