import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { buildChargeback } from '../../../support/chargeback';
import { budgetPositions, teamThresholdAlert, thresholdAlert } from '../../../../functions/domain/guardrails/threshold-alerts';
import { guardrailsPolicyOf } from '../../../../functions/config/policies';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

describe('budget thresholds', () => {
  const config = testConfig();
  const chargeback = buildChargeback(
    [
      awsRecord({ tags: { team: 'payments' }, cost: '79.99', serviceName: 'Amazon EC2' }),
      awsRecord({ tags: { team: 'search' }, cost: '40', serviceName: 'Claude Sonnet 4.5 (Amazon Bedrock Edition)' }),
      awsRecord({ tags: { team: 'search' }, cost: '17.5', serviceName: 'Amazon OpenSearch Service' }),
      awsRecord({ tags: { team: 'growth' }, cost: '1000' }),
    ],
    config,
    '2026-10',
    '2026-10-20',
  );

  it('reports each threshold a budgeted team has reached, exactly at the boundary, and ignores teams without a budget', () => {
    expect(budgetPositions(chargeback, guardrailsPolicyOf(config)).map((p) => [p.team.team, p.reached])).toEqual([
      ['payments', [50]],
      ['search', [50, 80, 100]],
    ]);
    const exactly = buildChargeback([awsRecord({ tags: { team: 'payments' }, cost: '80.00' })], config, '2026-10', '2026-10-20');
    expect(budgetPositions(exactly, guardrailsPolicyOf(config))[0]!.reached).toEqual([50, 80]);
  });

  it('says team, month, spend, budget, percentage and top services, with filterable attributes', () => {
    const search = chargeback.teams.find((t) => t.team === 'search')!;
    const message = teamThresholdAlert(chargeback, search, 100);
    expect(message.key).toBe('threshold#team:search#100');
    expect(message.attributes).toEqual({ team: 'search', kind: 'threshold', severity: 'critical', threshold: '100' });
    expect(message.subject.length).toBeLessThan(100);
    expect(message.subject).toContain('Search reached 100% of its 2026-10 budget');
    expect(message.body).toContain('has spent $57.50 of its $50.00 budget for 2026-10: 115.0%');
    expect(message.body.indexOf('Claude Sonnet 4.5')).toBeLessThan(message.body.indexOf('Amazon OpenSearch Service'));
  });

  it('builds a budget scope\'s alert like a team\'s: same key, level, rank and attribute order, the scope\'s provider and model after the threshold', () => {
    // Prepare: a $100 budget on Search's gpt-4o models, $80 spent.
    const scope = { scope: 'team:search/model:gpt-4o*', label: 'Search: gpt-4o*', team: 'search', model: 'gpt-4o*', monthly: new Big(100), shared: new Big(0) };

    // Act
    const alert = thresholdAlert(scope, '2026-10', new Big('80'), 80, new Map([['search', 'Search']]), 'USD');

    // Assess
    expect([alert.key, alert.level, alert.rank, alert.subject]).toEqual(['threshold#team:search/model:gpt-4o*#80', '80', 80, '[costline] Search: gpt-4o* reached 80% of its 2026-10 budget']);
    expect(Object.entries(alert.attributes)).toEqual([['team', 'search'], ['kind', 'threshold'], ['severity', 'warning'], ['threshold', '80'], ['model', 'gpt-4o*']]);
    expect(alert.json.metadata.additionalContext).toMatchObject({ spend: '80.00', budget: '100.00', percent: '80.0' });
  });

  it('cuts a team\'s long subject at 99 characters and ends a budget scope\'s in "..."', () => {
    const long = 'A'.repeat(120);
    const team = { ...chargeback.teams.find((t) => t.team === 'search')!, name: long };
    const scope = { scope: 'team:search/model:gpt-4o*', label: long, team: 'search', model: 'gpt-4o*', monthly: new Big(100), shared: new Big(0) };

    expect(teamThresholdAlert(chargeback, team, 100).subject).toBe(`[costline] ${long}`.slice(0, 99));
    expect(thresholdAlert(scope, '2026-10', new Big('100'), 100, new Map(), 'USD').subject).toBe(`[costline] ${long}`.slice(0, 96) + '...');
  });
});
