import type { Chargeback, TeamCharge } from '../../functions/domain/chargeback/chargeback';
import type { CostRecord } from '../../functions/domain/records/cost-record';
import { monthOf } from '../../functions/domain/records/dates';
import type { UsageRecord } from '../../functions/domain/records/usage-record';
import { fileHash, statementHash, type ClosedStatement } from '../../functions/domain/chargeback/month-close';
import type { AlertLedger, AlertScope, ChargebackStore, ClosedStatementStore, CostRecordStore, IngestionStateStore, MessagePublisher, OutboundMessage, PendingShrink, ReplaceStats, SentAlert, SourceDay, SourceMonthHealth, SourceMonthState, StatementDelivery, StatementFile, StatementPart, StoredClosedStatement, UsageRecordStore } from '../../functions/ports/ports';

/** In-memory stores and publisher for use-case tests: the ports' contracts, no SDK. */
export class MemoryRecords implements CostRecordStore, UsageRecordStore {
  readonly rows = new Map<string, CostRecord | UsageRecord>();
  async replaceDays(source: string, days: readonly SourceDay<never>[]): Promise<ReplaceStats> {
    for (const day of days) {
      for (const [id, r] of this.rows) if (r.source === source && r.chargePeriodStart === day.day) this.rows.delete(id);
      for (const r of day.records as Array<CostRecord | UsageRecord>) this.rows.set(r.id, r);
    }
    return { written: 0, deleted: 0, unchanged: 0 };
  }
  /** Replaces every row with these (a test's view of the world at one instant). */
  set(rows: ReadonlyArray<CostRecord | UsageRecord>): void {
    this.rows.clear();
    for (const r of rows) this.rows.set(r.id, r);
  }
  async listMonth(month: string): Promise<never[]> {
    return [...this.rows.values()].filter((r) => monthOf(r.chargePeriodStart) === month) as never[];
  }
}

/** The alert ledger's contract: one entry per month and scope, written only on the version before and never to a lower rank. */
export class MemoryAlertLedger implements AlertLedger {
  readonly scopes = new Map<string, AlertScope>();
  async write(next: AlertScope): Promise<boolean> {
    const current = this.scopes.get(`${next.month}#${next.id}`);
    if ((current?.version ?? 0) !== next.version - 1 || (current && current.rank > next.rank)) return false;
    this.scopes.set(`${next.month}#${next.id}`, structuredClone(next));
    return true;
  }
  async listScopes(month: string): Promise<AlertScope[]> {
    return [...this.scopes.values()].filter((s) => s.month === month).map((s) => structuredClone(s));
  }
  async listMonth(month: string): Promise<SentAlert[]> {
    return [...this.alerts.values()].filter((a) => a.month === month);
  }
  /** Every alert recorded, every level of every scope, by `<month>#<key>` in key order. */
  get alerts(): Map<string, SentAlert> {
    const all = [...this.scopes.values()].flatMap((s) => [...s.earlier, s.alert]).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return new Map(all.map((a) => [`${a.month}#${a.key}`, structuredClone(a)]));
  }
}

export class MemoryChargebacks implements ChargebackStore {
  readonly byMonth = new Map<string, Chargeback>();
  async putChargeback(chargeback: Chargeback): Promise<void> {
    this.byMonth.set(chargeback.month, chargeback);
  }
  async getTeamCharge(month: string, team: string): Promise<TeamCharge | undefined> {
    return this.byMonth.get(month)?.teams.find((t) => t.team === team);
  }
}

/**
 * Closed statements as the DynamoDB store keeps them: the content written once (JSON, hash-checked on every
 * read), the delivery state beside it, changed one part at a time.
 */
export class MemoryClosedStatements implements ClosedStatementStore {
  readonly stored = new Map<string, { json: string; delivery: StatementDelivery }>();
  /** File bodies by `<month>#<sha256>`, as the DynamoDB store keeps them by content. */
  readonly fileBodies = new Map<string, string>();
  async close(statement: ClosedStatement, delivery: StatementDelivery, files: readonly StatementFile[] = []): Promise<boolean> {
    for (const file of files) this.fileBodies.set(`${statement.month}#${fileHash(file.body)}`, file.body);
    if (this.stored.has(statement.month)) return false;
    this.stored.set(statement.month, { json: JSON.stringify(statement), delivery: structuredClone(delivery) });
    return true;
  }
  async list(): Promise<StoredClosedStatement[]> {
    return [...this.stored.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([month, { json, delivery }]) => {
        const statement = JSON.parse(json) as ClosedStatement;
        if (statementHash(statement.chargeback, statement.adjustments, statement.files) !== statement.contentHash) throw new Error(`the closed statement for ${month} does not match its content hash`);
        return { ...statement, delivery: structuredClone(delivery) };
      });
  }
  async closedFiles(statement: ClosedStatement): Promise<StatementFile[] | undefined> {
    return statement.files?.map((f) => {
      const body = this.fileBodies.get(`${statement.month}#${f.sha256}`);
      if (body === undefined || fileHash(body) !== f.sha256) throw new Error(`${statement.month}/${f.name} is missing or does not match its hash`);
      return { name: f.name, body, contentType: f.contentType };
    });
  }
  async markAccepted(month: string, part: StatementPart, accepted: { messageId: string; acceptedAt: string }): Promise<void> {
    const entry = this.stored.get(month);
    if (!entry) throw new Error(`${month} is not closed`);
    const done = { state: 'accepted' as const, ...accepted };
    if (part.kind === 'finance') {
      if (entry.delivery.finance.state === 'pending') entry.delivery.finance = done;
    } else if (entry.delivery.teams[part.team]?.state !== 'accepted') entry.delivery.teams[part.team] = done;
  }
}

/** Records what was published, with the instant; can be told to fail (always, or the next `failNext` calls). */
export class MemoryPublisher implements MessagePublisher {
  readonly sent: Array<OutboundMessage & { at: string }> = [];
  failing = false;
  failNext = 0;
  constructor(private readonly clock: { now: () => Date } = { now: () => new Date() }) {}
  async publish(message: OutboundMessage): Promise<string> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('topic unavailable');
    }
    if (this.failing) throw new Error('topic unavailable');
    this.sent.push({ ...message, at: this.clock.now().toISOString() });
    return `m-${this.sent.length}`;
  }
}

/** Ingestion bookkeeping in memory: month states, pending shrinks, month health. */
export class MemoryIngestionState implements IngestionStateStore {
  readonly months = new Map<string, SourceMonthState>();
  readonly shrinks = new Map<string, PendingShrink>();
  readonly health = new Map<string, SourceMonthHealth>();
  async getMonthState(source: string, month: string): Promise<SourceMonthState | undefined> {
    return this.months.get(`${source}#${month}`);
  }
  async putMonthState(state: SourceMonthState): Promise<void> {
    this.months.set(`${state.source}#${state.month}`, state);
  }
  async listPendingShrinks(source: string): Promise<PendingShrink[]> {
    return [...this.shrinks.values()].filter((s) => s.source === source).sort((a, b) => (a.day < b.day ? -1 : 1));
  }
  async putPendingShrink(shrink: PendingShrink): Promise<void> {
    this.shrinks.set(`${shrink.source}#${shrink.day}`, shrink);
  }
  async clearPendingShrink(source: string, day: string): Promise<void> {
    this.shrinks.delete(`${source}#${day}`);
  }
  async putMonthHealth(health: SourceMonthHealth): Promise<void> {
    this.health.set(`${health.month}#${health.source}`, health);
  }
  async listMonthHealth(month: string): Promise<SourceMonthHealth[]> {
    return [...this.health.values()].filter((h) => h.month === month).sort((a, b) => (a.source < b.source ? -1 : 1));
  }
}
