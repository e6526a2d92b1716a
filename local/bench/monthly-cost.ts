/**
 * The bench's estimate of a month of running costline for the synthetic organisation, from the measured
 * jobs and public us-east-1 list prices: each job's share (runs a month × what one run used), then the
 * table's storage and the fixed costs. Pure: figures in, dollars out.
 */
import type { OrgBench, OrgJobId, OrgJobRun } from './org-jobs';

/** Public us-east-1 list prices used for the estimate (late 2026). */
const PRICES = {
  costExplorerRequest: 0.01,
  dynamoWriteUnit: 0.625 / 1e6, // on-demand, per write request unit
  dynamoReadUnit: 0.125 / 1e6, // on-demand, per read request unit
  dynamoStorageGbMonth: 0.25,
  dynamoPitrGbMonth: 0.2,
  lambdaGbSecondArm: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  snsPublish: 0.5 / 1e6,
  snsEmail: 2 / 1e5,
  kmsKeyMonth: 1,
  alarmMonth: 0.1,
  logsIngestGb: 0.5,
  s3GetRequest: 0.0004 / 1000,
  s3StorageGbMonth: 0.023,
};
/** The functions' memory (GB), as the stack sets it. */
const MEMORY_GB: Partial<Record<OrgJobId, number>> = { 'daily-first': 1, 'daily-steady': 1, 'hourly-usage': 0.5, statement: 1 };
/** Scheduled runs a month: the daily job at 06:00, the usage job at every :15, the statement job at 08:00. */
const RUNS_PER_MONTH: Record<OrgJobId, number> = { 'daily-first': 0, 'daily-steady': 30, 'alert-evaluation': 0, 'hourly-usage': 720, statement: 30 };
const ALARMS = 11; // errors + DLQ for each of three functions, stale data for five sources
const COST_EXPLORER = 'aws-cost-explorer';
const DATA_EXPORTS = 'aws-data-exports';

/** One job's share of the month. */
export interface JobCost {
  /** Scheduled runs a month (0: a one-off, or part of other runs). */
  runsPerMonth: number;
  /** What this run cost: Cost Explorer requests, Lambda GB-s by local wall time, DynamoDB request units. */
  costPerRunUsd: number | null;
  /** runsPerMonth × a run; null when the job is part of other jobs' runs (alert evaluation). */
  estimatedMonthlyCostUsd: number | null;
  /** The jobs whose runs include this one, when it is not scheduled on its own. */
  includedIn: OrgJobId[];
}

/** The month's estimate. */
export interface MonthlyCost {
  jobs: Record<OrgJobId, JobCost>;
  lines: Array<{ item: string; usd: number }>;
  totalUsd: number;
  /** Cost Explorer requests of a month of daily runs, and how many of them re-pull closed months on Mondays. */
  costExplorer: { pagesPerDataDay: number; monthRequests: number; recheckRequests: number };
}

const fmtMiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function runCost(run: OrgJobRun): number {
  const lambda = ((run.wallMs / 1000) * (MEMORY_GB[run.job] ?? 0)) * PRICES.lambdaGbSecondArm + (MEMORY_GB[run.job] ? PRICES.lambdaRequest : 0);
  const dynamo = run.dynamo.writeUnits * PRICES.dynamoWriteUnit + run.dynamo.readUnits * PRICES.dynamoReadUnit;
  return (run.requests[COST_EXPLORER] ?? 0) * PRICES.costExplorerRequest + (run.requests[DATA_EXPORTS] ?? 0) * PRICES.s3GetRequest + lambda + dynamo;
}

/**
 * Estimates a month. The statement job runs daily but publishes once; the other 29 runs find the month
 * sent and read almost nothing, so the statement's share is one measured run.
 */
export function estimateMonthlyCost(bench: OrgBench): MonthlyCost {
  const { config, size } = bench;
  const run = (job: OrgJobId) => bench.runs.find((r) => r.job === job)!;
  const steady = run('daily-steady');
  // Cost Explorer pages grow with the window: on day d the run pulls d-1 days of this month, plus all of
  // last month until previousMonthUntilDay. Scale the measured full-window pages by each day's window.
  // The measured run's previous month was empty, so its pages all carry this month's days of data.
  const pagesPerDataDay = (steady.requests[COST_EXPLORER] ?? 0) / size.days;
  const untilDay = config.sources.aws.previousMonthUntilDay;
  let monthRequests = 0;
  for (let d = 1; d <= 30; d++) monthRequests += Math.max(2, Math.ceil(pagesPerDataDay * (d - 1 + (d <= untilDay ? 30 : 0))));
  // Mondays (about 4.3 a month) also re-pull recheckClosedMonths closed months of about 30 days each.
  const recheckRequests = Math.ceil(4.3 * config.sources.aws.recheckClosedMonths * Math.max(2, Math.ceil(pagesPerDataDay * 30)));
  monthRequests += recheckRequests;

  const jobs = {} as Record<OrgJobId, JobCost>;
  for (const r of bench.runs) {
    const runsPerMonth = RUNS_PER_MONTH[r.job];
    const perRun = runCost(r);
    let monthly: number | null = runsPerMonth * perRun;
    if (r.job === 'daily-steady' && bench.mode !== 'data-exports') monthly = runsPerMonth * (perRun - (r.requests[COST_EXPLORER] ?? 0) * PRICES.costExplorerRequest) + monthRequests * PRICES.costExplorerRequest;
    if (r.job === 'statement') monthly = perRun + (runsPerMonth - 1) * PRICES.lambdaRequest;
    if (r.job === 'alert-evaluation') monthly = null;
    jobs[r.job] = {
      runsPerMonth,
      costPerRunUsd: r.job === 'alert-evaluation' ? null : perRun,
      estimatedMonthlyCostUsd: monthly,
      includedIn: r.job === 'alert-evaluation' ? ['daily-steady', 'hourly-usage'] : [],
    };
  }
  const itemBytes = 600;
  const storedGb = (steady.records * 13 * itemBytes) / 1e9; // ~13 months of records kept
  // In data-exports mode, Cost Explorer is not called: the export's S3 GETs are in the daily run's share, and the
  // export's files are stored (overwritten each delivery; about 13 months of periods kept, each the size of this one).
  const exportsMode = bench.mode === 'data-exports';
  if (exportsMode) monthRequests = 0;
  const recheck = exportsMode ? 0 : recheckRequests;
  const lines = [
    exportsMode
      ? { item: `CUR 2.0 export in S3 (${fmtMiB(bench.exportBytes)} MiB a month, 13 months kept)`, usd: ((bench.exportBytes * 13) / 1e9) * PRICES.s3StorageGbMonth }
      : { item: `Cost Explorer API (30 runs, ${monthRequests} requests)`, usd: monthRequests * PRICES.costExplorerRequest },
    ...(['daily-steady', 'hourly-usage', 'statement'] as const).map((job) => ({
      item: `${run(job).title}: Lambda and DynamoDB (${RUNS_PER_MONTH[job]} runs)`,
      usd: jobs[job].estimatedMonthlyCostUsd! - (job === 'daily-steady' ? monthRequests * PRICES.costExplorerRequest : 0),
    })),
    { item: 'DynamoDB storage + PITR (13 months of records)', usd: storedGb * (PRICES.dynamoStorageGbMonth + PRICES.dynamoPitrGbMonth) },
    { item: 'SNS publishes and emails (statement to finance, alerts)', usd: 31 * PRICES.snsPublish + (config.finance.emails.length + config.teams.length) * PRICES.snsEmail },
    { item: 'KMS key for the topics', usd: PRICES.kmsKeyMonth },
    { item: `CloudWatch alarms (${ALARMS})`, usd: ALARMS * PRICES.alarmMonth },
    { item: 'CloudWatch Logs (~5 KB per run)', usd: ((31 * 5e3) / 1e9) * PRICES.logsIngestGb },
  ];
  return { jobs, lines, totalUsd: lines.reduce((a, l) => a + l.usd, 0), costExplorer: { pagesPerDataDay, monthRequests, recheckRequests: recheck } };
}
