import { Aws, CfnOutput, CfnParameter, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccountPrincipal, Policy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { functionRolePath } from './constructs/function-role-path';

/** The Cost Explorer calls costline makes (functions/sources/cost-explorer): GetCostAndUsage, and nothing else. */
export const PAYER_READ_ACTIONS = ['ce:GetCostAndUsage'] as const;

/** Properties of a {@link PayerAccessStack}. */
export interface PayerAccessStackProps extends StackProps {
  /** The costline stack whose function roles may assume the role (its name is in their IAM path). */
  readonly workloadStackName: string;
  /** Default of the `ExternalId` parameter: `sources.aws.externalId` of the config, when set. */
  readonly defaultExternalId?: string;
  /** Default of the `WorkloadAccountId` parameter (`-c workloadAccount=`). */
  readonly defaultWorkloadAccount?: string;
}

/** The payer role's name for a costline stack: `sources.aws.roleArn` is `arn:aws:iam::<payer account>:role/<this>`. */
export function payerRoleName(workloadStackName: string): string {
  return `${workloadStackName}-cost-read`;
}

/**
 * The one role costline needs in the management (payer) account when it runs in a member account: read Cost
 * Explorer (later also the billing export bucket), nothing else.
 *
 * Trust: the workload account, only for principals whose ARN is under the costline stack's role path
 * (`role/costline/<stack>/...`, given to the function roles alone), and only with the external id. The
 * function roles carry `sts:AssumeRole` on this role only when the config names it, and only the ingest
 * function's role does (the other jobs never read billing).
 *
 * The workload account and the external id are CloudFormation parameters, so the template can also be deployed
 * as is (console, StackSets) without the CDK.
 */
export class PayerAccessStack extends Stack {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PayerAccessStackProps) {
    super(scope, id, props);
    const workloadAccount = new CfnParameter(this, 'WorkloadAccountId', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account id',
      description: `The member account the ${props.workloadStackName} stack is deployed in`,
      ...(props.defaultWorkloadAccount ? { default: props.defaultWorkloadAccount } : {}),
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      minLength: 2,
      maxLength: 1224,
      allowedPattern: '^[\\w+=,.@:/-]+$',
      description: 'sources.aws.externalId of the costline config: AssumeRole must present it',
      ...(props.defaultExternalId ? { default: props.defaultExternalId } : {}),
    });

    const functionRoles = `arn:${Aws.PARTITION}:iam::${workloadAccount.valueAsString}:role${functionRolePath(props.workloadStackName)}*`;
    this.role = new Role(this, 'CostRead', {
      roleName: payerRoleName(props.workloadStackName),
      description: `costline ${props.workloadStackName}: read Cost Explorer for the organisation, assumed by its ingest function`,
      assumedBy: new AccountPrincipal(workloadAccount.valueAsString).withConditions({
        StringEquals: { 'sts:ExternalId': externalId.valueAsString },
        ArnLike: { 'aws:PrincipalArn': functionRoles },
      }),
      // costline asks for one-hour sessions and renews them; nothing needs longer.
      maxSessionDuration: Duration.hours(1),
    });
    const read = new Policy(this, 'CostExplorerRead', {
      roles: [this.role],
      statements: [new PolicyStatement({ actions: [...PAYER_READ_ACTIONS], resources: ['*'] })],
    });
    Validations.of(read).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Cost Explorer has no resource-level permissions: ce:GetCostAndUsage only accepts Resource "*" (Service Authorization Reference). The policy holds this one read-only action and nothing else.',
    });

    new CfnOutput(this, 'RoleArn', { value: this.role.roleArn, description: 'Put this in sources.aws.roleArn of the costline config' });
  }
}
