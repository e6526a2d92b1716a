import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { monthOf, monthsOf, type DayWindow } from '../../domain/records/dates';
import type { PriceBook } from '../../domain/pricing/price-book';
import type { UsageRecord } from '../../domain/records/usage-record';
import { beforeDeadline } from '../../lib/deadline';
import { AWS_DATA_EXPORTS_SOURCE, BEDROCK_USAGE_SOURCE } from '../../lib/source-ids';
import type { BillingSource, PullContext, SourceDay, SourcePull } from '../../ports/ports';
import { priceBookBedrockRate } from '../cost-explorer/bedrock-usage';
import { CurAggregator, periodDays } from './cur-mapper';
import { dataPrefix, manifestKey, parseManifest, type ExportLocation } from './manifest';
import { readLineItems } from './parquet-line-items';
import type { CostRecord } from '../../domain/records/cost-record';

/** Settings of the exports source, from `sources.aws` and `allocation.awsTagKey`. */
export interface DataExportsSourceOptions {
  location: ExportLocation;
  tagKey: string;
  /** Further tags records carry: the dimensions' and the rules' (`allocation.dimensions`, `allocation.rules`). */
  otherTagKeys?: readonly string[];
  /** FOCUS BillingAccountId for line items without `bill_payer_account_id`. */
  billingAccountId: string;
  /** To derive Bedrock Marketplace tokens from cost where the usage unit is not documented. */
  priceBook: PriceBook;
}

/** A read the export needs failed: the object is missing, or the run's deadline came first. */
export class ExportReadError extends Error {
  override readonly name = 'ExportReadError';
}

/**
 * The CUR 2.0 export in S3 as a {@link BillingSource} (the embedded engine): for each billing period the window
 * touches, the period's manifest, then every data file it lists, read line item by line item into one
 * aggregate (`cur-mapper.ts`). A delivery overwrites the whole period, so each pull returns every day of the
 * window complete, and storing them replaces the days (the ingest use case, under its shrink guard). Every file
 * is read and checked before anything is returned: a missing or malformed file fails the pull and stores nothing.
 *
 * A period is final when every line item carries a `bill_invoice_id`; until then its days are estimated. The
 * current period may have no manifest yet (AWS's first delivery of a month takes up to a day): its days come back
 * empty and estimated, with a note. A missing manifest for an earlier period fails the pull, since returning its
 * days empty would delete what is stored.
 *
 * Bedrock tokens come from the same line items (usage types, §A6.3), so no Cost Explorer request is made.
 */
export class DataExportsSource implements BillingSource {
  readonly kind = 'cost' as const;
  readonly id = AWS_DATA_EXPORTS_SOURCE;
  readonly provider = 'aws' as const;

  constructor(
    private readonly s3: S3Client,
    private readonly options: DataExportsSourceOptions,
  ) {}

  async pull(window: DayWindow, context: PullContext): Promise<SourcePull> {
    const days: SourceDay<CostRecord>[] = [];
    const usage: SourceDay<UsageRecord>[] = [];
    const notes: string[] = [];
    const counter = { requests: 0 };
    const location = this.options.location;
    for (const month of monthsOf(window)) {
      const wanted = periodDays(window, month);
      const where = `s3://${location.bucket}/${manifestKey(location, month)}`;
      const body = await this.get(location.bucket, manifestKey(location, month), context, counter);
      if (body === undefined) {
        if (month < monthOf(context.now.toISOString().slice(0, 10))) {
          throw new ExportReadError(`${where}: no manifest for billing period ${month}; the export has not delivered it (or was moved), so its stored days are kept`);
        }
        notes.push(`billing period ${month}: no manifest yet at ${where} (AWS's first delivery of a period takes up to a day); its days are empty for now`);
        days.push(...wanted.map((day) => ({ day, records: [], estimated: true })));
        usage.push(...wanted.map((day) => ({ day, records: [], estimated: true })));
        continue;
      }
      const manifest = parseManifest(new TextDecoder().decode(body), location, where);
      const aggregate = new CurAggregator(window, {
        source: this.id,
        tagKey: this.options.tagKey,
        ...(this.options.otherTagKeys ? { otherTagKeys: this.options.otherTagKeys } : {}),
        billingAccountId: this.options.billingAccountId,
        bedrock: { source: BEDROCK_USAGE_SOURCE, billingAccountId: this.options.billingAccountId, rate: priceBookBedrockRate(this.options.priceBook) },
      });
      const expected = dataPrefix(location, month);
      for (const file of manifest.files) {
        const address = `s3://${file.bucket}/${file.key}`;
        if (!file.key.startsWith(expected)) notes.push(`billing period ${month}: ${where} lists ${address}, outside ${expected}; read as listed`);
        const bytes = await this.get(file.bucket, file.key, context, counter);
        if (bytes === undefined) throw new ExportReadError(`${address}: listed in ${where} but missing (NoSuchKey); nothing of billing period ${month} is stored`);
        await readLineItems(bytes, address, (row, at) => aggregate.add(row, at));
      }
      const final = aggregate.invoiced;
      days.push(...aggregate.days(wanted, !final));
      const bedrock = aggregate.usage(wanted);
      usage.push(...bedrock.days);
      const f = aggregate.findings;
      notes.push(
        `billing period ${month}: ${manifest.files.length} file(s), ${f.lineItems} line item(s), ${f.inWindow} in the window; ` +
          (final ? 'invoiced (every line item has a bill_invoice_id): final' : 'not invoiced yet: estimated') +
          (manifest.executionId ? `; execution ${manifest.executionId}` : ''),
      );
      if (f.unknownLineItemTypes.size > 0) notes.push(`billing period ${month}: line item types costline does not know, charged as Adjustment: ${[...f.unknownLineItemTypes].sort().join(', ')}`);
      if (f.feesWithoutUnusedColumns.size > 0) {
        notes.push(`billing period ${month}: ${[...f.feesWithoutUnusedColumns].sort().join(', ')} lines count zero in the amortized view: the export lacks the columns of their unused commitment`);
      }
      if (bedrock.uncounted.length > 0) notes.push(`Bedrock tokens not counted (the usage unit is not documented and the price book has no rate to derive them from cost): ${bedrock.uncounted.join('; ')}`);
    }
    return { days, requests: counter.requests, usage: { source: BEDROCK_USAGE_SOURCE, days: usage }, notes };
  }

  /**
   * One object's bytes, or undefined when it does not exist. The SDK's timeouts bound each attempt; the run's
   * deadline bounds the whole read, body included: none starts after it, and one in flight is aborted at it.
   */
  private get(bucket: string, key: string, context: PullContext, counter: { requests: number }): Promise<Uint8Array | undefined> {
    const where = `s3://${bucket}/${key}`;
    const read = async (abortSignal?: AbortSignal) => {
      counter.requests += 1;
      try {
        const command = new GetObjectCommand({ Bucket: bucket, Key: key });
        const answer = await (abortSignal ? this.s3.send(command, { abortSignal }) : this.s3.send(command));
        return await answer.Body!.transformToByteArray();
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw new ExportReadError(`${where}: ${name}: ${(error as Error).message}`, { cause: error });
      }
    };
    return beforeDeadline(context.deadline, read, {
      notStarted: () => new ExportReadError(`${where}: not read, no time left before the run's deadline`),
      expired: () => new ExportReadError(`${where}: stopped at the run's deadline`),
    });
  }
}
