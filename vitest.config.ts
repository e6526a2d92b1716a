import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

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
    // CDK synth with bundling and dynalite start-up are slow on 2 cores; the defaults are too tight.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
  },
});
