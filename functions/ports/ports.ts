/**
 * The ports: what the use-cases need from the outside world, named by role. Adapters (DynamoDB, SNS,
 * Cost Explorer) implement them; tests pass in-memory fakes.
 */
import type { AlertMessage } from '../domain/guardrails/alert';
import type { Chargeback, TeamCharge } from '../domain/chargeback/chargeback';
import type { CostRecord, Provider } from '../domain/records/cost-record';
import type { DayWindow } from '../domain/records/dates';
import type { UsageRecord } from '../domain/records/usage-record';
import type { ClosedStatement } from '../domain/chargeback/month-close';

/** One day of a source's records, complete: storing it replaces whatever the source stored for that day. */
export interface SourceDay<R = CostRecord> {
  day: string;
  records: R[];
  /** True while the provider calls the day's figures estimates. */
  estimated: boolean;
}

/** What one pull of a source returned. */
export interface SourcePull<R = CostRecord> {
  /** Every day of the requested window, in order, each complete (today: complete so far). */
  days: SourceDay<R>[];
  /** API requests made (Cost Explorer charges $0.01 per request and per page). */
  requests: number;
  /** Usage a cost source learned on the way (Bedrock tokens from Cost Explorer), stored like a usage source's. */
  usage?: { source: string; days: SourceDay<UsageRecord>[] };
  /**
   * What the source did differently from the plain request and the reader should know, one line each
   * (e.g. "retried without group_by=api_key_id: OpenAI refused it for this window"); shown in the run summary.
   */
  notes?: string[];
}

/** The moment of a pull and the time it must end by. */
export interface PullContext {
  now: Date;
  /** Epoch ms after which no request starts (the Lambda's remaining time, less a margin). */
  deadline?: number;
}

/** A source of billed cost: Cost Explorer, the OpenAI costs API, the Anthropic cost report. */
export interface BillingSource {
  readonly kind: 'cost';
  /** Stable id, part of every record's identity and of the replacement scope. */
  readonly id: string;
  readonly provider: Provider;
  /** Pulls every day of `window`; throws without side effects on bad input. */
  pull(window: DayWindow, context: PullContext): Promise<SourcePull<CostRecord>>;
  /**
   * The source's own billed total of each day of `window`, where it has one (Cost Explorer's unfiltered
   * daily total), to confirm or refute a suspected shrink. Asked only when a shrink is suspected.
   */
  dailyTotals?(window: DayWindow, context: PullContext): Promise<{ totals: Map<string, string>; requests: number }>;
}

/** A source of model usage (tokens, requests): the OpenAI usage API, the Anthropic usage report, Bedrock usage types. */
export interface UsageSource {
  readonly kind: 'usage';
  readonly id: string;
  readonly provider: Provider;
  /** Pulls every day of `window` (today included when the window reaches it, as far as it has happened). */
  pull(window: DayWindow, context: PullContext): Promise<SourcePull<UsageRecord>>;
}

/** Any source. */
export type Source = BillingSource | UsageSource;

/** Stores usage records, partitioned by month, replaced per source and day like cost records. */
export interface UsageRecordStore {
  replaceDays(source: string, days: readonly SourceDay<UsageRecord>[]): Promise<ReplaceStats>;
  listMonth(month: string): Promise<UsageRecord[]>;
  /** A view for one run, as {@link CostRecordStore.forRun}. */
  forRun?(): UsageRecordStore;
}

/** Reads a secret (an admin key); implementations cache and never log it. */
export type SecretReader = () => Promise<string>;

/** What a replacement changed. Writing the same data twice reports only `unchanged`. */
export interface ReplaceStats {
  written: number;
  deleted: number;
  unchanged: number;
}

/** Stores normalized records, partitioned by month. */
export interface CostRecordStore {
  /** Makes each day's stored records for `source` exactly `day.records`: upserts by id, deletes the rest. */
  replaceDays(source: string, days: readonly SourceDay<CostRecord>[]): Promise<ReplaceStats>;
  /** Every record of a month, all sources. */
  listMonth(month: string): Promise<CostRecord[]>;
  /**
   * A view of the store for one run: it reads each month once and keeps it, updated by its own
   * replacements, so a run that checks, replaces and then evaluates a month reads it once. What it shows
   * of a day another run replaced meanwhile is the day as first read. Called on a view, returns it. A
   * store whose reads cost nothing (an in-memory one) need not have it.
   */
  forRun?(): CostRecordStore;
}

/** What costline remembers about a source's month between runs. */
export interface SourceMonthState {
  source: string;
  month: string;
  /** Whether any day of the month was still estimated at the last pull. */
  estimated: boolean;
  lastPulledAt: string;
}

/**
 * A day whose new answer is much smaller than what is stored (a shrink), held until it is confirmed:
 * the stored records stay until a later run pulls the same answer again.
 */
export interface PendingShrink {
  source: string;
  day: string;
  /** The absolute billed total stored for the day, and the one the source answered (exact decimals). */
  storedTotal: string;
  answeredTotal: string;
  /** How many records the answer had. */
  answeredRecords: number;
  /** When this answer was first seen (the run's instant): a confirmation must come from a later run. */
  firstSeenAt: string;
}

/** How a source's last ingestion of a month went: a month is closed only on complete ingestion. */
export interface SourceMonthHealth {
  source: string;
  month: string;
  /** `complete`: every day stored as pulled; `failed`: the pull or the store failed; `shrink-held`: a shrink kept stored days back. */
  status: 'complete' | 'failed' | 'shrink-held';
  at: string;
  /** The error, or the days held. */
  detail?: string;
}

/** Ingestion bookkeeping: which months are settled, when each source last succeeded, shrinks held back. */
export interface IngestionStateStore {
  getMonthState(source: string, month: string): Promise<SourceMonthState | undefined>;
  putMonthState(state: SourceMonthState): Promise<void>;
  /** The source's held shrinks, by day. */
  listPendingShrinks(source: string): Promise<PendingShrink[]>;
  putPendingShrink(shrink: PendingShrink): Promise<void>;
  clearPendingShrink(source: string, day: string): Promise<void>;
  putMonthHealth(health: SourceMonthHealth): Promise<void>;
  /** Every source's last ingestion of the month. */
  listMonthHealth(month: string): Promise<SourceMonthHealth[]>;
}

/** Month-to-date chargebacks, stored after each evaluation so a team's month reads with one key. */
export interface ChargebackStore {
  putChargeback(chargeback: Chargeback, computedAt: string): Promise<void>;
  getTeamCharge(month: string, team: string): Promise<TeamCharge | undefined>;
}

/** An alert as recorded once in the ledger. */
export interface SentAlert extends AlertMessage {
  /** When the level was claimed (the day it counts against the recipient's daily cap and digest). */
  firedAt: string;
  /**
   * `pending`: claimed, being published (a run that died here leaves it for the next run to send);
   * `published`: accepted by the topic; `superseded`: reached with or before a higher level of the same kind
   * and scope, recorded without a message of its own; `held`: past the recipient team's daily cap, sent in
   * the next day's digest instead.
   */
  delivery: 'pending' | 'published' | 'superseded' | 'held';
  /** The machine-readable form sent beside the text (SNS message structure), when there is one. */
  json?: unknown;
  /** The topic's message id, once published. */
  messageId?: string;
}

/**
 * One kind and scope's alerts for one month, kept as ONE ledger item, so a claim of its levels is one write:
 * the highest level claimed, with its delivery state, and the lower levels recorded before it. Levels that
 * escalate (budget thresholds 50/80/100, forecast over/certain) share an item per kind and scope; a one-level
 * alert (an anomaly's day, a unit-cost change, a shadow-AI id, a digest) has its own.
 */
export interface AlertScope {
  month: string;
  /** `<kind>#<scope>` for escalating levels, `<kind>#<scope>#<level>` for one-level alerts. */
  id: string;
  kind: string;
  /** `team:search`, `organization:ai`, `shadow-ai`, ... */
  scope: string;
  /** The rank of the highest level claimed; it never goes down. */
  rank: number;
  /** That level's alert: `pending`, `published` or `held`. */
  alert: SentAlert;
  /** The run holding a `pending` claim, and since when; absent when released (any run may send it at once). */
  claimedBy?: string;
  claimedAt?: string;
  /** The lower levels recorded before `alert`, lowest first: each `published`, `superseded` or `held`. */
  earlier: SentAlert[];
  /** 1 for the first write, one more for each write after it. */
  version: number;
}

/** Records which alerts fired, so each fires once however often evaluation runs. */
export interface AlertLedger {
  /** Every scope recorded for a month. */
  listScopes(month: string): Promise<AlertScope[]>;
  /**
   * Stores a scope's next state in one conditional write: only if the stored one is `version - 1` (none, for
   * version 1) and the rank does not go down. False if another run wrote the scope first.
   */
  write(next: AlertScope): Promise<boolean>;
  /** Every alert recorded for a month, every level of every scope, in key order. */
  listMonth(month: string): Promise<SentAlert[]>;
}

/** A message for a topic. Attributes become SNS message attributes that filter policies match. */
export interface OutboundMessage {
  subject: string;
  body: string;
  attributes: Record<string, string>;
  /** A machine-readable form: sent beside the text with SNS message structure (email gets the text, http/https, SQS and Lambda this JSON). */
  json?: unknown;
}

/** Publishes to one topic (alerts or statements). */
export interface MessagePublisher {
  /** Returns the message id. */
  publish(message: OutboundMessage): Promise<string>;
}

/** The time, injectable so runs are reproducible. */
export interface Clock {
  now(): Date;
}

/** Structured logging, as Powertools' Logger provides; the CLI passes a quieter one. */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** One file of a month's statement set. */
export interface StatementFile {
  /** File name, e.g. `statement.csv`. */
  name: string;
  body: string;
  contentType: string;
}

/** Where statement files are kept: S3 in AWS, `OUT/<month>/` locally. */
export interface StatementArchive {
  /**
   * Stores the month's files and returns where they are (an s3:// or file path prefix) and, where there is
   * one, a link a person with read access opens in a browser (the S3 console's folder).
   */
  put(month: string, files: readonly StatementFile[]): Promise<{ location: string; link?: string }>;
}

/** Where one sent part of a closed statement stands: `pending` until SNS accepts it, then `accepted`. */
export type PartDelivery = { state: 'pending' } | { state: 'accepted'; messageId: string; acceptedAt: string };

/**
 * The delivery state of a closed month's statement (its outbox): finance's statement and the statement
 * of each team that had opted in (`statementToLeads`) when the month closed.
 */
export interface StatementDelivery {
  finance: PartDelivery;
  /** By team id. */
  teams: Record<string, PartDelivery>;
}

/** One sent part of a closed statement: finance's, or one team's. */
export type StatementPart = { kind: 'finance' } | { kind: 'team'; team: string };

/** A closed statement as stored: its content (immutable, hash-checked) and where its delivery stands. */
export interface StoredClosedStatement extends ClosedStatement {
  delivery: StatementDelivery;
}

/**
 * Closed (final) statements: the content is written once and never rewritten; only the delivery state
 * beside it changes, from `pending` to `accepted`, part by part.
 */
export interface ClosedStatementStore {
  /**
   * Stores a month's final statement with its delivery state (every part `pending`) if the month is not
   * closed yet (a conditional write); false if it was. The `files` (whose hashes `statement.files` lists)
   * are stored first, by content, so that a run that loses the close leaves the winner's files intact.
   */
  close(statement: ClosedStatement, delivery: StatementDelivery, files?: readonly StatementFile[]): Promise<boolean>;
  /**
   * The files a month was closed with (its `files`), exactly as stored, each checked against its hash;
   * undefined for a month closed before files were kept.
   * @throws when a body is missing or no longer matches its hash
   */
  closedFiles(statement: ClosedStatement): Promise<StatementFile[] | undefined>;
  /** Every closed statement with its delivery state, oldest first; each checked against its content hash. */
  list(): Promise<StoredClosedStatement[]>;
  /**
   * Records that SNS accepted one part of a closed month's statement (a conditional write of the
   * delivery state alone; the content is never touched). A part already accepted keeps its first answer.
   */
  markAccepted(month: string, part: StatementPart, accepted: { messageId: string; acceptedAt: string }): Promise<void>;
}
