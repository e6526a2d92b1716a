import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SOURCE_IDS } from '../../functions/lib/source-ids';
import { TELEMETRY } from '../../functions/lib/telemetry';
import type { CostlineStack } from '../../infra/costline-stack';
import type { ScheduledFunction } from '../../infra/constructs/scheduled-function';
import { testConfig } from './support';
import { allowedActions, allStatements, getAtt, idOf, only, ref, synth, type Resource } from './template-queries';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

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
