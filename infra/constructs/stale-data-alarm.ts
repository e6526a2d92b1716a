import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TELEMETRY } from '../../functions/shared/telemetry';

/** 12 periods of 3 hours: no successful ingestion of a source for 36 hours. */
const PERIOD = Duration.hours(3);
const PERIODS = 12;

/** Properties of a {@link StaleDataAlarm}. */
export interface StaleDataAlarmProps {
  /** The source's id (`Source.id`, e.g. `SOURCE_IDS.aws`): the metric's `source` dimension. */
  readonly source: string;
  /** Topic notified when the alarm fires. */
  readonly topic: ITopic;
  /**
   * The jobs that pull the source (construct ids of their `ScheduledFunction`s, e.g. `Usage`), named in the
   * description as the places to look.
   * @default ['Ingest']
   */
  readonly pulledBy?: readonly string[];
}

/**
 * Alarms when a billing source has not been ingested successfully for 36 hours, whatever the reason (schedule
 * disabled, function failing, permissions revoked, provider down). Missing data counts as breaching: silence is
 * exactly what this alarm is for.
 *
 * Watches `TELEMETRY.namespace`/`TELEMETRY.ingestionSucceeded` with the dimensions the ingestion jobs emit
 * (`functions/shared/ingestion-job.ts`): `source`, and the `service` dimension Powertools Metrics adds to every
 * metric. A source pulled by two jobs (model usage: hourly and daily) is fresh when either succeeds.
 */
export class StaleDataAlarm extends Construct {
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: StaleDataAlarmProps) {
    super(scope, id);
    const hours = PERIOD.toHours() * PERIODS;
    const jobs = (props.pulledBy ?? ['Ingest']).map((job) => job.toLowerCase());
    const several = jobs.length > 1;
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: `${Stack.of(this).stackName}-${props.source}-stale-data`,
      alarmDescription:
        `No successful ingestion of the "${props.source}" source for ${hours} hours ` +
        `(${TELEMETRY.namespace}/${TELEMETRY.ingestionSucceeded} source=${props.source} summed to 0 in every 3-hour period). ` +
        'Budget alerts and statements are working from stale data. ' +
        `What to do: check the Errors alarm, the log group and the dead-letter queue of the ${jobs.join(' and ')} function${several ? 's' : ''}, ` +
        `and that ${several ? 'their schedules are' : 'its schedule is'} enabled; fix the cause, then run a backfill as described in the README.`,
      metric: new Metric({
        namespace: TELEMETRY.namespace,
        metricName: TELEMETRY.ingestionSucceeded,
        dimensionsMap: { service: TELEMETRY.serviceName, source: props.source },
        statistic: 'Sum',
        period: PERIOD,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: PERIODS,
      datapointsToAlarm: PERIODS,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.topic));
  }
}
