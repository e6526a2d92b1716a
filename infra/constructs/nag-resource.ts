import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * A resource as cdk-nag names it in a granular finding id (`AwsSolutions-IAM5[Resource::<Bucket1234.Arn>/statements/*]`):
 * the resolved CloudFormation value with `Fn::Join` joined, `Fn::GetAtt` as `<Id.Attribute>` and `Ref` as `<Id>`.
 */
export function nagResource(scope: Construct, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const fn = (node ?? {}) as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [unknown, unknown]; Ref?: unknown };
    if (fn['Fn::Join']) return fn['Fn::Join'][1].map(visit).join(fn['Fn::Join'][0]);
    if (fn['Fn::GetAtt']) return `<${visit(fn['Fn::GetAtt'][0])}.${visit(fn['Fn::GetAtt'][1])}>`;
    if (fn.Ref !== undefined) return `<${visit(fn.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}
