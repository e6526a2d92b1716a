import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { buildChargeback } from '../../../support/chargeback';
import { priorPeriodAdjustments, statementHash, withAdjustments, type ClosedStatement } from '../../../../functions/domain/chargeback/month-close';
import { sum } from '../../../../functions/domain/records/money';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

const config = testConfig();
const sept = [
  awsRecord({ tags: { team: 'payments' }, cost: '100', chargePeriodStart: '2026-09-10' }),
  awsRecord({ tags: { team: 'search' }, cost: '40', chargePeriodStart: '2026-09-12' }),
  awsRecord({ subAccountId: '444455556666', cost: '5', chargePeriodStart: '2026-09-15' }),
];
const close = (month: string, records = sept, adjustments: ClosedStatement['adjustments'] = []): ClosedStatement => {
  const chargeback = buildChargeback(records, config, month, '2026-10-06');
  return { month, chargeback, adjustments, contentHash: statementHash(chargeback, adjustments), closedAt: '2026-10-06T08:00:00Z' };
};

describe('month close and prior-period adjustments', () => {
  it('shows nothing to adjust when the closed month has not changed', () => {
    const closed = close('2026-09');
    expect(priorPeriodAdjustments([closed], new Map([['2026-09', buildChargeback(sept, config, '2026-09', '2026-10-20')]]))).toEqual([]);
  });

  it('carries a late credit, a late charge and a restatement after close to the next open month, per team', () => {
    const closed = close('2026-09');
    const later = [
      awsRecord({ tags: { team: 'payments' }, cost: '97.5', chargePeriodStart: '2026-09-10' }), // restated down
      awsRecord({ tags: { team: 'search' }, cost: '40', chargePeriodStart: '2026-09-12' }),
      awsRecord({ tags: { team: 'search' }, cost: '-12.25', serviceName: 'Credit', chargePeriodStart: '2026-09-30' }), // late credit
      awsRecord({ subAccountId: '444455556666', cost: '5', chargePeriodStart: '2026-09-15' }),
      awsRecord({ subAccountId: '444455556666', cost: '1.10', serviceName: 'AWS Support (Business)', chargePeriodStart: '2026-09-30' }), // late charge
    ];
    const adjustments = priorPeriodAdjustments([closed], new Map([['2026-09', buildChargeback(later, config, '2026-09', '2026-10-20')]]));
    expect(adjustments).toEqual([
      { team: 'payments', forMonth: '2026-09', amount: '-2.50' },
      { team: 'search', forMonth: '2026-09', amount: '-12.25' },
      { team: '__unallocated__', forMonth: '2026-09', amount: '1.10' },
    ]);

    // The open month keeps its own books balanced, and adds the corrections beside them.
    const october = withAdjustments(buildChargeback([awsRecord({ tags: { team: 'payments' }, cost: '50', chargePeriodStart: '2026-10-02' })], config, '2026-10', '2026-10-20'), adjustments);
    expect(october).toMatchObject({ total: '50.00', adjustmentsTotal: '-13.65', unallocatedAdjustments: '1.10', totalDue: '36.35' });
    expect(october.teams[0]).toMatchObject({ team: 'payments', total: '50.00', totalDue: '47.50', adjustments: [{ forMonth: '2026-09', amount: '-2.50' }] });
    const teamAdjustments = sum(october.teams.flatMap((t) => t.adjustments.map((a) => new Big(a.amount))));
    expect(teamAdjustments.plus(october.unallocatedAdjustments).toFixed(2)).toBe(october.adjustmentsTotal);
  });

  it('applies a correction once: a later statement that carried it is not charged it again', () => {
    const september = close('2026-09');
    const restated = [...sept, awsRecord({ tags: { team: 'search' }, cost: '-12.25', serviceName: 'Credit', chargePeriodStart: '2026-09-30' })];
    const recomputed = new Map([['2026-09', buildChargeback(restated, config, '2026-09', '2026-11-20')]]);
    const carried = priorPeriodAdjustments([september], recomputed);
    // October closed carrying the credit; November must not carry it again.
    const october = close('2026-10', [], carried);
    expect(priorPeriodAdjustments([september, october], recomputed)).toEqual([]);
  });

  it('hashes the content, so a stored statement can be checked and changes to it show', () => {
    const closed = close('2026-09');
    expect(closed.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(statementHash(closed.chargeback, [])).toBe(closed.contentHash);
    expect(statementHash({ ...closed.chargeback, total: '0.00' }, [])).not.toBe(closed.contentHash);
  });
});
