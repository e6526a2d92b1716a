import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { expect } from 'vitest';
import type { CostlineConfig } from '../../functions/config/load-config';
import { matchesFilterPolicy } from '../../local/emulators/sns-server';
import { CostlineStack } from '../../infra/costline-stack';
import type { ScheduledFunction } from '../../infra/constructs/scheduled-function';
import { CONFIG_FILE, testApp, testConfig } from './support';

/** What the stack tests ask of a synthesized CostlineStack: the stack and template, resources, IAM and subscriptions. */

export function synth(config: CostlineConfig = testConfig()): { stack: CostlineStack; template: Template } {
  const stack = new CostlineStack(testApp(), 'Costline', { config, configFile: CONFIG_FILE });
  return { stack, template: Template.fromStack(stack) };
}

export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The one resource of `type` matching `props` (throws unless exactly one). */
export function only(template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, { Properties: props }) as Record<string, Resource>);
  expect(found, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
}

/** Logical id of a construct's CloudFormation resource, and the two ways the template refers to it. */
export const idOf = (stack: Stack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
export const ref = (stack: Stack, construct: IConstruct) => ({ Ref: idOf(stack, construct) });
export const getAtt = (stack: Stack, construct: IConstruct, attribute: string) => ({ 'Fn::GetAtt': [idOf(stack, construct), attribute] });

/** Every action allowed by the IAM policies attached to the function's role. */
export function allowedActions(stack: Stack, template: Template, job: ScheduledFunction): string[] {
  const roleId = idOf(stack, job.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter((p) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
  return policies.flatMap((p) => (p.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[] }[]))
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => [s.Action].flat());
}

/** Every identity-policy statement of the stack: IAM policies and roles' inline policies. */
export function allStatements(template: Template): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).map((p) => p.Properties.PolicyDocument);
  const inline = Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>).flatMap((r) => (r.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument));
  return [...policies, ...inline].flatMap((d) => d.Statement);
}

/** Every SNS subscription of the template: its topic's logical id, endpoint and filter policy. */
export function subscriptionsOf(template: Template): { topic: string; endpoint: string; filterPolicy: unknown }[] {
  return Object.values(template.findResources('AWS::SNS::Subscription') as Record<string, Resource>).map((s) => ({
    topic: (s.Properties.TopicArn as { Ref: string }).Ref,
    endpoint: s.Properties.Endpoint as string,
    filterPolicy: s.Properties.FilterPolicy,
  }));
}

/** One topic's subscriptions, endpoint to filter policy. */
export function subscriptionsTo(stack: Stack, template: Template, topic: IConstruct): Map<string, unknown> {
  return new Map(subscriptionsOf(template).filter((s) => s.topic === idOf(stack, topic)).map((s) => [s.endpoint, s.filterPolicy]));
}

/** The endpoints of one topic whose filter policy accepts a message with these (String) attributes, lowercased. */
export function receivers(subscriptions: Map<string, unknown>, attributes: Record<string, string>): string[] {
  const message = Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
  return [...subscriptions].filter(([, policy]) => policy === undefined || matchesFilterPolicy(policy, message)).map(([endpoint]) => endpoint.toLowerCase()).sort();
}
