import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config/parse-config';
import { problemsOf, valid } from './raw-config';



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

  it('reads sources.focus entries with their defaults, and names the entry and field of each mistake', () => {
    const focus = (entries: unknown) => ({ ...valid(), sources: { focus: entries } });
    expect(parseConfig(valid()).sources.focus).toEqual([]);
    expect(parseConfig(focus([{ id: 'azure', bucket: 'costline-focus', prefix: 'exports/focus/' }])).sources.focus).toEqual([
      { id: 'azure', bucket: 'costline-focus', prefix: 'exports/focus/', enabled: true, previousMonthUntilDay: 5, recheckClosedMonths: 1 },
    ]);
    expect(parseConfig(focus([{ id: 'litellm', bucket: 'costline-focus', prefix: '', format: 'parquet', enabled: false }])).sources.focus[0]).toMatchObject({ format: 'parquet', enabled: false });
    expect(
      problemsOf(
        focus([
          { id: 'azure', bucket: 'costline-focus', prefix: 'a/' },
          { id: 'azure', bucket: 'Bad_Bucket', prefix: '/b', format: 'json' },
          { id: 'Azure Cloud', bucket: 'costline-focus', prefix: 'c', region: 'x' },
          { bucket: 'costline-focus' },
        ]),
      ),
    ).toEqual([
      'sources.focus[1].bucket: expected an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)',
      'sources.focus[1].prefix: expected a prefix without a leading "/"',
      'sources.focus[1].format: expected one of "csv", "parquet" (or no format: from each file\'s extension)',
      'sources.focus[2].id: expected a lowercase id of 1-32 letters, digits and hyphens, such as "azure"',
      'sources.focus[2]: unknown field(s) "region"',
      'sources.focus[3].id: expected an id such as "azure"',
      'sources.focus[3].prefix: expected the S3 prefix of the files (may be "")',
    ]);
    expect(problemsOf(focus([{ id: 'azure', bucket: 'costline-focus', prefix: 'a/' }, { id: 'azure', bucket: 'costline-focus', prefix: 'b/' }]))).toEqual([
      'sources.focus[1].id: "azure" is already the id of sources.focus[0]; each FOCUS source needs its own id',
    ]);
    expect(problemsOf(focus({ id: 'azure' }))).toEqual(['sources.focus: expected a list of FOCUS sources [{ "id", "bucket", "prefix" }]']);
  });

  it('reads sources.aws.mode, dataExports and engine, and names the field of each mistake', () => {
    const aws = (extra: Record<string, unknown>) => ({ ...valid(), sources: { aws: { enabled: true, ...extra } } });
    const where = { bucket: 'costline-billing-111111111111', prefix: 'cur2', exportName: 'costline-cur2-daily' };
    expect(parseConfig(valid()).sources.aws).toMatchObject({ mode: 'cost-explorer', engine: 'embedded' });
    expect(parseConfig(aws({ mode: 'data-exports', dataExports: where })).sources.aws).toMatchObject({ mode: 'data-exports', dataExports: where, engine: 'embedded' });
    expect(problemsOf(aws({ mode: 'data-exports' }))).toEqual(['sources.aws.dataExports: required with sources.aws.mode "data-exports": { "bucket", "prefix", "exportName" } of the CUR 2.0 export']);
    expect(problemsOf(aws({ mode: 'cur' }))).toEqual(['sources.aws.mode: expected one of "cost-explorer", "data-exports"']);
    expect(problemsOf(aws({ mode: 'data-exports', dataExports: { ...where, engine: 'athena' } }))).toEqual(['sources.aws.dataExports: unknown field(s) "engine"']);
    expect(parseConfig(aws({ mode: 'data-exports', dataExports: where, engine: 'athena' })).sources.aws).toMatchObject({ engine: 'athena' });
    expect(parseConfig(aws({ mode: 'data-exports', dataExports: where, engine: 'athena', athena: {} })).sources.aws.athena).toEqual({ workgroup: 'costline-billing', database: 'costline_billing', table: 'cur2_line_items' });
    expect(parseConfig(aws({ mode: 'data-exports', dataExports: where, engine: 'athena', athena: { workgroup: 'finops', table: 'cur' } })).sources.aws.athena).toEqual({ workgroup: 'finops', database: 'costline_billing', table: 'cur' });
    expect(problemsOf(aws({ engine: 'athena' }))).toEqual(['sources.aws.engine: "athena" reads the CUR 2.0 export: it needs sources.aws.mode "data-exports" (Cost Explorer mode has no engine)']);
    expect(problemsOf(aws({ mode: 'data-exports', dataExports: where, engine: 'athena', athena: { region: 'x' } }))).toEqual(['sources.aws.athena: unknown field(s) "region"']);
    expect(problemsOf(aws({ mode: 'data-exports', dataExports: where, engine: 'athena', athena: { workgroup: 'a b', database: 'Billing-DB' } }))).toEqual([
      'sources.aws.athena.workgroup: expected an Athena workgroup name (1-128 letters, digits, ".", "_" and "-")',
      'sources.aws.athena.database: expected a Glue database name (lower case letters, digits and "_")',
    ]);
    expect(problemsOf(aws({ mode: 'data-exports', dataExports: where, engine: 'duckdb' }))).toEqual(['sources.aws.engine: expected one of "embedded", "athena"']);
    expect(problemsOf(aws({ mode: 'data-exports', dataExports: { bucket: 'Bad_Bucket', prefix: '/cur2', exportName: 'x' } }))).toEqual([
      'sources.aws.dataExports.bucket: expected an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)',
      'sources.aws.dataExports.prefix: expected a prefix without a leading or trailing "/"',
    ]);
    expect(problemsOf(aws({ mode: 'data-exports', dataExports: { bucket: 'costline-billing' } }))).toEqual([
      'sources.aws.dataExports.prefix: expected the S3 prefix of the export (may be "")',
      'sources.aws.dataExports.exportName: expected the name of the export',
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

  it('takes a FOCUS provider id and a sub-account in a rule, and names a malformed provider id', () => {
    const raw = valid();
    raw.allocation.rules.push({ match: { provider: 'google-cloud', subAccount: 'acme-prod-1234' }, team: 'search' } as never);
    expect(parseConfig(raw).allocation.rules.at(-1)!.match).toEqual({ provider: 'google-cloud', subAccount: 'acme-prod-1234' });
    raw.allocation.rules.at(-1)!.match = { provider: 'Google Cloud' } as never;
    expect(problemsOf(raw)).toEqual([`allocation.rules[${raw.allocation.rules.length - 1}].match.provider: expected aws, openai, anthropic or a FOCUS provider's id such as "microsoft" or "google-cloud" (lowercase letters, digits and single hyphens)`]);
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

  it('fills the documented defaults when allocation and sources are left out', () => {
    const config = parseConfig({ currency: 'USD', teams: [{ id: 'a', name: 'A' }] });
    expect(config.allocation).toEqual({ awsTagKey: 'team', rules: [], sharedPools: [], shareUnallocated: false, dimensions: [] });
    expect(config.sources.aws).toEqual({ enabled: true, mode: 'cost-explorer', engine: 'embedded', costMetric: 'AmortizedCost', previousMonthUntilDay: 5, recheckClosedMonths: 1 });
    expect(config.sources.openai.enabled).toBe(false);
    expect(problemsOf({ currency: 'USD', teams: [{ id: 'a', name: 'A' }], sources: [] })).toEqual(['sources: expected an object']);
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
});
