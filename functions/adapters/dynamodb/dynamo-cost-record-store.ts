import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CostRecord } from '../../domain/records/cost-record';
import { canonicalHash } from '../../lib/canonical-json';
import { monthOf } from '../../domain/records/dates';
import type { UsageRecord } from '../../domain/records/usage-record';
import type { CostRecordStore, ReplaceStats, SourceDay, UsageRecordStore } from '../../ports/ports';
import { batchWrite } from './batch-write';
import { keys, type RecordKind } from './keys';
import { queryAll } from './query-all';
import { isConditionFailure } from './condition-failure';
import { asRead, collectDays, currentRecords, POINTER_CURRENT, POINTER_PRIOR, storedDayOf, StoredMonth, VERSION, type Item, type StoredDay } from './stored-month';

/** A record's content hash, stored next to it: a replacement rewrites only the records whose hash changed. */
function contentHash(record: object): string {
  return canonicalHash(record, 'base64url').slice(0, 22);
}

/** Thrown when another writer switched a day's version between this replacement's read and its switch. */
export class ConcurrentDayReplacementError extends Error {
  override readonly name = 'ConcurrentDayReplacementError';
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
 *
 * A run's view (`forRun`) reads each month partition once, whole, and keeps it: the shrink guard, every
 * source's replacement and the alert evaluation of one run share that one read. Its own replacements update
 * what it keeps (a day about to be replaced is read again first, alone), so it reads back what it wrote; a
 * day another run replaced since the view's read is seen as it was then, unless this run replaces it too.
 */
class DynamoDayRecordStore<R extends { id: string }> {
  /** A run's view ({@link DynamoDayRecordStore.forRun}): each month partition read once, kept, and updated by this view's own replacements. */
  private readonly kept: Map<string, Promise<StoredMonth>> | undefined;

  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly table: string,
    private readonly kind: RecordKind,
    runView: boolean,
  ) {
    this.kept = runView ? new Map() : undefined;
  }

  /** This store is a run's view. */
  protected get isRunView(): boolean {
    return this.kept !== undefined;
  }

  async replaceDays(source: string, days: readonly SourceDay<R>[]): Promise<ReplaceStats> {
    const months = [...new Set(days.map((d) => monthOf(d.day)))];
    const stored = new Map<string, StoredDay>(); // day -> what is stored for this source
    for (const month of months) {
      if (this.kept) (await this.keptMonth(month)).collect(source, stored);
      else collectDays(await this.queryMonth(month, true), source, stored);
    }

    const hashedDays = days.map(({ day, records }) => ({ day, records, hashed: records.map((record) => ({ record, hash: contentHash(record) })) }));
    const isSame = (entry: StoredDay, hashed: ReadonlyArray<{ record: R; hash: string }>) => {
      const current = entry.versions.get(entry.current)?.hashes ?? new Map<string, string>();
      return hashed.length === current.size && hashed.every(({ record, hash }) => current.get(record.id) === hash);
    };
    // A run's view read the month a while ago: a day it is about to replace is read again now (its items and
    // pointer), so the version chosen and the switch's condition are as fresh as a replacement that read the
    // whole month just before it. A day the view holds unchanged is left as it is.
    const fresh = new Map<string, Item[]>();
    if (this.kept) {
      const changed = hashedDays.filter((d) => !isSame(storedDayOf(stored, d.day), d.hashed)).map((d) => d.day);
      for (let i = 0; i < changed.length; i += POINTER_CONCURRENCY) {
        await Promise.all(changed.slice(i, i + POINTER_CONCURRENCY).map(async (day) => fresh.set(day, await this.queryDay(source, day))));
      }
      for (const [day, items] of fresh) {
        stored.delete(day);
        collectDays(items, source, stored);
      }
    }

    const puts: Item[] = [];
    const switches: Array<{ day: string; from: number; to: number; hadPointer: boolean }> = [];
    const purges: { pk: string; sk: string }[] = [];
    let written = 0;
    let deleted = 0;
    let unchanged = 0;
    for (const { day, records, hashed } of hashedDays) {
      const entry = storedDayOf(stored, day);
      const current = entry.versions.get(entry.current)?.hashes ?? new Map<string, string>();
      if (isSame(entry, hashed)) {
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
    try {
      await batchWrite(this.client, this.table, puts.map((Item) => ({ PutRequest: { Item } })));
      for (let i = 0; i < switches.length; i += POINTER_CONCURRENCY) {
        await Promise.all(switches.slice(i, i + POINTER_CONCURRENCY).map((s) => this.switchPointer(source, s)));
      }
      await batchWrite(this.client, this.table, purges.map((Key) => ({ DeleteRequest: { Key } })));
    } catch (error) {
      // What is stored now is not known: the view reads these months again when next asked.
      for (const month of months) this.kept?.delete(month);
      throw error;
    }
    if (this.kept) await this.keepReplaced(source, fresh, puts, switches, new Set(purges.map((p) => p.sk)));
    return { written, deleted, unchanged };
  }

  /**
   * Updates the kept months with the days read again for this replacement, as they are stored now: what was
   * read, less the purged items, plus the new version and its pointer where the day was switched.
   */
  private async keepReplaced(source: string, fresh: ReadonlyMap<string, Item[]>, puts: readonly Item[], switches: ReadonlyArray<{ day: string; from: number; to: number }>, purged: ReadonlySet<string>): Promise<void> {
    const switched = new Map(switches.map((s) => [s.day, s]));
    const byMonth = new Map<string, Map<string, Item[]>>();
    for (const [day, read] of fresh) {
      const s = switched.get(day);
      const items = read.filter((item) => !purged.has(item.sk as string) && !(s && keys.dayOfSortKey(item.sk as string).pointer));
      if (s) items.push({ ...keys.dayPointer(this.kind, source, day), [POINTER_CURRENT]: s.to, [POINTER_PRIOR]: s.from });
      byMonth.set(monthOf(day), (byMonth.get(monthOf(day)) ?? new Map<string, Item[]>()).set(day, items));
    }
    for (const put of puts) byMonth.get(monthOf(keys.dayOfSortKey(put.sk as string).day))!.get(keys.dayOfSortKey(put.sk as string).day)!.push(asRead(put) as Item);
    for (const [month, replaced] of byMonth) (await this.keptMonth(month)).replace(source, replaced);
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
      if (isConditionFailure(error)) {
        throw new ConcurrentDayReplacementError(`${source} ${s.day}: another run replaced this day at the same time; its version stands, run again`, { cause: error });
      }
      throw error;
    }
  }

  /** Every record of the month, all sources: of each source's day, the current version only. One Query (none on a run's view that read it already). */
  async listMonth(month: string): Promise<R[]> {
    if (this.kept) return (await this.keptMonth(month)).records<R>();
    return currentRecords<R>(await this.queryMonth(month, false));
  }

  /** The month as this run's view holds it: read on first use (a failed read is not kept). */
  private keptMonth(month: string): Promise<StoredMonth> {
    const kept = this.kept!;
    let read = kept.get(month);
    if (!read) {
      read = this.queryMonth(month, false).then((items) => new StoredMonth(items));
      kept.set(month, read);
      read.catch(() => {
        if (kept.get(month) === read) kept.delete(month);
      });
    }
    return read;
  }

  /** Every item of the month partition, in sort key order; `forReplace` reads only what a replacement needs of each. */
  private queryMonth(month: string, forReplace: boolean): Promise<Item[]> {
    return queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.recordMonth(this.kind, month) },
      ...(forReplace
        ? {
            ProjectionExpression: '#sk, #id, #hash, #version, #current',
            ExpressionAttributeNames: { '#sk': 'sk', '#id': 'id', '#hash': 'contentHash', '#version': VERSION, '#current': POINTER_CURRENT },
          }
        : {}),
    });
  }

  /** Every item of a source's day, all versions, and its pointer: one Query and one GetItem. */
  private async queryDay(source: string, day: string): Promise<Item[]> {
    const prefix = keys.dayRecordsPrefix(this.kind, source, day);
    const [records, pointer] = await Promise.all([
      queryAll(this.client, { TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)', ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk } }),
      this.client.send(new GetCommand({ TableName: this.table, Key: keys.dayPointer(this.kind, source, day) })),
    ]);
    return pointer.Item ? [pointer.Item, ...records] : records;
  }
}

/** Billed cost records (and Cost Explorer's estimated ones) in DynamoDB. */
export class DynamoCostRecordStore extends DynamoDayRecordStore<CostRecord> implements CostRecordStore {
  constructor(client: DynamoDBDocumentClient, table: string, runView = false) {
    super(client, table, 'REC', runView);
  }

  forRun(): DynamoCostRecordStore {
    return this.isRunView ? this : new DynamoCostRecordStore(this.client, this.table, true);
  }
}

/** Model usage records in DynamoDB. */
export class DynamoUsageRecordStore extends DynamoDayRecordStore<UsageRecord> implements UsageRecordStore {
  constructor(client: DynamoDBDocumentClient, table: string, runView = false) {
    super(client, table, 'USE', runView);
  }

  forRun(): DynamoUsageRecordStore {
    return this.isRunView ? this : new DynamoUsageRecordStore(this.client, this.table, true);
  }
}
