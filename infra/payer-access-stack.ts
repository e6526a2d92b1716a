import { Aws, CfnOutput, CfnParameter, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccountPrincipal, Policy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { BillingExport } from './constructs/billing-export';
import { attachExportRead, type DataExportsLocation } from './constructs/data-exports-read';
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
  /** `sources.aws.mode: "data-exports"`; absent in Cost Explorer mode. */
  readonly dataExports?: PayerDataExports;
}

/** What the payer-account template holds in data-exports mode. */
export interface PayerDataExports {
  /** `sources.aws.dataExports`: where the export is delivered. */
  readonly location: DataExportsLocation;
  /** Create the export, its bucket and bucket policy here (`-c createExport`, default true); false: adopt existing ones. */
  readonly create: boolean;
  /**
   * Create the role costline assumes (`sources.aws.roleArn` is set: costline runs in a member account). The role
   * may then read the export and nothing else. Without it, costline runs in this account and reads the export
   * with its own function role.
   */
  readonly readRole: boolean;
}

/** The payer role's name for a costline stack: `sources.aws.roleArn` is `arn:aws:iam::<payer account>:role/<this>`. */
export function payerRoleName(workloadStackName: string): string {
  return `${workloadStackName}-cost-read`;
}

/**
 * The one role costline needs in the management (payer) account when it runs in a member account: read Cost
 * Explorer, or in data-exports mode the billing export's objects, nothing else.
 *
 * In data-exports mode the template also holds the CUR 2.0 export, its bucket and bucket policy
 * ({@link BillingExport}), unless they are adopted; it must then be deployed in us-east-1, where Data Exports runs
 * (the role is global, so its region does not matter). Without `sources.aws.roleArn` it holds no role.
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
  /** The role costline assumes; absent in data-exports mode without `sources.aws.roleArn`. */
  readonly role?: Role;
  /** The export, its bucket and bucket policy, in data-exports mode unless adopted (`-c createExport=false`). */
  readonly billingExport?: BillingExport;

  constructor(scope: Construct, id: string, props: PayerAccessStackProps) {
    super(scope, id, props);
    const { dataExports } = props;
    if (!dataExports || dataExports.readRole) {
      this.role = this.readRole(props);
      if (dataExports) attachExportRead(this, 'BillingExportRead', this.role, dataExports.location);
      else this.attachCostExplorerRead(this.role);
      new CfnOutput(this, 'RoleArn', { value: this.role.roleArn, description: 'Put this in sources.aws.roleArn of the costline config' });
    }
    if (dataExports?.create) {
      this.billingExport = new BillingExport(this, 'BillingExport', { location: dataExports.location });
      new CfnOutput(this, 'BillingExportArn', { value: this.billingExport.export.attrExportArn, description: 'The CUR 2.0 export costline reads (AWS Data Exports)' });
      new CfnOutput(this, 'BillingExportBucketName', {
        value: this.billingExport.bucket.bucketName,
        description: 'sources.aws.dataExports.bucket: where the export is delivered (kept when the stack is deleted)',
      });
    }
  }

  /** The role, trusted by the costline stack's function roles only, with the external id. */
  private readRole(props: PayerAccessStackProps): Role {
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
    const reads = props.dataExports ? 'the billing export' : 'Cost Explorer';
    return new Role(this, 'CostRead', {
      roleName: payerRoleName(props.workloadStackName),
      description: `costline ${props.workloadStackName}: read ${reads} for the organisation, assumed by its ingest function`,
      assumedBy: new AccountPrincipal(workloadAccount.valueAsString).withConditions({
        StringEquals: { 'sts:ExternalId': externalId.valueAsString },
        ArnLike: { 'aws:PrincipalArn': functionRoles },
      }),
      // costline asks for one-hour sessions and renews them; nothing needs longer.
      maxSessionDuration: Duration.hours(1),
    });
  }

  private attachCostExplorerRead(role: Role): void {
    const read = new Policy(this, 'CostExplorerRead', {
      roles: [role],
      statements: [new PolicyStatement({ actions: [...PAYER_READ_ACTIONS], resources: ['*'] })],
    });
    Validations.of(read).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Cost Explorer has no resource-level permissions: ce:GetCostAndUsage only accepts Resource "*" (Service Authorization Reference). The policy holds this one read-only action and nothing else.',
    });
  }
}
