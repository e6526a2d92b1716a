import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { explainTeam, UnknownTeamError } from '../../../../functions/domain/allocation/explain';
import { sum } from '../../../../functions/domain/records/money';
import { chargeWith } from '../../../support/chargeback';
import { awsRecord } from '../../../support/records';
import { config } from '../../../support/statement-month';

describe('explain', () => {
  const records = [
    awsRecord({ tags: { team: 'payments' }, cost: '10.004', serviceName: 'Amazon EC2' }),
    awsRecord({ tags: { team: 'PAY' }, cost: '2.003', serviceName: 'Amazon S3' }),
    awsRecord({ subAccountId: '111122223333', cost: '5.003', serviceName: 'AWS Lambda' }),
    awsRecord({ tags: { team: 'search' }, cost: '1' }),
    awsRecord({ serviceName: 'AWS Support (Business)', subAccountId: '444455556666', cost: '3' }),
  ];

  it('puts each of a team’s dollars under the tag or rule that placed it, adding up to the chargeback’s figures', () => {
    const { allocated, chargeback } = chargeWith(records, config, '2026-10', '2026-10-20');
    const e = explainTeam(allocated, chargeback, 'payments');
    expect(e).toMatchObject({ direct: '17.01', shared: '1.50', total: '18.51' });
    expect(e.reasons.map((r) => [r.reason, r.cost, r.records])).toEqual([
      // 10.004 + 5.003 + 2.003 = 17.01: the spare cent goes to the largest remainder (.004).
      ['tag team="payments"', '10.01', 1],
      ['rule 0: {"provider":"aws","account":"111122223333"}', '5.00', 1],
      ['tag team="PAY"', '2.00', 1],
    ]);
    expect(sum(e.reasons.map((r) => new Big(r.cost))).toFixed(2)).toBe(e.direct);
    expect(e.shares).toEqual([{ pool: 'support', method: 'even', basis: 'cost', ratio: '0.5000', amount: '1.50', byProvider: { aws: '1.50' } }]);
  });

  it('names the known teams for an unknown one', () => {
    const { allocated, chargeback } = chargeWith(records, config, '2026-10', '2026-10-20');
    expect(() => explainTeam(allocated, chargeback, 'nobody')).toThrow(new UnknownTeamError('unknown team "nobody" (known: payments, search, growth)'));
  });
});
