import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { isDay } from '../domain/dates';
import { createIngestionJob } from '../shared/ingestion-job';

const job = createIngestionJob('daily ingestion', '1d');

const day = z.string().refine(isDay, { error: 'expected a YYYY-MM-DD day' });
/** `{}` from the schedule; `{ "from": "2026-09-01", "to": "2026-11-01" }` (to exclusive) to backfill. */
const eventSchema = z.union([z.object({ from: day, to: day }).refine((e) => e.from < e.to, { error: 'from must be before to' }), z.object({}).strict()]);

/**
 * Daily: every enabled source (Cost Explorer, model-provider costs and usage), then budget alerts.
 * Invoked with `{ from, to }`, it backfills month by month and returns where to resume if time runs out.
 */
export const handler = async (event: unknown, context?: Context): Promise<{ done: string[]; resumeWith?: { from: string; to: string } } | void> => {
  let parsed: z.output<typeof eventSchema>;
  try {
    parsed = eventSchema.parse(event ?? {});
  } catch (error) {
    job.logger.error('ingest: invalid event', { error });
    throw error;
  }
  if ('from' in parsed) return job.runBackfill({ start: parsed.from, end: parsed.to }, context);
  await job.run(() => ({}), context);
};
