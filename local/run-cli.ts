/**
 * `npm run local` (entry: cli.ts): the whole pipeline on this machine, with no AWS account. The second composition root
 * beside the Lambda handlers, over the same use-cases and adapters: dynalite stands in for DynamoDB, a
 * loopback Cost Explorer answers from the bundled sample ledger, a loopback SNS records what would have
 * been sent. `--live` reads your real Cost Explorer instead (default credential chain, through
 * `sources.aws.roleArn` when the config names one, as the ingest function does), still storing and "sending"
 * locally, so a cloud team can try costline on its own bill before deploying.
 */
import { AWS_ENGINES, configWarnings, type AwsEngine, type CostlineConfig } from '../functions/config/config-schema';
import { DEFAULT_ATHENA } from '../functions/lib/athena-names';
import { ConfigError, loadConfigFile } from '../functions/config/load-config';
import { isMonth } from '../functions/domain/records/dates';
import { UnknownTeamError } from '../functions/domain/allocation/explain';
import { BackfillRangeError } from '../functions/use-cases/backfill';
import { acquireStateLock, StateInUseError } from './state-lock';
import { sampleLedger } from './sample/sample-ledger';
import { SAMPLE_EXPORT } from './sample/cur-export';
import { SAMPLE_FOCUS_SOURCES } from './sample/focus-sample';
import { durationMs, fixedInstant, parseCliArgs, stateFolderOf, USAGE } from './cli/args';
import { checkMonthHasData, checkWritableOut } from './cli/checks';
import { RefusedError, UsageError } from './cli/errors';
import { explain } from './cli/explain';
import { runPipeline } from './cli/run-pipeline';
import { statement } from './cli/statement';

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
  const awsSource = values['aws-source'];
  if (!['cost-explorer', 'exports'].includes(awsSource)) throw new UsageError(`--aws-source: expected cost-explorer or exports, got "${awsSource}"`);
  if (values.focus && values.live) throw new UsageError('--focus goes with the sample run; with --live, the config\'s own sources.focus entries are read');
  const engine = values.engine;
  if (engine !== undefined && !(AWS_ENGINES as readonly string[]).includes(engine)) throw new UsageError(`--engine: expected ${AWS_ENGINES.join(' or ')}, got "${engine}"`);
  if (engine !== undefined && awsSource !== 'exports') throw new UsageError('--engine goes with --aws-source exports (it says what reads the billing export)');
  const config = withFocus(withEngine(withAwsSource(loadConfigFile(values.config), awsSource, values.live, values.config), engine as AwsEngine | undefined), values.focus);
  const state = stateFolderOf(values.state, awsSource, values.focus);
  if (awsSource === 'exports' && command === 'run') {
    const { bucket, prefix, exportName } = config.sources.aws.dataExports!;
    console.log(`AWS billing from the CUR 2.0 export s3://${[bucket, prefix, exportName].filter((p) => p !== '').join('/')}/${values.live ? '' : ' (the sample, in a local S3)'}, not Cost Explorer; local state ${state}.`);
    if (config.sources.aws.engine === 'athena') {
      const { workgroup, database, table } = { ...DEFAULT_ATHENA, ...config.sources.aws.athena };
      console.log(`Read through Athena: workgroup ${workgroup}, table "${database}"."${table}"${values.live ? '' : ' (a local Athena on DuckDB over the same files)'}.`);
    }
  }
  for (const warning of configWarnings(config)) console.warn(`warning: ${values.config}: ${warning}`);
  // Refusals that need no data, before the state is locked or anything is ingested.
  if (command !== 'explain') checkWritableOut(values.out);
  if (command === 'run' && values.month !== undefined) checkMonthHasData(values.month, values.live ? undefined : sampleLedger(), systemNow);

  // One run at a time on a state folder: dynalite cannot share it, and --fresh must not empty it under another run.
  let lock;
  try {
    lock = acquireStateLock(state, { command, warn: (message) => console.warn(`warning: ${message}`) });
  } catch (error) {
    if (error instanceof StateInUseError && values.fresh) throw new StateInUseError(error.state, error.holder, '--fresh refused, nothing deleted: ');
    throw error;
  }
  try {
    if (command === 'explain') return await explain(config, state, values.team!, values.month);
    if (command === 'statement') return await statement(config, state, values.out, values.month!, values.resend, { now: systemNow });
    if (values.fresh) lock.clearState();
    return await runPipeline({ ...values, state }, config, systemNow, Date.now() + deadlineMs);
  } finally {
    lock.release();
  }
}

/**
 * The configuration with `--aws-source` applied: `exports` reads AWS billing from a CUR 2.0 export
 * (`sources.aws.mode: "data-exports"`), the sample's in the local S3, or with --live the one the config names.
 */
function withAwsSource(config: CostlineConfig, awsSource: string, live: boolean, file: string): CostlineConfig {
  if (awsSource !== 'exports') return config;
  const dataExports = live ? config.sources.aws.dataExports : SAMPLE_EXPORT;
  if (!dataExports) throw new RefusedError(`--aws-source exports --live: ${file} names no export; set sources.aws.dataExports { "bucket", "prefix", "exportName" } of your CUR 2.0 export.`);
  return { ...config, sources: { ...config.sources, aws: { ...config.sources.aws, mode: 'data-exports', dataExports } } };
}

/** The configuration with `--engine` applied (what reads the export); absent, the config's own. */
function withEngine(config: CostlineConfig, engine: AwsEngine | undefined): CostlineConfig {
  if (engine === undefined) return config;
  return { ...config, sources: { ...config.sources, aws: { ...config.sources.aws, engine } } };
}

/** The configuration with `--focus` applied: the sample's FOCUS sources added to the config's own. */
function withFocus(config: CostlineConfig, focus: boolean): CostlineConfig {
  if (!focus) return config;
  const ids = new Set(SAMPLE_FOCUS_SOURCES.map((f) => f.id));
  return { ...config, sources: { ...config.sources, focus: [...config.sources.focus.filter((f) => !ids.has(f.id)), ...SAMPLE_FOCUS_SOURCES] } };
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
