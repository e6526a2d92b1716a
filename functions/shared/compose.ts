import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCostRecordStore, DynamoUsageRecordStore } from '../adapters/dynamodb/dynamo-cost-record-store';
import { DynamoAlertLedger, DynamoChargebackStore, DynamoIngestionStateStore } from '../adapters/dynamodb/dynamo-state-stores';
import { SnsMessagePublisher } from '../adapters/sns/sns-message-publisher';
import type { CostlineConfig } from '../config/config-schema';
import type { BillingSource, Clock, Log, MessagePublisher } from '../ports/ports';
import { CostExplorerSource } from '../sources/cost-explorer/cost-explorer-source';

/**
 * Wiring shared by the two composition roots (the Lambda handlers and the local CLI), so what runs on a
 * laptop is what runs in AWS. Endpoints come from the SDK's own settings (`AWS_ENDPOINT_URL_*`), or
 * from `endpoints` for the CLI's loopback servers.
 */
export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  costExplorer: CostExplorerClient;
  sns: SNSClient;
}

export interface ClientOptions {
  /** Explicit endpoints, for loopback servers; a service without one uses the SDK's own resolution. */
  endpoints?: { dynamodb?: string; costExplorer?: string; sns?: string };
  /** Credentials for the services given an explicit endpoint (loopback servers take any); the others use the default chain. */
  loopbackCredentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
}

/** Creates the SDK clients once (module scope in a Lambda; reused across warm invocations). */
export function createClients(options: ClientOptions = {}): AwsClients {
  const settings = (endpoint: string | undefined) => ({
    ...(options.region ? { region: options.region } : {}),
    ...(endpoint ? { endpoint, ...(options.loopbackCredentials ? { credentials: options.loopbackCredentials } : {}) } : {}),
  });
  const dynamo = new DynamoDBClient(settings(options.endpoints?.dynamodb));
  return {
    dynamo: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    // Cost Explorer is a single-region service (us-east-1). Throttling (LimitExceededException) is
    // retried by the SDK's adaptive mode, which also slows the client down between attempts.
    costExplorer: new CostExplorerClient({ ...settings(options.endpoints?.costExplorer), region: 'us-east-1', maxAttempts: 6, retryMode: 'adaptive' }),
    sns: new SNSClient(settings(options.endpoints?.sns)),
  };
}

/** The enabled billing sources for a configuration. */
export function buildSources(config: CostlineConfig, clients: AwsClients): BillingSource[] {
  const aws = config.sources.aws;
  return aws.enabled
    ? [
        new CostExplorerSource(clients.costExplorer, {
          tagKey: config.allocation.awsTagKey,
          costMetric: aws.costMetric,
          billingAccountId: aws.billingAccountId ?? 'unspecified',
        }),
      ]
    : [];
}

/** The stores, all in one DynamoDB table. */
export function buildStores(clients: AwsClients, tableName: string) {
  return {
    records: new DynamoCostRecordStore(clients.dynamo, tableName),
    usage: new DynamoUsageRecordStore(clients.dynamo, tableName),
    state: new DynamoIngestionStateStore(clients.dynamo, tableName),
    chargebacks: new DynamoChargebackStore(clients.dynamo, tableName),
    ledger: new DynamoAlertLedger(clients.dynamo, tableName),
  };
}

export function publisher(clients: AwsClients, topicArn: string): MessagePublisher {
  return new SnsMessagePublisher(clients.sns, topicArn);
}

export const systemClock: Clock = { now: () => new Date() };

/** Everything the daily job needs. */
export function dailyDeps(args: { config: CostlineConfig; clients: AwsClients; tableName: string; alertsTopicArn: string; clock: Clock; log: Log; sources?: BillingSource[] }) {
  return {
    ...buildStores(args.clients, args.tableName),
    sources: args.sources ?? buildSources(args.config, args.clients),
    alerts: publisher(args.clients, args.alertsTopicArn),
    clock: args.clock,
    config: args.config,
    log: args.log,
  };
}
