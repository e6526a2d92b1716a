/**
 * The esbuild settings of every Lambda bundle, in one place with no CDK imports, so `npm run bench`
 * measures the bundles that `cdk deploy` ships.
 */
export const LAMBDA_ESBUILD = {
  /** Matches the runtime (Node.js 24). */
  target: 'node24',
  /** Prefer the ES module builds of dependencies: better tree shaking of the SDK. */
  mainFields: ['module', 'main'],
  minify: true,
  /** CommonJS dependencies bundled into an ES module still call require(). */
  banner: "import { createRequire as __costlineCreateRequire } from 'node:module'; const require = __costlineCreateRequire(import.meta.url);",
} as const;
