import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * The single table holding cost records, chargebacks and alert state: `pk`/`sk`, no index. Every read the jobs
 * make is a Query on one partition or a GetItem (the key layout is in `functions/adapters/dynamodb/keys.ts`).
 *
 * Encryption: the AWS managed key (`aws/dynamodb`). Unlike the default AWS owned key, its use shows in
 * CloudTrail; unlike a customer managed key it needs no key policy, no extra grants in every reader's role and
 * no monthly key fee. Billing data is internal but not secret enough to need separately controlled key access:
 * whoever may read the table may read the data. Switch to `TableEncryption.CUSTOMER_MANAGED` if that changes;
 * `ScheduledFunction.grantTableReadWrite` already grants the key when the table has one.
 */
export class CostTable extends Construct {
  readonly table: Table;
  /** Index names, for grants that name each index instead of `index/*` (none: the jobs need none). */
  readonly indexNames: readonly string[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      // Restated bills and past statements cannot be re-derived once Cost Explorer's 13 months have passed.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
