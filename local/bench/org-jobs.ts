/**
 * The bench's synthetic organisation and its jobs: a generated ledger (AWS line items, an OpenAI project
 * and an Anthropic workspace per team) served by the loopback servers, and the scheduled jobs run on it
 * through the real adapters against dynalite: the daily run twice (the first backfills, the second is the
 * steady state), alert evaluation alone, the hourly usage run, and the monthly statement.
 */
import { parseConfig, type CostlineConfig } from '../../functions/config/config-schema';
import { addDays, addMonths, monthOf, toDay } from '../../functions/domain/records/dates';
import type { Log } from '../../functions/ports/ports';
import { createClients, dailyDeps, publisher, type ProviderAccess } from '../../functions/app/compose';
import { evaluateBudgetAlerts } from '../../functions/use-cases/evaluate-budget-alerts';
import { publishStatement } from '../../functions/use-cases/publish-statement';
import { runDailyIngestion } from '../../functions/use-cases/run-daily';
import { startAnthropicServer } from '../emulators/anthropic-server';
import { startCostExplorerServer } from '../emulators/cost-explorer-server';
import { startOpenAiServer } from '../emulators/openai-server';
import { startS3Server } from '../emulators/s3-server';
import { startSnsServer } from '../emulators/sns-server';
import { curExportObjects } from '../sample/cur-export';
import { ensureTable, startLocalDynamo } from '../local-dynamodb';
import { syntheticLedger, type SyntheticLedgerOptions } from '../sample/synthetic-ledger';
import { syntheticProviderLedger } from '../sample/synthetic-provider-ledger';
import { DynamoMeter, type DynamoUse } from './dynamo-meter';

/** The size of the synthetic organisation. */
export type OrgSize = Required<Pick<SyntheticLedgerOptions, 'teams' | 'days' | 'services' | 'accounts'>>;

/** The jobs measured, by id. */
export type OrgJobId = 'daily-first' | 'daily-steady' | 'alert-evaluation' | 'hourly-usage' | 'statement';

/** What one job did: wall time, records, requests per source, DynamoDB use, and the months it read. */
export interface OrgJobRun {
  job: OrgJobId;
  title: string;
  wallMs: number;
  /** Records the job ingested (ingestion jobs) or charged (the statement and alert evaluation). */
  records: number;
  /** Requests per source, for the sources the job pulled. */
  requests: Record<string, number>;
  dynamo: DynamoUse;
  /** What the table holds for the months the job worked on, when it ran: cost and usage records. */
  monthRecords: { months: string[]; cost: number; usage: number };
  alerts: number;
}

/** The organisation the jobs ran on. */
export interface OrgBench {
  size: OrgSize;
  /** Where AWS billing was read from (`sources.aws.mode`). */
  mode: AwsMode;
  /** In `data-exports` mode, the bytes of the export as delivered on the run day (every period's files). */
  exportBytes: number;
  config: CostlineConfig;
  awsLineItems: number;
  usageRows: number;
  generateMs: number;
  runs: OrgJobRun[];
}

const quiet: Log = { info: () => undefined, warn: () => undefined, error: (message, ...extra) => console.error(message, ...extra) };

/** `sources.aws.mode`: Cost Explorer, or the CUR 2.0 export served by the local S3. */
export type AwsMode = 'cost-explorer' | 'data-exports';

const BENCH_EXPORT = { bucket: 'costline-bench-billing', prefix: 'cur2', exportName: 'bench-cur2' };

/** The synthetic ledger and a config that maps every team's OpenAI project and Anthropic workspace by rules. */
function syntheticOrganisation(size: OrgSize, mode: AwsMode) {
  const start = performance.now();
  const { ledger, config: rawConfig } = syntheticLedger(size);
  const books = syntheticProviderLedger({ teams: size.teams, days: size.days });
  const withProviders = rawConfig as { allocation: { rules: unknown[] }; sources: Record<string, unknown> };
  withProviders.allocation.rules.push(
    ...Object.entries(books.projects).map(([project, team]) => ({ match: { provider: 'openai', project }, team })),
    ...Object.entries(books.workspaces).map(([workspace, team]) => ({ match: { provider: 'anthropic', workspace }, team })),
  );
  withProviders.sources.openai = { enabled: true, organizationId: 'org-bench' };
  withProviders.sources.anthropic = { enabled: true, organizationId: 'bench' };
  if (mode === 'data-exports') withProviders.sources.aws = { ...(withProviders.sources.aws as object), mode, dataExports: BENCH_EXPORT };
  const config = parseConfig(withProviders, 'synthetic config');
  const lastDay = ledger.lineItems.reduce((a, i) => (i.date > a ? i.date : a), '');
  return { ledger, books, config, lastDay, generateMs: performance.now() - start };
}

/** Generates the organisation, starts the local servers, runs the jobs in order, and stops the servers. */
export async function runOrgJobs(size: OrgSize, mode: AwsMode = 'cost-explorer'): Promise<OrgBench> {
  const { ledger, books, config, lastDay, generateMs } = syntheticOrganisation(size, mode);
  const dynamo = await startLocalDynamo();
  const ce = await startCostExplorerServer({ ledger });
  // In data-exports mode the local S3 holds the export as delivered on the run day (one delivery serves every job).
  const s3 = mode === 'data-exports' ? await startS3Server({ buckets: [BENCH_EXPORT.bucket] }) : undefined;
  let exportBytes = 0;
  // The ledger is one month; the export also has the month before, empty, as the run's window reaches it.
  const monthBefore = addMonths(monthOf(lastDay), -1);
  for (const o of s3 ? curExportObjects(ledger, BENCH_EXPORT, addDays(lastDay, 1), { emptyPeriods: [monthBefore] }) : []) {
    s3!.objects.set(`${BENCH_EXPORT.bucket}/${o.key}`, { body: o.body, contentType: o.contentType });
    exportBytes += o.body.byteLength;
  }
  const sns = await startSnsServer();
  const keys = { openai: 'sk-admin-bench', anthropic: 'sk-ant-admin-bench' };
  const openai = await startOpenAiServer({ ledger: books.ledger.openai, adminKey: keys.openai });
  const anthropic = await startAnthropicServer({ ledger: books.ledger.anthropic, adminKey: keys.anthropic });
  const access = (usageBucketWidth: '1h' | '1d'): ProviderAccess => ({ secret: (p) => async () => keys[p], baseUrls: { openai: openai.url, anthropic: anthropic.url }, usageBucketWidth });
  const clients = createClients({ region: 'us-east-1', loopbackCredentials: { accessKeyId: 'b', secretAccessKey: 'b' }, endpoints: { dynamodb: dynamo.endpoint, costExplorer: ce.url, sns: sns.url, ...(s3 ? { s3: s3.url } : {}) } });
  const meter = new DynamoMeter();
  meter.attach(clients.dynamo);
  try {
    await ensureTable(clients.dynamo as never, 'costline');
    let now = new Date(`${addDays(lastDay, 1)}T06:00:00Z`);
    const common = { config, clients, tableName: 'costline', alertsTopicArn: 'arn:aws:sns:us-east-1:000000000000:a', clock: { now: () => now }, log: quiet };
    const deps = dailyDeps({ ...common, access: access('1d') });
    const hourlyDeps = dailyDeps({ ...common, access: access('1h') });

    /** Counted after the job's figures are taken, so the count's own reads are not the job's. */
    const countMonths = async (months: string[]) => {
      const [cost, usage] = await Promise.all([
        Promise.all(months.map((m) => deps.records.listMonth(m))),
        Promise.all(months.map((m) => deps.usage.listMonth(m))),
      ]);
      return { months, cost: cost.reduce((n, r) => n + r.length, 0), usage: usage.reduce((n, r) => n + r.length, 0) };
    };
    const runs: OrgJobRun[] = [];
    const measure = async (job: OrgJobId, title: string, act: () => Promise<Omit<OrgJobRun, 'job' | 'title' | 'wallMs' | 'dynamo' | 'monthRecords'> & { months: string[] }>) => {
      meter.reset();
      const start = performance.now();
      const { months, ...result } = await act();
      const wallMs = performance.now() - start;
      const dynamoUse = meter.snapshot();
      runs.push({ job, title, wallMs, ...result, dynamo: dynamoUse, monthRecords: await countMonths(months) });
      now = new Date(now.getTime() + 60_000);
    };
    const daily = (d: typeof deps, options?: Parameters<typeof runDailyIngestion>[1]) => async () => {
      const { ingestion, evaluations } = await runDailyIngestion(d, options);
      const ok = ingestion.outcomes.filter((o) => o.ok);
      return {
        records: ok.reduce((n, o) => n + o.records, 0),
        requests: Object.fromEntries(ok.map((o) => [o.source, o.requests])),
        alerts: evaluations.reduce((n, e) => n + e.fired.length, 0),
        months: ingestion.months,
      };
    };

    await measure('daily-first', 'daily run, first (backfill)', daily(deps));
    await measure('daily-steady', 'daily run, steady state', daily(deps));
    const steadyMonths = runs[1]!.monthRecords.months;
    await measure('alert-evaluation', 'alert evaluation', async () => {
      const evaluations = await evaluateBudgetAlerts(deps, steadyMonths);
      return { records: evaluations.reduce((n, e) => n + e.chargeback.recordCount, 0), requests: {}, alerts: evaluations.reduce((n, e) => n + e.fired.length, 0), months: steadyMonths };
    });
    // The hourly job: usage for yesterday and today (so far) in 1-hour buckets, then alerts.
    await measure('hourly-usage', 'hourly usage run', daily(hourlyDeps, { kinds: ['usage'], window: { start: addDays(toDay(now), -1), end: addDays(toDay(now), 1) } }));
    const month = monthOf(lastDay);
    await measure('statement', 'monthly chargeback + statement', async () => {
      const statement = await publishStatement({ ...deps, statements: publisher(clients, 'arn:aws:sns:us-east-1:000000000000:s') }, month);
      return { records: statement.chargeback.recordCount, requests: {}, alerts: 0, months: [month] };
    });
    const usageRows = books.ledger.openai.usage.length + books.ledger.anthropic.usage.length;
    return { size, mode, exportBytes, config, awsLineItems: ledger.lineItems.length, usageRows, generateMs, runs };
  } finally {
    await openai.close();
    await anthropic.close();
    await ce.close();
    await s3?.close();
    await sns.close();
    clients.dynamo.destroy();
    await dynamo.close();
  }
}
