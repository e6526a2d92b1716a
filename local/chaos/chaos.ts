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
import { CHAOS_FAULTS, chaosFault } from './chaos-faults';
import { describe, HANG_MARGIN_MS, judgeFault, judgeRecovery, survivedTrial, verdict } from './chaos-judge';
import { resultOf } from './chaos-results';
import { runLocal, type LocalRun } from './chaos-run';
import { printTable, record, type Row } from './chaos-table';
import { CHAOS_SOURCES, PHASES, startChaosWorld, type ChaosWorld, type Phase } from './chaos-world';
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
