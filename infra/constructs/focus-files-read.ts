import { Aws, Validations } from 'aws-cdk-lib';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { FocusSourceConfig } from '../../functions/config/sources-schema';
import { nagResource } from './nag-resource';

/** Where one FOCUS file source reads (`sources.focus[]`): a bucket and a key prefix, which may be empty. */
export type FocusFilesLocation = Pick<FocusSourceConfig, 'id' | 'bucket' | 'prefix'>;

/** `azure-prod` → `AzureProd`, for construct ids. */
export function pascalOf(id: string): string {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** ARN of the objects under the prefix: `arn:<partition>:s3:::<bucket>/<prefix>*`. */
export function focusObjectsArn(location: FocusFilesLocation): string {
  return `arn:${Aws.PARTITION}:s3:::${location.bucket}/${location.prefix}*`;
}

/**
 * What reading one FOCUS prefix takes, and nothing more: `s3:GetObject` on the objects under it, and
 * `s3:ListBucket` on the bucket for keys under it only (the whole bucket when the prefix is empty: a listing
 * without a prefix has no `s3:prefix` to match). No write, no delete: the files are the exporter's.
 *
 * No KMS grant: a bucket encrypted with a customer managed key needs `kms:Decrypt` added on that key.
 */
export function focusReadStatements(location: FocusFilesLocation): PolicyStatement[] {
  const sid = pascalOf(location.id);
  return [
    new PolicyStatement({ sid: `ReadFocusFiles${sid}`, actions: ['s3:GetObject'], resources: [focusObjectsArn(location)] }),
    new PolicyStatement({
      sid: `ListFocusPrefix${sid}`,
      actions: ['s3:ListBucket'],
      resources: [`arn:${Aws.PARTITION}:s3:::${location.bucket}`],
      ...(location.prefix === '' ? {} : { conditions: { StringLike: { 's3:prefix': [`${location.prefix}*`] } } }),
    }),
  ];
}

/**
 * Puts {@link focusReadStatements} in a policy of their own attached to `role`, so that the acknowledged object
 * wildcard covers nothing else, and acknowledges it with its reason.
 */
export function attachFocusRead(scope: Construct, role: IRole, location: FocusFilesLocation): Policy {
  const policy = new Policy(scope, `FocusFilesRead${pascalOf(location.id)}`, { roles: [role], statements: focusReadStatements(location) });
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResource(scope, focusObjectsArn(location))}]`,
    reason: `FOCUS exports name their files per run and billing period (Azure: <export>/<dates>/<run id>/part_<n>.csv), so the object ARN ends in a wildcard; it is limited to the prefix of sources.focus "${location.id}" and to s3:GetObject alone.`,
  });
  return policy;
}
