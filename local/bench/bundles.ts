/**
 * The bench's Lambda bundles: each handler in `functions/handlers/` built as `cdk deploy` builds it
 * (`LAMBDA_ESBUILD`), its size, and its module load time, a proxy for the cold start's init phase:
 * the built bundle imported in a fresh Node process, several times, median ms.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { LAMBDA_ESBUILD } from '../../infra/constructs/lambda-bundling';
import { DEFAULT_CONFIG_FILE } from '../../functions/config/load-config';

const run = promisify(execFile);

/** Every file here is one Lambda's entry point (the stack's `entry`). */
const HANDLERS_DIR = 'functions/handlers';

/** One bundle's figures. */
export interface BundleFigures {
  /** The handler's file name without `.ts`: `ingest`, `usage`, `statement`. */
  bundle: string;
  bytes: number;
  /** Median over {@link BundleFigures.loads} fresh processes of the time `import()` of the bundle took, ms. */
  loadMsMedian: number;
  loads: number;
}

/** What the handlers read at cold start, so that importing a bundle runs its init as in Lambda. */
function coldStartEnvironment(root: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'costline',
    ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:costline-alerts',
    STATEMENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:costline-statements',
    STATEMENTS_BUCKET: 'costline-statements',
    COSTLINE_CONFIG_PATH: join(root, DEFAULT_CONFIG_FILE),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Imports the bundle and prints how long that took; exits at once (module scope may hold sockets open). */
const LOAD_SCRIPT = 'const t = performance.now(); await import(process.env.COSTLINE_BENCH_BUNDLE); process.stdout.write(String(performance.now() - t)); process.exit(0);';

async function loadMs(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', LOAD_SCRIPT], { env: { ...env, COSTLINE_BENCH_BUNDLE: file }, timeout: 60_000 });
  const ms = Number(stdout);
  if (!Number.isFinite(ms)) throw new Error(`loading ${file} printed ${JSON.stringify(stdout)}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Builds every handler's bundle into a temporary folder, measures it, and removes the folder.
 * @param loads fresh processes per bundle for the load time (they run one after another)
 */
export async function measureBundles(root = process.cwd(), loads = 5): Promise<BundleFigures[]> {
  const entries = readdirSync(join(root, HANDLERS_DIR)).filter((f) => f.endsWith('.ts')).sort();
  const out = mkdtempSync(join(tmpdir(), 'costline-bundle-'));
  const env = coldStartEnvironment(root);
  try {
    const figures: BundleFigures[] = [];
    for (const entry of entries) {
      const bundle = basename(entry, '.ts');
      const outfile = join(out, bundle, 'index.mjs');
      await build({
        entryPoints: [resolve(root, HANDLERS_DIR, entry)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: LAMBDA_ESBUILD.target,
        mainFields: [...LAMBDA_ESBUILD.mainFields],
        minify: LAMBDA_ESBUILD.minify,
        banner: { js: LAMBDA_ESBUILD.banner },
        outfile,
        logLevel: 'silent',
      });
      const times: number[] = [];
      for (let i = 0; i < loads; i += 1) times.push(await loadMs(outfile, env));
      figures.push({ bundle, bytes: statSync(outfile).size, loadMsMedian: median(times), loads });
    }
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
