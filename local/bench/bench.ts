/**
 * `npm run bench`: figures for a larger organisation, never assertions. Generates a synthetic ledger
 * (default 100 teams, 30 days, 150 services, 50 accounts), runs the daily job twice (the first run
 * backfills, the second is the steady state) and the monthly statement job through the real adapters
 * against dynalite and the loopback servers, and prints wall time, records per second, DynamoDB items
 * and request units, Cost Explorer requests, bundle sizes and an estimated monthly AWS bill. Then
 * "Alert timing": the sample books' spend spike replayed hour by hour on a simulated clock (see
 * spike-replay.ts), how long after it starts the anomaly alert goes out, and how long evaluation takes.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { LAMBDA_ESBUILD } from '../../infra/constructs/lambda-bundling';
import { parseConfig } from '../../functions/config/config-schema';
import { addDays, monthOf, toDay } from '../../functions/domain/records/dates';
import type { Log } from '../../functions/ports/ports';
import { createClients, dailyDeps, publisher, type ProviderAccess } from '../../functions/app/compose';
import { publishStatement } from '../../functions/use-cases/publish-statement';
import { runDailyIngestion } from '../../functions/use-cases/run-daily';
import { startAnthropicServer } from '../emulators/anthropic-server';
import { startCostExplorerServer } from '../emulators/cost-explorer-server';
import { startOpenAiServer } from '../emulators/openai-server';
import { startSnsServer } from '../emulators/sns-server';
import { ensureTable, startLocalDynamo } from '../local-dynamodb';
import { replaySampleSpike } from './spike-replay';
import { syntheticLedger } from '../sample/synthetic-ledger';
import { syntheticProviderLedger } from '../sample/synthetic-provider-ledger';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
};
const INGEST_MEMORY_GB = 1;
const STATEMENT_MEMORY_GB = 0.5;
const USAGE_MEMORY_GB = 0.5;
const ALARMS = 11; // errors + DLQ for each of three functions, stale data for five sources

/** Counts DynamoDB items and request units from what actually crosses the wire (SDK middleware). */
class DynamoMeter {
  itemsWritten = 0;
  itemsRead = 0;
  writeUnits = 0;
  readUnits = 0;
  reset() {
    this.itemsWritten = this.itemsRead = this.writeUnits = this.readUnits = 0;
  }
  snapshot() {
    return { itemsWritten: this.itemsWritten, itemsRead: this.itemsRead, writeUnits: this.writeUnits, readUnits: this.readUnits };
  }
}

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? {}));

function meter(clients: ReturnType<typeof createClients>, m: DynamoMeter) {
  clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const input = (args as { input: Record<string, any> }).input;
      const output = (out as { output: Record<string, any> }).output;
      switch (context.commandName) {
        case 'BatchWriteItemCommand':
          for (const requests of Object.values(input.RequestItems ?? {}) as any[]) {
            for (const r of requests) {
              m.itemsWritten += 1;
              m.writeUnits += r.PutRequest ? Math.ceil(size(r.PutRequest.Item) / 1024) : 1;
            }
          }
          for (const requests of Object.values(output.UnprocessedItems ?? {}) as any[]) m.itemsWritten -= requests.length;
          break;
        case 'PutItemCommand':
        case 'DeleteItemCommand':
          m.itemsWritten += 1;
          m.writeUnits += Math.ceil(size(input.Item) / 1024);
          break;
        case 'QueryCommand':
          m.itemsRead += output.Count ?? 0;
          m.readUnits += 0.5 * Math.max(1, Math.ceil(size(output.Items) / 4096)); // eventually consistent
          break;
        case 'GetItemCommand':
          m.itemsRead += output.Item ? 1 : 0;
          m.readUnits += 0.5 * Math.max(1, Math.ceil(size(output.Item) / 4096));
          break;
      }
      return out;
    },
    { step: 'initialize', name: 'costlineBenchMeter' },
  );
}

async function bundleSize(entry: string): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'costline-bundle-'));
  try {
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: LAMBDA_ESBUILD.target,
      mainFields: [...LAMBDA_ESBUILD.mainFields],
      minify: LAMBDA_ESBUILD.minify,
      banner: { js: LAMBDA_ESBUILD.banner },
      outfile: join(out, 'index.mjs'),
      logLevel: 'silent',
    });
    return statSync(join(out, 'index.mjs')).size;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const silent: Log = { info: () => undefined, warn: () => undefined, error: (message, ...extra) => console.error(message, ...extra) };
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

async function main() {
  const { values } = parseArgs({
    options: {
      teams: { type: 'string', default: '100' },
      days: { type: 'string', default: '30' },
      services: { type: 'string', default: '150' },
      accounts: { type: 'string', default: '50' },
    },
  });
  const options = { teams: Number(values.teams), days: Number(values.days), services: Number(values.services), accounts: Number(values.accounts) };
  const t0 = performance.now();
  const { ledger, config: rawConfig } = syntheticLedger(options);
  const books = syntheticProviderLedger({ teams: options.teams, days: options.days });
  // Every team also has an OpenAI project and an Anthropic workspace, mapped by rules.
  const withProviders = rawConfig as { allocation: { rules: unknown[] }; sources: Record<string, unknown> };
  withProviders.allocation.rules.push(
    ...Object.entries(books.projects).map(([project, team]) => ({ match: { provider: 'openai', project }, team })),
    ...Object.entries(books.workspaces).map(([workspace, team]) => ({ match: { provider: 'anthropic', workspace }, team })),
  );
  withProviders.sources.openai = { enabled: true, organizationId: 'org-bench' };
  withProviders.sources.anthropic = { enabled: true, organizationId: 'bench' };
  const config = parseConfig(withProviders, 'synthetic config');
  const lastDay = ledger.lineItems.reduce((a, i) => (i.date > a ? i.date : a), '');
  const usageRows = books.ledger.openai.usage.length + books.ledger.anthropic.usage.length;
  console.log(
    `Synthetic organisation: ${options.teams} teams, ${options.days} days, ${options.services} services, ${options.accounts} accounts, ${fmt(ledger.lineItems.length)} AWS line items, ` +
      `${fmt(usageRows)} hourly model-usage rows (generated in ${fmt(performance.now() - t0)} ms)`,
  );

  const dynamo = await startLocalDynamo();
  const ce = await startCostExplorerServer({ ledger });
  const sns = await startSnsServer();
  const keys = { openai: 'sk-admin-bench', anthropic: 'sk-ant-admin-bench' };
  const openai = await startOpenAiServer({ ledger: books.ledger.openai, adminKey: keys.openai });
  const anthropic = await startAnthropicServer({ ledger: books.ledger.anthropic, adminKey: keys.anthropic });
  const access = (usageBucketWidth: '1h' | '1d'): ProviderAccess => ({ secret: (p) => async () => keys[p], baseUrls: { openai: openai.url, anthropic: anthropic.url }, usageBucketWidth });
  const clients = createClients({ region: 'us-east-1', loopbackCredentials: { accessKeyId: 'b', secretAccessKey: 'b' }, endpoints: { dynamodb: dynamo.endpoint, costExplorer: ce.url, sns: sns.url } });
  const m = new DynamoMeter();
  meter(clients, m);
  try {
    await ensureTable(clients.dynamo as never, 'costline');
    let now = new Date(`${addDays(lastDay, 1)}T06:00:00Z`);
    const common = { config, clients, tableName: 'costline', alertsTopicArn: 'arn:aws:sns:us-east-1:000000000000:a', clock: { now: () => now }, log: silent };
    const deps = dailyDeps({ ...common, access: access('1d') });
    const hourlyDeps = dailyDeps({ ...common, access: access('1h') });

    type Run = { name: string; ms: number; records: number; requests: number; providerRequests: number; dynamo: ReturnType<DynamoMeter['snapshot']>; alerts: number; bySource?: string };
    const runs: Run[] = [];
    const measure = async (name: string, act: () => ReturnType<typeof runDailyIngestion>) => {
      m.reset();
      const before = { ce: ce.requests.length, providers: openai.requests.length + anthropic.requests.length };
      const start = performance.now();
      const result = await act();
      const ms = performance.now() - start;
      const ok = result.ingestion.outcomes.filter((o) => o.ok);
      runs.push({
        name,
        ms,
        records: ok.reduce((n, o) => n + o.records, 0),
        requests: ce.requests.length - before.ce,
        providerRequests: openai.requests.length + anthropic.requests.length - before.providers,
        dynamo: m.snapshot(),
        alerts: result.evaluations.reduce((n, e) => n + e.fired.length, 0),
        bySource: ok.map((o) => `${o.source} ${fmt(o.records)} records / ${o.requests} req`).join('; '),
      });
      now = new Date(now.getTime() + 60_000);
    };
    await measure('daily run, first (backfill)', () => runDailyIngestion(deps));
    await measure('daily run, steady state', () => runDailyIngestion(deps));
    // The hourly job: usage for yesterday and today (so far) in 1-hour buckets, then alerts.
    await measure('hourly usage run', () => runDailyIngestion(hourlyDeps, { kinds: ['usage'], window: { start: addDays(toDay(now), -1), end: addDays(toDay(now), 1) } }));
    m.reset();
    const start = performance.now();
    const statement = await publishStatement({ ...deps, statements: publisher(clients, 'arn:aws:sns:us-east-1:000000000000:s') }, monthOf(lastDay));
    runs.push({ name: 'monthly chargeback + statement', ms: performance.now() - start, records: statement.chargeback.recordCount, requests: 0, providerRequests: 0, dynamo: m.snapshot(), alerts: 0 });

    console.log('\njob                              wall ms   records  records/s  CE req  API req  items written  items read      WRU       RRU  alerts');
    for (const r of runs) {
      console.log(
        `${r.name.padEnd(31)} ${fmt(r.ms).padStart(8)} ${fmt(r.records).padStart(9)} ${fmt(r.records / (r.ms / 1000)).padStart(10)} ${fmt(r.requests).padStart(7)} ${fmt(r.providerRequests).padStart(8)} ${fmt(r.dynamo.itemsWritten).padStart(14)} ${fmt(r.dynamo.itemsRead).padStart(11)} ${fmt(r.dynamo.writeUnits).padStart(8)} ${fmt(r.dynamo.readUnits, 1).padStart(9)} ${String(r.alerts).padStart(7)}`,
      );
    }
    console.log('\nBy source (steady-state daily run, then the hourly run):');
    console.log(`  daily:  ${runs[1]!.bySource}`);
    console.log(`  hourly: ${runs[2]!.bySource}`);

    const sizes = await Promise.all(['ingest', 'usage', 'statement'].map(async (fn) => `${fn} ${fmt((await bundleSize(`functions/${fn}/handler.ts`)) / 1024, 1)} KiB`));
    console.log(`\nLambda bundles (as deployed: esbuild, ESM, minified, node24): ${sizes.join(', ')}`);

    // A month of operation: 30 steady-state daily runs (the first days of a month also re-pull the
    // previous month, which the steady-state run includes since its window spans two months here),
    // one statement run, the table's storage, and fixed costs.
    const steady = runs[1]!;
    const hourly = runs[2]!;
    const monthly = runs[3]!;
    // Cost Explorer pages grow with the window: on day d the run pulls d-1 days of this month, plus all of
    // last month until previousMonthUntilDay. Scale the measured full-window pages by each day's window.
    // The measured run's previous month was empty, so its pages all carry this month's days of data.
    const pagesPerDataDay = steady.requests / options.days;
    const untilDay = config.sources.aws.previousMonthUntilDay;
    let monthRequests = 0;
    for (let d = 1; d <= 30; d++) monthRequests += Math.max(2, Math.ceil(pagesPerDataDay * ((d - 1) + (d <= untilDay ? 30 : 0))));
    // Mondays (about 4.3 a month) also re-pull recheckClosedMonths closed months of about 30 days each.
    const recheckRequests = Math.ceil(4.3 * config.sources.aws.recheckClosedMonths * Math.max(2, Math.ceil(pagesPerDataDay * 30)));
    monthRequests += recheckRequests;
    const itemBytes = 600;
    const storedGb = (steady.records * 13 * itemBytes) / 1e9; // ~13 months of records kept
    const lines: Array<[string, number]> = [
      [`Cost Explorer API (30 runs, ${monthRequests} requests)`, monthRequests * PRICES.costExplorerRequest],
      [
        'Lambda (arm64 GB-s by local wall time; 30 daily, 720 hourly runs)',
        (30 * (steady.ms / 1000) * INGEST_MEMORY_GB + 720 * (hourly.ms / 1000) * USAGE_MEMORY_GB + (monthly.ms / 1000) * STATEMENT_MEMORY_GB) * PRICES.lambdaGbSecondArm + 751 * PRICES.lambdaRequest,
      ],
      ['DynamoDB writes (on-demand WRU)', (30 * steady.dynamo.writeUnits + 720 * hourly.dynamo.writeUnits + monthly.dynamo.writeUnits) * PRICES.dynamoWriteUnit],
      ['DynamoDB reads (on-demand RRU)', (30 * steady.dynamo.readUnits + 720 * hourly.dynamo.readUnits + monthly.dynamo.readUnits) * PRICES.dynamoReadUnit],
      ['DynamoDB storage + PITR (13 months of records)', storedGb * (PRICES.dynamoStorageGbMonth + PRICES.dynamoPitrGbMonth)],
      ['SNS publishes and emails (statement to finance, alerts)', 31 * PRICES.snsPublish + (config.finance.emails.length + config.teams.length) * PRICES.snsEmail],
      ['KMS key for the topics', PRICES.kmsKeyMonth],
      [`CloudWatch alarms (${ALARMS})`, ALARMS * PRICES.alarmMonth],
      ['CloudWatch Logs (~5 KB per run)', (31 * 5e3 / 1e9) * PRICES.logsIngestGb],
    ];
    const total = lines.reduce((a, [, v]) => a + v, 0);
    console.log('\nEstimated monthly AWS cost of running costline for this organisation (us-east-1 list prices):');
    for (const [name, value] of lines) console.log(`  ${name.padEnd(58)} ${usd(value).padStart(9)}`);
    console.log(`  ${'total'.padEnd(58)} ${usd(total).padStart(9)}`);
    console.log(
      `\nCost Explorer: ${steady.requests} requests for a ${options.days}-day window (${pagesPerDataDay.toFixed(2)} per day of data); a month of daily runs, window growing from 1 day, ~${monthRequests} requests, of which ~${recheckRequests} re-pull ${config.sources.aws.recheckClosedMonths} closed month(s) on Mondays.`,
    );
    console.log('\nNotes: wall times are this machine (2 cores) against dynalite, not DynamoDB; Lambda time in AWS is dominated by the API round trips.');
  } finally {
    await openai.close();
    await anthropic.close();
    await ce.close();
    await sns.close();
    clients.dynamo.destroy();
    await dynamo.close();
  }
  await alertTiming();
}

/** The "Alert timing" section: the sample spike replayed by the hourly usage job on a simulated clock. */
async function alertTiming() {
  const at = (iso: string) => `${iso.slice(0, 16)}Z`;
  const ms = (n: number) => `${fmt(n)} ms`;
  console.log('\nAlert timing (sample books and costline.config.json; simulated clock shared by the jobs and the provider emulators):');
  const r = await replaySampleSpike();
  console.log(`  history load: daily job at ${at(r.history.at)}, ${r.history.window.start}..${r.history.window.end} (end exclusive), all sources: ${fmt(r.history.records)} records in ${ms(r.history.ms)}; no alert evaluation`);
  const ingest = r.runs.map((run) => run.ingestMs).sort((a, b) => a - b);
  console.log(
    `  hourly usage runs (1h buckets, [yesterday, tomorrow), then alert evaluation): ${r.runs.length}, ${at(r.runs[0]!.at)} .. ${at(r.runs.at(-1)!.at)}; ` +
      `ingestion ${ms(ingest[0]!)} min, ${ms(ingest[Math.floor(ingest.length / 2)]!)} median, ${ms(ingest.at(-1)!)} max`,
  );
  for (const run of r.runs.filter((x) => x.published.length > 0)) {
    console.log(`    ${at(run.at)} published ${run.published.length}: ${run.published.map((p) => `${p.kind} (${p.team})`).join(', ')}`);
  }
  console.log(`  spike start:          ${at(r.spikeStart)}`);
  const first = r.firstAnomaly;
  if (first) {
    console.log(`  first anomaly alert:  ${at(first.at)} run, ${first.hoursAfterSpike.toFixed(2)} h after the spike started`);
    console.log(`    ${first.subject}`);
    console.log(`    scope ${first.scope}${first.model ? `, model ${first.model}` : ''}, severity ${first.severity}`);
    console.log(`    ${first.summary}`);
    console.log(`  alert latency:        ${ms(first.latencyMs)} from the end of that run's ingestion to the alert published`);
  } else {
    console.log(`  first anomaly alert:  none published for team search by the last hourly run (${at(r.runs.at(-1)!.at)})`);
    if (r.heldAnomaly) console.log(`    (recorded but held by the daily cap at ${at(r.heldAnomaly.at)}: ${r.heldAnomaly.subject})`);
  }
  console.log(`  alert evaluation:     ${ms(r.evaluateMs.min)} min, ${ms(r.evaluateMs.median)} median, ${ms(r.evaluateMs.max)} max over ${r.runs.length} hourly runs`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
