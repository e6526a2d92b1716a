import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Bucket, StorageClass, TransitionDefaultMinimumObjectSize } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { accessLogBucket, PRIVATE_BUCKET_PROPS } from './private-bucket';

/** Days after which statements (current and noncurrent versions) move to Glacier Instant Retrieval. */
export const STATEMENTS_ARCHIVE_AFTER_DAYS = 90;
/** Days the server access logs are kept: a year of who read or wrote which statement, for the yearly audit. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

/**
 * The bucket the monthly statement job writes each month's files to (`statements/<month>/<file>`), and the bucket
 * its server access logs go to.
 *
 * Statements are financial records: the bucket is versioned (a re-run overwrites a month, and the statement sent
 * before stays readable as a noncurrent version), retained when the stack is deleted, private (all public access
 * blocked, ACLs disabled) and reachable over TLS 1.2+ only.
 *
 * Encryption: S3-managed keys (SSE-S3). Statements hold the same figures as the cost table, which whoever may read
 * the table can read; a customer managed key would add a key policy, a `kms:GenerateDataKey` grant to the writer and
 * `kms:Decrypt` to every reader, and a per-request KMS charge, without separating any reader who is not already
 * separated by the bucket policy. cdk-nag's AwsSolutions pack does not require KMS here. The access-log bucket uses
 * SSE-S3 too, so that log delivery (the `logging.s3.amazonaws.com` service) needs no key grant: the AWS managed
 * `aws/s3` key's policy cannot be changed to allow it, and a customer managed key would be one more thing to pay for.
 *
 * Lifecycle: after {@link STATEMENTS_ARCHIVE_AFTER_DAYS} days, current and noncurrent versions move to Glacier
 * Instant Retrieval (read in milliseconds when an auditor asks, at about a third of Standard's storage price). With
 * S3's default `all_storage_classes_128K`, set explicitly, objects under 128 KB do not move: Glacier IR bills at
 * least 128 KB per object plus a transition request, so moving a 5 KB CSV would cost more than keeping it.
 */
export class StatementsBucket extends Construct {
  readonly bucket: Bucket;
  /** Receives the statements bucket's server access logs (under `statements/`), kept {@link ACCESS_LOG_RETENTION_DAYS} days. */
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.accessLogs = accessLogBucket(this, 'AccessLogs', ACCESS_LOG_RETENTION_DAYS);

    this.bucket = new Bucket(this, 'Bucket', {
      versioned: true,
      ...PRIVATE_BUCKET_PROPS,
      // Delivered through a bucket policy on the log bucket (feature flag @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy).
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'statements/',
      transitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
      lifecycleRules: [
        {
          id: 'ArchiveStatements',
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(STATEMENTS_ARCHIVE_AFTER_DAYS) }],
          noncurrentVersionTransitions: [
            { storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(STATEMENTS_ARCHIVE_AFTER_DAYS) },
          ],
        },
      ],
      // Financial records: never deleted with the stack, nor replaced by a change of a replacing property.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
