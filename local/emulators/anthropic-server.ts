import type { IncomingMessage } from 'node:http';
import type { ProviderLedger } from '../sample/provider-ledger';
import { startAdminApi, type AdminApiOptions, type AdminApiServer } from './admin-api';
import { analyticsCostPage, analyticsUsagePage, ANALYTICS_ENDPOINTS, parseAnalyticsQuery } from './anthropic-analytics';
import { AnthropicApiError, invalid } from './anthropic-errors';
import { ENDPOINTS, parseQuery } from './anthropic-query';
import { costPage, usagePage } from './anthropic-reports';
import { header, type InjectedFault, type RecordedRequest } from './loopback';

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

/** A running local Anthropic Admin API; its `url` is `http://127.0.0.1:PORT` (paths start with `/v1/organizations/`). */
export type AnthropicServer = AdminApiServer;

/**
 * Options of {@link startAnthropicServer}. The one Admin API key is accepted in `x-api-key`; it should start with
 * `sk-ant-admin`.
 */
export interface AnthropicServerOptions extends AdminApiOptions<ProviderLedger['anthropic']> {
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
export function startAnthropicServer(options: AnthropicServerOptions): Promise<AnthropicServer> {
  return startAdminApi(options.port, (req) => handle(req, options), {
    requestIdHeader: 'request-id',
    isProviderError: (error) => error instanceof AnthropicApiError,
    internalError: (error) => new AnthropicApiError(500, 'api_error', String(error)),
    basePath: '',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Auth and routing
// ---------------------------------------------------------------------------------------------------------------

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

