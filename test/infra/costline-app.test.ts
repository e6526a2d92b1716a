import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config/load-config';
import { buildCostlineApp } from '../../infra/costline-app';
import { CONFIG_FILE, REPO_ROOT, testApp } from './support';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

describe('costline app', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'costline-app-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ currency: 'EUR', teams: [], sources: { aws: {} }, allocation: {} }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the config named by the `config` context before COSTLINE_CONFIG', () => {
    const app = testApp({ context: { config: CONFIG_FILE } });
    expect(() => buildCostlineApp(app, { COSTLINE_CONFIG: join(dir, 'bad.json') })).not.toThrow();
  });

  it('reads the config named by COSTLINE_CONFIG when no context is given', () => {
    expect(() => buildCostlineApp(testApp(), { COSTLINE_CONFIG: join(dir, 'bad.json') })).toThrow(ConfigError);
  });

  it('exits with the ConfigError message, naming the file and each problem, when the config is invalid', () => {
    const { CDK_OUTDIR: _cli, ...env } = process.env;
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/app.ts'], {
      cwd: REPO_ROOT,
      env: { ...env, COSTLINE_CONFIG: join(dir, 'bad.json') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${join(dir, 'bad.json')} is invalid`);
    expect(run.stderr).toContain('currency: expected "USD"');
    expect(run.stderr).toContain('teams: expected at least one team');
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });
});
