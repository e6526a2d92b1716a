import type { CostlineConfig } from '../config/config-schema';
import { withMonthOverMonth } from '../domain/chargeback';
import { addMonths, toDay } from '../domain/dates';
import { priorPeriodAdjustments, statementHash, withAdjustments, type AdjustedChargeback, type ClosedStatement } from '../domain/month-close';
import type { PriceBook } from '../domain/price-book';
import { renderStatementText, renderTeamStatementText } from '../domain/statement-text';
import { effectiveRecords } from '../domain/chargeback';
import { monthChargeback } from './month-chargeback';
import { renderFocusCsv, renderStatementCsv, renderStatementHtml } from '../domain/statement-files';
import type { ChargebackStore, ClosedStatementStore, Clock, CostRecordStore, IngestionStateStore, MessagePublisher, StatementArchive, StatementFile, UsageRecordStore } from '../ports/ports';

/** What the statement job needs. */
export interface StatementDeps {
  records: CostRecordStore;
  usage: UsageRecordStore;
  priceBook: PriceBook;
  chargebacks: ChargebackStore;
  closed: ClosedStatementStore;
  statements: MessagePublisher;
  /** Where the statement files go (S3 in AWS); without one, only the email is sent. */
  archive?: StatementArchive;
  clock: Clock;
  config: CostlineConfig;
  /** Each source's last ingestion of a month: a scheduled run does not close a month whose last ingestion was not complete. */
  state?: Pick<IngestionStateStore, 'listMonthHealth'>;
}

/** Thrown instead of closing a month whose last ingestion failed or held a shrink back: it would close with a wrong bill. */
export class MonthIngestionIncompleteError extends Error {
  override readonly name = 'MonthIngestionIncompleteError';
}

/** SNS accepts 256 KB; leave room for the subject and attributes. */
const EMAIL_LIMIT_BYTES = 240_000;

/** The email: the text statement and where the files are; cut at the table if it would not fit. */
export function emailBody(text: string, location?: string): string {
  const pointer = location ? `\nThe statement as CSV, HTML and FOCUS CSV: ${location}\n` : '';
  if (Buffer.byteLength(text + pointer) <= EMAIL_LIMIT_BYTES) return text + pointer;
  const table = text.slice(0, text.indexOf('\n\n', text.indexOf('TOTAL')) + 1);
  return `${table}\nThe full statement is too long for an email${location ? `: see ${location}` : '; it is in the statement files'}.\n${pointer}`;
}

/**
 * The month's statement files as finance receives them: the text, CSV and HTML statements and the FOCUS
 * CSV of the month's allocated records with its adjustments as Correction rows. The statement job puts
 * them in S3; the local CLI writes the same files to `OUT/<month>/`.
 */
export async function statementFiles(deps: StatementDeps, month: string, chargeback: AdjustedChargeback, text: string): Promise<StatementFile[]> {
  // The records only: the chargeback is the one given (a closed month's, as it was stored).
  const [records, usage] = await Promise.all([deps.records.listMonth(month), deps.usage.listMonth(month)]);
  const focus = renderFocusCsv(effectiveRecords(records, { usage, priceBook: deps.priceBook }).records, deps.config, month, chargeback.adjustments);
  return [
    { name: 'statement.txt', body: text, contentType: 'text/plain' },
    { name: 'statement.csv', body: renderStatementCsv(chargeback), contentType: 'text/csv' },
    { name: 'statement.html', body: renderStatementHtml(chargeback), contentType: 'text/html' },
    { name: 'focus.csv', body: focus, contentType: 'text/csv' },
  ];
}

/**
 * `scheduled`: send a final statement once (a month not final yet is skipped, a month already closed is
 * never emailed twice). `on-demand`: send what the month is now (final: closed once; otherwise a
 * preliminary statement). `resend`: republish a closed statement exactly as it was stored.
 */
export type StatementMode = 'scheduled' | 'on-demand' | 'resend';

/** What the job did. */
export type StatementOutcome = 'published-final' | 'published-preliminary' | 'resent-final' | 'already-final' | 'not-final-yet';

/** The month's statement, and what happened to it. */
export interface PublishedStatement {
  outcome: StatementOutcome;
  chargeback: AdjustedChargeback;
  text: string;
  messageId?: string;
}

/** Thrown instead of sending finance a $0.00 statement for a month nothing was ingested for. */
export class EmptyMonthError extends Error {
  override readonly name = 'EmptyMonthError';
}

/** Thrown when a resend is asked for a month that has no final statement yet. */
export class NotClosedError extends Error {
  override readonly name = 'NotClosedError';
}

/** How far back closed months are checked for late changes. */
const ADJUSTMENT_LOOKBACK_MONTHS = 12;

/**
 * Builds the month's statement with the prior-period adjustments it carries, closes the month when it is
 * final (stored once, with its content hash, never rewritten), and publishes the plain-text statement to
 * the statements topic as the mode says.
 */
export async function publishStatement(deps: StatementDeps, month: string, mode: StatementMode = 'on-demand'): Promise<PublishedStatement> {
  const incomplete = mode === 'scheduled' && deps.state ? (await deps.state.listMonthHealth(month)).filter((h) => h.status !== 'complete') : [];
  if (incomplete.length > 0 && !(await deps.closed.list()).some((c) => c.month === month)) {
    throw new MonthIngestionIncompleteError(`${month} is not closed: its last ingestion was not complete (${incomplete.map((h) => `${h.source} ${h.status} at ${h.at}${h.detail ? `: ${h.detail}` : ''}`).join('; ')}); a run after a complete ingestion closes it`);
  }
  const now = deps.clock.now();
  const asOf = toDay(now);
  const closed = await deps.closed.list();
  const existing = closed.find((c) => c.month === month);
  const publish = async (chargeback: AdjustedChargeback, text: string) => {
    const location = deps.archive ? (await deps.archive.put(month, await statementFiles(deps, month, chargeback, text))).location : undefined;
    const messageId = await deps.statements.publish({
      subject: `costline chargeback statement ${month} (${chargeback.status})`,
      body: emailBody(text, location),
      attributes: { kind: 'statement', month, status: chargeback.status },
    });
    // Teams that opted in get their own statement; their leads' subscriptions filter on kind and team.
    for (const team of deps.config.teams.filter((t) => t.statementToLeads)) {
      await deps.statements.publish({
        subject: `costline statement ${month} for ${team.name} (${chargeback.status})`.slice(0, 99),
        body: renderTeamStatementText(chargeback, team.id),
        attributes: { kind: 'team-statement', team: team.id, month, status: chargeback.status },
      });
    }
    return messageId;
  };

  if (existing) {
    const chargeback = withAdjustments(existing.chargeback, existing.adjustments);
    const text = renderStatementText(chargeback);
    if (mode !== 'resend') return { outcome: 'already-final', chargeback, text };
    return { outcome: 'resent-final', chargeback, text, messageId: await publish(chargeback, text) };
  }
  if (mode === 'resend') throw new NotClosedError(`${month} has no final statement to resend yet; ask for a preliminary one instead`);

  const { chargeback: ownMonth, empty } = await monthChargeback(deps, month, asOf);
  if (empty) throw new EmptyMonthError(`no cost records for ${month}: has ingestion run for it? (backfill with the ingest function's {"from","to"} event)`);
  // The daily schedule waits for the month to be final, cheaply: no look-back into closed months yet.
  if (ownMonth.status !== 'final' && mode === 'scheduled') return { outcome: 'not-final-yet', chargeback: withAdjustments(ownMonth, []), text: renderStatementText(ownMonth) };
  // Month over month: against the previous month as finance received it (closed), or as it stands.
  const previousMonth = addMonths(month, -1);
  const previousClosed = closed.find((c) => c.month === previousMonth)?.chargeback;
  const previousNow = previousClosed ? undefined : await monthChargeback(deps, previousMonth, asOf);
  const own = withMonthOverMonth(ownMonth, previousClosed ?? (previousNow && !previousNow.empty ? previousNow.chargeback : undefined));
  // Late changes to closed months (within a year) are corrected here, once.
  const earlier = closed.filter((c) => c.month < month && c.month >= addMonths(month, -ADJUSTMENT_LOOKBACK_MONTHS));
  const recomputed = new Map(await Promise.all(earlier.map(async (c) => [c.month, (await monthChargeback(deps, c.month, asOf)).chargeback] as const)));
  const adjustments = priorPeriodAdjustments(earlier, recomputed);
  const chargeback = withAdjustments(own, adjustments);
  const text = renderStatementText(chargeback);
  await deps.chargebacks.putChargeback(own, now.toISOString());

  if (own.status === 'final') {
    const statement: ClosedStatement = { month, chargeback: own, adjustments, contentHash: statementHash(own, adjustments), closedAt: now.toISOString() };
    // Another run may have closed it a moment ago: only the run that closes it sends it.
    if (!(await deps.closed.close(statement))) return { outcome: 'already-final', chargeback, text };
    return { outcome: 'published-final', chargeback, text, messageId: await publish(chargeback, text) };
  }
  return { outcome: 'published-preliminary', chargeback, text, messageId: await publish(chargeback, text) };
}
