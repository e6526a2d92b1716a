import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCostRecordStore } from '../../functions/adapters/dynamodb/dynamo-cost-record-store';
import { DynamoAlertLedger, DynamoChargebackStore, DynamoIngestionStateStore } from '../../functions/adapters/dynamodb/dynamo-state-stores';
import { buildChargeback } from '../support/chargeback';
import type { AlertScope, SentAlert } from '../../functions/ports/ports';
import { testConfig } from '../support/config';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { awsRecord } from '../support/records';
import { pausingPointerSwitches } from '../support/pausing-client';

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

const rawSortKeys = async (pk: string) =>
  ((await aws.clients.dynamo.send(new QueryCommand({ TableName: aws.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? []).map((i) => i.sk as string);

describe('DynamoCostRecordStore day versions against dynalite', () => {
  it('shows a reader the old day whole while a replacement has written its new version but not switched the pointer, and the new day whole after', async () => {
    // Prepare: day 2026-07-03 holds two lines, $28.42 among them.
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const kept = awsRecord({ serviceName: 'Kept', cost: '10.00', chargePeriodStart: '2026-07-03' });
    const dropped = awsRecord({ serviceName: 'Dropped', cost: '28.42', chargePeriodStart: '2026-07-03' });
    await store.replaceDays('aws-cost-explorer', [{ day: '2026-07-03', records: [kept, dropped], estimated: false }]);
    const before = await store.listMonth('2026-07');
    const pausing = pausingPointerSwitches(aws.clients.dynamo);
    const writer = new DynamoCostRecordStore(pausing.client, aws.tableName);

    // Act: the restatement drops one line and changes the other; a statement reads in between.
    const restated = { ...kept, billedCost: '12.00', effectiveCost: '12.00' };
    const replacing = writer.replaceDays('aws-cost-explorer', [{ day: '2026-07-03', records: [restated], estimated: false }]);
    await pausing.paused;
    const during = await store.listMonth('2026-07');
    pausing.release();
    const stats = await replacing;
    const after = await store.listMonth('2026-07');

    // Assess
    expect(during).toEqual(before);
    expect(during.map((r) => r.billedCost).sort()).toEqual(['10.00', '28.42']);
    expect(after).toEqual([restated]);
    expect(stats).toEqual({ written: 1, deleted: 1, unchanged: 0 });
  });

  it('keeps the superseded version until the day is replaced again, then deletes it; an unchanged day writes and deletes nothing', async () => {
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const day = (cost: string) => [{ day: '2026-06-10', records: [awsRecord({ serviceName: 'S', cost, chargePeriodStart: '2026-06-10' })], estimated: false }];
    await store.replaceDays('aws-cost-explorer', day('1.00'));
    await store.replaceDays('aws-cost-explorer', day('2.00'));
    const afterSecond = (await rawSortKeys('REC#2026-06')).filter((sk) => sk.startsWith('2026-06-10#'));
    expect(afterSecond.map((sk) => sk.split('#')[2])).toEqual(['v1', 'v2']);
    expect(await store.replaceDays('aws-cost-explorer', day('2.00'))).toEqual({ written: 0, deleted: 0, unchanged: 1 });
    await store.replaceDays('aws-cost-explorer', day('3.00'));
    const afterThird = (await rawSortKeys('REC#2026-06')).filter((sk) => sk.startsWith('2026-06-10#'));
    expect(afterThird.map((sk) => sk.split('#')[2])).toEqual(['v2', 'v3']);
    expect((await store.listMonth('2026-06')).map((r) => r.billedCost)).toEqual(['3.00']);
  });

  it('reads and replaces records written before day versions (no version, no pointer) as version 0', async () => {
    // Prepare: two records as the store wrote them before versions: `<day>#<source>#<id>`, no pointer.
    const legacyA = awsRecord({ serviceName: 'Legacy A', cost: '5.00', chargePeriodStart: '2026-05-02' });
    const legacyB = awsRecord({ serviceName: 'Legacy B', cost: '7.00', chargePeriodStart: '2026-05-02' });
    for (const r of [legacyA, legacyB]) {
      await aws.clients.dynamo.send(new PutCommand({ TableName: aws.tableName, Item: { pk: 'REC#2026-05', sk: `2026-05-02#aws-cost-explorer#${r.id}`, ...r, contentHash: 'legacy-hash' } }));
    }
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    expect((await store.listMonth('2026-05')).map((r) => r.serviceName).sort()).toEqual(['Legacy A', 'Legacy B']);

    // Act: the day restated without B.
    const stats = await store.replaceDays('aws-cost-explorer', [{ day: '2026-05-02', records: [legacyA], estimated: false }]);

    // Assess: A is rewritten as version 1 (its legacy hash is not this store's), B is gone for readers.
    expect(stats).toEqual({ written: 1, deleted: 1, unchanged: 0 });
    expect(await store.listMonth('2026-05')).toEqual([legacyA]);
    expect(await store.replaceDays('aws-cost-explorer', [{ day: '2026-05-02', records: [legacyA], estimated: false }])).toEqual({ written: 0, deleted: 0, unchanged: 1 });
  });

  it('treats legacy records whose hashes match as unchanged: a migrated table writes nothing for unchanged days', async () => {
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const r = awsRecord({ serviceName: 'Same', cost: '4.00', chargePeriodStart: '2026-04-02' });
    // The hash the store computes, as the store before versions stored it.
    await store.replaceDays('scratch', [{ day: '2026-04-02', records: [r], estimated: false }]);
    const hash = (await aws.clients.dynamo.send(new QueryCommand({ TableName: aws.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'REC#2026-04' } }))).Items!.find((i) => i.id === r.id)!.contentHash;
    await aws.clients.dynamo.send(new PutCommand({ TableName: aws.tableName, Item: { pk: 'REC#2026-04', sk: `2026-04-02#aws-cost-explorer#${r.id}`, ...r, contentHash: hash } }));
    expect(await store.replaceDays('aws-cost-explorer', [{ day: '2026-04-02', records: [r], estimated: false }])).toEqual({ written: 0, deleted: 0, unchanged: 1 });
  });

  it('refuses to switch a day another replacement switched since it read the pointer, leaving that version standing', async () => {
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const day = (cost: string) => [{ day: '2026-03-04', records: [awsRecord({ serviceName: 'S', cost, chargePeriodStart: '2026-03-04' })], estimated: false }];
    await store.replaceDays('aws-cost-explorer', day('1.00'));
    const pausing = pausingPointerSwitches(aws.clients.dynamo);
    const slow = new DynamoCostRecordStore(pausing.client, aws.tableName).replaceDays('aws-cost-explorer', day('2.00'));
    await pausing.paused;
    await store.replaceDays('aws-cost-explorer', day('3.00'));
    pausing.release();
    await expect(slow).rejects.toThrow('aws-cost-explorer 2026-03-04: another run replaced this day at the same time');
    expect((await store.listMonth('2026-03')).map((r) => r.billedCost)).toEqual(['3.00']);
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

describe('DynamoClosedStatementStore files against dynalite', () => {
  it('keeps a closed month’s files beside it in gzipped chunks under the 400 KB item limit, serves them byte for byte, and refuses a changed one', async () => {
    // Prepare: a focus.csv of incompressible rows, several chunks once gzipped, and a small text file.
    const { DynamoClosedStatementStore, FILE_CHUNK_BYTES, ClosedStatementIntegrityError } = await import('../../functions/adapters/dynamodb/dynamo-closed-statement-store');
    const { closedFile, statementHash } = await import('../../functions/domain/chargeback/month-close');
    const { keys } = await import('../../functions/adapters/dynamodb/keys');
    const { createHash } = await import('node:crypto');
    const store = new DynamoClosedStatementStore(aws.clients.dynamo, aws.tableName);
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i},${createHash('sha256').update(String(i)).digest('hex')}\n`).join('');
    const files = [
      { name: 'statement.txt', body: 'TOTAL  52.50 — é\n', contentType: 'text/plain' },
      { name: 'focus.csv', body: `BilledCost,x\n${rows}`, contentType: 'text/csv' },
    ];
    const chargeback = buildChargeback([awsRecord({ cost: '52.50' })], testConfig(), '2026-07', '2026-08-20');
    const refs = files.map(closedFile);
    const statement = { month: '2026-07', chargeback, adjustments: [], files: refs, contentHash: statementHash(chargeback, [], refs), closedAt: '2026-08-07T06:00:00Z' };

    // Act
    const won = await store.close(statement, { finance: { state: 'pending' }, teams: {} }, files);
    const [listed] = (await store.list()).filter((s) => s.month === '2026-07');
    const served = await store.closedFiles(listed!);

    // Assess
    expect(won).toBe(true);
    expect(listed!.files).toEqual(refs);
    expect(served).toEqual(files);
    const chunks = await aws.clients.dynamo.send(new QueryCommand({ TableName: aws.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.closedFilesOf('2026-07') } }));
    expect(chunks.Items!.length).toBeGreaterThan(2);
    for (const item of chunks.Items!) expect((item.body as Uint8Array).length).toBeLessThanOrEqual(FILE_CHUNK_BYTES);

    // A chunk rewritten behind costline's back: refused, naming the file.
    const first = chunks.Items!.find((i) => (i.sk as string).startsWith(refs[0]!.sha256))!;
    const { gzipSync } = await import('node:zlib');
    await aws.clients.dynamo.send(new PutCommand({ TableName: aws.tableName, Item: { ...first, body: gzipSync('TOTAL  0.00\n') } }));
    await expect(store.closedFiles(listed!)).rejects.toThrow(ClosedStatementIntegrityError);
    await expect(store.closedFiles(listed!)).rejects.toThrow(/2026-07\/statement.txt does not match its hash/);
  });
});
