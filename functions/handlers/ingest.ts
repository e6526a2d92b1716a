import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { isDay } from '../domain/records/dates';
import type { Clock } from '../ports/ports';
import { createIngestionJob } from '../app/ingestion-job';

const day = z.string().refine(isDay, { error: 'expected a YYYY-MM-DD day' });
/** `{}` from the schedule; `{ "from": "2026-09-01", "to": "2026-11-01" }` (to exclusive) to backfill. */
const eventSchema = z.union([z.object({ from: day, to: day }).refine((e) => e.from < e.to, { error: 'from must be before to' }), z.object({}).strict()]);

/**
 * Daily: every enabled source (Cost Explorer, model-provider costs and usage), then budget alerts.
 * Invoked with `{ from, to }`, it backfills month by month and returns where to resume if time runs out.
 * Built at cold start on a clock (the system's in AWS, a pinned one in tests).
 */
export function createIngestHandler(clock?: Clock) {
  const job = createIngestionJob('daily ingestion', '1d', clock);
  return async (event: unknown, context?: Context): Promise<{ done: string[]; resumeWith?: { from: string; to: string } } | void> => {
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
}

/** The deployed handler, on the system clock. */
export const handler = createIngestHandler();
