import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { CostlineConfig } from '../functions/config/load-config';
import { SOURCE_IDS } from '../functions/shared/telemetry';
import { CostTable } from './constructs/cost-table';
import { NotificationTopics } from './constructs/notification-topics';
import { ScheduledFunction, utcCron } from './constructs/scheduled-function';
import { StaleDataAlarm } from './constructs/stale-data-alarm';

/** Repository root: entry files, `package-lock.json` and `node_modules` live here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

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
 * costline: a daily ingest of Cost Explorer into DynamoDB with budget alerts, and a monthly chargeback statement.
 */
export class CostlineStack extends Stack {
  readonly table: CostTable;
  readonly topics: NotificationTopics;
  readonly ingest: ScheduledFunction;
  readonly statement: ScheduledFunction;

  constructor(scope: Construct, id: string, props: CostlineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const configFile = resolve(props.configFile);

    this.table = new CostTable(this, 'Costs');
    this.topics = new NotificationTopics(this, 'Topics', { config });
    const common = { projectRoot, configFile, alarmTopic: this.topics.operations };

    this.ingest = new ScheduledFunction(this, 'Ingest', {
      ...common,
      entry: join(projectRoot, 'functions/ingest/handler.ts'),
      description: 'Daily ingest of Cost Explorer billing and budget alerts',
      // Daily: Cost Explorer refreshes at least once every 24 hours.
      schedule: utcCron('0 6 * * ? *'),
      timeout: Duration.minutes(5),
      memorySize: 1024,
    })
      .grantTableReadWrite(this.table.table, { indexNames: this.table.indexNames })
      .grantPublish(this.topics.alerts, 'ALERTS_TOPIC_ARN')
      .grantCostExplorerRead();

    // The day after ingestion stops re-pulling the previous month (previousMonthUntilDay, per source),
    // at 08:00 UTC, after that morning's ingest: the bill has settled as far as costline waits for it.
    const statementDay = Math.max(...(['aws', 'openai', 'anthropic'] as const).filter((p) => config.sources[p].enabled).map((p) => config.sources[p].previousMonthUntilDay), 1) + 1;
    this.statement = new ScheduledFunction(this, 'Statement', {
      ...common,
      entry: join(projectRoot, 'functions/statement/handler.ts'),
      description: 'Monthly chargeback statement per team',
      schedule: utcCron(`0 8 ${statementDay} * ? *`),
      timeout: Duration.minutes(2),
      memorySize: 512,
    })
      .grantTableReadWrite(this.table.table, {
        indexNames: this.table.indexNames,
        // The statement job reads a month (Query) and stores its chargeback (BatchWriteItem), nothing else.
        actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem'],
      })
      .grantPublish(this.topics.statements, 'STATEMENTS_TOPIC_ARN');

    // One stale-data alarm per enabled source, on the id the source reports its metric under.
    for (const key of Object.keys(SOURCE_IDS) as (keyof typeof SOURCE_IDS)[]) {
      if (config.sources[key].enabled) {
        new StaleDataAlarm(this, `${key[0]!.toUpperCase()}${key.slice(1)}StaleData`, { source: SOURCE_IDS[key], topic: this.topics.operations });
      }
    }

    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'DynamoDB table of cost records' });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.topics.alerts.topicArn, description: 'Budget alerts (filtered by team)' });
    new CfnOutput(this, 'StatementsTopicArn', { value: this.topics.statements.topicArn, description: 'Monthly statements' });
    new CfnOutput(this, 'OperationsTopicArn', { value: this.topics.operations.topicArn, description: 'Alarms' });
    new CfnOutput(this, 'IngestFunctionName', { value: this.ingest.function.functionName, description: 'Invoke with {"from":"YYYY-MM-DD","to":"YYYY-MM-DD"} to backfill' });
    new CfnOutput(this, 'StatementFunctionName', { value: this.statement.function.functionName, description: 'Invoke with {"month":"YYYY-MM"} to re-send a statement' });
    for (const [name, job] of [['Ingest', this.ingest], ['Statement', this.statement]] as const) {
      new CfnOutput(this, `${name}LogGroupName`, { value: job.logGroup.logGroupName, description: `Log group of the ${name.toLowerCase()} function (for Logs Insights)` });
      new CfnOutput(this, `${name}DeadLetterQueueUrl`, { value: job.deadLetterQueue.queueUrl, description: `Failed ${name.toLowerCase()} runs; purge once handled` });
    }
  }
}
