/**
 * One CLI run at a time on a local state folder. dynalite cannot share its database between runs (the
 * second dies with "Database is closed"), and `--fresh` under a running run deletes its data, which
 * then re-sends every alert. The holder writes a lock file with its pid and start time into the folder;
 * another run reads it and refuses, naming the holder. A lock whose pid is no longer alive (a run
 * killed with SIGKILL, a crashed machine) is taken over, with a warning.
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file's name in the state folder (never `LOCK`: that is LevelDB's own). */
export const STATE_LOCK_FILE = 'costline-run.lock';

/** Who holds a state folder. */
export interface StateLockHolder {
  pid: number;
  /** ISO instant the holder took the lock (the machine's clock, not a run's simulated one). */
  since: string;
  /** What the holder runs, e.g. `run`, `statement`. */
  command: string;
}

/** Another run holds the state folder. The message names the folder and the holder, and what to do. */
export class StateInUseError extends Error {
  override readonly name = 'StateInUseError';
  constructor(
    readonly state: string,
    readonly holder: StateLockHolder,
    doing = '',
  ) {
    super(`${doing}the local state ${state} is in use by pid ${holder.pid} (${holder.command}) since ${holder.since}; wait for it or use another --state`);
  }
}

/** A held lock: release it when the run ends, however it ends. */
export interface StateLock {
  readonly path: string;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): void;
  /** Empties the state folder (`--fresh`), keeping the lock. */
  clearState(): void;
}

/**
 * Takes the state folder's lock, creating the folder if need be.
 * @throws StateInUseError when a live process holds it
 */
export function acquireStateLock(
  state: string,
  options: { command: string; pid?: number; now?: () => Date; isAlive?: (pid: number) => boolean; warn?: (message: string) => void },
): StateLock {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? processIsAlive;
  mkdirSync(state, { recursive: true });
  const path = join(state, STATE_LOCK_FILE);
  const mine: StateLockHolder = { pid, since: (options.now ?? (() => new Date()))().toISOString(), command: options.command };
  // The token tells our own lock from another in-process run's (tests run several in one process).
  const token = `${pid}-${Math.random().toString(36).slice(2)}`;
  const body = `${JSON.stringify({ ...mine, token })}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // Written whole under another name, then linked into place: link fails if the lock exists, so two
    // runs starting together cannot both win, and nobody reads a half-written lock.
    const temporary = `${path}.${token}.tmp`;
    writeFileSync(temporary, body);
    try {
      linkSync(temporary, path);
      unlinkSync(temporary);
      return held(state, path, token);
    } catch (error) {
      unlinkSync(temporary);
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder === undefined) continue; // released between our try and our read: try again
    if (isAlive(holder.pid)) throw new StateInUseError(state, holder);
    options.warn?.(`the local state ${state} was held by pid ${holder.pid} (${holder.command}) since ${holder.since}, which is no longer running; taking it over`);
    rmSync(path, { force: true });
  }
  const holder = readHolder(path);
  throw holder ? new StateInUseError(state, holder) : new Error(`could not take the lock ${path}`);
}

function held(state: string, path: string, token: string): StateLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      if (tokenOf(path) === token) rmSync(path, { force: true });
    },
    clearState() {
      for (const entry of readdirSync(state)) if (entry !== STATE_LOCK_FILE) rmSync(join(state, entry), { recursive: true, force: true });
    },
  };
}

/** The holder named in a lock file; undefined when there is none. An unreadable one reads as a dead holder. */
function readHolder(path: string): StateLockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StateLockHolder>;
    if (typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0) {
      return { pid: parsed.pid, since: String(parsed.since ?? 'an unknown time'), command: String(parsed.command ?? 'a costline run') };
    }
  } catch {
    // not JSON: fall through
  }
  return { pid: -1, since: 'an unknown time', command: 'unreadable lock file' };
}

function tokenOf(path: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { token?: string }).token;
  } catch {
    return undefined;
  }
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists under another user. */
function processIsAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
