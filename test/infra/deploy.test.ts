import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnDeletionPolicy, CfnResource, type Stack, TagManager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config/load-config';
import { SOURCE_IDS } from '../../functions/lib/source-ids';
import { TELEMETRY } from '../../functions/lib/telemetry';
import { buildCostlineApp, STAGE_TAG } from '../../infra/costline-app';
import { CostlineStack } from '../../infra/costline-stack';
import { PayerAccessStack } from '../../infra/payer-access-stack';
import { CONFIG_FILE, REPO_ROOT, testApp, testConfig } from './support';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

type Resource = { Type: string; Properties: Record<string, any> };

/** The app as `cdk synth -c ...` builds it from the repository's config. */
function build(context: Record<string, unknown> = {}) {
  return buildCostlineApp(testApp({ context: { config: CONFIG_FILE, ...context } }), {});
}

function resources(template: Template, type: string): Resource[] {
  return Object.values(template.findResources(type) as Record<string, Resource>);
}

/** Tags of a template resource, as key → value, whichever of the two CloudFormation shapes it uses. */
function tagsOf(resource: Resource): Record<string, string> {
  const tags = resource.Properties?.Tags;
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
  return (tags ?? {}) as Record<string, string>;
}

/** Every resource of the stack CloudFormation can tag, by logical id. */
function taggable(stack: Stack): string[] {
  return stack.node
    .findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && TagManager.isTaggable(c))
    .map((r) => stack.getLogicalId(r));
}

describe('stack name (-c stackName)', () => {
  it('is Costline by default, and the payer-access stack CostlinePayerAccess', () => {
    const { stack, payerAccess } = build();
    expect(stack.stackName).toBe('Costline');
    expect(payerAccess.stackName).toBe('CostlinePayerAccess');
  });

  it('names the stack, and every name that must be unique in an account and region derives from it, so two stages coexist', () => {
    const names = (stackName: string) => {
      const { stack, payerAccess } = build({ stackName });
      const template = Template.fromStack(stack);
      return [
        stack.stackName,
        payerAccess.stackName,
        ...resources(template, 'AWS::CloudWatch::Alarm').map((a) => a.Properties.AlarmName as string),
        ...resources(template, 'AWS::CloudWatch::Dashboard').map((d) => d.Properties.DashboardName as string),
        ...resources(Template.fromStack(payerAccess), 'AWS::IAM::Role').map((r) => r.Properties.RoleName as string),
      ];
    };
    const staging = names('CostlineStaging');
    const production = names('Costline');
    expect(staging.slice(0, 2)).toEqual(['CostlineStaging', 'CostlineStagingPayerAccess']);
    expect(staging).toContain('CostlineStaging-operations');
    expect(staging).toContain('CostlineStaging-cost-read');
    for (const name of staging) expect(name.startsWith('CostlineStaging')).toBe(true);
    expect(staging.filter((n) => production.includes(n))).toEqual([]);
  });

  it('puts the function roles under /costline/<stack name>/, the path the payer role trusts', () => {
    const { stack } = build({ stackName: 'CostlineStaging' });
    const roles = resources(Template.fromStack(stack), 'AWS::IAM::Role').filter((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'));
    expect(roles).toHaveLength(3);
    for (const role of roles) expect(role.Properties.Path).toBe('/costline/CostlineStaging/');
  });

  it('refuses a stack name CloudFormation or the derived names cannot take, naming the -c option', () => {
    expect(() => build({ stackName: 'costline_prod' })).toThrow(ConfigError);
    expect(() => build({ stackName: 'costline_prod' })).toThrow(/-c stackName=costline_prod: expected a letter, then letters, digits and hyphens/);
    expect(() => build({ stackName: 'C'.repeat(41) })).toThrow(/at most 40 characters/);
  });
});

describe('tags', () => {
  it('tag every taggable resource of both stacks with costline:stage and, with -c ownerTeam, the allocation tag key', () => {
    const { stack, payerAccess } = build({ stackName: 'CostlineStaging', stage: 'staging', ownerTeam: 'data-platform' });
    for (const s of [stack, payerAccess]) {
      const template = Template.fromStack(s).toJSON() as { Resources: Record<string, Resource> };
      const ids = taggable(s);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) {
        // `team` is allocation.awsTagKey of the repository's config: costline allocates its own spend by it.
        expect(tagsOf(template.Resources[id]!), `${s.stackName}/${id}`).toMatchObject({ [STAGE_TAG]: 'staging', team: 'data-platform' });
      }
    }
    // The log groups, the table and the buckets (kept after deletion) are among them.
    const types = new Set(taggable(stack).map((id) => (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources[id]!.Type));
    for (const type of ['AWS::Logs::LogGroup', 'AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::KMS::Key']) expect(types).toContain(type);
  });

  it('use the stack name as the stage by default and add no team tag without -c ownerTeam', () => {
    const { stack } = build();
    const [table] = resources(Template.fromStack(stack), 'AWS::DynamoDB::Table');
    expect(tagsOf(table!)).toEqual({ [STAGE_TAG]: 'Costline' });
  });

  it('use the config\'s allocation.awsTagKey as the team tag key, and refuse an owner team the config does not have', () => {
    const dir = mkdtempSync(join(tmpdir(), 'costline-tags-'));
    try {
      const raw = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as { allocation: { awsTagKey: string } };
      raw.allocation.awsTagKey = 'cost-center';
      const file = join(dir, 'costline.config.json');
      writeFileSync(file, JSON.stringify(raw));
      const { stack } = buildCostlineApp(testApp({ context: { config: file, ownerTeam: 'search' } }), {});
      const [table] = resources(Template.fromStack(stack), 'AWS::DynamoDB::Table');
      expect(tagsOf(table!)).toEqual({ [STAGE_TAG]: 'Costline', 'cost-center': 'search' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => build({ ownerTeam: 'platform-team' })).toThrow(/-c ownerTeam=platform-team: expected the id of a team in the config \(payments, search/);
  });
});

describe('operations dashboard', () => {
  const { stack } = build();
  const template = Template.fromStack(stack);
  const [dashboard] = resources(template, 'AWS::CloudWatch::Dashboard');
  const body = JSON.stringify(dashboard!.Properties.DashboardBody);

  it('is one dashboard named <stack name>-operations', () => {
    expect(resources(template, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
    expect(dashboard!.Properties.DashboardName).toBe('Costline-operations');
  });

  it('shows, per enabled source, its runs, records, requests and data age, from the metrics the jobs emit', () => {
    const sources = [SOURCE_IDS.aws, SOURCE_IDS.openai.costs, SOURCE_IDS.openai.usage, SOURCE_IDS.anthropic.costs, SOURCE_IDS.anthropic.usage];
    for (const metric of [TELEMETRY.ingestionSucceeded, TELEMETRY.recordsIngested, TELEMETRY.sourceRequests, TELEMETRY.dataAgeHours]) {
      for (const source of sources) {
        // Dashboard bodies escape quotes; each metric line names namespace, metric, and the service and source dimensions.
        expect(body, `${metric} ${source}`).toContain(`[\\"${TELEMETRY.namespace}\\",\\"${metric}\\",\\"service\\",\\"${TELEMETRY.serviceName}\\",\\"source\\",\\"${source}\\"`);
      }
    }
    expect(body).toContain('runs0 - ok0'); // failed runs: runs less successes
    expect(body).toContain(`\\"${TELEMETRY.alertsSent}\\",\\"service\\",\\"${TELEMETRY.serviceName}\\"`);
    expect(body).toContain('\\"value\\":36'); // the stale line on the age graph
  });

  it('shows each job\'s invocations, errors and dead letters, and the state of every alarm of the stack', () => {
    for (const metric of ['\\"AWS/Lambda\\",\\"Invocations\\"', '\\"AWS/Lambda\\",\\"Errors\\"', '\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\"']) expect(body).toContain(metric);
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmIds).toHaveLength(3 * 2 + 5);
    for (const id of alarmIds) expect(body, id).toContain(`{"Fn::GetAtt":["${id}","Arn"]}`);
  });
});

describe('payer-access stack', () => {
  const { payerAccess, stack } = build({ workloadAccount: '222222222222' });
  const template = Template.fromStack(payerAccess);
  const [role] = resources(template, 'AWS::IAM::Role');

  it('holds one role, named <stack name>-cost-read, with one-hour sessions', () => {
    expect(resources(template, 'AWS::IAM::Role')).toHaveLength(1);
    expect(role!.Properties).toMatchObject({ RoleName: 'Costline-cost-read', MaxSessionDuration: 3600 });
    expect(Object.keys(template.toJSON().Resources as object).filter((id) => id !== 'CDKMetadata')).toHaveLength(2); // the role and its policy
  });

  it('trusts only the workload account\'s costline function roles, and only with the external id', () => {
    const [statement, ...others] = role!.Properties.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(statement).toEqual({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'WorkloadAccountId' }, ':root']] } },
      Condition: {
        StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } },
        ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'WorkloadAccountId' }, ':role/costline/Costline/*']] } },
      },
    });
    // The path matches the workload stack's function roles.
    const paths = resources(Template.fromStack(stack), 'AWS::IAM::Role').map((r) => r.Properties.Path).filter(Boolean);
    expect(new Set(paths)).toEqual(new Set(['/costline/Costline/']));
  });

  it('allows ce:GetCostAndUsage, the one call costline makes, and nothing else', () => {
    const statements = resources(template, 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{ Action: 'ce:GetCostAndUsage', Effect: 'Allow', Resource: '*' }]);
    expect(role!.Properties.Policies).toBeUndefined();
    expect(role!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('takes the workload account and external id as parameters, defaulted from -c workloadAccount and the config', () => {
    const params = template.toJSON().Parameters as Record<string, Record<string, unknown>>;
    expect(params.WorkloadAccountId).toMatchObject({ Type: 'String', AllowedPattern: '^\\d{12}$', Default: '222222222222' });
    expect(params.ExternalId).toMatchObject({ Type: 'String', MinLength: 2, MaxLength: 1224 });
    expect(params.ExternalId!.Default).toBeUndefined(); // the repository config sets no external id
  });

  it('needs no CDK bootstrap in the management account (no bootstrap version parameter or rule)', () => {
    const json = template.toJSON() as { Parameters: Record<string, unknown>; Rules?: unknown };
    expect(Object.keys(json.Parameters)).toEqual(['WorkloadAccountId', 'ExternalId']);
    expect(json.Rules).toBeUndefined();
  });
});

describe('ingest permissions with sources.aws.roleArn', () => {
  const roleArn = 'arn:aws:iam::111111111111:role/Costline-cost-read';
  const config = testConfig((raw) => Object.assign(raw.sources.aws, { roleArn, externalId: 'ext-0123456789' }));
  const stack = new CostlineStack(testApp(), 'Costline', { config, configFile: CONFIG_FILE });
  const template = Template.fromStack(stack);
  const statements = resources(template, 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement.map((s: Record<string, unknown>) => ({ roles: p.Properties.Roles, ...s })));

  it('may assume exactly the configured role, from the ingest function only, and calls no Cost Explorer action itself', () => {
    const assume = statements.filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume.map((s) => [s.Resource, s.roles])).toEqual([[roleArn, [{ Ref: stack.getLogicalId(stack.ingest.role.node.defaultChild as CfnResource) }]]]);
    expect(statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('ce:')))).toEqual([]);
  });

  it('defaults the payer stack\'s ExternalId parameter to the config\'s external id', () => {
    const { payerAccess } = buildCostlineApp(testApp({ context: { config: CONFIG_FILE } }), {});
    expect((Template.fromStack(payerAccess).toJSON().Parameters as Record<string, { Default?: string }>).ExternalId!.Default).toBeUndefined();
    const withId = new PayerAccessStack(testApp(), 'CostlinePayerAccess', { workloadStackName: 'Costline', defaultExternalId: 'ext-0123456789' });
    expect((Template.fromStack(withId).toJSON().Parameters as Record<string, { Default?: string }>).ExternalId!.Default).toBe('ext-0123456789');
  });
});

describe('README Cleanup section', () => {
  it('names every resource the stack retains on deletion, the log groups included, by construct path', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const cleanup = readme.slice(readme.indexOf('## Cleanup'));
    const { stack } = build({ stackName: 'CostlineStaging' });
    const retained = stack.node
      .findAll()
      .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnOptions.deletionPolicy === CfnDeletionPolicy.RETAIN)
      .map((r) => ({ type: r.cfnResourceType, path: r.node.path.replace(/^CostlineStaging\//, '<stack>/').replace(/\/Resource$/, '') }));
    expect(retained.map((r) => r.type).sort()).toEqual(['AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::Logs::LogGroup', 'AWS::Logs::LogGroup', 'AWS::S3::Bucket', 'AWS::S3::Bucket']);
    for (const { path } of retained) expect(cleanup, path).toContain(`\`${path}\``);
  });
});
