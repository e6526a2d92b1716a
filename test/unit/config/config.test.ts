import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../functions/config/config-schema';
import { findDuplicateKeys } from '../../../functions/config/json-duplicate-keys';
import { ConfigError, loadConfigFile, parseConfig } from '../../../functions/config/load-config';
import { cli } from '../../support/cli';

const valid = () => ({
  currency: 'USD',
  teams: [
    { id: 'payments', name: 'Payments', aliases: ['pay'], monthlyBudget: 5000, leadEmails: ['lead@example.com'] },
    { id: 'search', name: 'Search' },
    { id: 'growth', name: 'Growth', monthlyBudget: 100 },
  ],
  allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'aws', account: '111122223333' }, team: 'payments' }] },
  alerts: { thresholds: [50, 80, 100] },
  finance: { emails: ['finance@example.com'] },
  sources: { aws: { enabled: true, costMetric: 'AmortizedCost' } },
});

/** Writes `content` to a fresh file and returns its path. */
function configFile(name: string, content: string | Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'costline-config-')), name);
  writeFileSync(path, content);
  return path;
}

/** The ConfigError `loadConfigFile` throws for a file. */
function loadError(path: string): ConfigError {
  try {
    loadConfigFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${path} to be rejected`);
}

/** UTF-16 bytes of a text, little- or big-endian, optionally with a byte order mark. */
function utf16(text: string, order: 'le' | 'be', bom: boolean): Buffer {
  const le = Buffer.from(`${bom ? '\uFEFF' : ''}${text}`, 'utf16le');
  return order === 'le' ? le : le.swap16();
}

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
  it('accepts the documented example and fills defaults', () => {
    const config = parseConfig(valid());
    expect(config.teams[1]!.aliases).toEqual([]);
    expect(config.sources.aws.previousMonthUntilDay).toBe(5);
    expect(config.operations.emails).toEqual([]);
  });

  it('reads sources.anthropic.api, auto by default, and rejects anything but auto, analytics or legacy with a clear error', () => {
    expect(parseConfig(valid()).sources.anthropic.api).toBe('auto');
    expect(parseConfig({ ...valid(), sources: { anthropic: { enabled: true, api: 'legacy' } } }).sources.anthropic.api).toBe('legacy');
    expect(problemsOf({ ...valid(), sources: { anthropic: { enabled: true, api: 'v2' } } })).toEqual([
      'sources.anthropic.api: expected one of "auto", "analytics", "legacy" (which Anthropic reporting API to read)',
    ]);
    expect(problemsOf({ ...valid(), sources: { openai: { api: 'legacy' } } })).toEqual(['sources.openai: unknown field(s) "api"']);
  });

  it('reads sources.aws.roleArn with its externalId, and refuses either without the other or a malformed ARN', () => {
    const aws = (extra: Record<string, unknown>) => ({ ...valid(), sources: { aws: { enabled: true, ...extra } } });
    const arn = 'arn:aws:iam::111111111111:role/Costline-cost-read';
    expect(parseConfig(aws({ roleArn: arn, externalId: 'ext-1234' })).sources.aws).toMatchObject({ roleArn: arn, externalId: 'ext-1234' });
    expect(problemsOf(aws({ roleArn: arn }))).toEqual(['sources.aws.externalId: required with sources.aws.roleArn: the payer role trusts costline only with its external id']);
    expect(problemsOf(aws({ externalId: 'ext-1234' }))).toEqual(['sources.aws.roleArn: required with sources.aws.externalId (the role to assume with it)']);
    expect(problemsOf(aws({ roleArn: 'arn:aws:iam::1111:user/me', externalId: 'ext-1234' }))).toEqual([
      'sources.aws.roleArn: expected an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)',
    ]);
  });

  it('names the field and the problem for a non-positive budget', () => {
    const raw = valid();
    raw.teams[2]!.monthlyBudget = -5;
    expect(problemsOf(raw)).toEqual(['teams[2].monthlyBudget: expected a positive number']);
  });

  it('rejects a rule that names an unknown team', () => {
    const raw = valid();
    raw.allocation.rules[0]!.team = 'paymnets';
    expect(problemsOf(raw)[0]).toMatch(/^allocation\.rules\[0\]\.team: unknown team "paymnets"/);
  });

  it('rejects an alias that collides with another team', () => {
    const raw = valid();
    raw.teams[1]!.aliases = ['PAY'];
    expect(problemsOf(raw)).toEqual(['teams[1].aliases[0]: "PAY" is already used by team "payments"']);
  });

  it('names unknown fields so typos are caught', () => {
    const raw = valid() as Record<string, unknown>;
    raw.alert = {};
    expect(problemsOf(raw)).toEqual(['unknown field(s) "alert"']);
  });

  it('rejects an unsupported cost metric and bad emails, listing every problem', () => {
    const raw = valid();
    raw.sources.aws.costMetric = 'BlendedCost';
    raw.finance.emails = ['not-an-email'];
    const problems = problemsOf(raw);
    expect(problems).toContain('finance.emails[0]: expected an email address');
    expect(problems.some((p) => p.startsWith('sources.aws.costMetric: expected one of AmortizedCost'))).toBe(true);
  });

  it('rejects thresholds that are not ascending', () => {
    const raw = valid();
    raw.alerts.thresholds = [80, 50];
    expect(problemsOf(raw)).toEqual(['alerts.thresholds: expected strictly ascending percentages']);
  });

  it('names the file when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'costline-config-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "currency": "USD", ');
    expect(() => loadConfigFile(path)).toThrow(new RegExp(`${path} is not valid JSON`));
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(/cannot read config file .*missing\.json/);
  });

  it('fills the documented defaults when allocation and sources are left out', () => {
    const config = parseConfig({ currency: 'USD', teams: [{ id: 'a', name: 'A' }] });
    expect(config.allocation).toEqual({ awsTagKey: 'team', rules: [], sharedPools: [], shareUnallocated: false });
    expect(config.sources.aws).toEqual({ enabled: true, costMetric: 'AmortizedCost', previousMonthUntilDay: 5, recheckClosedMonths: 1 });
    expect(config.sources.openai.enabled).toBe(false);
    expect(problemsOf({ currency: 'USD', teams: [{ id: 'a', name: 'A' }], sources: [] })).toEqual(['sources: expected an object']);
  });

  it('warns about rules that can never match what Cost Explorer reports', () => {
    const raw = valid();
    raw.allocation.rules.push({ match: { provider: 'aws', usageType: 'USE1-BoxUsage' } as never, team: 'search' }, { match: { tag: { key: 'app', value: 'web' } } as never, team: 'search' });
    expect(configWarnings(parseConfig(raw))).toEqual([
      'allocation.rules[1].match.usageType: AWS records carry no usage type (Cost Explorer is queried by tag and service), so this rule never matches AWS spend',
      'allocation.rules[2].match.tag: only the "team" tag (allocation.awsTagKey) is read from Cost Explorer, so a rule on tag "app" never matches',
    ]);
    expect(configWarnings(parseConfig(valid()))).toEqual([]);
    const mixed = valid();
    mixed.allocation.rules = [{ match: { provider: 'openai', workspace: 'wrkspc_x' }, team: 'search' }] as never;
    expect(configWarnings(parseConfig(mixed))).toEqual(['allocation.rules[0].match: its fields belong to different providers (openai, anthropic), so it can never match']);
  });

  it('warns about a rule an earlier one shadows, and only when it surely does', () => {
    const raw = valid();
    raw.allocation.rules = [
      { match: { provider: 'openai', project: 'proj_x' }, team: 'payments' },
      { match: { project: 'proj_x', apiKey: 'key_1' }, team: 'search' },
      { match: { model: 'gpt-4o*' }, team: 'growth' },
      { match: { provider: 'openai', model: 'gpt-4o-mini' }, team: 'search' },
      { match: { model: 'claude-*' }, team: 'search' },
      { match: { provider: 'openai', project: 'proj_y' }, team: 'search' },
    ] as never;
    expect(configWarnings(parseConfig(raw)).filter((w) => w.includes('can never match'))).toEqual([
      'allocation.rules[1]: can never match, because allocation.rules[0] matches everything it would (first match wins)',
      'allocation.rules[3]: can never match, because allocation.rules[2] matches everything it would (first match wins)',
    ]);
  });

  it('loads the shipped sample configuration', () => {
    expect(loadConfigFile('costline.config.json').teams.length).toBeGreaterThan(3);
  });

  it('loads a UTF-8 file that starts with a byte order mark, as Notepad saves it', () => {
    const path = configFile('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(valid()), 'utf8')]));
    expect(loadConfigFile(path).teams.map((t) => t.id)).toEqual(['payments', 'search', 'growth']);
  });

  it('names UTF-16 as the encoding, LE or BE, with or without a byte order mark, and asks for UTF-8', () => {
    const text = JSON.stringify(valid(), null, 2);
    for (const [order, bom, name] of [['le', true, 'UTF-16 LE (it starts with a byte order mark)'], ['be', true, 'UTF-16 BE (it starts with a byte order mark)'], ['le', false, 'UTF-16 LE'], ['be', false, 'UTF-16 BE']] as const) {
      const path = configFile(`utf16-${order}-${bom}.json`, utf16(text, order, bom));
      expect(loadError(path).message).toBe(`${path} is ${name}; save it as UTF-8`);
    }
  });

  it('refuses a NUL byte or bytes that are not UTF-8, naming the file', () => {
    const nul = configFile('nul.json', Buffer.from('{"currency": "USD",\u0000 "teams": []}', 'utf8'));
    expect(loadError(nul).message).toBe(`${nul} holds a NUL byte at byte 19: it is not UTF-8 text; save it as UTF-8`);
    const latin1 = configFile('latin1.json', Buffer.from(JSON.stringify({ ...valid(), teams: [{ id: 'a', name: 'Équipe' }] }), 'latin1'));
    expect(loadError(latin1).message).toBe(`${latin1} is not valid UTF-8 (perhaps Latin-1 or Windows-1252); save it as UTF-8`);
  });

  it('refuses a top-level key given twice, naming it and both lines, since JSON.parse keeps only the last', () => {
    const path = configFile('twice.json', '{\n  "currency": "USD",\n  "teams": [{ "id": "a", "name": "A" }],\n  "teams": [{ "id": "b", "name": "B" }]\n}\n');
    const error = loadError(path);
    expect(error.problems).toEqual(['teams: given twice (lines 3 and 4); JSON keeps only the last one, so remove or merge one of them']);
    expect(error.message).toBe(`${path} is invalid:\n  - teams: given twice (lines 3 and 4); JSON keeps only the last one, so remove or merge one of them`);
  });

  it('refuses a key given twice inside a team or a nested section, with its JSON path', () => {
    const raw = JSON.stringify(valid(), null, 2)
      .replace('"name": "Search"', '"name": "Search",\n      "monthlyBudget": 10,\n      "monthlyBudget": 20')
      .replace('"enabled": true', '"enabled": true, "en\\u0061bled": false');
    expect(loadError(configFile('nested.json', raw)).problems).toEqual([
      'teams[1].monthlyBudget: given twice (lines 18 and 19); JSON keeps only the last one, so remove or merge one of them',
      'sources.aws.enabled: given twice (lines 53 and 53); JSON keeps only the last one, so remove or merge one of them',
    ]);
  });

  it('finds no duplicate where keys repeat only across objects, or where strings hold quotes, braces and escapes', () => {
    expect(findDuplicateKeys(JSON.stringify(valid()))).toEqual([]);
    expect(findDuplicateKeys('{"a": {"x": 1}, "b": {"x": 1}, "c": [{"x": 1}, {"x": 2}]}')).toEqual([]);
    expect(findDuplicateKeys('{"a": "\\"a\\": {\\\\", "b": "}, \\"a\\": [", "c": "\\\\"}')).toEqual([]);
    expect(findDuplicateKeys('[{"k": 1}, [], {"k": 1, "k": 2}]')).toEqual([{ path: [2, 'k'], firstLine: 1, line: 1 }]);
  });

  it('refuses an impossible silence date, naming the field', () => {
    const raw = { ...valid(), alerts: { silences: [{ scope: 'team:search', until: '2026-02-30' }, { scope: 'team:search', until: '2026-04-31' }, { scope: 'team:search', until: '2028-02-29' }] } };
    expect(problemsOf(raw)).toEqual(['alerts.silences[0].until: "2026-02-30" is not a calendar day', 'alerts.silences[1].until: "2026-04-31" is not a calendar day']);
    expect(problemsOf({ ...valid(), alerts: { silences: [{ scope: 'team:search', until: '30/02/2026' }] } })).toEqual(['alerts.silences[0].until: expected a YYYY-MM-DD day']);
  });

  it('accepts fixed weights whose decimals sum to exactly 1, such as thirds written to ten places', () => {
    const raw = { ...valid(), allocation: { sharedPools: [{ id: 'support', method: 'fixed', weights: { payments: 0.3333333333, search: 0.3333333333, growth: 0.3333333334 } }] } };
    expect(parseConfig(raw).allocation.sharedPools[0]!.weights).toEqual({ payments: 0.3333333333, search: 0.3333333333, growth: 0.3333333334 });
    const tenths = { ...valid(), allocation: { sharedPools: [{ id: 'support', method: 'fixed', weights: { payments: 0.1, search: 0.2, growth: 0.7 } }] } };
    expect(parseConfig(tenths).allocation.sharedPools[0]!.weights).toBeDefined();
  });

  it('refuses fixed weights that do not sum to exactly 1, saying by how much', () => {
    const short = { ...valid(), allocation: { sharedPools: [{ id: 'support', method: 'fixed', weights: { payments: 0.3333333333, search: 0.3333333333, growth: 0.3333333333 } }] } };
    expect(problemsOf(short)).toEqual(['allocation.sharedPools[0].weights: expected weights that sum to exactly 1 (as written, with no rounding), got 0.9999999999: add 0.0000000001 to one of them']);
    const over = { ...valid(), allocation: { sharedPools: [{ id: 'support', method: 'fixed', weights: { payments: 0.5, search: 0.5000001 } }] } };
    expect(problemsOf(over)).toEqual(['allocation.sharedPools[0].weights: expected weights that sum to exactly 1 (as written, with no rounding), got 1.0000001: take 0.0000001 off one of them']);
  });

  it('exits 2 on a malformed config before touching the state, even with --fresh', async () => {
    const state = mkdtempSync(join(tmpdir(), 'costline-state-'));
    mkdirSync(join(state, 'db'));
    writeFileSync(join(state, 'db', 'stored'), 'billing');
    const twice = configFile('twice.json', JSON.stringify(valid()).replace('"currency":"USD"', '"currency":"USD","currency":"USD"'));
    const utf16le = configFile('utf16.json', utf16(JSON.stringify(valid()), 'le', true));
    for (const path of [twice, utf16le]) {
      const result = await cli(['--config', path, '--state', state, '--fresh']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(path);
      expect(readdirSync(join(state, 'db'))).toEqual(['stored']);
    }
  });
});
