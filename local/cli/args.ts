/*
 * The command line: the usage text, the options, and the values that need more than parseArgs checks.
 */

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE } from '../../functions/config/load-config';
import { UsageError } from './errors';

/** The usage text, printed by --help and after a usage error. */
export const USAGE = `Usage: npm run local -- [options]
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
  --config FILE     configuration file (default: ${DEFAULT_CONFIG_FILE})
  --out DIR         output folder (default: out/), checked writable before any work; writes DIR/<month>/
                    chargeback.json, alerts.jsonl, statement.txt, .csv, .html, focus.csv, statement.<team>.txt
  --state DIR       where the local database persists between runs (default: .costline/state, or
                    .costline/state-exports with --aws-source exports: each AWS source replaces only its own
                    records, so one state holding both would count AWS twice; -focus appended with --focus)
  --fresh           empty the local database first (refused while another run holds it)
  --deadline TIME   stop waiting on any source after this long, as a Lambda's timeout does (default: 15m);
                    seconds or a duration: 900, 90s, 15m, 1h
  --now INSTANT     with --live or statement: run as if it were this UTC instant (e.g. 2026-11-03T06:00:00Z)
                    instead of now; the sample run keeps its own calendar
  --aws-source SRC  cost-explorer (default) or exports: read the sample's CUR 2.0 billing export (Parquet in
                    the local S3) instead of the local Cost Explorer (sources.aws.mode = data-exports)
  --engine ENGINE   with --aws-source exports: embedded (default: the function reads the Parquet) or athena
                    (sources.aws.engine = athena: one SQL query per window, run by a local Athena on DuckDB over
                    the same files; with --live, your Athena workgroup, AWS_ENDPOINT_URL_ATHENA applies)
  --focus           also read the sample's FOCUS files (an Azure-like FOCUS 1.0 export and a LiteLLM-like 1.3
                    file, in the local S3) as the FOCUS sources azure and litellm (sources.focus); without it, a
                    config's own sources.focus entries are served the same sample files in the local S3
  --live            read your real AWS Cost Explorer (default credential chain, assuming sources.aws.roleArn with
                    its externalId when the config sets it; AWS_ENDPOINT_URL_* apply) and,
                    for enabled model providers, the real admin APIs (OPENAI_ADMIN_KEY, ANTHROPIC_ADMIN_KEY;
                    OPENAI_BASE_URL, ANTHROPIC_BASE_URL)
  --help            this text`;

/** A Lambda's longest timeout: what a deployed run could wait, at most. */
export const DEFAULT_DEADLINE = '15m';

/** The options as parsed. */
export type CliValues = ReturnType<typeof parseCliArgs>['values'];

const OPTIONS = {
  team: { type: 'string' },
  month: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  config: { type: 'string', default: DEFAULT_CONFIG_FILE },
  out: { type: 'string', default: 'out' },
  // No default here: it depends on --aws-source (stateFolderOf).
  state: { type: 'string' },
  fresh: { type: 'boolean', default: false },
  live: { type: 'boolean', default: false },
  resend: { type: 'boolean', default: false },
  now: { type: 'string' },
  deadline: { type: 'string', default: DEFAULT_DEADLINE },
  'aws-source': { type: 'string', default: 'cost-explorer' },
  engine: { type: 'string' },
  focus: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

/** The arguments, or a UsageError in our words (Node's parseArgs text talks about positionals and `--`). */
export function parseCliArgs(argv: string[]) {
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
 * The local state folder: --state, else one default folder per AWS source (their AWS records never mix), and per
 * --focus (a run without it would leave the FOCUS sources' records in place, and a later run show them).
 */
export function stateFolderOf(state: string | undefined, awsSource: string, focus = false): string {
  return state ?? join('.costline', `${awsSource === 'exports' ? 'state-exports' : 'state'}${focus ? '-focus' : ''}`);
}

/** `--now`: a clock stopped at that UTC instant. */
export function fixedInstant(text: string): () => Date {
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(text) || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 16) !== text.slice(0, 16)) {
    throw new UsageError(`--now: expected a UTC instant like 2026-11-03T06:00:00Z, got "${text}"`);
  }
  return () => new Date(at);
}

/** `--deadline`: seconds (`900`), or a number with s, m or h (`90s`, `15m`, `1h`); at most a day. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'] : Number.NaN;
  if (!(ms > 0) || ms > 86_400_000) throw new UsageError(`--deadline: expected a duration from 1s to 24h, such as 900, 90s, 15m or 1h; got "${text}"`);
  return ms;
}
