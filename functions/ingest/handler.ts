import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { isDay } from '../domain/dates';
import { createIngestionJob } from '../shared/ingestion-job';

const job = createIngestionJob('daily ingestion', '1d');

const day = z.string().refine(isDay, { error: 'expected a YYYY-MM-DD day' });
/** `{}` from the schedule; `{ "from": "2026-09-01", "to": "2026-11-01" }` (to exclusive) to backfill. */
const eventSchema = z.union([z.object({ from: day, to: day }).refine((e) => e.from < e.to, { error: 'from must be before to' }), z.object({}).strict()]);

/** Daily: every enabled source (Cost Explorer, model-provider costs and usage), then budget alerts. */
export const handler = async (event: unknown, context?: Context): Promise<void> => {
  await job.run(() => {
    const parsed = eventSchema.parse(event ?? {});
    return 'from' in parsed ? { window: { start: parsed.from, end: parsed.to } } : {};
  }, context);
};
