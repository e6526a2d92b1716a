import { builtinModules } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CostlineStack } from '../../infra/costline-stack';
import type { ScheduledFunction } from '../../infra/constructs/scheduled-function';
import { CONFIG_FILE, testApp, testConfig } from './support';

const outdir = mkdtempSync(join(tmpdir(), 'costline-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it('bundles the three real handlers with the local esbuild into an ESM index.mjs with the SDK inside and the config file beside it', () => {
  const app = testApp({ bundle: true, outdir });
  const stack = new CostlineStack(app, 'Costline', { config: testConfig(), configFile: CONFIG_FILE });
  const assembly = app.synth();

  const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties: any }> };
  const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  // The repository's config enables both model providers, so the hourly usage function exists.
  const idOf = (job: ScheduledFunction) => stack.getLogicalId(job.function.node.defaultChild as never);
  expect(functions.map(([id]) => id).sort()).toEqual([idOf(stack.ingest), idOf(stack.usage!), idOf(stack.statement)].sort());
  const readsSecrets = new Set([idOf(stack.ingest), idOf(stack.usage!)]);

  const config = readFileSync(CONFIG_FILE, 'utf8');
  for (const [id, fn] of functions) {
    // The Code S3Key is `<asset hash>.zip`; the staged asset is the directory `asset.<asset hash>`.
    const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    const dir = join(assembly.directory, `asset.${hash}`);
    expect(existsSync(dir), `${id}: ${dir}`).toBe(true);
    expect(readdirSync(dir).sort(), id).toEqual(['costline.config.json', 'index.mjs', 'index.mjs.map']);
    expect(readFileSync(join(dir, 'costline.config.json'), 'utf8'), `${id}: config copied as-is`).toBe(config);

    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire as __costlineCreateRequire } from 'node:module';"), `${id}: starts with the createRequire banner`).toBe(true);
    // Booleans, not the 800 kB bundle, in a failure message.
    expect(/export\s*\{[^}]*\bhandler\b[^}]*\}/.test(code), `${id}: exports handler as an ES module`).toBe(true);
    // Nothing left external (externalModules: []): the only static imports are Node built-ins.
    const staticImports = [...code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[^'";]*?\bfrom\s*)?["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(staticImports.filter((s) => !s.startsWith('node:') && !builtinModules.includes(s)), `${id}: static imports`).toEqual([]);
    // The SDK client's package name travels into the bundle with its user agent.
    expect(code.includes('"@aws-sdk/client-dynamodb"'), `${id}: the DynamoDB client is bundled`).toBe(true);
    // The admin keys are read through Powertools Parameters and its Secrets Manager client, bundled too.
    expect(code.includes('"@aws-sdk/client-secrets-manager"'), `${id}: the Secrets Manager client is bundled`).toBe(readsSecrets.has(id));
  }
});
