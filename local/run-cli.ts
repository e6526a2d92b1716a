/**
 * `npm run local` (entry: cli.ts): the whole pipeline on this machine, with no AWS account. The second composition root
 * beside the Lambda handlers, over the same use-cases and adapters: dynalite stands in for DynamoDB, a
 * loopback Cost Explorer answers from the bundled sample ledger, a loopback SNS records what would have
 * been sent. `--live` reads your real Cost Explorer instead (default credential chain), still storing
 * and "sending" locally, so a cloud team can try costline on its own bill before deploying.
 */
import { existsSync, mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configWarnings, lastRepullDay, type CostlineConfig } from '../functions/config/config-schema';
import { ConfigError, loadConfigFile } from '../functions/config/load-config';
import type { Chargeback } from '../functions/domain/chargeback/chargeback';
import { closeDayOf } from '../functions/domain/chargeback/chargeback-policy';
import { formatMoney } from '../functions/domain/statements/format';
import { withAdjustments, type AdjustedChargeback } from '../functions/domain/chargeback/month-close';
import { addDays, addMonths, isMonday, isMonth, monthOf, monthsOf, monthStart, monthWindow, toDay, type DayWindow } from '../functions/domain/records/dates';
import { explainTeam, renderExplanation, UnknownTeamError } from '../functions/domain/allocation/explain';
import { renderStatementText, renderTeamStatementText } from '../functions/domain/statements/statement-text';
import type { Clock, Log, SentAlert, StatementFile } from '../functions/ports/ports';
import { environmentReader } from '../functions/adapters/secrets/secret-readers';
import { baseUrlsFromEnv, buildStores, createClients, dailyDeps, publisher, type ProviderAccess } from '../functions/app/compose';
import { backfill, BackfillFailedError, BackfillRangeError } from '../functions/use-cases/backfill';
import { chargeRecords, monthChargeback } from '../functions/use-cases/month-chargeback';
import { EmptyMonthError, NotClosedError, publishStatement, statementFiles, type PublishedStatement, type StatementDeps } from '../functions/use-cases/publish-statement';
import { ingestEverySource, IngestionFailedError } from '../functions/use-cases/ingest-billing';
import { evaluateBudgetAlerts } from '../functions/use-cases/evaluate-budget-alerts';
import { asOfStores } from './as-of-stores';
import { runDailyIngestion, type DailyRunResult } from '../functions/use-cases/run-daily';
import { startAnthropicServer } from './emulators/anthropic-server';
import { startCostExplorerServer } from './emulators/cost-explorer-server';
import { startOpenAiServer } from './emulators/openai-server';
import { startSnsServer } from './emulators/sns-server';
import { ensureTable, startLocalDynamo } from './local-dynamodb';
import { acquireStateLock, StateInUseError } from './state-lock';
import { ledgerAsOf, type Ledger } from './sample/ledger';
import { sampleLedger } from './sample/sample-ledger';
import { sampleProviderLedger } from './sample/sample-provider-ledger';

const USAGE = `Usage: npm run local -- [options]
       npm run local -- explain --team TEAM [--month YYYY-MM] [--config FILE] [--state DIR]
       npm run local -- statement --month YYYY-MM [--resend] [--config FILE] [--state DIR] [--out DIR]

Runs costline end to end: ingest, store, allocate, charge back, alert.
explain shows which tag, rule or shared pool placed each of a team's dollars (from the local database).
statement runs the statement job on the local database, as the deployed one does on demand: a final month is
closed once and never changes, any other month gets a preliminary statement; --resend republishes a closed one.
By default the run replays the sample's history: September closes on its close day, then the run on the first
Monday after October re-pulls it, and a credit posted after the close becomes an adjustment on October; each
October morning's alert evaluation is replayed too, so alerts.jsonl shows every kind of alert on its day.
A --month of the sample is replayed the same way, so --month 2026-10 writes what the default run writes.
  --month YYYY-MM   month to charge back (default: the latest month in the sample data; with --live, the month
                    of yesterday, so a run on the 1st charges back the month just ended); a month without data
                    (outside the sample's months, or after the current one with --live) is refused
  --from YYYY-MM --to YYYY-MM
                    backfill every source month by month (safe to interrupt and re-run) and write each month
  --config FILE     configuration file (default: costline.config.json)
  --out DIR         output folder (default: out/), checked writable before any work; writes DIR/<month>/
                    chargeback.json, alerts.jsonl, statement.txt, .csv, .html, focus.csv, statement.<team>.txt
  --state DIR       where the local database persists between runs (default: .costline/state)
  --fresh           empty the local database first (refused while another run holds it)
  --deadline TIME   stop waiting on any source after this long, as a Lambda's timeout does (default: 15m);
                    seconds or a duration: 900, 90s, 15m, 1h
  --now INSTANT     with --live or statement: run as if it were this UTC instant (e.g. 2026-11-03T06:00:00Z)
                    instead of now; the sample run keeps its own calendar
  --live            read your real AWS Cost Explorer (default credential chain; AWS_ENDPOINT_URL_* apply) and,
                    for enabled model providers, the real admin APIs (OPENAI_ADMIN_KEY, ANTHROPIC_ADMIN_KEY;
                    OPENAI_BASE_URL, ANTHROPIC_BASE_URL)
  --help            this text`;

const TABLE = 'costline';
/** A Lambda's longest timeout: what a deployed run could wait, at most. */
const DEFAULT_DEADLINE = '15m';
/** Keys the local provider servers accept; never real keys. */
const LOCAL_KEYS = { openai: 'sk-admin-local-sample', anthropic: 'sk-ant-admin-local-sample' } as const;
const ALERTS_TOPIC = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
const STATEMENTS_TOPIC = 'arn:aws:sns:us-east-1:000000000000:costline-statements';

/**
 * What the ingestion logs when a source fails. The CLI prints each failed source once, from the run's summary,
 * with a hint; this log line and the summary's error message would say it twice more.
 */
const REPORTED_IN_SUMMARY = new Set(['source ingestion failed; its stored data is unchanged']);

/** The CLI's log: quiet unless something is wrong. */
const log: Log = {
  info: () => undefined,
  warn: (message, ...extra) => console.warn(`warning: ${message}`, ...extra.map((e) => JSON.stringify(e))),
  error: (message, ...extra) => {
    if (!REPORTED_IN_SUMMARY.has(message)) console.error(`error: ${message}`, ...extra.map((e) => JSON.stringify(e, errorReplacer)));
  },
};

function errorReplacer(_key: string, value: unknown) {
  return value instanceof Error ? value.message : value;
}

function latestMonth(days: string[]): string {
  return monthOf(days.reduce((a, b) => (a > b ? a : b)));
}

async function main(argv: string[]): Promise<number> {
  // The SDK warns on every client that Node 20 support ends in 2027; the README states the Node versions.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values, positionals } = parseCliArgs(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  if (positionals.length > 1 || !['run', 'explain', 'statement'].includes(command)) throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  if (command === 'explain' && !values.team) throw new UsageError('explain needs --team TEAM');
  if (command === 'statement' && !values.month) throw new UsageError('statement needs --month YYYY-MM');
  if (values.resend && command !== 'statement') throw new UsageError('--resend goes with the statement command');
  for (const option of ['month', 'from', 'to'] as const) {
    const value = values[option];
    if (value !== undefined && !isMonth(value)) throw new UsageError(`--${option}: expected YYYY-MM, got "${value}"`);
  }
  if ((values.from === undefined) !== (values.to === undefined)) throw new UsageError('--from and --to go together');
  if (values.now !== undefined && !values.live && command !== 'statement') throw new UsageError('--now goes with --live or the statement command (the sample run keeps its own calendar)');
  const systemNow = values.now === undefined ? () => new Date() : fixedInstant(values.now);
  if (values.from !== undefined && values.month !== undefined) throw new UsageError('--month cannot be combined with --from/--to (the backfill writes every month of its range)');
  if (values.from !== undefined && values.to !== undefined && values.from > values.to) throw new UsageError(`--from ${values.from} is after --to ${values.to}`);
  const deadlineMs = durationMs(values.deadline);
  const config = loadConfigFile(values.config);
  for (const warning of configWarnings(config)) console.warn(`warning: ${values.config}: ${warning}`);
  // Refusals that need no data, before the state is locked or anything is ingested.
  if (command !== 'explain') checkWritableOut(values.out);
  if (command === 'run' && values.month !== undefined) checkMonthHasData(values.month, values.live ? undefined : sampleLedger(), systemNow);

  // One run at a time on a state folder: dynalite cannot share it, and --fresh must not empty it under another run.
  let lock;
  try {
    lock = acquireStateLock(values.state, { command, warn: (message) => console.warn(`warning: ${message}`) });
  } catch (error) {
    if (error instanceof StateInUseError && values.fresh) throw new StateInUseError(error.state, error.holder, '--fresh refused, nothing deleted: ');
    throw error;
  }
  try {
    if (command === 'explain') return await explain(config, values.state, values.team!, values.month);
    if (command === 'statement') return await statement(config, values.state, values.out, values.month!, values.resend, { now: systemNow });
    if (values.fresh) lock.clearState();
    return await runPipeline(values, config, systemNow, Date.now() + deadlineMs);
  } finally {
    lock.release();
  }
}

type CliValues = ReturnType<typeof parseCliArgs>['values'];

const OPTIONS = {
  team: { type: 'string' },
  month: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  config: { type: 'string', default: 'costline.config.json' },
  out: { type: 'string', default: 'out' },
  state: { type: 'string', default: join('.costline', 'state') },
  fresh: { type: 'boolean', default: false },
  live: { type: 'boolean', default: false },
  resend: { type: 'boolean', default: false },
  now: { type: 'string' },
  deadline: { type: 'string', default: DEFAULT_DEADLINE },
  help: { type: 'boolean', default: false },
} as const;

/** The arguments, or a UsageError in our words (Node's parseArgs text talks about positionals and `--`). */
function parseCliArgs(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS, strict: true });
  } catch (error) {
    const code = String((error as { code?: string }).code);
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const suggestion = closestOption(unknown.replace(/^-+/, '').split('=')[0]!);
      throw new UsageError(`unknown option ${unknown}${suggestion ? `; did you mean --${suggestion}?` : ''}`);
    }
    if (code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

/** The known option nearest to a mistyped one by edit distance, if it is near enough to be the likely intent. */
function closestOption(typed: string): string | undefined {
  const [best] = Object.keys(OPTIONS)
    .map((name) => ({ name, distance: editDistance(typed.toLowerCase(), name) }))
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 2)) ? best.name : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The default command: ingest (the replayed history, a backfill, or one daily run), then charge back and
 * write each month's files. Every request of every source ends by `deadline` (epoch ms).
 */
async function runPipeline(values: CliValues, config: CostlineConfig, systemNow: () => Date, deadline: number): Promise<number> {
  const dynamo = await startLocalDynamo({ path: resolve(values.state) });
  const sns = await localSns();
  const ledger = values.live ? undefined : sampleLedger();
  // What the local Cost Explorer shows: the ledger as of the simulated day (late lines appear when posted).
  const servedLedger = ledger ? { ...ledger, lineItems: [...ledger.lineItems] } : undefined;
  const costExplorer = servedLedger ? await startCostExplorerServer({ ledger: servedLedger }) : undefined;
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
  // With --live, Cost Explorer gets no endpoint: the SDK resolves it (AWS_ENDPOINT_URL_COST_EXPLORER applies)
  // and signs with the default credential chain. The database and topics always stay on this machine.
  const clients = createClients({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoints: { dynamodb: dynamo.endpoint, sns: sns.url, ...(costExplorer ? { costExplorer: costExplorer.url } : {}) },
    loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' },
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
    if (ledger && servedLedger) servedLedger.lineItems = ledgerAsOf(ledger, runDay).lineItems;
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
          servedLedger.lineItems = ledgerAsOf(ledger, closeDay).lineItems;
          await ingestEverySource(deps, { window: monthWindow(earlier), deadline });
          const { outcome, chargeback } = await publishStatement(statementDeps, earlier, 'scheduled');
          replayed.push(`Replayed ${closeDay}: ${earlier} ${outcome === 'published-final' ? `closed and its final statement sent (total ${formatMoney(chargeback.total, chargeback.currency)})` : outcome}.`);
        }
        // 2. The run day's ingestion; then every morning of the latest month replayed over the days complete
        //    by then (so each alert fires on the day it would have), then the run day's own evaluation.
        now = new Date(`${runDay}T06:00:00Z`);
        servedLedger.lineItems = ledgerAsOf(ledger, runDay).lineItems;
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
    openai && (await openai.close());
    anthropic && (await anthropic.close());
    await sns.close();
    for (const client of Object.values(clients)) client.destroy();
    await dynamo.close();
  }
}

/** `explain --team T [--month M]`: which tag or rule placed each of a team's dollars, from the local database. */
async function explain(config: CostlineConfig, state: string, team: string, month?: string): Promise<number> {
  const dynamo = await startLocalDynamo({ path: resolve(state) });
  const clients = createClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint }, loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await ensureTable(clients.dynamo as never, TABLE);
    const stores = buildStores(clients, TABLE);
    const target = month ?? latestMonth(sampleLedger().lineItems.map((i) => i.date));
    const [records, usage] = await Promise.all([stores.records.listMonth(target), stores.usage.listMonth(target)]);
    if (records.length === 0 && usage.length === 0) {
      console.error(`No records for ${target} in ${state}: run \`npm run local\` (or with --from/--to) first.`);
      return 1;
    }
    const asOf = toDay(new Date(`${monthWindow(target).end}T06:00:00Z`));
    const { allocated, chargeback } = chargeRecords(config, { month: target, billed: records, usage, priceBook: stores.priceBook }, asOf);
    console.log(renderExplanation(explainTeam(allocated, chargeback, team)));
    return 0;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await dynamo.close();
  }
}

/**
 * `statement --month M [--resend]`: the statement job on the local database, now. Prints what it did and
 * writes the month's files; a closed month is written exactly as it was closed.
 */
async function statement(config: CostlineConfig, state: string, out: string, month: string, resend: boolean, clock: Clock): Promise<number> {
  const dynamo = await startLocalDynamo({ path: resolve(state) });
  const sns = await startSnsServer();
  const clients = createClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint, sns: sns.url }, loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await ensureTable(clients.dynamo as never, TABLE);
    const stores = buildStores(clients, TABLE);
    const deps: StatementDeps = { ...stores, statements: publisher(clients, STATEMENTS_TOPIC), clock, config };
    const result = await publishStatement(deps, month, resend ? 'resend' : 'on-demand').catch((error: unknown) => {
      if (error instanceof EmptyMonthError || error instanceof NotClosedError) throw new RefusedError(`${error.message} (local database ${state})`);
      throw error;
    });
    const files = await result.files();
    const alerts = (await stores.ledger.listMonth(month)).filter((a) => a.delivery === 'published');
    const { dir, names } = writeMonth(out, month, result.chargeback, files, alerts, config.teams.filter((t) => t.statementToLeads).map((t) => t.id));
    console.log(result.text);
    const sent = sns.messages.length;
    for (const late of result.late.filter((l) => l.month !== month)) console.log(`${late.month}: closed earlier; its statement had not been sent in full: sent now (${late.parts.join(', ')}).`);
    console.log(`${month}: ${OUTCOMES[result.outcome]}; ${sent} message(s) published to the local statements topic. Files in ${dir}/: ${names.join(', ')}`);
    return 0;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await sns.close();
    await dynamo.close();
  }
}

const OUTCOMES = {
  'published-final': 'closed now and its final statement sent (stored with its content hash; it will never change)',
  'published-preliminary': 'not final yet: a preliminary statement sent',
  'resent-final': 'the closed statement resent exactly as it was stored',
  'already-final': 'already closed and sent; not sent again (use --resend to send it deliberately)',
  'sent-final-late': 'closed earlier; its statement had not been sent: sent now',
  'closed-by-another-run': 'closed a moment ago by another run, which sends it',
  'not-final-yet': 'not final yet',
} as const;

/**
 * Writes a month's files: chargeback.json, the four statement files as the statement job archives them
 * (statement.txt, statement.csv, statement.html, focus.csv), each opted-in team's statement, and
 * alerts.jsonl (every alert sent for the month, in the order they fired). Returns the folder and the names of
 * the files written in it, for the run's summary.
 */
function writeMonth(
  out: string,
  month: string,
  chargeback: AdjustedChargeback,
  files: readonly StatementFile[],
  alerts: SentAlert[],
  teamsWithStatements: readonly string[],
): { dir: string; names: string[] } {
  const dir = join(out, month);
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    names.push(name);
  };
  write('chargeback.json', `${JSON.stringify(chargeback, null, 2)}\n`);
  for (const file of files) write(file.name, file.body);
  // Teams that opted in (statementToLeads) also get their own statement, as their leads receive it.
  for (const team of teamsWithStatements) write(`statement.${team}.txt`, renderTeamStatementText(chargeback, team));
  // The ledger lists alerts by key; a reader follows the month as it happened.
  const fired = [...alerts].sort((a, b) => a.firedAt.localeCompare(b.firedAt) || a.key.localeCompare(b.key));
  const lines = fired.map((a) => JSON.stringify({ topic: 'alerts', subject: a.subject, message: a.body, attributes: a.attributes, key: a.key, firedAt: a.firedAt }));
  write('alerts.jsonl', lines.join('\n') + (lines.length ? '\n' : ''));
  return { dir, names };
}

/** The month's statement as the statement job makes it on demand; undefined when nothing was ingested for it. */
async function statementOf(deps: StatementDeps, month: string): Promise<PublishedStatement | undefined> {
  try {
    return await publishStatement(deps, month, 'on-demand');
  } catch (error) {
    if (error instanceof EmptyMonthError) return undefined;
    throw error;
  }
}

/**
 * Why a month must not close on this run: it is final and not closed yet, and some source's last ingestion of
 * it failed or held a shrink back. Undefined when it may be written (open months are written with what is
 * stored, held days included, as the run summary says).
 */
async function heldBackClose(deps: StatementDeps, month: string, today: string): Promise<string | undefined> {
  if (!deps.state || (await deps.closed.list()).some((c) => c.month === month)) return undefined;
  const incomplete = (await deps.state.listMonthHealth(month)).filter((h) => h.status !== 'complete');
  if (incomplete.length === 0) return undefined;
  const { chargeback, empty } = await monthChargeback(deps, month, today);
  if (empty || chargeback.status !== 'final') return undefined;
  return `${month} is final but not closed: its last ingestion was not complete (${incomplete.map((h) => `${h.source} ${h.status}${h.detail ? `: ${h.detail}` : ''}`).join('; ')}); a run after a complete ingestion closes it`;
}

/** A $0.00 preliminary statement for a month with no data (printed with a note, never closed). */
function emptyStatement(chargeback: Chargeback): { chargeback: AdjustedChargeback; text: string } {
  const adjusted = withAdjustments(chargeback, []);
  return { chargeback: adjusted, text: renderStatementText(adjusted) };
}

/** The months the default run replays: the latest month, and the one before it if the ledger has it. */
function replayedMonths(ledger: Ledger, latest: string): string[] {
  const months = new Set(ledger.lineItems.map((i) => monthOf(i.date)));
  return [addMonths(latest, -1), latest].filter((m) => months.has(m));
}

/**
 * `--out` must take files: created if missing and probed with a temporary file, so that a path under a file
 * or a folder without write permission is refused now, not after the run's work. What the probe created is
 * removed again: a run that then fails leaves no empty folder behind.
 */
function checkWritableOut(out: string): void {
  const dir = resolve(out);
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.costline-write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new UsageError(`--out ${out}: cannot write files there: ${writeFailure(dir, error as NodeJS.ErrnoException)}`);
  } finally {
    // Only the folders this probe made, deepest first, and only while empty.
    for (let d = dir; created !== undefined && d.length >= created.length; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        break;
      }
    }
  }
}

/** Why a folder cannot take files, in words; the code is kept for a search. */
function writeFailure(dir: string, error: NodeJS.ErrnoException): string {
  const blocker = (() => {
    for (let d = dir; d !== dirname(d); d = dirname(d)) if (existsSync(d)) return statSync(d).isDirectory() ? undefined : d;
    return undefined;
  })();
  if (blocker) return `${blocker} is a file, not a folder (${error.code})`;
  if (error.code === 'EACCES' || error.code === 'EPERM') return `permission denied (${error.code}); choose a folder you can write to`;
  if (error.code === 'EROFS') return `the file system is read-only (${error.code})`;
  return `${error.message}`;
}

/**
 * A run for a month with no data would write a $0.00 statement that reads as a real one. The sample has the
 * ledger's months; --live has every month up to the current one by the run's clock (--now pins it).
 */
function checkMonthHasData(month: string, ledger: Ledger | undefined, now: () => Date): void {
  if (ledger) {
    const months = ledger.lineItems.map((i) => monthOf(i.date));
    const [first, last] = [months.reduce((a, b) => (a < b ? a : b)), months.reduce((a, b) => (a > b ? a : b))];
    if (month < first || month > last) throw new RefusedError(`--month ${month}: the sample data has no such month; it covers ${first}..${last}`);
    return;
  }
  const today = toDay(now());
  if (month > monthOf(today)) throw new RefusedError(`--month ${month} is in the future (the run's clock says ${today}); --live has data for months up to ${monthOf(today)}`);
}

/**
 * The SNS the run publishes to: its own in-process one, or, when `COSTLINE_LOCAL_SNS_URL` names a loopback
 * server (test equipment: the crash and chaos runs count what every run sent, killed runs included), that one.
 */
async function localSns(): Promise<{ url: string; close(): Promise<void> }> {
  const shared = process.env.COSTLINE_LOCAL_SNS_URL;
  if (shared === undefined || shared === '') return startSnsServer();
  const url = URL.canParse(shared) ? new URL(shared) : undefined;
  if (!url || url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new UsageError(`COSTLINE_LOCAL_SNS_URL: expected a loopback http URL such as http://127.0.0.1:4575, got "${shared}"`);
  }
  return { url: shared, close: async () => undefined };
}

/** `--now`: a clock stopped at that UTC instant. */
function fixedInstant(text: string): () => Date {
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(text) || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 16) !== text.slice(0, 16)) {
    throw new UsageError(`--now: expected a UTC instant like 2026-11-03T06:00:00Z, got "${text}"`);
  }
  return () => new Date(at);
}

/** `--deadline`: seconds (`900`), or a number with s, m or h (`90s`, `15m`, `1h`); at most a day. */
function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'] : Number.NaN;
  if (!(ms > 0) || ms > 86_400_000) throw new UsageError(`--deadline: expected a duration from 1s to 24h, such as 900, 90s, 15m or 1h; got "${text}"`);
  return ms;
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
  return source === 'aws-cost-explorer' ? `${requests} Cost Explorer requests ($${(requests * 0.01).toFixed(2)}${live ? '' : ', simulated'})` : `${requests} API requests`;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that cannot do what it was asked on this data (e.g. resend a month that is not closed). */
class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

/**
 * Runs one CLI invocation and returns its exit code: 0 done, 1 failed (a source, a backfill month, an
 * unexpected error), 2 refused (usage, config, or a request the data cannot satisfy). Prints as it goes;
 * never calls process.exit, so tests run it in-process.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof RefusedError || error instanceof StateInUseError || error instanceof UnknownTeamError || error instanceof BackfillRangeError) {
      console.error((error as Error).message);
      if (error instanceof UsageError || error instanceof BackfillRangeError) console.error(`\n${USAGE}`);
      return 2;
    }
    console.error(error);
    return 1;
  }
}
