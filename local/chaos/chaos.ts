/**
 * `npm run chaos`: the long version of the crash and fault tests, on loopback only. In the small world of
 * chaos-world.ts (the sample's first three days of October, two runs: `early` on 2026-10-03, `closed` on
 * 2026-11-07, which closes the month), it
 *
 * 1. runs the history clean once: the reference;
 * 2. kills a run `--kills` times (SIGKILL after a seeded random share of that run's clean time; the early run or
 *    the closing one, at random), runs it again on the same state, finishes the history and compares;
 * 3. for each source (Cost Explorer, OpenAI, Anthropic) and each fault kind of the fault proxy, plus a
 *    well-formed answer with every list emptied, runs the closing run with every request of that source
 *    faulted (`--deadline` bounding it), then a clean closing run, and compares.
 *
 * Every comparison is with the reference: chargeback totals per team to the cent, the statement files, each
 * final statement sent, each alert scope's highest level sent, never a level twice nor a lower one after a
 * higher one (one repeat of the message a killed run had in flight is the documented at-least-once window).
 * Prints a table and exits 1 if any run lost or doubled money, hung, lost a statement or an alert, or sent a
 * wrong level; 2 if the time limit stopped it before every trial ran.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ChaosFault,
  CHAOS_FAULTS,
  CHAOS_SOURCES,
  chaosFault,
  compareResults,
  PHASES,
  resultOf,
  runLocal,
  SOURCE_NAMES,
  startChaosWorld,
  survived,
  type ChaosSource,
  type ChaosWorld,
  type Comparison,
  type LocalRun,
  type Phase,
  type WorldResult,
} from './chaos-world';
import type { PublishedMessage } from '../emulators/sns-server';
import { mulberry32 } from '../sample/seeded-random';

const USAGE = `Usage: npm run chaos -- [--kills N] [--seed N] [--deadline TIME] [--time-limit TIME] [--sources LIST] [--faults LIST]
  --kills N          runs killed at random points, each then re-run (default 30)
  --seed N           seed of the kill points (default 1): the same seed picks the same runs and moments
  --deadline TIME    each run's --deadline (default 8s); a run not ended 20 s after it is a hang
  --time-limit TIME  start no trial after this long (default 20m)
  --sources LIST     sources to fault, comma-separated (default cost-explorer,openai,anthropic; none: kills only)
  --faults LIST      faults to inject, comma-separated (default all: ${CHAOS_FAULTS.join(',')})`;

const [EARLY, CLOSED] = PHASES as [Phase, Phase];
/** A run still going this long after its deadline has hung. */
const HANG_MARGIN_MS = 20_000;

/** Words a failure must use to say what happened, per fault (a stall ends at the deadline, and says so). */
const FAULT_WORDS: Record<ChaosFault, RegExp> = {
  'http-500': /HTTP 500/,
  'http-429': /retry after \d+ s|HTTP 429/i,
  'http-401': /HTTP 401/,
  reset: /ECONNRESET|reset/i,
  'truncated-body': /aborted|terminated|UND_ERR_SOCKET|premature|cut short/i,
  'wrong-shape': /expected/,
  'stall-headers': /deadline/,
  'stall-body': /deadline/,
  'empty-lists': /shrink|expected|returned no (result|bucket|row)/,
};

/** One row of the table. */
interface Row {
  name: string;
  tried: number;
  survived: number;
  money: number;
  unclear: number;
  hangs: number;
  lostStatements: number;
  lostAlerts: number;
  wrongLevel: number;
  /** Documented: a killed run's in-flight message sent once more. */
  resent: number;
  /** A held shrink, applied or dropped by the follow-up run. */
  held: number;
}

/** What one trial found. */
interface TrialOutcome {
  comparison: Comparison;
  unclear?: string;
  hang?: string;
  held?: boolean;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kills: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      deadline: { type: 'string', default: '8s' },
      'time-limit': { type: 'string', default: '20m' },
      sources: { type: 'string', default: CHAOS_SOURCES.join(',') },
      faults: { type: 'string', default: CHAOS_FAULTS.join(',') },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const kills = Number(values.kills);
  const seed = Number(values.seed);
  const deadlineMs = durationMs(values.deadline);
  const limitMs = durationMs(values['time-limit']);
  if (!Number.isInteger(kills) || kills < 0 || !Number.isInteger(seed)) throw new Error(`--kills and --seed take whole numbers\n${USAGE}`);
  const sources = listOf(values.sources, CHAOS_SOURCES, '--sources');
  const faults = listOf(values.faults, CHAOS_FAULTS, '--faults');
  const started = Date.now();
  const overTime = () => Date.now() - started > limitMs;

  const dir = mkdtempSync(join(tmpdir(), 'costline-chaos-'));
  const world = await startChaosWorld(dir);
  const rows = new Map<string, Row>();
  const problems: string[] = [];
  let skipped = 0;
  try {
    // 1. The reference: the history run clean, and the state after its early run (each closing-run trial starts there).
    const referenceState = join(dir, 'reference-state');
    const referenceOut = join(dir, 'reference-out');
    const earlyWatch = watchFirstRequest(world);
    const early = await runLocal(world, { phase: EARLY, state: referenceState, out: referenceOut, deadline: values.deadline, killWhen: earlyWatch.poll });
    if (early.code !== 0) throw new Error(`the clean early run failed (exit ${early.code}):\n${early.stderr}`);
    const earlyState = join(dir, 'early-state');
    cpSync(referenceState, earlyState, { recursive: true });
    const sentEarly = [...world.sns.messages];
    const closedWatch = watchFirstRequest(world);
    const closed = await runLocal(world, { phase: CLOSED, state: referenceState, out: referenceOut, deadline: values.deadline, killWhen: closedWatch.poll });
    if (closed.code !== 0) throw new Error(`the clean closing run failed (exit ${closed.code}):\n${closed.stderr}`);
    const reference = resultOf(referenceOut, world.sns.messages);
    if (reference.status !== 'final' || !reference.totals) throw new Error(`the clean closing run did not close ${'2026-10'} (status ${reference.status})`);
    const span = (run: LocalRun, watch: { firstMs?: number }) => ({ first: watch.firstMs ?? 0, total: run.ms });
    const spans = { early: span(early, earlyWatch), closed: span(closed, closedWatch) };
    console.log(
      `Reference: early run ${s(early.ms)} (first source request at ${s(spans.early.first)}), closing run ${s(closed.ms)} (at ${s(spans.closed.first)}); ` +
        `October total ${reference.totals.total}, ${reference.alerts.length} alerts and ${reference.statements.length} statements sent.`,
    );
    const runOptions = { deadline: values.deadline, hangAfterMs: deadlineMs + HANG_MARGIN_MS };

    // 2. Kills at seeded random points.
    const random = mulberry32(seed);
    for (let k = 0; k < kills; k += 1) {
      // One kill in ten while Node starts; the others from the first source request to a little past the clean run's end.
      const phase = random() < 0.5 ? EARLY : CLOSED;
      const { first, total } = spans[phase.name];
      const delay = Math.round(random() < 0.1 ? random() * first : first + random() * (total - first) * 1.05);
      if (overTime()) {
        skipped += 1;
        continue;
      }
      const trial = join(dir, `kill-${k}`);
      const state = join(trial, 'state');
      const out = join(trial, 'out');
      const from = world.sns.messages.length;
      if (phase === CLOSED) cpSync(earlyState, state, { recursive: true });
      const before = { requests: requestCount(world), sent: world.sns.messages.length };
      let stage = 'after the run ended';
      const killedRun = await runLocal(world, { ...runOptions, phase, state, out, killAfterMs: delay, onKill: () => void (stage = stageOf(world, before)) });
      const inFlight: PublishedMessage[] = killedRun.signal === 'SIGKILL' && world.sns.messages.length > before.sent ? [world.sns.messages.at(-1)!] : [];
      const runs: LocalRun[] = [killedRun];
      runs.push(await runLocal(world, { ...runOptions, phase, state, out }));
      if (phase === EARLY) runs.push(await runLocal(world, { ...runOptions, phase: CLOSED, state, out }));
      const history = [...(phase === CLOSED ? sentEarly : []), ...world.sns.messages.slice(from)];
      const outcome = judgeRecovery(runs.slice(1), resultOf(out, history), reference, inFlight);
      const name = `kill: ${phase.name} run, ${stage}`;
      record(rows, name, outcome);
      console.log(`  kill ${k + 1}/${kills}: ${phase.name} run at ${s(delay)} (${stage}): ${verdict(outcome)}`);
      if (!survivedTrial(outcome)) problems.push(`${name} (seed ${seed}, kill ${k}: ${phase.name} run killed at ${delay} ms): ${describe(outcome)}`);
      rmSync(trial, { recursive: true, force: true });
    }

    // 3. Every fault against each source, each followed by a clean run.
    for (const source of sources) {
      for (const kind of faults) {
        if (overTime()) {
          skipped += 1;
          continue;
        }
        const trial = join(dir, `fault-${source}-${kind}`);
        const state = join(trial, 'state');
        const out = join(trial, 'out');
        cpSync(earlyState, state, { recursive: true });
        const from = world.sns.messages.length;
        const remove = world.proxies[source].inject(chaosFault(kind));
        const faulted = await runLocal(world, { ...runOptions, phase: CLOSED, state, out });
        remove();
        const faultedResult = resultOf(out, [...sentEarly, ...world.sns.messages.slice(from)]);
        const followUp = await runLocal(world, { ...runOptions, phase: CLOSED, state, out });
        const outcome = judgeFault(source, kind, faulted, faultedResult, followUp, resultOf(out, [...sentEarly, ...world.sns.messages.slice(from)]), reference);
        const name = `${source}: ${kind}`;
        record(rows, name, outcome);
        console.log(`  fault ${name}: the faulted run ${faulted.hung ? 'hung' : `exited ${faulted.code}`} after ${s(faulted.ms)}, the clean run after it ${followUp.hung ? 'hung' : `exited ${followUp.code}`}: ${verdict(outcome)}`);
        if (!survivedTrial(outcome) || outcome.unclear) problems.push(`${name} (every ${source} request faulted, --deadline ${values.deadline}): ${describe(outcome)}`);
        rmSync(trial, { recursive: true, force: true });
      }
    }
  } finally {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }

  printTable([...rows.values()].sort((a, b) => (a.name.startsWith('kill') === b.name.startsWith('kill') ? 0 : a.name.startsWith('kill') ? -1 : 1)));
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all, seed ${seed}, --deadline ${values.deadline} per run.`);
  for (const problem of problems) console.log(`PROBLEM ${problem}`);
  const totals = [...rows.values()].reduce((t, r) => ({ bad: t.bad + r.money + r.hangs + r.lostStatements + r.lostAlerts + r.wrongLevel }), { bad: 0 });
  if (skipped > 0) {
    console.log(`Stopped at the time limit (--time-limit ${values['time-limit']}): ${skipped} trial(s) not run.`);
    if (totals.bad === 0) return 2;
  }
  return totals.bad > 0 ? 1 : 0;
}

/** A `killWhen` that never kills: it notes when the run's first source request arrived. */
function watchFirstRequest(world: ChaosWorld): { poll: () => boolean; firstMs?: number } {
  const start = Date.now();
  const before = requestCount(world);
  const watch: { poll: () => boolean; firstMs?: number } = {
    poll: () => {
      if (watch.firstMs === undefined && requestCount(world) > before) watch.firstMs = Date.now() - start;
      return false;
    },
  };
  return watch;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Requests all three proxies have seen. */
function requestCount(world: ChaosWorld): number {
  return Object.values(world.proxies).reduce((n, p) => n + p.requests.length, 0);
}

/** What a run was doing when it was killed, from what reached the sources and SNS since it started. */
function stageOf(world: ChaosWorld, before: { requests: number; sent: number }): string {
  const sent = world.sns.messages.slice(before.sent);
  if (sent.some((m) => m.topicArn.endsWith(':costline-statements'))) return 'sending statements';
  if (sent.length > 0) return 'sending alerts';
  if (requestCount(world) > before.requests) return 'ingesting';
  return 'starting';
}

/** After a kill: every later run must end well, and the history must end as the reference's. */
function judgeRecovery(later: LocalRun[], result: WorldResult, reference: WorldResult, inFlight: PublishedMessage[]): TrialOutcome {
  const hung = later.find((r) => r.hung);
  const failed = later.find((r) => r.code !== 0);
  return {
    comparison: compareResults(result, reference, inFlight),
    ...(hung ? { hang: 'a re-run after the kill hung' } : {}),
    ...(failed && !hung ? { unclear: `a re-run after the kill failed (exit ${failed.code}): ${lastLines(failed.stderr)}` } : {}),
  };
}

/**
 * A faulted run must end within its deadline (plus the margin), and either fail naming the source and what
 * happened, or succeed
 * with the reference's money, or with the stored days held and the shrink said; the clean run after it must end
 * the history as the reference's.
 */
function judgeFault(source: ChaosSource, kind: ChaosFault, faulted: LocalRun, faultedResult: WorldResult, followUp: LocalRun, result: WorldResult, reference: WorldResult): TrialOutcome {
  const comparison = compareResults(result, reference);
  if (faulted.hung) return { comparison, hang: `the faulted run had not ended ${HANG_MARGIN_MS / 1000} s past its deadline (${(faulted.ms / 1000).toFixed(1)} s)` };
  if (followUp.hung) return { comparison, hang: 'the clean run after the fault hung' };
  if (followUp.code !== 0) return { comparison, unclear: `the clean run after the fault failed (exit ${followUp.code}): ${lastLines(followUp.stderr)}` };
  if (faulted.code !== 0) {
    if (!SOURCE_NAMES[source].test(faulted.stderr)) return { comparison, unclear: `the faulted run failed without naming ${source}: ${lastLines(faulted.stderr)}` };
    if (!FAULT_WORDS[kind].test(faulted.stderr)) return { comparison, unclear: `the faulted run failed without saying what happened (${kind}): ${lastLines(faulted.stderr)}` };
    return { comparison, ...(kind === 'empty-lists' ? { held: /shrink-held/.test(faulted.stderr) } : {}) };
  }
  const held = /shrink|held/i.test(faulted.stdout + faulted.stderr);
  const same = JSON.stringify(faultedResult.totals) === JSON.stringify(reference.totals);
  if (!same && !held) return { comparison, unclear: `the faulted run exited 0 with different totals and no word of it: ${JSON.stringify(faultedResult.totals)}` };
  return { comparison, ...(held ? { held: true } : {}) };
}

function verdict(o: TrialOutcome): string {
  if (!survivedTrial(o)) return `NOT SURVIVED: ${describe(o)}`;
  return [o.unclear ? `survived, but unclear: ${o.unclear}` : 'survived', o.held ? 'shrink held' : '', o.comparison.resentAfterCrash.length ? `resent ${o.comparison.resentAfterCrash.join(', ')}` : ''].filter(Boolean).join('; ');
}

function survivedTrial(o: TrialOutcome): boolean {
  return !o.hang && survived(o.comparison);
}

function record(rows: Map<string, Row>, name: string, o: TrialOutcome): void {
  const row = rows.get(name) ?? { name, tried: 0, survived: 0, money: 0, unclear: 0, hangs: 0, lostStatements: 0, lostAlerts: 0, wrongLevel: 0, resent: 0, held: 0 };
  const c = o.comparison;
  row.tried += 1;
  row.survived += survivedTrial(o) ? 1 : 0;
  row.money += c.money.length > 0 ? 1 : 0;
  row.unclear += o.unclear ? 1 : 0;
  row.hangs += o.hang ? 1 : 0;
  row.lostStatements += c.lostStatements.length > 0 || c.statementsTwice.length > 0 ? 1 : 0;
  row.lostAlerts += c.lostAlerts.length > 0 ? 1 : 0;
  row.wrongLevel += c.wrongLevel.length > 0 ? 1 : 0;
  row.resent += c.resentAfterCrash.length > 0 ? 1 : 0;
  row.held += o.held ? 1 : 0;
  rows.set(name, row);
}

function describe(o: TrialOutcome): string {
  const c = o.comparison;
  return [
    o.hang,
    o.unclear,
    ...c.money.map((m) => `money ${m}`),
    ...c.files.map((f) => `file ${f}`),
    ...c.lostStatements.map((s) => `statement never sent: ${s}`),
    ...c.statementsTwice.map((s) => `statement ${s}`),
    ...c.lostAlerts.map((a) => `alert lost: ${a}`),
    ...c.wrongLevel.map((a) => `alert ${a}`),
  ]
    .filter(Boolean)
    .join('; ');
}

function printTable(rows: Row[]): void {
  const head = ['fault / kill point', 'tried', 'survived', 'lost/doubled $', 'unclear errors', 'hangs', 'lost statements', 'lost alerts', 'wrong-level alerts', 'resent after crash*', 'held shrinks'];
  const body = rows.map((r) => [r.name, r.tried, r.survived, r.money, r.unclear, r.hangs, r.lostStatements, r.lostAlerts, r.wrongLevel, r.resent, r.held].map(String));
  const sum = (i: number) => String(body.reduce((n, cells) => n + Number(cells[i]), 0));
  const all = [...body, ['all', ...head.slice(1).map((_, i) => sum(i + 1))]];
  const widths = head.map((h, i) => Math.max(h.length, ...all.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const cells of all) console.log(line(cells));
  console.log('* the message a killed run had in flight, sent once more by the next run: the documented at-least-once window.');
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ').slice(0, 400);
}

/** A comma-separated list of known names (`none` or empty: none). */
function listOf<T extends string>(text: string, known: readonly T[], option: string): T[] {
  const names = text === 'none' ? [] : text.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`${option}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}\n${USAGE}`);
  return names as T[];
}

/** `8s`, `90s`, `20m`, `1h`, or seconds. */
function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'] : Number.NaN;
  if (!(ms > 0)) throw new Error(`expected a duration such as 8s, 20m or 1h, got "${text}"\n${USAGE}`);
  return ms;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
