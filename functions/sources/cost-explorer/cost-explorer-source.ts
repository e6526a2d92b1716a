import { GetCostAndUsageCommand, type CostExplorerClient, type GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import type { CostMetric } from '../../config/config-schema';
import { daysOf, type DayWindow } from '../../domain/records/dates';
import type { BillingSource, PullContext, SourcePull } from '../../ports/ports';
import { beforeDeadline } from '../../lib/deadline';
import { BEDROCK_USAGE_SOURCE, SOURCE_IDS } from '../../lib/source-ids';
import { mapCostExplorerPages, mapDailyTotals, mergeQueries, MalformedCostExplorerPageError, type MappedQuery } from './cost-explorer-mapper';
import type { PriceBook } from '../../domain/pricing/price-book';
import { bedrockUsageQuery, isBedrockService, mapBedrockUsage, priceBookBedrockRate } from './bedrock-usage';
import { buildQuery, metricPairOf, type CostAndUsageRequest, type QueryKind } from './cost-explorer-queries';

/** Settings of the AWS source, from `sources.aws` and `allocation.awsTagKey`. */
export interface CostExplorerSourceOptions {
  tagKey: string;
  costMetric: CostMetric;
  /** FOCUS BillingAccountId; Cost Explorer does not return the payer account. */
  billingAccountId: string;
  /** List prices, to derive Bedrock Marketplace tokens from cost where the usage unit is not documented. */
  priceBook: PriceBook;
}

/** The run's deadline came before Cost Explorer answered: nothing of the pull is stored. */
export class CostExplorerDeadlineError extends Error {
  override readonly name = 'CostExplorerDeadlineError';
}

/** A runaway NextPageToken loop would cost $0.01 a page; no real month needs this many. */
const MAX_PAGES = 500;

/**
 * AWS Cost Explorer as a {@link BillingSource}: two GetCostAndUsage queries per pull (see
 * `cost-explorer-queries.ts`), each paged on NextPageToken, plus one for Bedrock token counts when the
 * window has Bedrock spend (`bedrock-usage.ts`). Retries (including `LimitExceededException`,
 * which the SDK classes as throttling) are the SDK client's, configured where the client is built
 * (with its connect, headers and idle timeouts). The run's deadline bounds every request, those of a pull and
 * those of the daily totals alike: none starts after it, and one in flight (its retries and their backoff
 * included) is aborted at it.
 * All pages are fetched and validated before anything is returned, so a bad page stores nothing.
 */
export class CostExplorerSource implements BillingSource {
  readonly kind = 'cost' as const;
  readonly id = SOURCE_IDS.aws;
  readonly provider = 'aws' as const;

  constructor(
    private readonly client: CostExplorerClient,
    private readonly options: CostExplorerSourceOptions,
  ) {}

  async pull(window: DayWindow, context?: PullContext): Promise<SourcePull> {
    return this.pullPages(window, context).catch((error: unknown) => {
      throw withWhere(error);
    });
  }

  private async pullPages(window: DayWindow, context?: PullContext): Promise<SourcePull> {
    const metrics = metricPairOf(this.options.costMetric);
    const counter = { requests: 0, deadline: context?.deadline };
    const run = async (kind: QueryKind) => {
      const pages = await this.fetchPages(buildQuery(kind, window, this.options.tagKey, metrics), `${kind} query`, counter);
      return mapCostExplorerPages(pages, { kind, window, tagKey: this.options.tagKey, metrics, source: this.id, billingAccountId: this.options.billingAccountId });
    };
    const tagged = await run('tagged');
    const notes: string[] = [];
    const untagged = await run('untagged').catch((error: unknown) => {
      // The tagged query's control total holds every untagged dollar; the untagged query only adds the
      // account. Should Cost Explorer refuse its filter, the dollars stay, as untagged spend of unknown
      // account, and the run says so, rather than failing or losing them.
      if (!isRefusedRequest(error)) throw error;
      notes.push(`Cost Explorer refused the untagged query (${(error as Error).name}: ${(error as Error).message}); untagged spend is kept without its account, so account rules cannot place it`);
      return noAnswer(window);
    });
    const days = mergeQueries(window, tagged, untagged, { source: this.id, billingAccountId: this.options.billingAccountId });
    // Bedrock tokens: one more query, only when the window has Bedrock spend.
    const bedrock = [...new Set(days.flatMap((d) => d.records.map((r) => r.serviceName)).filter(isBedrockService))];
    if (bedrock.length === 0) return { days, requests: counter.requests, notes };
    const pages = await this.fetchPages(bedrockUsageQuery(window, bedrock), 'Bedrock usage query', counter);
    const usage = mapBedrockUsage(pages, window, { source: BEDROCK_USAGE_SOURCE, billingAccountId: this.options.billingAccountId, rate: priceBookBedrockRate(this.options.priceBook) });
    if (usage.uncounted.length > 0) notes.push(`Bedrock tokens not counted (the usage unit is not documented and the price book has no rate to derive them from cost): ${usage.uncounted.join('; ')}`);
    return { days, requests: counter.requests, usage: { source: BEDROCK_USAGE_SOURCE, days: usage.days }, notes };
  }

  /**
   * Cost Explorer's own billed total per day: one GetCostAndUsage with no GroupBy and no Filter over the
   * window ($0.01, plus a page per extra page). Asked only when a pull looks like a shrink, to tell a real
   * credit or restatement (the total agrees with the grouped answer) from an incomplete answer. Bounded by the
   * run's deadline like a pull.
   */
  async dailyTotals(window: DayWindow, context?: PullContext): Promise<{ totals: Map<string, string>; requests: number }> {
    const metrics = metricPairOf(this.options.costMetric);
    const counter = { requests: 0, deadline: context?.deadline };
    const request = { TimePeriod: { Start: window.start, End: window.end }, Granularity: 'DAILY' as const, Metrics: [metrics.billed, metrics.effective] };
    const pages = await this.fetchPages(request as unknown as CostAndUsageRequest, 'daily total query', counter).catch((error: unknown) => {
      throw withWhere(error);
    });
    return { totals: mapDailyTotals(pages, metrics.billed), requests: counter.requests };
  }

  /** Every page of one GetCostAndUsage request, following NextPageToken; each page is a billed request. */
  private async fetchPages(request: CostAndUsageRequest, what: string, counter: { requests: number; deadline?: number | undefined }): Promise<unknown[]> {
    const pages: unknown[] = [];
    let token: string | undefined;
    do {
      const command = new GetCostAndUsageCommand({ ...request, ...(token ? { NextPageToken: token } : {}) } as never);
      const where = `Cost Explorer ${what}, page ${pages.length + 1}`;
      const page = await this.sendBefore(counter.deadline, command, where).catch((error: unknown) => {
        if (error instanceof Error) (error as Located)[FAILED_REQUEST] ??= where;
        throw error;
      });
      counter.requests += 1;
      pages.push(page);
      token = page.NextPageToken;
      if (pages.length >= MAX_PAGES && token) throw new MalformedCostExplorerPageError(`Cost Explorer ${what} returned more than ${MAX_PAGES} pages; stopping to bound cost`);
    } while (token);
    return pages;
  }

  /** Sends one request, ending by the deadline whatever happens inside the SDK ({@link beforeDeadline}). */
  private sendBefore(deadline: number | undefined, command: GetCostAndUsageCommand, where: string): Promise<GetCostAndUsageCommandOutput> {
    return beforeDeadline(deadline, (abortSignal) => (abortSignal ? this.client.send(command, { abortSignal }) : this.client.send(command)), {
      notStarted: () => new CostExplorerDeadlineError(`${where}: not sent, no time left before the run's deadline`),
      expired: () => new CostExplorerDeadlineError(`${where}: stopped at the run's deadline, waiting for an answer`),
    });
  }
}

/** The request an SDK error came from, noted on the error as it passes (see {@link withWhere}). */
const FAILED_REQUEST = Symbol('costExplorerFailedRequest');
type Located = Error & { [FAILED_REQUEST]?: string };

/**
 * Says which request failed, and how, in an SDK error's message as it leaves the source: a 401 from a proxy
 * reads `UnknownError` and a reset `read ECONNRESET`, naming neither Cost Explorer nor the request. The
 * error keeps its name, metadata and stack (callers and the SDK's own checks read them); costline's own
 * errors already say where.
 */
function withWhere(error: unknown): unknown {
  const where = error instanceof Error ? (error as Located)[FAILED_REQUEST] : undefined;
  if (!(error instanceof Error) || where === undefined || error instanceof CostExplorerDeadlineError || error instanceof MalformedCostExplorerPageError || error.message.startsWith(where)) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const what = [error.name, status === undefined ? '' : `(HTTP ${status})`].filter(Boolean).join(' ');
  error.message = `${where}: ${what}${error.message && error.message !== error.name ? `: ${error.message}` : ''}`;
  return error;
}

/** A request Cost Explorer refused as invalid (HTTP 400, not throttling): retrying the same request cannot help. */
function isRefusedRequest(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.$metadata?.httpStatusCode === 400 && e.name !== 'LimitExceededException' && e.name !== 'ThrottlingException';
}

/** An untagged answer with every day present and nothing in it: every untagged dollar becomes a residual. */
function noAnswer(window: DayWindow): MappedQuery {
  return { days: new Map(daysOf(window).map((d) => [d, { records: [], estimated: false }])), untaggedControl: new Map() };
}
