import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type BucketProps, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * What every costline bucket is: S3-managed encryption, reachable over TLS 1.2+ only, all public access blocked,
 * ACLs disabled (the bucket owner owns every object).
 */
export const PRIVATE_BUCKET_PROPS = {
  encryption: BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
} as const satisfies BucketProps;

/**
 * A private bucket receiving another bucket's server access logs, which expire after `retentionDays`, kept when
 * the stack is deleted (with the retained bucket it audits, which keeps logging to it).
 *
 * SSE-S3, so that log delivery (the `logging.s3.amazonaws.com` service) needs no key grant. No access logs of its
 * own: a log bucket logging to itself loops, and another one would only move the question; cdk-nag's
 * AwsSolutions-S1 recognises a bucket that is another bucket's log destination and does not flag it.
 */
export function accessLogBucket(scope: Construct, id: string, retentionDays: number): Bucket {
  return new Bucket(scope, id, {
    ...PRIVATE_BUCKET_PROPS,
    lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(retentionDays) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
