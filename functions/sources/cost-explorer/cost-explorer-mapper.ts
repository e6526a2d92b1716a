import { z } from 'zod';
import { recordId, serviceCategoryOf, type CostRecord } from '../../domain/records/cost-record';
import { addDays, daysOf, isDay, type DayWindow } from '../../domain/records/dates';
import Big from 'big.js';
import { canonical, parseAmount, ZERO, type Decimal } from '../../domain/records/money';
import { describeIssues } from '../../lib/zod-issues';
import type { SourceDay } from '../../ports/ports';
import type { MetricPair, QueryKind } from './cost-explorer-queries';

/** Thrown when a Cost Explorer page is not what the API documents; names the page and the field. */
export class MalformedCostExplorerPageError extends Error {
  override readonly name = 'MalformedCostExplorerPageError';
}

const day = z.string().refine(isDay, { error: 'expected a YYYY-MM-DD day' });
const metricValue = z.object({ Amount: z.string({ error: 'expected a decimal string' }), Unit: z.string() });
const pageSchema = z.object({
  ResultsByTime: z.array(
    z.object({
      TimePeriod: z.object({ Start: day, End: day }),
      Groups: z.array(z.object({ Keys: z.array(z.string()).length(2, { error: 'expected two keys (two GroupBy)' }), Metrics: z.record(z.string(), metricValue) })).default([]),
      Estimated: z.boolean({ error: 'expected true or false' }),
    }),
    { error: 'expected an array' },
  ),
  DimensionValueAttributes: z.array(z.object({ Value: z.string(), Attributes: z.record(z.string(), z.string()).optional() })).optional(),
  NextPageToken: z.string().optional(),
});

/** Everything the mapper needs besides the pages. */
export interface MapperContext {
  kind: QueryKind;
  window: DayWindow;
  tagKey: string;
  metrics: MetricPair;
  /** Record source id, e.g. `aws-cost-explorer`. */
  source: string;
  /** FOCUS BillingAccountId for every record. */
  billingAccountId: string;
}

/** One query's answer, day by day. */
export interface MappedQuery {
  days: Map<string, { records: CostRecord[]; estimated: boolean }>;
  /** Tagged query only: the `team$` groups (untagged spend) per day and service, as a control total. */
  untaggedControl: Map<string, Map<string, { billed: Decimal; effective: Decimal }>>;
}

/**
 * Maps the pages of one GetCostAndUsage query to normalized records, per day. Pure: the golden tests
 * feed it recorded pages. Validates every page first and throws {@link MalformedCostExplorerPageError}
 * naming page and field; checks that every day of the window came back, so a day is never replaced
 * by a partial answer. Zero-cost groups are dropped (Cost Explorer lists them; they carry no money).
 */
export function mapCostExplorerPages(pages: readonly unknown[], ctx: MapperContext): MappedQuery {
  const days = new Map<string, { records: CostRecord[]; estimated: boolean }>();
  const untaggedControl = new Map<string, Map<string, { billed: Decimal; effective: Decimal }>>();
  const seen = new Set<string>();
  pages.forEach((raw, pageIndex) => {
    const where = `Cost Explorer ${ctx.kind} query, page ${pageIndex + 1}`;
    const parsed = pageSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedCostExplorerPageError(`${where}: ${describeIssues(parsed.error.issues).join('; ')}`);
    const page = parsed.data;
    const accountNames = new Map((page.DimensionValueAttributes ?? []).map((a) => [a.Value, a.Attributes?.description ?? null]));
    page.ResultsByTime.forEach((result, r) => {
      const start = result.TimePeriod.Start;
      if (result.TimePeriod.End !== addDays(start, 1)) {
        throw new MalformedCostExplorerPageError(`${where}: ResultsByTime[${r}] spans ${start}..${result.TimePeriod.End}, expected one day (DAILY)`);
      }
      const entry = days.get(start) ?? { records: [], estimated: false };
      entry.estimated ||= result.Estimated;
      days.set(start, entry);
      result.Groups.forEach((group, g) => {
        const at = `${where}: ResultsByTime[${r}].Groups[${g}]`;
        const mapped = toRecord(group.Keys as [string, string], group.Metrics, start, result.Estimated, accountNames, ctx, at);
        if ('untagged' in mapped) {
          const perService = untaggedControl.get(start) ?? new Map<string, { billed: Decimal; effective: Decimal }>();
          const prior = perService.get(mapped.service) ?? { billed: ZERO, effective: ZERO };
          perService.set(mapped.service, { billed: prior.billed.plus(mapped.billed), effective: prior.effective.plus(mapped.effective) });
          untaggedControl.set(start, perService);
          return;
        }
        const record = mapped.record;
        if (!record) return;
        if (seen.has(record.id)) throw new MalformedCostExplorerPageError(`${at}: group ${JSON.stringify(group.Keys)} appears twice for ${start}`);
        seen.add(record.id);
        entry.records.push(record);
      });
    });
  });
  const missing = daysOf(ctx.window).filter((d) => !days.has(d));
  if (missing.length > 0) {
    throw new MalformedCostExplorerPageError(
      `Cost Explorer ${ctx.kind} query for ${ctx.window.start}..${ctx.window.end} (end exclusive) returned no result for ${missing.join(', ')}`,
    );
  }
  return { days, untaggedControl };
}

function toRecord(
  [first, service]: [string, string],
  metrics: Record<string, { Amount: string; Unit: string }>,
  start: string,
  estimated: boolean,
  accountNames: Map<string, string | null>,
  ctx: MapperContext,
  at: string,
): { record: CostRecord | null } | { untagged: true; service: string; billed: Decimal; effective: Decimal } {
  const amount = (metric: string) => {
    const value = metrics[metric];
    if (!value) throw new MalformedCostExplorerPageError(`${at}.Metrics: missing ${metric}`);
    if (value.Unit !== 'USD') throw new MalformedCostExplorerPageError(`${at}.Metrics.${metric}.Unit: expected "USD", got "${value.Unit}"`);
    try {
      return parseAmount(value.Amount, `${at}.Metrics.${metric}.Amount`);
    } catch (error) {
      throw new MalformedCostExplorerPageError((error as Error).message, { cause: error });
    }
  };
  const billed = amount(ctx.metrics.billed);
  const effective = amount(ctx.metrics.effective);
  let tags: Record<string, string> = {};
  let subAccountId: string | null = null;
  if (ctx.kind === 'tagged') {
    // TAG keys come back as "<key>$<value>"; "<key>$" is untagged spend, counted by the untagged query.
    const dollar = first.indexOf('$');
    if (dollar < 0) throw new MalformedCostExplorerPageError(`${at}.Keys[0]: expected "<tagKey>$<value>", got "${first}"`);
    const value = first.slice(dollar + 1);
    if (value === '') return { untagged: true, service, billed, effective };
    tags = { [ctx.tagKey]: value };
  } else {
    subAccountId = first;
  }
  if (billed.eq(0) && effective.eq(0)) return { record: null };
  return { record: costRecord(ctx, start, service, tags, subAccountId, subAccountId === null ? null : (accountNames.get(subAccountId) ?? null), null, billed, effective, estimated) };
}

function costRecord(
  ctx: Pick<MapperContext, 'source' | 'billingAccountId'>,
  start: string,
  service: string,
  tags: Record<string, string>,
  subAccountId: string | null,
  subAccountName: string | null,
  usageType: string | null,
  billed: Decimal,
  effective: Decimal,
  estimated: boolean,
): CostRecord {
  const identity = {
    source: ctx.source,
    provider: 'aws' as const,
    billingAccountId: ctx.billingAccountId,
    subAccountId,
    serviceName: service,
    usageType,
    tags,
    chargePeriodStart: start,
  };
  return {
    id: recordId(identity),
    ...identity,
    providerName: 'AWS',
    subAccountName,
    serviceCategory: serviceCategoryOf(service),
    chargePeriodEnd: addDays(start, 1),
    billedCost: canonical(billed),
    effectiveCost: canonical(effective),
    billingCurrency: 'USD',
    consumedQuantity: null,
    consumedUnit: null,
    model: bedrockModelOf(service),
    apiKeyId: null,
    tokenType: null,
    costOrigin: 'billed',
    estimated,
  };
}

const MARKETPLACE_BEDROCK = / \(Amazon Bedrock Edition\)$/;

/**
 * The model of a Bedrock Marketplace service (`Claude Sonnet 4.5 (Amazon Bedrock Edition)` → `Claude Sonnet 4.5`).
 * First-party `Amazon Bedrock` bills several models under one service: its models come from usage types.
 */
export function bedrockModelOf(service: string): string | null {
  return MARKETPLACE_BEDROCK.test(service) ? service.replace(MARKETPLACE_BEDROCK, '') : null;
}

/** Differences below this are rounding between two groupings of the same line items, not money. */
const CONTROL_TOLERANCE = new Big('0.000001');

/** `usageType` of a residual record: untagged dollars the untagged query did not return by account. */
export const UNRECONCILED_UNTAGGED = '(untagged, account not reported)';

/**
 * Joins the tagged and untagged answers into complete days, and checks the untagged query against the
 * tagged query's `team$` groups per day and service. Both cover the same dollars; should they ever
 * differ (a tag state neither filter caught), the difference is kept as an explicit unallocated
 * residual record, so the ingested total always equals Cost Explorer's total and no dollar is lost.
 */
export function mergeQueries(window: DayWindow, tagged: MappedQuery, untagged: MappedQuery, ctx: Pick<MapperContext, 'source' | 'billingAccountId'>): SourceDay[] {
  return daysOf(window).map((d) => {
    const parts = [tagged.days.get(d)!, untagged.days.get(d)!];
    const records = parts.flatMap((p) => p.records);
    const estimated = parts.some((p) => p.estimated);
    const byService = new Map<string, { billed: Decimal; effective: Decimal }>();
    for (const r of untagged.days.get(d)!.records) {
      const prior = byService.get(r.serviceName) ?? { billed: ZERO, effective: ZERO };
      byService.set(r.serviceName, { billed: prior.billed.plus(r.billedCost), effective: prior.effective.plus(r.effectiveCost) });
    }
    for (const [service, control] of tagged.untaggedControl.get(d) ?? new Map()) {
      const got = byService.get(service) ?? { billed: ZERO, effective: ZERO };
      const billed = control.billed.minus(got.billed);
      const effective = control.effective.minus(got.effective);
      if (billed.abs().gt(CONTROL_TOLERANCE) || effective.abs().gt(CONTROL_TOLERANCE)) {
        records.push(costRecord(ctx, d, service, {}, null, null, UNRECONCILED_UNTAGGED, billed, effective, estimated));
      }
    }
    return { day: d, records, estimated };
  });
}

const totalsPageSchema = z.object({
  ResultsByTime: z.array(z.object({ TimePeriod: z.object({ Start: day, End: day }), Total: z.record(z.string(), metricValue) }), { error: 'expected an array' }),
  NextPageToken: z.string().optional(),
});

/**
 * The billed total per day from the pages of a GetCostAndUsage request without GroupBy (the figures are
 * in `Total`, every requested metric listed, zero or not). Throws {@link MalformedCostExplorerPageError}
 * naming page and field when a day's total for `metric` is missing or not a decimal.
 */
export function mapDailyTotals(pages: readonly unknown[], metric: MetricPair['billed']): Map<string, string> {
  const totals = new Map<string, string>();
  pages.forEach((raw, pageIndex) => {
    const where = `Cost Explorer daily total query, page ${pageIndex + 1}`;
    const parsed = totalsPageSchema.safeParse(raw);
    if (!parsed.success) throw new MalformedCostExplorerPageError(`${where}: ${describeIssues(parsed.error.issues).join('; ')}`);
    parsed.data.ResultsByTime.forEach((result, r) => {
      const value = result.Total[metric];
      if (!value) throw new MalformedCostExplorerPageError(`${where}: ResultsByTime[${r}].Total.${metric}: missing`);
      try {
        totals.set(result.TimePeriod.Start, canonical(parseAmount(value.Amount, `${where}: ResultsByTime[${r}].Total.${metric}.Amount`)));
      } catch (error) {
        throw new MalformedCostExplorerPageError((error as Error).message, { cause: error });
      }
    });
  });
  return totals;
}
