import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CostRecord } from '../../domain/cost-record';
import { monthOf } from '../../domain/dates';
import type { UsageRecord } from '../../domain/usage-record';
import type { CostRecordStore, ReplaceStats, SourceDay, UsageRecordStore } from '../../ports/ports';
import { batchWrite } from './batch-write';
import { keys, type RecordKind } from './keys';
import { queryAll } from './query-all';

function contentHash(record: object): string {
  const sorted = JSON.stringify(record, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
  return createHash('sha256').update(sorted).digest('base64url').slice(0, 22);
}

/**
 * Day records (cost or usage) in DynamoDB, one partition per kind and month. Replacing a day reads the keys and content hashes
 * already stored for the month, writes only new or changed records, then deletes the day's records the
 * source no longer reports (a group that vanished on restatement). Puts go before deletes, so a reader
 * in between may briefly see a restated record twice but never sees a dollar missing. No transactions:
 * DynamoDB's are limited to 100 items, and dynalite has none.
 */
class DynamoDayRecordStore<R extends { id: string }> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly kind: RecordKind,
  ) {}

  async replaceDays(source: string, days: readonly SourceDay<R>[]): Promise<ReplaceStats> {
    const stored = new Map<string, string>(); // sk -> content hash
    for (const month of new Set(days.map((d) => monthOf(d.day)))) {
      const items = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.recordMonth(this.kind, month) },
        ProjectionExpression: 'sk, contentHash',
      });
      for (const item of items) stored.set(item.sk as string, item.contentHash as string);
    }
    const puts: Record<string, unknown>[] = [];
    const deletes: { pk: string; sk: string }[] = [];
    let unchanged = 0;
    for (const { day, records } of days) {
      const prefix = keys.recordDayPrefix(this.kind, source, day);
      const keep = new Set<string>();
      for (const record of records) {
        const key = keys.record(this.kind, source, day, record.id);
        const hash = contentHash(record);
        keep.add(key.sk);
        if (stored.get(key.sk) === hash) unchanged += 1;
        else puts.push({ ...key, ...record, contentHash: hash });
      }
      for (const sk of stored.keys()) {
        if (sk.startsWith(prefix.sk) && !keep.has(sk)) deletes.push({ pk: prefix.pk, sk });
      }
    }
    await batchWrite(this.client, this.table, puts.map((Item) => ({ PutRequest: { Item } })));
    await batchWrite(this.client, this.table, deletes.map((Key) => ({ DeleteRequest: { Key } })));
    return { written: puts.length, deleted: deletes.length, unchanged };
  }

  async listMonth(month: string): Promise<R[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.recordMonth(this.kind, month) },
    });
    return items.map(({ pk: _pk, sk: _sk, contentHash: _hash, ...record }) => record as unknown as R);
  }
}

/** Billed cost records (and Cost Explorer's estimated ones) in DynamoDB. */
export class DynamoCostRecordStore extends DynamoDayRecordStore<CostRecord> implements CostRecordStore {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table, 'REC');
  }
}

/** Model usage records in DynamoDB. */
export class DynamoUsageRecordStore extends DynamoDayRecordStore<UsageRecord> implements UsageRecordStore {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table, 'USE');
  }
}
