import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { configWarnings } from '../config/config-schema';
import { loadConfigFile } from '../config/load-config';
import { addMonths, isMonth, monthOf, toDay } from '../domain/records/dates';
import type { Clock } from '../ports/ports';
import { buildStores, createClients, publisher, systemClock } from '../app/compose';
import { deployedConfigPath, requireEnv } from '../app/environment';
import { S3StatementArchive, STATEMENTS_PREFIX } from '../adapters/s3/s3-statement-archive';
import { publishStatement } from '../use-cases/publish-statement';

/**
 * `{}` from the schedule: the previous month's final statement, once (skipped until it is final).
 * `{ "month": "2026-10" }` on demand: what the month is now (final, closed once; or preliminary).
 * `{ "month": "2026-10", "resend": true }`: republish a final statement exactly as it was sent.
 */
const eventSchema = z
  .object({ month: z.string().refine(isMonth, { error: 'expected a YYYY-MM month' }).optional(), resend: z.boolean().optional() })
  .strict()
  .refine((e) => !e.resend || e.month, { error: 'resend needs a month' });

/**
 * Builds the statement job at cold start (config, clients, stores read once) on a clock: the system's in
 * AWS, a pinned one in tests, so "last month" never depends on the day the code runs.
 */
export function createStatementHandler(clock: Clock = systemClock) {
  const logger = new Logger();
  const config = loadConfigFile(deployedConfigPath());
  for (const warning of configWarnings(config)) logger.warn(`config: ${warning}`);
  const clients = createClients();
  const stores = buildStores(clients, requireEnv('TABLE_NAME'));
  const statements = publisher(clients, requireEnv('STATEMENTS_TOPIC_ARN'));
  // Lambda sets AWS_REGION; the bucket is in the stack's region, which the console link names.
  const archive = new S3StatementArchive(clients.s3, requireEnv('STATEMENTS_BUCKET'), STATEMENTS_PREFIX, process.env.AWS_REGION);

  return async (event: unknown): Promise<{ outcome: string }> => {
    let month: string | undefined;
    try {
      const parsed = eventSchema.parse(event ?? {});
      month = parsed.month ?? addMonths(monthOf(toDay(clock.now())), -1);
      const mode = parsed.resend ? 'resend' : parsed.month ? 'on-demand' : 'scheduled';
      const { outcome, chargeback, messageId, late } = await publishStatement({ ...stores, statements, archive, clock, config }, month, mode);
      // `late`: closed months whose statement an earlier run had not got SNS to accept, sent by this run first.
      logger.info('statement done', { month, mode, outcome, status: chargeback.status, total: chargeback.total, adjustments: chargeback.adjustmentsTotal, messageId, late });
      return { outcome };
    } catch (error) {
      logger.error('statement failed', { month, error });
      throw error;
    }
  };
}

/** The deployed handler, on the system clock. */
export const handler = createStatementHandler();
