import { parse } from 'csv-parse/sync';
import { cpSync, type Dirent, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import Big from 'big.js';
import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import type { AdjustedChargeback } from '../../functions/domain/chargeback/month-close';
import { sampleLedger, SELF_COST_TAGS } from '../../local/sample/sample-ledger';
import { expectBooksBalance } from '../support/books';
import { cli, cliProcess, filesOf, type CliResult } from '../support/cli';
import { expectGoldenText } from '../support/fixtures';

/**
 * The default run, then the same run with an explicit `--month 2026-10`, on one local state; the tests below
 * read their output, or a copy of the state, rather than replaying the sample's history again each.
 */
const tmp = mkdtempSync(join(tmpdir(), 'costline-cli-'));
const state = join(tmp, 'state');
let first: CliResult;
let second: CliResult;
/** A copy of the state after both runs, for a test of its own. */
const copyOfState = (name: string) => {
  const copy = join(tmp, name);
  cpSync(state, copy, { recursive: true });
  return copy;
};

/** Every file under `dir`, by relative path, as its SHA-256. */
const bytesOf = (dir: string): Record<string, string> =>
  Object.fromEntries(
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((e) => e.isFile())
      .map((e) => {
        const path = join(e.parentPath, e.name);
        return [relative(dir, path), createHash('sha256').update(readFileSync(path)).digest('hex')];
      }),
  );

beforeAll(async () => {
  first = await cli(['--fresh', '--state', state, '--out', join(tmp, 'out1')]);
  second = await cli(['--month', '2026-10', '--state', state, '--out', join(tmp, 'out2')]);
  // Two whole pipeline runs of the sample year: about 40 s on an idle 2-core machine, so the 60 s default
  // is too near; a loaded machine (parallel test files) needs more.
}, 180_000);

describe('npm run local', () => {
  it('runs the whole pipeline on the sample ledger; a second run, for an explicit --month 2026-10, gives the same files and no new alerts', () => {
    expect([first.code, second.code]).toEqual([0, 0]);
    const files = filesOf(join(tmp, 'out1', '2026-10'));
    expect(Object.keys(files).sort()).toEqual(['alerts.jsonl', 'chargeback.json', 'dimensions.csv', 'focus.csv', 'statement.csv', 'statement.html', 'statement.search.txt', 'statement.txt']);
    // The sample organisation's statements, as finance and search's leads receive them: golden files, reviewed by hand.
    for (const name of ['chargeback.json', 'statement.txt', 'statement.csv', 'statement.html', 'statement.search.txt', 'dimensions.csv']) expectGoldenText(`statements/2026-10/${name}`, files[name]!);
    const chargeback = JSON.parse(files['chargeback.json']!) as Chargeback;
    expect(chargeback).toMatchObject({ month: '2026-10', currency: 'USD', status: 'preliminary' });
    expectBooksBalance(chargeback);
    const alerts = files['alerts.jsonl']!.trim().split('\n').map((l) => JSON.parse(l));
    // Every kind of alert, each once: replayed morning by morning through October, each on the day it would have fired.
    expect(new Set(alerts.map((a) => a.attributes.kind))).toEqual(new Set(['threshold', 'forecast', 'anomaly', 'unit-cost', 'shadow-ai']));
    expect(new Set(alerts.map((a) => a.key)).size).toBe(alerts.length);
    const of = (kind: string) => alerts.filter((a) => a.attributes.kind === kind).map((a) => `${a.firedAt.slice(0, 10)} ${a.attributes.team} ${a.key}`);
    expect(of('anomaly')).toEqual(['2026-10-22 search anomaly#team:search#2026-10-21']);
    expect(alerts.find((a) => a.attributes.kind === 'anomaly').message).toMatch(/gpt-4o-2024-08-06 \(OpenAI\): \$[\d.,]+ vs usual/);
    expect(of('unit-cost')).toEqual(['2026-10-28 support-bot unit-cost#team:support-bot/model:claude-sonnet-4-5-20250929']);
    expect(of('shadow-ai').sort()).toEqual([
      '2026-10-02 search shadow-ai#model:openai:o3-deep-research-2025-06-26',
      '2026-10-02 unallocated shadow-ai#anthropic:workspace:wrkspc_sandbox',
      '2026-10-02 unallocated shadow-ai#openai:project:proj_experiments',
      // data-platform's fast-mode Opus 4.6: a watched model (claude-opus-*).
      '2026-10-03 data-platform shadow-ai#model:anthropic:claude-opus-4-6',
    ]);
    expect(of('forecast').some((f) => f.includes('forecast#team:search#'))).toBe(true);
    expect(of('threshold')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ search threshold#team:search#100$/),
        expect.stringMatching(/ organization threshold#organization:ai#80$/),
        // data-platform crosses half its budget on the last morning, with the Anthropic additions' spend.
        '2026-11-01 data-platform threshold#team:data-platform#50',
      ]),
    );
    expect(first.stdout).toContain(`Alerts fired by this run: ${alerts.length}`);
    // Model spend: every provider in the totals, the unmapped project and workspace listed, the unpriced model reported.
    expect(Object.keys(chargeback.providers).sort()).toEqual(['anthropic', 'aws', 'openai']);
    expect(chargeback.unmappedModelSpend.map((u) => `${u.provider}:${u.id}`)).toEqual(['openai:proj_experiments', 'anthropic:wrkspc_sandbox']);
    expect(chargeback.unpriced.map((u) => u.model)).toEqual(['ft-gpt-4o-2024-08-06', 'o3-deep-research-2025-06-26']);
    // OpenAI beyond plain tokens: the fine-tune, evals inside search's gpt-4o-mini line, file search as a model line.
    expect(files['statement.txt']).toMatch(/openai {4}ft-gpt-4o-2024-08-06 {2}\(in /);
    expect(files['statement.txt']).toMatch(/openai {4}file-search\n/);
    expect(files['statement.txt']).toMatch(/openai {4}o4-mini-2025-04-16 {2}\(in /);
    expect(files['statement.txt']).toContain('Model spend no rule maps');
    // Anthropic Priority Tier: capacity billed separately, with its tokens, never estimated, in no total.
    expect(chargeback.capacity.map((c) => `${c.team} ${c.workspace} ${c.model} ${c.serviceTier}`)).toEqual(['support-bot wrkspc_support_priority claude-haiku-4-5-20251001 priority']);
    expect(chargeback.capacity[0]!.tokens.input).toBeGreaterThan(0);
    expect(files['statement.txt']).toMatch(/Capacity billed separately \(Anthropic Priority Tier[^\n]*\n {2}Support Bot: anthropic workspace wrkspc_support_priority claude-haiku-4-5-20251001 {2}\(in [\d.]+M, /);
    expect(files['focus.csv']).not.toContain('wrkspc_support_priority');
    // Long context, US-only inference and fast mode, priced from usage for 31 October (not billed yet) at their own rates.
    for (const variant of ['200k-1M', 'us', 'fast']) {
      expect(files['focus.csv']).toMatch(new RegExp(`,2026-10-31T00:00:00Z,2026-11-01T00:00:00Z,[^\n]*,wrkspc_data,[^\n]*"messages \\(standard, ${variant}\\): input",usage-estimate,true`));
    }

    // Month close: September was closed on its close day, before a late SLA credit was posted; the Monday
    // run re-pulls it and October carries the change as prior-period adjustments, which tie to the credit.
    expect(first.stdout).toContain('Replayed 2026-10-06: 2026-09 closed and its final statement sent');
    const september = filesOf(join(tmp, 'out1', '2026-09'));
    for (const name of ['statement.txt', 'statement.csv']) expectGoldenText(`statements/2026-09/${name}`, september[name]!);
    const closed = JSON.parse(september['chargeback.json']!) as AdjustedChargeback;
    expect(closed).toMatchObject({ month: '2026-09', status: 'final', adjustments: [] });
    const october = chargeback as AdjustedChargeback;
    expect(october.adjustments.every((a) => a.forMonth === '2026-09')).toBe(true);
    expect(october.adjustmentsTotal).toBe('-120.00');
    expect(october.adjustments.find((a) => a.team === 'search')?.amount).toBe('-121.23');
    expect(new Big(october.total).plus(october.adjustmentsTotal).toFixed(2)).toBe(october.totalDue);
    expect(files['statement.txt']).toContain('Prior-period adjustments');
    expect(files['focus.csv']).toContain('Correction');
    // The closed statement never changes: the second run writes September exactly as it was closed.
    expect(filesOf(join(tmp, 'out2', '2026-09'))).toEqual(september);
    expect(second.stdout).not.toContain('Replayed');

    expect(filesOf(join(tmp, 'out2', '2026-10'))).toEqual(files);
    expect(second.stdout).toContain('Alerts fired by this run: 0');
    expect(second.stdout).toMatch(/0 written, 0 deleted, \d+ unchanged/);
  });

  it('lists every file written for each month, statement.<team>.txt included, and orders alerts.jsonl by time', () => {
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const [run, dir] of [[first, 'out1'], [second, 'out2']] as const) {
      const out = join(tmp, dir);
      const listed = (prefix: string, month: string) => new RegExp(`${prefix} ${escape(join(out, month))}/: ([^\n]+)`).exec(run.stdout)?.[1]?.split(', ').sort();
      expect(listed('Files in', '2026-10')).toEqual(readdirSync(join(out, '2026-10')).sort());
      expect(listed('Also written, in', '2026-09')).toEqual(readdirSync(join(out, '2026-09')).sort());
      expect(readdirSync(join(out, '2026-10'))).toContain('statement.search.txt');
    }
    // alerts.jsonl as the month happened: by firedAt, then key.
    const alerts = readFileSync(join(tmp, 'out1', '2026-10', 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { firedAt: string; key: string });
    expect(alerts.length).toBeGreaterThan(5);
    const byTime = [...alerts].sort((a, b) => a.firedAt.localeCompare(b.firedAt) || a.key.localeCompare(b.key));
    expect(alerts.map((a) => a.key)).toEqual(byTime.map((a) => a.key));
    expect(alerts[0]!.firedAt < alerts.at(-1)!.firedAt).toBe(true);
  });

  it('writes each month’s focus.csv so that loading both months counts each dollar once: September as it was closed, its late credit only in October as Correction rows', () => {
    // Prepare
    const month = (m: string) => filesOf(join(tmp, 'out1', m));
    const [september, october] = [month('2026-09'), month('2026-10')];
    const sepCb = JSON.parse(september['chargeback.json']!) as AdjustedChargeback;
    const octCb = JSON.parse(october['chargeback.json']!) as AdjustedChargeback;
    const column = sepCb.costBasis === 'effectiveCost' ? 'EffectiveCost' : 'BilledCost';
    const rows = (csv: string) => parse(csv, { columns: true }) as Array<Record<string, string>>;
    const [sep, oct] = [rows(september['focus.csv']!), rows(october['focus.csv']!)];
    const total = (list: Array<Record<string, string>>) => list.reduce((a, r) => a.plus(r[column]!), new Big(0));

    // Assess: each file as finance received it, to the cent, with no rounding left to the reader.
    expect(total(sep).eq(sepCb.total)).toBe(true);
    const corrections = oct.filter((r) => r.ChargeClass === 'Correction');
    expect(total(oct.filter((r) => r.ChargeClass !== 'Correction')).eq(octCb.total)).toBe(true);
    expect(total(corrections).toFixed(2)).toBe(octCb.adjustmentsTotal);
    expect(total([...sep, ...oct]).toFixed(2)).toBe(new Big(sepCb.total).plus(octCb.total).plus(octCb.adjustmentsTotal).toFixed(2));
    // Corrections keep September's charge period, in October's billing period; September has none.
    expect(corrections.length).toBeGreaterThan(0);
    for (const r of corrections) expect([r.ChargePeriodStart, r.ChargePeriodEnd, r.BillingPeriodStart]).toEqual(['2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z']);
    expect(sep.some((r) => r.ChargeClass === 'Correction')).toBe(false);
    // No record in both files.
    const ids = (list: Array<Record<string, string>>) => new Set(list.map((r) => r.x_RecordId).filter(Boolean));
    const both = [...ids(sep)].filter((id) => ids(oct).has(id));
    expect(both).toEqual([]);
    // September's file is the one it was closed with: the late credit posted after the close is not in it.
    expect(sepCb.status).toBe('final');
  });

  it('shows costline’s own spend on the sample’s statements under the team that runs it: its resources by their tag, its untagged Cost Explorer requests and custom metrics by rule', () => {
    // Prepare: costline's own lines in the sample bill: tagged as the stack tags its resources, or the two
    // charges AWS bills without a tag (Cost Explorer requests, custom metrics in the account costline runs in).
    const owner = SELF_COST_TAGS.team!;
    const shared = '444455556666';
    const own = sampleLedger().lineItems.filter(
      (i) => i.tags['costline:stage'] !== undefined || i.service === 'AWS Cost Explorer' || (i.account === shared && i.service === 'AmazonCloudWatch' && i.tags.team === undefined),
    );
    // Services no other spend of the owner team uses, so its statement line is costline's alone (S3 is not one).
    const ownOnly = ['AWS Lambda', 'Amazon DynamoDB', 'Amazon Simple Notification Service', 'AmazonCloudWatch', 'AWS Key Management Service', 'AWS Secrets Manager', 'AWS Cost Explorer'];

    for (const month of ['2026-09', '2026-10']) {
      const files = filesOf(join(tmp, 'out1', month));
      const chargeback = JSON.parse(files['chargeback.json']!) as Chargeback;
      const rows = (parse(files['statement.csv']!, { columns: true }) as Array<Record<string, string>>).filter((r) => r.team === owner && r.kind === 'direct' && r.provider === 'aws');
      const exact = (service: string) => own.filter((i) => i.date.startsWith(month) && i.service === service).reduce((a, i) => a.plus(i.amortizedCost), new Big(0));
      const shown = (service: string) => new Big(rows.find((r) => r.service === service)?.cost ?? '0');

      // Assess: each of those lines is costline's spend, to the cent (largest-remainder rounding may move one
      // cent); about $10 a month in all; its untagged charges neither unallocated nor in the shared account's
      // pool; the books balance.
      for (const service of ownOnly) expect(shown(service).minus(exact(service)).abs().lte('0.01'), `${month} ${service}: ${shown(service)} vs ${exact(service)}`).toBe(true);
      const total = ownOnly.reduce((a, service) => a.plus(shown(service)), new Big(0));
      expect(total.gt(9) && total.lt(12), `${month}: ${total}`).toBe(true);
      expect(shown('AWS Cost Explorer').gt(1)).toBe(true);
      const elsewhere = [...chargeback.unallocatedSources.map((u) => u.service), ...chargeback.pools.flatMap((p) => p.sources.map((source) => source.service))];
      for (const service of ['AWS Cost Explorer', 'AmazonCloudWatch']) expect(elsewhere, month).not.toContain(service);
      expectBooksBalance(chargeback);
    }
  });

  it('stops with a clear error, naming file and field, on a broken config, and leaves the stored data intact', async () => {
    const copy = copyOfState('broken');
    const config = JSON.parse(readFileSync('costline.config.json', 'utf8'));
    config.teams[2].monthlyBudget = 0;
    writeFileSync(join(tmp, 'bad.json'), JSON.stringify(config));

    // As a user meets it: the real entry point, its exit code and its stderr.
    const error = await cliProcess(['--config', join(tmp, 'bad.json'), '--state', copy, '--out', join(tmp, 'bad-out')]);

    expect(error.code).toBe(2);
    expect(error.stderr).toContain(`${join(tmp, 'bad.json')} is invalid:\n  - teams[2].monthlyBudget: expected a positive number`);
    // The stored data intact: every file of the local database byte for byte as before, and no files written.
    expect(bytesOf(copy)).toEqual(bytesOf(state));
    expect(existsSync(join(tmp, 'bad-out'))).toBe(false);
  });

  it('runs the statement job on the local database: a closed month is not sent twice, --resend sends it, an open month cannot be resent', async () => {
    const copy = copyOfState('statement');

    const again = await cli(['statement', '--month', '2026-09', '--state', copy, '--out', join(tmp, 'again')]);
    const resent = await cli(['statement', '--month', '2026-09', '--resend', '--state', copy, '--out', join(tmp, 'resent')]);
    const refused = await cli(['statement', '--month', '2026-10', '--resend', '--state', copy, '--out', join(tmp, 'refused')]);

    expect(again.stdout).toContain('2026-09: already closed and sent; not sent again (use --resend to send it deliberately); 0 message(s)');
    expect(resent.stdout).toContain('2026-09: the closed statement resent exactly as it was stored; 2 message(s)');
    expect(filesOf(join(tmp, 'resent', '2026-09'))).toEqual(filesOf(join(tmp, 'out1', '2026-09')));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('2026-10 has no final statement to resend yet');
  });

  it('explains which tag, rule or pool placed each of a team’s dollars, from the local database', async () => {
    const { stdout } = await cli(['explain', '--team', 'search', '--state', copyOfState('explain')]);
    const cb = JSON.parse(readFileSync(join(tmp, 'out2', '2026-10', 'chargeback.json'), 'utf8')) as Chargeback;
    const search = cb.teams.find((t) => t.team === 'search')!;
    expect(stdout).toContain(`Why search is charged ${Number(search.total).toLocaleString('en-US', { minimumFractionDigits: 2 })} for 2026-10`);
    expect(stdout).toMatch(/rule \d+: \{"provider":"openai","project":"proj_search"\}/);
    expect(stdout).toContain('shared pool support-plan: even, ratio 20.00%');
  });
});
