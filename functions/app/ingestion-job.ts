import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { secretsManagerReader } from '../adapters/secrets/secret-readers';
import { configWarnings } from '../config/config-schema';
import { loadConfigFile } from '../config/load-config';
import { IngestionFailedError, type IngestOptions, type IngestSummary } from '../use-cases/ingest-billing';
import { backfill, BackfillFailedError } from '../use-cases/backfill';
import { runDailyIngestion, type DailyRunResult } from '../use-cases/run-daily';
import { addMonths, monthOf, toDay, type DayWindow } from '../domain/records/dates';
import type { Clock } from '../ports/ports';
import { baseUrlsFromEnv, costExplorerRoleOf, createClients, dailyDeps, systemClock } from './compose';
import { deployedConfigPath, requireEnv } from './environment';
import { TELEMETRY } from '../lib/telemetry';

/** Leave this much of the Lambda's time for writing, evaluating and logging after the last request. */
const DEADLINE_MARGIN_MS = 30_000;

/**
 * The cold-start half of an ingestion Lambda (the daily job and the hourly usage job): config, clients,
 * stores and sources built once at module load, so a misconfigured function fails at cold start, and
 * admin keys read from Secrets Manager (cached) only when a source needs them. Every "today" and "this
 * month" comes from `clock`: the system's in AWS, a pinned one in tests.
 */
export function createIngestionJob(name: string, usageBucketWidth: '1h' | '1d', clock: Clock = systemClock) {
  const logger = new Logger();
  const metrics = new Metrics({ namespace: TELEMETRY.namespace, serviceName: TELEMETRY.serviceName });
  const config = loadConfigFile(deployedConfigPath());
  for (const warning of configWarnings(config)) logger.warn(`config: ${warning}`);
  const deps = dailyDeps({
    config,
    clients: createClients({ costExplorerRole: costExplorerRoleOf(config) }),
    tableName: requireEnv('TABLE_NAME'),
    alertsTopicArn: requireEnv('ALERTS_TOPIC_ARN'),
    clock,
    log: logger,
    access: { secret: (provider) => secretsManagerReader(config.sources[provider].adminKeySecret), baseUrls: baseUrlsFromEnv(), usageBucketWidth },
  });

  /**
   * Per source of the run: success (1) or failure (0), the records and requests of a success, and the age of the
   * source's data (the stale-data alarm and the dashboard read these; `functions/lib/telemetry.ts`).
   */
  const recordOutcomes = async (summary: IngestSummary) => {
    for (const outcome of summary.outcomes) {
      if (outcome.ok) {
        emit(outcome.source, TELEMETRY.ingestionSucceeded, 1);
        emit(outcome.source, TELEMETRY.recordsIngested, outcome.records);
        emit(outcome.source, TELEMETRY.sourceRequests, outcome.requests);
        emit(outcome.source, TELEMETRY.dataAgeHours, 0);
      } else {
        emit(outcome.source, TELEMETRY.ingestionSucceeded, 0);
        const age = await dataAgeHours(outcome.source).catch(() => undefined);
        if (age !== undefined) emit(outcome.source, TELEMETRY.dataAgeHours, age);
      }
    }
  };
  /** One EMF line per value: a single metric publishes (and forgets its dimensions) at its first addMetric. */
  const emit = (source: string, name: string, value: number) => {
    const metric = metrics.singleMetric();
    metric.addDimension(TELEMETRY.sourceDimension, source);
    metric.addMetric(name, MetricUnit.Count, value);
  };
  /** Hours since the source's last success: its latest `lastPulledAt` this month or last (every pull covers one of them). */
  const dataAgeHours = async (source: string): Promise<number | undefined> => {
    const month = monthOf(toDay(clock.now()));
    const states = await Promise.all([month, addMonths(month, -1)].map((m) => deps.state.getMonthState(source, m)));
    const last = Math.max(...states.map((s) => (s ? Date.parse(s.lastPulledAt) : Number.NEGATIVE_INFINITY)));
    return Number.isFinite(last) ? Math.max(0, Math.round((clock.now().getTime() - last) / 360_000) / 10) : undefined;
  };
  const recordAlerts = (count: number) => {
    const metric = metrics.singleMetric();
    metric.addMetric(TELEMETRY.alertsSent, MetricUnit.Count, count);
  };

  /** Runs ingestion and alert evaluation, logs one summary line, records metrics, re-throws on failure. */
  const run = async (options: () => IngestOptions, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DailyRunResult> => {
    try {
      const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS : undefined;
      const result = await runDailyIngestion(deps, { ...options(), ...(deadline ? { deadline } : {}) });
      await recordOutcomes(result.ingestion);
      recordAlerts(result.evaluations.reduce((n, e) => n + e.fired.length, 0));
      logger.info(`${name} done`, { ingestion: result.ingestion, alertsFired: result.evaluations.flatMap((e) => e.fired.map((a) => a.key)) });
      return result;
    } catch (error) {
      if (error instanceof IngestionFailedError) await recordOutcomes(error.summary);
      logger.error(`${name} failed`, { error });
      throw error;
    }
  };
  /**
   * A backfill: month by month until done or the deadline is near. Stopping for time is not a failure
   * (a retry of the same event would start over): it returns, and logs, where to resume.
   */
  const runBackfill = async (window: DayWindow, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<{ done: string[]; resumeWith?: { from: string; to: string } }> => {
    const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS : undefined;
    try {
      const result = await backfill(deps, window, {
        ...(deadline ? { deadline } : {}),
        onMonth: (month, r, i, n) => {
          recordOutcomes(r.ingestion).catch((error: unknown) => logger.warn('backfill: metrics not recorded', { error }));
          logger.info(`backfill ${i + 1}/${n}: ${month} done`, { ingestion: r.ingestion });
        },
      });
      const done = result.done.map((d) => d.month);
      if (!result.remaining) return { done };
      const resumeWith = { from: result.remaining.start, to: result.remaining.end };
      logger.warn('backfill stopped before the deadline; invoke again to continue', { done, resumeWith });
      return { done, resumeWith };
    } catch (error) {
      if (error instanceof IngestionFailedError) await recordOutcomes(error.summary);
      // Months that succeeded recorded their metrics as they finished; within failed months, some sources may have.
      if (error instanceof BackfillFailedError) for (const f of error.failed) await recordOutcomes(f.error.summary);
      logger.error(`${name} backfill failed (re-running it is safe)`, { error });
      throw error;
    }
  };
  return { run, runBackfill, logger, config, clock };
}
