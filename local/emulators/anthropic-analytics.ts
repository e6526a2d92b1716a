import Big from 'big.js';
import type { AnthropicCostRow, AnthropicUsageRow, ProviderLedger } from '../sample/provider-ledger';
import { invalid } from './anthropic-errors';
import { rfc3339, WIDTH_MS } from './anthropic-query';
import { addUsage, freshUsage, isoSeconds } from './anthropic-reports';
import { compareValues, dataEndOf, instantMs as instant, type BucketWidth } from './bucket-pages';
import { fingerprintOf, pageToken, readPageToken, sortedFilters } from './page-tokens';

/*
 * The Usage and Cost Analytics API (beta): /v1/organizations/analytics/usage and /analytics/cost. Flat rows, one per
 * bucket and group where there is data, ranked by spend or tokens, paged by row offset.
 */

type Value = string | null;

/** Documented facts (billing-apis-2026 §A1): no data before 2026-01-01, `starting_at` within 365 days. */
const ANALYTICS_FLOOR = Date.parse('2026-01-01T00:00:00Z');
const ANALYTICS_DAYS_BACK = 365;
/** Assumed, from the default window and the Enterprise predecessors: at most 31 days a request. */
const ANALYTICS_MAX_RANGE_MS = 31 * 86_400_000;
/** Assumed, from the Enterprise predecessors (1–1000, default 20): rows per page. */
const ANALYTICS_LIMIT = { default: 20, max: 1000 };

/** Every `group` key a row carries (each null unless grouped): the 19 usage dimensions, plus cost's `cost_type` and `token_type`. */
const USAGE_GROUP_KEYS = [
  'product',
  'model',
  'context_window',
  'inference_geo',
  'speed',
  'slack_channel_id',
  'actor',
  'actor_type',
  'agent_id',
  'api_key_id',
  'claude_tag_category',
  'claude_tag_user_id',
  'deployment_id',
  'environment_id',
  'rbac_group_id',
  'service_tier',
  'session_id',
  'user_profile_id',
  'workspace_id',
] as const;
const COST_GROUP_KEYS = [...USAGE_GROUP_KEYS, 'cost_type', 'token_type'] as const;

/** One analytics endpoint: its dimensions, and those the ledger can group and filter by. */
export interface AnalyticsEndpoint {
  kind: 'usage' | 'cost';
  groupKeys: readonly string[];
  /** The `group_by[]` values the ledger can answer, with the ledger field each reads. */
  groupable: Record<string, string>;
  /** Array filters the ledger can answer, with the ledger field each reads. */
  filters: Record<string, string>;
}

const USAGE_FIELDS = { workspace_id: 'workspaceId', api_key_id: 'apiKeyId', model: 'model', service_tier: 'serviceTier', context_window: 'contextWindow', inference_geo: 'inferenceGeo', speed: 'speed' };
const COST_FIELDS = { workspace_id: 'workspaceId', api_key_id: 'apiKeyId', model: 'model', service_tier: 'serviceTier', context_window: 'contextWindow', inference_geo: 'inferenceGeo', cost_type: 'costType', token_type: 'tokenType' };
const filtersOf = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'cost_type' && k !== 'token_type').map(([k, v]) => [k === 'context_window' ? 'context_windows' : `${k}s`, v]));

/** The analytics endpoints by path. */
export const ANALYTICS_ENDPOINTS: Record<string, AnalyticsEndpoint> = {
  '/v1/organizations/analytics/usage': { kind: 'usage', groupKeys: USAGE_GROUP_KEYS, groupable: USAGE_FIELDS, filters: filtersOf(USAGE_FIELDS) },
  '/v1/organizations/analytics/cost': { kind: 'cost', groupKeys: COST_GROUP_KEYS, groupable: COST_FIELDS, filters: filtersOf(COST_FIELDS) },
};

/** An analytics request's query, parsed and checked. */
export interface AnalyticsQuery {
  endpoint: AnalyticsEndpoint;
  start: number;
  end: number;
  /** Bucket width in ms, or undefined for one row per group over the whole range. */
  width: number | undefined;
  groupBy: string[];
  filters: Map<string, Set<string>>;
  limit: number;
  offset: number;
  fingerprint: string;
}

/** Parses and checks an analytics request's query; throws a 400 for a bad or unknown parameter. */
export function parseAnalyticsQuery(params: URLSearchParams, endpoint: AnalyticsEndpoint, ledger: ProviderLedger['anthropic'], now: number | undefined): AnalyticsQuery {
  const scalarNames = new Set(['starting_at', 'ending_at', 'time_bucket_width', 'limit', 'page']);
  const scalars = new Map<string, string>();
  const arrays = new Map<string, string[]>();
  for (const [key, value] of params) {
    const bare = key.endsWith('[]') ? key.slice(0, -2) : key;
    if (key.endsWith('[]') && (bare === 'group_by' || bare in endpoint.filters)) arrays.set(bare, [...(arrays.get(bare) ?? []), value]);
    else if (!key.endsWith('[]') && scalarNames.has(key)) {
      if (scalars.has(key)) throw invalid(`${key}: given more than once`);
      scalars.set(key, value);
    } else if (['order_by', 'order', 'exclude_deleted_users'].includes(key) || key.endsWith('_ids[]') || key.endsWith('_types[]') || key.endsWith('s[]')) {
      throw invalid(`${bare}: not supported by the local Anthropic (the local ledger cannot answer it)`);
    } else throw invalid(`${key}: unknown parameter`);
  }

  const widthName = scalars.get('time_bucket_width');
  if (widthName !== undefined && !(widthName in WIDTH_MS)) throw invalid(`time_bucket_width: Input should be '1d', '1h' or '1m'; got ${JSON.stringify(widthName)}`);
  const width = widthName === undefined ? undefined : WIDTH_MS[widthName as BucketWidth];

  const startText = scalars.get('starting_at');
  if (startText === undefined) throw invalid('starting_at: Field required');
  const requestedStart = rfc3339(startText, 'starting_at');
  if (requestedStart < ANALYTICS_FLOOR) throw invalid('starting_at: must be no earlier than 2026-01-01T00:00:00Z (no analytics data before it)');
  if (now !== undefined && requestedStart < now - ANALYTICS_DAYS_BACK * 86_400_000) throw invalid(`starting_at: must be within the last ${ANALYTICS_DAYS_BACK} days`);
  const start = Math.floor(requestedStart / (width ?? 3_600_000)) * (width ?? 3_600_000);

  const endText = scalars.get('ending_at');
  let end: number;
  if (endText !== undefined) {
    end = rfc3339(endText, 'ending_at');
    if (end <= requestedStart) throw invalid('ending_at: must be after starting_at');
  } else {
    // "The earlier of now and starting_at plus 31 days, rounded down to the hour"; without a clock, where the data ends.
    const dataEnd = Math.max(
      dataEndOf(ledger.usage, (r) => instant(r.hour) + 3_600_000),
      dataEndOf(ledger.costs, (r) => instant(`${r.day}T00:00:00Z`) + 86_400_000),
    );
    end = Math.floor(Math.min(now ?? dataEnd, start + ANALYTICS_MAX_RANGE_MS) / 3_600_000) * 3_600_000;
  }
  if (end - start > ANALYTICS_MAX_RANGE_MS) throw invalid('ending_at: the range may cover at most 31 days');

  const limitText = scalars.get('limit');
  const limit = limitText === undefined ? ANALYTICS_LIMIT.default : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || limit < 1 || limit > ANALYTICS_LIMIT.max)) throw invalid(`limit: must be an integer between 1 and ${ANALYTICS_LIMIT.max}, got ${JSON.stringify(limitText)}`);

  const groupBy: string[] = [];
  for (const field of arrays.get('group_by') ?? []) {
    if (!endpoint.groupKeys.includes(field)) throw invalid(`group_by: ${JSON.stringify(field)} is not a ${endpoint.kind} dimension`);
    if (!(field in endpoint.groupable)) throw invalid(`group_by: ${field} is not supported by the local Anthropic (the local ledger records no ${field})`);
    if (!groupBy.includes(field)) groupBy.push(field);
  }
  const filters = new Map<string, Set<string>>();
  for (const [name, values] of arrays) if (name !== 'group_by') filters.set(name, new Set(values));

  const fingerprint = fingerprintOf([endpoint.kind, width ?? null, start, end, [...groupBy].sort(), sortedFilters(filters)]);
  const page = scalars.get('page');
  return { endpoint, start, end, width, groupBy, filters, limit, offset: page === undefined ? 0 : decodeOffset(page, fingerprint), fingerprint };
}

interface FlatRow<A> {
  bucket: number;
  values: Value[];
  acc: A;
}

/** Groups ledger rows into flat rows: one per bucket and combination of the grouped values, only where there is data. */
function flatRows<Row extends object, A>(rows: readonly Row[], query: AnalyticsQuery, time: (row: Row) => number, keep: (row: Row) => boolean, fresh: () => A, add: (acc: A, row: Row) => void): FlatRow<A>[] {
  const fields = query.endpoint.groupable;
  const filterFields = query.endpoint.filters;
  const filters = [...query.filters];
  const read = (row: Row, field: string): Value => {
    const v = (row as Record<string, unknown>)[field];
    return field === 'speed' ? ((v as Value | undefined) ?? 'standard') : ((v as Value | undefined) ?? null);
  };
  const out = new Map<string, FlatRow<A>>();
  const { order, times } = timeIndexOf(rows, time);
  for (let i = firstAtOrAfter(times, query.start); i < times.length && times[i]! < query.end; i++) {
    const row = rows[order[i]!]!;
    const t = times[i]!;
    if (!keep(row)) continue;
    if (filters.length > 0 && filters.some(([name, allowed]) => !allowed.has(read(row, filterFields[name]!) ?? ''))) continue;
    const bucket = query.width === undefined ? 0 : Math.floor((t - query.start) / query.width);
    const values = query.groupBy.map((g) => read(row, fields[g]!));
    const key = JSON.stringify([bucket, values]);
    let flat = out.get(key);
    if (!flat) {
      flat = { bucket, values, acc: fresh() };
      out.set(key, flat);
    }
    add(flat.acc, row);
  }
  return [...out.values()];
}

/**
 * The ledger's rows in time order (their indexes and instants), so that a query reads only its window: a year of
 * hourly rows, scanned whole for every page of every 31-day query, was most of a local run's emulator time. Kept per
 * rows array and rebuilt when its length changes (a test adding rows between requests).
 */
const timeIndexes = new WeakMap<object, { length: number; order: Uint32Array; times: Float64Array }>();
function timeIndexOf<Row extends object>(rows: readonly Row[], time: (row: Row) => number): { order: Uint32Array; times: Float64Array } {
  const known = timeIndexes.get(rows);
  if (known && known.length === rows.length) return known;
  const instants = rows.map(time);
  const order = Uint32Array.from(rows.keys()).sort((a, b) => instants[a]! - instants[b]! || a - b);
  const index = { length: rows.length, order, times: Float64Array.from(order, (i) => instants[i]!) };
  timeIndexes.set(rows, index);
  return index;
}

/** The first position whose instant is at or after `start` (binary search over ascending instants). */
function firstAtOrAfter(times: Float64Array, start: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A query's rows by time bucket, then ranked by their metric (largest first), then by their group values. Kept for
 * the query's later pages (`key`: the query's fingerprint and the cut-off of what has happened), so that paging
 * through a month of rows does not aggregate it again for every page; rebuilt when the rows array's length changes.
 */
const rankings = new WeakMap<object, { length: number; byQuery: Map<string, FlatRow<unknown>[]> }>();
function ranked<Row extends object, A>(rows: readonly Row[], key: string, metric: (acc: A) => Big, build: () => FlatRow<A>[]): FlatRow<A>[] {
  let known = rankings.get(rows);
  if (!known || known.length !== rows.length) {
    known = { length: rows.length, byQuery: new Map() };
    rankings.set(rows, known);
  }
  const cached = known.byQuery.get(key) as FlatRow<A>[] | undefined;
  if (cached) return cached;
  const flat = build().sort((a, b) => a.bucket - b.bucket || metric(b.acc).cmp(metric(a.acc)) || compareValues(a.values, b.values));
  if (known.byQuery.size >= 16) known.byQuery.clear();
  known.byQuery.set(key, flat as FlatRow<unknown>[]);
  return flat;
}

/** One page of ranked rows, as the endpoint answers it, with the cursor to the next. */
function analyticsPage<A>(query: AnalyticsQuery, rows: FlatRow<A>[], metricsKey: string, metrics: (acc: A) => unknown) {
  if (query.offset > rows.length) throw invalid('page: invalid page token for this query');
  const slice = rows.slice(query.offset, query.offset + query.limit);
  const hasMore = query.offset + slice.length < rows.length;
  const data = slice.map((r) => {
    const starting = query.width === undefined ? query.start : query.start + r.bucket * query.width;
    const ending = query.width === undefined ? query.end : Math.min(starting + query.width, query.end);
    const group = Object.fromEntries(query.endpoint.groupKeys.map((k) => [k, null as Value]));
    query.groupBy.forEach((g, i) => (group[g] = r.values[i] ?? null));
    return { starting_at: isoSeconds(starting), ending_at: isoSeconds(ending), group, [metricsKey]: metrics(r.acc) };
  });
  return { data, has_more: hasMore, next_page: hasMore ? encodeOffset(query.offset + slice.length, query.fingerprint) : null };
}

/** The rows `/analytics/usage` answers. */
export function analyticsUsagePage(rows: AnthropicUsageRow[], query: AnalyticsQuery, now: number | undefined) {
  const happenedBefore = now ?? Infinity;
  type Acc = ReturnType<typeof freshUsage> & { requests: number };
  const total = (a: Acc) => a.uncached + a.cache5m + a.cache1h + a.cacheRead + a.output;
  const flat = ranked(rows, `${query.fingerprint}|${happenedBefore}`, (a: Acc) => new Big(total(a)), () =>
    flatRows(
      rows,
      query,
      (row) => instant(row.hour),
      (row) => instant(row.hour) < happenedBefore,
      (): Acc => ({ ...freshUsage(), requests: 0 }),
      (acc, row) => {
        addUsage(acc, row);
        acc.requests += row.requests ?? 0;
      },
    ),
  );
  return analyticsPage(query, flat, 'usage', (a) => ({
    uncached_input_tokens: a.uncached,
    cache_creation: { ephemeral_5m_input_tokens: a.cache5m, ephemeral_1h_input_tokens: a.cache1h },
    cache_read_input_tokens: a.cacheRead,
    output_tokens: a.output,
    total_tokens: total(a),
    server_tool_use: { web_search_requests: a.webSearch },
    requests: a.requests,
  }));
}

/** The rows `/analytics/cost` answers. */
export function analyticsCostPage(rows: AnthropicCostRow[], query: AnalyticsQuery, now: number | undefined) {
  const billedBefore = now === undefined ? Infinity : Math.floor(now / 86_400_000) * 86_400_000;
  const dayStart = (row: AnthropicCostRow) => instant(`${row.day}T00:00:00Z`);
  const flat = ranked(rows, `${query.fingerprint}|${billedBefore}`, (a) => a.amount, () =>
    flatRows(
      rows,
      query,
      dayStart,
      // A day's bill arrives after the day; Priority Tier is billed apart and is in neither cost endpoint.
      (row) => dayStart(row) < billedBefore && row.serviceTier !== 'priority',
      () => ({ amount: new Big(0), list: new Big(0) as Big | null, requests: 0 }),
      (acc, row) => {
        acc.amount = acc.amount.plus(row.amountCents);
        acc.list = acc.list && row.listAmountCents !== undefined ? acc.list.plus(row.listAmountCents) : null;
        acc.requests += row.requests ?? 0;
      },
    ),
  );
  // "Null when group_by includes cost_type or token_type" (a request is not split by token type).
  const byType = query.groupBy.includes('cost_type') || query.groupBy.includes('token_type');
  return analyticsPage(query, flat, 'cost', (a) => ({
    amount: a.amount.toFixed(6),
    ...(a.list ? { list_amount: a.list.toFixed(6) } : {}),
    currency: 'USD',
    requests: byType ? null : a.requests,
  }));
}

/** Analytics cursors: the offset of the next row and a hash of the query, so a cursor replayed on another query is refused. */
function encodeOffset(offset: number, fingerprint: string): string {
  return pageToken('o', offset, fingerprint);
}

function decodeOffset(token: string, fingerprint: string): number {
  const bad = () => invalid('page: invalid page token; pass the next_page value of the previous response with the same query parameters');
  const { o } = readPageToken(token, fingerprint, bad);
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) throw bad();
  return o;
}
