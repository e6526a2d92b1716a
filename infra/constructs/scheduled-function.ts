import { join } from 'node:path';
import { LAMBDA_ESBUILD } from './lambda-bundling';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, type ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STATEMENTS_PREFIX } from '../../functions/adapters/s3/s3-statement-archive';
import { DEFAULT_CONFIG_FILE } from '../../functions/config/load-config';
import { copyFileHooks } from './copy-file-hooks';
import { attachExportRead, type DataExportsLocation } from './data-exports-read';
import { attachFocusRead, type FocusFilesLocation } from './focus-files-read';
import { functionRolePath } from './function-role-path';
import { nagResource } from './nag-resource';
import { powertoolsEnvironment } from './powertools';
import { UnqualifiedLambdaInvoke } from './schedule-targets';
import { secretArnForPolicies } from './secrets';

/** SQS maximum: gives the team two weeks to read a dead letter before it expires. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** Properties of a {@link ScheduledFunction}. */
export interface ScheduledFunctionProps {
  /** Absolute path of the entry file exporting `handler`. */
  readonly entry: string;
  /** Repository root: holds `package-lock.json` and `node_modules` (esbuild and the bundled dependencies). */
  readonly projectRoot: string;
  /** Absolute path of the configuration file copied into the bundle as `DEFAULT_CONFIG_FILE`, where the functions look for it. */
  readonly configFile: string;
  /** What the function does; shown in the console and in alarm descriptions. */
  readonly description: string;
  /** When the function runs, e.g. `ScheduleExpression.expression('cron(0 6 * * ? *)', TimeZone.ETC_UTC)`. */
  readonly schedule: ScheduleExpression;
  /** Payload sent by the scheduler. @default `{}` */
  readonly scheduledEvent?: Record<string, unknown>;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** Topic the function's alarms (errors, dead letters) notify. */
  readonly alarmTopic: ITopic;
  /** Extra environment; grant helpers add theirs on top. */
  readonly environment?: Record<string, string>;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /**
   * Scheduler retries when it cannot hand the event to Lambda (throttling, service errors).
   * @default 3
   */
  readonly scheduleRetryAttempts?: number;
  /** @default Duration.hours(2) */
  readonly scheduleMaxEventAge?: Duration;
  /**
   * Lambda's own retries of a failed run. The scheduler invokes asynchronously, so a run that throws is retried
   * by Lambda (not by the scheduler) and, once these are exhausted, sent to the same dead-letter queue.
   * @default 2
   */
  readonly runRetryAttempts?: number;
}

/**
 * The house construct for a scheduled job: a `NodejsFunction` (newest Node runtime, arm64, ESM bundle with the
 * SDK inside and the synth-time config copied next to it), its own log group, an EventBridge Scheduler schedule
 * with a retry policy and a dead-letter queue, and alarms on errors and dead letters.
 *
 * Permissions are granted through the `grant*` helpers, which also set the environment variable that names the
 * resource (when the code finds the resource through one), so a permission and the variable the code reads can
 * never drift apart.
 */
export class ScheduledFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;
  readonly errorsAlarm: Alarm;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ScheduledFunctionProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention ?? RetentionDays.THREE_MONTHS });

    // Own role instead of the default one: the default attaches the AWS managed AWSLambdaBasicExecutionRole
    // (AwsSolutions-IAM4, and logs:* on every log group). Writing to this function's log group is all it needs.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${stackName} ${id}`,
      // The path the payer-access role's trust policy names: these roles, and no other role of the account.
      path: functionRolePath(stackName),
    });
    this.logGroup.grantWrite(this.role);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      // SQS-managed keys: the scheduler and Lambda can send without KMS grants, and the messages (event
      // payloads, error summaries) carry no billing data.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the EventBridge Scheduler target and of the function\'s asynchronous invocations; cdk-nag only recognises SQS redrive policies and Lambda DeadLetterConfig as DLQ usage.',
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...powertoolsEnvironment(),
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      retryAttempts: props.runRetryAttempts ?? 2,
      onFailure: new SqsDestination(this.deadLetterQueue),
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_ESBUILD.target,
        mainFields: [...LAMBDA_ESBUILD.mainFields],
        minify: LAMBDA_ESBUILD.minify,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK too: the code runs with the client versions it was tested with, not whatever the
        // runtime ships that month.
        externalModules: [],
        banner: LAMBDA_ESBUILD.banner,
        commandHooks: copyFileHooks(props.projectRoot, props.configFile, DEFAULT_CONFIG_FILE),
      },
    });

    this.schedule = new Schedule(this, 'Schedule', {
      description: `${stackName}: ${props.description}`,
      schedule: props.schedule,
      target: new UnqualifiedLambdaInvoke(this.function, {
        input: ScheduleTargetInput.fromObject(props.scheduledEvent ?? {}),
        retryAttempts: props.scheduleRetryAttempts ?? 3,
        maxEventAge: props.scheduleMaxEventAge ?? Duration.hours(2),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });

    const action = new SnsAction(props.alarmTopic);
    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmName: `${stackName}-${id}-errors`,
      alarmDescription:
        `${props.description} failed (Lambda Errors >= 1 in 5 minutes). Lambda retries a failed run ` +
        `${props.runRetryAttempts ?? 2} times, then sends it to the dead-letter queue. ` +
        'What to do: read the ERROR lines in the function\'s log group, fix the cause, then re-run by invoking the function with the payload shown in the README.',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(action);

    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmName: `${stackName}-${id}-dead-letters`,
      alarmDescription:
        `A scheduled run of "${props.description}" never completed: the scheduler could not invoke the function, ` +
        `or the function still failed after Lambda's retries. The message in the dead-letter queue holds the event ` +
        `(and, for failed runs, the error). What to do: read it, fix the cause, re-run the job by hand, then purge the queue ` +
        `(messages expire after ${DEAD_LETTER_RETENTION.toDays()} days).`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(action);
  }

  /** Merges a variable into the function's environment. */
  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * Read/write on the table's items (and on the named indexes, listed one by one rather than `index/*`),
   * and sets `envName` (default `TABLE_NAME`) to the table name.
   */
  grantTableReadWrite(table: ITable, options: { envName?: string; indexNames?: readonly string[]; actions?: readonly string[] } = {}): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        // Exactly the calls the stores make (functions/adapters/dynamodb): no Scan, no UpdateItem.
        actions: [...(options.actions ?? ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'])],
        resources: [table.tableArn, ...(options.indexNames ?? []).map((name) => `${table.tableArn}/index/${name}`)],
      }),
    );
    if (table.encryptionKey) {
      // Named actions rather than key.grantEncryptDecrypt, which adds kms:ReEncrypt* and kms:GenerateDataKey*.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [table.encryptionKey.keyArn],
        }),
      );
    }
    return this.addEnvironment(options.envName ?? 'TABLE_NAME', table.tableName);
  }

  /**
   * `sns:Publish` on the topic (plus use of its KMS key, when it has one) and sets `envName` to the topic ARN.
   */
  grantPublish(topic: ITopic, envName: string): this {
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    if (topic.masterKey) {
      // Exactly what SNS calls on the publisher's behalf (topic.grantPublish would add kms:GenerateDataKey*).
      this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [topic.masterKey.keyArn] }));
    }
    return this.addEnvironment(envName, topic.topicArn);
  }

  /**
   * `secretsmanager:GetSecretValue` on one secret, and nothing else (`secret.grantRead` would add
   * `secretsmanager:DescribeSecret`). A secret imported by name or partial ARN is granted as
   * `<partial arn>-??????`, the six random characters of its complete ARN (see `secretArnForPolicies`).
   *
   * Sets no environment variable: the functions find the secret's name or ARN in the bundled config, the same
   * file the grant was made from at synth time, so the two cannot drift apart.
   *
   * KMS: when the `ISecret` carries its customer managed key, `kms:Decrypt` on that key through Secrets Manager
   * only, as the other helpers grant their resource's key. A secret imported from the config carries none
   * (the config names no key): with the default `aws/secretsmanager` key nothing more is needed; with a
   * customer managed key, that key's policy must allow this role `kms:Decrypt`, which costline does not grant.
   */
  grantSecretRead(secret: ISecret): this {
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArnForPolicies(secret)] }));
    if (secret.encryptionKey) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${secret.env.region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /**
   * `s3:PutObject` on `<bucket>/statements/*` and nothing else (no read, no list, no delete: a re-run overwrites, and
   * the bucket's versioning keeps what it replaced), and sets `STATEMENTS_BUCKET` to the bucket name. The prefix is
   * the one `S3StatementArchive` writes under by default ({@link STATEMENTS_PREFIX}).
   *
   * In its own policy, so that the acknowledged wildcard (every object under the prefix) covers nothing else. When the
   * bucket has a customer managed key, also `kms:GenerateDataKey` on it, which S3 calls on the writer's behalf to
   * encrypt each object (single-part uploads need nothing more).
   */
  grantStatementsWrite(bucket: IBucket): this {
    const objects = bucket.arnForObjects(`${STATEMENTS_PREFIX}/*`);
    const policy = new Policy(this, 'StatementsWrite', {
      roles: [this.role],
      statements: [new PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] })],
    });
    if (bucket.encryptionKey) {
      policy.addStatements(new PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [bucket.encryptionKey.keyArn] }));
    }
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, objects)}]`,
      reason:
        'Statement files are written as statements/<month>/<file>, one folder per month, so the object ARN ends in a wildcard; it is limited to the statements/ prefix of this one bucket and to s3:PutObject alone.',
    });
    return this.addEnvironment('STATEMENTS_BUCKET', bucket.bucketName);
  }

  /**
   * `sts:AssumeRole` on the payer-account role of `sources.aws.roleArn` (and on nothing else): Cost Explorer is
   * then read with that role's permissions, and this role needs no `ce:` action of its own.
   */
  grantAssumeRole(roleArn: string): this {
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [roleArn] }));
    return this;
  }

  /**
   * Read access to a CUR 2.0 export delivered in this account (`sources.aws.mode: "data-exports"` without a payer
   * role): `s3:GetObject` on the export's objects and `s3:ListBucket` under its prefix (see `exportReadStatements`).
   * Sets no environment variable: the functions find the location in the bundled config, as the grant did.
   */
  grantExportRead(location: DataExportsLocation): this {
    attachExportRead(this, 'BillingExportRead', this.role, location);
    return this;
  }

  /** Lets the function list and read one FOCUS file source's prefix (`sources.focus[]`), in a policy of its own. */
  grantFocusRead(location: FocusFilesLocation): this {
    attachFocusRead(this, this.role, location);
    return this;
  }

  /** `ce:GetCostAndUsage`, in its own policy so that its acknowledged `Resource: *` covers nothing else. */
  grantCostExplorerRead(): this {
    const policy = new Policy(this, 'CostExplorerRead', {
      roles: [this.role],
      statements: [new PolicyStatement({ actions: ['ce:GetCostAndUsage'], resources: ['*'] })],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Cost Explorer has no resource-level permissions: ce:GetCostAndUsage only accepts Resource "*" (Service Authorization Reference). The policy holds this one read-only action and nothing else.',
    });
    return this;
  }
}
