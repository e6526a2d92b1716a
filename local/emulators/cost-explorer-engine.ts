import { canonicalHash } from '../../functions/lib/canonical-json';
import Big from 'big.js';
import type { Ledger, LedgerLineItem } from '../sample/ledger';
import { CostExplorerApiError } from './cost-explorer-errors';
import { compileExpression, type EmptyTagValueAnswer } from './cost-explorer-filter';
import { DIMENSIONS, parseGroupBy, parseMetrics, parsePeriods, USAGE_QUANTITY, type CostMetricName, type GroupDefinition } from './cost-explorer-request';
import { packToken, tokenHash, unpackToken } from './page-tokens';

/*
 * GetCostAndUsage answered from a ledger: the matching line items summed per period and group with exact decimals,
 * the answer cut into pages with stateless tokens.
 */

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

/** Answers GetCostAndUsage requests from one ledger, keeping a few answers for the pages that follow. */
export class CostAndUsageEngine {
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
// Page tokens
// ---------------------------------------------------------------------------------------------------------------

/*
 * Tokens are opaque to clients but stateless here: they carry the page number and a hash of the request they belong
 * to, so the same request always yields the same tokens (reproducible local runs) and a token replayed with a
 * different request is refused like Cost Explorer's RequestChangedException.
 */
function encodePageToken(page: number, fingerprint: string): string {
  return packToken('AAMA-', { p: page, h: tokenHash(fingerprint) });
}

function decodePageToken(token: unknown, fingerprint: string, pageCount: number): number {
  const invalid = () => new CostExplorerApiError('InvalidNextTokenException', 'The pagination token is invalid.');
  const body = unpackToken('AAMA-', token);
  if (!body || typeof body.p !== 'number' || typeof body.h !== 'string') throw invalid();
  if (body.h !== tokenHash(fingerprint)) {
    throw new CostExplorerApiError('RequestChangedException', 'The request changed between pages: send the same request with the NextPageToken.');
  }
  if (!Number.isInteger(body.p) || body.p < 1 || body.p >= pageCount) throw invalid();
  return body.p;
}
