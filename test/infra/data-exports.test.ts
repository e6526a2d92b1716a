import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config/load-config';
import { AWS_DATA_EXPORTS_SOURCE, SOURCE_IDS } from '../../functions/lib/source-ids';
import { buildCostlineApp } from '../../infra/costline-app';
import { CUR_COLUMNS } from '../../functions/sources/data-exports/cur-columns';
import { CUR2_COLUMNS, cur2QueryStatement } from '../../infra/constructs/billing-export';
import { CONFIG_FILE, testApp } from './support';
import { only, ref, type Resource } from './template-queries';

const dir = mkdtempSync(join(tmpdir(), 'costline-exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOCATION = { bucket: 'acme-billing-export', prefix: 'cur2', exportName: 'costline-cur2-daily' };
const ROLE_ARN = 'arn:aws:iam::111111111111:role/Costline-cost-read';

/** The app built from the repository's config in data-exports mode, optionally with the payer role. */
function build(options: { roleArn?: boolean; context?: Record<string, unknown>; prefix?: string } = {}) {
  const raw = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Record<string, any>;
  raw.sources.aws.mode = 'data-exports';
  raw.sources.aws.dataExports = { ...LOCATION, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) };
  if (options.roleArn) Object.assign(raw.sources.aws, { roleArn: ROLE_ARN, externalId: 'costline-test-external-id' });
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(raw));
  const { stack, payerAccess } = buildCostlineApp(testApp({ context: { config: file, ...options.context } }), {});
  return { stack, payerAccess, main: Template.fromStack(stack), payer: Template.fromStack(payerAccess) };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();

/** Every statement of the IAM policies attached to `role` in its stack's template. */
function statementsFor(stack: Stack, template: Template, role: IConstruct): Statement[] {
  const roleRef = JSON.stringify(ref(stack, role));
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === roleRef))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('data-exports mode without a payer role (costline in the management account)', () => {
  it('lets the ingest function read the export objects and list its prefix, and no longer call Cost Explorer', () => {
    const { stack, main } = build();
    const statements = statementsFor(stack, main, stack.ingest.role);
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['s3:GetObject', 's3:ListBucket']));
    expect(actionsOf(statements)).not.toContain('ce:GetCostAndUsage');
    expect(actionsOf(statements)).not.toContain('sts:AssumeRole');
    const read = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(read).toEqual([
      { Sid: 'ReadBillingExportObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-billing-export/cur2/costline-cur2-daily/*']] } },
      {
        Sid: 'ListBillingExportPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-billing-export']] },
        Condition: { StringLike: { 's3:prefix': ['cur2/costline-cur2-daily/*'] } },
      },
    ]);
  });

  it('watches the aws-data-exports source for stale data, not Cost Explorer', () => {
    const { main } = build();
    const alarms = JSON.stringify(main.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toContain(`"${AWS_DATA_EXPORTS_SOURCE}"`);
    expect(alarms).not.toContain(`"${SOURCE_IDS.aws}"`);
  });

  it('reads an export delivered at the bucket root (empty prefix) under <exportName>/ only', () => {
    const { stack, main } = build({ prefix: '' });
    const read = statementsFor(stack, main, stack.ingest.role).find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(read?.Resource)).toContain(':s3:::acme-billing-export/costline-cur2-daily/*');
  });

  it('puts the export, its bucket and policy in the payer-account template, deployed in us-east-1, without a role', () => {
    const { payerAccess, payer } = build();
    expect(payerAccess.region).toBe('us-east-1');
    payer.resourceCountIs('AWS::IAM::Role', 0);
    payer.resourceCountIs('AWS::BCMDataExports::Export', 1);
    expect(Object.keys(payer.toJSON().Parameters ?? {}).filter((p) => p !== 'BootstrapVersion')).toEqual([]);
  });

  it('creates a CUR 2.0 Parquet export that overwrites, refreshes with the bill, and carries resources and IAM principals', () => {
    const { payer } = build();
    payer.hasResourceProperties('AWS::BCMDataExports::Export', {
      Export: {
        Name: 'costline-cur2-daily',
        DataQuery: {
          QueryStatement: cur2QueryStatement(),
          TableConfigurations: {
            // What the source needs; the other properties are set to FALSE, as CreateExport examples do.
            COST_AND_USAGE_REPORT: Match.objectLike({
              TIME_GRANULARITY: 'DAILY',
              INCLUDE_RESOURCES: 'TRUE',
              INCLUDE_IAM_PRINCIPAL_DATA: 'TRUE',
              BILLING_VIEW_ARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':billing::', { Ref: 'AWS::AccountId' }, ':billingview/primary']] },
            }),
          },
        },
        DestinationConfigurations: {
          S3Destination: {
            S3Bucket: { Ref: Match.stringLikeRegexp('^BillingExportBucket') },
            S3Prefix: 'cur2',
            S3Region: 'us-east-1',
            S3OutputConfigurations: { OutputType: 'CUSTOM', Format: 'PARQUET', Compression: 'PARQUET', Overwrite: 'OVERWRITE_REPORT' },
          },
        },
        RefreshCadence: { Frequency: 'SYNCHRONOUS' },
      },
    });
  });

  it('selects every column the source reads but one not confirmed in the table, by name (Data Exports refuses SELECT *)', () => {
    expect(cur2QueryStatement()).toBe(`SELECT ${CUR2_COLUMNS.join(', ')} FROM COST_AND_USAGE_REPORT`);
    const missing = Object.keys(CUR_COLUMNS).filter((c) => !CUR2_COLUMNS.includes(c));
    expect(missing).toEqual(['product_product_name']);
    for (const column of ['line_item_iam_principal', 'line_item_resource_id', 'resource_tags', 'tags', 'bill_invoice_id', 'cost_category']) {
      expect(CUR2_COLUMNS).toContain(column);
    }
    expect(new Set(CUR2_COLUMNS).size).toBe(CUR2_COLUMNS.length);
  });

  it('creates the bucket under the configured name, encrypted, private, TLS-only, logged, with a lifecycle, kept on deletion', () => {
    const { payer } = build();
    const [, bucket] = only(payer, 'AWS::S3::Bucket', { BucketName: 'acme-billing-export' });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LoggingConfiguration).toBeDefined();
    expect(bucket.Properties.LifecycleConfiguration.Rules.map((r: { Id: string }) => r.Id)).toEqual(['ArchiveBillingExport', 'AbortIncompleteUploads']);
    payer.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^BillingExportBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets both billing services write and check the policy on the bucket and every key, for this account only (§A7.2)', () => {
    const { payer } = build();
    const policies = Object.values(payer.findResources('AWS::S3::BucketPolicy')) as { Properties: { Bucket: { Ref: string }; PolicyDocument: { Statement: any[] } } }[];
    const delivery = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s) => s.Sid === 'EnableAWSDataExportsToWriteToS3AndCheckPolicy');
    expect(delivery).toBeDefined();
    expect(delivery.Effect).toBe('Allow');
    expect([delivery.Principal.Service].flat().sort()).toEqual(['bcm-data-exports.amazonaws.com', 'billingreports.amazonaws.com']);
    expect([delivery.Action].flat().sort()).toEqual(['s3:GetBucketPolicy', 's3:PutObject']);
    const bucketArn = { 'Fn::GetAtt': [expect.stringMatching(/^BillingExportBucket/), 'Arn'] };
    expect(delivery.Resource).toEqual([bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }]);
    expect(delivery.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cur:us-east-1:', { Ref: 'AWS::AccountId' }, ':definition/*']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bcm-data-exports:us-east-1:', { Ref: 'AWS::AccountId' }, ':export/*']] },
        ],
      },
    });
  });

  it('creates the export only once its bucket policy exists (Data Exports checks it on creation)', () => {
    const { payer } = build();
    const [exp] = Object.values(payer.findResources('AWS::BCMDataExports::Export')) as { DependsOn?: string[] }[];
    const policyId = Object.keys(payer.findResources('AWS::S3::BucketPolicy')).find((id) => id.startsWith('BillingExportBucketPolicy'));
    expect(exp?.DependsOn).toContain(policyId);
  });
});

describe('data-exports mode with the payer role (costline in a member account)', () => {
  it('lets the ingest function assume the payer role and nothing else for billing', () => {
    const { stack, main } = build({ roleArn: true });
    const actions = actionsOf(statementsFor(stack, main, stack.ingest.role));
    expect(actions).toContain('sts:AssumeRole');
    expect(actions.filter((a) => a.startsWith('s3:') || a.startsWith('ce:'))).toEqual([]);
  });

  it('gives the payer role read access to the export prefix only, and no Cost Explorer', () => {
    const { payerAccess, payer } = build({ roleArn: true });
    const statements = statementsFor(payerAccess, payer, payerAccess.role!);
    expect(actionsOf(statements)).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(statements.find((s) => s.Action === 's3:ListBucket')?.Condition).toEqual({ StringLike: { 's3:prefix': ['cur2/costline-cur2-daily/*'] } });
    payer.hasResourceProperties('AWS::IAM::Role', { RoleName: 'Costline-cost-read', Description: 'costline Costline: read the billing export for the organisation, assumed by its ingest function' });
    payer.resourceCountIs('AWS::BCMDataExports::Export', 1);
  });
});

describe('adopting an existing export (-c createExport=false)', () => {
  it('creates no export, bucket or bucket policy, and leaves the payer template region-agnostic', () => {
    const { payerAccess, payer } = build({ roleArn: true, context: { createExport: 'false' } });
    for (const type of ['AWS::BCMDataExports::Export', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy']) payer.resourceCountIs(type, 0);
    payer.resourceCountIs('AWS::IAM::Role', 1);
    expect(payerAccess.environment).toBe('aws://unknown-account/unknown-region');
  });

  it('without the payer role leaves the payer-access stack out (nothing to deploy there), and the ingest function reads the adopted export', () => {
    const raw = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Record<string, any>;
    raw.sources.aws.mode = 'data-exports';
    raw.sources.aws.dataExports = LOCATION;
    const file = join(dir, 'adopted.json');
    writeFileSync(file, JSON.stringify(raw));
    const { app, stack } = buildCostlineApp(testApp({ context: { config: file, createExport: false } }), {});
    expect(app.synth().stacks.map((s) => s.stackName)).toEqual(['Costline']);
    const main = Template.fromStack(stack);
    expect(actionsOf(statementsFor(stack, main, stack.ingest.role))).toEqual(expect.arrayContaining(['s3:GetObject', 's3:ListBucket']));
  });

  it('refuses another value, naming the flag', () => {
    expect(() => build({ context: { createExport: 'no' } })).toThrow(ConfigError);
    expect(() => build({ context: { createExport: 'no' } })).toThrow(/-c createExport=no: expected true/);
  });
});
