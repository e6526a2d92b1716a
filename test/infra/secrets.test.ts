import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { utcCron } from '../../infra/constructs/schedule-targets';
import { ScheduledFunction } from '../../infra/constructs/scheduled-function';
import { importSecret, secretArnForPolicies, secretReferenceProblem } from '../../infra/constructs/secrets';
import { CONFIG_FILE, REPO_ROOT, testApp } from './support';

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

const COMPLETE = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:costline/openai-admin-key-AbC123';
const PARTIAL = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:costline/openai-admin-key';

/** A stack with one scheduled function, for the grant helpers. */
function jobStack() {
  const stack = new Stack(testApp(), 'Test');
  const job = new ScheduledFunction(stack, 'Job', {
    entry: join(REPO_ROOT, 'functions/handlers/usage.ts'),
    projectRoot: REPO_ROOT,
    configFile: CONFIG_FILE,
    description: 'test job',
    schedule: utcCron('0 * * * ? *'),
    timeout: Duration.minutes(1),
    memorySize: 256,
    alarmTopic: new Topic(stack, 'Alarms'),
  });
  return { stack, job };
}

describe('secretReferenceProblem', () => {
  it.each(['costline/openai-admin-key', 'a_b+c=d.e@f-g', COMPLETE, PARTIAL, 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x'])('accepts %s', (value) => {
    expect(secretReferenceProblem(value)).toBeUndefined();
  });

  it.each(['costline/*', 'costline/openai?', 'with space', '', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:*', 'arn:aws:s3:::bucket', 'arn:aws:secretsmanager:eu-west-1:123456789012:parameter:x'])(
    'rejects %j',
    (value) => {
      expect(secretReferenceProblem(value)).toMatch(/^expected a/);
    },
  );
});

describe('importSecret and secretArnForPolicies', () => {
  it('name a secret imported by name with the -?????? suffix in this stack\'s account and region', () => {
    const stack = new Stack(testApp(), 'Test');
    expect(stack.resolve(secretArnForPolicies(importSecret(stack, 'S', 'costline/openai-admin-key')))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:costline/openai-admin-key-??????']],
    });
  });

  it('keep a complete ARN and suffix a partial one', () => {
    const stack = new Stack(testApp(), 'Test');
    expect(secretArnForPolicies(importSecret(stack, 'Complete', COMPLETE))).toBe(COMPLETE);
    expect(secretArnForPolicies(importSecret(stack, 'Partial', PARTIAL))).toBe(`${PARTIAL}-??????`);
  });

  it('refuse to import a reference that is not a secret', () => {
    expect(() => importSecret(new Stack(testApp(), 'Test'), 'S', 'costline/*')).toThrow(/expected a secret name/);
  });
});

describe('ScheduledFunction.grantSecretRead', () => {
  it('allows secretsmanager:GetSecretValue alone on the secret and sets no environment variable', () => {
    // Prepare
    const { stack, job } = jobStack();
    // Act
    job.grantSecretRead(importSecret(stack, 'Key', COMPLETE));
    // Assess
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(job.role.node.defaultChild as never) }],
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: COMPLETE }]) },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('secretsmanager:DescribeSecret');
    expect(JSON.stringify(template.toJSON())).not.toContain('kms:');
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(Object.keys(fn!.Properties.Environment.Variables).sort()).toEqual(['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
  });

  it('also allows kms:Decrypt through Secrets Manager when the secret carries its customer managed key', () => {
    const { stack, job } = jobStack();
    const key = new Key(stack, 'SecretKey');
    job.grantSecretRead(Secret.fromSecretAttributes(stack, 'Key', { secretCompleteArn: COMPLETE, encryptionKey: key }));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
          },
        ]),
      },
    });
  });
});
