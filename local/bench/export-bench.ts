/**
 * `npm run bench -- --only exports --line-items N`: the embedded engine of `data-exports` mode alone. N synthetic
 * CUR 2.0 line items of one billing period are written as snappy Parquet files, as an export delivers them, and
 * read back and aggregated by the code the ingest function runs (`readLineItems` into a `CurAggregator`), file by
 * file and in memory (no S3: the network is not the engine). Writing the files is not timed. Beside it, the Athena
 * engine's query over the same files: bytes scanned and price per daily run (`athena-bench.ts`).
 */
import { bundledPriceBook } from '../../functions/domain/pricing/bundled-price-book';
import { priceBookBedrockRate } from '../../functions/sources/cost-explorer/bedrock-usage';
import { CurAggregator, periodDays } from '../../functions/sources/data-exports/cur-mapper';
import { readLineItems } from '../../functions/sources/data-exports/parquet-line-items';
import { parquetOf, type CurRow } from '../sample/cur-export-parquet';
import { benchAthenaEngine, type AthenaBench } from './athena-bench';

/** What one timing gives. */
export interface ExportBench {
  lineItems: number;
  files: number;
  /** The files' compressed size. */
  bytes: number;
  /** Wall time of reading and aggregating every file. */
  ms: number;
  /** CPU time of this process over the same span: the figure to read on a busy machine. */
  cpuMs: number;
  lineItemsPerSecond: number;
  /** Records the month aggregated to. */
  records: number;
  /** The largest heap seen after a file (MiB): what a function's memory must hold besides one file. */
  heapPeakMiB: number;
  /** The Athena engine's daily query over the same files (`athena-bench.ts`). */
  athena: AthenaBench;
}

const MONTH = '2026-10';
const WINDOW = { start: '2026-10-01', end: '2026-11-01' };
/** Line items per file: AWS splits large exports into files of about this size. */
const FILE_ROWS = 500_000;
const ACCOUNTS = 50;
const SERVICES = 60;
const TEAMS = 100;
const BEDROCK_ROLES = 8;

/** A small deterministic generator (an LCG), so every run writes the same files. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const at = (day: number) => new Date(Date.UTC(2026, 9, 1 + day));

/**
 * The `i`th line item: one resource's day, most of them tagged with a team, one in twenty a Bedrock call by one of
 * a few roles, one in fifty a credit; amounts of one to ten decimal places, as an export's doubles are.
 */
function lineItem(i: number, random: () => number): CurRow {
  const day = i % 31;
  const accountIndex = Math.floor(i / 31) % ACCOUNTS;
  const account = String(100000000000 + accountIndex * 7919);
  const bedrock = i % 20 === 0;
  const credit = !bedrock && i % 50 === 7;
  // Each account runs ten of the services, three usage types each: a month aggregates to some 50,000 records.
  const service = bedrock ? 'Amazon Bedrock' : `Service ${(accountIndex * 7 + ((i >>> 11) % 10)) % SERVICES}`;
  const cost = Math.round(random() * 10 ** (1 + Math.floor(random() * 8))) / 10 ** 8;
  // Teams own accounts and services: a resource's tag follows them, and one in ten resources is untagged.
  const team = random() < 0.9 ? { user_team: `team-${(Number(account.slice(-4)) + service.length * 13) % TEAMS}` } : {};
  const role = Math.floor(random() * BEDROCK_ROLES);
  return {
    bill_billing_period_start_date: at(0),
    bill_payer_account_id: '999988887777',
    bill_invoice_id: '',
    bill_bill_type: 'Anniversary',
    line_item_usage_account_id: account,
    line_item_usage_account_name: '',
    line_item_line_item_type: credit ? 'Credit' : 'Usage',
    line_item_line_item_description: '',
    line_item_product_code: bedrock ? 'AmazonBedrock' : `Product${service.length}`,
    product_servicecode: '',
    product: { product_name: service, region: 'us-east-1' },
    line_item_usage_type: bedrock ? `USE1-Model${role % 3}-input-tokens` : `USE1-Usage${(i >>> 17) % 3}`,
    line_item_operation: 'Run',
    line_item_resource_id: bedrock ? '' : `arn:aws:ec2:us-east-1:${account}:instance/i-${(i * 2654435761) >>> 0}`,
    line_item_iam_principal: bedrock ? `arn:aws:sts::${account}:assumed-role/App${role}/session` : '',
    line_item_usage_start_date: at(day),
    line_item_usage_end_date: at(day + 1),
    line_item_usage_amount: Math.round(random() * 1e6) / 100,
    pricing_unit: bedrock ? 'tokens' : 'Hrs',
    pricing_public_on_demand_cost: credit ? 0 : cost,
    line_item_unblended_cost: credit ? -cost : cost,
    line_item_net_unblended_cost: credit ? -cost : cost,
    reservation_effective_cost: 0,
    savings_plan_savings_plan_effective_cost: 0,
    line_item_currency_code: 'USD',
    resource_tags: team,
    tags: {},
    cost_category: {},
  } as CurRow;
}

/** Line items `start` to `start + count` (exclusive) as one snappy Parquet file, in row groups of a tenth of a file. */
export function syntheticExportFile(start: number, count: number): Uint8Array {
  const random = seeded(20261001 + start);
  return parquetOf(Array.from({ length: count }, (_, k) => lineItem(start + k, random)), FILE_ROWS / 10);
}

/** Writes `lineItems` synthetic line items as files of {@link FILE_ROWS} and times reading them back. */
export async function benchExportEngine(lineItems: number): Promise<ExportBench> {
  const aggregate = new CurAggregator(WINDOW, {
    source: 'aws-data-exports',
    tagKey: 'team',
    billingAccountId: '999988887777',
    bedrock: { source: 'aws-bedrock-usage', billingAccountId: '999988887777', rate: priceBookBedrockRate(bundledPriceBook) },
  });
  let ms = 0;
  let cpuMs = 0;
  let bytes = 0;
  let files = 0;
  let heapPeak = 0;
  const written: Uint8Array[] = [];
  for (let start = 0; start < lineItems; start += FILE_ROWS) {
    const file = syntheticExportFile(start, Math.min(FILE_ROWS, lineItems - start));
    written.push(file);
    bytes += file.byteLength;
    files += 1;
    const wall = performance.now();
    const cpu = process.cpuUsage();
    await readLineItems(file, `bench-${files}.snappy.parquet`, (row, where) => aggregate.add(row, where));
    const used = process.cpuUsage(cpu);
    ms += performance.now() - wall;
    cpuMs += (used.user + used.system) / 1000;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  if (aggregate.findings.lineItems !== lineItems) throw new Error(`export bench: read ${aggregate.findings.lineItems} line items of the ${lineItems} written`);
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const days = aggregate.days(periodDays(WINDOW, MONTH), true);
  const used = process.cpuUsage(cpu);
  ms += performance.now() - wall;
  cpuMs += (used.user + used.system) / 1000;
  const records = days.reduce((n, d) => n + d.records.length, 0);
  const athena = await benchAthenaEngine(written, MONTH, WINDOW);
  if (athena.records !== records) throw new Error(`export bench: the Athena engine made ${athena.records} records of the month, the embedded engine ${records}`);
  return { lineItems, files, bytes, ms, cpuMs, lineItemsPerSecond: lineItems / (ms / 1000), records, heapPeakMiB: heapPeak / 2 ** 20, athena };
}
