import { Aws, Validations } from 'aws-cdk-lib';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { CostlineConfig } from '../../functions/config/load-config';
import { nagResource } from './nag-resource';

/**
 * Where a CUR 2.0 export is delivered (`sources.aws.dataExports`): data files under
 * `<prefix>/<exportName>/data/BILLING_PERIOD=YYYY-MM/`, manifests under `<prefix>/<exportName>/metadata/`.
 */
export interface DataExportsLocation {
  readonly bucket: string;
  readonly prefix: string;
  readonly exportName: string;
}

/**
 * The export location when `sources.aws.mode` is `data-exports` and the AWS source is enabled, else undefined
 * (Cost Explorer mode, whose resources and permissions stay as they were).
 */
export function dataExportsLocation(config: CostlineConfig): DataExportsLocation | undefined {
  const { enabled, mode, dataExports } = config.sources.aws;
  if (!enabled || mode !== 'data-exports' || !dataExports) return undefined;
  return dataExports;
}

/** The key prefix under which the export writes everything of its own: `<prefix>/<exportName>` (no slashes at the ends). */
export function exportKeyRoot(location: DataExportsLocation): string {
  // The config schema refuses a prefix with a slash at either end; it may be empty.
  return location.prefix === '' ? location.exportName : `${location.prefix}/${location.exportName}`;
}

/** ARN of the export's objects: `arn:<partition>:s3:::<bucket>/<prefix>/<exportName>/*`. */
export function exportObjectsArn(location: DataExportsLocation): string {
  return `arn:${Aws.PARTITION}:s3:::${location.bucket}/${exportKeyRoot(location)}/*`;
}

/**
 * What reading an export takes, and nothing more: `s3:GetObject` on the export's own objects (manifests and data
 * files), and `s3:ListBucket` on the bucket for keys under the export's prefix only. Listing lets a missing file
 * come back as 404 NoSuchKey, which the reader reports as "the manifest names a missing file", rather than as a
 * 403 that looks like a permission problem. No write, no delete: the export is AWS's to write.
 *
 * The bucket is encrypted with S3-managed keys (the created one is, see `BillingExport`), so no KMS grant.
 */
export function exportReadStatements(location: DataExportsLocation): PolicyStatement[] {
  return [
    new PolicyStatement({ sid: 'ReadBillingExportObjects', actions: ['s3:GetObject'], resources: [exportObjectsArn(location)] }),
    new PolicyStatement({
      sid: 'ListBillingExportPrefix',
      actions: ['s3:ListBucket'],
      resources: [`arn:${Aws.PARTITION}:s3:::${location.bucket}`],
      conditions: { StringLike: { 's3:prefix': [`${exportKeyRoot(location)}/*`] } },
    }),
  ];
}

/**
 * Puts {@link exportReadStatements} in a policy of their own attached to `role`, so that the acknowledged object
 * wildcard covers nothing else, and acknowledges it with its reason.
 */
export function attachExportRead(scope: Construct, id: string, role: IRole, location: DataExportsLocation): Policy {
  const policy = new Policy(scope, id, { roles: [role], statements: exportReadStatements(location) });
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResource(scope, exportObjectsArn(location))}]`,
    reason:
      'AWS Data Exports names its files per billing period and per delivery (data/BILLING_PERIOD=YYYY-MM/<name>-<n>.snappy.parquet, metadata/.../<name>-Manifest.json), so the object ARN ends in a wildcard; it is limited to this one export\'s prefix and to s3:GetObject alone.',
  });
  return policy;
}
