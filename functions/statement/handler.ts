import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { configWarnings } from '../config/config-schema';
import { loadConfigFile } from '../config/load-config';
import { addMonths, isMonth, monthOf, toDay } from '../domain/dates';
import { buildStores, createClients, publisher, systemClock } from '../shared/compose';
import { deployedConfigPath, requireEnv } from '../shared/environment';
import { publishStatement } from '../use-cases/publish-statement';

const logger = new Logger();
const config = loadConfigFile(deployedConfigPath());
for (const warning of configWarnings(config)) logger.warn(`config: ${warning}`);
const clients = createClients();
const stores = buildStores(clients, requireEnv('TABLE_NAME'));
const statements = publisher(clients, requireEnv('STATEMENTS_TOPIC_ARN'));

/** `{}` from the monthly schedule (the previous month); `{ "month": "2026-10" }` on demand. */
const eventSchema = z.object({ month: z.string().refine(isMonth, { error: 'expected a YYYY-MM month' }).optional() }).strict();

export const handler = async (event: unknown): Promise<void> => {
  const { month = addMonths(monthOf(toDay(systemClock.now())), -1) } = eventSchema.parse(event ?? {});
  try {
    const { chargeback, messageId } = await publishStatement({ ...stores, statements, clock: systemClock, config }, month);
    logger.info('statement published', { month, status: chargeback.status, total: chargeback.total, unallocated: chargeback.unallocated, messageId });
  } catch (error) {
    logger.error('statement failed', { month, error });
    throw error;
  }
};
