import type { Context } from 'aws-lambda';
import { addDays, toDay } from '../domain/records/dates';
import type { Clock } from '../ports/ports';
import { createIngestionJob } from '../app/ingestion-job';

/**
 * Hourly: model usage for yesterday and today so far, in 1-hour buckets, then budget alerts on the
 * month to date, where usage the bill does not cover yet is priced from the price book. A spend spike
 * is seen within about an hour, long before the provider's bill for the day arrives. Built at cold start
 * on a clock (the system's in AWS, a pinned one in tests).
 */
export function createUsageHandler(clock?: Clock) {
  const job = createIngestionJob('hourly usage', '1h', clock);
  return async (_event: unknown, context?: Context): Promise<void> => {
    await job.run(() => {
      const today = toDay(job.clock.now());
      return { kinds: ['usage'], window: { start: addDays(today, -1), end: addDays(today, 1) } };
    }, context);
  };
}

/** The deployed handler, on the system clock. */
export const handler = createUsageHandler();
