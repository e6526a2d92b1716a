import type { CostRecord } from '../../domain/cost-record';
import { toDay, type DayWindow } from '../../domain/dates';
import type { UsageRecord } from '../../domain/usage-record';
import type { BillingSource, PullContext, SourcePull, UsageSource } from '../../ports/ports';
import type { ProviderHttp, Query } from '../../shared/http/provider-http';
import { SOURCE_IDS } from '../../shared/telemetry';
import { fetchAllPages } from '../shared/paging';
import { mapOpenAiCosts, mapOpenAiUsage, type OpenAiMapperContext } from './openai-mapper';

/** Settings shared by the OpenAI sources. */
export interface OpenAiSourceOptions {
  /** FOCUS BillingAccountId (the organization id), or a label when it is not configured. */
  organizationId: string;
}

const unix = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

/** The end of a usage request: the window's end, but not past the current hour (it has not happened). */
function usageEnd(window: DayWindow, now: Date): number {
  const endOfWindow = unix(window.end);
  const nextHour = Math.ceil(now.getTime() / 3_600_000) * 3600;
  return Math.min(endOfWindow, Math.max(nextHour, unix(window.start) + 3600));
}

function mapperContext(window: DayWindow, source: string, options: OpenAiSourceOptions, now: Date): OpenAiMapperContext {
  return { window, organizationId: options.organizationId, source, today: toDay(now) };
}

/**
 * OpenAI billed cost: `GET /organization/costs`, 1-day buckets grouped by project, line item and API key
 * (so rules on any of them apply to billed dollars), 180 buckets a page (the API's maximum).
 */
export class OpenAiCostsSource implements BillingSource {
  readonly kind = 'cost' as const;
  readonly id = SOURCE_IDS.openai.costs;
  readonly provider = 'openai' as const;

  constructor(
    private readonly http: ProviderHttp,
    private readonly options: OpenAiSourceOptions,
  ) {}

  async pull(window: DayWindow, context: PullContext): Promise<SourcePull<CostRecord>> {
    const query: Query = [
      ['start_time', unix(window.start)],
      ['end_time', unix(window.end)],
      ['bucket_width', '1d'],
      ['group_by', 'project_id'],
      ['group_by', 'line_item'],
      ['group_by', 'api_key_id'],
      ['limit', 180],
    ];
    const pages = await fetchAllPages(this.http, '/organization/costs', query, 'OpenAI costs', context);
    return { days: mapOpenAiCosts(pages, mapperContext(window, this.id, this.options, context.now)), requests: pages.length };
  }
}

/**
 * OpenAI usage: completions (grouped by project, model, API key and batch, so batch is priced at its
 * discount) and embeddings (project, model, API key). The hourly job reads 1-hour buckets (168 a page),
 * the daily job 1-day buckets (31 a page); both store one record per day and slice.
 */
export class OpenAiUsageSource implements UsageSource {
  readonly kind = 'usage' as const;
  readonly id = SOURCE_IDS.openai.usage;
  readonly provider = 'openai' as const;

  constructor(
    private readonly http: ProviderHttp,
    private readonly options: OpenAiSourceOptions & { bucketWidth: '1h' | '1d' },
  ) {}

  async pull(window: DayWindow, context: PullContext): Promise<SourcePull<UsageRecord>> {
    const width = this.options.bucketWidth;
    const base: Query = [
      ['start_time', unix(window.start)],
      ['end_time', width === '1h' ? usageEnd(window, context.now) : unix(window.end)],
      ['bucket_width', width],
      ['group_by', 'project_id'],
      ['group_by', 'model'],
      ['group_by', 'api_key_id'],
      ['limit', width === '1h' ? 168 : 31],
    ];
    const ctx = mapperContext(window, this.id, this.options, context.now);
    const completionsPages = await fetchAllPages(this.http, '/organization/usage/completions', [...base, ['group_by', 'batch']], 'OpenAI usage/completions', context);
    const embeddingsPages = await fetchAllPages(this.http, '/organization/usage/embeddings', base, 'OpenAI usage/embeddings', context);
    const completions = mapOpenAiUsage(completionsPages, 'completions', ctx);
    const embeddings = mapOpenAiUsage(embeddingsPages, 'embeddings', ctx);
    const days = completions.map((d) => ({ ...d, records: [...d.records, ...(embeddings.find((e) => e.day === d.day)?.records ?? [])] }));
    for (const e of embeddings) if (!days.some((d) => d.day === e.day)) days.push(e);
    days.sort((a, b) => (a.day < b.day ? -1 : 1));
    return { days, requests: completionsPages.length + embeddingsPages.length };
  }
}
