import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { withMonthOverMonth } from '../../../../functions/domain/chargeback/month-over-month';
import { buildChargeback } from '../../../support/chargeback';
import { renderStatementText } from '../../../../functions/domain/statements/statement-text';
import { sum } from '../../../../functions/domain/records/money';
import { testConfig } from '../../../support/config';
import { expectBooksBalance } from '../../../support/books';
import { awsRecord } from '../../../support/records';

describe('monthly chargeback', () => {
  const config = testConfig();

  it('charges each team its allocated spend, with a breakdown by provider and service', () => {
    const cb = buildChargeback(
      [
        awsRecord({ tags: { team: 'payments' }, cost: '60.00', serviceName: 'Amazon DynamoDB' }),
        awsRecord({ subAccountId: '111122223333', cost: '15.50', serviceName: 'AWS Lambda' }),
        awsRecord({ tags: { team: 'search' }, cost: '10', serviceName: 'Amazon Bedrock' }),
        awsRecord({ subAccountId: '444455556666', cost: '4.5', serviceName: 'AWS Support (Business)' }),
      ],
      config,
      '2026-10',
      '2026-10-20',
    );
    expect(cb).toMatchObject({ month: '2026-10', currency: 'USD', status: 'preliminary', total: '90.00', unallocated: '4.50', providers: { aws: '90.00' } });
    expect(cb.teams.map((t) => [t.team, t.total, t.budgetUsedPercent])).toEqual([
      ['payments', '75.50', 75.5],
      ['search', '10.00', 20],
      ['growth', '0.00', null],
    ]);
    expect(cb.teams[0]!.byService).toEqual([
      { provider: 'aws', service: 'Amazon DynamoDB', cost: '60.00' },
      { provider: 'aws', service: 'AWS Lambda', cost: '15.50' },
    ]);
    expect(cb.unallocatedSources).toEqual([{ provider: 'aws', account: '444455556666', service: 'AWS Support (Business)', tagValue: null, cost: '4.50' }]);
    expectBooksBalance(cb);
  });

  it('compares each team with the previous month: change and percent, null percent for a team new this month', () => {
    const october = buildChargeback([awsRecord({ tags: { team: 'payments' }, cost: '110' }), awsRecord({ tags: { team: 'search' }, cost: '5' })], config, '2026-10', '2026-10-20');
    const september = buildChargeback([awsRecord({ tags: { team: 'payments' }, cost: '100', chargePeriodStart: '2026-09-10' })], config, '2026-09', '2026-10-20');
    const mom = withMonthOverMonth(october, september).monthOverMonth!;
    expect(mom.previousMonth).toBe('2026-09');
    expect(mom.teams.payments).toEqual({ previous: '100.00', change: '10.00', changePercent: 10 });
    expect(mom.teams.search).toEqual({ previous: '0.00', change: '5.00', changePercent: null });
    expect(withMonthOverMonth(october, undefined).monthOverMonth).toBeUndefined();
    expect(renderStatementText(withMonthOverMonth(october, september))).toMatch(/^Payments .* \+10\.0%$/m);
  });

  it('uses the configured cost metric: amortized charges effective cost, unblended charges billed cost', () => {
    const records = [awsRecord({ tags: { team: 'pay' }, billedCost: '10', effectiveCost: '7' })];
    expect(buildChargeback(records, config, '2026-10', '2026-10-20').total).toBe('7.00');
    const unblended = testConfig({ sources: { aws: { enabled: true, costMetric: 'UnblendedCost' } } });
    expect(buildChargeback(records, unblended, '2026-10', '2026-10-20').total).toBe('10.00');
  });

  it('balances to the cent when every record is a third of a cent off', () => {
    const records = ['payments', 'search', 'growth', 'nobody'].flatMap((team, i) =>
      Array.from({ length: 7 }, (_, d) => awsRecord({ tags: { team }, cost: '0.3333333333', chargePeriodStart: `2026-10-0${d + 1}`, serviceName: `S${i}` })),
    );
    const cb = buildChargeback(records, testConfig({ teams: [{ id: 'payments', name: 'P' }, { id: 'search', name: 'S' }, { id: 'growth', name: 'G' }] }), '2026-10', '2026-10-09');
    expect(cb.total).toBe('9.33');
    expectBooksBalance(cb);
  });

  it('keeps credits: negative records reduce the team and the total', () => {
    const cb = buildChargeback(
      [awsRecord({ tags: { team: 'payments' }, cost: '20' }), awsRecord({ tags: { team: 'payments' }, cost: '-5.25', serviceName: 'Credit' })],
      config,
      '2026-10',
      '2026-10-20',
    );
    expect(cb.teams[0]!.total).toBe('14.75');
    expectBooksBalance(cb);
  });

  it('waits for the latest re-pull day of every enabled source before calling a month final', () => {
    const settled = [awsRecord({ tags: { team: 'payments' }, estimated: false })];
    const withOpenAi = testConfig({ sources: { aws: { enabled: true, costMetric: 'AmortizedCost' }, openai: { enabled: true, previousMonthUntilDay: 8 } } });
    expect(buildChargeback(settled, withOpenAi, '2026-10', '2026-11-06').status).toBe('preliminary');
    expect(buildChargeback(settled, withOpenAi, '2026-10', '2026-11-09').status).toBe('final');
  });

  it('is final only once nothing is estimated and the close day has passed', () => {
    const settled = [awsRecord({ tags: { team: 'payments' }, estimated: false })];
    expect(buildChargeback(settled, config, '2026-10', '2026-11-04').status).toBe('preliminary');
    expect(buildChargeback(settled, config, '2026-10', '2026-11-06').status).toBe('final');
    expect(buildChargeback([awsRecord({ estimated: true })], config, '2026-10', '2026-12-01').status).toBe('preliminary');
  });

  it('balances for random records, teams and tags (property)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const tags = ['payments', 'PAY', 'search', 'growth', 'legacy', ''];
    for (let run = 0; run < 50; run++) {
      const records = Array.from({ length: 1 + Math.floor(rand() * 80) }, (_, i) =>
        awsRecord({
          id: `r${i}`,
          tags: { team: tags[Math.floor(rand() * tags.length)]! },
          subAccountId: rand() < 0.3 ? '111122223333' : '444455556666',
          serviceName: `Service ${Math.floor(rand() * 15)}`,
          cost: ((rand() - 0.1) * 500).toFixed(10),
        }),
      );
      const cb = buildChargeback(records, config, '2026-10', '2026-10-20');
      expectBooksBalance(cb);
      const exact = sum(records.map((r) => new Big(r.effectiveCost)));
      expect(cb.total).toBe(exact.round(2, Big.roundHalfUp).toFixed(2));
    }
  });
});
