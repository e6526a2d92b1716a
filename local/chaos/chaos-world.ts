/**
 * Test equipment for crash and fault runs (`npm run chaos`, test/integration/crash-recovery.test.ts): a small
 * world of loopback servers, and the local CLI run in it as a real child process that can be killed.
 *
 * The world: the sample organisation's first three days of October, served by the local Cost Explorer, OpenAI
 * and Anthropic, each behind a fault-injecting proxy; one SNS that outlives every run, so what a killed run
 * sent is still counted; and a configuration whose budgets are a tenth of the sample's, so three days cross
 * the thresholds a whole month would. Two phases, each one `--live --month 2026-10` run at a pinned instant:
 * `early` (2026-10-03: two days in, the first threshold levels) and `closed` (2026-11-07: the month is final,
 * closes and its statement is sent, higher levels fire). Nothing leaves the machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startAnthropicServer, type AnthropicServer } from '../emulators/anthropic-server';
import { startCostExplorerServer, type CostExplorerServer } from '../emulators/cost-explorer-server';
import { FAULT_KINDS, startFaultProxy, type Fault, type FaultKind, type FaultProxy } from '../emulators/fault-proxy';
import { startOpenAiServer, type OpenAiServer } from '../emulators/openai-server';
import { startSnsServer, type PublishedMessage, type SnsServer } from '../emulators/sns-server';
import type { Ledger } from '../sample/ledger';
import type { ProviderLedger } from '../sample/provider-ledger';
import { sampleLedger } from '../sample/sample-ledger';
import { sampleProviderLedger } from '../sample/sample-provider-ledger';

/** The month every run charges back. */
export const CHAOS_MONTH = '2026-10';
/** The days the world's books hold: 1-3 October (end exclusive). */
const FIRST_DAY = '2026-10-01';
const END_DAY = '2026-10-04';

/** A run of the local CLI at a pinned instant. */
export interface Phase {
  name: 'early' | 'closed';
  /** `--now` of the run. */
  now: string;
}

/** The two runs of a world's history, in order. */
export const PHASES: readonly Phase[] = [
  { name: 'early', now: '2026-10-03T06:00:00Z' },
  { name: 'closed', now: '2026-11-07T06:00:00Z' },
];

/** The sources a fault can be put in front of. */
export type ChaosSource = 'cost-explorer' | 'openai' | 'anthropic';
export const CHAOS_SOURCES: readonly ChaosSource[] = ['cost-explorer', 'openai', 'anthropic'];

/** Words a failure must use to name each source (its ids, as the run summary prints them, or its name). */
export const SOURCE_NAMES: Record<ChaosSource, RegExp> = {
  'cost-explorer': /aws-cost-explorer|Cost Explorer/,
  openai: /openai-(costs|usage)|OpenAI/,
  anthropic: /anthropic-(costs|usage)|Anthropic/,
};

const ADMIN_KEYS = { openai: 'sk-admin-LOCALchaos00000000000001', anthropic: 'sk-ant-admin-LOCALchaos0000000001' } as const;
const REPO = resolve(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'local', 'cli.ts');

/** A running world; `close()` it when done. */
export interface ChaosWorld {
  /** One proxy per source: inject faults here. */
  proxies: Record<ChaosSource, FaultProxy>;
  /** The SNS every run publishes to (alerts and statements), for the whole life of the world. */
  sns: SnsServer;
  /** The configuration file the runs use. */
  configPath: string;
  /** Sets the simulated present the provider servers answer at (the CLI's `--now` pins the jobs' clock). */
  setNow(instant: string): void;
  /** The environment a run gets: endpoints, keys, the shared SNS; nothing inherited that could reach AWS. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the world's servers on 127.0.0.1 and writes its configuration into `dir`.
 * @param dir a scratch folder (the config file goes there)
 */
export async function startChaosWorld(dir: string): Promise<ChaosWorld> {
  let now = new Date(PHASES[0]!.now);
  const at = () => now;
  const books = threeDayBooks();
  const servers: { ce: CostExplorerServer; openai: OpenAiServer; anthropic: AnthropicServer } = {
    ce: await startCostExplorerServer({ ledger: threeDayLedger() }),
    openai: await startOpenAiServer({ ledger: books.openai, adminKey: ADMIN_KEYS.openai, now: at }),
    anthropic: await startAnthropicServer({ ledger: books.anthropic, adminKey: ADMIN_KEYS.anthropic, now: at }),
  };
  const proxies: Record<ChaosSource, FaultProxy> = {
    'cost-explorer': await startFaultProxy({ target: servers.ce.url }),
    openai: await startFaultProxy({ target: servers.openai.url }),
    anthropic: await startFaultProxy({ target: servers.anthropic.url }),
  };
  const sns = await startSnsServer();
  const configPath = join(dir, 'chaos.config.json');
  writeFileSync(configPath, `${JSON.stringify(tenthOfBudgets(JSON.parse(readFileSync(join(REPO, 'costline.config.json'), 'utf8'))), null, 2)}\n`);
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALCHAOS',
    AWS_SECRET_ACCESS_KEY: 'local-chaos',
    AWS_ENDPOINT_URL_COST_EXPLORER: proxies['cost-explorer'].url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    OPENAI_BASE_URL: proxies.openai.url,
    OPENAI_ADMIN_KEY: ADMIN_KEYS.openai,
    ANTHROPIC_BASE_URL: proxies.anthropic.url,
    ANTHROPIC_ADMIN_KEY: ADMIN_KEYS.anthropic,
    COSTLINE_LOCAL_SNS_URL: sns.url,
  };
  return {
    proxies,
    sns,
    configPath,
    setNow: (instant) => void (now = new Date(instant)),
    env,
    async close() {
      for (const proxy of Object.values(proxies)) await proxy.close();
      await Promise.all([servers.ce.close(), servers.openai.close(), servers.anthropic.close(), sns.close()]);
    },
  };
}

/** The sample bill's first three days of October, all final (so the month closes once its close day passes). */
function threeDayLedger(): Ledger {
  const ledger = sampleLedger();
  return { ...ledger, finalizedThrough: '2026-10-31', lineItems: ledger.lineItems.filter((i) => i.date >= FIRST_DAY && i.date < END_DAY && i.postedOn === undefined) };
}

/** The sample provider books' first three days of October. */
function threeDayBooks(): ProviderLedger {
  const books = sampleProviderLedger();
  const inDays = (instant: string) => instant.slice(0, 10) >= FIRST_DAY && instant.slice(0, 10) < END_DAY;
  return {
    openai: {
      usage: books.openai.usage.filter((r) => inDays(r.hour)),
      costs: books.openai.costs.filter((r) => inDays(r.day)),
      ...(books.openai.unitUsage ? { unitUsage: books.openai.unitUsage.filter((r) => inDays(r.hour)) } : {}),
    },
    anthropic: { usage: books.anthropic.usage.filter((r) => inDays(r.hour)), costs: books.anthropic.costs.filter((r) => inDays(r.day)) },
  };
}

/** The sample configuration with every budget a tenth as large: three days of spend against them cross thresholds. */
function tenthOfBudgets(config: Record<string, unknown>): Record<string, unknown> {
  const tenth = (n: unknown) => (typeof n === 'number' ? n / 10 : n);
  const teams = (config.teams as Array<Record<string, unknown>>).map((t) => ({ ...t, monthlyBudget: tenth(t.monthlyBudget) }));
  const alerts = config.alerts as Record<string, unknown>;
  const budgets = ((alerts.budgets as Array<Record<string, unknown>> | undefined) ?? []).map((b) => ({ ...b, monthly: tenth(b.monthly) }));
  return { ...config, teams, alerts: { ...alerts, budgets, organizationAiBudget: tenth(alerts.organizationAiBudget) } };
}

/** A fault as chaos names it: the proxy's kinds, and a well-formed answer with every list emptied. */
export type ChaosFault = FaultKind | 'empty-lists';
export const CHAOS_FAULTS: readonly ChaosFault[] = [...FAULT_KINDS, 'empty-lists'];

/** The proxy fault for a chaos fault name (a 429 asks for 900 s, past any run's deadline). */
export function chaosFault(kind: ChaosFault): Fault {
  switch (kind) {
    case 'http-429':
      return { kind, retryAfterSeconds: 900 };
    case 'empty-lists':
      return { kind: 'wrong-shape', reshape: emptyLists };
    case 'http-500':
    case 'http-401':
    case 'reset':
    case 'truncated-body':
    case 'wrong-shape':
    case 'stall-headers':
    case 'stall-body':
      return { kind };
  }
}

/** Every array emptied, everything else kept: a page that parses and says "nothing". */
function emptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return [];
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, emptyLists(v)]));
  return value;
}

/** How one run of the CLI ended. */
export interface LocalRun {
  /** The exit code, or null when the process was killed. */
  code: number | null;
  /** `SIGKILL` when killed (by `killAfterMs`, or as a hang at `hangAfterMs`). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Killed for running past `hangAfterMs`. */
  hung: boolean;
}

/** Options of {@link runLocal}. */
export interface RunOptions {
  phase: Phase;
  state: string;
  out: string;
  /** The run's `--deadline` (default `20s`). */
  deadline?: string;
  /** SIGKILL the run this long after it started (a crash at that point). */
  killAfterMs?: number;
  /** SIGKILL the run as soon as this holds (polled every 2 ms), e.g. once SNS has received a message. */
  killWhen?: () => boolean;
  /** Called once, the moment the harness sends a SIGKILL for `killAfterMs` or `killWhen` (not for a hang). */
  onKill?: () => void;
  /** SIGKILL and report a hang when the run has not ended after this long (default: 60 s). */
  hangAfterMs?: number;
}

/**
 * Runs `node --import tsx local/cli.ts --live --month 2026-10 --now <phase> ...` as a child process
 * in the world. Never rejects: a crash, a kill and a hang are all outcomes.
 */
export function runLocal(world: ChaosWorld, options: RunOptions): Promise<LocalRun> {
  world.setNow(options.phase.now);
  const args = ['--import', 'tsx', CLI, ...cliArgs(world, options)];
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: REPO, env: { ...inheritedEnv(), ...world.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let hung = false;
    let ended = false;
    let killed = false;
    const kill = () => {
      if (ended || killed) return;
      killed = true;
      options.onKill?.();
      child.kill('SIGKILL');
    };
    const poll = options.killWhen
      ? setInterval(() => {
          if (options.killWhen!()) kill();
        }, 2)
      : undefined;
    const timers = [
      options.killAfterMs === undefined ? undefined : setTimeout(kill, options.killAfterMs),
      setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, options.hangAfterMs ?? 60_000),
    ];
    child.on('exit', () => void (ended = true));
    child.on('close', (code, signal) => {
      for (const timer of timers) if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      done({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started, hung });
    });
  });
}

/**
 * The CLI arguments of a run in the world (`--live --month 2026-10 --now ...`), for `runCli` in-process too;
 * call `world.setNow(phase.now)` first when running it yourself.
 */
export function cliArgs(world: ChaosWorld, options: Pick<RunOptions, 'phase' | 'state' | 'out' | 'deadline'>): string[] {
  return ['--live', '--month', CHAOS_MONTH, '--now', options.phase.now, '--state', options.state, '--out', options.out, '--config', world.configPath, '--deadline', options.deadline ?? '20s'];
}

/** The parent's environment less anything that could point a run at real AWS or a real provider. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !/^(AWS_|OPENAI_|ANTHROPIC_|COSTLINE_)/.test(name)) env[name] = value;
  return env;
}

/** An alert as SNS received it: its scope (kind, month, scope) and level. */
export interface SentAlertRecord {
  /** `2026-10#threshold#team:search`, or the alert's key for one-level kinds. */
  scope: string;
  level: string;
  /** The level's rank within its scope (threshold percent, forecast over 1 / certain 2); undefined for one-level kinds. */
  rank?: number;
}

/** A statement as SNS received it. */
export interface SentStatementRecord {
  /** `finance` or the team's id. */
  part: string;
  month: string;
  status: string;
}

/** What a history of runs left: the month's chargeback and files, and what SNS received. */
export interface WorldResult {
  /** Per team, then `total` and `unallocated`; money to the cent. Undefined when no chargeback was written. */
  totals?: Record<string, string>;
  status?: string;
  /** The statement files of the month (statement.txt, .csv, .html, focus.csv, statement.<team>.txt), by name. */
  files: Record<string, string>;
  alerts: SentAlertRecord[];
  statements: SentStatementRecord[];
}

/** Reads what the runs into `out` wrote for the month, with the messages SNS received during their history. */
export function resultOf(out: string, messages: readonly PublishedMessage[]): WorldResult {
  const dir = join(out, CHAOS_MONTH);
  const files: Record<string, string> = {};
  let totals: Record<string, string> | undefined;
  let status: string | undefined;
  if (existsSync(join(dir, 'chargeback.json'))) {
    const chargeback = JSON.parse(readFileSync(join(dir, 'chargeback.json'), 'utf8')) as { status: string; total: string; unallocated: string; teams: Array<{ team: string; total: string }> };
    totals = { ...Object.fromEntries(chargeback.teams.map((t) => [t.team, t.total])), total: chargeback.total, unallocated: chargeback.unallocated };
    status = chargeback.status;
    for (const name of readdirSync(dir)) if (name.startsWith('statement') || name === 'focus.csv') files[name] = readFileSync(join(dir, name), 'utf8');
  }
  const sent = messages;
  return {
    ...(totals ? { totals } : {}),
    ...(status ? { status } : {}),
    files,
    alerts: sent.filter((m) => m.topicArn.endsWith(':costline-alerts')).map(alertRecord),
    statements: sent.filter((m) => m.topicArn.endsWith(':costline-statements')).map((m) => ({
      part: m.attributes.kind?.value === 'team-statement' ? (m.attributes.team?.value ?? '?') : 'finance',
      month: m.attributes.month?.value ?? '?',
      status: m.attributes.status?.value ?? '?',
    })),
  };
}

/** An alert's scope and level, from the JSON form the publisher sends beside the text (or its subject). */
function alertRecord(message: PublishedMessage): SentAlertRecord {
  const kind = message.attributes.kind?.value ?? '?';
  let context: { key?: string; month?: string; scope?: string } = {};
  if (message.messageStructure === 'json') {
    const bodies = JSON.parse(message.message) as Record<string, string>;
    if (bodies.lambda) context = (JSON.parse(bodies.lambda) as { metadata?: { additionalContext?: typeof context } }).metadata?.additionalContext ?? {};
  }
  const key = context.key ?? `${kind}#${message.subject ?? ''}`;
  const level = key.slice(key.lastIndexOf('#') + 1);
  if (kind === 'threshold' || kind === 'forecast') {
    const rank = kind === 'threshold' ? Number(level) : level === 'certain' ? 2 : 1;
    return { scope: `${context.month ?? '?'}#${kind}#${context.scope ?? key.slice(0, key.lastIndexOf('#'))}`, level, rank };
  }
  return { scope: `${context.month ?? '?'}#${key}`, level };
}

/** What differs between a result and the reference's, each list empty when nothing does. */
export interface Comparison {
  /** Teams (or total, unallocated) whose money differs: `search: 1234.56 != 1200.00 (reference)`. */
  money: string[];
  /** Statement files that differ or are missing. */
  files: string[];
  /** A level sent twice, or a lower level sent after a higher one of the same scope. */
  wrongLevel: string[];
  /** A scope the reference alerted whose highest level never reached SNS. */
  lostAlerts: string[];
  /** A final statement part the reference sent that never reached SNS. */
  lostStatements: string[];
  /** A final statement part that reached SNS more than once, beyond the one repeat a crash may cause. */
  statementsTwice: string[];
  /** Messages a killed run had sent that the next run sent again: the documented at-least-once window. */
  resentAfterCrash: string[];
}

/** What a sent message is, for telling a repeat: an alert's scope and level, or a statement's month and part. */
function sendKey(message: PublishedMessage): string {
  if (message.topicArn.endsWith(':costline-alerts')) {
    const a = alertRecord(message);
    return `alert ${a.scope} level ${a.level}`;
  }
  const kind = message.attributes.kind?.value;
  return `statement ${message.attributes.month?.value ?? '?'} ${kind === 'team-statement' ? (message.attributes.team?.value ?? '?') : 'finance'}`;
}

/**
 * Compares a history's result with the reference history's, to the cent and to the message. `inFlight`: the
 * last message each killed run got SNS to accept; the next run may send it once more (the one documented
 * at-least-once case: a run that dies after SNS accepted a message and before recording it), so one repeat of
 * each is listed in `resentAfterCrash` instead of counting as a level or statement sent twice.
 */
export function compareResults(result: WorldResult, reference: WorldResult, inFlight: readonly PublishedMessage[] = []): Comparison {
  const forgiven = new Map<string, number>();
  for (const m of inFlight) forgiven.set(sendKey(m), (forgiven.get(sendKey(m)) ?? 0) + 1);
  const resentAfterCrash: string[] = [];
  const forgive = (key: string) => {
    const left = forgiven.get(key) ?? 0;
    if (left > 0) forgiven.set(key, left - 1);
    if (left > 0) resentAfterCrash.push(key);
    return left > 0;
  };
  const money: string[] = [];
  if (!result.totals) money.push('no chargeback.json written');
  else if (reference.totals) {
    for (const name of new Set([...Object.keys(reference.totals), ...Object.keys(result.totals)])) {
      if (result.totals[name] !== reference.totals[name]) money.push(`${name}: ${result.totals[name] ?? 'missing'} != ${reference.totals[name] ?? 'missing'} (reference)`);
    }
  }
  const files = Object.keys(reference.files).filter((name) => result.files[name] !== reference.files[name]).map((name) => (result.files[name] === undefined ? `${name} missing` : `${name} differs`));
  if (result.status !== reference.status) files.push(`status ${result.status ?? 'missing'} != ${reference.status ?? 'missing'} (reference)`);

  const wrongLevel: string[] = [];
  const highest = (alerts: SentAlertRecord[]) => {
    const top = new Map<string, SentAlertRecord>();
    for (const a of alerts) if (!top.has(a.scope) || (a.rank ?? 0) > (top.get(a.scope)!.rank ?? 0)) top.set(a.scope, a);
    return top;
  };
  const seen = new Map<string, SentAlertRecord[]>();
  for (const alert of result.alerts) {
    const before = seen.get(alert.scope) ?? [];
    if (before.some((b) => b.level === alert.level)) {
      if (!forgive(`alert ${alert.scope} level ${alert.level}`)) wrongLevel.push(`${alert.scope} level ${alert.level} sent twice`);
    }
    else if (alert.rank !== undefined && before.some((b) => (b.rank ?? 0) > alert.rank!)) wrongLevel.push(`${alert.scope} level ${alert.level} sent after a higher level`);
    seen.set(alert.scope, [...before, alert]);
  }
  const mine = highest(result.alerts);
  const lostAlerts = [...highest(reference.alerts).values()].filter((a) => mine.get(a.scope)?.level !== a.level).map((a) => `${a.scope} level ${a.level} (sent: ${mine.get(a.scope)?.level ?? 'nothing'})`);

  // Final statements only: each run sends the open month's preliminary one, so a re-run sends it again by design.
  const part = (s: SentStatementRecord) => `${s.month} ${s.part}`;
  const counts = new Map<string, number>();
  for (const s of result.statements.filter((s) => s.status === 'final')) counts.set(part(s), (counts.get(part(s)) ?? 0) + 1);
  const lostStatements = [...new Set(reference.statements.filter((s) => s.status === 'final').map(part))].filter((p) => !counts.has(p));
  const statementsTwice = [...counts]
    .filter(([p, n]) => n > 1 && !(n === 2 && forgive(`statement ${p}`)))
    .map(([p, n]) => `${p} sent ${n} times`);
  return { money, files, wrongLevel, lostAlerts, lostStatements, statementsTwice, resentAfterCrash };
}

/** True when nothing differs but the documented repeat of a message a killed run had in flight. */
export function survived(c: Comparison): boolean {
  return [c.money, c.files, c.wrongLevel, c.lostAlerts, c.lostStatements, c.statementsTwice].every((list) => list.length === 0);
}
