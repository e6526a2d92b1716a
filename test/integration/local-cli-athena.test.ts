import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, digestsOf, type CliResult } from '../support/cli';
import { fixture } from '../support/fixtures';

/**
 * `npm run local -- --aws-source exports --engine athena`: the whole pipeline with the export read through the
 * local Athena (one query per window, DuckDB over the local S3's Parquet). Its files must equal the embedded
 * engine's run, byte for byte; only the stdout notes differ (they name the engine, the query and its scan). The
 * embedded run is local-cli-exports.test.ts's, pinned there by the digests of its files, so it is not run again here.
 */
const tmp = mkdtempSync(join(tmpdir(), 'costline-cli-athena-'));
let athena: CliResult;

beforeAll(async () => {
  athena = await cli(['--aws-source', 'exports', '--engine', 'athena', '--fresh', '--state', join(tmp, 'state-athena'), '--out', join(tmp, 'out-athena')]);
  // A whole replay of the sample (about 30 s on a loaded 2-core machine).
}, 180_000);

describe('npm run local -- --aws-source exports --engine athena', () => {
  it('runs the whole pipeline through the local Athena, saying so', () => {
    expect(athena.stderr).toBe('');
    expect(athena.code).toBe(0);
    expect(athena.stdout).toContain('Read through Athena: workgroup costline-billing, table "costline_billing"."cur2_line_items" (a local Athena on DuckDB over the same files).');
    expect(athena.stdout).toMatch(/note: billing period 2026-10: 2172 line item\(s\), 2172 in the window, summed by Athena \(Athena workgroup costline-billing, query [0-9a-f-]{36}, \d+ bytes scanned\); not invoiced yet: estimated/);
  });

  it('writes the same files as the embedded engine, byte for byte', () => {
    expect(athena.code).toBe(0);
    expect(digestsOf(join(tmp, 'out-athena'))).toEqual(fixture('data-exports/local-run-digests.json'));
  });

  it('refuses --engine without --aws-source exports, and an unknown engine', async () => {
    const without = await cli(['--engine', 'athena', '--out', join(tmp, 'refused')]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('--engine goes with --aws-source exports (it says what reads the billing export)');
    const unknown = await cli(['--aws-source', 'exports', '--engine', 'trino', '--out', join(tmp, 'refused')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--engine: expected embedded or athena, got "trino"');
  });
});
