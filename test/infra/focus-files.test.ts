import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCostlineApp } from '../../infra/costline-app';
import { CONFIG_FILE, testApp } from './support';
import { ref, type Resource } from './template-queries';

const dir = mkdtempSync(join(tmpdir(), 'costline-focus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FOCUS = [
  { id: 'azure', bucket: 'acme-azure-exports', prefix: 'exports/focus/' },
  { id: 'litellm', bucket: 'acme-litellm', prefix: '' },
  { id: 'old-gcp', bucket: 'acme-gcp', prefix: 'focus/', enabled: false },
];

/** The app built from the repository's config with FOCUS file sources. */
function build() {
  const raw = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Record<string, any>;
  raw.sources.focus = FOCUS;
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(raw));
  const { stack } = buildCostlineApp(testApp({ context: { config: file } }), {});
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

function statementsFor(stack: Stack, template: Template, role: IConstruct): Statement[] {
  const roleRef = JSON.stringify(ref(stack, role));
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === roleRef))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${rest}`]] });

describe('FOCUS file sources in the stack', () => {
  it('lets only the ingest function list and read each enabled prefix, and nothing of a disabled one', () => {
    const { stack, template } = build();
    const read = statementsFor(stack, template, stack.ingest.role).filter((s) => /Focus/.test(s.Sid ?? ''));
    expect(read).toEqual([
      { Sid: 'ReadFocusFilesAzure', Effect: 'Allow', Action: 's3:GetObject', Resource: arn('acme-azure-exports/exports/focus/*') },
      { Sid: 'ListFocusPrefixAzure', Effect: 'Allow', Action: 's3:ListBucket', Resource: arn('acme-azure-exports'), Condition: { StringLike: { 's3:prefix': ['exports/focus/*'] } } },
      { Sid: 'ReadFocusFilesLitellm', Effect: 'Allow', Action: 's3:GetObject', Resource: arn('acme-litellm/*') },
      { Sid: 'ListFocusPrefixLitellm', Effect: 'Allow', Action: 's3:ListBucket', Resource: arn('acme-litellm') },
    ]);
    expect(JSON.stringify(template.toJSON())).not.toContain('acme-gcp');
    expect(statementsFor(stack, template, stack.statement.role).filter((s) => /Focus/.test(s.Sid ?? ''))).toEqual([]);
  });

  it('watches each enabled FOCUS source with a stale-data alarm on its source id', () => {
    const { template } = build();
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>).map((a) => a.Properties.AlarmName as string);
    expect(names.filter((n) => n.includes('focus:'))).toEqual([expect.stringMatching(/-focus:azure-stale-data$/), expect.stringMatching(/-focus:litellm-stale-data$/)]);
  });
});
