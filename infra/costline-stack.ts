import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigError, type CostlineConfig } from '../functions/config/load-config';
import { awsSourceIdOf, focusSourceIdOf, SOURCE_IDS } from '../functions/lib/source-ids';
import { pascalOf } from './constructs/focus-files-read';
import { CostTable } from './constructs/cost-table';
import { AthenaEngine } from './constructs/athena-engine';
import { dataExportsLocation } from './constructs/data-exports-read';
import { DEFAULT_ATHENA } from '../functions/lib/athena-names';
import { NotificationTopics } from './constructs/notification-topics';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { ScheduledFunction } from './constructs/scheduled-function';
import { utcCron } from './constructs/schedule-targets';
import { importSecret, secretReferenceProblem } from './constructs/secrets';
import { StatementsBucket } from './constructs/statements-bucket';
import { StaleDataAlarm } from './constructs/stale-data-alarm';

/** Repository root: entry files, `package-lock.json` and `node_modules` live here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The providers read through an admin API with a key from Secrets Manager, and how their names are written. */
export const MODEL_PROVIDERS = {
  openai: { displayName: 'OpenAI', idPrefix: 'OpenAi' },
  anthropic: { displayName: 'Anthropic', idPrefix: 'Anthropic' },
} as const;
/** `openai` or `anthropic`. */
export type ModelProvider = keyof typeof MODEL_PROVIDERS;

/** An enabled model provider's admin key secret, as configured and as imported for grants. */
export interface AdminKeySecret {
  readonly provider: ModelProvider;
  /** `sources.<provider>.adminKeySecret`: the name or ARN the functions pass to Secrets Manager. */
  readonly secretId: string;
  readonly secret: ISecret;
}

/** Properties of a {@link CostlineStack}. */
export interface CostlineStackProps extends StackProps {
  /** The validated configuration (subscriptions, which sources to watch). */
  readonly config: CostlineConfig;
  /** The file it was read from; copied as-is into each function bundle. */
  readonly configFile: string;
  /** @default the repository root */
  readonly projectRoot?: string;
}

/**
 * costline: a daily ingest of Cost Explorer and the model providers' costs and usage into DynamoDB with budget
 * alerts, an hourly pull of model usage (when a model provider is enabled) that re-evaluates them, and a monthly
 * chargeback statement.
 */
export class CostlineStack extends Stack {
  readonly table: CostTable;
  readonly topics: NotificationTopics;
  /** Where the statement job keeps each month's statement files, and its access logs. */
  readonly statementsBucket: StatementsBucket;
  readonly ingest: ScheduledFunction;
  /** The hourly model-usage job; absent when no model provider is enabled. */
  readonly usage?: ScheduledFunction;
  /** The Athena engine's Glue table, workgroup and results bucket (`sources.aws.engine: "athena"`). */
  readonly athena?: AthenaEngine;
  readonly statement: ScheduledFunction;
  /** The operations dashboard (`<stack name>-operations`). */
  readonly dashboard: OperationsDashboard;
  /** The admin key secrets of the enabled model providers (imported: the user creates them). */
  readonly adminKeySecrets: readonly AdminKeySecret[];

  constructor(scope: Construct, id: string, props: CostlineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const configFile = resolve(props.configFile);

    this.table = new CostTable(this, 'Costs');
    this.topics = new NotificationTopics(this, 'Topics', { config });
    this.statementsBucket = new StatementsBucket(this, 'Statements');
    const common = { projectRoot, configFile, alarmTopic: this.topics.operations };
    const providers = (Object.keys(MODEL_PROVIDERS) as ModelProvider[]).filter((p) => config.sources[p].enabled);
    this.adminKeySecrets = providers.map((provider) => {
      const secretId = config.sources[provider].adminKeySecret;
      const problem = secretReferenceProblem(secretId);
      if (problem) {
        const message = `sources.${provider}.adminKeySecret: ${problem}`;
        throw new ConfigError(`${props.configFile} is invalid:\n  - ${message}`, [message]);
      }
      return { provider, secretId, secret: importSecret(this, `${MODEL_PROVIDERS[provider].idPrefix}AdminKey`, secretId) };
    });

    this.ingest = new ScheduledFunction(this, 'Ingest', {
      ...common,
      entry: join(projectRoot, 'functions/handlers/ingest.ts'),
      description: 'Daily ingest of billing (Cost Explorer, model providers) and budget alerts',
      // Daily: Cost Explorer refreshes at least once every 24 hours; the providers' cost reports are daily.
      schedule: utcCron('0 6 * * ? *'),
      // The providers' admin APIs page slowly; the job stops starting requests 30 s before this deadline.
      timeout: Duration.minutes(10),
      memorySize: 1024,
    })
      .grantTableReadWrite(this.table.table, { indexNames: this.table.indexNames })
      .grantPublish(this.topics.alerts, 'ALERTS_TOPIC_ARN');
    // Outside the management account, billing is read through the payer role (PayerAccessStack), which holds the
    // Cost Explorer or export read permissions; in it, with the function's own role.
    const exportLocation = dataExportsLocation(config);
    const athena = exportLocation && config.sources.aws.engine === 'athena';
    if (config.sources.aws.enabled && config.sources.aws.roleArn) this.ingest.grantAssumeRole(config.sources.aws.roleArn);
    else if (exportLocation) {
      // The Athena engine's own grants (below) include the export read.
      if (!athena) this.ingest.grantExportRead(exportLocation);
    }
    else if (config.sources.aws.enabled) this.ingest.grantCostExplorerRead();
    // The Athena engine queries in this account with the function's own role (the workgroup and table are here).
    if (exportLocation && athena) {
      this.athena = new AthenaEngine(this, 'AthenaEngine', { location: exportLocation, target: { ...DEFAULT_ATHENA, ...config.sources.aws.athena } });
      this.athena.grantQuery(this.ingest.role);
      if (config.sources.aws.roleArn) {
        Annotations.of(this).addWarningV2(
          'costline:athenaCrossAccount',
          `sources.aws.engine "athena" reads s3://${exportLocation.bucket} with the ingest function's own role, not the payer role: the export bucket's policy in the payer account must grant that role s3:GetObject on the export, s3:ListBucket and s3:GetBucketLocation`,
        );
      }
    }
    for (const { secret } of this.adminKeySecrets) this.ingest.grantSecretRead(secret);
    // FOCUS files are read with the function's own role: their buckets are the exporters', not the payer's.
    const focusSources = config.sources.focus.filter((f) => f.enabled);
    for (const entry of focusSources) this.ingest.grantFocusRead(entry);

    if (this.adminKeySecrets.length > 0) {
      this.usage = new ScheduledFunction(this, 'Usage', {
        ...common,
        entry: join(projectRoot, 'functions/handlers/usage.ts'),
        description: 'Hourly model usage (yesterday and today) and budget alerts',
        // At a fixed minute rather than rate(1 hour), whose minute depends on when the schedule was created:
        // the hour that just ended is closed on the providers' side by then, and :15 is past the end of the daily
        // ingest's first attempt (06:00, 10-minute timeout), which replaces the same usage days with daily buckets.
        schedule: utcCron('15 * * * ? *'),
        timeout: Duration.minutes(5),
        memorySize: 512,
      })
        .grantTableReadWrite(this.table.table, { indexNames: this.table.indexNames })
        .grantPublish(this.topics.alerts, 'ALERTS_TOPIC_ARN');
      for (const { secret } of this.adminKeySecrets) this.usage.grantSecretRead(secret);
    }

    // Daily at 08:00 UTC, after the morning's ingest: it sends the previous month's statement once, on the
    // first day the month is final (no earlier than the day after lastRepullDay), and does nothing else.
    // A fixed monthly day would never send a month that was still estimated on that day.
    this.statement = new ScheduledFunction(this, 'Statement', {
      ...common,
      entry: join(projectRoot, 'functions/handlers/statement.ts'),
      description: 'Chargeback statement: the previous month, once it is final',
      schedule: utcCron('0 8 * * ? *'),
      // Closing a month re-reads the closed months of the past year for late changes.
      timeout: Duration.minutes(10),
      memorySize: 1024,
    })
      .grantTableReadWrite(this.table.table, {
        indexNames: this.table.indexNames,
        // Reads months (Query), stores the chargeback (BatchWriteItem), closes a month once (conditional PutItem).
        actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
      })
      .grantPublish(this.topics.statements, 'STATEMENTS_TOPIC_ARN')
      .grantStatementsWrite(this.statementsBucket.bucket);

    // One stale-data alarm per enabled source, on the id the source reports its metric under. Usage is pulled
    // hourly and daily, so its alarm stays quiet while either job succeeds; the Errors alarms report the other.
    const topic = this.topics.operations;
    const stale: StaleDataAlarm[] = [];
    if (config.sources.aws.enabled) stale.push(new StaleDataAlarm(this, 'AwsStaleData', { source: awsSourceIdOf(config.sources.aws.mode), topic }));
    for (const entry of focusSources) stale.push(new StaleDataAlarm(this, `Focus${pascalOf(entry.id)}StaleData`, { source: focusSourceIdOf(entry.id), topic }));
    for (const { provider } of this.adminKeySecrets) {
      const prefix = MODEL_PROVIDERS[provider].idPrefix;
      stale.push(new StaleDataAlarm(this, `${prefix}CostsStaleData`, { source: SOURCE_IDS[provider].costs, topic }));
      stale.push(new StaleDataAlarm(this, `${prefix}UsageStaleData`, { source: SOURCE_IDS[provider].usage, topic, pulledBy: ['Usage', 'Ingest'] }));
    }
    const jobs = [['Ingest', this.ingest], ...(this.usage ? [['Usage', this.usage] as const] : []), ['Statement', this.statement]] as const;
    this.dashboard = new OperationsDashboard(this, 'Operations', {
      sources: stale.map((s) => s.source),
      jobs,
      alarms: [...jobs.flatMap(([, job]) => [job.errorsAlarm, job.deadLetterAlarm]), ...stale.map((s) => s.alarm)],
    });

    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'DynamoDB table of cost records' });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.topics.alerts.topicArn, description: 'Budget alerts (filtered by team)' });
    new CfnOutput(this, 'StatementsTopicArn', { value: this.topics.statements.topicArn, description: 'Monthly statements' });
    new CfnOutput(this, 'StatementsBucketName', {
      value: this.statementsBucket.bucket.bucketName,
      description: 'Monthly statement files, at statements/<YYYY-MM>/ (versioned; kept when the stack is deleted)',
    });
    new CfnOutput(this, 'OperationsTopicArn', { value: this.topics.operations.topicArn, description: 'Alarms' });
    new CfnOutput(this, 'IngestFunctionName', { value: this.ingest.function.functionName, description: 'Invoke with {"from":"YYYY-MM-DD","to":"YYYY-MM-DD"} to backfill' });
    new CfnOutput(this, 'StatementFunctionName', { value: this.statement.function.functionName, description: 'Invoke with {"month":"YYYY-MM"} to re-send a statement' });
    if (this.usage) {
      new CfnOutput(this, 'UsageFunctionName', { value: this.usage.function.functionName, description: 'Hourly model-usage job; invoke with {} to run it now' });
    }
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName, description: 'CloudWatch dashboard: runs, records, requests and data age per source, alerts, errors' });
    for (const [name, job] of jobs) {
      new CfnOutput(this, `${name}LogGroupName`, { value: job.logGroup.logGroupName, description: `Log group of the ${name.toLowerCase()} function (for Logs Insights)` });
      new CfnOutput(this, `${name}DeadLetterQueueUrl`, { value: job.deadLetterQueue.queueUrl, description: `Failed ${name.toLowerCase()} runs; purge once handled` });
    }
    for (const { provider, secretId } of this.adminKeySecrets) {
      const { displayName, idPrefix } = MODEL_PROVIDERS[provider];
      new CfnOutput(this, `${idPrefix}AdminKeySecret`, {
        value: secretId,
        description:
          `Secrets Manager secret (sources.${provider}.adminKeySecret) the ingest and usage functions read the ${displayName} organization admin key from. ` +
          'Create it yourself, in this account and region unless configured by ARN, with the key alone as its plain-text value. ' +
          'The functions may call secretsmanager:GetSecretValue on it and nothing else. If it is encrypted with a customer managed KMS key, ' +
          "that key's policy must allow kms:Decrypt to both functions' execution roles: costline does not grant it.",
      });
    }
  }
}
