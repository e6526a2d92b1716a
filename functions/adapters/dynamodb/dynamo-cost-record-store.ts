import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CostRecord } from '../../domain/records/cost-record';
import { canonicalHash } from '../../lib/canonical-json';
import { monthOf } from '../../domain/records/dates';
import type { UsageRecord } from '../../domain/records/usage-record';
import type { CostRecordStore, ReplaceStats, SourceDay, UsageRecordStore } from '../../ports/ports';
import { batchWrite } from './batch-write';
import { keys, type RecordKind } from './keys';
import { queryAll } from './query-all';

/** A record's content hash, stored next to it: a replacement rewrites only the records whose hash changed. */
function contentHash(record: object): string {
  return canonicalHash(record, 'base64url').slice(0, 22);
}

/** Thrown when another writer switched a day's version between this replacement's read and its switch. */
export class ConcurrentDayReplacementError extends Error {
  override readonly name = 'ConcurrentDayReplacementError';
}

/** Attributes the store adds to a record item; stripped on read. */
const VERSION = 'dayVersion';
const POINTER_CURRENT = 'currentVersion';
const POINTER_PRIOR = 'priorVersion';

/** What the store knows of one source's day: its pointer and its items, by version. */
interface StoredDay {
  current: number;
  /** The pointer item exists (a day written before versions has none: version 0). */
  hasPointer: boolean;
  /** version -> (record id -> content hash), and the item keys of each version. */
  versions: Map<number, { hashes: Map<string, string>; sks: string[] }>;
}

/** Parallel conditional pointer switches; BatchWriteItem takes no conditions. */
const POINTER_CONCURRENCY = 8;

/**
 * Day records (cost or usage) in DynamoDB, one partition per kind and month, written as versions of a day.
 *
 * A source's day is a set of records with a version, and one small pointer item per source and day (in
 * the same month partition, sorted before the records) names the current version. Replacing a day whose
 * content changed writes the whole new version, then switches the pointer with a conditional Put; a
 * reader keeps only each day's current version, so it sees the old day whole or the new day whole, never
 * a mix (no transactions: DynamoDB's take 100 items at most, and dynalite has none). A day whose records
 * and content hashes are exactly the stored ones writes nothing.
 *
 * Superseded items are deleted on the day's next replacement, not right after the switch: a reader that
 * read the old pointer a moment before the switch goes on reading the old version's items, and they must
 * still be there. By the next replacement (the next run) that reader is long done. So a restated day keeps
 * one superseded version in storage until it is restated again. Items written by a replacement that died
 * before its switch are never current, and are deleted the same way.
 *
 * Records written before versions existed (no `dayVersion`, no pointer) are version 0.
 */
class DynamoDayRecordStore<R extends { id: string }> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly kind: RecordKind,
  ) {}

  async replaceDays(source: string, days: readonly SourceDay<R>[]): Promise<ReplaceStats> {
    const stored = new Map<string, StoredDay>(); // day -> what is stored for this source
    const dayOf = (day: string) => {
      let entry = stored.get(day);
      if (!entry) stored.set(day, (entry = { current: 0, hasPointer: false, versions: new Map<number, { hashes: Map<string, string>; sks: string[] }>() }));
      return entry;
    };
    for (const month of new Set(days.map((d) => monthOf(d.day)))) {
      const items = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.recordMonth(this.kind, month) },
        ProjectionExpression: '#sk, #id, #hash, #version, #current',
        ExpressionAttributeNames: { '#sk': 'sk', '#id': 'id', '#hash': 'contentHash', '#version': VERSION, '#current': POINTER_CURRENT },
      });
      for (const item of items) {
        const sk = item.sk as string;
        const at = keys.dayOfSortKey(sk);
        if (at.source !== source) continue;
        const entry = dayOf(at.day);
        if (at.pointer) {
          entry.current = Number(item[POINTER_CURRENT]);
          entry.hasPointer = true;
          continue;
        }
        const version = item[VERSION] === undefined ? 0 : Number(item[VERSION]);
        const v = entry.versions.get(version) ?? { hashes: new Map<string, string>(), sks: [] as string[] };
        v.hashes.set(item.id as string, item.contentHash as string);
        v.sks.push(sk);
        entry.versions.set(version, v);
      }
    }

    const puts: Record<string, unknown>[] = [];
    const switches: Array<{ day: string; from: number; to: number; hadPointer: boolean }> = [];
    const purges: { pk: string; sk: string }[] = [];
    let written = 0;
    let deleted = 0;
    let unchanged = 0;
    for (const { day, records } of days) {
      const entry = dayOf(day);
      const current = entry.versions.get(entry.current)?.hashes ?? new Map<string, string>();
      const hashed = records.map((record) => ({ record, hash: contentHash(record) }));
      const same = hashed.length === current.size && hashed.every(({ record, hash }) => current.get(record.id) === hash);
      if (same) {
        unchanged += records.length;
        continue;
      }
      // A version above every one seen, so items a dead replacement left behind are never reused.
      const next = Math.max(entry.current, ...entry.versions.keys()) + 1;
      for (const { record, hash } of hashed) puts.push({ ...keys.record(this.kind, source, day, record.id, next), ...record, contentHash: hash, [VERSION]: next });
      written += records.length;
      const kept = new Set(records.map((r) => r.id));
      deleted += [...current.keys()].filter((id) => !kept.has(id)).length;
      switches.push({ day, from: entry.current, to: next, hadPointer: entry.hasPointer });
      // The version superseded now stays for readers that read its pointer; older ones go.
      for (const [version, v] of entry.versions) {
        if (version !== entry.current) for (const sk of v.sks) purges.push({ pk: keys.recordMonth(this.kind, monthOf(day)), sk });
      }
    }

    // 1. Every new version in full; 2. the switches; 3. what no reader can be reading any more.
    await batchWrite(this.client, this.table, puts.map((Item) => ({ PutRequest: { Item } })));
    for (let i = 0; i < switches.length; i += POINTER_CONCURRENCY) {
      await Promise.all(switches.slice(i, i + POINTER_CONCURRENCY).map((s) => this.switchPointer(source, s)));
    }
    await batchWrite(this.client, this.table, purges.map((Key) => ({ DeleteRequest: { Key } })));
    return { written, deleted, unchanged };
  }

  private async switchPointer(source: string, s: { day: string; from: number; to: number; hadPointer: boolean }): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.dayPointer(this.kind, source, s.day), [POINTER_CURRENT]: s.to, [POINTER_PRIOR]: s.from },
          // Another run replacing the same day at the same time must not be overwritten unseen.
          ConditionExpression: s.hadPointer ? '#current = :from' : 'attribute_not_exists(sk)',
          ...(s.hadPointer ? { ExpressionAttributeNames: { '#current': POINTER_CURRENT }, ExpressionAttributeValues: { ':from': s.from } } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        throw new ConcurrentDayReplacementError(`${source} ${s.day}: another run replaced this day at the same time; its version stands, run again`, { cause: error });
      }
      throw error;
    }
  }

  /** Every record of the month, all sources: of each source's day, the current version only. One Query. */
  async listMonth(month: string): Promise<R[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.recordMonth(this.kind, month) },
    });
    // Pointers sort first (`#…`), so each is known before its day's records are met.
    const current = new Map<string, number>();
    const records: R[] = [];
    for (const item of items) {
      const { pk: _pk, sk, contentHash: _hash, [VERSION]: version, ...record } = item;
      const at = keys.dayOfSortKey(sk as string);
      if (at.pointer) {
        current.set(`${at.day}#${at.source}`, Number(item[POINTER_CURRENT]));
        continue;
      }
      if ((version === undefined ? 0 : Number(version)) !== (current.get(`${at.day}#${at.source}`) ?? 0)) continue;
      records.push(record as unknown as R);
    }
    return records;
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
