import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  GraphWidgetView,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { TELEMETRY } from '../../functions/lib/telemetry';
import type { ScheduledFunction } from './scheduled-function';

/** Hours after which a source's data counts as stale: the stale-data alarms' window, drawn on the age graph. */
export const STALE_AFTER_HOURS = 36;

/** Properties of an {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  /** The enabled sources' ids (`SOURCE_IDS`), one line each. */
  readonly sources: readonly string[];
  /** The jobs, by name (`Ingest`, `Usage`, `Statement`). */
  readonly jobs: ReadonlyArray<readonly [name: string, job: ScheduledFunction]>;
  /** Every alarm of the stack, shown with its state. */
  readonly alarms: readonly IAlarm[];
}

/**
 * One CloudWatch dashboard, `<stack name>-operations`: the state of every alarm; each job's runs, errors and dead
 * letters (AWS/Lambda and AWS/SQS metrics); per source, its successful and failed runs, records and requests and
 * the age of its data; and the alerts sent. The per-source figures are the EMF metrics of the ingestion jobs
 * (`TELEMETRY`, with the `service` and `source` dimensions Powertools emits), so the dashboard needs nothing
 * the functions do not already report.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    const day = Duration.days(1);
    const perSource = (metricName: string, statistic: string, source: string, period = day) =>
      new Metric({ namespace: TELEMETRY.namespace, metricName, dimensionsMap: { [TELEMETRY.serviceDimension]: TELEMETRY.serviceName, [TELEMETRY.sourceDimension]: source }, statistic, period, label: source });
    const failedRuns = (source: string, i: number): IMetric =>
      new MathExpression({
        // Each run reports 1 or 0: runs (SampleCount) less successes (Sum) are the failed runs.
        expression: `runs${i} - ok${i}`,
        usingMetrics: { [`runs${i}`]: perSource(TELEMETRY.ingestionSucceeded, 'SampleCount', source), [`ok${i}`]: perSource(TELEMETRY.ingestionSucceeded, 'Sum', source) },
        label: source,
        period: day,
      });
    const bars = { view: GraphWidgetView.BAR, width: 8, height: 6 } as const;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-operations`,
      defaultInterval: Duration.days(14),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# ${stackName}: operations\n` +
          `Per day unless stated. A source's data is stale after ${STALE_AFTER_HOURS} hours without a successful run (its stale-data alarm). ` +
          'What each alarm means, and what to do, is in its description and in the README (Operations, Troubleshooting).',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }));
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Runs per job (invocations)', left: props.jobs.map(([name, job]) => job.function.metricInvocations({ period: day, label: name })), ...bars }),
      new GraphWidget({ title: 'Errors per job (failed runs, retries included)', left: props.jobs.map(([name, job]) => job.function.metricErrors({ period: day, label: name })), ...bars }),
      new GraphWidget({
        title: 'Dead letters waiting, per job',
        left: props.jobs.map(([name, job]) => job.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.hours(1), statistic: 'Maximum', label: name })),
        width: 8,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Successful runs per source', left: props.sources.map((s) => perSource(TELEMETRY.ingestionSucceeded, 'Sum', s)), ...bars }),
      new GraphWidget({ title: 'Failed runs per source', left: props.sources.map((s, i) => failedRuns(s, i)), ...bars }),
      new GraphWidget({ title: 'Alerts sent', left: [new Metric({ namespace: TELEMETRY.namespace, metricName: TELEMETRY.alertsSent, dimensionsMap: { [TELEMETRY.serviceDimension]: TELEMETRY.serviceName }, statistic: 'Sum', period: day, label: 'alerts' })], ...bars }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Records stored per source', left: props.sources.map((s) => perSource(TELEMETRY.recordsIngested, 'Sum', s)), ...bars }),
      new GraphWidget({ title: 'Requests to the provider per source', left: props.sources.map((s) => perSource(TELEMETRY.sourceRequests, 'Sum', s)), ...bars }),
      new GraphWidget({
        title: 'Age of each source\'s data (hours since its last successful run)',
        left: props.sources.map((s) => perSource(TELEMETRY.dataAgeHours, 'Maximum', s, Duration.hours(1))),
        leftAnnotations: [{ value: STALE_AFTER_HOURS, label: 'stale' }],
        leftYAxis: { min: 0, label: 'hours', showUnits: false },
        width: 8,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Data age at the latest run of each source, hours',
        metrics: props.sources.map((s) => perSource(TELEMETRY.dataAgeHours, 'Maximum', s, Duration.hours(1))),
        width: 24,
        height: 3,
      }),
    );
  }
}
