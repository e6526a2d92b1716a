import { describe, expect, it } from 'vitest';
import { budgetPositions, thresholdAlertMessage } from '../../../../functions/domain/guardrails/budget-alerts';
import { buildChargeback } from '../../../support/chargeback';
import { renderStatementText } from '../../../../functions/domain/statements/statement-text';
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
    expect(budgetPositions(chargeback, config).map((p) => [p.team.team, p.reached])).toEqual([
      ['payments', [50]],
      ['search', [50, 80, 100]],
    ]);
    const exactly = buildChargeback([awsRecord({ tags: { team: 'payments' }, cost: '80.00' })], config, '2026-10', '2026-10-20');
    expect(budgetPositions(exactly, config)[0]!.reached).toEqual([50, 80]);
  });

  it('says team, month, spend, budget, percentage and top services, with filterable attributes', () => {
    const search = chargeback.teams.find((t) => t.team === 'search')!;
    const message = thresholdAlertMessage(chargeback, search, 100);
    expect(message.key).toBe('threshold#team:search#100');
    expect(message.attributes).toEqual({ team: 'search', kind: 'threshold', severity: 'critical', threshold: '100' });
    expect(message.subject.length).toBeLessThan(100);
    expect(message.subject).toContain('Search reached 100% of its 2026-10 budget');
    expect(message.body).toContain('has spent $57.50 of its $50.00 budget for 2026-10: 115.0%');
    expect(message.body.indexOf('Claude Sonnet 4.5')).toBeLessThan(message.body.indexOf('Amazon OpenSearch Service'));
  });
});

describe('statement text', () => {
  it('has a line per team, unallocated and the grand total', () => {
    const config = testConfig();
    const cb = buildChargeback(
      [awsRecord({ tags: { team: 'payments' }, cost: '1234.5' }), awsRecord({ subAccountId: '444455556666', cost: '0.5' })],
      config,
      '2026-10',
      '2026-10-20',
    );
    const text = renderStatementText(cb);
    expect(text).toMatch(/^Payments\s+1,234\.50\s+0\.00\s+1,234\.50\s+100\.00\s+1234\.5%$/m);
    expect(text).toMatch(/^Growth\s+0\.00\s+0\.00\s+0\.00\s+-\s+-$/m);
    expect(text).toMatch(/^Unallocated\s+0\.50$/m);
    expect(text).toMatch(/^TOTAL\s+1,235\.00$/m);
    expect(text).toContain('account 444455556666');
  });
});
