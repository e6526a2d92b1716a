import type { CostMetric } from '../../config/config-schema';
import type { DayWindow } from '../../domain/dates';

/**
 * The two daily queries. Cost Explorer allows two GroupBy keys and charges $0.01 per request and per
 * page, so every dollar is reached with two queries over the whole window (not one per day):
 * - `tagged`: GroupBy TAG <team key> + SERVICE. Its groups with a tag value carry team and service.
 * - `untagged`: Filter TAG <team key> ABSENT or equal to "", GroupBy LINKED_ACCOUNT + SERVICE. The
 *   untagged dollars (no tag key, or an empty value), with the account that rules can allocate by.
 * The tagged query's `team$` groups are the same dollars as the untagged query's, so they are not
 * recorded twice; they serve as a control total instead (see `mergeQueries`). A run of two months is
 * 2 requests plus one per extra page.
 */
export type QueryKind = 'tagged' | 'untagged';

/** The pair of metrics requested: the billed (cash) one and the effective (amortized) one. */
export interface MetricPair {
  billed: 'UnblendedCost' | 'NetUnblendedCost';
  effective: 'AmortizedCost' | 'NetAmortizedCost';
}

/** Net metrics come in pairs: a Net* configured metric requests both Net* figures. */
export function metricPairOf(metric: CostMetric): MetricPair {
  return metric.startsWith('Net')
    ? { billed: 'NetUnblendedCost', effective: 'NetAmortizedCost' }
    : { billed: 'UnblendedCost', effective: 'AmortizedCost' };
}

/** The JSON body of a GetCostAndUsage request (the SDK command input has the same shape). */
export interface CostAndUsageRequest {
  TimePeriod: { Start: string; End: string };
  Granularity: 'DAILY';
  Metrics: string[];
  GroupBy: { Type: 'TAG' | 'DIMENSION'; Key: string }[];
  Filter?: { Or: [{ Tags: { Key: string; MatchOptions: ['ABSENT'] } }, { Tags: { Key: string; Values: ['']; MatchOptions: ['EQUALS'] } }] };
  NextPageToken?: string;
}

/** Builds one of the two daily queries for a window. */
export function buildQuery(kind: QueryKind, window: DayWindow, tagKey: string, metrics: MetricPair): CostAndUsageRequest {
  const base = {
    TimePeriod: { Start: window.start, End: window.end },
    Granularity: 'DAILY' as const,
    Metrics: [metrics.billed, metrics.effective],
  };
  return kind === 'tagged'
    ? { ...base, GroupBy: [{ Type: 'TAG', Key: tagKey }, { Type: 'DIMENSION', Key: 'SERVICE' }] }
    : {
        ...base,
        GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }, { Type: 'DIMENSION', Key: 'SERVICE' }],
        // ABSENT alone misses resources tagged with an empty value, which the tagged query reports as
        // `team$` like untagged ones: both together are exactly the tagged query's `team$` set.
        Filter: { Or: [{ Tags: { Key: tagKey, MatchOptions: ['ABSENT'] } }, { Tags: { Key: tagKey, Values: [''], MatchOptions: ['EQUALS'] } }] },
      };
}
