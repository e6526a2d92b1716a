import Big from 'big.js';
import type { AnthropicCostRow, AnthropicUsageRow } from '../sample/provider-ledger';
import { invalid } from './anthropic-errors';
import type { Query } from './anthropic-query';
import { aggregate, bucketPage, dataEndOf, filterOf, instantMs as instant, pageWindow, type Grouped, type PageWindow } from './bucket-pages';
import { pageToken, readPageToken } from './page-tokens';

/*
 * The legacy Admin API reports' pages: buckets of RFC 3339 `starting_at`/`ending_at`, only whole buckets listed,
 * `has_more` + `next_page`; the usage report in tokens and the cost report in cents.
 */

interface Bucket {
  starting_at: string;
  ending_at: string;
  results: unknown[];
}

export interface Page {
  data: Bucket[];
  has_more: boolean;
  next_page: string | null;
}

/**
 * Which buckets this page holds. Only whole buckets ending at or before the range end count ("time buckets that
 * end before this timestamp"); `dataEnd` (epoch ms, exclusive) is where the ledger's rows end and stands for "now"
 * when the request has no `ending_at`. With a clock, `now` (epoch ms) ends the range after the bucket in progress:
 * buckets that have not started are not listed.
 */
function reportWindow(query: Query, dataEnd: number, now: number | undefined): PageWindow {
  return pageWindow(query, dataEnd, now, {
    wholeBucketsOnly: true,
    pageSize: query.limit,
    decode: (token) => decodePageToken(token, query.fingerprint),
    encode: (nextStart) => pageToken('t', isoSeconds(nextStart), query.fingerprint),
    outOfRange: () => invalid('page: invalid page token for this time range'),
  });
}

function buildPage<A>(window: PageWindow, width: number, groups: Grouped<A>[][], toResult: (group: Grouped<A>) => unknown): Page {
  return bucketPage(window, width, groups, (start, end, results): Bucket => ({ starting_at: isoSeconds(start), ending_at: isoSeconds(end), results }), toResult);
}

// ---------------------------------------------------------------------------------------------------------------
// usage_report/messages
// ---------------------------------------------------------------------------------------------------------------

/** Token counts of usage rows, summed. */
export interface UsageAcc {
  uncached: number;
  cache5m: number;
  cache1h: number;
  cacheRead: number;
  output: number;
  webSearch: number;
}

/** Nothing counted yet. */
export const freshUsage = (): UsageAcc => ({ uncached: 0, cache5m: 0, cache1h: 0, cacheRead: 0, output: 0, webSearch: 0 });

/** Adds a usage row's token counts. */
export function addUsage(acc: UsageAcc, row: AnthropicUsageRow): void {
  acc.uncached += row.uncachedInputTokens;
  acc.cache5m += row.cacheCreation5mTokens;
  acc.cache1h += row.cacheCreation1hTokens;
  acc.cacheRead += row.cacheReadInputTokens;
  acc.output += row.outputTokens;
  acc.webSearch += row.webSearchRequests;
}

/** The page `usage_report/messages` answers: token counts by bucket and group. */
export function usagePage(rows: AnthropicUsageRow[], query: Query, now: number | undefined): Page {
  // The ledger is hourly: a row's instant is the top of its hour (so with 1m buckets it lands in minute :00).
  const hourStart = (row: AnthropicUsageRow) => instant(row.hour);
  // With a clock, an hour counts once it has started: the hour in progress is served whole (the ledger is hourly).
  const happenedBefore = now ?? Infinity;
  const window = reportWindow(query, dataEndOf(rows, (row) => hourStart(row) + 3_600_000), now);
  const g = query.groupBy;
  const within = filterOf(query.filters);

  const groups = aggregate<AnthropicUsageRow, UsageAcc>(rows, window, query.width, {
    time: hourStart,
    keep: (row) =>
      hourStart(row) < happenedBefore &&
      within('workspace_ids', row.workspaceId) &&
      within('api_key_ids', row.apiKeyId) &&
      within('models', row.model) &&
      within('service_tiers', row.serviceTier) &&
      within('context_window', row.contextWindow) &&
      within('inference_geos', row.inferenceGeo) &&
      within('speeds', row.speed ?? 'standard'),
    values: (row) => [
      g.has('workspace_id') ? row.workspaceId : null,
      g.has('api_key_id') ? row.apiKeyId : null,
      g.has('model') ? row.model : null,
      g.has('service_tier') ? row.serviceTier : null,
      g.has('context_window') ? row.contextWindow : null,
      g.has('inference_geo') ? row.inferenceGeo : null,
      g.has('speed') ? (row.speed ?? 'standard') : null,
    ],
    fresh: freshUsage,
    add: addUsage,
  });

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

// ---------------------------------------------------------------------------------------------------------------
// cost_report
// ---------------------------------------------------------------------------------------------------------------

/** The page `cost_report` answers: daily cents by workspace and description. */
export function costPage(rows: AnthropicCostRow[], query: Query, now: number | undefined): Page {
  const dayStart = (row: AnthropicCostRow) => instant(`${row.day}T00:00:00Z`);
  // A day's bill arrives after the day: with a clock, only days before today's (UTC) are billed.
  const billedBefore = now === undefined ? Infinity : Math.floor(now / 86_400_000) * 86_400_000;
  const window = reportWindow(query, dataEndOf(rows, (row) => dayStart(row) + 86_400_000), now);
  const byWorkspace = query.groupBy.has('workspace_id');
  const byDescription = query.groupBy.has('description');

  const groups = aggregate<AnthropicCostRow, { amount: Big }>(rows, window, query.width, {
    time: dayStart,
    // Priority Tier is billed apart: never in the cost report.
    keep: (row) => dayStart(row) < billedBefore && row.serviceTier !== 'priority',
    // Everything derived from the description rides with it; without it those fields are null.
    values: (row) => [
      byWorkspace ? row.workspaceId : null,
      ...(byDescription ? [row.description, row.costType, row.model, row.tokenType, row.serviceTier, row.contextWindow, row.inferenceGeo] : [null, null, null, null, null, null, null]),
    ],
    fresh: () => ({ amount: new Big(0) }),
    add: (acc, row) => {
      acc.amount = acc.amount.plus(row.amountCents);
    },
  });

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

/*
 * Anthropic's tokens are `page_` + base64 of the next bucket's start; these add a hash of the query so a token
 * replayed on another query is refused (see page-tokens.ts).
 */
function decodePageToken(token: string, fingerprint: string): number {
  const bad = () => invalid('page: invalid page token; pass the next_page value of the previous response with the same query parameters');
  const { t } = readPageToken(token, fingerprint, bad);
  const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms)) throw bad();
  return ms;
}

/** RFC 3339 in UTC without fractional seconds, `2026-10-01T00:00:00Z`. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
