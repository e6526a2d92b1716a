import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Integration tests first, then the infrastructure's, then unit tests, each group in Vitest's own order (longest
 * first when it has timings from an earlier run, largest file first when it has none, as on a fresh clone). By file
 * size alone, a short file that replays the whole sample (the backfill CLI test) started last and ran past all the
 * others; the slow tests are the integration ones, so starting them first leaves the quick ones to fill the end.
 */
class IntegrationFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const group = (f: TestSpecification) => (f.moduleId.includes('/test/integration/') ? 0 : f.moduleId.includes('/test/infra/') ? 1 : 2);
    return (await super.sort(files))
      .map((file, order) => ({ file, order }))
      .sort((a, b) => group(a.file) - group(b.file) || a.order - b.order)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Vitest leaves a core free by default, which on a 2-core machine means one worker. Many tests wait (on
    // loopback servers, dynalite, retries and deadlines) while the whole-sample runs compute, so on 2 cores three
    // workers overlap them. Measured 2026-12-02 (npm test, runs vary by about 20 s): 236-262 s with two, 242 s with three.
    maxWorkers: Math.max(3, availableParallelism()),
    // Each worker imports the SDK clients, CDK and the code under test once, not once per test file: isolated,
    // the 111 files spent about 107 s importing on 2 cores (of a 370 s run); shared, 24 s. No test file may
    // therefore rely on vi.mock of a module another file imports, or leave process.env, timers or spies changed.
    isolate: false,
    sequence: { sequencer: IntegrationFirst },
    // CDK synth with bundling and dynalite start-up are slow on 2 cores; the defaults are too tight.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
  },
});
