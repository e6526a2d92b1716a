import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Big from 'big.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import { daysOf, monthWindow } from '../../functions/domain/records/dates';
import { readFocusFile } from '../../functions/sources/focus-files/focus-file-rows';
import { FocusAggregator } from '../../functions/sources/focus-files/focus-mapper';
import { focusSampleObjects, SAMPLE_FOCUS_SOURCES } from '../../local/sample/focus-sample';
import { expectBooksBalance } from '../support/books';
import { cli, filesOf, type CliResult } from '../support/cli';
import { FIXTURES } from '../support/fixtures';

/**
 * `npm run local -- --focus`: the sample's FOCUS files (Azure-like 1.0, LiteLLM-like 1.3) read from the local S3 as
 * two more sources. One backfill of October, which gives October's figures as the default replay does (see
 * local-cli.test.ts, whose golden statements are the run without FOCUS files), at a third of the replay's cost.
 */
const tmp = mkdtempSync(join(tmpdir(), 'costline-cli-focus-'));
const out = join(tmp, 'out');
let run: CliResult;

beforeAll(async () => {
  run = await cli(['--focus', '--fresh', '--state', join(tmp, 'state'), '--out', out, '--from', '2026-10', '--to', '2026-10']);
  // One month's backfill: about 15 s alone on 2 cores.
}, 120_000);

/** The provider totals on a golden statement's "By provider" line (the run without --focus). */
function goldenProviders(month: string): Record<string, string> {
  const line = /^By provider: (.*)$/m.exec(readFileSync(join(FIXTURES, 'statements', month, 'statement.txt'), 'utf8'))![1]!;
  return Object.fromEntries(line.split(', ').map((part) => part.split(' ')).map(([p, v]) => [p!, v!.replaceAll(',', '')]));
}

describe('npm run local -- --focus', () => {
  it('ingests the two FOCUS sources beside the others', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\[1\/1\] 2026-10: \d+ records from 7 source\(s\)/);
    expect(run.stdout).toMatch(/note: focus:azure: s3:\/\/costline-sample-focus\/azure\/focus\/: \d+ file\(s\) in \d+ deliver\(ies\) read \(FOCUS 1\.0\)/);
    expect(run.stdout).toMatch(/note: focus:litellm: s3:\/\/costline-sample-focus\/litellm\/: \d+ file\(s\) in \d+ deliver\(ies\) read \(FOCUS 1\.3\)/);
    expect(run.stdout).toContain('note: focus:azure: s3://costline-sample-focus/azure/focus/: providers microsoft (Microsoft)');
  });

  it('shows each FOCUS provider in the control totals and statements, balances the books, and leaves the other providers as they were', () => {
    const month = '2026-10';
    const chargeback = JSON.parse(filesOf(join(out, month))['chargeback.json']!) as Chargeback;
    expectBooksBalance(chargeback);
    expect(Object.keys(chargeback.providers).sort(), month).toEqual(['anthropic', 'aws', 'litellm', 'microsoft', 'openai']);
    const golden = goldenProviders(month);
    for (const provider of ['aws', 'openai', 'anthropic']) expect(chargeback.providers[provider], `${month} ${provider}`).toBe(golden[provider]);
    expect(filesOf(join(out, month))['statement.txt']).toMatch(/^By provider: .*microsoft [\d,]+\.\d{2}, litellm [\d,]+\.\d{2}/m);
  });
});

describe('the sample FOCUS files', () => {
  it('are FOCUS the source reads, tagged with the team tag, a file per billing period with the days delivered', async () => {
    for (const entry of SAMPLE_FOCUS_SOURCES) {
      const objects = focusSampleObjects(entry, ['2026-09', '2026-10'], '2026-10-03');
      expect(objects.map((o) => o.key)).toEqual(
        entry.id === 'litellm' ? ['litellm/spend-2026-09.csv', 'litellm/spend-2026-10.csv'] : ['azure/focus/costline-sample/20260901-20260930/part_0_0001.csv', 'azure/focus/costline-sample/20261001-20261031/part_0_0001.csv'],
      );
      const aggregate = new FocusAggregator({ start: '2026-09-01', end: '2026-11-01' }, { source: `focus:${entry.id}`, tagKey: 'team' });
      const versions = [];
      for (const o of objects) versions.push((await readFocusFile(new TextEncoder().encode(o.body), o.key, 'csv', (row, at, layout) => aggregate.add(row, layout, at))).version);
      expect(versions).toEqual(entry.id === 'litellm' ? ['1.3', '1.3'] : ['1.0', '1.0']);
      const days = aggregate.days(daysOf(monthWindow('2026-10')), () => true).filter((d) => d.records.length > 0).map((d) => d.day);
      expect(days).toEqual(['2026-10-01', '2026-10-02']);
      const records = aggregate.days(daysOf({ start: '2026-09-01', end: '2026-11-01' }), () => true).flatMap((d) => d.records);
      expect(new Set(records.map((r) => r.tags.team ?? '(untagged)'))).toEqual(new Set(entry.id === 'litellm' ? ['search', 'growth', '(untagged)'] : ['payments', 'search', 'support-bot', '(untagged)']));
      expect(records.reduce((t, r) => t.plus(r.billedCost), new Big(0)).gt(0)).toBe(true);
    }
  });
});
