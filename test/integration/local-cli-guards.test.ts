import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startFaultProxy } from '../../local/emulators/fault-proxy';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { STATE_LOCK_FILE } from '../../local/state-lock';
import { cli, cliProcess } from '../support/cli';

/** Waits until `ready` holds, polling; fails after `ms`. */
async function until(ready: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`not ready within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The sample config with only AWS enabled, written in `dir`; returns its path. */
function awsOnlyConfig(dir: string): string {
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync('costline.config.json', 'utf8')), sources: { aws: { enabled: true }, openai: { enabled: false }, anthropic: { enabled: false } } }));
  return config;
}

describe('one local run at a time on a state folder', () => {
  it('refuses a second run and a --fresh while a first run holds the state, naming its pid; the first finishes untouched', async () => {
    // Prepare: a first run, as its own process, holding the state while its first Cost Explorer request is held
    // open by a proxy until the refusals are done (a --live run of AWS alone: the whole sample replay is not needed
    // to hold a lock).
    const tmp = mkdtempSync(join(tmpdir(), 'costline-lock-cli-'));
    const state = join(tmp, 'state');
    const lockFile = join(state, STATE_LOCK_FILE);
    const config = awsOnlyConfig(tmp);
    const ce = await startCostExplorerServer({ ledger: sampleLedger() });
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const proxy = await startFaultProxy({ target: ce.url });
    proxy.inject({ kind: 'stall-headers', until: held }, { times: 1 });
    try {
      const first = cliProcess(['--live', '--month', '2026-10', '--now', '2026-11-03T06:00:00Z', '--config', config, '--state', state, '--out', join(tmp, 'out1')], {
        AWS_ENDPOINT_URL_COST_EXPLORER: proxy.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
      });
      await until(() => existsSync(lockFile) && proxy.requests.length > 0, 50_000);
      const holder = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number; since: string };

      // Act: a second run, and a --fresh one, while the first holds it.
      const second = await cli(['--state', state, '--out', join(tmp, 'out2')]);
      const fresh = await cli(['--fresh', '--state', state, '--out', join(tmp, 'out3')]);
      const stateWhileHeld = readdirSync(state);
      const lockedWhileHeld = existsSync(lockFile);
      release();
      const done = await first;

      // Assess
      expect(lockedWhileHeld).toBe(true); // the first still held it: the refusals did not touch it
      expect(second.code).toBe(2);
      expect(second.stderr).toBe(`the local state ${state} is in use by pid ${holder.pid} (run) since ${holder.since}; wait for it or use another --state`);
      expect(second.stderr).not.toMatch(/Database is closed|at .*\.ts:\d+/);
      expect(fresh.code).toBe(2);
      expect(fresh.stderr).toBe(`--fresh refused, nothing deleted: the local state ${state} is in use by pid ${holder.pid} (run) since ${holder.since}; wait for it or use another --state`);
      expect(stateWhileHeld).toContain(STATE_LOCK_FILE);
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toContain('Ingested aws-cost-explorer');
      expect(existsSync(join(tmp, 'out1', '2026-10', 'chargeback.json'))).toBe(true);
      expect(existsSync(lockFile)).toBe(false); // released on exit
      expect(existsSync(join(tmp, 'out2'))).toBe(false);
      expect(existsSync(join(tmp, 'out3'))).toBe(false);
    } finally {
      release();
      await proxy.close();
      await ce.close();
    }
  });

  it('takes over a lock left by a run that is no longer alive, with a warning, and releases it after a failure too', async () => {
    // Prepare: a lock naming a process that has exited.
    const tmp = mkdtempSync(join(tmpdir(), 'costline-lock-cli-'));
    const state = join(tmp, 'state');
    mkdirSync(state, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(state, STATE_LOCK_FILE), JSON.stringify({ pid: dead, since: '2026-10-05T06:00:00.000Z', command: 'run', token: 'gone' }));

    // Act: explain on the empty state fails (no records), after taking the lock.
    const result = await cli(['explain', '--team', 'payments', '--state', state]);

    // Assess
    expect(result.stderr).toContain(`warning: the local state ${state} was held by pid ${dead} (run) since 2026-10-05T06:00:00.000Z, which is no longer running; taking it over`);
    expect(result.code).toBe(1);
    expect(existsSync(join(state, STATE_LOCK_FILE))).toBe(false);
  });

  it('refuses a --deadline that is not a duration, before touching the state', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'costline-lock-cli-'));
    const result = await cli(['--deadline', 'soon', '--state', join(tmp, 'state')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--deadline: expected a duration from 1s to 24h, such as 900, 90s, 15m or 1h; got "soon"/);
    expect(existsSync(join(tmp, 'state'))).toBe(false);
  });
});

describe('--deadline', () => {
  it('ends a --live run whose Cost Explorer never answers at the deadline, naming the source, with no files written', async () => {
    // Prepare: Cost Explorer behind a proxy that holds every request without a word; only AWS enabled.
    const tmp = mkdtempSync(join(tmpdir(), 'costline-deadline-cli-'));
    const ce = await startCostExplorerServer({ ledger: sampleLedger() });
    const proxy = await startFaultProxy({ target: ce.url, faultFor: () => ({ kind: 'stall-headers' }) });
    const config = awsOnlyConfig(tmp);
    try {
      // Act
      const started = Date.now();
      const result = await cli(['--live', '--month', '2026-10', '--now', '2026-11-03T06:00:00Z', '--deadline', '3s', '--config', config, '--state', join(tmp, 's'), '--out', join(tmp, 'out')], {
        AWS_ENDPOINT_URL_COST_EXPLORER: proxy.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
      });
      const elapsed = Date.now() - started;
      console.info(`npm run local --live --deadline 3s, Cost Explorer stalled: ended after ${elapsed} ms`);
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("FAILED aws-cost-explorer: Cost Explorer tagged query, page 1: stopped at the run's deadline, waiting for an answer");
      expect(proxy.requests.length).toBeGreaterThan(0);
      expect(elapsed).toBeGreaterThanOrEqual(2900);
      expect(elapsed).toBeLessThan(20_000);
      expect(existsSync(join(tmp, 'out'))).toBe(false);
    } finally {
      await proxy.close();
      await ce.close();
    }
  });
});
