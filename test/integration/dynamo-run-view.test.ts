import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrentDayReplacementError, DynamoCostRecordStore } from '../../functions/adapters/dynamodb/dynamo-cost-record-store';
import type { CostRecord } from '../../functions/domain/records/cost-record';
import { startLocalAws, type LocalAws } from '../support/local-aws';
import { pausingPointerSwitches } from '../support/pausing-client';
import { awsRecord } from '../support/records';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(() => aws.close());

/** A client that counts the whole-partition Queries it sends (a month read), by partition. */
function countingMonthReads(client: DynamoDBDocumentClient) {
  const reads = new Map<string, number>();
  const wrapped = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: unknown) => {
        if (command instanceof QueryCommand && command.input.KeyConditionExpression === 'pk = :pk' && !command.input.ExclusiveStartKey) {
          const pk = String(command.input.ExpressionAttributeValues?.[':pk']);
          reads.set(pk, (reads.get(pk) ?? 0) + 1);
        }
        return target.send(command as never);
      };
    },
  });
  return { client: wrapped, reads };
}

const day = (date: string, records: CostRecord[]) => ({ day: date, records, estimated: false });

describe("DynamoCostRecordStore's run view against dynalite", () => {
  it('reads the month once for a run that lists, replaces two sources and lists again, and then lists what a fresh read lists, in the same order', async () => {
    // Prepare: two sources, two days; day 2 restated nine times, so its version goes past v9 (sk order is not numeric).
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const a = (service: string, cost: string, date = '2026-05-02') => awsRecord({ serviceName: service, cost, chargePeriodStart: date });
    const b = (service: string, cost: string) => awsRecord({ source: 'other', serviceName: service, cost, chargePeriodStart: '2026-05-02' });
    await store.replaceDays('aws-cost-explorer', [day('2026-05-01', [a('A', '1.00', '2026-05-01')]), day('2026-05-02', [a('A', '2.00'), a('B', '3.00')])]);
    for (let i = 1; i <= 9; i++) await store.replaceDays('aws-cost-explorer', [day('2026-05-02', [a('A', `2.0${i}`), a('B', '3.00')])]);
    await store.replaceDays('other', [day('2026-05-02', [b('X', '4.00')])]);
    const fresh = await store.listMonth('2026-05');
    const counting = countingMonthReads(aws.clients.dynamo);
    const view = new DynamoCostRecordStore(counting.client, aws.tableName).forRun();

    // Act: the shrink guard's read, two sources' replacements (one changes days 2 and 3, one changes nothing), the evaluation's read.
    const before = await view.listMonth('2026-05');
    const restated = await view.replaceDays('aws-cost-explorer', [day('2026-05-01', [a('A', '1.00', '2026-05-01')]), day('2026-05-02', [a('A', '2.50'), a('C', '5.00', '2026-05-02')]), day('2026-05-03', [a('A', '6.00', '2026-05-03')])]);
    const same = await view.replaceDays('other', [day('2026-05-02', [b('X', '4.00')])]);
    const after = await view.listMonth('2026-05');

    // Assess
    expect(before).toEqual(fresh);
    expect(restated).toEqual({ written: 3, deleted: 1, unchanged: 1 });
    expect(same).toEqual({ written: 0, deleted: 0, unchanged: 1 });
    expect(after).toEqual(await store.listMonth('2026-05'));
    expect(after.map((r) => [r.chargePeriodStart, r.source, r.serviceName, r.billedCost]).sort()).toEqual([
      ['2026-05-01', 'aws-cost-explorer', 'A', '1.00'],
      ['2026-05-02', 'aws-cost-explorer', 'A', '2.50'],
      ['2026-05-02', 'aws-cost-explorer', 'C', '5.00'],
      ['2026-05-02', 'other', 'X', '4.00'],
      ['2026-05-03', 'aws-cost-explorer', 'A', '6.00'],
    ]);
    expect(counting.reads).toEqual(new Map([['REC#2026-05', 1]]));
    expect(view.forRun()).toBe(view);
  });

  it('reads a day again before replacing it, so another run’s replacement since the view’s read is superseded, not mixed in', async () => {
    // Prepare: the view reads the month; then another run restates the day with a line the view never saw.
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const line = (service: string, cost: string) => awsRecord({ serviceName: service, cost, chargePeriodStart: '2026-04-07' });
    await store.replaceDays('aws-cost-explorer', [day('2026-04-07', [line('A', '1.00')])]);
    const view = store.forRun();
    await view.listMonth('2026-04');
    await store.replaceDays('aws-cost-explorer', [day('2026-04-07', [line('A', '1.00'), line('Other run', '9.00')])]);

    // Act
    const stats = await view.replaceDays('aws-cost-explorer', [day('2026-04-07', [line('A', '1.50')])]);

    // Assess: the view's answer is the day, whole, in the view and in the table.
    expect(stats).toEqual({ written: 1, deleted: 1, unchanged: 0 });
    expect(await view.listMonth('2026-04')).toEqual([line('A', '1.50')]);
    expect(await store.listMonth('2026-04')).toEqual([line('A', '1.50')]);
  });

  it('forgets the month when a replacement fails, and reads it again: another run’s version stands', async () => {
    // Prepare: the view's pointer switch is held while another run replaces the same day.
    const store = new DynamoCostRecordStore(aws.clients.dynamo, aws.tableName);
    const line = (cost: string) => awsRecord({ serviceName: 'S', cost, chargePeriodStart: '2026-03-04' });
    await store.replaceDays('aws-cost-explorer', [day('2026-03-04', [line('1.00')])]);
    const pausing = pausingPointerSwitches(aws.clients.dynamo);
    const view = new DynamoCostRecordStore(pausing.client, aws.tableName).forRun();
    await view.listMonth('2026-03');

    // Act
    const slow = view.replaceDays('aws-cost-explorer', [day('2026-03-04', [line('2.00')])]);
    await pausing.paused;
    await store.replaceDays('aws-cost-explorer', [day('2026-03-04', [line('3.00')])]);
    pausing.release();

    // Assess
    await expect(slow).rejects.toBeInstanceOf(ConcurrentDayReplacementError);
    expect(await view.listMonth('2026-03')).toEqual([line('3.00')]);
  });
});
