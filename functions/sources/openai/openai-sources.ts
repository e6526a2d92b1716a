import type { CostRecord } from '../../domain/records/cost-record';
import { toDay, type DayWindow } from '../../domain/records/dates';
import type { UsageRecord } from '../../domain/records/usage-record';
import type { BillingSource, PullContext, SourceDay, SourcePull, UsageSource } from '../../ports/ports';
import { ProviderRequestError, type ProviderHttp, type Query } from '../../lib/http/provider-http';
import { SOURCE_IDS } from '../../lib/source-ids';
import { fetchAllPages } from '../shared/paging';
import { mapOpenAiCosts, mapOpenAiUnitUsage, mapOpenAiUsage, OPENAI_UNIT_ENDPOINTS, type OpenAiMapperContext, type OpenAiUnitEndpoint } from './openai-mapper';

/** Settings shared by the OpenAI sources. */
export interface OpenAiSourceOptions {
  /** FOCUS BillingAccountId (the organization id), or a label when it is not configured. */
  organizationId: string;
}

/**
 * `/organization/costs` refuses `group_by=api_key_id` (HTTP 400 naming `start_time`) for windows that start before
 * this instant, 2025-12-06T00:00:00Z (addendum §A4.2). The epoch in a refusal's message wins over this one.
 */
export const OPENAI_API_KEY_COSTS_FLOOR = 1_764_979_200;

/** The most buckets `/organization/costs` accepts as `limit`; more is refused, not clamped. */
const COSTS_LIMIT = 180;

const DAY_SECONDS = 86_400;
const unix = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const isoOf = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** The end of a usage request: the window's end, but not past the current hour (it has not happened). */
function usageEnd(window: DayWindow, now: Date): number {
  const endOfWindow = unix(window.end);
  const nextHour = Math.ceil(now.getTime() / 3_600_000) * 3600;
  return Math.min(endOfWindow, Math.max(nextHour, unix(window.start) + 3600));
}

function mapperContext(window: DayWindow, source: string, options: OpenAiSourceOptions, now: Date): OpenAiMapperContext {
  return { window, organizationId: options.organizationId, source, today: toDay(now) };
}

/** One request's time range and whether it groups by API key. */
interface CostSegment {
  start: number;
  end: number;
  byKey: boolean;
}

/** Splits `[start, end)` at `floor`: before it without the API-key grouping, from it with. */
function splitAtFloor(start: number, end: number, floor: number): CostSegment[] {
  if (end <= floor) return [{ start, end, byKey: false }];
  if (start >= floor) return [{ start, end, byKey: true }];
  return [
    { start, end: floor, byKey: false },
    { start: floor, end, byKey: true },
  ];
}

/**
 * Whether a 400 is OpenAI refusing a grouping (the API-key floor): its message names `group_by`, `api_key_id`
 * or `start_time`. Returns the floor epoch the message names (the latest Unix time in it, rounded up to a whole
 * day since buckets are days), or null when it names none.
 */
export function groupingRefusal(error: unknown): { floor: number | null; message: string } | undefined {
  if (!(error instanceof ProviderRequestError) || error.status !== 400) return undefined;
  const message = error.providerMessage ?? error.message;
  if (!/group_by|api_key_id|start_time/i.test(message)) return undefined;
  // The message may echo the refused start_time too; the floor is the later instant (the start is before it).
  const epochs = [...message.matchAll(/\b(1\d{9})\b/g)].map((m) => Number(m[1]));
  const floor = epochs.length ? Math.ceil(Math.max(...epochs) / DAY_SECONDS) * DAY_SECONDS : null;
  return { floor, message };
}

/**
 * OpenAI billed cost: `GET /organization/costs`, 1-day buckets grouped by project, line item and API key (so rules
 * on any of them apply to billed dollars), 180 buckets a page (the API's maximum; pages may hold fewer, so every
 * `next_page` is followed). Days before the API-key floor are read grouped by project and line item only: their
 * records have no API key, and an `apiKey` rule falls through to the next rule on them. A 400 refusing the
 * grouping anyway (the floor moved) is retried once, without it or split at the epoch the message names; the run
 * summary says so.
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
    const start = unix(window.start);
    const end = unix(window.end);
    const notes: string[] = [];
    const pages: unknown[] = [];
    let requests = 0;
    const segments = splitAtFloor(start, end, OPENAI_API_KEY_COSTS_FLOOR);
    if (segments.some((s) => !s.byKey)) {
      notes.push(
        `OpenAI costs before ${isoOf(OPENAI_API_KEY_COSTS_FLOOR)} were read without group_by=api_key_id (the API refuses it there): ` +
          'apiKey rules cannot see those days; they fall through to the next rule.',
      );
    }
    const fetch = async (segment: CostSegment) => {
      try {
        const got = await fetchAllPages(this.http, '/organization/costs', costsQuery(segment), 'OpenAI costs', context);
        requests += got.length;
        pages.push(...got);
      } catch (error) {
        requests += 1;
        throw error;
      }
    };
    for (const segment of segments) {
      try {
        await fetch(segment);
      } catch (error) {
        const refusal = segment.byKey ? groupingRefusal(error) : undefined;
        if (!refusal) throw error;
        // Retried once: a second refusal fails the source.
        const floor = refusal.floor;
        const retry = floor !== null && floor > segment.start && floor < segment.end ? splitAtFloor(segment.start, segment.end, floor) : [{ ...segment, byKey: false }];
        notes.push(
          `OpenAI refused group_by=api_key_id for ${isoOf(segment.start)}..${isoOf(segment.end)} (HTTP 400: ${refusal.message}); ` +
            (retry.length > 1 ? `retried split at ${isoOf(retry[0]!.end)}, without the API-key grouping before it.` : 'retried without the API-key grouping: apiKey rules cannot see those days.'),
        );
        for (const r of retry) await fetch(r);
      }
    }
    return { days: mapOpenAiCosts(pages, mapperContext(window, this.id, this.options, context.now)), requests, ...(notes.length ? { notes } : {}) };
  }
}

function costsQuery(segment: CostSegment): Query {
  return [
    ['start_time', segment.start],
    ['end_time', segment.end],
    ['bucket_width', '1d'],
    ['group_by', 'project_id'],
    ['group_by', 'line_item'],
    ...(segment.byKey ? ([['group_by', 'api_key_id']] as Query) : []),
    ['limit', COSTS_LIMIT],
  ];
}

/** The usage endpoints read besides completions and embeddings, in the order they are requested. */
const UNIT_ENDPOINTS = Object.keys(OPENAI_UNIT_ENDPOINTS) as OpenAiUnitEndpoint[];

/**
 * OpenAI usage: completions (grouped by project, model, API key, batch and service tier, so each tier is priced
 * at its own rate), embeddings (project, model, API key), and the non-token endpoints (images, audio, moderations,
 * vector stores, code interpreter, file and web search; each grouped as far as it allows). The hourly job reads
 * 1-hour buckets (168 a page), the daily job 1-day buckets (31 a page); both store one record per day and slice.
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
    const range: Query = [
      ['start_time', unix(window.start)],
      ['end_time', width === '1h' ? usageEnd(window, context.now) : unix(window.end)],
      ['bucket_width', width],
      ['limit', width === '1h' ? 168 : 31],
    ];
    const groups = (...fields: string[]): Query => fields.map((f) => ['group_by', f]);
    const ctx = mapperContext(window, this.id, this.options, context.now);
    let requests = 0;
    const get = async (endpoint: string, query: Query) => {
      const pages = await fetchAllPages(this.http, `/organization/usage/${endpoint}`, query, `OpenAI usage/${endpoint}`, context);
      requests += pages.length;
      return pages;
    };
    const all: SourceDay<UsageRecord>[][] = [];
    all.push(mapOpenAiUsage(await get('completions', [...range, ...groups('project_id', 'model', 'api_key_id', 'batch', 'service_tier')]), 'completions', ctx));
    all.push(mapOpenAiUsage(await get('embeddings', [...range, ...groups('project_id', 'model', 'api_key_id')]), 'embeddings', ctx));
    for (const endpoint of UNIT_ENDPOINTS) {
      all.push(mapOpenAiUnitUsage(await get(endpoint, [...range, ...groups(...OPENAI_UNIT_ENDPOINTS[endpoint].groupBy)]), endpoint, ctx));
    }
    return { days: mergeDays(all), requests };
  }
}

/** One day list from several endpoints' day lists: a day's records are every endpoint's records of that day. */
function mergeDays(lists: readonly SourceDay<UsageRecord>[][]): SourceDay<UsageRecord>[] {
  const byDay = new Map<string, SourceDay<UsageRecord>>();
  for (const list of lists) {
    for (const d of list) {
      const day = byDay.get(d.day);
      if (day) day.records.push(...d.records);
      else byDay.set(d.day, { ...d, records: [...d.records] });
    }
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}
