import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireStateLock, STATE_LOCK_FILE, StateInUseError } from '../../../local/state-lock';

const folder = () => join(mkdtempSync(join(tmpdir(), 'costline-lock-')), 'state');
const at = (iso: string) => () => new Date(iso);

describe('local state lock', () => {
  it('writes the holder’s pid, command and start time, and removes the file on release', () => {
    const state = folder();
    const lock = acquireStateLock(state, { command: 'run', pid: 4242, now: at('2026-10-05T06:00:00Z') });
    expect(JSON.parse(readFileSync(join(state, STATE_LOCK_FILE), 'utf8'))).toMatchObject({ pid: 4242, command: 'run', since: '2026-10-05T06:00:00.000Z' });
    lock.release();
    lock.release();
    expect(existsSync(join(state, STATE_LOCK_FILE))).toBe(false);
  });

  it('refuses a second holder while the first is alive, naming its pid and since when, and what to do', () => {
    const state = folder();
    const first = acquireStateLock(state, { command: 'run', pid: 1234, now: at('2026-10-05T06:00:00Z'), isAlive: () => true });
    const error = (() => {
      try {
        acquireStateLock(state, { command: 'statement', pid: 999, isAlive: () => true });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StateInUseError);
    expect((error as Error).message).toBe(`the local state ${state} is in use by pid 1234 (run) since 2026-10-05T06:00:00.000Z; wait for it or use another --state`);
    first.release();
    acquireStateLock(state, { command: 'statement', pid: 999, isAlive: () => true }).release();
  });

  it('refuses a second holder in the same process too (the first one’s pid is alive)', () => {
    const state = folder();
    const first = acquireStateLock(state, { command: 'run' });
    expect(() => acquireStateLock(state, { command: 'run' })).toThrow(StateInUseError);
    first.release();
  });

  it('takes over a lock whose pid is no longer running, with a warning', () => {
    const state = folder();
    acquireStateLock(state, { command: 'run', pid: 1234, now: at('2026-10-05T06:00:00Z') }); // never released: killed
    const warnings: string[] = [];
    const lock = acquireStateLock(state, { command: 'run', pid: 5678, isAlive: (pid) => pid !== 1234, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([`the local state ${state} was held by pid 1234 (run) since 2026-10-05T06:00:00.000Z, which is no longer running; taking it over`]);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: 5678 });
    lock.release();
  });

  it('takes over an unreadable lock file as a dead holder\'s', () => {
    const state = folder();
    acquireStateLock(state, { command: 'run' }).release();
    writeFileSync(join(state, STATE_LOCK_FILE), 'garbage');
    const warnings: string[] = [];
    acquireStateLock(state, { command: 'run', warn: (m) => warnings.push(m) }).release();
    expect(warnings[0]).toMatch(/was held by pid -1 \(unreadable lock file\).*taking it over$/);
  });

  it('does not remove a lock it no longer holds (taken over after it was thought dead)', () => {
    const state = folder();
    const stale = acquireStateLock(state, { command: 'run', pid: 1234 });
    const current = acquireStateLock(state, { command: 'run', pid: 5678, isAlive: (pid) => pid !== 1234 });
    stale.release();
    expect(JSON.parse(readFileSync(current.path, 'utf8'))).toMatchObject({ pid: 5678 });
    current.release();
  });

  it('empties the state folder for --fresh but keeps the lock', () => {
    const state = folder();
    const lock = acquireStateLock(state, { command: 'run' });
    writeFileSync(join(state, '000003.log'), 'x');
    writeFileSync(join(state, 'CURRENT'), 'x');
    lock.clearState();
    expect(readdirSync(state)).toEqual([STATE_LOCK_FILE]);
    lock.release();
  });
});
