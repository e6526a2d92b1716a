import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import type { CostRecord } from '../../functions/domain/records/cost-record';
import { buildStores, createClients } from '../../functions/app/compose';
import { AWS_DATA_EXPORTS_SOURCE, SOURCE_IDS } from '../../functions/lib/source-ids';
import { ensureTable, startLocalDynamo } from '../../local/local-dynamodb';
import { TABLE } from '../../local/cli/local-setup';
import { SAMPLE_EXPORT, SHARED_BEDROCK_CALLERS } from '../../local/sample/cur-export';
import { ACCOUNTS } from '../../local/sample/sample-accounts';
import { parse } from 'csv-parse/sync';
import Big from 'big.js';
import { expectBooksBalance } from '../support/books';
import { cli, digestsOf, filesOf, type CliResult } from '../support/cli';
import { expectGolden, FIXTURES } from '../support/fixtures';

/**
 * `npm run local -- --aws-source exports`: the default replay, with AWS billing read from the sample's CUR 2.0
 * export in the local S3 instead of the local Cost Explorer. One run; the Cost Explorer run it is compared with is
 * the one local-cli.test.ts pins byte for byte in the golden statements, so it is not run again here.
 */
const tmp = mkdtempSync(join(tmpdir(), 'costline-cli-exports-'));
const state = join(tmp, 'state');
const out = join(tmp, 'out');
let run: CliResult;
let october: CostRecord[];

beforeAll(async () => {
  run = await cli(['--aws-source', 'exports', '--fresh', '--state', state, '--out', out]);
  if (run.code !== 0) return;
  // The stored records, as explain reads them.
  const dynamo = await startLocalDynamo({ path: resolve(state) });
  const clients = createClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint }, loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await ensureTable(clients.dynamo as never, TABLE);
    october = await buildStores(clients, TABLE).records.listMonth('2026-10');
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await dynamo.close();
  }
  // One whole replay of the sample plus the export's Parquet files written twice (close day, run day): about
  // 25 s on an idle 2-core machine, so the 60 s default is too near under parallel test files.
}, 180_000);

/** The AWS total on a golden statement's "By provider" line (the Cost Explorer run's). */
function costExplorerAwsTotal(month: string): string {
  const text = readFileSync(join(FIXTURES, 'statements', month, 'statement.txt'), 'utf8');
  const total = /^By provider: .*\baws ([\d,]+\.\d{2})/m.exec(text)?.[1];
  if (!total) throw new Error(`no aws total in the golden statement of ${month}`);
  return total.replaceAll(',', '');
}

describe('npm run local -- --aws-source exports', () => {
  it('runs the whole pipeline on the sample export, saying where AWS billing comes from', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`AWS billing from the CUR 2.0 export s3://${SAMPLE_EXPORT.bucket}/${SAMPLE_EXPORT.prefix}/${SAMPLE_EXPORT.exportName}/ (the sample, in a local S3), not Cost Explorer;`);
    expect(run.stdout).toMatch(/Ingested aws-data-exports 2026-09-01\.\.2026-11-02 \(end exclusive\): \d+ records/);
    expect(run.stdout).not.toContain('Ingested aws-cost-explorer');
    expect(run.stdout).toContain('Statements: 2026-09 final; 2026-10 preliminary');
  });

  it('writes the files pinned in the golden digests (which the Athena engine\'s run must also write)', () => {
    expect(run.code).toBe(0);
    expectGolden('data-exports/local-run-digests.json', digestsOf(out));
  });

  it('balances the books to the cent, and its AWS totals equal the Cost Explorer run\'s for every month both cover', () => {
    for (const month of ['2026-09', '2026-10']) {
      const chargeback = JSON.parse(filesOf(join(out, month))['chargeback.json']!) as Chargeback;
      expectBooksBalance(chargeback);
      expect(chargeback.providers.aws, month).toBe(costExplorerAwsTotal(month));
    }
  });

  it('stores the Bedrock calls of the shared account by caller: two teams\' roles, one telling its team by principal tag', () => {
    const bedrock = october.filter((r) => r.source === AWS_DATA_EXPORTS_SOURCE && r.iamPrincipal);
    const rolesByAccount = new Map<string, Set<string>>();
    for (const r of bedrock) rolesByAccount.set(r.subAccountId ?? '', (rolesByAccount.get(r.subAccountId ?? '') ?? new Set()).add(/assumed-role\/([^/]+)\//.exec(r.iamPrincipal!)?.[1] ?? r.iamPrincipal!));
    // One account whose Bedrock calls come from two or more roles (the teams sharing it).
    expect(Math.max(...[...rolesByAccount.values()].map((roles) => roles.size))).toBeGreaterThanOrEqual(2);
    expect(bedrock.every((r) => /bedrock/i.test(r.serviceName))).toBe(true);
    // No Cost Explorer record in this state: each AWS source replaces only its own records.
    expect(october.some((r) => r.source === SOURCE_IDS.aws)).toBe(false);
  });

  it('breaks every month down by dimension, balanced to the cent, and tells the shared account\'s two Bedrock applications apart by their IAM principals', () => {
    const sumOf = (costs: string[]) => costs.reduce((a, c) => a.plus(c), new Big(0)).toFixed(2);
    for (const month of ['2026-09', '2026-10']) {
      const files = filesOf(join(out, month));
      const chargeback = JSON.parse(files['chargeback.json']!) as Chargeback;
      expect(chargeback.dimensions!.map((d) => d.dimension)).toEqual(['feature', 'environment']);
      for (const d of chargeback.dimensions!) {
        expect(sumOf(d.values.map((v) => v.cost)), `${month} ${d.dimension}`).toBe(chargeback.total);
        for (const t of d.teams) expect(sumOf(t.values.map((v) => v.cost)), `${month} ${d.dimension} ${t.team}`).toBe(chargeback.teams.find((c) => c.team === t.team)!.direct);
        // The export carries tags and principals: nothing to note as unseen.
        expect(d.note).toBeUndefined();
      }
      // The environment tag the sample ledger carries reaches records only through the export.
      expect(chargeback.dimensions![1]!.values.find((v) => v.value === 'prod')?.cost ?? '0.00', month).not.toBe('0.00');
    }
    const october = filesOf(join(out, '2026-10'));
    const feature = (JSON.parse(october['chargeback.json']!) as Chargeback).dimensions![0]!;
    const teamValues = (team: string) => feature.teams.find((t) => t.team === team)!.values.map((v) => v.value);
    expect(teamValues('growth')).toContain('campaign-writer');
    expect(teamValues('support-bot')).toContain('support-chat');
    expect(teamValues('search')).toEqual(expect.arrayContaining(['search-rag', 'search-eval', 'search-ranking']));
    // In focus.csv, each Bedrock record of the shared account has its caller's feature and its caller's team.
    const rows = parse(october['focus.csv']!, { columns: true }) as Array<Record<string, string>>;
    const shared = rows.filter((r) => r.SubAccountId === ACCOUNTS.shared && r.ServiceName === 'Amazon Bedrock');
    expect(new Set(shared.map((r) => `${r.x_Feature} ${r.x_Team}`))).toEqual(new Set(['campaign-writer growth', 'support-chat support-bot']));
    expect(Object.keys(SHARED_BEDROCK_CALLERS).sort()).toEqual(['growth', 'support']);
    expect(october['statement.txt']).toMatch(/^By feature \(tag feature, else rules;[^\n]*\n(?: +[\d,.]+ {2}[^\n]+\n)*? +[\d,.]+ {2}campaign-writer\n/m);
    expect(october['statement.txt']).not.toContain('Cost Explorer mode cannot see');
    expect(Object.keys(october)).toContain('dimensions.csv');
  });

  it('explains which rule on the caller set a team\'s feature', async () => {
    const { stdout, code } = await cli(['explain', '--team', 'growth', '--state', state]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Direct spend by feature:\n(?:.*\n)*? +[\d,.]+ {2}campaign-writer: rule 0: \{"provider":"aws","iamPrincipal":"arn:aws:sts::\*:assumed-role\/growth-campaign-writer\/\*"\}/);
  });
});
