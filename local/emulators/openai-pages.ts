import Big from 'big.js';
import type { OpenAiCostRow } from '../sample/provider-ledger';
import { aggregate, bucketPage, dataEndOf, instantMs, pageWindow, type Grouped, type PageWindow } from './bucket-pages';
import { badParam } from './openai-errors';
import type { Query } from './openai-query';
import { pageToken, readPageToken } from './page-tokens';

/*
 * The OpenAI admin API's pages: buckets of `start_time`/`end_time` in Unix seconds, a last partial bucket listed,
 * `has_more` + `next_page`; and the costs endpoint's page.
 */

interface Bucket<R> {
  object: 'bucket';
  start_time: number;
  end_time: number;
  results: R[];
}

/** One page of buckets, as every OpenAI organization endpoint answers. */
export interface Page {
  object: 'page';
  data: Bucket<unknown>[];
  has_more: boolean;
  next_page: string | null;
}

/**
 * Works out which buckets this page holds. `dataEnd` (exclusive, Unix seconds) is where the ledger's rows end; it
 * stands for "now" when the request has no `end_time`. With a clock, `now` (Unix seconds) ends the range after the
 * bucket in progress: buckets that have not started are not listed.
 */
export function openAiWindow(query: Query, dataEnd: number, now: number | undefined): PageWindow {
  return pageWindow(query, dataEnd, now, {
    wholeBucketsOnly: false,
    pageSize: query.pageSize,
    decode: (token) => decodePageToken(token, query.fingerprint),
    encode: (nextStart) => pageToken('t', nextStart, query.fingerprint),
    outOfRange: () => badParam('page', 'Invalid page token: it does not belong to this time range.'),
  });
}

/** A page of OpenAI buckets from the groups of each. */
export function buildPage<A>(window: PageWindow, width: number, groups: Grouped<A>[][], toResult: (group: Grouped<A>, index: number) => unknown): Page {
  const page = bucketPage(window, width, groups, (start, end, results): Bucket<unknown> => ({ object: 'bucket', start_time: start, end_time: end, results }), toResult);
  return { object: 'page', ...page };
}

/*
 * Page tokens: the start of the next bucket and a hash of the query it belongs to (see page-tokens.ts).
 */
function decodePageToken(token: string, fingerprint: string): number {
  const invalid = () => badParam('page', 'Invalid page token. Pass the next_page value of the previous response, with the same query parameters.');
  const { t } = readPageToken(token, fingerprint, invalid);
  if (typeof t !== 'number' || !Number.isInteger(t)) throw invalid();
  return t;
}

/** Unix seconds of an ISO 8601 instant. */
export const instant = (iso: string): number => instantMs(iso) / 1000;

// ---------------------------------------------------------------------------------------------------------------
// costs
// ---------------------------------------------------------------------------------------------------------------

interface CostAcc {
  amount: Big;
  quantity: Big | null;
  /** undefined until a row is seen; null once two rows disagree. */
  unit: string | null | undefined;
}

/** The page `/organization/costs` answers: daily buckets of dollars by project, key and line item. */
export function costsPage(rows: OpenAiCostRow[], query: Query, now: number | undefined): Page {
  const dayStart = (row: OpenAiCostRow) => instant(`${row.day}T00:00:00Z`);
  // A day's bill arrives after the day: with a clock, only days before today's (UTC) are billed.
  const billedBefore = now === undefined ? Infinity : Math.floor(now / 86400) * 86400;
  const window = openAiWindow(query, dataEndOf(rows, (row) => dayStart(row) + 86400), now);
  const g = query.groupBy;
  const projects = query.filters.get('project_ids');
  const keys = query.filters.get('api_key_ids');

  const groups = aggregate<OpenAiCostRow, CostAcc>(rows, window, query.width, {
    time: dayStart,
    keep: (row) =>
      dayStart(row) < billedBefore &&
      (!projects || (row.projectId !== null && projects.has(row.projectId))) &&
      (!keys || (row.apiKeyId !== null && keys.has(row.apiKeyId))),
    values: (row) => [g.has('project_id') ? row.projectId : null, g.has('api_key_id') ? row.apiKeyId : null, g.has('line_item') ? row.lineItem : null],
    fresh: () => ({ amount: new Big(0), quantity: null, unit: undefined }),
    add: (acc, row) => {
      acc.amount = acc.amount.plus(row.amountUsd);
      if (row.quantity !== null) acc.quantity = (acc.quantity ?? new Big(0)).plus(row.quantity);
      acc.unit = acc.unit === undefined ? row.quantityUnit : acc.unit === row.quantityUnit ? acc.unit : null;
    },
  });

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
