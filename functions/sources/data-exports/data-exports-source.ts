import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { monthOf, monthsOf, type DayWindow } from '../../domain/records/dates';
import { beforeDeadline } from '../../lib/deadline';
import { AWS_DATA_EXPORTS_SOURCE } from '../../lib/source-ids';
import type { BillingSource, PullContext, SourcePull } from '../../ports/ports';
import { periodDays } from './cur-mapper';
import { addEmptyPeriod, addPeriod, newPullParts, periodAggregator, pullOf, type ExportAggregation } from './period-pull';
import { dataPrefix, manifestKey, parseManifest, type ExportLocation } from './manifest';
import { readLineItems } from './parquet-line-items';

/** Settings of the exports source, from `sources.aws` and `allocation.awsTagKey`: where the export is, and how it is summed. */
export interface DataExportsSourceOptions extends ExportAggregation {
  location: ExportLocation;
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
    const parts = newPullParts();
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
        addEmptyPeriod(parts, wanted, `billing period ${month}: no manifest yet at ${where} (AWS's first delivery of a period takes up to a day); its days are empty for now`);
        continue;
      }
      const manifest = parseManifest(new TextDecoder().decode(body), location, where);
      const aggregate = periodAggregator(window, this.options);
      const expected = dataPrefix(location, month);
      for (const file of manifest.files) {
        const address = `s3://${file.bucket}/${file.key}`;
        if (!file.key.startsWith(expected)) parts.notes.push(`billing period ${month}: ${where} lists ${address}, outside ${expected}; read as listed`);
        const bytes = await this.get(file.bucket, file.key, context, counter);
        if (bytes === undefined) throw new ExportReadError(`${address}: listed in ${where} but missing (NoSuchKey); nothing of billing period ${month} is stored`);
        await readLineItems(bytes, address, (row, at) => aggregate.add(row, at));
      }
      addPeriod(parts, month, wanted, aggregate, { before: `${manifest.files.length} file(s), `, via: '', after: manifest.executionId ? `; execution ${manifest.executionId}` : '' });
    }
    return pullOf(parts, counter.requests);
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
