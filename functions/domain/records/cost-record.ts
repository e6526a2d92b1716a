import { createHash } from 'node:crypto';

/** FOCUS ChargeCategory: what kind of charge a line is. */
export type ChargeCategory = 'Usage' | 'Purchase' | 'Tax' | 'Credit' | 'Adjustment';

/** The providers costline reads through their own APIs: AWS (Bedrock included) and the model providers billed by the token. */
export type BuiltInProvider = 'aws' | 'openai' | 'anthropic';

/**
 * Who sold the service: a built-in provider, or the provider a FOCUS file names (its ServiceProviderName or
 * ProviderName as a lowercase slug: `microsoft`, `litellm`, `google-cloud`). Open, so code that treats the
 * built-in providers apart must compare with their ids, never assume the list is complete.
 */
export type Provider = BuiltInProvider | (string & {});

/** The token types costline tracks; disjoint, so they add up to all tokens. */
export type TokenType = 'input' | 'cachedInput' | 'cacheWrite' | 'output';

/**
 * Where a record's cost comes from: the provider's bill, or costline's estimate from usage and the price
 * book (made only for provider-days the bill does not cover yet, and superseded once it does).
 */
export type CostOrigin = 'billed' | 'usage-estimate';

/**
 * One normalized cost record: one day of one billing slice from one source, named after the FOCUS
 * columns (camelCase of `BilledCost`, `ChargePeriodStart`, ...). Costs are exact decimal strings.
 */
export interface CostRecord {
  /** Deterministic id from the record's identity, so writing the same slice twice is an upsert. */
  id: string;
  /** The ingestion source that wrote it (`aws-cost-explorer`); a re-pull replaces a day per source. */
  source: string;
  /** x_Provider: costline's provider id. */
  provider: Provider;
  /** FOCUS ProviderName. */
  providerName: string;
  /** FOCUS BillingAccountId: the account that receives the invoice. */
  billingAccountId: string;
  /**
   * FOCUS SubAccountId: the AWS linked account, the OpenAI project, or the Anthropic workspace (null is the
   * default workspace), when the source reported it.
   */
  subAccountId: string | null;
  /** FOCUS SubAccountName. */
  subAccountName: string | null;
  /** FOCUS ServiceName, e.g. `Amazon DynamoDB`. */
  serviceName: string;
  /** FOCUS ServiceCategory, e.g. `Databases`. */
  serviceCategory: string;
  /** x_UsageType: the provider's usage type or line item (`gpt-4o-2024-08-06, input`), when grouped by it. */
  usageType: string | null;
  /** x_Model: the model the cost is for, when known. */
  model: string | null;
  /** x_ApiKeyId: the provider API key, when the source reports it. */
  apiKeyId: string | null;
  /** x_TokenType: which tokens a model cost line is for, when it is for one kind. */
  tokenType: TokenType | null;
  /** x_CostOrigin. */
  costOrigin: CostOrigin;
  /** FOCUS ChargePeriodStart: UTC day, inclusive. */
  chargePeriodStart: string;
  /** FOCUS ChargePeriodEnd: the next UTC day, exclusive. */
  chargePeriodEnd: string;
  /** FOCUS BilledCost (cash view), exact decimal string. */
  billedCost: string;
  /** FOCUS EffectiveCost (amortized view), exact decimal string. */
  effectiveCost: string;
  /** FOCUS BillingCurrency. */
  billingCurrency: string;
  /** FOCUS ConsumedQuantity, when meaningful. */
  consumedQuantity: string | null;
  /** FOCUS ConsumedUnit. */
  consumedUnit: string | null;
  /** FOCUS Tags: the allocation tags on the slice. */
  tags: Record<string, string>;
  /** True while the provider still calls the figure an estimate. */
  estimated: boolean;
  /** FOCUS ChargeCategory, where the source says (billing exports); absent: usage as far as costline knows. */
  chargeCategory?: ChargeCategory;
  /** x_LineItemType: the AWS line item type (`Usage`, `SavingsPlanNegation`, `Tax`, ...), from billing exports. */
  lineItemType?: string;
  /** x_IamPrincipal: the caller of an AI service (CUR 2.0 `line_item_iam_principal`), from billing exports. */
  iamPrincipal?: string;
  /** FOCUS ResourceId: a Bedrock (application) inference profile ARN, from billing exports. */
  resourceId?: string;
}

/** The fields that make a record what it is; two slices with the same identity are the same record. */
export type RecordIdentity = Pick<
  CostRecord,
  'source' | 'provider' | 'billingAccountId' | 'subAccountId' | 'serviceName' | 'usageType' | 'tags' | 'chargePeriodStart'
> & { apiKeyId?: string | null; model?: string | null; lineItemType?: string | null; iamPrincipal?: string | null; resourceId?: string | null };

/** Derives a record's id from its identity: stable across runs, machines and restatements. */
export function recordId(identity: RecordIdentity): string {
  const tags = Object.entries(identity.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = JSON.stringify([
    identity.source,
    identity.provider,
    identity.billingAccountId,
    identity.subAccountId,
    identity.serviceName,
    identity.usageType,
    tags,
    identity.chargePeriodStart,
    // Appended only when present, as tagged pairs, so ids of records without them never change.
    ...(identity.apiKeyId != null ? [['apiKey', identity.apiKeyId]] : []),
    ...(identity.model != null ? [['model', identity.model]] : []),
    ...(identity.lineItemType != null ? [['lineItemType', identity.lineItemType]] : []),
    ...(identity.iamPrincipal != null ? [['iamPrincipal', identity.iamPrincipal]] : []),
    ...(identity.resourceId != null ? [['resourceId', identity.resourceId]] : []),
  ]);
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/**
 * Service names of the `AI and Machine Learning` category (the first category tried). Plain alternatives and `\b`
 * only, so the Athena engine's SQL can use the same pattern (Java and RE2 read it as JavaScript does).
 */
export const AI_SERVICES = /Bedrock|SageMaker|Comprehend|Rekognition|Textract|Polly|Transcribe|Translate|Lex\b|Kendra|Amazon Q\b|Personalize|Forecast/i;

/** FOCUS ServiceCategory values costline assigns; anything unrecognised is `Other`. */
const CATEGORIES: ReadonlyArray<[RegExp, string]> = [
  [AI_SERVICES, 'AI and Machine Learning'],
  [/Elastic Compute Cloud|EC2|Lambda|Fargate|Elastic Container|Kubernetes|Batch|Lightsail|Elastic Beanstalk/i, 'Compute'],
  [/DynamoDB|Relational Database|RDS|Aurora|ElastiCache|DocumentDB|Neptune|MemoryDB|Keyspaces|Timestream/i, 'Databases'],
  [/Simple Storage Service|\bS3\b|Elastic Block Store|EFS|Elastic File System|Glacier|Backup|FSx/i, 'Storage'],
  [/Virtual Private Cloud|VPC|CloudFront|Route 53|Data Transfer|Load Balanc|API Gateway|Direct Connect|Global Accelerator/i, 'Networking'],
  [/Redshift|Athena|Glue|Kinesis|OpenSearch|Elasticsearch|QuickSight|EMR|Data Pipeline/i, 'Analytics'],
  [/CloudWatch|CloudTrail|Config|Systems Manager|Organizations|Control Tower|Cost Explorer/i, 'Management and Governance'],
  [/Simple Queue|SQS|Simple Notification|SNS|EventBridge|Step Functions|MQ\b/i, 'Integration'],
  [/Key Management|KMS|Secrets Manager|GuardDuty|Security Hub|WAF|Shield|Inspector|Macie|Certificate Manager/i, 'Security'],
  [/Cognito|IAM|Directory Service|Identity/i, 'Identity'],
];

/** Maps a provider's service name to a FOCUS ServiceCategory. */
export function serviceCategoryOf(serviceName: string): string {
  return CATEGORIES.find(([pattern]) => pattern.test(serviceName))?.[1] ?? 'Other';
}
