import type { CostRecord } from '../../domain/records/cost-record';
import type { DayWindow } from '../../domain/records/dates';
import type { PriceBook } from '../../domain/pricing/price-book';
import type { UsageRecord } from '../../domain/records/usage-record';
import { AWS_DATA_EXPORTS_SOURCE, BEDROCK_USAGE_SOURCE } from '../../lib/source-ids';
import type { SourceDay, SourcePull } from '../../ports/ports';
import { priceBookBedrockRate } from '../cost-explorer/bedrock-usage';
import { CurAggregator } from './cur-mapper';

/*
 * What both engines of the export source do with a billing period once its line items are summed (or found
 * missing): its days, its Bedrock usage days, its notes, in one pull.
 */

/** What the aggregation of an export needs from the source's settings (`sources.aws`, `allocation`). */
export interface ExportAggregation {
  /** The team tag key (`allocation.awsTagKey`). */
  tagKey: string;
  /** Further tags records carry: the dimensions' and the rules' (`allocation.dimensions`, `allocation.rules`). */
  otherTagKeys?: readonly string[];
  /** FOCUS BillingAccountId for line items without `bill_payer_account_id`. */
  billingAccountId: string;
  /** To derive Bedrock Marketplace tokens from cost where the usage unit is not documented. */
  priceBook: PriceBook;
}

/** One pull being assembled, period by period. */
export interface PullParts {
  days: SourceDay<CostRecord>[];
  usage: SourceDay<UsageRecord>[];
  notes: string[];
}

export function newPullParts(): PullParts {
  return { days: [], usage: [], notes: [] };
}

/** A billing period's aggregate, with the source's tags and Bedrock token rules. */
export function periodAggregator(window: DayWindow, options: ExportAggregation): CurAggregator {
  return new CurAggregator(window, {
    source: AWS_DATA_EXPORTS_SOURCE,
    tagKey: options.tagKey,
    ...(options.otherTagKeys ? { otherTagKeys: options.otherTagKeys } : {}),
    billingAccountId: options.billingAccountId,
    bedrock: { source: BEDROCK_USAGE_SOURCE, billingAccountId: options.billingAccountId, rate: priceBookBedrockRate(options.priceBook) },
  });
}

/** The current period, not delivered yet: its days empty and estimated, and why. */
export function addEmptyPeriod(parts: PullParts, wanted: readonly string[], note: string): void {
  parts.notes.push(note);
  parts.days.push(...wanted.map((day) => ({ day, records: [], estimated: true })));
  parts.usage.push(...wanted.map((day) => ({ day, records: [], estimated: true })));
}

/**
 * A summed period's days (final when invoiced), usage and notes. The first note reads
 * `billing period <month>: <before><n> line item(s), <m> in the window<via>; <finality><after>`.
 */
export function addPeriod(parts: PullParts, month: string, wanted: readonly string[], aggregate: CurAggregator, read: { before: string; via: string; after: string }): void {
  const final = aggregate.invoiced;
  parts.days.push(...aggregate.days(wanted, !final));
  const bedrock = aggregate.usage(wanted);
  parts.usage.push(...bedrock.days);
  const f = aggregate.findings;
  parts.notes.push(
    `billing period ${month}: ${read.before}${f.lineItems} line item(s), ${f.inWindow} in the window${read.via}; ` +
      (final ? 'invoiced (every line item has a bill_invoice_id): final' : 'not invoiced yet: estimated') +
      read.after,
  );
  if (f.unknownLineItemTypes.size > 0) parts.notes.push(`billing period ${month}: line item types costline does not know, charged as Adjustment: ${[...f.unknownLineItemTypes].sort().join(', ')}`);
  if (f.feesWithoutUnusedColumns.size > 0) {
    parts.notes.push(`billing period ${month}: ${[...f.feesWithoutUnusedColumns].sort().join(', ')} lines count zero in the amortized view: the export lacks the columns of their unused commitment`);
  }
  if (bedrock.uncounted.length > 0) parts.notes.push(`Bedrock tokens not counted (the usage unit is not documented and the price book has no rate to derive them from cost): ${bedrock.uncounted.join('; ')}`);
}

/** The assembled pull. */
export function pullOf(parts: PullParts, requests: number): SourcePull {
  return { days: parts.days, requests, usage: { source: BEDROCK_USAGE_SOURCE, days: parts.usage }, notes: parts.notes };
}
