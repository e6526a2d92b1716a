/*
 * The time-bucketed pages both provider admin APIs answer with (OpenAI's usage and costs, Anthropic's usage and cost
 * reports): which buckets a page holds, the ledger rows summed into buckets and groups, the buckets in order. Times are
 * in whatever unit the caller works in (OpenAI: Unix seconds; Anthropic: epoch ms), the same for every argument.
 */

/** Bucket widths the usage endpoints take. */
export type BucketWidth = '1m' | '1h' | '1d';

/** Each width in seconds. */
export const WIDTH_SECONDS: Record<BucketWidth, number> = { '1m': 60, '1h': 3600, '1d': 86400 };

/** Buckets per page by width: the usage endpoints' documented defaults and maxima (the same at both providers). */
export const USAGE_LIMITS: Record<BucketWidth, { default: number; max: number }> = {
  '1d': { default: 7, max: 31 },
  '1h': { default: 24, max: 168 },
  '1m': { default: 60, max: 1440 },
};

/** A grouping value: a string, a flag (OpenAI's `batch`), or null where not grouped. */
export type GroupValue = string | boolean | null;

/** A bucketed request's query, parsed and checked (times in the API's unit). */
export interface BucketQuery {
  /** Bucket width. */
  width: number;
  /** The requested start, snapped down to the bucket width. */
  start: number;
  /** The exclusive end, or undefined for "where the data ends". */
  end: number | undefined;
  groupBy: Set<string>;
  filters: Map<string, Set<string>>;
  /** Buckets a page holds, as asked. */
  limit: number;
  page: string | undefined;
  /** Hash of everything that defines the answer, so a page token cannot be replayed on another query. */
  fingerprint: string;
}

/** The buckets of one page: `[pageStart, pageStart + count × width)`, data counted before `rangeEnd`. */
export interface PageWindow {
  pageStart: number;
  count: number;
  rangeEnd: number;
  hasMore: boolean;
  nextPage: string | null;
}

/** How one API pages its buckets. */
export interface WindowRules {
  /** True: only whole buckets ending at or before the range end are listed (Anthropic); false: a last partial one too (OpenAI). */
  wholeBucketsOnly: boolean;
  /** Most buckets a page holds. */
  pageSize: number;
  /** The bucket start a page token names (it throws the API's error for a bad token). */
  decode: (token: string) => number;
  /** The page token naming a bucket start. */
  encode: (nextStart: number) => string;
  /** The API's error for a token that names no bucket of this range. */
  outOfRange: () => Error;
}

/**
 * Works out which buckets a page holds. `dataEnd` (exclusive) is where the ledger's rows end; it stands for "now" when
 * the request has no end. With a clock, `now` ends the range after the bucket in progress: buckets that have not
 * started are not listed.
 */
export function pageWindow(query: BucketQuery, dataEnd: number, now: number | undefined, rules: WindowRules): PageWindow {
  const { width, start } = query;
  const requestedEnd = query.end ?? Math.ceil(dataEnd / width) * width;
  const rangeEnd = now === undefined ? requestedEnd : Math.min(requestedEnd, Math.ceil(now / width) * width);
  const buckets = (rangeEnd - start) / width;
  const total = rangeEnd > start ? (rules.wholeBucketsOnly ? Math.floor(buckets) : Math.ceil(buckets)) : 0;
  let first = 0;
  if (query.page !== undefined) {
    const cursor = rules.decode(query.page);
    if ((cursor - start) % width !== 0 || cursor < start || cursor >= start + total * width) throw rules.outOfRange();
    first = (cursor - start) / width;
  }
  const count = Math.min(rules.pageSize, total - first);
  const hasMore = first + count < total;
  const pageStart = start + first * width;
  return { pageStart, count, rangeEnd, hasMore, nextPage: hasMore ? rules.encode(pageStart + count * width) : null };
}

/** One group of a bucket: its grouping values and what its rows summed to. */
export interface Grouped<A> {
  values: GroupValue[];
  acc: A;
}

/** How the rows of a ledger are read into groups. */
export interface Aggregation<Row, A> {
  /** A row's instant. */
  time: (row: Row) => number;
  /** Applies the filters (and the clock). */
  keep: (row: Row) => boolean;
  /** The grouping values (null where not grouped). */
  values: (row: Row) => GroupValue[];
  /** A fresh accumulator. */
  fresh: () => A;
  /** Folds a row into an accumulator. */
  add: (acc: A, row: Row) => void;
}

/** Sums the rows of one page into buckets and groups, each bucket's groups sorted by their values. */
export function aggregate<Row, A>(rows: readonly Row[], window: PageWindow, width: number, how: Aggregation<Row, A>): Grouped<A>[][] {
  const buckets: Map<string, Grouped<A>>[] = Array.from({ length: Math.max(0, window.count) }, () => new Map());
  const pageEnd = Math.min(window.pageStart + window.count * width, window.rangeEnd);
  for (const row of rows) {
    const t = how.time(row);
    if (!(t >= window.pageStart && t < pageEnd) || !how.keep(row)) continue;
    const bucket = buckets[Math.floor((t - window.pageStart) / width)]!;
    const v = how.values(row);
    const key = JSON.stringify(v);
    let group = bucket.get(key);
    if (!group) {
      group = { values: v, acc: how.fresh() };
      bucket.set(key, group);
    }
    how.add(group.acc, row);
  }
  return buckets.map((bucket) => [...bucket.values()].sort((a, b) => compareValues(a.values, b.values)));
}

/** Tuple order with null first, false before true, strings by code unit (not locale). */
export function compareValues(a: GroupValue[], b: GroupValue[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** A page of buckets: `bucket` writes one in the API's shape, `toResult` one group of it. */
export function bucketPage<A, B>(
  window: PageWindow,
  width: number,
  groups: Grouped<A>[][],
  bucket: (start: number, end: number, results: unknown[]) => B,
  toResult: (group: Grouped<A>, index: number) => unknown,
): { data: B[]; has_more: boolean; next_page: string | null } {
  const data = groups.map((bucketGroups, i) => {
    const start = window.pageStart + i * width;
    return bucket(start, start + width, bucketGroups.map((group, index) => toResult(group, index)));
  });
  return { data, has_more: window.hasMore, next_page: window.nextPage };
}

/** A filter on a field: absent, or the field's value is one of the listed ones (null never is). */
export function filterOf(filters: Map<string, Set<string>>) {
  return (name: string, value: string | null) => {
    const allowed = filters.get(name);
    return !allowed || (value !== null && allowed.has(value));
  };
}

/** Where a ledger's rows end (exclusive): the latest of `endOf` over the rows, 0 for none. */
export function dataEndOf<Row>(rows: readonly Row[], endOf: (row: Row) => number): number {
  let dataEnd = 0;
  for (const row of rows) dataEnd = Math.max(dataEnd, endOf(row));
  return dataEnd;
}

/** Epoch ms of an ISO 8601 instant, memoized: a ledger has few distinct hours and days but many rows. */
const instants = new Map<string, number>();
export function instantMs(iso: string): number {
  let ms = instants.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (instants.size >= 100_000) instants.clear();
    instants.set(iso, ms);
  }
  return ms;
}
