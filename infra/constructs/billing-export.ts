import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnExport } from 'aws-cdk-lib/aws-bcmdataexports';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CUR_COLUMNS, type CurColumn } from '../../functions/sources/data-exports/cur-columns';
import { type DataExportsLocation, exportKeyRoot } from './data-exports-read';
import { accessLogBucket, PRIVATE_BUCKET_PROPS } from './private-bucket';

/** The region AWS Data Exports runs in: exports are created there, whatever the bucket's region. */
export const DATA_EXPORTS_REGION = 'us-east-1';

/**
 * Columns the reader may read (`CUR_COLUMNS`) that the export does not select, with why. `product_product_name` is
 * not confirmed as a column of the `COST_AND_USAGE_REPORT` table (the service name is in the `product` map, as
 * `product['product_name']`), and a column the table lacks makes the export fail; the reader does without it.
 */
export const CUR2_COLUMNS_NOT_EXPORTED: readonly CurColumn[] = ['product_product_name'];

/**
 * Columns the export selects besides the reader's: those of the reference's CreateExport example
 * (billing-apis-2026.md §A7.3), kept for the Athena engine and for whoever reads the files by hand.
 */
const CUR2_EXTRA_COLUMNS = [
  'line_item_line_item_description',
  'line_item_operation',
  'line_item_usage_end_date',
  'pricing_public_on_demand_cost',
  'line_item_net_unblended_cost',
  'cost_category',
] as const;

/**
 * The CUR 2.0 columns the export selects: every column the source reads (functions/sources/data-exports), save
 * {@link CUR2_COLUMNS_NOT_EXPORTED}, then {@link CUR2_EXTRA_COLUMNS}. Before adding a column to either list, check
 * it exists with `aws bcm-data-exports get-table --table-name COST_AND_USAGE_REPORT` (with the table properties
 * below): a column the table lacks makes the export fail.
 */
export const CUR2_COLUMNS: readonly string[] = [
  ...(Object.keys(CUR_COLUMNS) as CurColumn[]).filter((c) => !CUR2_COLUMNS_NOT_EXPORTED.includes(c)),
  ...CUR2_EXTRA_COLUMNS,
];

/** The export's query: the columns by name (Data Exports rejects `SELECT *`). */
export function cur2QueryStatement(): string {
  return `SELECT ${CUR2_COLUMNS.join(', ')} FROM COST_AND_USAGE_REPORT`;
}

/** Days after which delivered files move to Glacier Instant Retrieval: past a year of re-checks and the two weeks of restatement after it. */
export const EXPORT_ARCHIVE_AFTER_DAYS = 400;
/** Days the export bucket's server access logs are kept. */
export const EXPORT_ACCESS_LOG_RETENTION_DAYS = 365;

/**
 * A CUR 2.0 export (`AWS::BCMDataExports::Export`) delivered to a bucket created for it, with the bucket policy
 * AWS requires; the stack holding it must be deployed in {@link DATA_EXPORTS_REGION} in the management (payer)
 * account, which sees the whole organisation's bill.
 *
 * The export: Parquet, `OVERWRITE_REPORT` (each refresh replaces the period's files, so storage does not grow with
 * refreshes), `SYNCHRONOUS` refresh (up to three times a day), daily granularity, resource ids
 * (`INCLUDE_RESOURCES`, for Bedrock inference profiles) and the caller of every Bedrock request
 * (`INCLUDE_IAM_PRINCIPAL_DATA`), over the primary billing view.
 *
 * The bucket: named by the config (so the reading side needs no cross-stack reference), S3-managed encryption (the
 * billing services write without a KMS key grant; a customer managed key would need one in its policy for both
 * service principals and `kms:Decrypt` for every reader, for no reader the bucket policy does not already
 * separate), TLS 1.2+ only, all public access blocked, ACLs disabled, server access logs to a second bucket, and
 * kept when the stack is deleted (billing records). Not versioned: with overwrite, versions would keep every
 * superseded delivery, and a period can be delivered again by AWS but not rebuilt from an older version by costline.
 *
 * The export itself is deleted with the stack (deliveries stop; the delivered files stay in the retained bucket).
 */
export class BillingExport extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  readonly export: CfnExport;

  constructor(scope: Construct, id: string, props: { readonly location: DataExportsLocation }) {
    super(scope, id);
    const { location } = props;

    this.accessLogs = accessLogBucket(this, 'AccessLogs', EXPORT_ACCESS_LOG_RETENTION_DAYS);

    this.bucket = new Bucket(this, 'Bucket', {
      bucketName: location.bucket,
      ...PRIVATE_BUCKET_PROPS,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${location.bucket}/`,
      lifecycleRules: [
        {
          id: 'ArchiveBillingExport',
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(EXPORT_ARCHIVE_AFTER_DAYS) }],
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // AWS's documented delivery policy: both billing service principals (CUR 2.0 is delivered by Data Exports;
    // legacy CUR definitions by billingreports), limited to this account's exports and report definitions.
    // On the bucket and every key, not the prefix alone: creating an export writes a test object at the root.
    const account = Aws.ACCOUNT_ID;
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EnableAWSDataExportsToWriteToS3AndCheckPolicy',
        principals: [new ServicePrincipal('billingreports.amazonaws.com'), new ServicePrincipal('bcm-data-exports.amazonaws.com')],
        actions: ['s3:PutObject', 's3:GetBucketPolicy'],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: {
            'aws:SourceArn': [
              `arn:${Aws.PARTITION}:cur:${DATA_EXPORTS_REGION}:${account}:definition/*`,
              `arn:${Aws.PARTITION}:bcm-data-exports:${DATA_EXPORTS_REGION}:${account}:export/*`,
            ],
          },
        },
      }),
    );

    this.export = new CfnExport(this, 'Export', {
      export: {
        name: location.exportName,
        description: `CUR 2.0 for costline, daily, with resource ids and IAM principals, under ${exportKeyRoot(location)}/`,
        dataQuery: {
          queryStatement: cur2QueryStatement(),
          tableConfigurations: {
            COST_AND_USAGE_REPORT: {
              TIME_GRANULARITY: 'DAILY',
              INCLUDE_RESOURCES: 'TRUE',
              INCLUDE_IAM_PRINCIPAL_DATA: 'TRUE',
              INCLUDE_SPLIT_COST_ALLOCATION_DATA: 'FALSE',
              INCLUDE_CAPACITY_RESERVATION_DATA: 'FALSE',
              INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY: 'FALSE',
              BILLING_VIEW_ARN: `arn:${Aws.PARTITION}:billing::${account}:billingview/primary`,
            },
          },
        },
        destinationConfigurations: {
          s3Destination: {
            s3Bucket: this.bucket.bucketName,
            s3Prefix: location.prefix,
            // The bucket's region, that of this stack (us-east-1 when created by the costline app).
            s3Region: Stack.of(this).region,
            s3OutputConfigurations: { outputType: 'CUSTOM', format: 'PARQUET', compression: 'PARQUET', overwrite: 'OVERWRITE_REPORT' },
          },
        },
        refreshCadence: { frequency: 'SYNCHRONOUS' },
      },
    });
    // Data Exports checks the bucket policy when the export is created.
    if (this.bucket.policy) this.export.node.addDependency(this.bucket.policy);
  }
}
