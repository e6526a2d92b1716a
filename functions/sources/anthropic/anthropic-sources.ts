import type { CostRecord } from '../../domain/cost-record';
import { toDay, type DayWindow } from '../../domain/dates';
import type { UsageRecord } from '../../domain/usage-record';
import type { BillingSource, PullContext, SourcePull, UsageSource } from '../../ports/ports';
import type { ProviderHttp, Query } from '../../shared/http/provider-http';
import { SOURCE_IDS } from '../../shared/telemetry';
import { fetchAllPages } from '../shared/paging';
import { mapAnthropicCosts, mapAnthropicUsage } from './anthropic-mapper';

/** Settings shared by the Anthropic sources. */
export interface AnthropicSourceOptions {
  organizationId: string;
}

const at = (day: string) => `${day}T00:00:00Z`;

/** Anthropic billed cost: the cost report, 1-day buckets grouped by workspace and description, 31 a page. */
export class AnthropicCostsSource implements BillingSource {
  readonly kind = 'cost' as const;
  readonly id = SOURCE_IDS.anthropic.costs;
  readonly provider = 'anthropic' as const;

  constructor(
    private readonly http: ProviderHttp,
    private readonly options: AnthropicSourceOptions,
  ) {}

  async pull(window: DayWindow, context: PullContext): Promise<SourcePull<CostRecord>> {
    const query: Query = [
      ['starting_at', at(window.start)],
      ['ending_at', at(window.end)],
      ['bucket_width', '1d'],
      ['group_by[]', 'workspace_id'],
      ['group_by[]', 'description'],
      ['limit', 31],
    ];
    const pages = await fetchAllPages(this.http, '/v1/organizations/cost_report', query, 'Anthropic cost_report', context);
    const days = mapAnthropicCosts(pages, { window, organizationId: this.options.organizationId, source: this.id, today: toDay(context.now) });
    return { days, requests: pages.length };
  }
}

/** Anthropic usage: the Messages usage report grouped by workspace, model, API key and service tier. */
export class AnthropicUsageSource implements UsageSource {
  readonly kind = 'usage' as const;
  readonly id = SOURCE_IDS.anthropic.usage;
  readonly provider = 'anthropic' as const;

  constructor(
    private readonly http: ProviderHttp,
    private readonly options: AnthropicSourceOptions & { bucketWidth: '1h' | '1d' },
  ) {}

  async pull(window: DayWindow, context: PullContext): Promise<SourcePull<UsageRecord>> {
    const width = this.options.bucketWidth;
    // Hourly: up to the current hour, not into hours that have not happened.
    const nextHour = new Date(Math.ceil(context.now.getTime() / 3_600_000) * 3_600_000).toISOString().replace('.000Z', 'Z');
    const end = width === '1h' && nextHour < at(window.end) ? nextHour : at(window.end);
    const query: Query = [
      ['starting_at', at(window.start)],
      ['ending_at', end],
      ['bucket_width', width],
      ['group_by[]', 'workspace_id'],
      ['group_by[]', 'model'],
      ['group_by[]', 'api_key_id'],
      ['group_by[]', 'service_tier'],
      ['limit', width === '1h' ? 168 : 31],
    ];
    const pages = await fetchAllPages(this.http, '/v1/organizations/usage_report/messages', query, 'Anthropic usage_report/messages', context);
    const days = mapAnthropicUsage(pages, { window, organizationId: this.options.organizationId, source: this.id, today: toDay(context.now) });
    return { days, requests: pages.length };
  }
}
