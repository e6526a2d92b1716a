import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, type CostlineConfig } from '../../functions/config/load-config';
import { matchesFilterPolicy } from '../../local/emulators/sns-server';
import { SOURCE_IDS } from '../../functions/lib/source-ids';
import { TELEMETRY } from '../../functions/lib/telemetry';
import { buildCostlineApp } from '../../infra/costline-app';
import { CostlineStack } from '../../infra/costline-stack';
import { alertSubscriptions, PLATFORM_ALERTS, statementSubscriptions, teamsByLeadEmail } from '../../infra/constructs/notification-topics';
import type { ScheduledFunction } from '../../infra/constructs/scheduled-function';
import { CONFIG_FILE, REPO_ROOT, testApp, testConfig } from './support';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

function synth(config: CostlineConfig = testConfig()): { stack: CostlineStack; template: Template } {
  const stack = new CostlineStack(testApp(), 'Costline', { config, configFile: CONFIG_FILE });
  return { stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The one resource of `type` matching `props` (throws unless exactly one). */
function only(template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, { Properties: props }) as Record<string, Resource>);
  expect(found, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
}

/** Logical id of a construct's CloudFormation resource, and the two ways the template refers to it. */
const idOf = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (stack: Stack, construct: IConstruct) => ({ Ref: idOf(stack, construct) });
const getAtt = (stack: Stack, construct: IConstruct, attribute: string) => ({ 'Fn::GetAtt': [idOf(stack, construct), attribute] });

/** Every action allowed by the IAM policies attached to the function's role. */
function allowedActions(stack: Stack, template: Template, job: ScheduledFunction): string[] {
  const roleId = idOf(stack, job.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter((p) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
  return policies.flatMap((p) => (p.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[] }[]))
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => [s.Action].flat());
}

/** Every identity-policy statement of the stack: IAM policies and roles' inline policies. */
function allStatements(template: Template): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).map((p) => p.Properties.PolicyDocument);
  const inline = Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>).flatMap((r) => (r.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument));
  return [...policies, ...inline].flatMap((d) => d.Statement);
}

/** Every SNS subscription of the template: its topic's logical id, endpoint and filter policy. */
function subscriptionsOf(template: Template): { topic: string; endpoint: string; filterPolicy: unknown }[] {
  return Object.values(template.findResources('AWS::SNS::Subscription') as Record<string, Resource>).map((s) => ({
    topic: (s.Properties.TopicArn as { Ref: string }).Ref,
    endpoint: s.Properties.Endpoint as string,
    filterPolicy: s.Properties.FilterPolicy,
  }));
}

/** One topic's subscriptions, endpoint to filter policy. */
function subscriptionsTo(stack: Stack, template: Template, topic: IConstruct): Map<string, unknown> {
  return new Map(subscriptionsOf(template).filter((s) => s.topic === idOf(stack, topic)).map((s) => [s.endpoint, s.filterPolicy]));
}

/** The endpoints of one topic whose filter policy accepts a message with these (String) attributes, lowercased. */
function receivers(subscriptions: Map<string, unknown>, attributes: Record<string, string>): string[] {
  const message = Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
  return [...subscriptions].filter(([, policy]) => policy === undefined || matchesFilterPolicy(policy, message)).map(([endpoint]) => endpoint.toLowerCase()).sort();
}

describe('CostlineStack', () => {
  let stack: CostlineStack;
  let template: Template;
  beforeAll(() => ({ stack, template } = synth()));
  /** The three scheduled jobs (the repository's config enables both model providers, so usage exists). */
  const jobs = () => [stack.ingest, stack.usage!, stack.statement];

  describe('table', () => {
    it('is on-demand with pk/sk string keys and no index (every read is one partition or one key)', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: Match.absent(),
      });
    });

    it('survives stack deletion and accidental deletes: retained, deletion protection, point-in-time recovery', () => {
      const [, table] = only(template, 'AWS::DynamoDB::Table');
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    });

    it('is encrypted with the AWS managed key (SSEEnabled without a customer key)', () => {
      const [, table] = only(template, 'AWS::DynamoDB::Table');
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    });
  });

  describe('topics', () => {
    /** finance@ also leads search (statementToLeads: true); data-lead@ is also platform; both lists repeat an address in another case. */
    const overlappingConfig = () =>
      testConfig((raw) => {
        raw.teams[1].leadEmails = ['Finance@example.com'];
        raw.finance.emails = ['finance@example.com', 'FINANCE@example.com'];
        raw.alerts.platformEmails = ['platform-team@example.com', 'Data-Lead@example.com', 'PLATFORM-TEAM@example.com'];
      });
    let synthesized: { stack: CostlineStack; template: Template } | undefined;
    const overlapping = () => (synthesized ??= synth(overlappingConfig()));

    it('creates three topics, each encrypted with the rotated customer managed key', () => {
      const [keyId, key] = only(template, 'AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const topics = Object.values(template.findResources('AWS::SNS::Topic') as Record<string, Resource>);
      expect(topics).toHaveLength(3);
      for (const topic of topics) expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    });

    it('lets CloudWatch use the topic key, so alarms can publish to the encrypted operations topic', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']),
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(stack, stack.topics.operations)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
          ]),
        },
      });
    });

    it('denies publishing without TLS on every topic', () => {
      for (const topic of [stack.topics.alerts, stack.topics.statements, stack.topics.operations]) {
        template.hasResourceProperties('AWS::SNS::TopicPolicy', {
          Topics: [ref(stack, topic)],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('subscribes finance to the organisation statement (kind = statement) and operations to the operations topic, unfiltered', () => {
      const [, finance] = only(template, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'finance@example.com', TopicArn: ref(stack, stack.topics.statements) });
      expect(finance.Properties.FilterPolicy).toEqual({ kind: ['statement'] });
      const [, ops] = only(template, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'cloud-team@example.com', TopicArn: ref(stack, stack.topics.operations) });
      expect(ops.Properties.FilterPolicy).toBeUndefined();
    });

    it('subscribes the leads of teams that opted in to their own statement, filtered on kind and team', () => {
      const statements = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: ref(stack, stack.topics.statements) } }) as Record<string, Resource>);
      // finance, plus search's lead (search has statementToLeads: true in the sample config).
      expect(statements.map((s) => [s.Properties.Endpoint, s.Properties.FilterPolicy]).sort()).toEqual([
        ['finance@example.com', { kind: ['statement'] }],
        ['search-lead@example.com', { kind: ['team-statement'], team: ['search'] }],
      ]);
    });

    it("subscribes each team lead to the alerts topic, filtered on team = the team's id, and the platform audience to shadow-AI and organisation alerts", () => {
      const config = testConfig();
      const alerts = subscriptionsTo(stack, template, stack.topics.alerts);
      expect([...alerts.keys()].sort()).toEqual([...config.teams.flatMap((t) => t.leadEmails), ...config.alerts.platformEmails].sort());
      for (const team of config.teams) {
        for (const email of team.leadEmails) expect(alerts.get(email), email).toEqual({ team: [team.id] });
      }
      expect(config.alerts.platformEmails).not.toEqual([]);
      for (const email of config.alerts.platformEmails) {
        expect(alerts.get(email), email).toEqual({ $or: [{ kind: ['shadow-ai'] }, { team: ['organization', 'unallocated'] }] });
      }
    });

    it('subscribes finance to every team\'s critical alerts when finance.alerts asks for it, and to none by default', () => {
      expect(subscriptionsTo(stack, template, stack.topics.alerts).has('finance@example.com')).toBe(false);
      const { stack: s, template: t } = synth(
        testConfig((raw) => {
          raw.finance.alerts = 'critical';
        }),
      );
      const alerts = subscriptionsTo(s, t, s.topics.alerts);
      expect(alerts.get('finance@example.com')).toEqual({ severity: ['critical'] });
      expect(receivers(alerts, { team: 'payments', kind: 'threshold', severity: 'critical' })).toContain('finance@example.com');
      expect(receivers(alerts, { team: 'payments', kind: 'threshold', severity: 'warning' })).not.toContain('finance@example.com');
    });

    it('gives a lead of two teams one subscription whose filter lists both teams', () => {
      const { stack: s, template: t } = synth(
        testConfig((raw) => {
          raw.teams[1].leadEmails = ['Shared-Lead@example.com'];
          raw.teams[2].leadEmails = ['shared-lead@example.com'];
        }),
      );
      only(t, 'AWS::SNS::Subscription', { Endpoint: 'Shared-Lead@example.com', TopicArn: ref(s, s.topics.alerts), FilterPolicy: { team: ['search', 'support-bot'] } });
      expect(t.findResources('AWS::SNS::Subscription', { Properties: { Endpoint: 'shared-lead@example.com' } })).toEqual({});
    });

    it('never subscribes the same address to the same topic twice, whatever the case it is written in', () => {
      for (const t of [template, overlapping().template]) {
        const pairs = subscriptionsOf(t).map((s) => `${s.topic} ${s.endpoint.toLowerCase()}`);
        expect(pairs.length).toBeGreaterThan(0);
        expect(new Set(pairs).size, pairs.join('\n')).toBe(pairs.length);
      }
    });

    describe('an address in several audiences', () => {
      it('gets one statements subscription: the $or of the organisation statement and its team\'s statement (finance no longer hides its lead role)', () => {
        const { stack: s, template: t } = overlapping();
        const statements = subscriptionsTo(s, t, s.topics.statements);
        expect([...statements]).toEqual([['finance@example.com', { $or: [{ kind: ['statement'] }, { kind: ['team-statement'], team: ['search'] }] }]]);
        expect(receivers(statements, { kind: 'statement' })).toEqual(['finance@example.com']);
        expect(receivers(statements, { kind: 'team-statement', team: 'search' })).toEqual(['finance@example.com']);
        expect(receivers(statements, { kind: 'team-statement', team: 'payments' })).toEqual([]);
      });

      it('gets one alerts subscription whose $or lists its lead filter and the platform alternatives, flattened', () => {
        const { stack: s, template: t } = overlapping();
        const alerts = subscriptionsTo(s, t, s.topics.alerts);
        expect(alerts.get('data-lead@example.com')).toEqual({ $or: [{ team: ['data-platform'] }, { kind: ['shadow-ai'] }, { team: ['organization', 'unallocated'] }] });
        expect(alerts.get('platform-team@example.com')).toEqual(PLATFORM_ALERTS);
        // The other leads' filters are unchanged, and finance@ is on the alerts topic only as search's lead.
        expect(alerts.get('Finance@example.com')).toEqual({ team: ['search'] });
        expect(alerts.get('payments-lead@example.com')).toEqual({ team: ['payments'] });
        expect(alerts.size).toBe(6);
      });

      it('is subscribed with exactly the policies the exported helpers compute (what the README shows)', () => {
        const { stack: s, template: t } = overlapping();
        const config = overlappingConfig();
        expect(subscriptionsTo(s, t, s.topics.alerts)).toEqual(alertSubscriptions(config));
        expect(subscriptionsTo(s, t, s.topics.statements)).toEqual(statementSubscriptions(config));
      });
    });

    it.each([
      ['the repository config', () => ({ stack, template, config: testConfig() })],
      ['a lead who is also platform', () => ({ ...overlapping(), config: overlappingConfig() })],
    ])('route every alert to the right people under SNS filter semantics (%s)', (_name, setup) => {
      // Prepare: each synthesized alerts-topic filter policy, as SNS would evaluate it (the local SNS's matcher).
      const { stack: s, template: t, config } = setup();
      const alerts = subscriptionsTo(s, t, s.topics.alerts);
      const platform = [...new Set(config.alerts.platformEmails.map((e) => e.toLowerCase()))].sort();
      const teamAlerts = (team: string): Record<string, string>[] => [
        { team, kind: 'threshold', severity: 'warning', threshold: '80' },
        { team, kind: 'forecast', severity: 'warning' },
        { team, kind: 'anomaly', severity: 'critical', provider: 'openai', model: 'gpt-4o' },
        { team, kind: 'unit-cost', severity: 'warning', provider: 'anthropic', model: 'claude-sonnet-4' },
        { team, kind: 'digest', severity: 'warning' },
      ];
      const led = new Map([...teamsByLeadEmail(config)].map(([email, teams]) => [email.toLowerCase(), teams]));
      // Act / Assess: every subscriber receives the alerts of the teams it leads and no other team's (none, for platform only).
      for (const email of [...alerts.keys()].map((e) => e.toLowerCase())) {
        for (const team of config.teams.map((x) => x.id)) {
          for (const attributes of teamAlerts(team)) {
            expect(receivers(alerts, attributes).includes(email), `${email} ← ${JSON.stringify(attributes)}`).toBe(led.get(email)?.includes(team) ?? false);
          }
        }
      }
      // The platform audience receives shadow-AI (unmapped spend, and a watched model one team used) and organisation alerts.
      const platformAlerts: Record<string, string>[] = [
        { team: 'unallocated', kind: 'shadow-ai', severity: 'warning', provider: 'openai' },
        { team: 'search', kind: 'shadow-ai', severity: 'warning', provider: 'openai', model: 'o1-pro' },
        { team: 'organization', kind: 'threshold', severity: 'critical', threshold: '100' },
        { team: 'organization', kind: 'forecast', severity: 'warning' },
        { team: 'organization', kind: 'digest', severity: 'warning' },
      ];
      for (const attributes of platformAlerts) expect(receivers(alerts, attributes), JSON.stringify(attributes)).toEqual(expect.arrayContaining(platform));
      // Nobody but the platform audience receives unallocated spend's alerts, nor its digest.
      for (const kind of ['shadow-ai', 'digest']) expect(receivers(alerts, { team: 'unallocated', kind, severity: 'warning' })).toEqual(platform);
    });
  });

  describe('functions', () => {
    it('run on the newest Node.js runtime (nodejs24.x) on arm64, with an ESM bundle entry', () => {
      const fns = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
      expect(fns).toHaveLength(3);
      for (const fn of fns) {
        expect(fn.Properties.Runtime).toBe('nodejs24.x');
        expect(fn.Properties.Architectures).toEqual(['arm64']);
        expect(fn.Properties.Handler).toBe('index.handler');
      }
    });

    it('give ingest 10 minutes and 1024 MB, usage 5 minutes and 512 MB, statement 10 minutes and 1024 MB', () => {
      template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('ingest'), Timeout: 600, MemorySize: 1024 });
      template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Hourly model usage'), Timeout: 300, MemorySize: 512 });
      template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('statement'), Timeout: 600, MemorySize: 1024 });
    });

    it('log to their own log group kept for three months', () => {
      for (const job of jobs()) {
        const logGroupId = idOf(stack, job.logGroup);
        template.hasResourceProperties('AWS::Lambda::Function', {
          Role: getAtt(stack, job.role, 'Arn'),
          LoggingConfig: { LogGroup: { Ref: logGroupId } },
        });
        expect((template.toJSON().Resources[logGroupId] as Resource).Properties.RetentionInDays).toBe(90);
      }
    });

    it('set the table and topic variables next to the Powertools settings', () => {
      const powertools = { POWERTOOLS_SERVICE_NAME: 'costline', POWERTOOLS_METRICS_NAMESPACE: 'Costline', POWERTOOLS_LOG_LEVEL: 'INFO' };
      const table = ref(stack, stack.table.table);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('ingest'),
        Environment: { Variables: Match.objectEquals({ ...powertools, NODE_OPTIONS: '--enable-source-maps', TABLE_NAME: table, ALERTS_TOPIC_ARN: ref(stack, stack.topics.alerts) }) },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('statement'),
        Environment: {
          Variables: Match.objectEquals({
            ...powertools,
            NODE_OPTIONS: '--enable-source-maps',
            TABLE_NAME: table,
            STATEMENTS_TOPIC_ARN: ref(stack, stack.topics.statements),
            STATEMENTS_BUCKET: ref(stack, stack.statementsBucket.bucket),
          }),
        },
      });
      // The usage job reads its secrets' ids from the bundled config, like ingest: no variable for them.
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^Hourly model usage'),
        Environment: { Variables: Match.objectEquals({ ...powertools, NODE_OPTIONS: '--enable-source-maps', TABLE_NAME: table, ALERTS_TOPIC_ARN: ref(stack, stack.topics.alerts) }) },
      });
    });

    it('retry failed runs twice, then send them to the dead-letter queue', () => {
      for (const job of jobs()) {
        template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
          FunctionName: ref(stack, job.function),
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: getAtt(stack, job.deadLetterQueue, 'Arn') } },
        });
      }
    });
  });

  describe('schedules', () => {
    it.each([
      ['ingest', 'cron(0 6 * * ? *)'],
      // Hourly, at a fixed minute past the daily ingest's first attempt.
      ['usage', 'cron(15 * * * ? *)'],
      // previousMonthUntilDay 5 (the default, for every source): the statement goes out on the 6th.
      ['statement', 'cron(0 8 * * ? *)'],
    ] as const)('run %s on %s UTC with an empty event, a retry policy and the dead-letter queue', (job, expression) => {
      const fn = stack[job]!;
      const queueArn = getAtt(stack, fn.deadLetterQueue, 'Arn');
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'Etc/UTC',
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: getAtt(stack, fn.function, 'Arn'),
          Input: '{}',
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: queueArn },
        }),
      });
    });

    it('use dead-letter queues that are encrypted, TLS-only and keep messages 14 days', () => {
      const queues = Object.entries(template.findResources('AWS::SQS::Queue') as Record<string, Resource>);
      expect(queues).toHaveLength(3);
      for (const [id, queue] of queues) {
        expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
        });
      }
    });

    it('let the scheduler invoke only the unqualified function and write to the dead-letter queue', () => {
      for (const job of jobs()) {
        template.hasResourceProperties('AWS::IAM::Policy', {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: getAtt(stack, job.function, 'Arn') },
              { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(stack, job.deadLetterQueue, 'Arn') },
            ],
          },
        });
      }
    });

    it('runs the statement daily whatever the re-pull days: the job itself waits for the month to be final', () => {
      const latest = testConfig((raw) => (raw.sources.anthropic.previousMonthUntilDay = 12));
      synth(latest).template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 8 * * ? *)' });
    });
  });

  describe('alarms', () => {
    const operations = () => [ref(stack, stack.topics.operations)];

    it('alarm on any function error and on any dead letter, notifying the operations topic', () => {
      for (const job of jobs()) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: ref(stack, job.function) }],
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: operations(),
          AlarmDescription: Match.stringLikeRegexp('What to do'),
        });
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: getAtt(stack, job.deadLetterQueue, 'QueueName') }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: operations(),
          AlarmDescription: Match.stringLikeRegexp('What to do'),
        });
      }
    });

    it('alarm when every run of the aws source in 36 hours failed, and on silence once it has reported, but not before its first run', () => {
      const [, alarm] = only(template, 'AWS::CloudWatch::Alarm', { Namespace: 'Costline', MetricName: 'IngestionSucceeded', Dimensions: Match.arrayWith([{ Name: 'source', Value: SOURCE_IDS.aws }]) });
      expect(alarm.Properties).toMatchObject({
        // The handler's dimensions: the source id, and `service`, which Powertools Metrics adds to every metric.
        Dimensions: [
          { Name: 'service', Value: 'costline' },
          { Name: 'source', Value: SOURCE_IDS.aws },
        ],
        // Each run reports 1 or 0: the window's maximum is below 1 only when no run in it succeeded.
        Statistic: 'Maximum',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        Period: 36 * 3600,
        EvaluationPeriods: 1,
        // Not breaching: a new alarm has no data, starts in INSUFFICIENT_DATA, and stays there (no notification)
        // until the first run reports; silence after that is a transition to INSUFFICIENT_DATA, which notifies.
        TreatMissingData: 'missing',
        AlarmActions: operations(),
        InsufficientDataActions: operations(),
      });
      expect(alarm.Properties.AlarmDescription).toMatch(/36 hours.*INSUFFICIENT_DATA.*What to do/s);
    });

    it('watches exactly the dimension set Powertools emits for the ingest handler\'s metric', () => {
      // Prepare: Powertools as the ingest handler uses it (TELEMETRY options, one singleMetric per source).
      const lines: string[] = [];
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
      try {
        // Act
        const metric = new Metrics({ namespace: TELEMETRY.namespace, serviceName: TELEMETRY.serviceName }).singleMetric();
        metric.addDimension('source', SOURCE_IDS.aws);
        metric.addMetric(TELEMETRY.ingestionSucceeded, MetricUnit.Count, 1);
      } finally {
        write.mockRestore();
      }
      // Assess
      const emf = lines.map((l) => JSON.parse(l)).find((l) => l._aws);
      const [directive] = emf._aws.CloudWatchMetrics;
      const [, alarm] = only(template, 'AWS::CloudWatch::Alarm', { MetricName: TELEMETRY.ingestionSucceeded, Dimensions: Match.arrayWith([{ Name: 'source', Value: SOURCE_IDS.aws }]) });
      expect(alarm.Properties.Namespace).toBe(directive.Namespace);
      expect(directive.Dimensions).toHaveLength(1);
      expect((alarm.Properties.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]).sort()).toEqual(
        (directive.Dimensions[0] as string[]).map((name) => [name, emf[name]]).sort(),
      );
    });

    it('has no stale-data alarm for the aws source when it is disabled', () => {
      const { template: t } = synth(testConfig((raw) => (raw.sources.aws.enabled = false)));
      t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Namespace: 'Costline', Dimensions: Match.arrayWith([{ Name: 'source', Value: SOURCE_IDS.aws }]) }, 0);
      t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Namespace: 'Costline' }, 4);
    });

    it('sends every alarm of the stack to the operations topic', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
      // Errors and dead letters of three functions, and one stale-data alarm per source (aws, and costs and usage of two providers).
      expect(alarms).toHaveLength(3 * 2 + 5);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual(operations());
    });
  });

  describe('permissions', () => {
    it('let ingest call ce:GetCostAndUsage and usage and statement not call Cost Explorer at all', () => {
      expect(allowedActions(stack, template, stack.ingest)).toContain('ce:GetCostAndUsage');
      for (const job of [stack.usage!, stack.statement]) expect(allowedActions(stack, template, job).filter((a) => a.startsWith('ce:'))).toEqual([]);
    });

    it('do not let ingest call Cost Explorer when the aws source is disabled', () => {
      const { stack: s, template: t } = synth(testConfig((raw) => (raw.sources.aws.enabled = false)));
      expect(allowedActions(s, t, s.ingest).filter((a) => a.startsWith('ce:'))).toEqual([]);
    });

    it('let each job publish only to its own topic', () => {
      const topicOf = (job: ScheduledFunction) => {
        const roleId = idOf(stack, job.role);
        return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
          .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
          .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
          .filter((s) => s.Action === 'sns:Publish')
          .map((s) => s.Resource);
      };
      expect(topicOf(stack.ingest)).toEqual([ref(stack, stack.topics.alerts)]);
      expect(topicOf(stack.usage!)).toEqual([ref(stack, stack.topics.alerts)]);
      expect(topicOf(stack.statement)).toEqual([ref(stack, stack.topics.statements)]);
    });

    it('grant each job exactly the table calls it makes (no index), and the topic key for publishing', () => {
      for (const job of [stack.ingest, stack.usage!]) {
        expect(allowedActions(stack, template, job)).toEqual(
          expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'kms:GenerateDataKey', 'kms:Decrypt', 'sns:Publish']),
        );
      }
      const statementActions = allowedActions(stack, template, stack.statement);
      expect(statementActions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query']);
      for (const job of jobs()) {
        expect(allowedActions(stack, template, job)).not.toContain('dynamodb:Scan');
        expect(allowedActions(stack, template, job)).not.toContain('dynamodb:UpdateItem');
      }
      const tableArn = getAtt(stack, stack.table.table, 'Arn');
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['dynamodb:Query']), Resource: tableArn })]) },
      });
    });

    it('use no wildcard action anywhere, a * resource only for Cost Explorer and the statements/ prefix, and ? only for the secrets\' random suffix', () => {
      const statementObjects = JSON.stringify({ 'Fn::Join': ['', [getAtt(stack, stack.statementsBucket.bucket, 'Arn'), '/statements/*']] });
      for (const statement of allStatements(template).filter((s) => s.Effect === 'Allow')) {
        const actions = [statement.Action].flat();
        expect(actions.filter((a) => a.includes('*') || a.includes('?')), JSON.stringify(statement)).toEqual([]);
        if (JSON.stringify(statement.Resource) === statementObjects) expect(actions).toEqual(['s3:PutObject']);
        else if (JSON.stringify(statement.Resource).includes('*')) expect(actions).toEqual(['ce:GetCostAndUsage']);
        if (JSON.stringify(statement.Resource).includes('?')) {
          expect(actions).toEqual(['secretsmanager:GetSecretValue']);
          // Only as the six random characters that end a secret's ARN.
          expect(JSON.stringify(statement.Resource).replaceAll('-??????"', '"'), JSON.stringify(statement)).not.toContain('?');
        }
      }
    });

    it('attach no AWS managed policy to any role', () => {
      for (const role of Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>)) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  it('outputs the table name, the three topic ARNs, each function\'s name, log group and dead-letter queue, and the secrets to create', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    expect(outputs).toMatchObject({
      TableName: { Value: ref(stack, stack.table.table) },
      AlertsTopicArn: { Value: ref(stack, stack.topics.alerts) },
      StatementsTopicArn: { Value: ref(stack, stack.topics.statements) },
      OperationsTopicArn: { Value: ref(stack, stack.topics.operations) },
      IngestFunctionName: { Value: ref(stack, stack.ingest.function) },
      StatementFunctionName: { Value: ref(stack, stack.statement.function) },
      IngestLogGroupName: { Value: ref(stack, stack.ingest.logGroup) },
      StatementLogGroupName: { Value: ref(stack, stack.statement.logGroup) },
      IngestDeadLetterQueueUrl: { Value: ref(stack, stack.ingest.deadLetterQueue) },
      StatementDeadLetterQueueUrl: { Value: ref(stack, stack.statement.deadLetterQueue) },
      UsageFunctionName: { Value: ref(stack, stack.usage!.function) },
      UsageLogGroupName: { Value: ref(stack, stack.usage!.logGroup) },
      UsageDeadLetterQueueUrl: { Value: ref(stack, stack.usage!.deadLetterQueue) },
      OpenAiAdminKeySecret: { Value: 'costline/openai-admin-key' },
      AnthropicAdminKeySecret: { Value: 'costline/anthropic-admin-key' },
    });
    for (const name of ['OpenAiAdminKeySecret', 'AnthropicAdminKeySecret']) {
      expect(outputs[name]?.Description).toMatch(/Create it yourself.*GetSecretValue.*customer managed KMS key.*kms:Decrypt/s);
    }
  });
});

describe('costline app', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'costline-app-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ currency: 'EUR', teams: [], sources: { aws: {} }, allocation: {} }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the config named by the `config` context before COSTLINE_CONFIG', () => {
    const app = testApp({ context: { config: CONFIG_FILE } });
    expect(() => buildCostlineApp(app, { COSTLINE_CONFIG: join(dir, 'bad.json') })).not.toThrow();
  });

  it('reads the config named by COSTLINE_CONFIG when no context is given', () => {
    expect(() => buildCostlineApp(testApp(), { COSTLINE_CONFIG: join(dir, 'bad.json') })).toThrow(ConfigError);
  });

  it('exits with the ConfigError message, naming the file and each problem, when the config is invalid', () => {
    const { CDK_OUTDIR: _cli, ...env } = process.env;
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/app.ts'], {
      cwd: REPO_ROOT,
      env: { ...env, COSTLINE_CONFIG: join(dir, 'bad.json') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${join(dir, 'bad.json')} is invalid`);
    expect(run.stderr).toContain('currency: expected "USD"');
    expect(run.stderr).toContain('teams: expected at least one team');
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });
});
