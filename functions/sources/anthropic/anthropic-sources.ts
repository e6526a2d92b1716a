import type { CostRecord } from '../../domain/records/cost-record';
import { toDay, type DayWindow } from '../../domain/records/dates';
import type { UsageRecord } from '../../domain/records/usage-record';
import type { BillingSource, PullContext, SourceDay, SourcePull, UsageSource } from '../../ports/ports';
import { ProviderAuthError, ProviderRequestError, type ProviderHttp, type Query } from '../../lib/http/provider-http';
import { SOURCE_IDS } from '../../lib/source-ids';
import { fetchAllPages } from '../shared/paging';
import { fetchAnalyticsPages } from './anthropic-analytics-paging';
import { mapAnthropicAnalyticsCosts, mapAnthropicAnalyticsUsage, type AnalyticsBucketWidth } from './anthropic-analytics-mapper';
import type { AnthropicApi } from '../../config/config-schema';
import { AnalyticsAccess, chunkWindow, planAnthropicWindow } from './anthropic-api-plan';
import { mapAnthropicCosts, mapAnthropicUsage } from './anthropic-mapper';

/** The beta header the analytics API requires on every request. */
export const ANALYTICS_BETA = 'analytics-usage-cost-2026-08-24';
/** The beta header the legacy usage report requires to group by `speed`. */
export const FAST_MODE_BETA = 'fast-mode-2026-02-01';

/**
 * One HTTP client per header set: the analytics endpoints need their beta header, the legacy usage report
 * the fast-mode one (to group by speed), and the legacy cost report none (no beta it was not built for).
 */
export interface AnthropicClients {
  legacy: ProviderHttp;
  legacyUsage: ProviderHttp;
  analytics: ProviderHttp;
}

/** Builds the three clients from a factory that adds `anthropic-beta: <betas>` to the usual headers. */
export function anthropicClients(withBetas: (betas: readonly string[]) => ProviderHttp): AnthropicClients {
  return { legacy: withBetas([]), legacyUsage: withBetas([FAST_MODE_BETA]), analytics: withBetas([ANALYTICS_BETA]) };
}

/** Settings shared by the Anthropic sources. */
export interface AnthropicSourceOptions {
  organizationId: string;
  /** `sources.anthropic.api`; default `auto`. */
  api?: AnthropicApi;
  /** Shared by the job's two Anthropic sources; each source makes its own when not given. */
  access?: AnalyticsAccess;
}

const at = (day: string) => `${day}T00:00:00Z`;
// cost_type and token_type too: billed dollars by token type keep unit costs per input and output token (and the
// request count, which is null with them, is not needed: usage has it).
const COST_GROUPS = ['workspace_id', 'api_key_id', 'model', 'cost_type', 'token_type'] as const;
const USAGE_GROUPS = ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed'] as const;

/** The top of the hour after `now`: no request asks for time that has not happened yet. */
function nextHour(now: Date): string {
  return new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000).toISOString().replace('.000Z', 'Z');
}

/** The analytics API said no to the key (403) or does not exist for the organization (404). */
function isRefusal(error: unknown): error is Error {
  return (error instanceof ProviderAuthError && error.status === 403) || (error instanceof ProviderRequestError && error.status === 404);
}

interface Part<R> {
  days: SourceDay<R>[];
  requests: number;
}

/**
 * Reads a window from the two APIs: days before the analytics API's reach (2026-01-01, 365 days back)
 * from the legacy reports, the rest from the analytics API; in `auto`, a refusal (403/404) sends those
 * days to the legacy reports too, with one note for the run.
 */
async function pullBoth<R>(
  window: DayWindow,
  context: PullContext,
  options: AnthropicSourceOptions,
  access: AnalyticsAccess,
  read: { analytics: (w: DayWindow, notes: string[]) => Promise<Part<R>>; legacy: (w: DayWindow, notes: string[]) => Promise<Part<R>> },
): Promise<SourcePull<R>> {
  const api = options.api ?? 'auto';
  const plan = planAnthropicWindow(window, context.now, api);
  const notes: string[] = [];
  const parts: Part<R>[] = [];
  if (plan.legacy) {
    if (api !== 'legacy') notes.push(`${plan.legacy.start}..${plan.legacy.end} (end exclusive) read from the legacy reports: the analytics API serves only days from 2026-01-01 and within 365 days`);
    parts.push(await read.legacy(plan.legacy, notes));
  }
  if (plan.analytics) {
    if (api === 'auto' && access.refusedIn(context.now) !== undefined) {
      parts.push(await read.legacy(plan.analytics, notes));
    } else {
      try {
        parts.push(await read.analytics(plan.analytics, notes));
      } catch (error) {
        if (!isRefusal(error)) throw error;
        if (api === 'analytics') {
          throw new ProviderRequestError(`Anthropic Usage and Cost Analytics API refused the key and sources.anthropic.api is "analytics" (no fallback): ${error.message}`, undefined, { cause: error });
        }
        if (access.refuse(context.now, error.message)) {
          notes.push(
            `the Anthropic Usage and Cost Analytics API refused the key (${error.message.split('. ')[0]}); both Anthropic sources read the legacy cost_report and usage_report/messages instead this run. ` +
              'Give the key analytics access, or set sources.anthropic.api to "legacy" to stop asking',
          );
        }
        const legacy = await read.legacy(plan.analytics, notes);
        parts.push({ days: legacy.days, requests: legacy.requests + 1 });
      }
    }
  }
  return { days: parts.flatMap((p) => p.days), requests: parts.reduce((n, p) => n + p.requests, 0), ...(notes.length > 0 ? { notes } : {}) };
}

/**
 * Reads analytics pages for a window cut into ≤ 31-day requests, each ending no later than the next hour.
 * @returns the pages of every request, and the windows actually asked for
 */
async function analyticsPages(http: ProviderHttp, path: string, window: DayWindow, context: PullContext, query: (start: string, end: string) => Query, where: string) {
  const pages: unknown[] = [];
  const limit = nextHour(context.now);
  for (const chunk of chunkWindow(window)) {
    const start = at(chunk.start);
    const end = at(chunk.end) < limit ? at(chunk.end) : limit;
    if (end <= start) break;
    pages.push(...(await fetchAnalyticsPages(http, path, query(start, end), where, context)));
  }
  return pages;
}

/**
 * Anthropic billed cost. From 2026-01-01: the analytics cost endpoint, daily, grouped by workspace, API
 * key and model (so an `apiKey` rule can place billed dollars), and by cost and token type. Older days, and every day when the
 * analytics API refuses the key in `auto` (or with `api: legacy`): the legacy cost report, 1-day buckets
 * grouped by workspace and description, 31 a page (its maximum), without API keys.
 */
export class AnthropicCostsSource implements BillingSource {
  readonly kind = 'cost' as const;
  readonly id = SOURCE_IDS.anthropic.costs;
  readonly provider = 'anthropic' as const;
  private readonly access: AnalyticsAccess;

  constructor(
    private readonly http: AnthropicClients,
    private readonly options: AnthropicSourceOptions,
  ) {
    this.access = options.access ?? new AnalyticsAccess();
  }

  pull(window: DayWindow, context: PullContext): Promise<SourcePull<CostRecord>> {
    const base = { organizationId: this.options.organizationId, source: this.id, today: toDay(context.now) };
    return pullBoth(window, context, this.options, this.access, {
      analytics: async (w, notes) => {
        const pages = await analyticsPages(
          this.http.analytics,
          '/v1/organizations/analytics/cost',
          w,
          context,
          (start, end) => [['starting_at', start], ['ending_at', end], ['time_bucket_width', '1d'], ...COST_GROUPS.map((g): [string, string] => ['group_by[]', g])],
          'Anthropic analytics/cost',
        );
        return { days: mapAnthropicAnalyticsCosts(pages, { ...base, window: w, groupBy: COST_GROUPS, bucketWidth: '1d', notes }), requests: pages.length };
      },
      legacy: async (w, notes) => {
        const query: Query = [
          ['starting_at', at(w.start)],
          ['ending_at', at(w.end)],
          ['bucket_width', '1d'],
          ['group_by[]', 'workspace_id'],
          ['group_by[]', 'description'],
          ['limit', 31],
        ];
        const pages = await fetchAllPages(this.http.legacy, '/v1/organizations/cost_report', query, 'Anthropic cost_report', context);
        return { days: mapAnthropicCosts(pages, { ...base, window: w, notes }), requests: pages.length };
      },
    });
  }
}

/**
 * Anthropic usage, grouped by workspace, API key, model, service tier, context window, inference
 * geography and speed (Priority Tier usage included: it is here and in no cost endpoint). From
 * 2026-01-01 from the analytics usage endpoint, older days (or on refusal) from the legacy Messages usage
 * report, which needs the fast-mode beta header to group by speed.
 */
export class AnthropicUsageSource implements UsageSource {
  readonly kind = 'usage' as const;
  readonly id = SOURCE_IDS.anthropic.usage;
  readonly provider = 'anthropic' as const;
  private readonly access: AnalyticsAccess;

  constructor(
    private readonly http: AnthropicClients,
    private readonly options: AnthropicSourceOptions & { bucketWidth: '1h' | '1d' },
  ) {
    this.access = options.access ?? new AnalyticsAccess();
  }

  pull(window: DayWindow, context: PullContext): Promise<SourcePull<UsageRecord>> {
    const width = this.options.bucketWidth;
    const base = { organizationId: this.options.organizationId, source: this.id, today: toDay(context.now) };
    return pullBoth(window, context, this.options, this.access, {
      analytics: async (w, notes) => {
        const pages = await analyticsPages(
          this.http.analytics,
          '/v1/organizations/analytics/usage',
          w,
          context,
          (start, end) => [['starting_at', start], ['ending_at', end], ['time_bucket_width', width], ...USAGE_GROUPS.map((g): [string, string] => ['group_by[]', g])],
          'Anthropic analytics/usage',
        );
        const bucketWidth: AnalyticsBucketWidth = width;
        return { days: mapAnthropicAnalyticsUsage(pages, { ...base, window: w, groupBy: USAGE_GROUPS, bucketWidth, notes }), requests: pages.length };
      },
      legacy: async (w, notes) => {
        // Hourly: up to the current hour, not into hours that have not happened.
        const limit = nextHour(context.now);
        const end = width === '1h' && limit < at(w.end) ? limit : at(w.end);
        const query: Query = [
          ['starting_at', at(w.start)],
          ['ending_at', end],
          ['bucket_width', width],
          ...USAGE_GROUPS.map((g): [string, string] => ['group_by[]', g]),
          ['limit', width === '1h' ? 168 : 31],
        ];
        const pages = await fetchAllPages(this.http.legacyUsage, '/v1/organizations/usage_report/messages', query, 'Anthropic usage_report/messages', context);
        return { days: mapAnthropicUsage(pages, { ...base, window: w, notes }), requests: pages.length };
      },
    });
  }
}
