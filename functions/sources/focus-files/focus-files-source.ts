import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { FocusSourceConfig } from '../../config/sources-schema';
import type { CostRecord } from '../../domain/records/cost-record';
import { daysOf, monthOf, toDay, type DayWindow } from '../../domain/records/dates';
import { beforeDeadline } from '../../lib/deadline';
import { focusSourceIdOf } from '../../lib/source-ids';
import type { BillingSource, PullContext, SourcePull } from '../../ports/ports';
import { formatOfKey, readFocusFile } from './focus-file-rows';
import { FocusAggregator } from './focus-mapper';

/** Settings of one FOCUS file source: its `sources.focus[]` entry, and the team tag key. */
export interface FocusFilesSourceOptions {
  entry: Pick<FocusSourceConfig, 'id' | 'bucket' | 'prefix' | 'format'>;
  tagKey: string;
}

/** A read the files need failed: the listing or an object, or the run's deadline came first. */
export class FocusFileReadError extends Error {
  override readonly name = 'FocusFileReadError';
}

/** One object of the listing. */
interface Listed {
  key: string;
  lastModified: number;
}

/** A delivery: the data files of one folder (the key up to its last `/`), newest first by their latest write. */
interface Delivery {
  folder: string;
  files: Listed[];
  lastModified: number;
}

/** Objects under a FOCUS prefix that are not data: manifests, markers, folders. */
const NOT_DATA = /(\.json|\/_SUCCESS|\/)$/i;

/**
 * FOCUS 1.0 to 1.3 files under one bucket prefix as a {@link BillingSource}: every object under the prefix is
 * listed (ListObjectsV2), data files are grouped into deliveries by folder, and read newest delivery first into
 * one aggregate (`focus-mapper.ts`). Each pull returns every day of the window complete, so storing them replaces
 * the days (the ingest use case, under its shrink guard).
 *
 * Restatement: a billing period (`BillingPeriodStart`) answered by a newer delivery replaces what older ones said
 * of it, so an export that writes each run to a folder of its own (Azure's) is read once per period; a period
 * written again under the same key replaces itself. Every file under the prefix is read on every pull (which
 * deliveries are superseded is known only from their rows), each checked whole before anything is returned: a
 * malformed file fails the pull and stores nothing.
 *
 * A day is estimated while the billing period of a row on it has not ended (FOCUS files say nothing of invoicing;
 * a correction in an open period's file keeps its earlier day estimated); a day no row falls on is estimated while
 * its month has not ended.
 */
export class FocusFilesSource implements BillingSource {
  readonly kind = 'cost' as const;
  readonly id: string;
  /** The entry's id: the records carry each row's own provider. */
  readonly provider: string;

  constructor(
    private readonly s3: S3Client,
    private readonly options: FocusFilesSourceOptions,
  ) {
    this.id = focusSourceIdOf(options.entry.id);
    this.provider = options.entry.id;
  }

  async pull(window: DayWindow, context: PullContext): Promise<SourcePull<CostRecord>> {
    const { bucket, prefix, format } = this.options.entry;
    const where = `s3://${bucket}/${prefix}`;
    const counter = { requests: 0 };
    const listed = await this.list(context, counter);
    const skipped = listed.filter((o) => NOT_DATA.test(o.key) || (format === undefined && formatOfKey(o.key) === undefined));
    const deliveries = deliveriesOf(listed.filter((o) => !skipped.includes(o)));
    const aggregate = new FocusAggregator(window, { source: this.id, tagKey: this.options.tagKey });
    const answered = new Set<string>();
    const versions = new Set<string>();
    let files = 0;
    for (const delivery of deliveries) {
      const periods = new Set<string>();
      for (const file of delivery.files) {
        const address = `s3://${bucket}/${file.key}`;
        const bytes = await this.get(file.key, context, counter);
        const layout = await readFocusFile(bytes, address, format ?? formatOfKey(file.key)!, (row, at, layout) => periods.add(aggregate.add(row, layout, at, answered)));
        versions.add(layout.version);
        files += 1;
      }
      for (const p of periods) answered.add(p);
    }
    const today = toDay(context.now);
    // A correction for a closed month sits in an open period's file: its day stays estimated until that period ends.
    const periodEnds = aggregate.findings.periodEnds;
    const estimated = (day: string) => {
      const end = periodEnds.get(day);
      return end !== undefined ? end > today : monthOf(day) >= monthOf(today);
    };
    const f = aggregate.findings;
    const notes = [
      `${where}: ${files} file(s) in ${deliveries.length} deliver(ies) read (FOCUS ${[...versions].sort().join(', ') || 'none'}), ${f.rows} row(s), ${f.inWindow} in the window` +
        (skipped.length > 0 ? `; ${skipped.length} object(s) that are not FOCUS data skipped` : ''),
    ];
    if (f.superseded > 0) notes.push(`${where}: ${f.superseded} row(s) of billing periods a newer delivery restated were not counted`);
    if (f.providers.size > 0) notes.push(`${where}: providers ${[...f.providers].map(([id, name]) => (id === name ? id : `${id} (${name})`)).join(', ')}`);
    if (f.correctionsBeforeWindow > 0) notes.push(`${where}: ${f.correctionsBeforeWindow} correction row(s) for days before ${window.start} not stored; backfill their months to take them in`);
    return { days: aggregate.days(daysOf(window), estimated), requests: counter.requests, notes };
  }

  /** Every object under the prefix, all pages. */
  private async list(context: PullContext, counter: { requests: number }): Promise<Listed[]> {
    const { bucket, prefix } = this.options.entry;
    const objects: Listed[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(`s3://${bucket}/${prefix} (listing)`, context, counter, (abortSignal) =>
        this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }), abortSignal ? { abortSignal } : {}),
      );
      for (const o of page.Contents ?? []) if (o.Key) objects.push({ key: o.Key, lastModified: o.LastModified?.getTime() ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  private async get(key: string, context: PullContext, counter: { requests: number }): Promise<Uint8Array> {
    const where = `s3://${this.options.entry.bucket}/${key}`;
    return this.send(where, context, counter, async (abortSignal) => {
      const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.options.entry.bucket, Key: key }), abortSignal ? { abortSignal } : {});
      return answer.Body!.transformToByteArray();
    });
  }

  /**
   * One S3 call under the run's deadline: none starts after it, and one in flight (its body included) is aborted
   * at it. The SDK's timeouts and retries bound each attempt; a failure names the object.
   */
  private send<T>(where: string, context: PullContext, counter: { requests: number }, call: (abortSignal?: AbortSignal) => Promise<T>): Promise<T> {
    const guarded = async (abortSignal?: AbortSignal) => {
      counter.requests += 1;
      try {
        return await call(abortSignal);
      } catch (error) {
        throw new FocusFileReadError(`${where}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
      }
    };
    return beforeDeadline(context.deadline, guarded, {
      notStarted: () => new FocusFileReadError(`${where}: not read, no time left before the run's deadline`),
      expired: () => new FocusFileReadError(`${where}: stopped at the run's deadline`),
    });
  }
}

/** Groups data files into deliveries by folder, newest delivery first (ties: the later folder name first). */
export function deliveriesOf(objects: readonly Listed[]): Delivery[] {
  const byFolder = new Map<string, Listed[]>();
  for (const o of objects) {
    const folder = o.key.slice(0, o.key.lastIndexOf('/') + 1);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), o]);
  }
  return [...byFolder]
    .map(([folder, files]) => ({ folder, files: files.sort((a, b) => (a.key < b.key ? -1 : 1)), lastModified: Math.max(...files.map((f) => f.lastModified)) }))
    .sort((a, b) => b.lastModified - a.lastModified || (a.folder < b.folder ? 1 : -1));
}
