import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import Big from 'big.js';
import type { OpenAiCostRow, OpenAiUnitEndpointName, OpenAiUnitUsageRow, OpenAiUsageRow, ProviderLedger } from '../sample/provider-ledger';
import { header, jsonSender, sha256, startJsonApiServer, type InjectedFault, type RecordedRequest } from './loopback';

const send = jsonSender('x-request-id');

/**
 * A loopback OpenAI organization admin API for tests and `npm run local`: `GET /v1/organization/costs`,
 * `GET /v1/organization/usage/completions` and `GET /v1/organization/usage/embeddings`, answered by summing the rows
 * of a {@link ProviderLedger}'s `openai` half with exact decimals.
 *
 * Wire behaviour follows `shared/reference/billing-apis.md` §2: Unix-second times, `start_time` inclusive and
 * `end_time` exclusive, `limit` counting buckets, every bucket of the range listed (empty ones with `results: []`),
 * `has_more` + `next_page` paging, grouping fields null unless grouped, `amount.value` a JSON number in dollars with
 * lowercase `"usd"`, errors as `{ "error": { message, type, param, code } }`.
 *
 * Choices where the API is silent (see the fixtures README): buckets are aligned to UTC boundaries of their width
 * (`start_time` is snapped down); a row counts in a bucket when its time is inside it and before `end_time`;
 * without `end_time` the range ends where the ledger's data ends; with `1m` buckets an hour's usage lands in the
 * minute at the top of the hour (the ledger is hourly); results in a bucket are sorted by their grouping values,
 * nulls first; unknown query parameters are refused with a 400 rather than ignored, so a misspelt filter cannot
 * silently widen a query.
 *
 * With a clock (`now`), the server answers as the real API would at that instant: usage buckets that start at or
 * after `now` are not listed and a row counts only once its hour has started (so the bucket in progress carries the
 * ledger's whole hours so far), and cost buckets carry only days before `now`'s UTC day, because a day's bill
 * arrives after the day (today's bucket is listed, empty).
 */

/** One request as received: method, path with query string, and headers (lowercase names). */
export type OpenAiServerRequest = RecordedRequest;

/** A raw response served instead of the ledger's answer (see {@link OpenAiServer.failNext}). */
export type OpenAiServerFault = InjectedFault;

/** A running local OpenAI admin API. */
export interface OpenAiServer {
  /** Base URL including `/v1`, as the client's base URL: `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Every request received, in arrival order, faulted and refused ones included. */
  requests: OpenAiServerRequest[];
  /**
   * Answers the next `count` requests with this raw response instead of the ledger, e.g. a 429 with
   * `retry-after`, a 500, or a 200 with a malformed page. Calls add up: faults are served in the order queued,
   * before authentication is checked.
   */
  failNext(count: number, fault: OpenAiServerFault): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startOpenAiServer}. */
export interface OpenAiServerOptions {
  /** The books to answer from. Read on every request, so a test may restate them between calls. */
  ledger: ProviderLedger['openai'];
  /** The one admin key accepted (`Authorization: Bearer <adminKey>`); it should start with `sk-admin`. */
  adminKey: string;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /**
   * The simulated present, read on every request: nothing that has not happened by then is served (usage buckets
   * and rows from `now` on, costs of `now`'s UTC day and later). Default: no clock, the whole ledger is served.
   */
  now?: () => Date;
}

/**
 * Starts a local OpenAI admin API on 127.0.0.1 answering from `options.ledger`.
 * @returns the running server; call `close()` when done.
 */
export async function startOpenAiServer(options: OpenAiServerOptions): Promise<OpenAiServer> {
  const api = await startJsonApiServer({
    ...(options.port !== undefined ? { port: options.port } : {}),
    handle: (req) => handle(req, options),
    errorOf: (error) => {
      const apiError = error instanceof OpenAiApiError ? error : new OpenAiApiError(500, String(error), 'server_error');
      return { status: apiError.status, body: apiError.toBody() };
    },
    send,
  });
  return { url: `${api.origin}/v1`, requests: api.requests, failNext: api.failNext, close: api.close };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, auth, routing
// ---------------------------------------------------------------------------------------------------------------

class OpenAiApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const badParam = (param: string, message: string) => new OpenAiApiError(400, message, 'invalid_request_error', param, 'invalid_value');

function authenticate(req: IncomingMessage, adminKey: string): void {
  const authorization = header(req, 'authorization');
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) {
    throw new OpenAiApiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    );
  }
  const key = match[1]!;
  // A project or user key is a real key without the admin scopes: OpenAI answers 403, not 401.
  if (!key.startsWith('sk-admin')) {
    throw new OpenAiApiError(
      403,
      'You have insufficient permissions for this operation. Missing scopes: api.usage.read. The organization usage and costs endpoints need an admin key (sk-admin-...).',
    );
  }
  if (key !== adminKey) {
    throw new OpenAiApiError(401, `Incorrect API key provided: ${redact(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', null, 'invalid_api_key');
  }
}

function redact(key: string): string {
  return key.length <= 12 ? `${key.slice(0, 3)}***` : `${key.slice(0, 8)}***${key.slice(-4)}`;
}

function handle(req: IncomingMessage, options: OpenAiServerOptions): Page {
  authenticate(req, options.adminKey);
  const url = new URL(req.url ?? '/', 'http://loopback');
  const endpoint = ENDPOINTS[url.pathname.replace(/\/+$/, '')];
  if (!endpoint || req.method !== 'GET') {
    throw new OpenAiApiError(404, `Invalid URL (${req.method ?? 'GET'} ${url.pathname})`);
  }
  const query = parseQuery(url.searchParams, endpoint);
  const now = options.now ? options.now().getTime() / 1000 : undefined;
  if (endpoint.kind === 'costs') return costsPage(options.ledger.costs, query, now);
  if (endpoint.kind === 'completions' || endpoint.kind === 'embeddings') return usagePage(options.ledger.usage, endpoint.kind, query, now);
  return unitUsagePage(options.ledger.unitUsage ?? [], endpoint.kind, query, now);
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoints and query parameters
// ---------------------------------------------------------------------------------------------------------------

type Width = '1m' | '1h' | '1d';
const WIDTH_SECONDS: Record<Width, number> = { '1m': 60, '1h': 3600, '1d': 86400 };
/** Buckets per page by width: usage endpoints' documented defaults and maxima. */
const USAGE_LIMITS: Record<Width, { default: number; max: number }> = {
  '1d': { default: 7, max: 31 },
  '1h': { default: 24, max: 168 },
  '1m': { default: 60, max: 1440 },
};

interface Endpoint {
  kind: 'costs' | 'completions' | 'embeddings' | OpenAiUnitEndpointName;
  widths: Width[];
  limits: (width: Width) => { default: number; max: number };
  /** Most buckets one page holds whatever `limit` asks: pages can be shorter than the limit. */
  pageCap?: number;
  /** Grouping fields in the order results are sorted by. */
  groupFields: string[];
  /** Documented grouping fields this emulator cannot answer from its ledger. */
  unsupportedGroups?: Record<string, string>;
  arrayFilters: string[];
  batchFilter: boolean;
}

/**
 * `group_by=api_key_id` on costs is refused for a `start_time` before this instant (2025-12-06T00:00:00Z): "the named
 * second succeeds, one second earlier fails" (addendum §A4.2).
 */
export const API_KEY_COSTS_FLOOR = 1_764_979_200;

/** Most daily cost buckets one page holds: a page is cut at 31 days even when `limit` asks for up to 180 [?]. */
export const COSTS_PAGE_CAP = 31;

const STANDARD_USAGE_FILTERS = ['project_ids', 'user_ids', 'api_key_ids', 'models'];
const unitEndpoint = (kind: OpenAiUnitEndpointName, groupFields: string[], arrayFilters: string[], unsupportedGroups?: Record<string, string>): Endpoint => ({
  kind,
  widths: ['1m', '1h', '1d'],
  limits: (width) => USAGE_LIMITS[width],
  groupFields,
  ...(unsupportedGroups ? { unsupportedGroups } : {}),
  arrayFilters,
  batchFilter: false,
});

const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/organization/costs': {
    kind: 'costs',
    widths: ['1d'],
    limits: () => ({ default: 7, max: 180 }),
    pageCap: COSTS_PAGE_CAP,
    groupFields: ['project_id', 'api_key_id', 'line_item'],
    arrayFilters: ['project_ids', 'api_key_ids'],
    batchFilter: false,
  },
  '/v1/organization/usage/completions': {
    kind: 'completions',
    widths: ['1m', '1h', '1d'],
    limits: (width) => USAGE_LIMITS[width],
    groupFields: ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'],
    arrayFilters: STANDARD_USAGE_FILTERS,
    batchFilter: true,
  },
  '/v1/organization/usage/embeddings': {
    kind: 'embeddings',
    widths: ['1m', '1h', '1d'],
    limits: (width) => USAGE_LIMITS[width],
    groupFields: ['project_id', 'user_id', 'api_key_id', 'model'],
    arrayFilters: STANDARD_USAGE_FILTERS,
    batchFilter: false,
  },
  '/v1/organization/usage/images': unitEndpoint('images', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS, {
    size: 'the local ledger records no image size',
    source: 'the local ledger records no image source',
  }),
  '/v1/organization/usage/audio_speeches': unitEndpoint('audio_speeches', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS),
  '/v1/organization/usage/audio_transcriptions': unitEndpoint('audio_transcriptions', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS),
  '/v1/organization/usage/moderations': unitEndpoint('moderations', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS),
  '/v1/organization/usage/vector_stores': unitEndpoint('vector_stores', ['project_id'], ['project_ids']),
  '/v1/organization/usage/code_interpreter_sessions': unitEndpoint('code_interpreter_sessions', ['project_id'], ['project_ids']),
  '/v1/organization/usage/file_search_calls': unitEndpoint('file_search_calls', ['project_id', 'user_id', 'api_key_id'], ['project_ids', 'user_ids', 'api_key_ids'], {
    vector_store_id: 'the local ledger records no vector store ids',
  }),
  '/v1/organization/usage/web_search_calls': unitEndpoint('web_search_calls', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS, {
    context_level: 'the local ledger records no search context level',
  }),
};

interface Query {
  width: number;
  /** Requested start, snapped down to the bucket width (Unix seconds). */
  start: number;
  /** Exclusive end (Unix seconds), or undefined for "where the data ends". */
  end: number | undefined;
  groupBy: Set<string>;
  filters: Map<string, Set<string>>;
  batch: boolean | undefined;
  limit: number;
  /** Buckets a page holds at most: the smaller of `limit` and the endpoint's page cap. */
  pageSize: number;
  page: string | undefined;
  /** Hash of everything that defines the answer, so a page token cannot be replayed on another query. */
  fingerprint: string;
}

function parseQuery(params: URLSearchParams, endpoint: Endpoint): Query {
  const scalars = new Map<string, string>();
  const arrays = new Map<string, string[]>();
  const scalarNames = new Set(['start_time', 'end_time', 'bucket_width', 'limit', 'page', ...(endpoint.batchFilter ? ['batch'] : [])]);
  const arrayNames = new Set(['group_by', ...endpoint.arrayFilters]);
  for (const [key, value] of params) {
    // Arrays arrive as repeated keys, `group_by=a&group_by=b`, or in the bracket form `group_by[]=a`.
    const name = key.endsWith('[]') ? key.slice(0, -2) : key;
    if (arrayNames.has(name)) {
      arrays.set(name, [...(arrays.get(name) ?? []), value]);
    } else if (scalarNames.has(key)) {
      if (scalars.has(key)) throw badParam(key, `Parameter '${key}' was given more than once.`);
      scalars.set(key, value);
    } else {
      throw badParam(key, `Unknown parameter: '${key}'. This endpoint accepts ${[...scalarNames, ...arrayNames].join(', ')}.`);
    }
  }

  const widthName = scalars.get('bucket_width') ?? '1d';
  if (!(endpoint.widths as string[]).includes(widthName)) {
    throw badParam('bucket_width', `Invalid value for 'bucket_width': ${JSON.stringify(widthName)}. Supported values are: ${endpoint.widths.join(', ')}.`);
  }
  const width = WIDTH_SECONDS[widthName as Width];

  const startText = scalars.get('start_time');
  if (startText === undefined) throw badParam('start_time', "Missing required parameter: 'start_time'.");
  const requestedStart = unixSeconds(startText, 'start_time');
  const endText = scalars.get('end_time');
  const end = endText === undefined ? undefined : unixSeconds(endText, 'end_time');
  if (end !== undefined && end <= requestedStart) throw badParam('end_time', "'end_time' must be greater than 'start_time'.");

  const limits = endpoint.limits(widthName as Width);
  const limitText = scalars.get('limit');
  const limit = limitText === undefined ? limits.default : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || limit < 1)) {
    throw badParam('limit', `Invalid limit provided: ${limitText}. Limit must be an integer greater than or equal to 1.`);
  }
  // Refused, not clamped; the message is the one the live API gives for limit=366 (addendum §A4.3).
  if (limit > limits.max) throw badParam('limit', `Invalid limit provided: ${limit}. Limit must be less than or equal to ${limits.max}.`);

  const groupBy = new Set<string>();
  for (const field of arrays.get('group_by') ?? []) {
    const unsupported = endpoint.unsupportedGroups?.[field];
    if (unsupported) throw badParam('group_by', `group_by=${field} is not supported by the local OpenAI: ${unsupported}.`);
    if (!endpoint.groupFields.includes(field)) {
      throw badParam('group_by', `Invalid value for 'group_by': ${JSON.stringify(field)}. Supported values are: ${endpoint.groupFields.join(', ')}.`);
    }
    groupBy.add(field);
  }

  if (endpoint.kind === 'costs' && groupBy.has('api_key_id') && requestedStart < API_KEY_COSTS_FLOOR) {
    throw badParam(
      'start_time',
      `Invalid value for 'start_time': ${requestedStart}. Grouping by api_key_id (group_by=api_key_id) is only supported for start_time >= ${API_KEY_COSTS_FLOOR}.`,
    );
  }

  const filters = new Map<string, Set<string>>();
  for (const name of endpoint.arrayFilters) {
    const values = arrays.get(name);
    if (values) filters.set(name, new Set(values));
  }

  let batch: boolean | undefined;
  const batchText = scalars.get('batch');
  if (batchText !== undefined) {
    if (batchText !== 'true' && batchText !== 'false') throw badParam('batch', "Invalid value for 'batch': expected true or false.");
    batch = batchText === 'true';
  }

  const start = Math.floor(requestedStart / width) * width;
  const fingerprint = sha256(
    JSON.stringify([
      endpoint.kind,
      width,
      start,
      endText ?? null,
      [...groupBy].sort(),
      [...filters.entries()].map(([k, v]) => [k, [...v].sort()]).sort(),
      batch ?? null,
    ]),
  );
  return { width, start, end, groupBy, filters, batch, limit, pageSize: Math.min(limit, endpoint.pageCap ?? limit), page: scalars.get('page'), fingerprint };
}

function unixSeconds(text: string, param: string): number {
  if (!/^\d{1,12}$/.test(text)) throw badParam(param, `Invalid value for '${param}': ${JSON.stringify(text)}. Expected Unix seconds (an integer).`);
  return Number(text);
}

// ---------------------------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------------------------

interface Bucket<R> {
  object: 'bucket';
  start_time: number;
  end_time: number;
  results: R[];
}

interface Page {
  object: 'page';
  data: Bucket<unknown>[];
  has_more: boolean;
  next_page: string | null;
}

/** The buckets of one page: `[pageStart, pageEnd)` in steps of the width, data counted before `rangeEnd`. */
interface PageWindow {
  pageStart: number;
  count: number;
  rangeEnd: number;
  hasMore: boolean;
  nextPage: string | null;
}

/**
 * Works out which buckets this page holds. `dataEnd` (exclusive, Unix seconds) is where the ledger's rows end; it
 * stands for "now" when the request has no `end_time`. With a clock, `now` (Unix seconds) ends the range after the
 * bucket in progress: buckets that have not started are not listed.
 */
function pageWindow(query: Query, dataEnd: number, now: number | undefined): PageWindow {
  const { width, start } = query;
  const requestedEnd = query.end ?? Math.ceil(dataEnd / width) * width;
  const rangeEnd = now === undefined ? requestedEnd : Math.min(requestedEnd, Math.ceil(now / width) * width);
  const total = rangeEnd > start ? Math.ceil((rangeEnd - start) / width) : 0;
  let first = 0;
  if (query.page !== undefined) {
    const cursor = decodePageToken(query.page, query.fingerprint);
    if ((cursor - start) % width !== 0 || cursor < start || cursor >= start + total * width) {
      throw badParam('page', 'Invalid page token: it does not belong to this time range.');
    }
    first = (cursor - start) / width;
  }
  const count = Math.min(query.pageSize, total - first);
  const hasMore = first + count < total;
  const pageStart = start + first * width;
  return { pageStart, count, rangeEnd, hasMore, nextPage: hasMore ? encodePageToken(pageStart + count * width, query.fingerprint) : null };
}

interface Grouped<A> {
  values: (string | boolean | null)[];
  acc: A;
}

/**
 * Sums the rows of one page into buckets and groups. `time` gives a row's instant in Unix seconds; `keep` applies
 * the filters; `values` gives the grouping values (null where not grouped); `add` folds a row into an accumulator.
 */
function aggregate<Row, A>(
  rows: Row[],
  window: PageWindow,
  width: number,
  time: (row: Row) => number,
  keep: (row: Row) => boolean,
  values: (row: Row) => (string | boolean | null)[],
  fresh: () => A,
  add: (acc: A, row: Row) => void,
): Grouped<A>[][] {
  const buckets: Map<string, Grouped<A>>[] = Array.from({ length: Math.max(0, window.count) }, () => new Map());
  const pageEnd = Math.min(window.pageStart + window.count * width, window.rangeEnd);
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

/** Tuple order with null first, false before true, strings by code unit (not locale). */
function compareValues(a: (string | boolean | null)[], b: (string | boolean | null)[]): number {
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

function buildPage<A>(window: PageWindow, width: number, groups: Grouped<A>[][], toResult: (group: Grouped<A>, index: number) => unknown): Page {
  const data: Bucket<unknown>[] = groups.map((bucketGroups, i) => {
    const start = window.pageStart + i * width;
    return { object: 'bucket', start_time: start, end_time: start + width, results: bucketGroups.map((group, index) => toResult(group, index)) };
  });
  return { object: 'page', data, has_more: window.hasMore, next_page: window.nextPage };
}

// ----- costs -----

interface CostAcc {
  amount: Big;
  quantity: Big | null;
  /** undefined until a row is seen; null once two rows disagree. */
  unit: string | null | undefined;
}

function costsPage(rows: OpenAiCostRow[], query: Query, now: number | undefined): Page {
  const dayStart = (row: OpenAiCostRow) => instant(`${row.day}T00:00:00Z`);
  // A day's bill arrives after the day: with a clock, only days before today's (UTC) are billed.
  const billedBefore = now === undefined ? Infinity : Math.floor(now / 86400) * 86400;
  let dataEnd = 0;
  for (const row of rows) dataEnd = Math.max(dataEnd, dayStart(row) + 86400);
  const window = pageWindow(query, dataEnd, now);
  const g = query.groupBy;
  const projects = query.filters.get('project_ids');
  const keys = query.filters.get('api_key_ids');

  const groups = aggregate<OpenAiCostRow, CostAcc>(
    rows,
    window,
    query.width,
    dayStart,
    (row) =>
      dayStart(row) < billedBefore &&
      (!projects || (row.projectId !== null && projects.has(row.projectId))) &&
      (!keys || (row.apiKeyId !== null && keys.has(row.apiKeyId))),
    (row) => [g.has('project_id') ? row.projectId : null, g.has('api_key_id') ? row.apiKeyId : null, g.has('line_item') ? row.lineItem : null],
    () => ({ amount: new Big(0), quantity: null, unit: undefined }),
    (acc, row) => {
      acc.amount = acc.amount.plus(row.amountUsd);
      if (row.quantity !== null) acc.quantity = (acc.quantity ?? new Big(0)).plus(row.quantity);
      acc.unit = acc.unit === undefined ? row.quantityUnit : acc.unit === row.quantityUnit ? acc.unit : null;
    },
  );

  const byLineItem = g.has('line_item');
  return buildPage(window, query.width, groups, (group: Grouped<CostAcc>, index: number) => {
    const [projectId, apiKeyId, lineItem] = group.values;
    return {
      object: 'organization.costs.result',
      // The spec types amount.value a number, but live answers send strings too (addendum §A4.1). Here every
      // second result of a bucket (odd index) carries the exact decimal as a string; the others the nearest
      // double as a JSON number, as the spec says.
      amount: { value: index % 2 === 1 ? group.acc.amount.toFixed() : Number(group.acc.amount.toFixed()), currency: 'usd' },
      line_item: lineItem,
      project_id: projectId,
      api_key_id: apiKeyId,
      // Quantities are reported only per line item: a sum across line items would add unlike units.
      quantity: byLineItem && group.acc.quantity !== null ? Number(group.acc.quantity.toFixed()) : null,
      quantity_unit: byLineItem ? (group.acc.unit ?? null) : null,
    };
  });
}

// ----- usage -----

interface Modality {
  input: number;
  cachedInput: number;
  output: number;
}

interface UsageAcc {
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
  audio: Modality;
  image: Modality;
  requests: number;
}

const noModality = (): Modality => ({ input: 0, cachedInput: 0, output: 0 });
const addTo = (acc: Modality, m: Modality | undefined) => {
  if (!m) return;
  acc.input += m.input;
  acc.cachedInput += m.cachedInput;
  acc.output += m.output;
};

/** A filter on a field: absent, or the field's value is one of the listed ones (null never is). */
function filterOf(filters: Map<string, Set<string>>) {
  return (name: string, value: string | null) => {
    const allowed = filters.get(name);
    return !allowed || (value !== null && allowed.has(value));
  };
}

/** Where the hourly rows of one endpoint end (exclusive), for a request without `end_time`. */
function hourlyDataEnd<R extends { hour: string; endpoint: string }>(rows: R[], kind: string): number {
  let dataEnd = 0;
  for (const row of rows) if (row.endpoint === kind) dataEnd = Math.max(dataEnd, instant(row.hour) + 3600);
  return dataEnd;
}

function usagePage(rows: OpenAiUsageRow[], kind: 'completions' | 'embeddings', query: Query, now: number | undefined): Page {
  // The ledger is hourly: a row's instant is the top of its hour (so with 1m buckets it lands in minute :00).
  const hourStart = (row: OpenAiUsageRow) => instant(row.hour);
  // With a clock, an hour counts once it has started: the hour in progress is served whole (the ledger is hourly).
  const happenedBefore = now ?? Infinity;
  const window = pageWindow(query, hourlyDataEnd(rows, kind), now);
  const g = query.groupBy;
  const within = filterOf(query.filters);

  const groups = aggregate<OpenAiUsageRow, UsageAcc>(
    rows,
    window,
    query.width,
    hourStart,
    (row) =>
      row.endpoint === kind &&
      hourStart(row) < happenedBefore &&
      within('project_ids', row.projectId) &&
      within('user_ids', row.userId) &&
      within('api_key_ids', row.apiKeyId) &&
      within('models', row.model) &&
      (query.batch === undefined || row.batch === query.batch),
    (row) => [
      g.has('project_id') ? row.projectId : null,
      g.has('user_id') ? row.userId : null,
      g.has('api_key_id') ? row.apiKeyId : null,
      g.has('model') ? row.model : null,
      ...(kind === 'completions' ? [g.has('batch') ? row.batch : null, g.has('service_tier') ? (row.serviceTier ?? 'default') : null] : []),
    ],
    () => ({ input: 0, cached: 0, cacheWrite: 0, output: 0, audio: noModality(), image: noModality(), requests: 0 }),
    (acc, row) => {
      acc.input += row.inputTokens;
      acc.cached += row.inputCachedTokens;
      acc.cacheWrite += row.inputCacheWriteTokens ?? 0;
      acc.output += row.outputTokens;
      addTo(acc.audio, row.audio);
      addTo(acc.image, row.image);
      acc.requests += row.numModelRequests;
    },
  );

  return buildPage(window, query.width, groups, (group: Grouped<UsageAcc>) => {
    const [projectId, userId, apiKeyId, model, batch, serviceTier] = group.values;
    const { input, cached, cacheWrite, output, audio, image, requests } = group.acc;
    if (kind === 'embeddings') {
      return { object: 'organization.usage.embeddings.result', input_tokens: input, num_model_requests: requests, project_id: projectId, user_id: userId, api_key_id: apiKeyId, model };
    }
    const uncached = input - cached - cacheWrite;
    // Every counter of UsageCompletionsResult (spec of 2026-07-15 on): the modality counters are parts of the
    // totals; `input_text_tokens` and `input_uncached_tokens` exclude cache writes.
    return {
      object: 'organization.usage.completions.result',
      input_tokens: input,
      input_cached_tokens: cached,
      input_cache_write_tokens: cacheWrite,
      input_uncached_tokens: uncached,
      output_tokens: output,
      input_text_tokens: uncached - audio.input - image.input,
      input_cached_text_tokens: cached - audio.cachedInput - image.cachedInput,
      output_text_tokens: output - audio.output - image.output,
      input_audio_tokens: audio.input,
      input_cached_audio_tokens: audio.cachedInput,
      output_audio_tokens: audio.output,
      input_image_tokens: image.input,
      input_cached_image_tokens: image.cachedInput,
      output_image_tokens: image.output,
      num_model_requests: requests,
      project_id: projectId,
      user_id: userId,
      api_key_id: apiKeyId,
      model,
      batch,
      service_tier: serviceTier,
    };
  });
}

// ----- the other usage endpoints -----

/** Result `object` per endpoint; note the two search endpoints, whose names do not follow their paths. */
const UNIT_OBJECTS: Record<OpenAiUnitEndpointName, string> = {
  images: 'organization.usage.images.result',
  audio_speeches: 'organization.usage.audio_speeches.result',
  audio_transcriptions: 'organization.usage.audio_transcriptions.result',
  moderations: 'organization.usage.moderations.result',
  vector_stores: 'organization.usage.vector_stores.result',
  code_interpreter_sessions: 'organization.usage.code_interpreter_sessions.result',
  file_search_calls: 'organization.usage.file_searches.result',
  web_search_calls: 'organization.usage.web_searches.result',
};

interface UnitAcc {
  quantity: number;
  requests: number;
}

function unitUsagePage(rows: OpenAiUnitUsageRow[], kind: OpenAiUnitEndpointName, query: Query, now: number | undefined): Page {
  const hourStart = (row: OpenAiUnitUsageRow) => instant(row.hour);
  const happenedBefore = now ?? Infinity;
  const window = pageWindow(query, hourlyDataEnd(rows, kind), now);
  const g = query.groupBy;
  const within = filterOf(query.filters);
  const groups = aggregate<OpenAiUnitUsageRow, UnitAcc>(
    rows,
    window,
    query.width,
    hourStart,
    (row) =>
      row.endpoint === kind &&
      hourStart(row) < happenedBefore &&
      within('project_ids', row.projectId) &&
      within('user_ids', row.userId) &&
      within('api_key_ids', row.apiKeyId) &&
      within('models', row.model),
    (row) => [g.has('project_id') ? row.projectId : null, g.has('user_id') ? row.userId : null, g.has('api_key_id') ? row.apiKeyId : null, g.has('model') ? row.model : null],
    () => ({ quantity: 0, requests: 0 }),
    (acc, row) => {
      acc.quantity += row.quantity;
      acc.requests += row.numModelRequests;
    },
  );
  // Storage is a level: a bucket longer than an hour reports the average of its hours (the ledger is hourly).
  const hoursPerBucket = Math.max(1, query.width / 3600);
  return buildPage(window, query.width, groups, (group: Grouped<UnitAcc>) => {
    const [projectId, userId, apiKeyId, model] = group.values;
    const { quantity, requests } = group.acc;
    const object = UNIT_OBJECTS[kind];
    const who = { project_id: projectId, user_id: userId, api_key_id: apiKeyId };
    switch (kind) {
      case 'images':
        return { object, images: quantity, num_model_requests: requests, source: null, size: null, model, ...who };
      case 'audio_speeches':
        return { object, characters: quantity, num_model_requests: requests, ...who, model };
      case 'audio_transcriptions':
        return { object, seconds: quantity, num_model_requests: requests, ...who, model };
      case 'moderations':
        return { object, input_tokens: quantity, num_model_requests: requests, ...who, model };
      case 'vector_stores':
        return { object, usage_bytes: Math.round(quantity / hoursPerBucket), project_id: projectId };
      case 'code_interpreter_sessions':
        return { object, num_sessions: quantity, project_id: projectId };
      case 'file_search_calls':
        return { object, num_requests: quantity, ...who, vector_store_id: null };
      case 'web_search_calls':
        return { object, num_requests: quantity, num_model_requests: requests, ...who, model, context_level: null };
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Page tokens
// ---------------------------------------------------------------------------------------------------------------

/*
 * Opaque to clients, stateless here: the start of the next bucket and a hash of the query it belongs to. The same
 * query always yields the same tokens, and a token replayed on another query is refused.
 */
function encodePageToken(nextStart: number, fingerprint: string): string {
  return `page_${Buffer.from(JSON.stringify({ t: nextStart, h: fingerprint.slice(0, 16) })).toString('base64url')}`;
}

function decodePageToken(token: string, fingerprint: string): number {
  const invalid = () => badParam('page', 'Invalid page token. Pass the next_page value of the previous response, with the same query parameters.');
  if (!token.startsWith('page_')) throw invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token.slice(5), 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof body !== 'object' || body === null) throw invalid();
  const { t, h } = body as { t?: unknown; h?: unknown };
  if (typeof t !== 'number' || !Number.isInteger(t) || h !== fingerprint.slice(0, 16)) throw invalid();
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** Unix seconds of an ISO 8601 instant, memoized: a ledger has few distinct hours and days but many rows. */
const instants = new Map<string, number>();
function instant(iso: string): number {
  let seconds = instants.get(iso);
  if (seconds === undefined) {
    seconds = Date.parse(iso) / 1000;
    if (instants.size >= 100_000) instants.clear();
    instants.set(iso, seconds);
  }
  return seconds;
}



