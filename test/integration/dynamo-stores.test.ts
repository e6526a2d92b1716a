import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCostRecordStore } from '../../functions/adapters/dynamodb/dynamo-cost-record-store';
import { DynamoAlertLedger, DynamoChargebackStore, DynamoIngestionStateStore } from '../../functions/adapters/dynamodb/dynamo-state-stores';
import { buildChargeback } from '../../functions/domain/chargeback';
import type { AlertScope, SentAlert } from '../../functions/ports/ports';
import { testConfig } from '../support/config';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { awsRecord } from '../support/records';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(() => aws.close());

describe('DynamoCostRecordStore against dynalite', () => {
  it('replaces a day: writes new records, rewrites changed ones, deletes vanished ones, leaves other days and sources alone', async () => {
    // Prepare
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const a = awsRecord({ serviceName: 'A', cost: '1.10', chargePeriodStart: '2026-10-05' });
    const b = awsRecord({ serviceName: 'B', cost: '2.20', chargePeriodStart: '2026-10-05' });
    const otherDay = awsRecord({ serviceName: 'A', cost: '3.30', chargePeriodStart: '2026-10-06' });
    const otherSource = awsRecord({ source: 'other', serviceName: 'A', cost: '4.40', chargePeriodStart: '2026-10-05' });
    await store.replaceDays('aws-cost-explorer', [
      { day: '2026-10-05', records: [a, b], estimated: true },
      { day: '2026-10-06', records: [otherDay], estimated: true },
    ]);
    await store.replaceDays('other', [{ day: '2026-10-05', records: [otherSource], estimated: true }]);

    // Act: the restated day 5 has A at a new amount and no B.
    const restatedA = { ...a, billedCost: '1.15', effectiveCost: '1.15', estimated: false };
    const stats = await store.replaceDays('aws-cost-explorer', [{ day: '2026-10-05', records: [restatedA], estimated: false }]);

    // Assess
    expect(stats).toEqual({ written: 1, deleted: 1, unchanged: 0 });
    const month = await store.listMonth('2026-10');
    expect(month.map((r) => [r.source, r.chargePeriodStart, r.serviceName, r.effectiveCost]).sort()).toEqual([
      ['aws-cost-explorer', '2026-10-05', 'A', '1.15'],
      ['aws-cost-explorer', '2026-10-06', 'A', '3.30'],
      ['other', '2026-10-05', 'A', '4.40'],
    ]);
    expect(month.find((r) => r.id === a.id)).toEqual(restatedA);
  });

  it('changes nothing when the same data is written twice', async () => {
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const days = [{ day: '2026-09-01', records: [awsRecord({ chargePeriodStart: '2026-09-01', tags: { team: 'x' } })], estimated: false }];
    expect(await store.replaceDays('aws-cost-explorer', days)).toEqual({ written: 1, deleted: 0, unchanged: 0 });
    expect(await store.replaceDays('aws-cost-explorer', days)).toEqual({ written: 0, deleted: 0, unchanged: 1 });
    expect(await store.listMonth('2026-09')).toHaveLength(1);
  });

  it('reads a month larger than one 1 MB query page', async () => {
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const records = Array.from({ length: 2500 }, (_, i) =>
      awsRecord({ chargePeriodStart: '2026-08-10', serviceName: `Service ${i} ${'x'.repeat(300)}`, cost: '0.01' }),
    );
    await store.replaceDays('aws-cost-explorer', [{ day: '2026-08-10', records, estimated: false }]);
    expect(await store.listMonth('2026-08')).toHaveLength(2500);
  });
});

describe('state, chargeback and alert stores against dynalite', () => {
  it('remembers whether a source month is settled', async () => {
    const state = new DynamoIngestionStateStore(aws.clients.dynamo, aws.tableName);
    expect(await state.getMonthState('aws-cost-explorer', '2026-10')).toBeUndefined();
    await state.putMonthState({ source: 'aws-cost-explorer', month: '2026-10', estimated: true, lastPulledAt: '2026-11-01T06:00:00.000Z' });
    expect(await state.getMonthState('aws-cost-explorer', '2026-10')).toMatchObject({ estimated: true });
  });

  it('reads a team’s month to date with one key', async () => {
    const chargebacks = new DynamoChargebackStore(aws.clients.dynamo, aws.tableName);
    const cb = buildChargeback([awsRecord({ tags: { team: 'search' }, cost: '12.34' })], testConfig(), '2026-10', '2026-10-20');
    await chargebacks.putChargeback(cb, '2026-10-20T06:00:00.000Z');
    expect(await chargebacks.getTeamCharge('2026-10', 'search')).toEqual(cb.teams.find((t) => t.team === 'search'));
    expect(await chargebacks.getTeamCharge('2026-10', 'nobody')).toBeUndefined();
  });

  it('writes a scope’s levels in one item, on the version before only, never to a lower rank, and lists every level', async () => {
    const ledger = new DynamoAlertLedger(aws.clients.dynamo, aws.tableName);
    const level = (threshold: number, delivery: SentAlert['delivery']): SentAlert => ({
      key: `threshold#team:search#${threshold}`,
      month: '2026-10',
      subject: `s${threshold}`,
      body: 'b',
      attributes: { team: 'search', kind: 'threshold', severity: 'warning' },
      firedAt: '2026-10-20T06:00:00.000Z',
      delivery,
    });
    const first: AlertScope = { month: '2026-10', id: 'threshold#team:search', kind: 'threshold', scope: 'team:search', rank: 80, alert: level(80, 'pending'), claimedBy: 'run-1', claimedAt: '2026-10-20T06:00:00.000Z', earlier: [level(50, 'superseded')], version: 1 };

    expect(await ledger.write(first)).toBe(true);
    // A second run claiming the same scope from nothing loses: one claim per scope.
    expect(await ledger.write({ ...first, claimedBy: 'run-2' })).toBe(false);
    // Never a lower rank, even on the right version.
    expect(await ledger.write({ ...first, rank: 50, alert: level(50, 'pending'), earlier: [], version: 2 })).toBe(false);
    // A stale version loses: another run wrote in between.
    expect(await ledger.write({ ...first, rank: 100, alert: level(100, 'pending'), version: 3 })).toBe(false);
    expect(await ledger.write({ ...first, alert: level(80, 'published'), version: 2 })).toBe(true);
    expect(await ledger.write({ ...first, rank: 100, alert: level(100, 'pending'), earlier: [level(50, 'superseded'), level(80, 'published')], version: 3 })).toBe(true);

    expect((await ledger.listScopes('2026-10')).map((s) => [s.id, s.rank, s.version, s.alert.delivery])).toEqual([['threshold#team:search', 100, 3, 'pending']]);
    expect((await ledger.listMonth('2026-10')).map((a) => `${a.key}:${a.delivery}`)).toEqual(['threshold#team:search#100:pending', 'threshold#team:search#50:superseded', 'threshold#team:search#80:published']);
  });

  it('reads an alert of the per-level ledger before scopes as already recorded', async () => {
    const ledger = new DynamoAlertLedger(aws.clients.dynamo, aws.tableName);
    const legacy = { key: 'threshold#team:growth#50', month: '2026-09', subject: 's', body: 'b', attributes: { team: 'growth', kind: 'threshold', severity: 'info' }, firedAt: '2026-09-20T06:00:00.000Z', delivery: 'published' };
    await aws.clients.dynamo.send(new PutCommand({ TableName: aws.tableName, Item: { pk: 'ALERT#2026-09', sk: legacy.key, ...legacy } }));
    expect(await ledger.listMonth('2026-09')).toEqual([legacy]);
    expect(await ledger.listScopes('2026-09')).toEqual([]);
  });
});
