import type { CostlineConfig } from '../config/config-schema';
import { buildChargeback, type Chargeback } from '../domain/chargeback';
import { toDay } from '../domain/dates';
import { renderStatementText } from '../domain/statement-text';
import type { PriceBook } from '../domain/price-book';
import type { ChargebackStore, Clock, CostRecordStore, MessagePublisher, UsageRecordStore } from '../ports/ports';

/** What the statement job needs. */
export interface StatementDeps {
  records: CostRecordStore;
  usage: UsageRecordStore;
  priceBook: PriceBook;
  chargebacks: ChargebackStore;
  statements: MessagePublisher;
  clock: Clock;
  config: CostlineConfig;
}

/** The month's statement, as published. */
export interface PublishedStatement {
  chargeback: Chargeback;
  text: string;
  messageId: string;
}

/** Thrown instead of sending finance a $0.00 statement for a month nothing was ingested for. */
export class EmptyMonthError extends Error {
  override readonly name = 'EmptyMonthError';
}

/** Builds the month's chargeback and publishes the plain-text statement to the statements topic. */
export async function publishStatement(deps: StatementDeps, month: string): Promise<PublishedStatement> {
  const now = deps.clock.now();
  const [records, usage] = await Promise.all([deps.records.listMonth(month), deps.usage.listMonth(month)]);
  if (records.length === 0 && usage.length === 0) {
    throw new EmptyMonthError(`no cost records for ${month}: has ingestion run for it? (backfill with the ingest function's {"from","to"} event)`);
  }
  const chargeback = buildChargeback(records, deps.config, month, toDay(now), { usage, priceBook: deps.priceBook });
  await deps.chargebacks.putChargeback(chargeback, now.toISOString());
  const text = renderStatementText(chargeback);
  const messageId = await deps.statements.publish({
    subject: `costline chargeback statement ${month} (${chargeback.status})`,
    body: text,
    attributes: { kind: 'statement', month, status: chargeback.status },
  });
  return { chargeback, text, messageId };
}
