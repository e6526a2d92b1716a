import { join } from 'node:path';
import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATEMENTS_PREFIX } from '../../functions/adapters/s3/s3-statement-archive';
import { CostlineStack } from '../../infra/costline-stack';
import { utcCron } from '../../infra/constructs/schedule-targets';
import { ScheduledFunction } from '../../infra/constructs/scheduled-function';
import { ACCESS_LOG_RETENTION_DAYS, STATEMENTS_ARCHIVE_AFTER_DAYS } from '../../infra/constructs/statements-bucket';
import { CONFIG_FILE, REPO_ROOT, testApp, testConfig } from './support';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown };

const idOf = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const getAtt = (stack: Stack, construct: IConstruct, attribute: string) => ({ 'Fn::GetAtt': [idOf(stack, construct), attribute] });
const objectsArn = (stack: Stack, bucket: IConstruct, pattern: string) => ({ 'Fn::Join': ['', [getAtt(stack, bucket, 'Arn'), `/${pattern}`]] });

/** Every Allow statement of the IAM policies attached to a role. */
function roleStatements(stack: Stack, template: Template, role: IConstruct): Statement[] {
  const ref = JSON.stringify({ Ref: idOf(stack, role) });
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === ref))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}

/** The statements of the bucket policy attached to a bucket. */
function bucketPolicy(stack: Stack, template: Template, bucket: IConstruct): Statement[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: idOf(stack, bucket) } } }) as Record<string, Resource>);
  expect(policies).toHaveLength(1);
  return policies[0]!.Properties.PolicyDocument.Statement as Statement[];
}

describe('statements bucket in the costline stack', () => {
  let stack: CostlineStack;
  let template: Template;
  let bucket: Resource;
  let logs: Resource;
  beforeAll(() => {
    stack = new CostlineStack(testApp(), 'Costline', { config: testConfig(), configFile: CONFIG_FILE });
    template = Template.fromStack(stack);
    const resources = template.toJSON().Resources as Record<string, Resource>;
    bucket = resources[idOf(stack, stack.statementsBucket.bucket)]!;
    logs = resources[idOf(stack, stack.statementsBucket.accessLogs)]!;
  });

  it('creates two buckets: the statements and their access logs', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(logs.Type).toBe('AWS::S3::Bucket');
  });

  it('keeps statements as financial records: versioned, retained on stack deletion and on replacement', () => {
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
  });

  it('encrypts both buckets with S3-managed keys (SSE-S3), so the writer needs no KMS grant', () => {
    for (const b of [bucket, logs]) {
      expect(b.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    }
  });

  it('blocks all public access and disables ACLs on both buckets', () => {
    for (const b of [bucket, logs]) {
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(b.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    }
  });

  it('denies requests without TLS, and below TLS 1.2, on both buckets', () => {
    for (const b of [stack.statementsBucket.bucket, stack.statementsBucket.accessLogs]) {
      const denies = bucketPolicy(stack, template, b).filter((s) => s.Effect === 'Deny');
      expect(denies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      );
    }
  });

  it(`moves current and noncurrent statements to Glacier Instant Retrieval after ${STATEMENTS_ARCHIVE_AFTER_DAYS} days, objects under 128 KB excepted`, () => {
    expect(STATEMENTS_ARCHIVE_AFTER_DAYS).toBe(90);
    expect(bucket.Properties.LifecycleConfiguration).toEqual({
      // S3's default, stated: a small CSV would cost more in Glacier IR (128 KB minimum billable size) than in Standard.
      TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
      Rules: [
        {
          Id: 'ArchiveStatements',
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
          NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        },
      ],
    });
  });

  it('never expires statements, nor their noncurrent versions', () => {
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
    for (const rule of rules) {
      expect(rule.ExpirationInDays).toBeUndefined();
      expect(rule.NoncurrentVersionExpiration).toBeUndefined();
    }
  });

  it('logs every request to the statements bucket to the access-log bucket, under statements/', () => {
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: idOf(stack, stack.statementsBucket.accessLogs) },
      LogFilePrefix: 'statements/',
    });
  });

  it('lets only S3 log delivery for the statements bucket of this account write the access logs', () => {
    const allows = bucketPolicy(stack, template, stack.statementsBucket.accessLogs).filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: objectsArn(stack, stack.statementsBucket.accessLogs, 'statements/*'),
        Condition: {
          ArnLike: { 'aws:SourceArn': getAtt(stack, stack.statementsBucket.bucket, 'Arn') },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      },
    ]);
  });

  it(`keeps access logs ${ACCESS_LOG_RETENTION_DAYS} days, and keeps the log bucket with the statements it audits`, () => {
    expect(logs.Properties.LifecycleConfiguration).toEqual({ Rules: [{ Id: 'ExpireAccessLogs', Status: 'Enabled', ExpirationInDays: ACCESS_LOG_RETENTION_DAYS }] });
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.Properties.LoggingConfiguration).toBeUndefined();
  });

  it('lets the statement function call s3:PutObject on statements/* of the bucket, and nothing else in S3', () => {
    const s3 = roleStatements(stack, template, stack.statement.role).filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: objectsArn(stack, stack.statementsBucket.bucket, `${STATEMENTS_PREFIX}/*`) }]);
    expect(STATEMENTS_PREFIX).toBe('statements');
  });

  it('gives the ingest and usage functions no S3 permission at all', () => {
    for (const job of [stack.ingest, stack.usage!]) {
      const actions = roleStatements(stack, template, job.role).flatMap((s) => [s.Action].flat());
      expect(actions.filter((a) => a.startsWith('s3:'))).toEqual([]);
    }
  });

  it('sets STATEMENTS_BUCKET to the bucket name on the statement function only', () => {
    const variables = (job: ScheduledFunction) =>
      (template.toJSON().Resources[idOf(stack, job.function)] as Resource).Properties.Environment.Variables as Record<string, unknown>;
    expect(variables(stack.statement).STATEMENTS_BUCKET).toEqual({ Ref: idOf(stack, stack.statementsBucket.bucket) });
    // Merged with the variables set before it, not replacing them.
    expect(variables(stack.statement)).toMatchObject({ TABLE_NAME: expect.anything(), STATEMENTS_TOPIC_ARN: expect.anything() });
    for (const job of [stack.ingest, stack.usage!]) expect(variables(job)).not.toHaveProperty('STATEMENTS_BUCKET');
  });

  it('outputs the bucket name', () => {
    expect(template.toJSON().Outputs.StatementsBucketName).toEqual({
      Value: { Ref: idOf(stack, stack.statementsBucket.bucket) },
      Description: expect.stringContaining('statements/<YYYY-MM>/'),
    });
  });
});

describe('ScheduledFunction.grantStatementsWrite', () => {
  /** A stack with one scheduled function, for the grant helper on its own. */
  function jobStack() {
    const stack = new Stack(testApp(), 'Test');
    const job = new ScheduledFunction(stack, 'Job', {
      entry: join(REPO_ROOT, 'functions/handlers/statement.ts'),
      projectRoot: REPO_ROOT,
      configFile: CONFIG_FILE,
      description: 'test job',
      schedule: utcCron('0 8 6 * ? *'),
      timeout: Duration.minutes(1),
      memorySize: 256,
      alarmTopic: new Topic(stack, 'Alarms'),
    });
    return { stack, job };
  }

  it('also allows kms:GenerateDataKey on the bucket key when the bucket has a customer managed key', () => {
    // Prepare
    const { stack, job } = jobStack();
    const key = new Key(stack, 'BucketKey');
    const kmsBucket = new Bucket(stack, 'KmsBucket', { encryption: BucketEncryption.KMS, encryptionKey: key });

    // Act
    job.grantStatementsWrite(kmsBucket);

    // Assess
    // The role's own statements (log group, dead-letter queue) aside.
    const statements = roleStatements(stack, Template.fromStack(stack), job.role).filter((s) => /"(s3|kms):/.test(JSON.stringify(s.Action)));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objectsArn(stack, kmsBucket, 'statements/*') },
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: getAtt(stack, key, 'Arn') },
    ]);
  });

  it('works with an imported bucket: the object ARN of its name, and the variable set to that name', () => {
    const { stack, job } = jobStack();
    job.grantStatementsWrite(Bucket.fromBucketName(stack, 'Imported', 'acme-statements'));
    const template = Template.fromStack(stack);
    const s3 = roleStatements(stack, template, job.role).filter((s) => s.Action === 's3:PutObject');
    expect(s3).toHaveLength(1);
    expect(stack.resolve(s3[0]!.Resource)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-statements/statements/*']] });
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
    expect(fn!.Properties.Environment.Variables.STATEMENTS_BUCKET).toBe('acme-statements');
  });
});
