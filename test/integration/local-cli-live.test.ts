import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import { startAnthropicServer } from '../../local/emulators/anthropic-server';
import { startCostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startOpenAiServer } from '../../local/emulators/openai-server';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { sampleProviderLedger } from '../../local/sample/sample-provider-ledger';
import { expectBooksBalance } from '../support/books';
import { cli, cliProcess } from '../support/cli';

describe('npm run local, against servers of your own and with bad options', () => {
  it('with --live, reads Cost Explorer and the providers where their SDKs are told to (AWS_ENDPOINT_URL_*, OPENAI_/ANTHROPIC_BASE_URL, admin keys from the environment)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'costline-cli-'));
    const books = sampleProviderLedger();
    const ce = await startCostExplorerServer({ ledger: sampleLedger() });
    const openai = await startOpenAiServer({ ledger: books.openai, adminKey: 'sk-admin-live-test' });
    const anthropic = await startAnthropicServer({ ledger: books.anthropic, adminKey: 'sk-ant-admin-live-test' });
    try {
      const { stdout } = await cli(['--live', '--month', '2026-10', '--now', '2026-11-03T06:00:00Z', '--fresh', '--state', join(tmp, 's'), '--out', join(tmp, 'out')], {
        AWS_ENDPOINT_URL_COST_EXPLORER: ce.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        OPENAI_BASE_URL: openai.url,
        OPENAI_ADMIN_KEY: 'sk-admin-live-test',
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_ADMIN_KEY: 'sk-ant-admin-live-test',
      });
      expect(openai.requests.length).toBeGreaterThan(0);
      expect(anthropic.requests.length).toBeGreaterThan(0);
      expect(ce.requests.length).toBeGreaterThanOrEqual(2);
      expect(ce.requests[0]).toMatchObject({ TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Granularity: 'DAILY' });
      expect(stdout).toMatch(/Cost Explorer requests \(\$0\.\d\d\)/);
      const chargeback = JSON.parse(readFileSync(join(tmp, 'out', '2026-10', 'chargeback.json'), 'utf8')) as Chargeback;
      expect(chargeback.providers.aws).toBe('11459.91');
      expectBooksBalance(chargeback);
    } finally {
      await Promise.all([ce.close(), openai.close(), anthropic.close()]);
    }
  });

  it('rejects --from without --to, naming the options', async () => {
    const error = await cliProcess(['--from', '2026-09']);
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('--from and --to go together');
  });

  it('rejects --now without --live or the statement command, and a malformed instant', async () => {
    const alone = await cli(['--now', '2026-11-03T06:00:00Z']);
    const malformed = await cli(['statement', '--month', '2026-09', '--now', '2026-11-31T06:00:00Z']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--now goes with --live or the statement command');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--now: expected a UTC instant like 2026-11-03T06:00:00Z, got "2026-11-31T06:00:00Z"');
  });
});
