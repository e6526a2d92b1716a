import Big from 'big.js';
import { formatMoney } from '../statements/format';
import { build, providerLabel, type GuardrailAlert } from './alert';
import { topDrivers, type Driver, type DriverSeries, type SpendAnomaly } from './anomaly';
import { alertAttributes, ALERT_ATTRIBUTES, type Severity } from './alert-attributes';
import { dailySeries, type Slice } from './slices';

/** The model or service, the project or workspace, and the API key whose change explains the jump. */
export function driversOf(slices: readonly Slice[], day: string, options: { minImpact?: string; baselineDays?: number }): Driver[] {
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
    ...components('model', (s) => (s.model ? [s.model, `${s.model} (${providerLabel(s.provider)})`] : null)),
    ...components('service', (s) => (s.model ? null : [s.service, s.service])),
  ];
  const where = components('project', (s) => (s.provider === 'openai' && s.subAccount ? [s.subAccount, `OpenAI project ${s.subAccount}`] : s.provider === 'anthropic' ? [s.subAccount ?? 'default', `Anthropic workspace ${s.subAccount ?? 'default'}`] : null));
  const keys = components('apiKey', (s) => (s.apiKey ? [s.apiKey, `API key ${s.apiKey}`] : null));
  const driverOptions = { baselineDays: options.baselineDays };
  return [...topDrivers(what, day, driverOptions).slice(0, 3), ...topDrivers(where, day, driverOptions).slice(0, 2), ...topDrivers(keys, day, driverOptions).slice(0, 2)];
}

/** A spend anomaly of a team (`model` null) or of one of its models, with what moved. */
export function anomalyAlert(scope: string, teamLabel: string, model: Slice | null, a: SpendAnomaly, drivers: Driver[], month: string, currency: string, minImpact: string): GuardrailAlert {
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
      attributes: alertAttributes(team, 'anomaly', severity, model ? { [ALERT_ATTRIBUTES.provider]: model.provider, [ALERT_ATTRIBUTES.model]: model.model! } : {}),
    },
    { day: a.day, actual: a.actual, expected: a.expected, impact: a.impact, drivers: drivers.map((d) => `${d.label} +${d.change}`).join('; ') },
  );
}
