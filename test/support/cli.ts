import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { vi } from 'vitest';
import { runCli } from '../../local/run-cli';

/** What one CLI invocation printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run local -- ARGS` in this process (the same `runCli` the entry point calls), capturing what
 * it prints. `env` is set for the call and restored after. In-process runs skip a Node start and a
 * TypeScript transform per call, which kept the subprocess version of these tests near their timeout.
 */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? (p.stack ?? p.message) : JSON.stringify(p))).join(' ');
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...p: unknown[]) => void out.push(text(p))),
    vi.spyOn(console, 'info').mockImplementation((...p: unknown[]) => void out.push(text(p))),
    vi.spyOn(console, 'warn').mockImplementation((...p: unknown[]) => void err.push(text(p))),
    vi.spyOn(console, 'error').mockImplementation((...p: unknown[]) => void err.push(text(p))),
  ];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await runCli(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

/** Runs the real entry point (`tsx local/cli.ts`) as a process, with `env` added: for exit codes and stderr as a user sees them. */
export async function cliProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/cli.ts', ...args], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every file of a folder, by name. */
/**
 * Each file of an out folder's months as its SHA-256: a golden of a whole run's files (megabytes of focus.csv)
 * that still pins them byte for byte.
 */
export function digestsOf(out: string): Record<string, Record<string, string>> {
  return Object.fromEntries(
    readdirSync(out)
      .sort()
      .map((month) => [month, Object.fromEntries(readdirSync(join(out, month)).sort().map((f) => [f, createHash('sha256').update(readFileSync(join(out, month, f))).digest('hex')]))]),
  );
}

export function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}
