import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TELEMETRY } from '../../functions/lib/telemetry';

/** One window of 36 hours: the daily job runs once a day, so a healthy source has one or two runs in it. */
const WINDOW = Duration.hours(36);
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
 * Alarms when a billing source has not been ingested successfully for 36 hours while its jobs kept running, and
 * notifies too when its jobs stop reporting at all; stays quiet on the first deploy, before the first run.
 *
 * Watches `TELEMETRY.namespace`/`TELEMETRY.ingestionSucceeded` with the dimensions the ingestion jobs emit
 * (`functions/app/ingestion-job.ts`): `source`, and the `service` dimension Powertools Metrics adds to every
 * metric. Each run reports 1 (ingested) or 0 (failed) per source, so over one 36-hour window:
 * - Maximum 1: at least one success, OK (a source pulled by two jobs, model usage, is fresh when either succeeds);
 * - Maximum 0: runs, but none succeeded: ALARM;
 * - no data at all (schedule disabled, function failing before it reports): INSUFFICIENT_DATA, which notifies the
 *   same topic. Missing data is treated as missing, not breaching: a new alarm starts in INSUFFICIENT_DATA and
 *   stays there without notifying until the first run reports, so a fresh deploy raises no false alarm.
 */
export class StaleDataAlarm extends Construct {
  readonly alarm: Alarm;
  /** The source watched. */
  readonly source: string;

  constructor(scope: Construct, id: string, props: StaleDataAlarmProps) {
    super(scope, id);
    this.source = props.source;
    const hours = WINDOW.toHours();
    const jobs = (props.pulledBy ?? ['Ingest']).map((job) => job.toLowerCase());
    const several = jobs.length > 1;
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: `${Stack.of(this).stackName}-${props.source}-stale-data`,
      alarmDescription:
        `No successful ingestion of the "${props.source}" source for ${hours} hours ` +
        `(${TELEMETRY.namespace}/${TELEMETRY.ingestionSucceeded} ${TELEMETRY.sourceDimension}=${props.source}: every run of the last ${hours} hours reported 0; ` +
        `INSUFFICIENT_DATA after the first run means no run reported at all). ` +
        'Budget alerts and statements are working from stale data. ' +
        `What to do: check the Errors alarm, the log group and the dead-letter queue of the ${jobs.join(' and ')} function${several ? 's' : ''}, ` +
        `and that ${several ? 'their schedules are' : 'its schedule is'} enabled; fix the cause, then run a backfill as described in the README.`,
      metric: new Metric({
        namespace: TELEMETRY.namespace,
        metricName: TELEMETRY.ingestionSucceeded,
        dimensionsMap: { [TELEMETRY.serviceDimension]: TELEMETRY.serviceName, [TELEMETRY.sourceDimension]: props.source },
        statistic: 'Maximum',
        period: WINDOW,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.MISSING,
    });
    const action = new SnsAction(props.topic);
    this.alarm.addAlarmAction(action);
    // Silence after the first run: the jobs stopped reporting (their Errors alarms say why, if they ran).
    this.alarm.addInsufficientDataAction(action);
  }
}
