import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ATHENA_BYTES_SCANNED_CUTOFF } from '../../functions/lib/athena-names';
import { GLUE_COLUMNS } from '../../functions/sources/data-exports/athena/glue-table';
import { buildCostlineApp } from '../../infra/costline-app';
import { CONFIG_FILE, testApp } from './support';
import { ref, type Resource } from './template-queries';

const dir = mkdtempSync(join(tmpdir(), 'costline-athena-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOCATION = { bucket: 'acme-billing-export', prefix: 'cur2', exportName: 'costline-cur2-daily' };

function build(aws: Record<string, unknown>) {
  const raw = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Record<string, any>;
  Object.assign(raw.sources.aws, { mode: 'data-exports', dataExports: LOCATION, ...aws });
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(raw));
  const { stack } = buildCostlineApp(testApp({ context: { config: file } }), {});
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

describe('the Athena engine in the stack (sources.aws.engine: "athena")', () => {
  const { stack, template } = build({ engine: 'athena' });

  it('creates the Glue database and a Parquet table over the export, partitioned by billing_period with projection (no crawler)', () => {
    template.resourceCountIs('AWS::Glue::Crawler', 0);
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'costline_billing' } });
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'costline_billing',
      TableInput: {
        Name: 'cur2_line_items',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [{ Name: 'billing_period', Type: 'string' }],
        Parameters: Match.objectLike({
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.billing_period.type': 'date',
          'projection.billing_period.format': 'yyyy-MM',
          'projection.billing_period.range': '2023-01,NOW',
          'projection.billing_period.interval.unit': 'MONTHS',
          'storage.location.template': 's3://acme-billing-export/cur2/costline-cur2-daily/data/BILLING_PERIOD=${billing_period}/',
        }),
        StorageDescriptor: Match.objectLike({
          Location: 's3://acme-billing-export/cur2/costline-cur2-daily/data/',
          Columns: GLUE_COLUMNS.map(({ name, type }) => ({ Name: name, Type: type })),
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        }),
      },
    });
    expect(GLUE_COLUMNS.find((c) => c.name === 'line_item_unblended_cost')?.type).toBe('double');
    expect(GLUE_COLUMNS.find((c) => c.name === 'resource_tags')?.type).toBe('map<string,string>');
  });

  it('creates a workgroup that enforces its settings: engine v3, a bytes-scanned cutoff, encrypted results in its own bucket', () => {
    const resultsBucket = ref(stack, stack.athena!.results);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'costline-billing',
      WorkGroupConfiguration: {
        BytesScannedCutoffPerQuery: ATHENA_BYTES_SCANNED_CUTOFF,
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: { OutputLocation: { 'Fn::Join': ['', ['s3://', resultsBucket, '/results/']] }, EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
      },
    });
    const results = template.toJSON().Resources[(resultsBucket as { Ref: string }).Ref] as Resource;
    expect(results.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(results.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(results.Properties.LifecycleConfiguration.Rules).toContainEqual({ Id: 'ExpireQueryResults', ExpirationInDays: 7, Status: 'Enabled' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', { Bucket: resultsBucket, PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  it('grants the ingest function exactly the query: athena on the workgroup, glue on catalog/database/table, the export read, the results prefix', () => {
    const roleRef = JSON.stringify(ref(stack, stack.ingest.role));
    const statements = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
      .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === roleRef))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid!, s]));
    expect([bySid.RunBillingQuery!.Action].flat().sort()).toEqual(['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetWorkGroup', 'athena:StartQueryExecution', 'athena:StopQueryExecution']);
    expect(JSON.stringify(bySid.RunBillingQuery!.Resource)).toContain(':workgroup/costline-billing');
    expect(JSON.stringify(bySid.ReadBillingTable!.Resource)).toMatch(/:catalog.*:database\/costline_billing.*:table\/costline_billing\/cur2_line_items/);
    expect(bySid.ReadBillingExportObjects!.Action).toBe('s3:GetObject');
    // Athena asks the data bucket's region before it lists it (AWS's example policy for Athena's data buckets grants it).
    expect(bySid.LocateBillingExportBucket!.Action).toBe('s3:GetBucketLocation');
    expect(JSON.stringify(bySid.LocateBillingExportBucket!.Resource)).toContain(':s3:::acme-billing-export');
    expect(JSON.stringify(bySid.WriteQueryResults!.Resource)).toContain('/results/*');
    // Nothing broader: no wildcard action, no Cost Explorer.
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.endsWith('*') || a.startsWith('ce:'))).toEqual([]);
  });

  it('names the configured workgroup, database and table, and is absent with the embedded engine', () => {
    const custom = build({ engine: 'athena', athena: { workgroup: 'finops', database: 'billing', table: 'cur' } }).template;
    custom.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'finops' });
    custom.hasResourceProperties('AWS::Glue::Table', { DatabaseName: 'billing', TableInput: Match.objectLike({ Name: 'cur' }) });
    const embedded = build({}).template;
    embedded.resourceCountIs('AWS::Athena::WorkGroup', 0);
    embedded.resourceCountIs('AWS::Glue::Table', 0);
  });
});
