/**
 * The bench's figures as a machine reads them (one JSON object a line: a job, a bundle, the month's
 * estimate) and as a person reads them (the tables `npm run bench` prints). Pure: figures in, lines out.
 */
import type { BundleFigures } from './bundles';
import type { MonthlyCost } from './monthly-cost';
import type { OrgBench } from './org-jobs';

/** One job, as a JSON Lines object. Every job has every key; null where a figure does not apply. */
export interface JobLine {
  type: 'job';
  /** `daily-first`, `daily-steady`, `alert-evaluation`, `hourly-usage`, `statement`, `records`. */
  job: string;
  title: string;
  wallMs: number;
  records: number;
  recordsPerSecond: number;
  /** Requests per source pulled. */
  requests: Record<string, number>;
  itemsRead: number;
  itemsWritten: number;
  readUnits: number;
  writeUnits: number;
  /** The months the job worked on, and the cost and usage records the table held for them. */
  months: string[];
  monthRecords: number | null;
  /** itemsRead / monthRecords: 1 when the job reads each of the month's records once (plus a few state items). */
  readsPerMonthRecord: number | null;
  alerts: number | null;
  runsPerMonth: number | null;
  costPerRunUsd: number | null;
  estimatedMonthlyCostUsd: number | null;
  /** Jobs whose runs include this one, when it is not scheduled on its own. */
  includedIn: string[];
}

export interface BundleLine extends BundleFigures {
  type: 'bundle';
}

export interface MonthlyCostLine {
  type: 'monthly-cost';
  lines: MonthlyCost['lines'];
  totalUsd: number;
  costExplorer: MonthlyCost['costExplorer'];
}

/** The records bench's result, as `benchAllocateAndCharge` returns it. */
export interface RecordsFigures {
  records: number;
  ms: number;
  recordsPerSecond: number;
  /** The median of `runs` more runs on the same records. */
  medianMs: number;
  runs: number;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The organisation's jobs as JSON Lines objects, with their share of the month. */
export function orgJobLines(bench: OrgBench, cost: MonthlyCost): JobLine[] {
  return bench.runs.map((r) => {
    const monthRecords = r.monthRecords.cost + r.monthRecords.usage;
    const c = cost.jobs[r.job];
    return {
      type: 'job',
      job: r.job,
      title: r.title,
      wallMs: round(r.wallMs, 1),
      records: r.records,
      recordsPerSecond: Math.round(r.records / (r.wallMs / 1000)),
      requests: r.requests,
      itemsRead: r.dynamo.itemsRead,
      itemsWritten: r.dynamo.itemsWritten,
      readUnits: r.dynamo.readUnits,
      writeUnits: r.dynamo.writeUnits,
      months: r.monthRecords.months,
      monthRecords,
      readsPerMonthRecord: monthRecords === 0 ? null : round(r.dynamo.itemsRead / monthRecords, 3),
      alerts: r.alerts,
      runsPerMonth: c.runsPerMonth,
      costPerRunUsd: c.costPerRunUsd === null ? null : round(c.costPerRunUsd, 6),
      estimatedMonthlyCostUsd: c.estimatedMonthlyCostUsd === null ? null : round(c.estimatedMonthlyCostUsd, 4),
      includedIn: c.includedIn,
    };
  });
}

/** The records bench as a JSON Lines job: in memory, so no requests, no items, no cost of its own. */
export function recordsJobLine(r: RecordsFigures): JobLine {
  return {
    type: 'job',
    job: 'records',
    title: 'allocate + chargeback (in memory)',
    wallMs: round(r.ms, 1),
    records: r.records,
    recordsPerSecond: Math.round(r.recordsPerSecond),
    requests: {},
    itemsRead: 0,
    itemsWritten: 0,
    readUnits: 0,
    writeUnits: 0,
    months: [],
    monthRecords: r.records,
    readsPerMonthRecord: null,
    alerts: null,
    runsPerMonth: null,
    costPerRunUsd: null,
    estimatedMonthlyCostUsd: null,
    includedIn: [],
  };
}

export const bundleLine = (b: BundleFigures): BundleLine => ({ type: 'bundle', ...b, loadMsMedian: round(b.loadMsMedian, 1) });

export const monthlyCostLine = (cost: MonthlyCost): MonthlyCostLine => ({
  type: 'monthly-cost',
  lines: cost.lines.map((l) => ({ item: l.item, usd: round(l.usd, 4) })),
  totalUsd: round(cost.totalUsd, 4),
  costExplorer: { ...cost.costExplorer, pagesPerDataDay: round(cost.costExplorer.pagesPerDataDay, 3) },
});

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
const DATA_EXPORTS = 'aws-data-exports';
const COST_EXPLORER = 'aws-cost-explorer';

/** The organisation's header line. */
export function orgText(bench: OrgBench): string {
  const { size } = bench;
  return (
    `Synthetic organisation: ${size.teams} teams, ${size.days} days, ${size.services} services, ${size.accounts} accounts, ${fmt(bench.awsLineItems)} AWS line items, ` +
    `${fmt(bench.usageRows)} hourly model-usage rows (generated in ${fmt(bench.generateMs)} ms)` +
    (bench.mode === 'data-exports' ? `; AWS billing read from its CUR 2.0 export (${fmt(bench.exportBytes / 2 ** 20, 1)} MiB of Parquet); the CE req column counts the export's S3 requests` : '')
  );
}

/** The jobs table: items read beside the records the table held for the job's months. */
export function jobsText(jobs: readonly JobLine[]): string {
  const header = `${'job'.padEnd(34)}  wall ms    records  records/s  CE req  API req  items written  items read  month recs  reads/rec     WRU       RRU  alerts`;
  const rows = jobs.map((j) => {
    const ce = j.requests[COST_EXPLORER] ?? j.requests[DATA_EXPORTS] ?? 0;
    const api = Object.entries(j.requests).reduce((n, [source, count]) => n + (source === COST_EXPLORER || source === DATA_EXPORTS ? 0 : count), 0);
    return [
      j.title.padEnd(34),
      fmt(j.wallMs).padStart(8),
      fmt(j.records).padStart(10),
      fmt(j.recordsPerSecond).padStart(10),
      fmt(ce).padStart(7),
      fmt(api).padStart(8),
      fmt(j.itemsWritten).padStart(14),
      fmt(j.itemsRead).padStart(11),
      (j.monthRecords === null ? '-' : fmt(j.monthRecords)).padStart(11),
      (j.readsPerMonthRecord === null ? '-' : fmt(j.readsPerMonthRecord, 2)).padStart(10),
      fmt(j.writeUnits).padStart(7),
      fmt(j.readUnits, 1).padStart(9),
      (j.alerts === null ? '-' : String(j.alerts)).padStart(7),
    ].join(' ');
  });
  const bySource = jobs
    .filter((j) => Object.keys(j.requests).length > 0)
    .map((j) => `  ${j.title}: ${Object.entries(j.requests).map(([source, n]) => `${source} ${n} req`).join('; ')}`);
  return [header, ...rows, '', 'Requests by source:', ...bySource].join('\n');
}

/** The records bench's line. */
export function recordsText(r: RecordsFigures): string {
  return (
    `Allocate + chargeback alone (in memory, one core): ${fmt(r.records)} synthetic records in ${fmt(r.ms)} ms, ${fmt(r.recordsPerSecond)} records/s (the first run on them); ` +
    `median of ${r.runs} more runs ${fmt(r.medianMs)} ms, ${fmt(r.records / (r.medianMs / 1000))} records/s`
  );
}

/** The records bench's steady figure as a JSON Lines object: the median of the runs after the first. */
export function recordsSteadyLine(r: RecordsFigures): { type: 'records-steady'; records: number; runs: number; medianMs: number; recordsPerSecond: number } {
  return { type: 'records-steady', records: r.records, runs: r.runs, medianMs: round(r.medianMs, 1), recordsPerSecond: Math.round(r.records / (r.medianMs / 1000)) };
}

/** The bundles' line. */
export function bundlesText(bundles: readonly BundleFigures[]): string {
  const each = bundles.map((b) => `  ${b.bundle.padEnd(10)} ${fmt(b.bytes / 1024, 1).padStart(8)} KiB, module load ${fmt(b.loadMsMedian)} ms (median of ${b.loads})`);
  return ['Lambda bundles (as deployed: esbuild, ESM, minified, node24; load = import() in a fresh Node process):', ...each].join('\n');
}

/** The month's estimate, and how Cost Explorer's requests were counted. */
export function monthlyCostText(cost: MonthlyCost, bench: OrgBench): string {
  const ce = cost.costExplorer;
  const recheck = bench.config.sources.aws.recheckClosedMonths;
  return [
    'Estimated monthly AWS cost of running costline for this organisation (us-east-1 list prices):',
    ...cost.lines.map((l) => `  ${l.item.padEnd(62)} ${usd(l.usd).padStart(9)}`),
    `  ${'total'.padEnd(62)} ${usd(cost.totalUsd).padStart(9)}`,
    '',
    bench.mode === 'data-exports'
      ? `Cost Explorer: no requests in data-exports mode; the export is read with ${bench.runs.find((r) => r.job === 'daily-steady')?.requests[DATA_EXPORTS] ?? 0} S3 requests a daily run (manifests and data files of the periods in its window).`
      : `Cost Explorer: ${(ce.pagesPerDataDay * bench.size.days).toFixed(0)} requests for a ${bench.size.days}-day window (${ce.pagesPerDataDay.toFixed(2)} per day of data); a month of daily runs, window growing from 1 day, ~${ce.monthRequests} requests, of which ~${ce.recheckRequests} re-pull ${recheck} closed month(s) on Mondays.`,
    '',
    'Notes: wall times are this machine against dynalite, not DynamoDB; Lambda time in AWS is dominated by the API round trips.',
  ].join('\n');
}
