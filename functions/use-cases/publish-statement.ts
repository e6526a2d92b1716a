import type { CostlineConfig } from '../config/config-schema';
import { withMonthOverMonth } from '../domain/chargeback/month-over-month';
import { addMonths, toDay } from '../domain/records/dates';
import { closedFile, priorPeriodAdjustments, statementHash, withAdjustments, type AdjustedChargeback, type ClosedStatement } from '../domain/chargeback/month-close';
import type { PriceBook } from '../domain/pricing/price-book';
import { renderStatementText, renderTeamStatementText } from '../domain/statements/statement-text';
import type { AllocatedMonth } from '../domain/allocation/allocate';
import { monthChargeback, readAllocatedMonth } from './month-chargeback';
import { renderDimensionsCsv } from '../domain/statements/dimension-files';
import { renderFocusCsv } from '../domain/statements/focus-csv';
import { renderStatementCsv } from '../domain/statements/statement-csv';
import { renderStatementHtml } from '../domain/statements/statement-html';
import type { ChargebackStore, ClosedStatementStore, Clock, CostRecordStore, IngestionStateStore, MessagePublisher, OutboundMessage, StatementArchive, StatementDelivery, StatementFile, StoredClosedStatement, UsageRecordStore } from '../ports/ports';
import { STATEMENT_ATTRIBUTES, STATEMENT_KINDS } from '../domain/statements/statement-attributes';

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

/**
 * SNS takes 256 KiB (262,144 bytes) per message: the body plus every attribute's name, type and value, in
 * UTF-8. An email is built to stay under this much, subject and attributes counted, a margin kept.
 */
export const EMAIL_LIMIT_BYTES = 240_000;

/** A message's size as SNS counts it (the subject too, to be safe), in UTF-8 bytes. */
export function messageBytes(message: Pick<OutboundMessage, 'subject' | 'body' | 'attributes'>): number {
  const attributes = Object.entries(message.attributes).reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value), 0);
  return Buffer.byteLength(message.subject) + Buffer.byteLength(message.body) + attributes;
}

/** The largest team tables tried, in turn, when the whole statement does not fit an email. */
const EMAIL_TEAM_ROWS = [1000, 500, 200, 100, 50, 20] as const;

/**
 * Cuts `text` at a line boundary so that it, with `tail`, fits `budget` bytes of UTF-8 (never inside a
 * character): the last resort when even the shortest table leaves the email too long.
 */
function cutToBytes(text: string, tail: string, budget: number): string {
  const room = budget - Buffer.byteLength(tail);
  if (Buffer.byteLength(text) <= room) return text + tail;
  const bytes = Buffer.from(text, 'utf8').subarray(0, Math.max(0, room));
  const kept = bytes.toString('utf8').replace(/\uFFFD$/, '');
  return `${kept.slice(0, kept.lastIndexOf('\n') + 1)}${tail}`;
}

/**
 * The email of a statement: the whole text statement and where its files are when that fits SNS's limit
 * (subject and attributes counted). Otherwise the team table shows the largest teams only, with one line
 * summing the others, and says so; the files in S3 carry every team and line.
 * @param render the text statement with at most `teamRows` team rows (every row when undefined)
 */
export function emailBody(message: Pick<OutboundMessage, 'subject' | 'attributes'>, render: (teamRows?: number) => string, location?: string, link?: string): string {
  const open = link ? `Open them in the S3 console (sign in with the statements read-only role): ${link}\n` : '';
  const pointer = location ? `\nThe statement as CSV, HTML and FOCUS CSV: ${location}\n${open}` : '';
  const fits = (body: string) => messageBytes({ ...message, body }) <= EMAIL_LIMIT_BYTES;
  const whole = render() + pointer;
  if (fits(whole)) return whole;
  const where = location ? `the statement files at ${location}` : 'the statement files';
  const note = (shown: string) => `\nThis email is shortened to fit the 256 KB message limit: ${shown}. Every team and every line is in ${where}.\n`;
  for (const rows of EMAIL_TEAM_ROWS) {
    const body = render(rows) + note(`it shows the ${rows} largest teams`) + pointer;
    if (fits(body)) return body;
  }
  // Other sections too long as well (thousands of capacity lines, say): cut at a line, the pointer kept.
  const budget = EMAIL_LIMIT_BYTES - messageBytes({ ...message, body: '' });
  return cutToBytes(render(EMAIL_TEAM_ROWS.at(-1)), `...\n${note('it is cut here')}${pointer}`, budget);
}

/**
 * The month's statement files as finance receives them: the text, CSV and HTML statements, the FOCUS
 * CSV of the month's allocated records with its adjustments as Correction rows, and with dimensions
 * configured their breakdowns (`dimensions.csv`). The statement job puts
 * them in S3; the local CLI writes the same files to `OUT/<month>/`.
 * @param allocated the month as this run allocated it; read from the stores when not given
 */
export async function statementFiles(deps: StatementDeps, month: string, chargeback: AdjustedChargeback, text: string, allocated?: AllocatedMonth): Promise<StatementFile[]> {
  // The records only: the chargeback is the one given (a closed month's, as it was stored). A run that has
  // just allocated the month passes it in, so the month is read once.
  const focus = renderFocusCsv(allocated ?? (await readAllocatedMonth(deps, month)), deps.config.currency, chargeback.adjustments, chargeback);
  return [
    { name: 'statement.txt', body: text, contentType: 'text/plain' },
    { name: 'statement.csv', body: renderStatementCsv(chargeback), contentType: 'text/csv' },
    { name: 'statement.html', body: renderStatementHtml(chargeback), contentType: 'text/html' },
    { name: 'focus.csv', body: focus, contentType: 'text/csv' },
    // Only with dimensions configured, so a statement without them has the same files as before.
    ...(chargeback.dimensions ? [{ name: 'dimensions.csv', body: renderDimensionsCsv(chargeback), contentType: 'text/csv' }] : []),
  ];
}

/**
 * `scheduled`: send a final statement once (a month not final yet is skipped, a month already closed is
 * never emailed twice). `on-demand`: send what the month is now (final: closed once; otherwise a
 * preliminary statement). `resend`: republish a closed statement exactly as it was stored.
 */
export type StatementMode = 'scheduled' | 'on-demand' | 'resend';

/**
 * What the job did with the month asked for. `sent-final-late`: the month had closed earlier but its statement
 * (or part of it) had not been accepted by SNS; this run sent what was missing. `closed-by-another-run`: a run
 * running at the same time closed it first, and sends it.
 */
export type StatementOutcome = 'published-final' | 'published-preliminary' | 'resent-final' | 'already-final' | 'sent-final-late' | 'closed-by-another-run' | 'not-final-yet';

/** A closed month whose statement this run found unsent (a run died, or SNS failed, after the close), and sent. */
export interface LateStatement {
  month: string;
  /** The parts sent now: `finance`, and a team id per team statement. */
  parts: string[];
  /** The finance statement's message id, when it was one of them. */
  messageId?: string;
}

/** The month's statement, and what happened to it. */
export interface PublishedStatement {
  outcome: StatementOutcome;
  chargeback: AdjustedChargeback;
  text: string;
  /** The month's files: a closed month's exactly as it was closed (stored with it), any other rendered now. */
  files: () => Promise<StatementFile[]>;
  messageId?: string;
  /** Closed months (this one or earlier) whose unsent statements this run sent before anything else, oldest first. */
  late: LateStatement[];
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

/** The parts a statement is sent as: finance's, then one per team whose leads asked for their own. */
type Part = { kind: 'finance' } | { kind: 'team'; team: string };

/** Every part `pending`: the delivery state a month closes with. */
function pendingDelivery(teams: readonly string[]): StatementDelivery {
  return { finance: { state: 'pending' }, teams: Object.fromEntries(teams.map((t) => [t, { state: 'pending' as const }])) };
}

/** The parts of a stored statement SNS has not accepted yet. */
function unsentParts(delivery: StatementDelivery): Part[] {
  return [
    ...(delivery.finance.state === 'pending' ? [{ kind: 'finance' as const }] : []),
    ...Object.entries(delivery.teams)
      .filter(([, d]) => d.state === 'pending')
      .map(([team]) => ({ kind: 'team' as const, team })),
  ];
}

/**
 * Publishes the parts of a month's statement in order (finance's first, with the files put in the archive
 * first so its email can point to them), calling `accepted` after SNS answers each. Returns finance's
 * message id. A failure stops here and is thrown: the parts not accepted stay for the next run.
 */
async function sendParts(deps: StatementDeps, month: string, chargeback: AdjustedChargeback, text: string, files: () => Promise<StatementFile[]>, parts: readonly Part[], accepted: (part: Part, messageId: string) => Promise<void>): Promise<string | undefined> {
  let financeId: string | undefined;
  for (const part of parts) {
    if (part.kind === 'finance') {
      const archived = deps.archive ? await deps.archive.put(month, await files()) : undefined;
      const message = { subject: `costline chargeback statement ${month} (${chargeback.status})`, attributes: { [STATEMENT_ATTRIBUTES.kind]: STATEMENT_KINDS.organization, [STATEMENT_ATTRIBUTES.month]: month, [STATEMENT_ATTRIBUTES.status]: chargeback.status } };
      financeId = await deps.statements.publish({ ...message, body: emailBody(message, (teamRows) => (teamRows === undefined ? text : renderStatementText(chargeback, { teamRows })), archived?.location, archived?.link) });
      await accepted(part, financeId);
    } else {
      // Teams that opted in get their own statement; their leads' subscriptions filter on kind and team.
      const name = chargeback.teams.find((t) => t.team === part.team)?.name ?? part.team;
      const message = { subject: `costline statement ${month} for ${name} (${chargeback.status})`.slice(0, 99), attributes: { [STATEMENT_ATTRIBUTES.kind]: STATEMENT_KINDS.team, [STATEMENT_ATTRIBUTES.team]: part.team, [STATEMENT_ATTRIBUTES.month]: month, [STATEMENT_ATTRIBUTES.status]: chargeback.status } };
      await accepted(part, await deps.statements.publish({ ...message, body: emailBody(message, () => renderTeamStatementText(chargeback, part.team)) }));
    }
  }
  return financeId;
}

/**
 * The closed statement as it was sent: its stored chargeback with the adjustments it carried, its text and
 * its files as stored with it (the stored statement.txt is the text). A month closed before files were
 * kept has them rendered from its stored chargeback (its focus.csv from the records as they stand).
 */
async function asClosed(deps: StatementDeps, statement: ClosedStatement): Promise<{ chargeback: AdjustedChargeback; text: string; files: () => Promise<StatementFile[]> }> {
  const chargeback = withAdjustments(statement.chargeback, statement.adjustments);
  const stored = await deps.closed.closedFiles(statement);
  const text = stored?.find((f) => f.name === 'statement.txt')?.body ?? renderStatementText(chargeback);
  return { chargeback, text, files: async () => stored ?? (await statementFiles(deps, statement.month, chargeback, text)) };
}

/** Sends a closed statement's parts not accepted yet, recording each as accepted once SNS answers. */
async function deliver(deps: StatementDeps, statement: StoredClosedStatement): Promise<LateStatement | undefined> {
  const parts = unsentParts(statement.delivery);
  if (parts.length === 0) return undefined;
  const { chargeback, text, files } = await asClosed(deps, statement);
  const messageId = await sendParts(deps, statement.month, chargeback, text, files, parts, (part, id) =>
    deps.closed.markAccepted(statement.month, part, { messageId: id, acceptedAt: deps.clock.now().toISOString() }),
  );
  return { month: statement.month, parts: parts.map((p) => (p.kind === 'finance' ? 'finance' : p.team)), ...(messageId !== undefined ? { messageId } : {}) };
}

/**
 * The statement outbox: every closed month whose statement SNS has not accepted in full (a run died or SNS
 * failed between the close and the send) is sent now, oldest first, before anything else the run does.
 */
async function sendLate(deps: StatementDeps, closed: readonly StoredClosedStatement[]): Promise<LateStatement[]> {
  const late: LateStatement[] = [];
  for (const statement of [...closed].sort((a, b) => (a.month < b.month ? -1 : 1))) {
    const sent = await deliver(deps, statement);
    if (sent) late.push(sent);
  }
  return late;
}

/**
 * Builds the month's statement with the prior-period adjustments it carries, closes the month when it is
 * final, and publishes the plain-text statement to the statements topic as the mode says. A month closes
 * through an outbox: its statement is stored once (with its content hash, never rewritten) together with its
 * delivery state, every part pending; then each part is sent and recorded as accepted once SNS answers. Every
 * run first sends what is closed and not accepted yet, so a statement is never lost to a crash or an SNS
 * failure after the close; at worst one part is sent twice (a run that died after SNS accepted it and before
 * the store recorded it).
 */
export async function publishStatement(deps: StatementDeps, month: string, mode: StatementMode = 'on-demand'): Promise<PublishedStatement> {
  const now = deps.clock.now();
  const asOf = toDay(now);
  const closed = await deps.closed.list();
  const late = await sendLate(deps, closed);
  const existing = closed.find((c) => c.month === month);

  if (existing) {
    const { chargeback, text, files } = await asClosed(deps, existing);
    const sentNow = late.find((l) => l.month === month);
    // A resend of a month that had not been sent is the send it was missing, not one more.
    if (sentNow) return { outcome: 'sent-final-late', chargeback, text, files, ...(sentNow.messageId !== undefined ? { messageId: sentNow.messageId } : {}), late };
    if (mode !== 'resend') return { outcome: 'already-final', chargeback, text, files, late };
    const parts: Part[] = [{ kind: 'finance' }, ...Object.keys(existing.delivery.teams).map((team) => ({ kind: 'team' as const, team }))];
    const messageId = await sendParts(deps, month, chargeback, text, files, parts, async () => undefined);
    return { outcome: 'resent-final', chargeback, text, files, ...(messageId !== undefined ? { messageId } : {}), late };
  }
  if (mode === 'resend') throw new NotClosedError(`${month} has no final statement to resend yet; ask for a preliminary one instead`);
  // Never close a month on an ingestion that failed or held a shrink (what is closed and unsent was sent above).
  const incomplete = mode === 'scheduled' && deps.state ? (await deps.state.listMonthHealth(month)).filter((h) => h.status !== 'complete') : [];
  if (incomplete.length > 0) {
    throw new MonthIngestionIncompleteError(`${month} is not closed: its last ingestion was not complete (${incomplete.map((h) => `${h.source} ${h.status} at ${h.at}${h.detail ? `: ${h.detail}` : ''}`).join('; ')}); a run after a complete ingestion closes it`);
  }

  const { chargeback: ownMonth, allocated, empty } = await monthChargeback(deps, month, asOf);
  if (empty) throw new EmptyMonthError(`no cost records for ${month}: has ingestion run for it? (backfill with the ingest function's {"from","to"} event)`);
  // The daily schedule waits for the month to be final, cheaply: no look-back into closed months yet.
  if (ownMonth.status !== 'final' && mode === 'scheduled') {
    const pending = withAdjustments(ownMonth, []);
    const pendingText = renderStatementText(ownMonth);
    return { outcome: 'not-final-yet', chargeback: pending, text: pendingText, files: () => statementFiles(deps, month, pending, pendingText, allocated), late };
  }
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
  const teamStatements = deps.config.teams.filter((t) => t.statementToLeads).map((t) => t.id);

  if (own.status === 'final') {
    // The files are rendered once, here, and stored with the statement: a closed month's focus.csv is the
    // file it was closed with, whatever arrives later (which later months carry as Correction rows).
    const files = await statementFiles(deps, month, chargeback, text, allocated);
    const refs = files.map(closedFile);
    const statement: ClosedStatement = { month, chargeback: own, adjustments, files: refs, contentHash: statementHash(own, adjustments, refs), closedAt: now.toISOString() };
    const delivery = pendingDelivery(teamStatements);
    // Another run may have closed it a moment ago: that run sends it (or, if it dies, the next run does).
    if (!(await deps.closed.close(statement, delivery, files))) {
      const winner = (await deps.closed.list()).find((c) => c.month === month);
      const theirs = winner ? await asClosed(deps, winner) : { chargeback, text, files: async () => files };
      return { outcome: 'closed-by-another-run', ...theirs, late };
    }
    const sent = await deliver(deps, { ...statement, delivery });
    return { outcome: 'published-final', chargeback, text, files: async () => files, ...(sent?.messageId !== undefined ? { messageId: sent.messageId } : {}), late };
  }
  const parts: Part[] = [{ kind: 'finance' }, ...teamStatements.map((team) => ({ kind: 'team' as const, team }))];
  let rendered: Promise<StatementFile[]> | undefined;
  const files = () => (rendered ??= statementFiles(deps, month, chargeback, text, allocated));
  const messageId = await sendParts(deps, month, chargeback, text, files, parts, async () => undefined);
  return { outcome: 'published-preliminary', chargeback, text, files, ...(messageId !== undefined ? { messageId } : {}), late };
}
