import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { configWarnings } from '../config/config-schema';
import { loadConfigFile } from '../config/load-config';
import { isDay } from '../domain/dates';
import { createClients, dailyDeps, systemClock } from '../shared/compose';
import { deployedConfigPath, requireEnv } from '../shared/environment';
import { TELEMETRY } from '../shared/telemetry';
import { IngestionFailedError, type IngestSummary } from '../use-cases/ingest-billing';
import { runDailyIngestion } from '../use-cases/run-daily';

// Read once at cold start: a misconfigured function fails here, not halfway through a run.
const logger = new Logger();
const metrics = new Metrics({ namespace: TELEMETRY.namespace, serviceName: TELEMETRY.serviceName });
const config = loadConfigFile(deployedConfigPath());
for (const warning of configWarnings(config)) logger.warn(`config: ${warning}`);
const deps = dailyDeps({ config, clients: createClients(), tableName: requireEnv('TABLE_NAME'), alertsTopicArn: requireEnv('ALERTS_TOPIC_ARN'), clock: systemClock, log: logger });

const day = z.string().refine(isDay, { error: 'expected a YYYY-MM-DD day' });
/** `{}` from the schedule; `{ "from": "2026-09-01", "to": "2026-11-01" }` (to exclusive) to backfill. */
const eventSchema = z.union([z.object({ from: day, to: day }).refine((e) => e.from < e.to, { error: 'from must be before to' }), z.object({}).strict()]);

/** One metric per source that succeeded: the stale-data alarm fires when it is missing for 36 hours. */
function recordSuccesses(summary: IngestSummary): void {
  for (const outcome of summary.outcomes.filter((o) => o.ok)) {
    const metric = metrics.singleMetric();
    metric.addDimension('source', outcome.source);
    metric.addMetric(TELEMETRY.ingestionSucceeded, MetricUnit.Count, 1);
  }
}

export const handler = async (event: unknown): Promise<void> => {
  try {
    const parsed = eventSchema.parse(event ?? {});
    const window = 'from' in parsed ? { start: parsed.from, end: parsed.to } : undefined;
    const result = await runDailyIngestion(deps, window ? { window } : {});
    recordSuccesses(result.ingestion);
    logger.info('daily ingestion done', { ingestion: result.ingestion, alertsFired: result.evaluations.flatMap((e) => e.fired.map((a) => a.key)) });
  } catch (error) {
    if (error instanceof IngestionFailedError) recordSuccesses(error.summary);
    logger.error('daily ingestion failed', { error });
    throw error;
  }
};
