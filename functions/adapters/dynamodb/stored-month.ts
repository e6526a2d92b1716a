import { keys } from './keys';

/** Attributes the day record store adds to a record item; stripped on read. */
export const VERSION = 'dayVersion';
export const POINTER_CURRENT = 'currentVersion';
export const POINTER_PRIOR = 'priorVersion';

/** An item of a month partition as the document client reads it. */
export type Item = Record<string, unknown>;

/** What the store knows of one source's day: its pointer and its items, by version. */
export interface StoredDay {
  current: number;
  /** The pointer item exists (a day written before versions has none: version 0). */
  hasPointer: boolean;
  /** version -> (record id -> content hash), and the item keys of each version. */
  versions: Map<number, { hashes: Map<string, string>; sks: string[] }>;
}

/** The stored day of `day` in `days`, created empty (nothing stored: version 0, no pointer) when missing. */
export function storedDayOf(days: Map<string, StoredDay>, day: string): StoredDay {
  let entry = days.get(day);
  if (!entry) days.set(day, (entry = { current: 0, hasPointer: false, versions: new Map() }));
  return entry;
}

/** Adds what `items` (pointers and records of a month partition; `sk`, `id`, `contentHash` and the version attributes at least) hold of `source`'s days to `days`. */
export function collectDays(items: Iterable<Item>, source: string, days: Map<string, StoredDay>): void {
  for (const item of items) {
    const sk = item.sk as string;
    const at = keys.dayOfSortKey(sk);
    if (at.source !== source) continue;
    const entry = storedDayOf(days, at.day);
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

/** Of each source's day in `items` (a month partition in sort key order), the current version's records, stripped of the store's attributes. */
export function currentRecords<R>(items: readonly Item[]): R[] {
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

/**
 * An item as the document client would read it back: without the attributes it drops on write
 * (`removeUndefinedValues`, at any depth). Items are plain data: strings, numbers, booleans, maps, lists.
 */
export function asRead(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(asRead);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, asRead(v)]));
}

/**
 * DynamoDB's sort key order: UTF-8 bytes. UTF-16 code units agree with it except that code points above
 * U+FFFF (surrogate pairs, D800–DFFF) sort below U+E000–U+FFFF in UTF-16 and above them in UTF-8.
 */
export function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return Buffer.compare(Buffer.from(a.slice(i)), Buffer.from(b.slice(i)));
    return x - y;
  }
  return a.length - b.length;
}

/**
 * One month partition (every item: pointers, current and superseded versions) as a run read it, kept for
 * the rest of the run and updated with the days the run itself replaced, so that what the run later reads
 * of the month is what a fresh Query would return, in the same order, as far as this run wrote it.
 */
export class StoredMonth {
  constructor(private items: Item[]) {}

  /** Of each source's day, the current version's records: what `listMonth` returns. */
  records<R>(): R[] {
    return currentRecords<R>(this.items);
  }

  /** Adds what is kept of `source`'s days to `days`. */
  collect(source: string, days: Map<string, StoredDay>): void {
    collectDays(this.items, source, days);
  }

  /** Makes `source`'s days in `replaced` (day -> every item of that source's day now stored, pointer included) what is kept of them. */
  replace(source: string, replaced: ReadonlyMap<string, readonly Item[]>): void {
    if (replaced.size === 0) return;
    const kept = this.items.filter((item) => {
      const at = keys.dayOfSortKey(item.sk as string);
      return at.source !== source || !replaced.has(at.day);
    });
    for (const items of replaced.values()) kept.push(...items);
    this.items = kept.sort((a, b) => byteOrder(a.sk as string, b.sk as string));
  }
}
