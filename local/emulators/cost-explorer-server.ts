import { canonicalHash } from '../../functions/lib/canonical-json';
import { closeServer, header, listenOnLoopback, readBody } from './loopback';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Big from 'big.js';
import type { Ledger, LedgerLineItem } from '../sample/ledger';

/**
 * A loopback AWS Cost Explorer for tests and `npm run local`.
 *
 * It speaks the real wire protocol (AWS JSON 1.1: `POST /`, `x-amz-target: AWSInsightsIndexService.<Operation>`,
 * JSON body, errors as HTTP 400 with a `__type`), so the real `CostExplorerClient` talks to it through its
 * `endpoint` option or `AWS_ENDPOINT_URL_COST_EXPLORER`. Only `GetCostAndUsage` is implemented, answered by
 * summing the line items of a {@link Ledger} with exact decimals.
 *
 * Requests are not signature-checked: any credentials work, unless `authorize` says which access keys are valid.
 */

/** A running local Cost Explorer. */
export interface CostExplorerServer {
  /** Base URL to pass as the client's `endpoint`, `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request body received, parsed as JSON (the raw text when it was not JSON), in arrival order. Includes faulted ones. */
  requests: unknown[];
  /**
   * Answers the next `count` requests with this raw response instead of the ledger, e.g. a 400
   * `LimitExceededException` body to exercise the SDK's retries, or a 200 with a malformed page.
   * Calls add up: the faults are served in the order they were queued.
   */
  failNext(count: number, fault: { status: number; body: string }): void;
  /** Answers every request whose parsed body matches with this raw response (after queued failNext faults), until the server closes. */
  failWhen(matches: (request: unknown) => boolean, fault: { status: number; body: string }): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startCostExplorerServer}. */
export interface CostExplorerServerOptions {
  /** The bill to answer from. It is read on every first-page request, so it may be changed between calls (restatements). */
  ledger: Ledger;
  /** Groups per page before a `NextPageToken` is returned (Cost Explorer's own is not documented; default 500). */
  pageSize?: number;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /**
   * How a Tags filter with the empty value (`Values: [""]`) is answered. Whether Cost Explorer accepts it is
   * not settled (billing-apis-2026.md §A6), so the default refuses it, as the strictest plausible answer;
   * `match-nothing` and `match-empty` (the lines with the key and an empty value, or none) let tests prove
   * that no answer moves a dollar.
   */
  emptyTagValues?: EmptyTagValueAnswer;
  /**
   * Which signed requests are accepted, from the access key id in their SigV4 `Authorization` header and their
   * `x-amz-security-token`; the others are refused as Cost Explorer refuses unknown credentials (HTTP 400
   * `UnrecognizedClientException`). Default: any credentials.
   */
  authorize?: (caller: { accessKeyId?: string; sessionToken?: string }) => boolean;
}

/** The plausible answers to a Tags filter on the empty value; see {@link CostExplorerServerOptions.emptyTagValues}. */
export type EmptyTagValueAnswer = 'reject' | 'match-nothing' | 'match-empty';

const TARGET_PREFIX = 'AWSInsightsIndexService.';
const ERROR_NAMESPACE = 'com.amazonaws.costexplorer#';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

const COST_METRICS = ['UnblendedCost', 'AmortizedCost', 'NetUnblendedCost', 'NetAmortizedCost', 'BlendedCost'] as const;
type CostMetricName = (typeof COST_METRICS)[number];
const USAGE_QUANTITY = 'UsageQuantity';

/** DIMENSION keys this emulator can group and filter by, with the line-item field each one reads. */
const DIMENSIONS: Record<string, (item: LedgerLineItem) => string> = {
  SERVICE: (item) => item.service,
  LINKED_ACCOUNT: (item) => item.account,
  USAGE_TYPE: (item) => item.usageType,
  REGION: (item) => item.region,
  RECORD_TYPE: (item) => item.recordType,
};

/** A Cost Explorer error, sent as HTTP 400 `{"__type": "com.amazonaws.costexplorer#<name>", "message": ...}`. */
class CostExplorerApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const validation = (message: string) => new CostExplorerApiError('ValidationException', message);

/**
 * Starts a local Cost Explorer on 127.0.0.1 answering `GetCostAndUsage` from `options.ledger`.
 * @returns the running server; call `close()` when done.
 */
export async function startCostExplorerServer(options: CostExplorerServerOptions): Promise<CostExplorerServer> {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  const engine = new CostAndUsageEngine(options.ledger, pageSize, options.emptyTagValues ?? 'reject');
  const requests: unknown[] = [];
  const faults: { status: number; body: string }[] = [];
  const standing: { matches: (request: unknown) => boolean; fault: { status: number; body: string } }[] = [];
  let requestCounter = 0;

  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        requestCounter += 1;
        const requestId = formatRequestId(requestCounter);
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Keep the raw text: a test may want to see what a broken client sent.
        }
        requests.push(body);
        const accessKeyId = /Credential=([^/,\s]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
        const sessionToken = header(req, 'x-amz-security-token');
        if (options.authorize && !options.authorize({ ...(accessKeyId ? { accessKeyId } : {}), ...(sessionToken ? { sessionToken } : {}) })) {
          sendError(res, new CostExplorerApiError('UnrecognizedClientException', 'The security token included in the request is invalid.'), requestId);
          return;
        }

        const fault = faults.shift() ?? standing.find((f) => f.matches(body))?.fault;
        if (fault) {
          send(res, fault.status, fault.body, requestId);
          return;
        }
        try {
          const result = handle(req, text, engine);
          send(res, 200, JSON.stringify(result), requestId);
        } catch (error) {
          if (error instanceof CostExplorerApiError) {
            sendError(res, error, requestId);
          } else {
            sendError(res, new CostExplorerApiError('InternalServerException', String(error), 500), requestId);
          }
        }
      },
      (error: unknown) => sendError(res, new CostExplorerApiError('InternalServerException', String(error), 500), 'none'),
    );
  });

  const url = await listenOnLoopback(server, options.port);

  return {
    url,
    requests,
    failNext(count, fault) {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    failWhen(matches, fault) {
      standing.push({ matches, fault });
    },
    close: () => closeServer(server),
  };
}

function handle(req: IncomingMessage, text: string, engine: CostAndUsageEngine): unknown {
  const target = header(req, 'x-amz-target');
  if (req.method !== 'POST' || target === undefined || !target.startsWith(TARGET_PREFIX)) {
    throw new CostExplorerApiError('UnknownOperationException', `Unknown operation ${target ?? '(no x-amz-target header)'}`);
  }
  const operation = target.slice(TARGET_PREFIX.length);
  if (operation !== 'GetCostAndUsage') {
    throw new CostExplorerApiError('UnknownOperationException', `The local Cost Explorer does not implement ${operation}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text === '' ? '{}' : text);
  } catch {
    throw new CostExplorerApiError('SerializationException', 'Request body is not valid JSON');
  }
  if (!isObject(body)) throw new CostExplorerApiError('SerializationException', 'Request body must be a JSON object');
  return engine.getCostAndUsage(body);
}

// ---------------------------------------------------------------------------------------------------------------
// GetCostAndUsage
// ---------------------------------------------------------------------------------------------------------------

interface GroupDefinition {
  Type: 'DIMENSION' | 'TAG';
  Key: string;
}

interface Period {
  start: string;
  end: string;
}

interface MetricValue {
  Amount: string;
  Unit: string;
}

interface Group {
  Keys: string[];
  Metrics: Record<string, MetricValue>;
}

interface ResultByTime {
  TimePeriod: { Start: string; End: string };
  Total: Record<string, MetricValue>;
  Groups: Group[];
  Estimated: boolean;
}

/** The full answer to one request, cut into pages. Kept per request so following pages do not re-sum the ledger. */
interface PagedAnswer {
  fingerprint: string;
  pages: ResultByTime[][];
  groupBy: GroupDefinition[];
}

type Predicate = (item: LedgerLineItem) => boolean;

class CostAndUsageEngine {
  private readonly cache = new Map<string, PagedAnswer>();

  constructor(
    private readonly ledger: Ledger,
    private readonly pageSize: number,
    private readonly emptyTagValues: EmptyTagValueAnswer,
  ) {}

  getCostAndUsage(request: Record<string, unknown>): unknown {
    const { NextPageToken: token, ...query } = request;
    // Two equal requests hash the same whatever their key order.
    const fingerprint = canonicalHash(query);
    // A first page always reads the ledger afresh, so a test can restate the bill between calls; the pages that
    // follow come from the answer computed then, so one paging session stays consistent (and cheap).
    const hasToken = token !== undefined && token !== null;
    const answer = (hasToken ? this.cache.get(fingerprint) : undefined) ?? this.compute(query, fingerprint);

    let pageIndex = 0;
    if (hasToken) {
      pageIndex = decodePageToken(token, fingerprint, answer.pages.length);
    }
    const page = answer.pages[pageIndex]!;
    const hasMore = pageIndex + 1 < answer.pages.length;

    const accountIndex = answer.groupBy.findIndex((g) => g.Type === 'DIMENSION' && g.Key === 'LINKED_ACCOUNT');
    const dimensionValueAttributes: { Value: string; Attributes: Record<string, string> }[] = [];
    if (accountIndex >= 0) {
      const seen = new Set<string>();
      for (const result of page) {
        for (const group of result.Groups) {
          const account = group.Keys[accountIndex]!;
          if (seen.has(account)) continue;
          seen.add(account);
          const name = this.ledger.accounts[account];
          dimensionValueAttributes.push({ Value: account, Attributes: name === undefined ? {} : { description: name } });
        }
      }
    }

    return {
      GroupDefinitions: answer.groupBy.map((g) => ({ Type: g.Type, Key: g.Key })),
      ResultsByTime: page,
      DimensionValueAttributes: dimensionValueAttributes,
      ...(hasMore ? { NextPageToken: encodePageToken(pageIndex + 1, fingerprint) } : {}),
    };
  }

  private compute(query: Record<string, unknown>, fingerprint: string): PagedAnswer {
    const periods = parsePeriods(query.TimePeriod, query.Granularity);
    const metrics = parseMetrics(query.Metrics);
    const groupBy = parseGroupBy(query.GroupBy);
    const predicate = query.Filter === undefined || query.Filter === null ? () => true : compileExpression(query.Filter, 'Filter', this.emptyTagValues);

    // Bucket the matching line items per period index once (dates compare as strings: YYYY-MM-DD).
    const first = periods[0]!.start;
    const last = periods[periods.length - 1]!.end;
    const perPeriod: LedgerLineItem[][] = periods.map(() => []);
    for (const item of this.ledger.lineItems) {
      if (item.date < first || item.date >= last || !predicate(item)) continue;
      const index = periods.findIndex((p) => item.date >= p.start && item.date < p.end);
      if (index >= 0) perPeriod[index]!.push(item);
    }

    const results: ResultByTime[] = periods.map((period, i) => {
      const items = perPeriod[i]!;
      const estimated = period.start > this.ledger.finalizedThrough;
      const timePeriod = { Start: period.start, End: period.end };
      if (groupBy.length === 0) {
        // Without GroupBy the figures are in Total and Groups is empty (Total lists every metric, zero or not).
        return { TimePeriod: timePeriod, Total: sumMetrics(items, metrics), Groups: [], Estimated: estimated };
      }
      const byKeys = new Map<string, { keys: string[]; items: LedgerLineItem[] }>();
      for (const item of items) {
        const keys = groupBy.map((g) => groupKey(g, item));
        // NUL cannot occur in a key, so joining on it keeps (a, bc) and (ab, c) apart and sorts like a tuple.
        const joined = keys.join('\u0000');
        const bucket = byKeys.get(joined);
        if (bucket) bucket.items.push(item);
        else byKeys.set(joined, { keys, items: [item] });
      }
      const groups = [...byKeys.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) // code-unit order, not locale order
        .map(([, bucket]) => ({ Keys: bucket.keys, Metrics: sumMetrics(bucket.items, metrics) }));
      // With GroupBy, Cost Explorer returns an empty Total: callers sum the groups themselves.
      return { TimePeriod: timePeriod, Total: {}, Groups: groups, Estimated: estimated };
    });

    const answer: PagedAnswer = { fingerprint, pages: paginate(results, this.pageSize), groupBy };
    // A handful of distinct queries per run; keep the cache bounded anyway (the benchmark ledger is large).
    if (this.cache.size >= 16) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(fingerprint, answer);
    return answer;
  }
}

/**
 * Cuts the (period, group) pairs, in order, into pages of at most `pageSize` groups. A period whose groups cross a
 * page boundary appears on both pages with its share of the groups. A period with no groups rides on the page that
 * is open when it comes up, so it never forces an extra page of its own.
 */
function paginate(results: ResultByTime[], pageSize: number): ResultByTime[][] {
  const pages: ResultByTime[][] = [[]];
  let count = 0;
  for (const result of results) {
    if (result.Groups.length === 0) {
      pages[pages.length - 1]!.push(result);
      continue;
    }
    let current: ResultByTime | undefined;
    for (const group of result.Groups) {
      if (count === pageSize) {
        pages.push([]);
        count = 0;
        current = undefined;
      }
      if (!current) {
        current = { ...result, Groups: [] };
        pages[pages.length - 1]!.push(current);
      }
      current.Groups.push(group);
      count += 1;
    }
  }
  return pages;
}

function groupKey(definition: GroupDefinition, item: LedgerLineItem): string {
  if (definition.Type === 'TAG') {
    // Cost Explorer returns tag groups as "<key>$<value>"; a line without the tag is "<key>$".
    return `${definition.Key}$${item.tags[definition.Key] ?? ''}`;
  }
  return DIMENSIONS[definition.Key]!(item);
}

function sumMetrics(items: LedgerLineItem[], metrics: string[]): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const metric of metrics) {
    if (metric === USAGE_QUANTITY) {
      let total = new Big(0);
      const units = new Set<string>();
      for (const item of items) {
        total = total.plus(item.usageQuantity);
        units.add(item.usageUnit);
      }
      // Cost Explorer adds quantities across units (hours + GB...) and then says "N/A".
      out[metric] = { Amount: total.toFixed(), Unit: units.size === 1 ? [...units][0]! : 'N/A' };
    } else {
      let total = new Big(0);
      for (const item of items) total = total.plus(costOf(item, metric as CostMetricName));
      out[metric] = { Amount: total.toFixed(), Unit: 'USD' };
    }
  }
  return out;
}

function costOf(item: LedgerLineItem, metric: CostMetricName): string {
  switch (metric) {
    case 'UnblendedCost':
    case 'BlendedCost': // one payer, no blended rates: blended equals unblended
      return item.unblendedCost;
    case 'AmortizedCost':
      return item.amortizedCost;
    case 'NetUnblendedCost':
      return item.netUnblendedCost ?? item.unblendedCost;
    case 'NetAmortizedCost':
      return item.netAmortizedCost ?? item.amortizedCost;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Request validation
// ---------------------------------------------------------------------------------------------------------------

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: unknown, field: string): string {
  if (typeof value !== 'string') throw validation(`${field} is required and must be a date YYYY-MM-DD`);
  const match = DATE.exec(value);
  if (!match) {
    // Cost Explorer also accepts THH:MM:SSZ, but only for HOURLY, which is not enabled here.
    throw validation(`${field} "${value}" must be a date YYYY-MM-DD`);
  }
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw validation(`${field} "${value}" is not a valid date`);
  return value;
}

function parsePeriods(timePeriod: unknown, granularity: unknown): Period[] {
  if (!isObject(timePeriod)) throw validation('TimePeriod is required');
  const start = parseDate(timePeriod.Start, 'TimePeriod.Start');
  const end = parseDate(timePeriod.End, 'TimePeriod.End');
  if (start >= end) throw validation(`Start date (${start}) should be before end date (${end})`);

  if (granularity === 'HOURLY') {
    throw validation('Hourly granularity is not enabled for this account (hourly data is an opt-in feature)');
  }
  const periods: Period[] = [];
  if (granularity === 'DAILY') {
    for (let day = start; day < end; day = addDays(day, 1)) periods.push({ start: day, end: addDays(day, 1) });
  } else if (granularity === 'MONTHLY') {
    // Calendar months, clipped to the requested window at both ends.
    for (let from = start; from < end; ) {
      const nextMonth = firstOfNextMonth(from);
      const to = nextMonth < end ? nextMonth : end;
      periods.push({ start: from, end: to });
      from = to;
    }
  } else {
    throw validation(`Granularity must be one of DAILY, MONTHLY, HOURLY; got ${JSON.stringify(granularity)}`);
  }
  return periods;
}

function parseMetrics(metrics: unknown): string[] {
  if (!Array.isArray(metrics) || metrics.length === 0) throw validation('Metrics is required and must list at least one metric');
  for (const metric of metrics) {
    if (metric === 'NormalizedUsageAmount') throw validation('The local Cost Explorer does not support the NormalizedUsageAmount metric');
    if (!(COST_METRICS as readonly unknown[]).includes(metric) && metric !== USAGE_QUANTITY) {
      throw validation(`Unsupported metric ${JSON.stringify(metric)}: valid metrics are ${[...COST_METRICS, USAGE_QUANTITY].join(', ')}`);
    }
  }
  return [...new Set(metrics as string[])];
}

function parseGroupBy(groupBy: unknown): GroupDefinition[] {
  if (groupBy === undefined || groupBy === null) return [];
  if (!Array.isArray(groupBy)) throw validation('GroupBy must be a list');
  if (groupBy.length > 2) throw validation(`You can only group by up to two different groups; got ${groupBy.length}`);
  return groupBy.map((g, i) => {
    if (!isObject(g) || typeof g.Key !== 'string' || g.Key === '') throw validation(`GroupBy[${i}] needs a Type and a Key`);
    if (g.Type === 'TAG') return { Type: 'TAG', Key: g.Key };
    if (g.Type === 'DIMENSION') {
      if (!(g.Key in DIMENSIONS)) throw validation(`Group Definition dimension ${g.Key} is not supported by the local Cost Explorer (supported: ${Object.keys(DIMENSIONS).join(', ')})`);
      return { Type: 'DIMENSION', Key: g.Key };
    }
    if (g.Type === 'COST_CATEGORY') throw validation('The local Cost Explorer has no cost categories');
    throw validation(`GroupBy[${i}].Type must be DIMENSION, TAG or COST_CATEGORY; got ${JSON.stringify(g.Type)}`);
  });
}

const EXPRESSION_ROOTS = ['And', 'Or', 'Not', 'Dimensions', 'Tags', 'CostCategories'] as const;

/**
 * Compiles a filter `Expression` into a predicate. Each expression node must have exactly one root; Values under one
 * key are OR-ed. Matching is exact (case-sensitive), the only mode GetCostAndUsage documents.
 */
function compileExpression(expression: unknown, path: string, emptyTagValues: EmptyTagValueAnswer): Predicate {
  if (!isObject(expression)) throw validation(`${path} must be an Expression object`);
  const roots = EXPRESSION_ROOTS.filter((root) => expression[root] !== undefined && expression[root] !== null);
  if (roots.length > 1) throw validation(`Expression has more than one roots. Only one root operator is allowed for each expression: ${roots.join(', ')}`);
  if (roots.length === 0) throw validation(`${path}: Expression must have one of ${EXPRESSION_ROOTS.join(', ')}`);
  const root = roots[0]!;
  const value = expression[root];

  switch (root) {
    case 'And':
    case 'Or': {
      if (!Array.isArray(value) || value.length === 0) throw validation(`${path}.${root} must be a non-empty list of expressions`);
      const parts = value.map((e, i) => compileExpression(e, `${path}.${root}[${i}]`, emptyTagValues));
      return root === 'And' ? (item) => parts.every((p) => p(item)) : (item) => parts.some((p) => p(item));
    }
    case 'Not': {
      const inner = compileExpression(value, `${path}.Not`, emptyTagValues);
      return (item) => !inner(item);
    }
    case 'Dimensions': {
      if (!isObject(value) || typeof value.Key !== 'string') throw validation(`${path}.Dimensions needs a Key`);
      const read = DIMENSIONS[value.Key];
      if (!read) throw validation(`${path}.Dimensions.Key ${value.Key} is not supported by the local Cost Explorer (supported: ${Object.keys(DIMENSIONS).join(', ')})`);
      // GetCostAndUsage documents only EQUALS and CASE_SENSITIVE for Dimensions (both the default): refuse the rest
      // rather than let code pass here that Cost Explorer would reject.
      parseMatchOptions(value.MatchOptions, ['EQUALS', 'CASE_SENSITIVE'], `${path}.Dimensions`);
      const values = new Set(parseValues(value.Values, `${path}.Dimensions`, true));
      return (item) => values.has(read(item));
    }
    case 'Tags': {
      if (!isObject(value) || typeof value.Key !== 'string') throw validation(`${path}.Tags needs a Key`);
      const key = value.Key;
      const options = parseMatchOptions(value.MatchOptions, ['EQUALS', 'ABSENT', 'CASE_SENSITIVE'], `${path}.Tags`);
      if (options.has('ABSENT')) {
        // ABSENT: the line carries no tag with this key (Values, if any, are ignored).
        return (item) => item.tags[key] === undefined;
      }
      const values = new Set(parseValues(value.Values, `${path}.Tags`, false));
      // Without Values, select the lines that carry the key at all (the complement of ABSENT).
      if (values.size === 0) return (item) => item.tags[key] !== undefined;
      if (values.has('')) {
        if (emptyTagValues === 'reject') throw validation(`${path}.Tags.Values: the empty value is not a valid tag value`);
        values.delete('');
        // The lines whose key is present with an empty value (never the untagged ones: that is ABSENT).
        if (emptyTagValues === 'match-empty') return (item) => item.tags[key] === '' || values.has(item.tags[key] ?? '\u0000');
      }
      return (item) => item.tags[key] !== undefined && values.has(item.tags[key]!);
    }
    case 'CostCategories':
      throw validation('The local Cost Explorer has no cost categories');
  }
}

function parseMatchOptions(raw: unknown, allowed: string[], path: string): Set<string> {
  if (raw === undefined || raw === null) return new Set(['EQUALS']);
  if (!Array.isArray(raw)) throw validation(`${path}.MatchOptions must be a list`);
  for (const option of raw) {
    if (!allowed.includes(option)) throw validation(`${path}.MatchOptions ${JSON.stringify(option)} is not supported here (allowed: ${allowed.join(', ')})`);
  }
  return new Set(raw as string[]);
}

function parseValues(raw: unknown, path: string, required: boolean): string[] {
  if (raw === undefined || raw === null) {
    if (required) throw validation(`${path}.Values is required`);
    return [];
  }
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) throw validation(`${path}.Values must be a list of strings`);
  if (required && raw.length === 0) throw validation(`${path}.Values must not be empty`);
  return raw as string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Page tokens
// ---------------------------------------------------------------------------------------------------------------

/*
 * Tokens are opaque to clients but stateless here: they carry the page number and a hash of the request they belong
 * to, so the same request always yields the same tokens (reproducible local runs) and a token replayed with a
 * different request is refused like Cost Explorer's RequestChangedException.
 */
interface PageTokenBody {
  p: number;
  h: string;
}

function encodePageToken(page: number, fingerprint: string): string {
  const body: PageTokenBody = { p: page, h: fingerprint.slice(0, 16) };
  return `AAMA-${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
}

function decodePageToken(token: unknown, fingerprint: string, pageCount: number): number {
  const invalid = () => new CostExplorerApiError('InvalidNextTokenException', 'The pagination token is invalid.');
  if (typeof token !== 'string' || !token.startsWith('AAMA-')) throw invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token.slice(5), 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isObject(body) || typeof body.p !== 'number' || typeof body.h !== 'string') throw invalid();
  if (body.h !== fingerprint.slice(0, 16)) {
    throw new CostExplorerApiError('RequestChangedException', 'The request changed between pages: send the same request with the NextPageToken.');
  }
  if (!Number.isInteger(body.p) || body.p < 1 || body.p >= pageCount) throw invalid();
  return body.p;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function firstOfNextMonth(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}




function formatRequestId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: CostExplorerApiError, requestId: string): void {
  // The SDK reads the error name from `__type` (namespace before '#' is dropped) and the text from `message`.
  send(res, error.status, JSON.stringify({ __type: `${ERROR_NAMESPACE}${error.type}`, message: error.message }), requestId);
}
