import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../functions/config/config-warnings';
import { parseConfig } from '../../../functions/config/parse-config';
import { allocationPolicyOf, recordTagKeysOf } from '../../../functions/config/policies';
import { problemsOf, valid } from './raw-config';

const withAllocation = (extra: Record<string, unknown>, sources?: Record<string, unknown>) => {
  const raw = valid();
  return { ...raw, allocation: { ...raw.allocation, ...extra }, ...(sources ? { sources } : {}) };
};


const principal = 'arn:aws:sts::*:assumed-role/growth-campaign-writer/*';

describe('allocation.dimensions config', () => {
  it('reads dimensions in order, with tag-only, rule-only and mixed ones, into the allocation policy', () => {
    const config = parseConfig(
      withAllocation({
        dimensions: [
          { id: 'feature', tagKey: 'feature', rules: [{ match: { iamPrincipal: principal }, value: 'campaign-writer' }] },
          { id: 'environment', tagKey: 'env' },
          { id: 'customer', rules: [{ match: { provider: 'openai', project: 'proj_acme' }, value: 'acme' }] },
        ],
      }),
    );
    expect(allocationPolicyOf(config).dimensions).toEqual([
      { id: 'feature', tagKey: 'feature', rules: [{ match: { iamPrincipal: principal }, value: 'campaign-writer' }] },
      { id: 'environment', tagKey: 'env', rules: [] },
      { id: 'customer', tagKey: undefined, rules: [{ match: { provider: 'openai', project: 'proj_acme' }, value: 'acme' }] },
    ].map((d, i) => (i < 2 ? { ...d, note: `dimension ${d.id}: Cost Explorer mode cannot see ${i === 0 ? 'tag feature or IAM principals' : 'tag env'} on AWS spend; use data-exports` } : d)));
    expect(recordTagKeysOf(config)).toEqual(['feature', 'env']);
  });

  it('leaves the policy without dimensions when none are configured, so allocation is unchanged', () => {
    expect('dimensions' in allocationPolicyOf(parseConfig(valid()))).toBe(false);
  });

  it('refuses unknown fields, duplicate ids, empty rules, a dimension with no source and a reserved value, naming each', () => {
    expect(
      problemsOf(
        withAllocation({
          dimensions: [
            { id: 'feature', tagKey: 'feature', colour: 'red' },
            { id: 'feature', tagKey: 'feature2' },
            { id: 'env', tagKey: 'env', rules: [] },
            { id: 'customer' },
            { id: 'team', tagKey: 'team' },
            { id: 'app', rules: [{ match: { provider: 'aws' }, value: '(none)' }] },
            { id: 'Bad Id', tagKey: 'x' },
          ],
        }),
      ),
    ).toEqual([
      'allocation.dimensions[0]: unknown field(s) "colour"',
      'allocation.dimensions[2].rules: expected at least one rule; leave "rules" out to take values from the tag only',
      'allocation.dimensions[3]: expected "tagKey", "rules" or both: where the dimension\'s values come from',
      'allocation.dimensions[5].rules[0].value: "(none)" is what records with no value get; pick another value',
      'allocation.dimensions[6].id: expected a lowercase id (letters, digits, - and _)',
      'allocation.dimensions[1].id: duplicate dimension id "feature"',
      'allocation.dimensions[4].id: "team" is what teams and allocation.rules decide; pick another dimension id',
    ]);
  });

  it('refuses a dimension id whose focus.csv column costline already writes or another dimension shares', () => {
    expect(problemsOf(withAllocation({ dimensions: [{ id: 'model', tagKey: 'm' }, { id: 'cost-center', tagKey: 'cc' }, { id: 'cost_center', tagKey: 'cc2' }] }))).toEqual([
      'allocation.dimensions[0].id: its focus.csv column x_Model is one costline already writes; pick another dimension id',
      "allocation.dimensions[2].id: its focus.csv column x_CostCenter is another dimension's too; pick another dimension id",
    ]);
  });

  it('accepts iamPrincipal and resource ARN patterns in team and dimension rules, and refuses what is not an ARN', () => {
    const profile = 'arn:aws:bedrock:us-east-1:*:application-inference-profile/sb7k2m9q4x1c';
    const config = parseConfig(withAllocation({ rules: [{ match: { iamPrincipal: principal }, team: 'growth' }, { match: { resource: profile }, team: 'search' }] }));
    expect(config.allocation.rules.map((r) => r.match)).toEqual([{ iamPrincipal: principal }, { resource: profile }]);
    expect(problemsOf(withAllocation({ rules: [{ match: { iamPrincipal: 'growth-campaign-writer' }, team: 'growth' }, { match: { resource: 'arn:aws:bedrock:**' }, team: 'growth' }] }))).toEqual([
      'allocation.rules[0].match.iamPrincipal: expected an IAM principal ARN, or a pattern such as "arn:aws:sts::*:assumed-role/my-app/*" (starting "arn:", no spaces; * matches any run of characters)',
      'allocation.rules[1].match.resource: expected no "**" in a pattern; one * already matches any run of characters',
    ]);
  });

  it('in Cost Explorer mode, warns about team rules on principals and notes what each dimension cannot see; nothing with data exports', () => {
    const allocation = {
      rules: [{ match: { iamPrincipal: principal }, team: 'growth' }],
      dimensions: [
        { id: 'environment', tagKey: 'env' },
        { id: 'owner', tagKey: 'team' },
        { id: 'feature', tagKey: 'feature', rules: [{ match: { resource: 'arn:aws:bedrock:*' }, value: 'chat' }, { match: { iamPrincipal: principal }, value: 'writer' }] },
      ],
    };
    const config = parseConfig(withAllocation(allocation));
    expect(configWarnings(config)).toEqual(['allocation.rules[0].match.iamPrincipal: Cost Explorer mode reports no IAM principals, so this never matches AWS spend; use sources.aws.mode "data-exports"']);
    expect(allocationPolicyOf(config).dimensions!.map((d) => d.note)).toEqual([
      'dimension environment: Cost Explorer mode cannot see tag env on AWS spend; use data-exports',
      undefined,
      'dimension feature: Cost Explorer mode cannot see tag feature or IAM principals or resources on AWS spend; use data-exports',
    ]);
    const exportsMode = parseConfig(withAllocation(allocation, { aws: { enabled: true, mode: 'data-exports', dataExports: { bucket: 'billing-exports', prefix: 'cur', exportName: 'costline' } } }));
    expect(configWarnings(exportsMode)).toEqual([]);
    expect(allocationPolicyOf(exportsMode).dimensions!.map((d) => d.note)).toEqual([undefined, undefined, undefined]);
  });

  it('does not call a rule on one principal shadowed by an earlier rule on another', () => {
    const rules = [
      { match: { provider: 'aws', iamPrincipal: 'arn:aws:sts::*:assumed-role/a/*' }, team: 'growth' },
      { match: { provider: 'aws', iamPrincipal: 'arn:aws:sts::*:assumed-role/b/*' }, team: 'search' },
      { match: { iamPrincipal: 'arn:aws:sts::1:assumed-role/a/s' }, team: 'search' },
    ];
    expect(configWarnings(parseConfig(withAllocation({ rules }))).filter((w) => w.includes('can never match'))).toEqual([
      'allocation.rules[2]: can never match, because allocation.rules[0] matches everything it would (first match wins)',
    ]);
  });
});
