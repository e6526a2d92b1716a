import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { S3Client } from '@aws-sdk/client-s3';
import { AthenaClient } from '@aws-sdk/client-athena';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCostRecordStore, DynamoUsageRecordStore } from '../adapters/dynamodb/dynamo-cost-record-store';
import { DynamoAlertLedger, DynamoChargebackStore, DynamoIngestionStateStore } from '../adapters/dynamodb/dynamo-state-stores';
import { DynamoClosedStatementStore } from '../adapters/dynamodb/dynamo-closed-statement-store';
import { SnsMessagePublisher } from '../adapters/sns/sns-message-publisher';
import { assumedRoleCredentials } from '../adapters/sts/assumed-role-credentials';
import type { CostlineConfig } from '../config/config-schema';
import { recordTagKeysOf } from '../config/policies';
import type { PriceBook } from '../domain/pricing/price-book';
import { bundledPriceBook } from '../domain/pricing/bundled-price-book';
import type { Clock, Log, MessagePublisher, SecretReader, Source } from '../ports/ports';
import { AnalyticsAccess } from '../sources/anthropic/anthropic-api-plan';
import { anthropicClients, AnthropicCostsSource, AnthropicUsageSource } from '../sources/anthropic/anthropic-sources';
import { CostExplorerSource } from '../sources/cost-explorer/cost-explorer-source';
import { DataExportsSource } from '../sources/data-exports/data-exports-source';
import { AthenaExportsSource } from '../sources/data-exports/athena/athena-source';
import { DEFAULT_ATHENA } from '../lib/athena-names';
import { FocusFilesSource } from '../sources/focus-files/focus-files-source';
import { OpenAiCostsSource, OpenAiUsageSource } from '../sources/openai/openai-sources';
import { createProviderHttp } from '../lib/http/provider-http';
import { sdkRequestHandler, type SdkTimeouts } from '../lib/sdk-timeouts';

export { SDK_TIMEOUTS, sdkRequestHandler, type SdkTimeouts } from '../lib/sdk-timeouts';

/**
 * Wiring shared by the two composition roots (the Lambda handlers and the local CLI), so what runs on a
 * laptop is what runs in AWS. Endpoints come from the SDK's own settings (`AWS_ENDPOINT_URL_*`), or
 * from `endpoints` for the CLI's loopback servers.
 */
export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  costExplorer: CostExplorerClient;
  sns: SNSClient;
  s3: S3Client;
  /**
   * S3 for the billing export (`sources.aws.mode: "data-exports"`): the payer role's credentials when
   * `costExplorerRole` is set (the export's bucket is in the payer account), else the same as `s3`.
   */
  billingExports: S3Client;
  /** S3 for the FOCUS file sources (`sources.focus`): the function's own credentials, following a bucket's region. */
  focusFiles: S3Client;
  /** Athena for the billing export's Athena engine: the function's own credentials, in its own account (the workgroup and Glue table the stack creates there). */
  athena: AthenaClient;
}

export interface ClientOptions {
  /** Explicit endpoints, for loopback servers; a service without one uses the SDK's own resolution. */
  endpoints?: { dynamodb?: string; costExplorer?: string; sns?: string; s3?: string; sts?: string; athena?: string };
  /**
   * `sources.aws.roleArn` and `externalId`: Cost Explorer (and the billing export's bucket) is then read with that
   * role's credentials (assumed through STS with the default or loopback credentials, renewed before they expire)
   * instead of the caller's.
   */
  costExplorerRole?: { roleArn: string; externalId: string };
  /** Credentials for the services given an explicit endpoint (loopback servers take any); the others use the default chain. */
  loopbackCredentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  /** How long the SDK clients wait; default `SDK_TIMEOUTS`. */
  timeouts?: SdkTimeouts;
}

/** Creates the SDK clients once (module scope in a Lambda; reused across warm invocations). */
export function createClients(options: ClientOptions = {}): AwsClients {
  const settings = (endpoint: string | undefined) => ({
    requestHandler: sdkRequestHandler(options.timeouts),
    ...(options.region ? { region: options.region } : {}),
    ...(endpoint ? { endpoint, ...(options.loopbackCredentials ? { credentials: options.loopbackCredentials } : {}) } : {}),
  });
  const dynamo = new DynamoDBClient(settings(options.endpoints?.dynamodb));
  // One session of the payer role, shared by Cost Explorer and the export's bucket.
  const payerCredentials = options.costExplorerRole ? assumedRoleCredentials(new STSClient(settings(options.endpoints?.sts)), options.costExplorerRole) : undefined;
  // Path-style addressing for loopback endpoints; AWS resolves virtual-hosted style by itself.
  const s3Settings = { ...settings(options.endpoints?.s3), ...(options.endpoints?.s3 ? { forcePathStyle: true } : {}) };
  return {
    dynamo: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    // Cost Explorer is a single-region service (us-east-1). Throttling (LimitExceededException) is
    // retried by the SDK's adaptive mode, which also slows the client down between attempts.
    costExplorer: new CostExplorerClient({
      ...settings(options.endpoints?.costExplorer),
      region: 'us-east-1',
      maxAttempts: 6,
      retryMode: 'adaptive',
      // Outside the management account: the payer role's session, never the loopback or default credentials.
      ...(payerCredentials ? { credentials: payerCredentials } : {}),
    }),
    sns: new SNSClient(settings(options.endpoints?.sns)),
    s3: new S3Client(s3Settings),
    // The export's bucket may be in another region than the function (its S3Region): follow S3's redirect.
    billingExports: new S3Client({ ...s3Settings, followRegionRedirects: true, ...(payerCredentials ? { credentials: payerCredentials } : {}) }),
    focusFiles: new S3Client({ ...s3Settings, followRegionRedirects: true }),
    // Athena throttles StartQueryExecution past the account's concurrent-query limit (TooManyRequestsException,
    // CONCURRENT_QUERY_LIMIT_EXCEEDED): retried as Cost Explorer's throttling is, every wait within the run's deadline.
    athena: new AthenaClient({ ...settings(options.endpoints?.athena), maxAttempts: 6, retryMode: 'adaptive' }),
  };
}

/** The Cost Explorer role of a configuration (`sources.aws.roleArn` with its external id), for {@link ClientOptions.costExplorerRole}. */
export function costExplorerRoleOf(config: CostlineConfig): ClientOptions['costExplorerRole'] {
  const { enabled, roleArn, externalId } = config.sources.aws;
  return enabled && roleArn && externalId ? { roleArn, externalId } : undefined;
}

/** How the model providers are reached: admin keys, base URLs, and the usage bucket width of the job. */
export interface ProviderAccess {
  /** The admin key reader for a provider (Secrets Manager in AWS, environment variables locally). */
  secret: (provider: 'openai' | 'anthropic') => SecretReader;
  /** `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`, the variables the providers' own SDKs use. */
  baseUrls?: { openai?: string; anthropic?: string };
  /** `1h` for the hourly estimate job, `1d` for the daily job. */
  usageBucketWidth: '1h' | '1d';
}

export const DEFAULT_BASE_URLS = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' } as const;

/** Base URLs from the environment, with the providers' defaults. */
export function baseUrlsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return { openai: env.OPENAI_BASE_URL || DEFAULT_BASE_URLS.openai, anthropic: env.ANTHROPIC_BASE_URL || DEFAULT_BASE_URLS.anthropic };
}

/**
 * The enabled sources for a configuration: AWS billing (Cost Explorer, or in `data-exports` mode the CUR 2.0 export,
 * Bedrock tokens included), each FOCUS file source, and each model provider's costs and usage.
 */
export function buildSources(config: CostlineConfig, clients: AwsClients, access?: ProviderAccess): Source[] {
  const sources: Source[] = [];
  const aws = config.sources.aws;
  if (aws.enabled && aws.mode === 'data-exports') {
    // The config schema requires dataExports in this mode.
    const location = aws.dataExports!;
    const common = { tagKey: config.allocation.awsTagKey, otherTagKeys: recordTagKeysOf(config), billingAccountId: aws.billingAccountId ?? 'unspecified', priceBook: bundledPriceBook };
    sources.push(aws.engine === 'athena' ? new AthenaExportsSource(clients.athena, { ...common, target: { ...DEFAULT_ATHENA, ...aws.athena } }) : new DataExportsSource(clients.billingExports, { location, ...common }));
  } else if (aws.enabled) {
    sources.push(
      new CostExplorerSource(clients.costExplorer, { tagKey: config.allocation.awsTagKey, costMetric: aws.costMetric, billingAccountId: aws.billingAccountId ?? 'unspecified', priceBook: bundledPriceBook }),
    );
  }
  for (const entry of config.sources.focus) {
    if (entry.enabled) sources.push(new FocusFilesSource(clients.focusFiles, { entry, tagKey: config.allocation.awsTagKey }));
  }
  if (!access) return sources;
  const openai = config.sources.openai;
  if (openai.enabled) {
    const key = access.secret('openai');
    const http = createProviderHttp({
      provider: 'OpenAI',
      baseUrl: access.baseUrls?.openai ?? DEFAULT_BASE_URLS.openai,
      headers: async () => ({ authorization: `Bearer ${await key()}`, 'user-agent': 'costline' }),
    });
    const options = { organizationId: openai.organizationId ?? 'openai' };
    sources.push(new OpenAiCostsSource(http, options), new OpenAiUsageSource(http, { ...options, bucketWidth: access.usageBucketWidth }));
  }
  const anthropic = config.sources.anthropic;
  if (anthropic.enabled) {
    const key = access.secret('anthropic');
    const http = anthropicClients((betas) =>
      createProviderHttp({
        provider: 'Anthropic',
        baseUrl: access.baseUrls?.anthropic ?? DEFAULT_BASE_URLS.anthropic,
        headers: async () => ({ 'x-api-key': await key(), 'anthropic-version': '2023-06-01', ...(betas.length > 0 ? { 'anthropic-beta': betas.join(',') } : {}), 'user-agent': 'costline' }),
      }),
    );
    // One per job: what the cost source learns about the analytics API, the usage source reuses in the same run.
    const options = { organizationId: anthropic.organizationId ?? 'anthropic', api: anthropic.api, access: new AnalyticsAccess() };
    sources.push(new AnthropicCostsSource(http, options), new AnthropicUsageSource(http, { ...options, bucketWidth: access.usageBucketWidth }));
  }
  return sources;
}

/** The stores, all in one DynamoDB table. */
export function buildStores(clients: AwsClients, tableName: string) {
  return {
    records: new DynamoCostRecordStore(clients.dynamo, tableName),
    usage: new DynamoUsageRecordStore(clients.dynamo, tableName),
    priceBook: bundledPriceBook as PriceBook,
    state: new DynamoIngestionStateStore(clients.dynamo, tableName),
    chargebacks: new DynamoChargebackStore(clients.dynamo, tableName),
    ledger: new DynamoAlertLedger(clients.dynamo, tableName),
    closed: new DynamoClosedStatementStore(clients.dynamo, tableName),
  };
}

export function publisher(clients: AwsClients, topicArn: string): MessagePublisher {
  return new SnsMessagePublisher(clients.sns, topicArn);
}

export const systemClock: Clock = { now: () => new Date() };

/** Everything the daily job needs. */
export function dailyDeps(args: { config: CostlineConfig; clients: AwsClients; tableName: string; alertsTopicArn: string; clock: Clock; log: Log; access?: ProviderAccess; sources?: Source[] }) {
  return {
    ...buildStores(args.clients, args.tableName),
    sources: args.sources ?? buildSources(args.config, args.clients, args.access),
    alerts: publisher(args.clients, args.alertsTopicArn),
    clock: args.clock,
    config: args.config,
    log: args.log,
  };
}
