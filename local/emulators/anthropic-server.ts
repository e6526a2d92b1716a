import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import Big from 'big.js';
import type { AnthropicCostRow, AnthropicUsageRow, ProviderLedger } from '../sample/provider-ledger';
import { header, jsonSender, sha256, startJsonApiServer, type InjectedFault, type RecordedRequest } from './loopback';

const send = jsonSender('request-id');

/**
 * A loopback Anthropic Admin API for tests and `npm run local`: the legacy `GET /v1/organizations/usage_report/messages`
 * and `GET /v1/organizations/cost_report`, and the Usage and Cost Analytics API's `GET /v1/organizations/analytics/usage`
 * and `/analytics/cost`, answered by summing the rows of a {@link ProviderLedger}'s `anthropic` half with exact
 * decimals.
 *
 * The analytics endpoints follow `shared/reference/billing-apis-2026.md` §A1: `anthropic-beta:
 * analytics-usage-cost-2026-08-24` is required (without it a 400 `invalid_request_error` naming the header: assumed,
 * the docs only say the header is needed); `starting_at` no earlier than 2026-01-01 and, with a clock, within the last
 * 365 days (else 400); flat rows `{ starting_at, ending_at, group: {…every dimension, null unless grouped}, usage | cost }`
 * with no rows for empty groups; `time_bucket_width` `1d`/`1h`/`1m` or omitted (one row per group over the range);
 * cost `amount`/`list_amount` in fractional cents with six decimals (`list_amount` only when every ledger row of the
 * group has a list price), `requests` null when grouped by `cost_type`/`token_type`; Priority Tier rows are in
 * neither cost endpoint; rows by time bucket, then by spend or total tokens, largest first. Assumed where the docs
 * are silent: `has_more` + `next_page` paging, `limit` 1–1000 rows (default 20), at most 31 days a request.
 * `analyticsAccess` refuses the key on them (403 or 404) to test a fallback. Grouping the legacy usage report by
 * `speed` needs `anthropic-beta: fast-mode-2026-02-01`, as documented.
 *
 * Wire behaviour follows `shared/reference/billing-apis.md` §3: `x-api-key` (an `sk-ant-admin…` key) plus
 * `anthropic-version: 2023-06-01`; RFC 3339 times; buckets start at or after `starting_at` (snapped to the start of
 * the minute/hour/day UTC) and only buckets that end at or before `ending_at` are returned; `limit` counts buckets;
 * every bucket of the range is listed (empty ones with `results: []`); `has_more` + `next_page` paging, `next_page`
 * null on the last page; grouping fields null unless grouped (the default workspace is `workspace_id: null` even
 * when grouped); cost `amount` a decimal string in cents, summed exactly, `currency: "USD"`; errors as
 * `{ "type": "error", "error": { "type", "message" } }`.
 *
 * Choices where the API is silent (see the fixtures README): without `ending_at` the range ends where the ledger's
 * data ends (rounded up to a whole bucket); with `1m` buckets an hour's usage lands in the minute at the top of the
 * hour (the ledger is hourly); results in a bucket are sorted by their grouping values, nulls first; array
 * parameters are accepted only in their documented `name[]=` form and unknown parameters are refused with a 400,
 * so a misspelt filter cannot silently widen a query.
 *
 * With a clock (`now`), the server answers as the real API would at that instant: usage buckets that start at or
 * after `now` are not listed and a row counts only once its hour has started (so the bucket in progress carries the
 * ledger's whole hours so far), and cost buckets carry only days before `now`'s UTC day, because a day's bill
 * arrives after the day (today's bucket is listed, empty).
 */

/** One request as received: method, path with query string, and headers (lowercase names). */
export type AnthropicServerRequest = RecordedRequest;

/** A raw response served instead of the ledger's answer (see {@link AnthropicServer.failNext}). */
export type AnthropicServerFault = InjectedFault;

/** A running local Anthropic Admin API. */
export interface AnthropicServer {
  /** Base URL, `http://127.0.0.1:PORT` (paths start with `/v1/organizations/`). */
  url: string;
  /** Every request received, in arrival order, faulted and refused ones included. */
  requests: AnthropicServerRequest[];
  /**
   * Answers the next `count` requests with this raw response instead of the ledger, e.g. a 429
   * `rate_limit_error` with `retry-after`, a 500, or a 200 with a malformed page. Calls add up: faults are served
   * in the order queued, before the headers are checked.
   */
  failNext(count: number, fault: AnthropicServerFault): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startAnthropicServer}. */
export interface AnthropicServerOptions {
  /** The books to answer from. Read on every request, so a test may restate them between calls. */
  ledger: ProviderLedger['anthropic'];
  /** The one Admin API key accepted in `x-api-key`; it should start with `sk-ant-admin`. */
  adminKey: string;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /**
   * The simulated present, read on every request: nothing that has not happened by then is served (usage buckets
   * and rows from `now` on, costs of `now`'s UTC day and later). Default: no clock, the whole ledger is served.
   */
  now?: () => Date;
  /**
   * How the analytics endpoints treat the admin key: `allowed` (default) answers them; `forbidden` refuses with 403
   * `permission_error` and `not_found` with 404 `not_found_error`, as for an organization or key without access
   * to the beta, so a client's fallback to the legacy reports can be tested. The legacy endpoints are unaffected.
   */
  analyticsAccess?: 'allowed' | 'forbidden' | 'not_found';
}

/** The beta header the analytics endpoints require on every request. */
export const ANALYTICS_BETA = 'analytics-usage-cost-2026-08-24';
/** The beta header `usage_report/messages` requires to group by `speed`. */
export const FAST_MODE_BETA = 'fast-mode-2026-02-01';

/** The only `anthropic-version` the Admin API documents. */
const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Starts a local Anthropic Admin API on 127.0.0.1 answering from `options.ledger`.
 * @returns the running server; call `close()` when done.
 */
export async function startAnthropicServer(options: AnthropicServerOptions): Promise<AnthropicServer> {
  const api = await startJsonApiServer({
    ...(options.port !== undefined ? { port: options.port } : {}),
    handle: (req) => handle(req, options),
    errorOf: (error) => {
      const apiError = error instanceof AnthropicApiError ? error : new AnthropicApiError(500, 'api_error', String(error));
      return { status: apiError.status, body: apiError.toBody() };
    },
    send,
  });
  return { url: api.origin, requests: api.requests, failNext: api.failNext, close: api.close };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, auth, routing
// ---------------------------------------------------------------------------------------------------------------

type ErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'api_error' | 'overloaded_error';

class AnthropicApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
  ) {
    super(message);
  }

  toBody() {
    return { type: 'error', error: { type: this.type, message: this.message } };
  }
}

const invalid = (message: string) => new AnthropicApiError(400, 'invalid_request_error', message);

function authenticate(req: IncomingMessage, adminKey: string): void {
  const key = header(req, 'x-api-key');
  if (key === undefined || key === '') throw new AnthropicApiError(401, 'authentication_error', 'x-api-key header is required');
  // A regular `sk-ant-api…` key is a real key without access to the Admin API: 403, not 401.
  if (!key.startsWith('sk-ant-admin')) {
    throw new AnthropicApiError(403, 'permission_error', 'This endpoint requires an Admin API key (sk-ant-admin...); a regular API key cannot read usage or cost reports.');
  }
  if (key !== adminKey) throw new AnthropicApiError(401, 'authentication_error', 'invalid x-api-key');
  const version = header(req, 'anthropic-version');
  if (version === undefined || version === '') throw invalid('anthropic-version: header is required');
  if (version !== ANTHROPIC_VERSION) throw invalid(`anthropic-version: ${JSON.stringify(version)} is not a valid version`);
}

/** The `anthropic-beta` values of a request (comma-separated, as the API takes several). */
function betasOf(req: IncomingMessage): Set<string> {
  return new Set(
    (header(req, 'anthropic-beta') ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  );
}

function handle(req: IncomingMessage, options: AnthropicServerOptions): unknown {
  authenticate(req, options.adminKey);
  const url = new URL(req.url ?? '/', 'http://loopback');
  const path = url.pathname.replace(/\/+$/, '');
  const analytics = ANALYTICS_ENDPOINTS[path];
  const endpoint = ENDPOINTS[path];
  if (!endpoint && !analytics) throw new AnthropicApiError(404, 'not_found_error', `Not found: ${url.pathname}`);
  if (req.method !== 'GET') throw new AnthropicApiError(405, 'invalid_request_error', `Method ${req.method ?? ''} not allowed on ${url.pathname}`);
  const now = options.now?.().getTime();
  if (analytics) {
    if (options.analyticsAccess === 'forbidden') throw new AnthropicApiError(403, 'permission_error', 'This API key does not have access to the Usage and Cost Analytics API.');
    if (options.analyticsAccess === 'not_found') throw new AnthropicApiError(404, 'not_found_error', `Not found: ${url.pathname}`);
    if (!betasOf(req).has(ANALYTICS_BETA)) throw invalid(`anthropic-beta: this endpoint is in beta; send the header anthropic-beta: ${ANALYTICS_BETA}`);
    const query = parseAnalyticsQuery(url.searchParams, analytics, options.ledger, now);
    return analytics.kind === 'cost' ? analyticsCostPage(options.ledger.costs, query, now) : analyticsUsagePage(options.ledger.usage, query, now);
  }
  const query = parseQuery(url.searchParams, endpoint!);
  if (query.groupBy.has('speed') && !betasOf(req).has(FAST_MODE_BETA)) throw invalid(`group_by: grouping by speed requires the anthropic-beta: ${FAST_MODE_BETA} header`);
  return endpoint!.kind === 'cost' ? costPage(options.ledger.costs, query, now) : usagePage(options.ledger.usage, query, now);
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoints and query parameters
// ---------------------------------------------------------------------------------------------------------------

type Width = '1m' | '1h' | '1d';
const WIDTH_MS: Record<Width, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };
const USAGE_LIMITS: Record<Width, { default: number; max: number }> = {
  '1d': { default: 7, max: 31 },
  '1h': { default: 24, max: 168 },
  '1m': { default: 60, max: 1440 },
};

interface Endpoint {
  kind: 'usage' | 'cost';
  widths: Width[];
  limits: (width: Width) => { default: number; max: number };
  groupFields: string[];
  /** Documented parameters and grouping fields the ledger cannot answer, with the reason. */
  unsupported: Record<string, string>;
  /** Array filters (sent as `name[]=`). */
  arrayFilters: string[];
}

const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/organizations/usage_report/messages': {
    kind: 'usage',
    widths: ['1m', '1h', '1d'],
    limits: (width) => USAGE_LIMITS[width],
    groupFields: ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed'],
    unsupported: {
      account_id: 'the local ledger records no accounts',
      service_account_id: 'the local ledger records no service accounts',
      account_ids: 'the local ledger records no accounts',
      service_account_ids: 'the local ledger records no service accounts',
    },
    arrayFilters: ['workspace_ids', 'api_key_ids', 'models', 'service_tiers', 'context_window', 'inference_geos', 'speeds'],
  },
  '/v1/organizations/cost_report': {
    kind: 'cost',
    widths: ['1d'],
    limits: () => ({ default: 7, max: 31 }),
    groupFields: ['workspace_id', 'description'],
    unsupported: {},
    arrayFilters: [],
  },
};

interface Query {
  width: number;
  /** `starting_at` snapped down to the bucket width (epoch ms). */
  start: number;
  /** `ending_at` (epoch ms), or undefined for "where the data ends". */
  end: number | undefined;
  groupBy: Set<string>;
  filters: Map<string, Set<string>>;
  limit: number;
  page: string | undefined;
  fingerprint: string;
}

function parseQuery(params: URLSearchParams, endpoint: Endpoint): Query {
  const scalarNames = new Set(['starting_at', 'ending_at', 'bucket_width', 'limit', 'page']);
  const arrayNames = new Set(['group_by', ...endpoint.arrayFilters]);
  const scalars = new Map<string, string>();
  const arrays = new Map<string, string[]>();
  for (const [key, value] of params) {
    const bare = key.endsWith('[]') ? key.slice(0, -2) : key;
    const reason = endpoint.unsupported[bare];
    if (reason) throw invalid(`${bare}: not supported by the local Anthropic (${reason})`);
    if (key.endsWith('[]') && arrayNames.has(bare)) {
      arrays.set(bare, [...(arrays.get(bare) ?? []), value]);
    } else if (!key.endsWith('[]') && scalarNames.has(key)) {
      if (scalars.has(key)) throw invalid(`${key}: given more than once`);
      scalars.set(key, value);
    } else if (arrayNames.has(key)) {
      throw invalid(`${key}: array parameters are sent as ${key}[]=<value> (repeat the key for each value)`);
    } else {
      throw invalid(`${key}: unknown parameter (accepted: ${[...scalarNames, ...[...arrayNames].map((n) => `${n}[]`)].join(', ')})`);
    }
  }

  const widthName = scalars.get('bucket_width') ?? '1d';
  if (!(endpoint.widths as string[]).includes(widthName)) {
    throw invalid(`bucket_width: Input should be ${endpoint.widths.map((w) => `'${w}'`).join(' or ')}`);
  }
  const width = WIDTH_MS[widthName as Width];

  const startText = scalars.get('starting_at');
  if (startText === undefined) throw invalid('starting_at: Field required');
  const requestedStart = rfc3339(startText, 'starting_at');
  const endText = scalars.get('ending_at');
  const end = endText === undefined ? undefined : rfc3339(endText, 'ending_at');
  if (end !== undefined && end <= requestedStart) throw invalid('ending_at: must be after starting_at');

  const limits = endpoint.limits(widthName as Width);
  const limitText = scalars.get('limit');
  const limit = limitText === undefined ? limits.default : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || limit < 1 || limit > limits.max)) {
    throw invalid(`limit: must be an integer between 1 and ${limits.max} for bucket_width ${widthName}, got ${JSON.stringify(limitText)}`);
  }

  const groupBy = new Set<string>();
  for (const field of arrays.get('group_by') ?? []) {
    const reason = endpoint.unsupported[field];
    if (reason) throw invalid(`group_by: ${field} is not supported by the local Anthropic (${reason})`);
    if (!endpoint.groupFields.includes(field)) {
      throw invalid(`group_by: Input should be ${endpoint.groupFields.map((f) => `'${f}'`).join(', ')}; got ${JSON.stringify(field)}`);
    }
    groupBy.add(field);
  }

  const filters = new Map<string, Set<string>>();
  for (const name of endpoint.arrayFilters) {
    const values = arrays.get(name);
    if (values) filters.set(name, new Set(values));
  }

  const start = Math.floor(requestedStart / width) * width;
  const fingerprint = sha256(
    JSON.stringify([endpoint.kind, width, start, endText ?? null, [...groupBy].sort(), [...filters.entries()].map(([k, v]) => [k, [...v].sort()]).sort()]),
  );
  return { width, start, end, groupBy, filters, limit, page: scalars.get('page'), fingerprint };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function rfc3339(text: string, param: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${param}: Input should be a valid RFC 3339 datetime, e.g. 2026-10-01T00:00:00Z; got ${JSON.stringify(text)}`);
  return ms;
}

// ---------------------------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------------------------

interface Bucket {
  starting_at: string;
  ending_at: string;
  results: unknown[];
}

interface Page {
  data: Bucket[];
  has_more: boolean;
  next_page: string | null;
}

interface PageWindow {
  pageStart: number;
  count: number;
  hasMore: boolean;
  nextPage: string | null;
}

/**
 * Which buckets this page holds. Only whole buckets ending at or before the range end count ("time buckets that
 * end before this timestamp"); `dataEnd` (epoch ms, exclusive) is where the ledger's rows end and stands for "now"
 * when the request has no `ending_at`. With a clock, `now` (epoch ms) ends the range after the bucket in progress:
 * buckets that have not started are not listed.
 */
function pageWindow(query: Query, dataEnd: number, now: number | undefined): PageWindow {
  const { width, start } = query;
  const requestedEnd = query.end ?? Math.ceil(dataEnd / width) * width;
  const rangeEnd = now === undefined ? requestedEnd : Math.min(requestedEnd, Math.ceil(now / width) * width);
  const total = rangeEnd > start ? Math.floor((rangeEnd - start) / width) : 0;
  let first = 0;
  if (query.page !== undefined) {
    const cursor = decodePageToken(query.page, query.fingerprint);
    if ((cursor - start) % width !== 0 || cursor < start || cursor >= start + total * width) {
      throw invalid('page: invalid page token for this time range');
    }
    first = (cursor - start) / width;
  }
  const count = Math.min(query.limit, total - first);
  const hasMore = first + count < total;
  const pageStart = start + first * width;
  return { pageStart, count, hasMore, nextPage: hasMore ? encodePageToken(pageStart + count * width, query.fingerprint) : null };
}

type Value = string | null;

interface Grouped<A> {
  values: Value[];
  acc: A;
}

function aggregate<Row, A>(
  rows: Row[],
  window: PageWindow,
  width: number,
  time: (row: Row) => number,
  keep: (row: Row) => boolean,
  values: (row: Row) => Value[],
  fresh: () => A,
  add: (acc: A, row: Row) => void,
): Grouped<A>[][] {
  const buckets: Map<string, Grouped<A>>[] = Array.from({ length: Math.max(0, window.count) }, () => new Map());
  const pageEnd = window.pageStart + window.count * width;
  for (const row of rows) {
    const t = time(row);
    if (!(t >= window.pageStart && t < pageEnd) || !keep(row)) continue;
    const bucket = buckets[Math.floor((t - window.pageStart) / width)]!;
    const v = values(row);
    const key = JSON.stringify(v);
    let group = bucket.get(key);
    if (!group) {
      group = { values: v, acc: fresh() };
      bucket.set(key, group);
    }
    add(group.acc, row);
  }
  return buckets.map((bucket) => [...bucket.values()].sort((a, b) => compareValues(a.values, b.values)));
}

/** Tuple order with null first and strings by code unit (not locale). */
function compareValues(a: Value[], b: Value[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function buildPage<A>(window: PageWindow, width: number, groups: Grouped<A>[][], toResult: (group: Grouped<A>) => unknown): Page {
  const data = groups.map((bucketGroups, i) => {
    const start = window.pageStart + i * width;
    return { starting_at: isoSeconds(start), ending_at: isoSeconds(start + width), results: bucketGroups.map(toResult) };
  });
  return { data, has_more: window.hasMore, next_page: window.nextPage };
}

// ----- usage_report/messages -----

interface UsageAcc {
  uncached: number;
  cache5m: number;
  cache1h: number;
  cacheRead: number;
  output: number;
  webSearch: number;
}

function usagePage(rows: AnthropicUsageRow[], query: Query, now: number | undefined): Page {
  // The ledger is hourly: a row's instant is the top of its hour (so with 1m buckets it lands in minute :00).
  const hourStart = (row: AnthropicUsageRow) => instant(row.hour);
  // With a clock, an hour counts once it has started: the hour in progress is served whole (the ledger is hourly).
  const happenedBefore = now ?? Infinity;
  let dataEnd = 0;
  for (const row of rows) dataEnd = Math.max(dataEnd, hourStart(row) + 3_600_000);
  const window = pageWindow(query, dataEnd, now);
  const g = query.groupBy;
  const f = query.filters;
  const within = (name: string, value: string | null) => {
    const allowed = f.get(name);
    return !allowed || (value !== null && allowed.has(value));
  };

  const groups = aggregate<AnthropicUsageRow, UsageAcc>(
    rows,
    window,
    query.width,
    hourStart,
    (row) =>
      hourStart(row) < happenedBefore &&
      within('workspace_ids', row.workspaceId) &&
      within('api_key_ids', row.apiKeyId) &&
      within('models', row.model) &&
      within('service_tiers', row.serviceTier) &&
      within('context_window', row.contextWindow) &&
      within('inference_geos', row.inferenceGeo) &&
      within('speeds', row.speed ?? 'standard'),
    (row) => [
      g.has('workspace_id') ? row.workspaceId : null,
      g.has('api_key_id') ? row.apiKeyId : null,
      g.has('model') ? row.model : null,
      g.has('service_tier') ? row.serviceTier : null,
      g.has('context_window') ? row.contextWindow : null,
      g.has('inference_geo') ? row.inferenceGeo : null,
      g.has('speed') ? (row.speed ?? 'standard') : null,
    ],
    () => ({ uncached: 0, cache5m: 0, cache1h: 0, cacheRead: 0, output: 0, webSearch: 0 }),
    (acc, row) => {
      acc.uncached += row.uncachedInputTokens;
      acc.cache5m += row.cacheCreation5mTokens;
      acc.cache1h += row.cacheCreation1hTokens;
      acc.cacheRead += row.cacheReadInputTokens;
      acc.output += row.outputTokens;
      acc.webSearch += row.webSearchRequests;
    },
  );

  return buildPage(window, query.width, groups, ({ values, acc }: Grouped<UsageAcc>) => {
    const [workspaceId, apiKeyId, model, serviceTier, contextWindow, inferenceGeo, speed] = values;
    return {
      uncached_input_tokens: acc.uncached,
      cache_creation: { ephemeral_5m_input_tokens: acc.cache5m, ephemeral_1h_input_tokens: acc.cache1h },
      cache_read_input_tokens: acc.cacheRead,
      output_tokens: acc.output,
      server_tool_use: { web_search_requests: acc.webSearch },
      workspace_id: workspaceId,
      api_key_id: apiKeyId,
      model,
      service_tier: serviceTier,
      context_window: contextWindow,
      inference_geo: inferenceGeo,
      speed,
    };
  });
}

// ----- cost_report -----

function costPage(rows: AnthropicCostRow[], query: Query, now: number | undefined): Page {
  const dayStart = (row: AnthropicCostRow) => instant(`${row.day}T00:00:00Z`);
  // A day's bill arrives after the day: with a clock, only days before today's (UTC) are billed.
  const billedBefore = now === undefined ? Infinity : Math.floor(now / 86_400_000) * 86_400_000;
  let dataEnd = 0;
  for (const row of rows) dataEnd = Math.max(dataEnd, dayStart(row) + 86_400_000);
  const window = pageWindow(query, dataEnd, now);
  const byWorkspace = query.groupBy.has('workspace_id');
  const byDescription = query.groupBy.has('description');

  const groups = aggregate<AnthropicCostRow, { amount: Big }>(
    rows,
    window,
    query.width,
    dayStart,
    // Priority Tier is billed apart: never in the cost report.
    (row) => dayStart(row) < billedBefore && row.serviceTier !== 'priority',
    // Everything derived from the description rides with it; without it those fields are null.
    (row) => [
      byWorkspace ? row.workspaceId : null,
      ...(byDescription ? [row.description, row.costType, row.model, row.tokenType, row.serviceTier, row.contextWindow, row.inferenceGeo] : [null, null, null, null, null, null, null]),
    ],
    () => ({ amount: new Big(0) }),
    (acc, row) => {
      acc.amount = acc.amount.plus(row.amountCents);
    },
  );

  return buildPage(window, query.width, groups, ({ values, acc }: Grouped<{ amount: Big }>) => {
    const [workspaceId, description, costType, model, tokenType, serviceTier, contextWindow, inferenceGeo] = values;
    return {
      amount: formatCents(acc.amount),
      currency: 'USD',
      workspace_id: workspaceId,
      description,
      cost_type: costType,
      model,
      token_type: tokenType,
      service_tier: serviceTier,
      context_window: contextWindow,
      inference_geo: inferenceGeo,
    };
  });
}

/** Exact cents with at least two decimals, as the API writes them: `"250.00"`, `"0.005"`, `"1843.27"`. */
function formatCents(amount: Big): string {
  const exact = amount.toFixed();
  const dot = exact.indexOf('.');
  return dot < 0 || exact.length - dot - 1 < 2 ? amount.toFixed(2) : exact;
}

// ---------------------------------------------------------------------------------------------------------------
// Usage and Cost Analytics API (beta): /v1/organizations/analytics/usage and /analytics/cost
// ---------------------------------------------------------------------------------------------------------------

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

interface AnalyticsEndpoint {
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

const ANALYTICS_ENDPOINTS: Record<string, AnalyticsEndpoint> = {
  '/v1/organizations/analytics/usage': { kind: 'usage', groupKeys: USAGE_GROUP_KEYS, groupable: USAGE_FIELDS, filters: filtersOf(USAGE_FIELDS) },
  '/v1/organizations/analytics/cost': { kind: 'cost', groupKeys: COST_GROUP_KEYS, groupable: COST_FIELDS, filters: filtersOf(COST_FIELDS) },
};

interface AnalyticsQuery {
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

function parseAnalyticsQuery(params: URLSearchParams, endpoint: AnalyticsEndpoint, ledger: ProviderLedger['anthropic'], now: number | undefined): AnalyticsQuery {
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
  const width = widthName === undefined ? undefined : WIDTH_MS[widthName as Width];

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
    let dataEnd = 0;
    for (const r of ledger.usage) dataEnd = Math.max(dataEnd, instant(r.hour) + 3_600_000);
    for (const r of ledger.costs) dataEnd = Math.max(dataEnd, instant(`${r.day}T00:00:00Z`) + 86_400_000);
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

  const fingerprint = sha256(JSON.stringify([endpoint.kind, width ?? null, start, end, [...groupBy].sort(), [...filters.entries()].map(([k, v]) => [k, [...v].sort()]).sort()]));
  const page = scalars.get('page');
  return { endpoint, start, end, width, groupBy, filters, limit, offset: page === undefined ? 0 : decodeOffset(page, fingerprint), fingerprint };
}

interface FlatRow<A> {
  bucket: number;
  values: Value[];
  acc: A;
}

/** Groups ledger rows into flat rows: one per bucket and combination of the grouped values, only where there is data. */
function flatRows<Row, A>(rows: readonly Row[], query: AnalyticsQuery, time: (row: Row) => number, keep: (row: Row) => boolean, fresh: () => A, add: (acc: A, row: Row) => void): FlatRow<A>[] {
  const fields = query.endpoint.groupable;
  const filterFields = query.endpoint.filters;
  const read = (row: Row, field: string): Value => {
    const v = (row as Record<string, unknown>)[field];
    return field === 'speed' ? ((v as Value | undefined) ?? 'standard') : ((v as Value | undefined) ?? null);
  };
  const out = new Map<string, FlatRow<A>>();
  for (const row of rows) {
    const t = time(row);
    if (t < query.start || t >= query.end || !keep(row)) continue;
    if ([...query.filters].some(([name, allowed]) => !allowed.has(read(row, filterFields[name]!) ?? ''))) continue;
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

/** Rows by time bucket, then ranked by their metric (largest first), then by their group values; cut to the page. */
function analyticsPage<A>(query: AnalyticsQuery, rows: FlatRow<A>[], metric: (acc: A) => Big, metricsKey: string, metrics: (acc: A) => unknown) {
  rows.sort((a, b) => a.bucket - b.bucket || metric(b.acc).cmp(metric(a.acc)) || compareValues(a.values, b.values));
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

function analyticsUsagePage(rows: AnthropicUsageRow[], query: AnalyticsQuery, now: number | undefined) {
  const happenedBefore = now ?? Infinity;
  const flat = flatRows(
    rows,
    query,
    (row) => instant(row.hour),
    (row) => instant(row.hour) < happenedBefore,
    () => ({ uncached: 0, cache5m: 0, cache1h: 0, cacheRead: 0, output: 0, webSearch: 0, requests: 0 }),
    (acc, row) => {
      acc.uncached += row.uncachedInputTokens;
      acc.cache5m += row.cacheCreation5mTokens;
      acc.cache1h += row.cacheCreation1hTokens;
      acc.cacheRead += row.cacheReadInputTokens;
      acc.output += row.outputTokens;
      acc.webSearch += row.webSearchRequests;
      acc.requests += row.requests ?? 0;
    },
  );
  const total = (a: (typeof flat)[number]['acc']) => a.uncached + a.cache5m + a.cache1h + a.cacheRead + a.output;
  return analyticsPage(query, flat, (a) => new Big(total(a)), 'usage', (a) => ({
    uncached_input_tokens: a.uncached,
    cache_creation: { ephemeral_5m_input_tokens: a.cache5m, ephemeral_1h_input_tokens: a.cache1h },
    cache_read_input_tokens: a.cacheRead,
    output_tokens: a.output,
    total_tokens: total(a),
    server_tool_use: { web_search_requests: a.webSearch },
    requests: a.requests,
  }));
}

function analyticsCostPage(rows: AnthropicCostRow[], query: AnalyticsQuery, now: number | undefined) {
  const billedBefore = now === undefined ? Infinity : Math.floor(now / 86_400_000) * 86_400_000;
  const dayStart = (row: AnthropicCostRow) => instant(`${row.day}T00:00:00Z`);
  const flat = flatRows(
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
  );
  // "Null when group_by includes cost_type or token_type" (a request is not split by token type).
  const byType = query.groupBy.includes('cost_type') || query.groupBy.includes('token_type');
  return analyticsPage(query, flat, (a) => a.amount, 'cost', (a) => ({
    amount: a.amount.toFixed(6),
    ...(a.list ? { list_amount: a.list.toFixed(6) } : {}),
    currency: 'USD',
    requests: byType ? null : a.requests,
  }));
}

/** Analytics cursors: the offset of the next row and a hash of the query, so a cursor replayed on another query is refused. */
function encodeOffset(offset: number, fingerprint: string): string {
  return `page_${Buffer.from(JSON.stringify({ o: offset, h: fingerprint.slice(0, 16) })).toString('base64url')}`;
}

function decodeOffset(token: string, fingerprint: string): number {
  const bad = () => invalid('page: invalid page token; pass the next_page value of the previous response with the same query parameters');
  if (!token.startsWith('page_')) throw bad();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token.slice(5), 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const { o, h } = (typeof body === 'object' && body !== null ? body : {}) as { o?: unknown; h?: unknown };
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || h !== fingerprint.slice(0, 16)) throw bad();
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Page tokens
// ---------------------------------------------------------------------------------------------------------------

/*
 * Anthropic's tokens are `page_` + base64 of the next bucket's start; these add a hash of the query so a token
 * replayed on another query is refused. Stateless: the same query always yields the same tokens.
 */
function encodePageToken(nextStart: number, fingerprint: string): string {
  return `page_${Buffer.from(JSON.stringify({ t: isoSeconds(nextStart), h: fingerprint.slice(0, 16) })).toString('base64url')}`;
}

function decodePageToken(token: string, fingerprint: string): number {
  const bad = () => invalid('page: invalid page token; pass the next_page value of the previous response with the same query parameters');
  if (!token.startsWith('page_')) throw bad();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token.slice(5), 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof body !== 'object' || body === null) throw bad();
  const { t, h } = body as { t?: unknown; h?: unknown };
  const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms) || h !== fingerprint.slice(0, 16)) throw bad();
  return ms;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** RFC 3339 in UTC without fractional seconds, `2026-10-01T00:00:00Z`. */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Epoch ms of an ISO 8601 instant, memoized: a ledger has few distinct hours and days but many rows. */
const instants = new Map<string, number>();
function instant(iso: string): number {
  let ms = instants.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (instants.size >= 100_000) instants.clear();
    instants.set(iso, ms);
  }
  return ms;
}



