import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCostlineApp } from '../../infra/costline-app';
import type { CostlineStack } from '../../infra/costline-stack';
import { CONFIG_FILE, testApp } from './support';

/** One finding of `validation-report.json`: `pluginReports[].violations[]`, flattened per construct. */
interface Finding {
  plugin: string;
  rule: string;
  description: string;
  path: string;
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; description: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * Builds the app as `cdk synth` does (cdk.json context, AwsSolutionsChecks attached; bundling skipped, it does not
 * change what cdk-nag sees), lets the test change it, synthesizes, and returns every unacknowledged finding.
 * An in-memory synth throws `ValidationFailed` when there are findings: the report on disk is the source of truth.
 */
function nagFindings(change?: (app: App, stack: CostlineStack) => void, context: Record<string, unknown> = {}): Finding[] {
  const outdir = mkdtempSync(join(tmpdir(), 'costline-nag-'));
  outdirs.push(outdir);
  const { app, stack } = buildCostlineApp(testApp({ outdir, context }));
  change?.(app, stack);
  let failure: unknown;
  try {
    app.synth();
  } catch (error) {
    failure = error;
  }
  const reportFile = join(outdir, 'validation-report.json');
  if (!existsSync(reportFile)) throw new Error(`synth wrote no validation report`, { cause: failure });
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => ({ plugin: plugin.pluginName, rule: v.ruleName, description: v.description, path: c.constructPath })),
    ),
  );
  if (failure && findings.length === 0) throw failure; // failed for another reason than findings
  return findings;
}

/** The app built from the repository's config changed by `change` reports no unacknowledged finding. */
function expectNoFindingsWith(change: (raw: Record<string, any>) => void): void {
  const raw = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Record<string, any>;
  change(raw);
  const dir = mkdtempSync(join(tmpdir(), 'costline-nag-config-'));
  outdirs.push(dir);
  const config = join(dir, 'costline.config.json');
  writeFileSync(config, JSON.stringify(raw));
  const findings = nagFindings(undefined, { config });
  if (findings.length > 0) {
    console.error(`Unacknowledged findings:\n${findings.map((f) => `  ${f.rule} at ${f.path} (${f.plugin}): ${f.description}`).join('\n')}`);
  }
  expect(findings).toEqual([]);
}

describe('cdk-nag AwsSolutions checks', () => {
  it('report no unacknowledged finding on the costline app', () => {
    const findings = nagFindings();
    if (findings.length > 0) {
      console.error(`Unacknowledged findings:\n${findings.map((f) => `  ${f.rule} at ${f.path} (${f.plugin}): ${f.description}`).join('\n')}`);
    }
    expect(findings).toEqual([]);
  });

  it.each([
    ['without a payer role', {}],
    ['with the payer role', { roleArn: 'arn:aws:iam::111111111111:role/Costline-cost-read', externalId: 'costline-test-external-id' }],
  ])('report no unacknowledged finding in data-exports mode %s (export, bucket and read grants)', (_name, aws) => {
    expectNoFindingsWith((raw) => Object.assign(raw.sources.aws, { mode: 'data-exports', dataExports: { bucket: 'acme-billing-export', prefix: 'cur2', exportName: 'costline-cur2-daily' }, ...aws }));
  });

  it('report no unacknowledged finding with the Athena engine (Glue table, workgroup, results bucket, query grants)', () => {
    expectNoFindingsWith((raw) => Object.assign(raw.sources.aws, { mode: 'data-exports', engine: 'athena', dataExports: { bucket: 'acme-billing-export', prefix: 'cur2', exportName: 'costline-cur2-daily' } }));
  });

  it('report no unacknowledged finding with FOCUS file sources (a prefix, and a whole bucket)', () => {
    expectNoFindingsWith((raw) => {
      raw.sources.focus = [
        { id: 'azure', bucket: 'acme-azure-exports', prefix: 'exports/focus/' },
        { id: 'litellm', bucket: 'acme-litellm', prefix: '' },
      ];
    });
  });

  it('do report a non-compliant resource, and an acknowledgement silences exactly its rule', () => {
    // Guards the test above against passing vacuously (plugin not attached, report not read).
    const findings = nagFindings((_app, stack) => {
      const queue = new Queue(stack, 'NonCompliant', { encryption: QueueEncryption.UNENCRYPTED });
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'test: proves the acknowledgement id format' });
    });
    expect(findings.map((f) => `${f.rule} ${f.path}`).sort()).toEqual([
      'AwsSolutions-SQS2 Costline/NonCompliant/Resource',
      'AwsSolutions-SQS4 Costline/NonCompliant/Resource',
    ]);
  });

  it('are acknowledged only where reviewed, each next to its construct with a reason', () => {
    const { app } = buildCostlineApp(testApp());
    const acknowledged = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => ({ path: c.node.path, data: m.data as Record<string, string> })))
      .flatMap(({ path, data }) => Object.entries(data).map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), path, reason })));
    expect(acknowledged.map((a) => `${a.id} ${a.path}`).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*] Costline/Ingest/CostExplorerRead',
      'AwsSolutions-IAM5[Resource::*] CostlinePayerAccess/CostExplorerRead',
      'AwsSolutions-IAM5[Resource::<StatementsBucket0C080814.Arn>/statements/*] Costline/Statement/StatementsWrite',
      'AwsSolutions-SQS3 Costline/Ingest/DeadLetterQueue',
      'AwsSolutions-SQS3 Costline/Statement/DeadLetterQueue',
      'AwsSolutions-SQS3 Costline/Usage/DeadLetterQueue',
    ]);
    for (const a of acknowledged) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(60);
  });
});
