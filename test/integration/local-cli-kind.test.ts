import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import { startCostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { cli } from '../support/cli';

/** A stack trace, or Node's own parseArgs wording: what a user should never have to read. */
const RAW = /\n\s+at .*:\d+|To specify a positional argument/;

const scratch = () => mkdtempSync(join(tmpdir(), 'costline-kind-'));

/** The bundled config with only the given sources enabled (their other settings as bundled). */
function configWith(dir: string, enabled: { aws: boolean; openai: boolean; anthropic: boolean }): string {
  const config = JSON.parse(readFileSync('costline.config.json', 'utf8'));
  for (const [source, on] of Object.entries(enabled)) config.sources[source] = { ...config.sources[source], enabled: on };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('npm run local fails kindly, before any work', () => {
  it('answers an unknown option with the usage and the closest known option, exit 2', async () => {
    const typo = await cli(['--mnth', '2026-10']);
    const typoWithValue = await cli(['--deadlin=90s']);
    const far = await cli(['--zzzzzzzz']);

    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^unknown option --mnth; did you mean --month\?\n\nUsage: npm run local/);
    expect(typo.stderr).not.toMatch(RAW);
    expect(typoWithValue.stderr).toMatch(/^unknown option --deadlin; did you mean --deadline\?/);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/^unknown option --zzzzzzzz\n\nUsage:/);
  });

  it('refuses an --out under a file, or that is a file, naming the path and why, with nothing ingested', async () => {
    const tmp = scratch();
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a folder');
    const state = join(tmp, 'state');

    const started = Date.now();
    const under = await cli(['--out', join(file, 'out'), '--state', state]);
    const isFile = await cli(['--out', file, '--state', state]);
    const statement = await cli(['statement', '--month', '2026-10', '--out', join(file, 'out'), '--state', state]);

    expect(under.code).toBe(2);
    expect(under.stderr).toMatch(new RegExp(`^--out ${escape(join(file, 'out'))}: cannot write files there: ${escape(file)} is a file, not a folder \\(ENOTDIR\\)\n`));
    expect(under.stderr).not.toMatch(RAW);
    expect(isFile.code).toBe(2);
    expect(isFile.stderr).toContain(`--out ${file}: cannot write files there: ${file} is a file, not a folder`);
    expect(statement.code).toBe(2);
    expect(statement.stderr).toContain(`--out ${join(file, 'out')}: cannot write files there`);
    expect(Date.now() - started).toBeLessThan(5_000); // refused up front, not after the run's work
    expect(existsSync(state)).toBe(false); // not locked, nothing ingested
  });

  it.skipIf(process.getuid?.() === 0)('refuses a read-only --out folder (skipped as root, who may write anywhere)', async () => {
    const tmp = scratch();
    const readOnly = join(tmp, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    const result = await cli(['--out', readOnly, '--state', join(tmp, 'state')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--out ${readOnly}: cannot write files there: permission denied (EACCES)`);
    expect(existsSync(join(tmp, 'state'))).toBe(false);
  });

  it('leaves no folder behind when --out was created only to check it', async () => {
    const tmp = scratch();
    // The month check comes after the --out check, so this run creates --out, probes it, and then refuses.
    const result = await cli(['--month', '2031-01', '--out', join(tmp, 'new', 'out'), '--state', join(tmp, 'state')]);
    expect(result.code).toBe(2);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses a month without data, saying which months have it: the sample’s months, or up to this month with --live', async () => {
    const tmp = scratch();
    const out = join(tmp, 'out');

    const future = await cli(['--month', '2031-01', '--state', join(tmp, 'state'), '--out', out]);
    const before = await cli(['--month', '2024-01', '--state', join(tmp, 'state'), '--out', out]);
    // No servers: the refusal comes before any source is asked.
    const live = await cli(['--live', '--month', '2026-12', '--now', '2026-11-03T06:00:00Z', '--state', join(tmp, 'state'), '--out', out]);

    expect(future.code).toBe(2);
    expect(future.stderr).toBe('--month 2031-01: the sample data has no such month; it covers 2025-11..2026-10');
    expect(before.code).toBe(2);
    expect(before.stderr).toBe('--month 2024-01: the sample data has no such month; it covers 2025-11..2026-10');
    expect(live.code).toBe(2);
    expect(live.stderr).toBe("--month 2026-12 is in the future (the run's clock says 2026-11-03); --live has data for months up to 2026-11");
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(tmp, 'state'))).toBe(false);
  });
});

describe('npm run local --live, on the first of a month and when a source fails', () => {
  it('charges back the month just ended by default on the 1st, not the new empty month', async () => {
    const tmp = scratch();
    // The sample bill, plus one November line, so that the month just ended has spend of its own.
    const ledger = sampleLedger();
    const template = ledger.lineItems.find((i) => i.date === '2026-10-15' && i.recordType === 'Usage')!;
    const ce = await startCostExplorerServer({ ledger: { ...ledger, lineItems: [...ledger.lineItems, { ...template, date: '2026-11-15', unblendedCost: '42.00', amortizedCost: '42.00' }] } });
    try {
      const result = await cli(['--live', '--now', '2026-12-01T00:30:00Z', '--config', configWith(tmp, { aws: true, openai: false, anthropic: false }), '--state', join(tmp, 's'), '--out', join(tmp, 'out')], {
        AWS_ENDPOINT_URL_COST_EXPLORER: ce.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
      });

      expect(result.code, result.stderr).toBe(0);
      expect(readdirSync(join(tmp, 'out'))).toEqual(['2026-11']);
      const chargeback = JSON.parse(readFileSync(join(tmp, 'out', '2026-11', 'chargeback.json'), 'utf8')) as Chargeback;
      expect(chargeback.month).toBe('2026-11');
      expect(chargeback.providers.aws).toBe('42.00');
      expect(ce.requests.some((r) => (r as { TimePeriod: { Start: string } }).TimePeriod.Start <= '2026-11-01')).toBe(true);
    } finally {
      await ce.close();
    }
  });

  it('prints a failed source once, with its hint, and writes nothing', async () => {
    const tmp = scratch();
    const ce = await startCostExplorerServer({ ledger: sampleLedger() });
    try {
      const result = await cli(
        ['--live', '--month', '2026-10', '--now', '2026-11-03T06:00:00Z', '--config', configWith(tmp, { aws: true, openai: true, anthropic: false }), '--state', join(tmp, 's'), '--out', join(tmp, 'out')],
        { AWS_ENDPOINT_URL_COST_EXPLORER: ce.url, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', OPENAI_ADMIN_KEY: '' },
      );

      expect(result.code).toBe(1);
      const printed = `${result.stdout}\n${result.stderr}`;
      expect(printed.split('OPENAI_ADMIN_KEY is not set').length - 1).toBe(1);
      // OpenAI's two sources (costs, usage) fail for the one reason: one line names both.
      expect(result.stderr).toContain('FAILED openai-costs, openai-usage: environment variable OPENAI_ADMIN_KEY is not set');
      expect(result.stderr.split('"enabled": false in the config').length - 1).toBe(1);
      expect(result.stderr).toContain('No files written');
      expect(existsSync(join(tmp, 'out'))).toBe(false);
    } finally {
      await ce.close();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
