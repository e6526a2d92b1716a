import { describe, expect, it } from 'vitest';
import { guardrailsPolicyOf } from '../../../../functions/config/policies';
import { allocateWith, buildChargeback } from '../../../support/chargeback';
import { evaluateGuardrails } from '../../../../functions/domain/guardrails/guardrails';
import { testConfig } from '../../../support/config';
import { awsRecord, dailyRecords } from '../../../support/records';

describe('evaluateGuardrails', () => {
  it('forecasts a budget scope over budget with its range and run-out day, and stays quiet under budget', () => {
    // Prepare: 28 days of $100/day history, then October at $150/day against a $3,000 team budget.
    const rows = [...dailyRecords('payments', '2026-09-03', 28, '100'), ...dailyRecords('payments', '2026-10-01', 9, '150')];
    const config = testConfig({ teams: [{ id: 'payments', name: 'Payments', monthlyBudget: 3000 }, { id: 'search', name: 'Search', monthlyBudget: 99999 }] });
    const chargeback = buildChargeback(rows.filter((r) => r.chargePeriodStart >= '2026-10-01'), config, '2026-10', '2026-10-10');

    // Act
    const alerts = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-10T06:00:00Z'), policy: guardrailsPolicyOf(config), chargeback, allocated: [allocateWith(rows, config)] });

    // Assess
    const forecast = alerts.filter((a) => a.kind === 'forecast');
    expect(forecast.map((a) => a.key)).toEqual(expect.arrayContaining(['forecast#team:payments#over']));
    const sent = forecast.find((a) => a.rank === Math.max(...forecast.map((f) => f.rank)))!;
    expect(sent.body).toMatch(/Payments is projected to spend \$[\d,.]+ in 2026-10 against a \$3,000\.00 budget \(80% range/);
    expect(sent.body).toMatch(/budget runs out on 2026-10-2\d/);
    expect(sent.subject.length).toBeLessThan(100);
    expect(sent.json).toMatchObject({ version: '1.0', source: 'custom', content: { title: sent.subject }, metadata: { eventType: 'forecast', additionalContext: { team: 'payments', kind: 'forecast' } } });
    expect(alerts.some((a) => a.kind === 'forecast' && a.attributes.team === 'search')).toBe(false);
  });

  it('skips the forecast of a team whose shared-pool shares alone pass its budget, and still alerts on the threshold', () => {
    const config = testConfig({
      teams: [{ id: 'payments', name: 'Payments', monthlyBudget: 100 }, { id: 'search', name: 'Search' }],
      allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'aws', service: 'AWS Support (Business)' }, pool: 'support' }], sharedPools: [{ id: 'support', method: 'fixed', weights: { payments: 1 } }] },
    });
    const rows = [...dailyRecords('payments', '2026-09-20', 20, '1'), awsRecord({ serviceName: 'AWS Support (Business)', chargePeriodStart: '2026-10-01', cost: '150' })];
    const chargeback = buildChargeback(rows.filter((r) => r.chargePeriodStart >= '2026-10-01'), config, '2026-10', '2026-10-10');
    const alerts = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-10T06:00:00Z'), policy: guardrailsPolicyOf(config), chargeback, allocated: [allocateWith(rows, config)] });
    expect(alerts.filter((a) => a.kind === 'forecast')).toEqual([]);
    expect(chargeback.teams.find((t) => t.team === 'payments')!.shared).toBe('150.00');
  });
});
