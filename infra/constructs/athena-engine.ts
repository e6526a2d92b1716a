import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ATHENA_BYTES_SCANNED_CUTOFF, ATHENA_RESULTS_RETENTION_DAYS } from '../../functions/lib/athena-names';
import { GLUE_COLUMNS, PARTITION_COLUMN, type AthenaTarget } from '../../functions/sources/data-exports/athena/glue-table';
import { type DataExportsLocation, exportKeyRoot, exportObjectsArn, exportReadStatements } from './data-exports-read';
import { nagResource } from './nag-resource';
import { accessLogBucket, PRIVATE_BUCKET_PROPS } from './private-bucket';

/** The first billing period the partition projection offers (CUR 2.0 exports began in 2023; earlier months hold no folder). */
export const PROJECTION_START = '2023-01';

/**
 * What the Athena engine (`sources.aws.engine: "athena"`) queries through: a Glue database and a table over the
 * export's data files (Parquet, partitioned by `billing_period` from the `BILLING_PERIOD=YYYY-MM` folders with
 * partition projection, so no crawler and no `MSCK REPAIR` is needed), a workgroup that enforces its own settings
 * (engine v3, results location and encryption, a per-query bytes-scanned cutoff) and a results bucket (private,
 * TLS only, SSE-S3, results expire after {@link ATHENA_RESULTS_RETENTION_DAYS} days, access logs to a second
 * bucket). {@link AthenaEngine.grantQuery} gives a role exactly what one query takes.
 */
export class AthenaEngine extends Construct {
  readonly results: Bucket;
  readonly database: CfnDatabase;
  readonly table: CfnTable;
  readonly workgroup: CfnWorkGroup;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: { readonly location: DataExportsLocation; readonly target: AthenaTarget },
  ) {
    super(scope, id);
    const { location, target } = props;
    const accessLogs = accessLogBucket(this, 'ResultsAccessLogs', 90);
    this.results = new Bucket(this, 'Results', {
      ...PRIVATE_BUCKET_PROPS,
      serverAccessLogsBucket: accessLogs,
      lifecycleRules: [
        { id: 'ExpireQueryResults', expiration: Duration.days(ATHENA_RESULTS_RETENTION_DAYS) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Results are copies of answers already read; an emptied bucket goes with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: target.database, description: 'costline: the CUR 2.0 billing export, for the Athena engine' },
    });
    const data = `s3://${location.bucket}/${exportKeyRoot(location)}/data`;
    this.table = new CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: target.database,
      tableInput: {
        name: target.table,
        description: `CUR 2.0 line items under ${data}/, one partition per billing period`,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'parquet',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          [`projection.${PARTITION_COLUMN}.type`]: 'date',
          [`projection.${PARTITION_COLUMN}.format`]: 'yyyy-MM',
          [`projection.${PARTITION_COLUMN}.range`]: `${PROJECTION_START},NOW`,
          [`projection.${PARTITION_COLUMN}.interval`]: '1',
          [`projection.${PARTITION_COLUMN}.interval.unit`]: 'MONTHS',
          'storage.location.template': `${data}/BILLING_PERIOD=\${${PARTITION_COLUMN}}/`,
        },
        partitionKeys: [{ name: PARTITION_COLUMN, type: 'string' }],
        storageDescriptor: {
          location: `${data}/`,
          columns: GLUE_COLUMNS.map(({ name, type }) => ({ name, type })),
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    this.table.addResourceDependency(this.database);

    this.workgroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: target.workgroup,
      description: 'costline: the daily aggregation query over the billing export',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        bytesScannedCutoffPerQuery: ATHENA_BYTES_SCANNED_CUTOFF,
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: { outputLocation: `s3://${this.results.bucketName}/results/`, encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
      },
    });
  }

  /**
   * What running the query takes, in a policy of its own: the three Athena calls on this workgroup only; Glue
   * reads of the catalog, this database and this table; the export's objects (read) and the results prefix
   * (read and write, as Athena writes the answer with the caller's permissions).
   */
  grantQuery(role: IRole): Policy {
    const { location, target } = this.props;
    const glue = (kind: string) => `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:${kind}`;
    const resultsObjects = this.results.arnForObjects('results/*');
    const policy = new Policy(this, 'QueryPolicy', {
      roles: [role],
      statements: [
        new PolicyStatement({
          sid: 'RunBillingQuery',
          actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
          resources: [`arn:${Aws.PARTITION}:athena:${Aws.REGION}:${Aws.ACCOUNT_ID}:workgroup/${target.workgroup}`],
        }),
        new PolicyStatement({
          sid: 'ReadBillingTable',
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
          resources: [glue('catalog'), glue(`database/${target.database}`), glue(`table/${target.database}/${target.table}`)],
        }),
        ...exportReadStatements(location),
        // Athena asks the data bucket's region before it reads the table's files (AWS's example policy for a
        // bucket Athena queries grants it); the embedded engine's S3 client does not need it.
        new PolicyStatement({ sid: 'LocateBillingExportBucket', actions: ['s3:GetBucketLocation'], resources: [`arn:${Aws.PARTITION}:s3:::${location.bucket}`] }),
        new PolicyStatement({ sid: 'ListQueryResults', actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [this.results.bucketArn] }),
        new PolicyStatement({ sid: 'WriteQueryResults', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], resources: [resultsObjects] }),
      ],
    });
    Validations.of(policy).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, exportObjectsArn(location))}]`,
        reason: "AWS Data Exports names its files per billing period and per delivery, so the object ARN ends in a wildcard; it is limited to this one export's prefix and to s3:GetObject.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, resultsObjects)}]`,
        reason: 'Athena names each query result after its query id (results/<id>.csv and .metadata), unknown in advance; limited to the results prefix of the bucket made for them.',
      },
    );
    return policy;
  }
}
