import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareResults, resultOf, type WorldResult } from '../../local/chaos/chaos-results';
import { runLocal } from '../../local/chaos/chaos-run';
import { PHASES, startChaosWorld, type ChaosWorld } from '../../local/chaos/chaos-world';
import type { PublishedMessage } from '../../local/emulators/sns-server';
import { STATE_LOCK_FILE } from '../../local/state-lock';

/**
 * The local CLI as a real process (`node --import tsx local/cli.ts --live ...`), killed with SIGKILL
 * at three points of the run that closes October, each time run again on the same state: mid-ingestion, just
 * after SNS accepted the second alert, and just after it accepted the finance statement (before the team's). The
 * last run must end with the clean run's result, to the cent and to the message. A kill 2 ms after SNS accepted
 * a message mostly lands before the run recorded it: the documented at-least-once window, so that message may
 * go out once more (and only that one, only once). Kills at random points, and every source fault, are `npm run chaos`. A run takes
 * 2-4 s; the file stays near 20 s.
 */
const [EARLY, CLOSED] = PHASES as [(typeof PHASES)[0], (typeof PHASES)[1]];

let dir: string;
let world: ChaosWorld;
/** The state after the early run, copied for the trial. */
let earlyState: string;
let reference: WorldResult;
/** What SNS received from the early run: the trial's history starts with it. */
let sentEarly: PublishedMessage[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'costline-crash-'));
  world = await startChaosWorld(dir);
  const state = join(dir, 'reference-state');
  const out = join(dir, 'reference-out');
  const early = await runLocal(world, { phase: EARLY, state, out });
  expect(early.code, early.stderr).toBe(0);
  earlyState = join(dir, 'early-state');
  cpSync(state, earlyState, { recursive: true });
  sentEarly = [...world.sns.messages];
  const closed = await runLocal(world, { phase: CLOSED, state, out });
  expect(closed.code, closed.stderr).toBe(0);
  reference = resultOf(out, world.sns.messages);
}, 60_000);

afterAll(async () => {
  await world?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a local run killed partway and run again', () => {
  it('the clean run closes October, sends its final statements and escalates alerts (what the killed runs must reproduce)', () => {
    expect(reference.status).toBe('final');
    expect(reference.statements.filter((s) => s.status === 'final').map((s) => s.part).sort()).toEqual(['finance', 'search']);
    expect(reference.alerts.filter((a) => a.scope.endsWith('#threshold#team:search')).map((a) => a.level)).toEqual(['80', '100']);
  });

  it('ends with the clean run\'s chargeback, statement files and alerts after SIGKILLs mid-ingestion, between two alerts and between two statements: each dead run\'s lock taken over, only its in-flight message sent again', async () => {
    // Prepare: the state as the early run left it; what SNS receives from here on is this history's.
    const state = join(dir, 'trial-state');
    const out = join(dir, 'trial-out');
    cpSync(earlyState, state, { recursive: true });
    const from = world.sns.messages.length;
    const sent = () => world.sns.messages.slice(from);
    const requests = () => Object.values(world.proxies).reduce((n, p) => n + p.requests.length, 0);
    const requestsBefore = requests();
    const killPoints: Array<{ name: string; when: () => boolean }> = [
      { name: 'mid-ingestion (the tenth source request answered)', when: () => requests() - requestsBefore >= 10 },
      { name: 'just after SNS accepted the second alert', when: () => sent().filter((m) => m.topicArn.endsWith(':costline-alerts')).length >= 2 },
      { name: 'just after SNS accepted the finance statement, before the team\'s', when: () => sent().some((m) => m.attributes.kind?.value === 'statement' && m.attributes.status?.value === 'final') },
    ];

    // Act: each kill point ends one run; the next run takes over the state and goes on, until one completes.
    const inFlight: PublishedMessage[] = [];
    const killed: string[] = [];
    for (const point of killPoints) {
      const before = world.sns.messages.length;
      const run = await runLocal(world, { phase: CLOSED, state, out, killWhen: point.when });
      if (run.signal !== 'SIGKILL') continue;
      killed.push(point.name);
      // The last message a killed run got accepted may not be recorded as sent: the next run may send it again.
      if (world.sns.messages.length > before) inFlight.push(world.sns.messages.at(-1)!);
      expect(existsSync(join(state, STATE_LOCK_FILE)), `the run killed ${point.name} left its lock`).toBe(true);
    }
    const last = await runLocal(world, { phase: CLOSED, state, out });

    // Assess: every kill landed mid-run; the dead run's lock was taken over, not obeyed; nothing lost, doubled or out of order.
    expect(killed).toEqual(killPoints.map((p) => p.name));
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).toMatch(/which is no longer running; taking it over/);
    const { resentAfterCrash, ...comparison } = compareResults(resultOf(out, [...sentEarly, ...sent()]), reference, inFlight);
    expect(comparison).toEqual({ money: [], files: [], wrongLevel: [], lostAlerts: [], lostStatements: [], statementsTwice: [] });
    expect(resentAfterCrash.length).toBeLessThanOrEqual(inFlight.length);
  }, 60_000);
});
