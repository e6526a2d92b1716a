import { spawn } from 'node:child_process';
import { CHAOS_MONTH, CLI, REPO, type ChaosWorld, type Phase } from './chaos-world';

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
