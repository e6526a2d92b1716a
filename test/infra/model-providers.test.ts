import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, type CostlineConfig } from '../../functions/config/load-config';
import { buildSources, createClients } from '../../functions/app/compose';
import { SOURCE_IDS } from '../../functions/lib/source-ids';
import { TELEMETRY } from '../../functions/lib/telemetry';
import { CostlineStack } from '../../infra/costline-stack';
import type { ScheduledFunction } from '../../infra/constructs/scheduled-function';
import { CONFIG_FILE, testApp, testConfig } from './support';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function synth(config: CostlineConfig): { stack: CostlineStack; template: Template } {
  const stack = new CostlineStack(testApp(), 'Costline', { config, configFile: CONFIG_FILE });
  return { stack, template: Template.fromStack(stack) };
}

/** The repository's config (aws on) with the model providers switched as given. */
const withProviders = (enabled: { openai: boolean; anthropic: boolean }, change?: (raw: Record<string, any>) => void) =>
  testConfig((raw) => {
    raw.sources.openai.enabled = enabled.openai;
    raw.sources.anthropic.enabled = enabled.anthropic;
    change?.(raw);
  });

const idOf = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** Allow statements of the IAM policies attached to the job's role. */
function statementsOf(stack: Stack, template: Template, job: ScheduledFunction): Statement[] {
  const role = JSON.stringify({ Ref: idOf(stack, job.role) });
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}

/** The secret statements of a job: every statement naming a secretsmanager action. */
const secretStatements = (stack: Stack, template: Template, job: ScheduledFunction) =>
  statementsOf(stack, template, job).filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));

/** What CloudFormation receives for a secret of the deploying account and region, imported by name. */
const byNameInThisAccount = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${name}-??????`]],
});

/** `source` dimension of every stale-data alarm. */
function staleDataSources(template: Template): string[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: TELEMETRY.ingestionSucceeded } }) as Record<string, Resource>)
    .map((a) => (a.Properties.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'source')!.Value)
    .sort();
}

describe('the hourly usage function', () => {
  it.each([
    ['both providers are', { openai: true, anthropic: true }],
    ['only OpenAI is', { openai: true, anthropic: false }],
    ['only Anthropic is', { openai: false, anthropic: true }],
  ] as const)('exists with its hourly schedule when %s enabled', (_name, enabled) => {
    // Prepare / Act
    const { stack, template } = synth(withProviders(enabled));
    // Assess
    expect(stack.usage).toBeDefined();
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 * * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [idOf(stack, stack.usage!.function), 'Arn'] }, Input: '{}' }),
    });
  });

  it('does not exist, nor any secret grant or secret output, when no model provider is enabled', () => {
    const { stack, template } = synth(withProviders({ openai: false, anthropic: false }));
    expect(stack.usage).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.resourcePropertiesCountIs('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(15 * * * ? *)' }, 0);
    expect(JSON.stringify(template.toJSON().Resources)).not.toContain('secretsmanager');
    const outputs = Object.keys(template.toJSON().Outputs as object);
    expect(outputs.filter((o) => o.startsWith('Usage') || o.endsWith('AdminKeySecret'))).toEqual([]);
  });
});

describe('admin key secrets', () => {
  it('let ingest and usage call only secretsmanager:GetSecretValue, on the configured names with the -?????? suffix', () => {
    const { stack, template } = synth(withProviders({ openai: true, anthropic: true }));
    for (const job of [stack.ingest, stack.usage!]) {
      const statements = secretStatements(stack, template, job);
      expect(statements.flatMap((s) => [s.Action].flat())).toEqual(statements.map(() => 'secretsmanager:GetSecretValue'));
      expect(statements.every((s) => s.Condition === undefined)).toBe(true);
      expect(statements.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r)).sort()).toEqual(
        [byNameInThisAccount('costline/openai-admin-key'), byNameInThisAccount('costline/anthropic-admin-key')].map((r) => JSON.stringify(r)).sort(),
      );
    }
    expect(secretStatements(stack, template, stack.statement)).toEqual([]);
    // Imported, never created: the user creates the secrets (see the outputs).
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('grant nothing on the secrets beyond GetSecretValue: no DescribeSecret, no KMS through Secrets Manager', () => {
    const { stack, template } = synth(withProviders({ openai: true, anthropic: true }));
    for (const job of [stack.ingest, stack.usage!, stack.statement]) {
      const actions = statementsOf(stack, template, job).flatMap((s) => [s.Action].flat());
      expect(actions.filter((a) => a.startsWith('secretsmanager:') && a !== 'secretsmanager:GetSecretValue')).toEqual([]);
    }
    expect(JSON.stringify(template.toJSON().Resources)).not.toContain('kms:ViaService');
  });

  it('grant only the enabled provider\'s secret', () => {
    const { stack, template } = synth(withProviders({ openai: false, anthropic: true }));
    for (const job of [stack.ingest, stack.usage!]) {
      expect(secretStatements(stack, template, job).flatMap((s) => [s.Resource].flat())).toEqual([byNameInThisAccount('costline/anthropic-admin-key')]);
    }
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.AnthropicAdminKeySecret?.Value).toBe('costline/anthropic-admin-key');
    expect(outputs.OpenAiAdminKeySecret).toBeUndefined();
  });

  it('keep a complete ARN as is and give a partial ARN the -?????? suffix', () => {
    const complete = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:costline/openai-admin-key-AbC123';
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:finops/anthropic';
    const { stack, template } = synth(
      withProviders({ openai: true, anthropic: true }, (raw) => {
        raw.sources.openai.adminKeySecret = complete;
        raw.sources.anthropic.adminKeySecret = partial;
      }),
    );
    for (const job of [stack.ingest, stack.usage!]) {
      expect(secretStatements(stack, template, job).flatMap((s) => [s.Resource].flat()).sort()).toEqual([complete, `${partial}-??????`].sort());
    }
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect([outputs.OpenAiAdminKeySecret?.Value, outputs.AnthropicAdminKeySecret?.Value]).toEqual([complete, partial]);
  });

  it.each([
    ['a wildcard in a name', 'costline/*'],
    ['a wildcard in an ARN', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:costline/*'],
    ['another service\'s ARN', 'arn:aws:ssm:eu-west-1:123456789012:parameter/costline/openai-admin-key'],
    ['an ARN without an account', 'arn:aws:secretsmanager:eu-west-1::secret:costline/openai-admin-key'],
  ])('reject %s as a ConfigError naming the field, instead of granting it', (_name, value) => {
    const config = withProviders({ openai: true, anthropic: false }, (raw) => (raw.sources.openai.adminKeySecret = value));
    expect(() => synth(config)).toThrow(ConfigError);
    expect(() => synth(config)).toThrow(/sources\.openai\.adminKeySecret: expected a/);
  });
});

describe('stale-data alarms', () => {
  it('watch every enabled source: aws, and the costs and usage of each enabled provider', () => {
    expect(staleDataSources(synth(withProviders({ openai: true, anthropic: true })).template)).toEqual(
      [SOURCE_IDS.aws, SOURCE_IDS.openai.costs, SOURCE_IDS.openai.usage, SOURCE_IDS.anthropic.costs, SOURCE_IDS.anthropic.usage].sort(),
    );
    expect(staleDataSources(synth(withProviders({ openai: true, anthropic: false })).template)).toEqual(
      [SOURCE_IDS.aws, SOURCE_IDS.openai.costs, SOURCE_IDS.openai.usage].sort(),
    );
    expect(staleDataSources(synth(withProviders({ openai: false, anthropic: false })).template)).toEqual([SOURCE_IDS.aws]);
  });

  it('alarm after 36 hours of runs without success, on the dimensions service=costline and source=<id>, quiet before the first run', () => {
    const { stack, template } = synth(withProviders({ openai: true, anthropic: true }));
    for (const source of Object.values(SOURCE_IDS).flatMap((ids) => (typeof ids === 'string' ? [ids] : Object.values(ids)))) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Costline',
        MetricName: 'IngestionSucceeded',
        Dimensions: [
          { Name: 'service', Value: 'costline' },
          { Name: 'source', Value: source },
        ],
        Statistic: 'Maximum',
        Period: 36 * 3600,
        EvaluationPeriods: 1,
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        TreatMissingData: 'missing',
        AlarmName: `Costline-${source}-stale-data`,
        AlarmActions: [{ Ref: idOf(stack, stack.topics.operations) }],
        InsufficientDataActions: [{ Ref: idOf(stack, stack.topics.operations) }],
      });
    }
  });

  it('point at the usage and ingest functions for usage sources, at ingest alone for cost sources', () => {
    const { template } = synth(withProviders({ openai: true, anthropic: true }));
    const description = (source: string) =>
      Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Dimensions: Match.arrayWith([{ Name: 'source', Value: source }]) } }) as Record<string, Resource>)[0]!
        .Properties.AlarmDescription as string;
    expect(description(SOURCE_IDS.openai.usage)).toMatch(/of the usage and ingest functions, and that their schedules are enabled/);
    expect(description(SOURCE_IDS.anthropic.costs)).toMatch(/of the ingest function, and that its schedule is enabled/);
  });

  it('watch exactly the ids the enabled sources report their success under', () => {
    // Prepare: the sources the functions build from the same config (no request is made).
    const config = withProviders({ openai: true, anthropic: true });
    const clients = createClients({ region: 'us-east-1' });
    const sources = buildSources(config, clients, { secret: () => async () => 'unused', usageBucketWidth: '1h' });
    Object.values(clients).forEach((c) => c.destroy());
    // Act
    const alarmed = staleDataSources(synth(config).template);
    // Assess
    expect(alarmed).toEqual(sources.map((s) => s.id).sort());
  });
});
