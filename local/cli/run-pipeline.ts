import { resolve } from 'node:path';
import { lastRepullDay, type CostlineConfig } from '../../functions/config/config-schema';
import { closeDayOf } from '../../functions/domain/chargeback/chargeback-policy';
import { formatMoney } from '../../functions/domain/statements/format';
import { addDays, addMonths, isMonday, monthOf, monthsOf, monthStart, monthWindow, toDay, type DayWindow } from '../../functions/domain/records/dates';
import type { Clock, SentAlert } from '../../functions/ports/ports';
import { environmentReader } from '../../functions/adapters/secrets/secret-readers';
import { SOURCE_IDS } from '../../functions/lib/source-ids';
import { baseUrlsFromEnv, costExplorerRoleOf, createClients, dailyDeps, publisher, type ProviderAccess } from '../../functions/app/compose';
import { backfill, BackfillFailedError } from '../../functions/use-cases/backfill';
import { monthChargeback } from '../../functions/use-cases/month-chargeback';
import { publishStatement, statementFiles, type StatementDeps } from '../../functions/use-cases/publish-statement';
import { ingestEverySource, IngestionFailedError } from '../../functions/use-cases/ingest-billing';
import { evaluateBudgetAlerts } from '../../functions/use-cases/evaluate-budget-alerts';
import { runDailyIngestion, type DailyRunResult } from '../../functions/use-cases/run-daily';
import { startAnthropicServer } from '../emulators/anthropic-server';
import { startCostExplorerServer } from '../emulators/cost-explorer-server';
import { startOpenAiServer } from '../emulators/openai-server';
import { startS3Server } from '../emulators/s3-server';
import { startLocalAthena } from './local-athena';
import { curExportObjects } from '../sample/cur-export';
import { focusSampleObjects } from '../sample/focus-sample';
import { ensureTable, startLocalDynamo } from '../local-dynamodb';
import { ledgerAsOf, type Ledger } from '../sample/ledger';
import { sampleLedger } from '../sample/sample-ledger';
import { sampleProviderLedger } from '../sample/sample-provider-ledger';
import { ALERTS_TOPIC, latestMonth, LOCAL_KEYS, localSns, log, STATEMENTS_TOPIC, TABLE } from './local-setup';
import type { CliValues } from './args';
import { emptyStatement, heldBackClose, statementOf, writeMonth } from './month-files';
import { asOfStores } from '../as-of-stores';

/**
 * The default command: ingest (the replayed history, a backfill, or one daily run), then charge back and
 * write each month's files. Every request of every source ends by `deadline` (epoch ms).
 */
export async function runPipeline(values: CliValues & { state: string }, config: CostlineConfig, systemNow: () => Date, deadline: number): Promise<number> {
  const dynamo = await startLocalDynamo({ path: resolve(values.state) });
  const sns = await localSns();
  const ledger = values.live ? undefined : sampleLedger();
  // What the local Cost Explorer shows: the ledger as of the simulated day (late lines appear when posted).
  const servedLedger = ledger ? { ...ledger, lineItems: [...ledger.lineItems] } : undefined;
  const costExplorer = servedLedger ? await startCostExplorerServer({ ledger: servedLedger }) : undefined;
  // In data-exports mode, the local S3 holds the sample's CUR 2.0 export as it was delivered on the simulated day.
  const exportsMode = config.sources.aws.enabled && config.sources.aws.mode === 'data-exports';
  // FOCUS file sources (sources.focus, or --focus): the local S3 holds the sample's FOCUS files under each prefix.
  const focusSources = config.sources.focus.filter((f) => f.enabled);
  const buckets = [...new Set([...(exportsMode ? [config.sources.aws.dataExports!.bucket] : []), ...focusSources.map((f) => f.bucket)])];
  const s3 = ledger && buckets.length > 0 ? await startS3Server({ buckets }) : undefined;
  // The Athena engine on the sample: a local Athena over the local S3's export (imported only then: DuckDB is a
  // devDependency the default run does not load). With --live the SDK resolves Athena (AWS_ENDPOINT_URL_ATHENA).
  const athena = s3 && exportsMode && config.sources.aws.engine === 'athena' ? await startLocalAthena(config, () => s3.objects) : undefined;
  const ledgerMonths = ledger ? [...new Set(ledger.lineItems.map((i) => monthOf(i.date)))].sort() : [];
  /** What Cost Explorer shows and the export holds as of `day`: the ledger without the lines posted later. */
  const serveAsOf = (day: string) => {
    if (!ledger || !servedLedger) return;
    servedLedger.lineItems = ledgerAsOf(ledger, day).lineItems;
    if (!s3) return;
    s3.objects.clear();
    if (exportsMode) {
      // An overwrite export: each delivery replaces the period's files.
      const location = config.sources.aws.dataExports!;
      for (const o of curExportObjects(ledger, location, day)) s3.objects.set(`${location.bucket}/${o.key}`, { body: o.body, contentType: o.contentType });
    }
    for (const entry of focusSources) {
      for (const o of focusSampleObjects(entry, ledgerMonths, day)) s3.objects.set(`${entry.bucket}/${o.key}`, { body: o.body, lastModified: o.lastModified });
    }
  };
  // Model providers: local servers answering from the sample books, or (--live) the real APIs with the
  // keys and base URLs their own SDKs read from the environment.
  const books = values.live ? undefined : sampleProviderLedger();
  // The local providers answer as the real APIs would at the simulated instant (what has happened, what is
  // billed, how far back each endpoint reaches), on the same clock as the jobs.
  let now = new Date(0); // set below, once the run day is known
  const servedAt = () => now;
  const openai = books && config.sources.openai.enabled ? await startOpenAiServer({ ledger: books.openai, adminKey: LOCAL_KEYS.openai, now: servedAt }) : undefined;
  const anthropic = books && config.sources.anthropic.enabled ? await startAnthropicServer({ ledger: books.anthropic, adminKey: LOCAL_KEYS.anthropic, now: servedAt }) : undefined;
  const access: ProviderAccess = values.live
    ? { secret: (provider) => environmentReader(provider === 'openai' ? 'OPENAI_ADMIN_KEY' : 'ANTHROPIC_ADMIN_KEY'), baseUrls: baseUrlsFromEnv(), usageBucketWidth: '1d' }
    : {
        secret: (provider) => async () => LOCAL_KEYS[provider],
        baseUrls: { ...(openai ? { openai: openai.url } : {}), ...(anthropic ? { anthropic: anthropic.url } : {}) },
        usageBucketWidth: '1d',
      };
  // With --live, Cost Explorer (and STS) get no endpoint: the SDK resolves them (AWS_ENDPOINT_URL_* apply) and
  // sign with the default credential chain, or Cost Explorer with the payer role's session when the config
  // names one, as the ingest function does. The sample's local Cost Explorer needs no role. The database and
  // topics always stay on this machine.
  const clients = createClients({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoints: { dynamodb: dynamo.endpoint, sns: sns.url, ...(costExplorer ? { costExplorer: costExplorer.url } : {}), ...(s3 ? { s3: s3.url } : {}), ...(athena ? { athena: athena.url } : {}) },
    loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...(values.live ? { costExplorerRole: costExplorerRoleOf(config) } : {}),
  });

  try {
    await ensureTable(clients.dynamo as never, TABLE);
    // --live on the 1st: the month just ended, not the new one with nothing in it yet.
    const month = values.to ?? values.month ?? (ledger ? latestMonth(ledger.lineItems.map((i) => i.date)) : monthOf(addDays(toDay(systemNow()), -1)));
    // The sample ledger is a closed history. The run replays it as the schedule saw it, for the latest month
    // or the --month given (so both give the same files): the month before closed on its close day (its late
    // credits not posted yet), then the first Monday after the month, whose run also re-pulls closed months.
    const replay = ledger !== undefined && values.from === undefined;
    const runDay = !ledger ? toDay(systemNow()) : replay ? mondayOnOrAfter(monthWindow(month).end) : monthWindow(month).end;
    now = ledger ? new Date(`${runDay}T06:00:00Z`) : systemNow();
    const clock: Clock = ledger ? { now: () => now } : { now: systemNow };
    const today = toDay(clock.now());
    serveAsOf(runDay);
    const upToToday = (w: DayWindow): DayWindow => ({ start: w.start, end: w.end < today ? w.end : today });
    // --from/--to: a backfill, month by month. --live with --month: that month. Otherwise: as the schedule plans.
    const backfillWindow = values.from && values.to ? upToToday({ start: monthWindow(values.from).start, end: monthWindow(values.to).end }) : undefined;
    const window: DayWindow | undefined = values.live && values.month ? upToToday(monthWindow(month)) : undefined;

    // A local state is used by one run at a time (dynalite holds its folder), so an alert claim another run left
    // pending is a dead run's: sent at once, even at the same simulated instant (no lease to wait out).
    const deps = { ...dailyDeps({ config, clients, tableName: TABLE, alertsTopicArn: ALERTS_TOPIC, clock, log, access }), claimLeaseMs: 0 };
    const statementDeps: StatementDeps = { ...deps, statements: publisher(clients, STATEMENTS_TOPIC) };
    const runs: DailyRunResult[] = [];
    const replayed: string[] = [];
    const replayedAlerts: SentAlert[] = [];
    let failure: IngestionFailedError | undefined;
    try {
      if (replay && servedLedger && !(await deps.closed.list()).some((c) => c.month < month)) {
        // 1. The month before closes on its close day, as Cost Explorer showed it then (the older history
        //    is there for backfills: --from/--to).
        for (const earlier of replayedMonths(ledger, month).filter((m) => m < month)) {
          const closeDay = closeDayOf(earlier, lastRepullDay(config));
          now = new Date(`${closeDay}T06:00:00Z`);
          serveAsOf(closeDay);
          await ingestEverySource(deps, { window: monthWindow(earlier), deadline });
          const { outcome, chargeback } = await publishStatement(statementDeps, earlier, 'scheduled');
          replayed.push(`Replayed ${closeDay}: ${earlier} ${outcome === 'published-final' ? `closed and its final statement sent (total ${formatMoney(chargeback.total, chargeback.currency)})` : outcome}.`);
        }
        // 2. The run day's ingestion; then every morning of the latest month replayed over the days complete
        //    by then (so each alert fires on the day it would have), then the run day's own evaluation.
        now = new Date(`${runDay}T06:00:00Z`);
        serveAsOf(runDay);
        const ingestion = await ingestEverySource(deps, { deadline });
        const history = { ...deps, ...asOfStores(deps.records, deps.usage, () => toDay(now)) };
        const first = addDays(monthStart(month), 1);
        for (let day = first; day < runDay; day = addDays(day, 1)) {
          now = new Date(`${day}T06:00:00Z`);
          for (const e of await evaluateBudgetAlerts(history, [...new Set([monthOf(addDays(day, -1)), monthOf(day)])])) replayedAlerts.push(...e.fired);
        }
        replayed.push(`Replayed the mornings ${first}..${addDays(runDay, -1)}: each one's alert evaluation over the days complete by then; ${replayedAlerts.length} alert(s) sent.`);
        now = new Date(`${runDay}T06:00:00Z`);
        runs.push({ ingestion, evaluations: await evaluateBudgetAlerts(deps, ingestion.months) });
      } else if (backfillWindow) {
        const months = monthsOf(backfillWindow);
        console.log(`Backfilling ${months.length} month(s), ${backfillWindow.start}..${backfillWindow.end} (end exclusive); safe to interrupt and re-run.`);
        const result = await backfill(deps, backfillWindow, {
          deadline,
          onMonth: (m, r, i, n) => {
            runs.push(r);
            const records = r.ingestion.outcomes.reduce((a, o) => a + (o.ok ? o.records : 0), 0);
            console.log(`  [${i + 1}/${n}] ${m}: ${records} records from ${r.ingestion.outcomes.length} source(s)`);
            for (const o of r.ingestion.outcomes) for (const note of o.ok ? o.notes : []) console.log(`      note: ${o.source}: ${note}`);
          },
          onFailure: (m, error, i, n) => console.error(`  [${i + 1}/${n}] ${m}: FAILED ${error.message}`),
        });
        if (result.remaining) {
          const [from, to] = [monthOf(result.remaining.start), monthOf(addDays(result.remaining.end, -1))];
          console.error(`Stopped before the deadline (--deadline ${values.deadline}) with ${from}..${to} still to load; what was loaded is kept.\nNo files written. Continue with --from ${from} --to ${to}, or give a longer --deadline.`);
          return 1;
        }
      } else {
        runs.push(await runDailyIngestion(deps, { ...(window ? { window } : {}), deadline }));
      }
    } catch (error) {
      if (error instanceof BackfillFailedError) {
        // Each month's failure was printed as it happened.
        console.error(`Backfill failed for ${error.failed.map((f) => f.month).join(', ')} (above); the other months were loaded, and re-running the failed ones is safe.\nNo files written. Re-run the failed month(s) once the cause is fixed.`);
        return 1;
      }
      if (!(error instanceof IngestionFailedError)) throw error;
      failure = error;
    }

    if (failure) {
      // Incomplete data makes a misleading chargeback: say what failed and write nothing.
      // Each failure once (failure.message would repeat every one of them), and sources that failed for the
      // same reason (OpenAI's costs and usage, without a key) on one line.
      const bySameError = new Map<string, string[]>();
      for (const o of failure.summary.outcomes) if (!o.ok) bySameError.set(o.error, [...(bySameError.get(o.error) ?? []), o.source]);
      for (const [error, sources] of bySameError) console.error(`FAILED ${sources.join(', ')}: ${error}${hintFor(error)}`);
      if (failure.cause instanceof Error) console.error(`FAILED alert evaluation: ${failure.cause.message}`);
      console.error('No files written; the local database keeps what it had. Fix the cause and run again.');
      return 1;
    }
    const evaluations = runs.flatMap((r) => r.evaluations);
    const written = [];
    const months = backfillWindow ? monthsOf(backfillWindow) : replay ? replayedMonths(ledger!, month) : [month];
    // A month that would close now, on an ingestion that held a shrink back (or failed), closes with a wrong
    // bill: this run closes nothing then, and writes nothing (a run after a complete ingestion closes it).
    const notClosable = (await Promise.all(months.map((m) => heldBackClose(statementDeps, m, today)))).filter((reason) => reason !== undefined);
    if (notClosable.length > 0) {
      for (const reason of notClosable) console.error(reason);
      console.error('No files written and no month closed; the local database keeps what it had. Run again once every source answers in full.');
      return 1;
    }
    for (const m of months) {
      // The statement as the statement job makes it: a final month is closed once and never changes;
      // late changes to closed months are carried as prior-period adjustments.
      const statement = await statementOf(statementDeps, m);
      // A month with no data gets no statement (it would read as a final $0.00), unless it is the only one.
      if (!statement && m !== month) {
        console.log(`  ${m}: no records, no files written`);
        continue;
      }
      const { chargeback, text, outcome } = statement ?? { ...emptyStatement((await monthChargeback(deps, m, today)).chargeback), outcome: 'empty' as const };
      // A closed month's files are the ones it was closed with, as stored; any other month's are rendered now.
      const files = statement ? await statement.files() : await statementFiles(statementDeps, m, chargeback, text);
      const alerts = (await deps.ledger.listMonth(m)).filter((a) => a.delivery === 'published');
      written.push({ month: m, chargeback, text, outcome, alerts, ...writeMonth(values.out, m, chargeback, files, alerts, config.teams.filter((t) => t.statementToLeads).map((t) => t.id)) });
    }
    const { chargeback, text, dir, alerts, names } = written.at(-1)!;
    const ingestion = runs.at(-1)!.ingestion;
    for (const line of replayed) console.log(line);
    if (replay) console.log(`Running as the schedule would on ${runDay} 06:00 UTC${isMonday(runDay) ? ' (a Monday: closed months are re-pulled for late changes)' : ''}.\n`);
    console.log(text);
    for (const o of ingestion.outcomes) {
      console.log(
        o.ok
          ? `Ingested ${o.source} ${o.window.start}..${o.window.end} (end exclusive): ${o.records} records, ${o.stats.written} written, ${o.stats.deleted} deleted, ${o.stats.unchanged} unchanged; ${requestsNote(o.source, o.requests, values.live)}.${o.notes.map((n) => `\n  note: ${n}`).join('')}`
          : `FAILED ${o.source}: ${o.error}`,
      );
    }
    const firedNow = [...replayedAlerts, ...evaluations.flatMap((e) => e.fired)];
    console.log(`Alerts fired by this run: ${firedNow.length}${firedNow.map((a) => `\n  ${a.firedAt.slice(0, 10)} ${a.attributes.kind.padEnd(9)} [${a.attributes.severity}] ${a.subject}`).join('')}`);
    console.log(`Statements: ${written.map((w) => `${w.month} ${w.chargeback.status}${w.chargeback.adjustments.length ? ` with ${w.chargeback.adjustments.length} prior-period adjustment(s)` : ''}`).join('; ')}.`);
    console.log(`Alerts on record for ${month}: ${alerts.length}. Files in ${dir}/: ${names.join(', ')}`);
    for (const w of written.slice(0, -1)) console.log(`Also written, in ${w.dir}/: ${w.names.join(', ')}`);
    if (chargeback.recordCount === 0 && chargeback.unpriced.length === 0) {
      const covered = ledger ? ` (the sample data covers ${monthOf(ledger.lineItems.reduce((a, i) => (i.date < a ? i.date : a), '9999'))}..${latestMonth(ledger.lineItems.map((i) => i.date))})` : '';
      console.log(`Note: no cost records for ${month}${covered}.`);
    }
    return 0;
  } finally {
    costExplorer && (await costExplorer.close());
    s3 && (await s3.close());
    athena && (await athena.close());
    openai && (await openai.close());
    anthropic && (await anthropic.close());
    await sns.close();
    for (const client of Object.values(clients)) client.destroy();
    await dynamo.close();
  }
}

/** The months the default run replays: the latest month, and the one before it if the ledger has it. */
function replayedMonths(ledger: Ledger, latest: string): string[] {
  const months = new Set(ledger.lineItems.map((i) => monthOf(i.date)));
  return [addMonths(latest, -1), latest].filter((m) => months.has(m));
}

/** The day itself if it is a Monday, else the next Monday. */
function mondayOnOrAfter(day: string): string {
  let d = day;
  while (!isMonday(d)) d = addDays(d, 1);
  return d;
}

/** What to do about the errors a first --live run meets most. */
function hintFor(error: string): string {
  if (/Could not load credentials/i.test(error)) return '\n  (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`, for an identity with ce:GetCostAndUsage)';
  if (/ADMIN_KEY is not set/.test(error)) return '\n  (or set the provider\'s "enabled": false in the config to skip it)';
  return '';
}

/** Cost Explorer bills each request; the model providers' admin APIs do not. */
function requestsNote(source: string, requests: number, live: boolean): string {
  return source === SOURCE_IDS.aws ? `${requests} Cost Explorer requests ($${(requests * 0.01).toFixed(2)}${live ? '' : ', simulated'})` : `${requests} API requests`;
}
