import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import Big from 'big.js';
import type { AnthropicCostRow, AnthropicUsageRow, ProviderLedger } from '../provider-ledger';
import { header, jsonSender, sha256, startJsonApiServer, type InjectedFault, type RecordedRequest } from './loopback';

const send = jsonSender('request-id');

/**
 * A loopback Anthropic Admin API for tests and `npm run local`: `GET /v1/organizations/usage_report/messages` and
 * `GET /v1/organizations/cost_report`, answered by summing the rows of a {@link ProviderLedger}'s `anthropic` half
 * with exact decimals.
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
}

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

type ErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'api_error';

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

function handle(req: IncomingMessage, options: AnthropicServerOptions): Page {
  authenticate(req, options.adminKey);
  const url = new URL(req.url ?? '/', 'http://loopback');
  const endpoint = ENDPOINTS[url.pathname.replace(/\/+$/, '')];
  if (!endpoint) throw new AnthropicApiError(404, 'not_found_error', `Not found: ${url.pathname}`);
  if (req.method !== 'GET') throw new AnthropicApiError(405, 'invalid_request_error', `Method ${req.method ?? ''} not allowed on ${url.pathname}`);
  const query = parseQuery(url.searchParams, endpoint);
  const now = options.now?.().getTime();
  return endpoint.kind === 'cost' ? costPage(options.ledger.costs, query, now) : usagePage(options.ledger.usage, query, now);
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
    groupFields: ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'inference_geo'],
    unsupported: {
      speed: 'the local ledger records no speed',
      account_id: 'the local ledger records no accounts',
      service_account_id: 'the local ledger records no service accounts',
      account_ids: 'the local ledger records no accounts',
      service_account_ids: 'the local ledger records no service accounts',
      speeds: 'the local ledger records no speed',
    },
    arrayFilters: ['workspace_ids', 'api_key_ids', 'models', 'service_tiers', 'context_window', 'inference_geos'],
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
      within('inference_geos', row.inferenceGeo),
    (row) => [
      g.has('workspace_id') ? row.workspaceId : null,
      g.has('api_key_id') ? row.apiKeyId : null,
      g.has('model') ? row.model : null,
      g.has('service_tier') ? row.serviceTier : null,
      g.has('context_window') ? row.contextWindow : null,
      g.has('inference_geo') ? row.inferenceGeo : null,
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
    const [workspaceId, apiKeyId, model, serviceTier, contextWindow, inferenceGeo] = values;
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
    (row) => dayStart(row) < billedBefore,
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



