/**
 * The Athena engine beside the embedded one (`npm run bench -- --only exports`): the daily run's one query over
 * the same synthetic billing period, sent by the engine's own client to the local Athena (DuckDB over the files),
 * for the bytes it scans and what Athena would charge for them. The local server counts what Athena reads of
 * Parquet: the compressed column chunks of the columns the query names, in the partitions it names.
 *
 * Price: $5 per TB scanned, each query rounded up to the next MB with a 10 MB minimum. The AWS pricing page was not
 * found in this project's references; public guides (athena.guide's pricing article, Stanford's rcpedia) give
 * these figures, so they are an assumption to check against https://aws.amazon.com/athena/pricing/.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { bundledPriceBook } from '../../functions/domain/pricing/bundled-price-book';
import { DEFAULT_ATHENA } from '../../functions/lib/athena-names';
import { AthenaExportsSource } from '../../functions/sources/data-exports/athena/athena-source';
import { exportGlueTable } from '../emulators/athena-catalog';
import { startAthenaServer } from '../emulators/athena-server';

export const ATHENA_USD_PER_TB = 5;
export const ATHENA_MINIMUM_BYTES = 10 * 1e6;
/** The daily ingest: one run a day, one query a run (both billing periods of the window in one query). */
export const DAILY_RUNS_PER_MONTH = 30;

/** What the Athena engine's daily query scans and costs. */
export interface AthenaBench {
  bytesScanned: number;
  /** Bytes Athena bills: rounded up to the MB, at least 10 MB. */
  bytesBilled: number;
  usdPerRun: number;
  usdPerMonth: number;
  /** Wall time of the local query (DuckDB on this machine, not Athena's). */
  localMs: number;
  records: number;
}

/** Bytes billed for a query that scanned `bytes`. */
export function billedBytes(bytes: number): number {
  return Math.max(ATHENA_MINIMUM_BYTES, Math.ceil(bytes / 1e6) * 1e6);
}

/**
 * Runs the Athena engine's query for `window` over `files` (keys under the table's `BILLING_PERIOD=<month>/`).
 * @param files the export's data files, as the embedded bench wrote them
 */
export async function benchAthenaEngine(files: readonly Uint8Array[], month: string, window: { start: string; end: string }): Promise<AthenaBench> {
  const location = { bucket: 'bench-billing', prefix: 'cur2', exportName: 'bench' };
  const objects = new Map(files.map((body, i) => [`${location.bucket}/cur2/bench/data/BILLING_PERIOD=${month}/bench-${i + 1}.snappy.parquet`, { body }]));
  const athena = await startAthenaServer({ workgroups: [{ name: DEFAULT_ATHENA.workgroup }], tables: [exportGlueTable(location, DEFAULT_ATHENA)], objects: () => objects });
  const client = new AthenaClient({ endpoint: athena.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const source = new AthenaExportsSource(client, { target: DEFAULT_ATHENA, tagKey: 'team', billingAccountId: '999988887777', priceBook: bundledPriceBook });
    const wall = performance.now();
    const pull = await source.pull(window, { now: new Date(`${window.end}T06:00:00Z`) });
    const localMs = performance.now() - wall;
    const bytesScanned = source.lastBytesScanned;
    const bytesBilled = billedBytes(bytesScanned);
    const usdPerRun = (bytesBilled / 1e12) * ATHENA_USD_PER_TB;
    return { bytesScanned, bytesBilled, usdPerRun, usdPerMonth: usdPerRun * DAILY_RUNS_PER_MONTH, localMs, records: pull.days.reduce((n, d) => n + d.records.length, 0) };
  } finally {
    client.destroy();
    await athena.close();
  }
}
