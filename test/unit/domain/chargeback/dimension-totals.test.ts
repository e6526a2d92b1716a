import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import type { Chargeback, DimensionValueTotal } from '../../../../functions/domain/chargeback/chargeback';
import { sum } from '../../../../functions/domain/records/money';
import { expectBooksBalance } from '../../../support/books';
import { buildChargeback } from '../../../support/chargeback';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';
import { usageRecord } from '../../../support/usage';

const total = (values: readonly DimensionValueTotal[]) => sum(values.map((v) => new Big(v.cost))).toFixed(2);

/** Each dimension's values, `(none)` included, add up to the total, and each team's to its direct spend, to the cent. */
function expectDimensionsBalance(cb: Chargeback): void {
  expect(cb.dimensions).toBeDefined();
  for (const d of cb.dimensions!) {
    expect(d.total).toBe(cb.total);
    expect(total(d.values)).toBe(cb.total);
    for (const t of d.teams) expect(total(t.values)).toBe(cb.teams.find((c) => c.team === t.team)!.direct);
  }
}

const dimensions = [
  { id: 'feature', tagKey: 'feature', rules: [{ match: { iamPrincipal: 'arn:aws:sts::*:assumed-role/writer/*' }, value: 'campaign-writer' }, { match: { provider: 'openai', project: 'proj_search' }, value: 'search-ranking' }] },
  { id: 'environment', tagKey: 'env' },
];

describe('dimension totals', () => {
  const config = testConfig({
    allocation: {
      awsTagKey: 'team',
      rules: [
        { match: { provider: 'aws', account: '111122223333' }, team: 'payments' },
        { match: { provider: 'openai', project: 'proj_search' }, team: 'search' },
        { match: { service: 'AWS Support (Business)' }, pool: 'support' },
      ],
      sharedPools: [{ id: 'support', method: 'even', evenAmong: 'all' }],
      dimensions,
    },
  });

  it('breaks the month total down by value, before pools are split, and each team\'s direct spend by value, with tokens and unit costs', () => {
    // Prepare
    const records = [
      awsRecord({ tags: { team: 'pay', env: 'prod' }, cost: '60.00' }),
      awsRecord({ subAccountId: '111122223333', cost: '15.50', serviceName: 'AWS Lambda', tags: { env: 'dev' } }),
      awsRecord({ subAccountId: '444455556666', serviceName: 'Amazon Bedrock', iamPrincipal: 'arn:aws:sts::444455556666:assumed-role/writer/lambda', cost: '7.25' }),
      awsRecord({ provider: 'openai', providerName: 'OpenAI', subAccountId: 'proj_search', serviceName: 'OpenAI API', model: 'gpt-4o-2024-08-06', cost: '10.00' }),
      awsRecord({ serviceName: 'AWS Support (Business)', cost: '9.00', tags: { env: 'prod' } }),
    ];
    const usage = [usageRecord({ subAccountId: 'proj_search', tokens: { input: 1_500_000, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 500_000 }, requests: 400 })];

    // Act
    const cb = buildChargeback(records, config, '2026-10', '2026-10-20', { usage });

    // Assess
    expectBooksBalance(cb);
    expectDimensionsBalance(cb);
    const [feature, environment] = cb.dimensions!;
    expect(feature!.values.map((v) => [v.value, v.cost])).toEqual([
      ['search-ranking', '10.00'],
      ['campaign-writer', '7.25'],
      ['(none)', '84.50'],
    ]);
    expect(feature!.values[0]).toMatchObject({ tokens: { input: 1_500_000, cachedInput: 0, cacheWrite: 0, output: 500_000 }, requests: 400, perMillionTokens: '5.0000', perThousandRequests: '25.0000' });
    expect(feature!.values[1]).toMatchObject({ perMillionTokens: null, perThousandRequests: null });
    expect(environment!.values.map((v) => [v.value, v.cost])).toEqual([
      ['prod', '69.00'],
      ['dev', '15.50'],
      ['(none)', '17.25'],
    ]);
    expect(environment!.teams.map((t) => [t.team, t.direct, t.values.map((v) => [v.value, v.cost])])).toEqual([
      ['payments', '75.50', [['prod', '60.00'], ['dev', '15.50']]],
      ['search', '10.00', [['(none)', '10.00']]],
    ]);
  });

  it('adds no dimensions field when none are configured', () => {
    const cb = buildChargeback([awsRecord({ tags: { team: 'pay' } })], testConfig(), '2026-10', '2026-10-20');
    expect('dimensions' in cb).toBe(false);
  });

  it('balances every dimension to the cent for random records, tags and principals (property)', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const teams = ['payments', 'PAY', 'search', 'growth', 'legacy', ''];
    const envs = ['prod', ' prod ', 'dev', 'Prod', undefined];
    const features = ['checkout', 'search', undefined, undefined];
    for (let run = 0; run < 40; run++) {
      const records = Array.from({ length: 1 + Math.floor(rand() * 60) }, (_, i) => {
        const env = pick(envs);
        const feat = pick(features);
        return awsRecord({
          id: `r${i}`,
          tags: { team: pick(teams), ...(env !== undefined ? { env } : {}), ...(feat !== undefined ? { feature: feat } : {}) },
          subAccountId: rand() < 0.3 ? '111122223333' : '444455556666',
          serviceName: rand() < 0.1 ? 'AWS Support (Business)' : `Service ${Math.floor(rand() * 8)}`,
          ...(rand() < 0.3 ? { iamPrincipal: `arn:aws:sts::444455556666:assumed-role/${pick(['writer', 'reader'])}/s` } : {}),
          cost: ((rand() - 0.1) * 300).toFixed(10),
        });
      });
      const cb = buildChargeback(records, config, '2026-10', '2026-10-20');
      expectBooksBalance(cb);
      expectDimensionsBalance(cb);
    }
  });
});
