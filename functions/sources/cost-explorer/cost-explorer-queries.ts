import type { CostMetric } from '../../config/config-schema';
import type { DayWindow } from '../../domain/records/dates';

/**
 * The two daily queries. Cost Explorer allows two GroupBy keys and charges $0.01 per request and per
 * page, so every dollar is reached with two queries over the whole window (not one per day):
 * - `tagged`: GroupBy TAG <team key> + SERVICE. Its groups with a tag value carry team and service.
 * - `untagged`: Filter TAG <team key> ABSENT, GroupBy LINKED_ACCOUNT + SERVICE. The dollars of resources
 *   without the tag key, with the account that rules can allocate by.
 * The tagged query's `team$` groups hold both kinds of untagged dollars: no tag key, and the key with an
 * empty value. They are not recorded from the tagged query; they are the control total (see
 * `mergeQueries`), and what the untagged query did not return by account (the empty values) is carried
 * as untagged spend of unknown account. ABSENT is the only filter used: Cost Explorer is not known to
 * accept `Values: [""]` (billing-apis-2026.md §A6), and a filter it rejected, or matched to nothing,
 * would otherwise fail the run or move dollars. A run of two months is 2 requests plus one per extra page.
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
  Filter?: { Tags: { Key: string; MatchOptions: ['ABSENT'] } };
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
        // ABSENT misses resources tagged with an empty value; the tagged query's `team$` control total
        // carries them, as untagged spend of unknown account.
        Filter: { Tags: { Key: tagKey, MatchOptions: ['ABSENT'] } },
      };
}
