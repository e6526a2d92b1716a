import type { IncomingMessage } from 'node:http';
import type { ProviderLedger } from '../sample/provider-ledger';
import { startAdminApi, type AdminApiOptions, type AdminApiServer } from './admin-api';
import type { InjectedFault, RecordedRequest } from './loopback';
import { header } from './loopback';
import { OpenAiApiError } from './openai-errors';
import { costsPage, type Page } from './openai-pages';
import { ENDPOINTS, parseQuery } from './openai-query';
import { unitUsagePage, usagePage } from './openai-usage-pages';

export { API_KEY_COSTS_FLOOR, COSTS_PAGE_CAP } from './openai-query';

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

/** A running local OpenAI admin API; its `url` includes `/v1`, as the client's base URL: `http://127.0.0.1:PORT/v1`. */
export type OpenAiServer = AdminApiServer;

/**
 * Options of {@link startOpenAiServer}. The one admin key is accepted as `Authorization: Bearer <adminKey>`; it should
 * start with `sk-admin`.
 */
export type OpenAiServerOptions = AdminApiOptions<ProviderLedger['openai']>;

/**
 * Starts a local OpenAI admin API on 127.0.0.1 answering from `options.ledger`.
 * @returns the running server; call `close()` when done.
 */
export function startOpenAiServer(options: OpenAiServerOptions): Promise<OpenAiServer> {
  return startAdminApi(options.port, (req) => handle(req, options), {
    requestIdHeader: 'x-request-id',
    isProviderError: (error) => error instanceof OpenAiApiError,
    internalError: (error) => new OpenAiApiError(500, String(error), 'server_error'),
    basePath: '/v1',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Auth and routing
// ---------------------------------------------------------------------------------------------------------------

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

