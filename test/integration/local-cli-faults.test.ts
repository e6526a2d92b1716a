import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosFault } from '../../local/chaos/chaos-faults';
import { compareResults, resultOf } from '../../local/chaos/chaos-results';
import { cliArgs } from '../../local/chaos/chaos-run';
import { PHASES, startChaosWorld, type ChaosWorld, type Phase } from '../../local/chaos/chaos-world';
import { cli } from '../support/cli';

/**
 * The local CLI in the chaos world (chaos-world.ts), in-process: a source fault on the run that would close
 * October. Found by `npm run chaos`: an Anthropic answer with every list empty was held as a shrink, and the run
 * then closed October with the held days and without the third day's Anthropic spend; the later full answer
 * could only become a prior-period adjustment. A month never closes on an ingestion that held a shrink.
 */
const [EARLY, CLOSED] = PHASES as [Phase, Phase];

let dir: string;
let world: ChaosWorld;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'costline-cli-faults-'));
  world = await startChaosWorld(dir);
});
afterAll(async () => {
  await world?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(phase: Phase, state: string, out: string) {
  world.setNow(phase.now);
  return cli(cliArgs(world, { phase, state, out }), world.env);
}

describe('npm run local --live when a source answers empty on the closing run', () => {
  it('closes nothing and writes nothing, naming the source that held a shrink; the next complete run closes October with the clean bill, sent once', async () => {
    // Prepare: a clean history for reference, and a second one up to the closing run.
    const reference = { state: join(dir, 'ref-state'), out: join(dir, 'ref-out') };
    expect((await run(EARLY, reference.state, reference.out)).code).toBe(0);
    expect((await run(CLOSED, reference.state, reference.out)).code).toBe(0);
    const clean = resultOf(reference.out, world.sns.messages);
    const state = join(dir, 'state');
    const out = join(dir, 'out');
    const from = world.sns.messages.length;
    expect((await run(EARLY, state, out)).code).toBe(0);

    // Act: the closing run with every Anthropic list emptied, then the same run with the fault gone.
    const remove = world.proxies.anthropic.inject(chaosFault('empty-lists'));
    const faulted = await run(CLOSED, state, out).finally(remove);
    const finalsAfterFault = world.sns.messages.slice(from).filter((m) => m.attributes.status?.value === 'final').length;
    const again = await run(CLOSED, state, out);

    // Assess
    expect(faulted.code).toBe(1);
    expect(faulted.stderr).toMatch(/2026-10 is final but not closed: its last ingestion was not complete \(anthropic-costs shrink-held: .*2026-10-01/);
    expect(faulted.stderr).toContain('No files written and no month closed');
    expect(finalsAfterFault).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    const { resentAfterCrash: _none, ...comparison } = compareResults(resultOf(out, world.sns.messages.slice(from)), clean);
    expect(comparison).toEqual({ money: [], files: [], wrongLevel: [], lostAlerts: [], lostStatements: [], statementsTwice: [] });
  }, 60_000);
});
