/**
 * `npm run bench`: figures for a larger organisation, never assertions (see run-bench.ts for the
 * sections, bench-options.ts for the flags). Text on stdout, or with `--json` JSON Lines on stdout and
 * nothing else there; errors on stderr.
 */
import { BENCH_USAGE, BenchUsageError, parseBenchArgs } from './bench-options';
import { runBench } from './run-bench';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

try {
  const options = parseBenchArgs(process.argv.slice(2));
  await runBench(options, (text) => process.stdout.write(`${text}\n`));
} catch (error) {
  if (error instanceof BenchUsageError) {
    console.error(`${error.message}\n${BENCH_USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
}
