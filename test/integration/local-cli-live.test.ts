import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import { startAnthropicServer } from '../../local/emulators/anthropic-server';
import { startCostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startOpenAiServer } from '../../local/emulators/openai-server';
import { startStsServer } from '../../local/emulators/sts-server';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { sampleProviderLedger } from '../../local/sample/sample-provider-ledger';
import { expectBooksBalance } from '../support/books';
import { cli, cliProcess } from '../support/cli';

/** The sample's October AWS spend (AmortizedCost), as the default run's statement shows it. */
const sampleAwsOctober = '11470.27';

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
      expect(chargeback.providers.aws).toBe(sampleAwsOctober);
      expectBooksBalance(chargeback);
    } finally {
      await Promise.all([ce.close(), openai.close(), anthropic.close()]);
    }
  });

  it('with --live and sources.aws.roleArn, signs every Cost Explorer request with the payer role\'s session, assumed through STS (AWS_ENDPOINT_URL_STS) with the external id', async () => {
    // Prepare: the payer role in a loopback STS; a Cost Explorer that accepts only that role's sessions, as the
    // payer account's would; the sample config with the role, model providers off.
    const tmp = mkdtempSync(join(tmpdir(), 'costline-cli-'));
    const role = { roleArn: 'arn:aws:iam::999988887777:role/Costline-cost-read', externalId: 'costline-live-test' };
    const sts = await startStsServer({ roles: [role] });
    const callers: { accessKeyId?: string; sessionToken?: string }[] = [];
    const ce = await startCostExplorerServer({ ledger: sampleLedger(), authorize: (caller) => callers.push(caller) > 0 && sts.isValid(caller.accessKeyId, caller.sessionToken) });
    const sample = JSON.parse(readFileSync('costline.config.json', 'utf8'));
    const config = join(tmp, 'costline.config.json');
    writeFileSync(config, JSON.stringify({ ...sample, sources: { ...sample.sources, aws: { ...sample.sources.aws, ...role }, openai: { enabled: false }, anthropic: { enabled: false } } }));
    try {
      // Act
      const { code, stderr } = await cli(['--live', '--config', config, '--month', '2026-10', '--now', '2026-11-03T06:00:00Z', '--fresh', '--state', join(tmp, 's'), '--out', join(tmp, 'out')], {
        AWS_ENDPOINT_URL_COST_EXPLORER: ce.url,
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_ACCESS_KEY_ID: 'AKIDCALLER',
        AWS_SECRET_ACCESS_KEY: 'secret',
      });

      // Assess: one session, asked for with the caller's own keys and the external id; every Cost Explorer request signed with it.
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(sts.sessions).toHaveLength(1);
      expect(sts.sessions[0]).toMatchObject({ ...role, sessionName: 'costline', callerAccessKeyId: 'AKIDCALLER' });
      expect(sts.requests[0]).toMatchObject({ Action: 'AssumeRole', RoleArn: role.roleArn, ExternalId: role.externalId });
      expect(ce.requests.length).toBeGreaterThanOrEqual(2);
      expect(callers).toHaveLength(ce.requests.length);
      for (const caller of callers) expect(caller).toEqual({ accessKeyId: sts.sessions[0]!.accessKeyId, sessionToken: sts.sessions[0]!.sessionToken });
      const chargeback = JSON.parse(readFileSync(join(tmp, 'out', '2026-10', 'chargeback.json'), 'utf8')) as Chargeback;
      expect(chargeback.providers.aws).toBe(sampleAwsOctober);
      expectBooksBalance(chargeback);
    } finally {
      await Promise.all([ce.close(), sts.close()]);
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
