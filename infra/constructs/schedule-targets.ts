import { TimeZone } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';

/** A cron expression evaluated in UTC. */
export function utcCron(expression: string): ScheduleExpression {
  return ScheduleExpression.expression(`cron(${expression})`, TimeZone.ETC_UTC);
}

/**
 * `LambdaInvoke` whose role may invoke the unqualified function only. The stock target uses `grantInvoke`, which
 * also allows `<function arn>:*` (every version and alias); the schedule only ever calls `$LATEST`.
 */
export class UnqualifiedLambdaInvoke extends LambdaInvoke {
  constructor(
    private readonly target: IFunction,
    props: ScheduleTargetBaseProps,
  ) {
    super(target, props);
  }

  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }));
  }
}
