import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback';
import { startCostExplorerServer } from '../../functions/local/emulators/cost-explorer-server';
import { sampleLedger } from '../../functions/local/sample-ledger';
import { cli } from '../support/cli';
import { expectGoldenText } from '../support/fixtures';

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

});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
