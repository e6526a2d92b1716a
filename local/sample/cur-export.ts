import { createHash } from 'node:crypto';
import Big from 'big.js';
import { addDays, monthOf, monthStart, monthWindow } from '../../functions/domain/records/dates';
import type { Ledger, LedgerLineItem } from './ledger';
import { ACCOUNTS } from './sample-ledger';
import { ATHENA_TYPES, CHUNK_ROWS, COLUMNS, parquetOf, type CurRow, type Tags } from './cur-export-parquet';

export { CHUNK_ROWS, parquetOf, type CurRow } from './cur-export-parquet';

/**
 * The sample organisation's AWS bill as a CUR 2.0 Data Export (billing-apis-2026.md §A7): the same line items the
 * local Cost Explorer sums, at the grain an export shows them, written as AWS delivers them to S3, so that the
 * `data-exports` source reads the same spend through its manifest. Pure and deterministic (no clock, no randomness):
 * the same ledger and delivery day give the same bytes.
 *
 * - Layout: `<prefix>/<exportName>/data/BILLING_PERIOD=YYYY-MM/<exportName>-0000n.snappy.parquet` (chunks of
 *   {@link CHUNK_ROWS} rows) and `<prefix>/<exportName>/metadata/BILLING_PERIOD=YYYY-MM/<exportName>-Manifest.json`.
 * - A daily export (`TIME_GRANULARITY: DAILY`, resources and IAM principal data included): one row per day and
 *   resource, so an EC2 ledger line becomes one row per instance, and a Bedrock line one row per calling role.
 * - Line item types: `Usage`; `SavingsPlanCoveredUsage` where the ledger shows a savings plan (amortized below
 *   unblended: the unblended cost is on demand, `savings_plan_savings_plan_effective_cost` the amortized one);
 *   `Credit` for credits. The ledger, like the local Cost Explorer, has no negation or recurring-fee lines, so
 *   neither has the export: unblended and amortized totals equal the ledger's to the cent.
 * - Tags: the ledger's cost allocation tags as `resource_tags['user_<key>']`, except the growth application's
 *   Bedrock calls, whose team comes from its role's principal tag (`tags['iamPrincipal/team']`).
 * - A period is invoiced (non-empty `bill_invoice_id`) once it has ended and its days are final in the ledger.
 */

/** Where an export is delivered: `sources.aws.dataExports`. */
export interface CurExportLocation {
  bucket: string;
  prefix: string;
  exportName: string;
}

/** The sample's export, delivered to a bucket in the management (payer) account. */
export const SAMPLE_EXPORT: CurExportLocation = { bucket: `costline-billing-${ACCOUNTS.management}`, prefix: 'cur2', exportName: 'costline-cur2-daily' };

/** One file of a delivery. */
export interface ExportObject {
  key: string;
  body: Uint8Array;
  contentType: string;
}

/** Service (Cost Explorer's SERVICE, the export's `product['product_name']`) to its product code and operation. */
const PRODUCTS: Record<string, { code: string; operation: string }> = {
  'Amazon Elastic Compute Cloud - Compute': { code: 'AmazonEC2', operation: 'RunInstances' },
  'EC2 - Other': { code: 'AmazonEC2', operation: 'NatGateway' },
  'Amazon Bedrock': { code: 'AmazonBedrock', operation: 'InvokeModel' },
  'Amazon DynamoDB': { code: 'AmazonDynamoDB', operation: 'PayPerRequestThroughput' },
  'Amazon Relational Database Service': { code: 'AmazonRDS', operation: 'CreateDBInstance:0016' },
  'AWS Lambda': { code: 'AWSLambda', operation: 'Invoke' },
  AmazonCloudWatch: { code: 'AmazonCloudWatch', operation: 'MetricStorage' },
  'Amazon OpenSearch Service': { code: 'AmazonES', operation: 'ESDomain' },
  'Amazon Simple Storage Service': { code: 'AmazonS3', operation: 'StandardStorage' },
  'Amazon CloudFront': { code: 'AmazonCloudFront', operation: 'GET' },
  'Amazon Personalize': { code: 'AmazonPersonalize', operation: 'Inference' },
  'Amazon Simple Email Service': { code: 'AmazonSES', operation: 'Send' },
  'Amazon API Gateway': { code: 'AmazonApiGateway', operation: 'ApiGatewayRequest' },
  'AWS Glue': { code: 'AWSGlue', operation: 'Jobrun' },
  'Amazon Elastic MapReduce': { code: 'ElasticMapReduce', operation: 'RunInstances' },
  'Amazon Redshift': { code: 'AmazonRedshift', operation: 'RunComputeNode:0001' },
  'Amazon Athena': { code: 'AmazonAthena', operation: 'RunQuery' },
  'Amazon Kinesis': { code: 'AmazonKinesis', operation: 'shardHourStorage' },
  'AWS CloudTrail': { code: 'AWSCloudTrail', operation: 'None' },
  'Amazon Route 53': { code: 'AmazonRoute53', operation: 'DNS-Query' },
  'AWS Key Management Service': { code: 'awskms', operation: 'Unknown' },
  'AWS Support (Business)': { code: 'AWSSupportBusiness', operation: '' },
  'AWS Cost Explorer': { code: 'AWSCostExplorer', operation: 'GetCostAndUsage' },
  'Amazon Simple Notification Service': { code: 'AmazonSNS', operation: 'Notification' },
  'AWS Secrets Manager': { code: 'AWSSecretsManager', operation: 'Secrets' },
  // The rest of the bench's generated organisation (synthetic-ledger.ts).
  'Amazon Simple Queue Service': { code: 'AWSQueueService', operation: 'SendMessage' },
  'Amazon ElastiCache': { code: 'AmazonElastiCache', operation: 'CreateCacheCluster:0002' },
  'Amazon Elastic Container Service': { code: 'AmazonECS', operation: 'FargateTask' },
  'Amazon Elastic Kubernetes Service': { code: 'AmazonEKS', operation: 'CreateOperation' },
  'Amazon Virtual Private Cloud': { code: 'AmazonVPC', operation: 'CreateVpnConnection' },
  'AWS Step Functions': { code: 'AWSStepFunctions', operation: 'StartExecution' },
  'Amazon SageMaker': { code: 'AmazonSageMaker', operation: 'RunInstance' },
  'Amazon Comprehend': { code: 'comprehend', operation: 'DetectEntities' },
  'Amazon Textract': { code: 'AmazonTextract', operation: 'AnalyzeDocument' },
  'Amazon Transcribe': { code: 'transcribe', operation: 'StartTranscriptionJob' },
  'Amazon Polly': { code: 'AmazonPolly', operation: 'SynthesizeSpeech' },
  'Amazon Rekognition': { code: 'AmazonRekognition', operation: 'DetectLabels' },
  'Amazon Elastic File System': { code: 'AmazonEFS', operation: 'Storage' },
  'AWS WAF': { code: 'awswaf', operation: 'WebACL' },
};

const MARKETPLACE_BEDROCK = / \(Amazon Bedrock Edition\)$/;

/** A short, stable hex id for a name (resource ids, invoice ids, execution ids). */
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** Product code and servicecode: Marketplace models (third-party Bedrock) carry an opaque product code. */
function productOf(service: string): { code: string; servicecode: string; operation: string } {
  if (MARKETPLACE_BEDROCK.test(service)) return { code: digest('marketplace', service).slice(0, 25), servicecode: service, operation: 'InvokeModel' };
  // The bench's generated organisation (synthetic-ledger.ts) names its extra services by number.
  const synthetic = /^Amazon Synthetic Service (\d+)$/.exec(service);
  if (synthetic) return { code: `AmazonSynthetic${synthetic[1]}`, servicecode: `AmazonSynthetic${synthetic[1]}`, operation: 'Run' };
  const known = PRODUCTS[service];
  if (!known) throw new Error(`cur-export: no product code for the sample service "${service}"; add it to PRODUCTS`);
  return { code: known.code, servicecode: known.code, operation: known.operation };
}

const isBedrock = (service: string) => service === 'Amazon Bedrock' || MARKETPLACE_BEDROCK.test(service);

/** Who called Bedrock: a role session, its principal tags, and the application inference profile it invoked (if any). */
interface Caller {
  role: string;
  session: string;
  principalTags?: Tags;
  /** Application inference profile id: the line's resource, whose tags are the line's resource tags. */
  profile?: string;
  /** Share of the ledger line's spend. */
  weight: number;
}

/**
 * The two teams' applications that call Bedrock from the shared-services account. Cost Explorer sees their spend
 * by team tag only (the ledger's `team`); the export shows the role behind each call. Growth's campaign writer
 * invokes the model directly and is told apart by its role's principal tag; support-bot's chat API invokes an
 * application inference profile tagged with its team.
 */
export const SHARED_BEDROCK_CALLERS: Record<string, Caller> = {
  growth: { role: 'growth-campaign-writer', session: 'campaign-writer-lambda', principalTags: { team: 'Growth ' }, weight: 1 },
  support: { role: 'support-chat-api', session: 'support-chat-ecs-task', profile: 'sb7k2m9q4x1c', weight: 1 },
};

/** Bedrock callers of a ledger line. */
function callersOf(item: LedgerLineItem): Caller[] {
  if (item.account === ACCOUNTS.shared) {
    const team = (item.tags.team ?? '').trim().toLowerCase();
    const caller = SHARED_BEDROCK_CALLERS[team];
    if (!caller) throw new Error(`cur-export: no Bedrock caller for the shared account's team tag "${item.tags.team}"`);
    return [caller];
  }
  const team = (item.tags.team ?? 'app').trim().toLowerCase();
  // Search's Claude spend has two callers: its retrieval API, and a nightly evaluation job.
  if (item.account === ACCOUNTS.search && MARKETPLACE_BEDROCK.test(item.service)) {
    return [
      { role: 'search-rag-api', session: 'rag-api-ecs-task', weight: 0.8 },
      { role: 'search-eval-batch', session: 'eval-nightly', weight: 0.2 },
    ];
  }
  return [{ role: `${team}-app`, session: `${team}-lambda`, weight: 1 }];
}

/** Resources of a non-Bedrock line: EC2 usage runs on two instances; the rest on one resource, or none. */
function resourcesOf(item: LedgerLineItem): { id: string; weight: number }[] {
  const seed = digest(item.account, item.service, item.usageType, item.tags.team ?? '');
  const arn = (service: string, type: string) => `arn:aws:${service}:${item.region}:${item.account}:${type}/${seed.slice(0, 12)}`;
  if (item.recordType !== 'Usage') return [{ id: '', weight: 1 }];
  switch (item.service) {
    case 'Amazon Elastic Compute Cloud - Compute':
      return [
        { id: `i-0${seed.slice(0, 16)}`, weight: 0.55 },
        { id: `i-0${seed.slice(16, 32)}`, weight: 0.45 },
      ];
    case 'Amazon DynamoDB':
      return [{ id: arn('dynamodb', 'table'), weight: 1 }];
    case 'AWS Lambda':
      return [{ id: `arn:aws:lambda:${item.region}:${item.account}:function:fn-${seed.slice(0, 8)}`, weight: 1 }];
    case 'Amazon OpenSearch Service':
      return [{ id: arn('es', 'domain'), weight: 1 }];
    case 'Amazon Relational Database Service':
      return [{ id: `arn:aws:rds:${item.region}:${item.account}:db:db-${seed.slice(0, 8)}`, weight: 1 }];
    case 'Amazon Simple Storage Service':
      return [{ id: `bucket-${seed.slice(0, 12)}`, weight: 1 }];
    default:
      return [{ id: '', weight: 1 }];
  }
}

/** Splits an exact amount by weights, rounded to `dp` places; the last part takes the remainder, so parts sum exactly. */
function split(amount: string, weights: number[], dp: number): Big[] {
  const total = new Big(amount);
  const parts = weights.slice(0, -1).map((w) => total.times(w).round(dp));
  return [...parts, parts.reduce((rest, p) => rest.minus(p), total)];
}

/**
 * The export's line items of the ledger as delivered on `asOf` (a UTC day): the days before it, without the lines
 * posted later (the ledger's `postedOn`, as the local Cost Explorer shows them). By billing period, `YYYY-MM`.
 */
export function curExportRows(ledger: Ledger, asOf: string, periods?: ReadonlySet<string>): Map<string, CurRow[]> {
  const byPeriod = new Map<string, CurRow[]>();
  const payer = ACCOUNTS.management;
  for (const item of ledger.lineItems) {
    if (!deliveredBy(item, asOf)) continue;
    const period = monthOf(item.date);
    if (periods && !periods.has(period)) continue;
    const product = productOf(item.service);
    const savingsPlan = item.recordType === 'Usage' && !new Big(item.amortizedCost).eq(item.unblendedCost);
    const type = savingsPlan ? 'SavingsPlanCoveredUsage' : item.recordType;
    const invoiced = isInvoiced(ledger, period, asOf);
    const bedrock = isBedrock(item.service) && item.recordType === 'Usage';
    const callers = bedrock ? callersOf(item) : [];
    const slices = bedrock
      ? callers.map((c) => ({ caller: c as Caller | undefined, id: c.profile ? `arn:aws:bedrock:${item.region}:${item.account}:application-inference-profile/${c.profile}` : '', weight: c.weight }))
      : resourcesOf(item).map((r) => ({ caller: undefined as Caller | undefined, ...r }));
    const weights = slices.map((s) => s.weight);
    const [unblended, amortized, quantity] = [split(item.unblendedCost, weights, 10), split(item.amortizedCost, weights, 10), split(item.usageQuantity, weights, 4)];
    const userTags = Object.fromEntries(Object.entries(item.tags).map(([k, v]) => [`user_${k}`, v]));
    const rows = byPeriod.get(period) ?? [];
    slices.forEach((slice, i) => {
      const caller = slice.caller;
      // A principal-tagged caller carries its team in `tags`, not on a resource.
      const resourceTags = caller?.principalTags ? {} : userTags;
      rows.push({
        bill_billing_period_start_date: new Date(`${monthStart(period)}T00:00:00Z`),
        bill_payer_account_id: payer,
        bill_invoice_id: invoiced ? String(BigInt(`0x${digest('invoice', period).slice(0, 12)}`)).slice(0, 10) : '',
        bill_bill_type: 'Anniversary',
        line_item_usage_account_id: item.account,
        line_item_usage_account_name: ledger.accounts[item.account] ?? '',
        line_item_line_item_type: type,
        line_item_line_item_description: type === 'Credit' ? `${item.service} credit` : `${item.usageType} usage`,
        line_item_product_code: product.code,
        product_servicecode: product.servicecode,
        product: { product_name: item.service, region: item.region },
        line_item_usage_type: item.usageType,
        line_item_operation: product.operation,
        line_item_resource_id: slice.id,
        line_item_iam_principal: caller ? `arn:aws:sts::${item.account}:assumed-role/${caller.role}/${caller.session}` : '',
        line_item_usage_start_date: new Date(`${item.date}T00:00:00Z`),
        line_item_usage_end_date: new Date(`${addDays(item.date, 1)}T00:00:00Z`),
        line_item_usage_amount: Number(quantity[i]!.toFixed(4)),
        pricing_unit: item.usageUnit,
        pricing_public_on_demand_cost: item.recordType === 'Usage' ? Number(unblended[i]!.toFixed(10)) : 0,
        line_item_unblended_cost: Number(unblended[i]!.toFixed(10)),
        line_item_net_unblended_cost: Number(unblended[i]!.toFixed(10)),
        reservation_effective_cost: 0,
        savings_plan_savings_plan_effective_cost: savingsPlan ? Number(amortized[i]!.toFixed(10)) : 0,
        line_item_currency_code: 'USD',
        resource_tags: resourceTags,
        tags: caller?.principalTags ? Object.fromEntries(Object.entries(caller.principalTags).map(([k, v]) => [`iamPrincipal/${k}`, v])) : {},
        cost_category: {},
      });
    });
    byPeriod.set(period, rows);
  }
  return byPeriod;
}

/** Whether a line item is in a delivery made on `asOf`: its day has passed and it has been posted. */
const deliveredBy = (item: LedgerLineItem, asOf: string) => item.date < asOf && (item.postedOn === undefined || item.postedOn <= asOf);

/** Whether a period is invoiced on `asOf`: it has ended and its last day is final in the ledger. */
const isInvoiced = (ledger: Ledger, period: string, asOf: string) => monthWindow(period).end <= asOf && addDays(monthWindow(period).end, -1) <= ledger.finalizedThrough;

/**
 * Data files already written, per ledger: a period's files depend only on which of its line items are delivered
 * (a set that only grows with the delivery day, so its size names it) and on whether it is invoiced. A local run
 * delivers the export on two days, and most periods are the same on both.
 */
const writtenFiles = new WeakMap<Ledger, Map<string, Uint8Array[]>>();

/**
 * The export's files as delivered on `asOf`: for every billing period with line items (and each of `emptyPeriods`,
 * with one empty data file), its data files and, last (AWS writes it once the data files are in place), its manifest.
 */
export function curExportObjects(ledger: Ledger, location: CurExportLocation, asOf: string, options: { emptyPeriods?: readonly string[] } = {}): ExportObject[] {
  const root = [location.prefix, location.exportName].filter((p) => p !== '').join('/');
  const objects: ExportObject[] = [];
  const exportId = digest('export', location.exportName).slice(0, 8);
  const delivered = new Map<string, number>();
  for (const item of ledger.lineItems) if (deliveredBy(item, asOf)) delivered.set(monthOf(item.date), (delivered.get(monthOf(item.date)) ?? 0) + 1);
  // Periods with no line items that AWS still delivers (an account with no spend that month): one empty data file.
  for (const period of options.emptyPeriods ?? []) if (!delivered.has(period)) delivered.set(period, 0);
  const written = writtenFiles.get(ledger) ?? new Map<string, Uint8Array[]>();
  writtenFiles.set(ledger, written);
  const versionOf = (period: string) => `${period}|${delivered.get(period)}|${isInvoiced(ledger, period, asOf)}`;
  const missing = new Set([...delivered.keys()].filter((period) => !written.has(versionOf(period))));
  for (const [period, rows] of curExportRows(ledger, asOf, missing)) {
    const files: Uint8Array[] = [];
    for (let at = 0; at < rows.length; at += CHUNK_ROWS) files.push(parquetOf(rows.slice(at, at + CHUNK_ROWS)));
    written.set(versionOf(period), files);
  }
  for (const period of missing) if (!written.has(versionOf(period))) written.set(versionOf(period), [parquetOf([])]);
  for (const period of [...delivered.keys()].sort()) {
    const dataKeys: string[] = [];
    written.get(versionOf(period))!.forEach((body, i) => {
      const key = `${root}/data/BILLING_PERIOD=${period}/${location.exportName}-${String(i + 1).padStart(5, '0')}.snappy.parquet`;
      objects.push({ key, body, contentType: 'application/octet-stream' });
      dataKeys.push(key);
    });
    const execution = digest('execution', location.exportName, period, asOf);
    const manifest = {
      version: '1.0',
      exportArn: `arn:aws:bcm-data-exports:us-east-1:${ACCOUNTS.management}:export/${location.exportName}-${exportId}`,
      exportName: location.exportName,
      billingPeriod: period,
      executionId: `${execution.slice(0, 8)}-${execution.slice(8, 12)}-4${execution.slice(13, 16)}-8${execution.slice(17, 20)}-${execution.slice(20, 32)}`,
      exportTime: `${asOf}T03:00:00.000Z`,
      dataFiles: dataKeys.map((k) => `s3://${location.bucket}/${k}`),
      columns: COLUMNS.map(({ name, type }) => ({ name, type: ATHENA_TYPES[type] })),
      additionalOutputFiles: [],
    };
    objects.push({
      key: `${root}/metadata/BILLING_PERIOD=${period}/${location.exportName}-Manifest.json`,
      body: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
      contentType: 'application/json',
    });
  }
  return objects;
}
