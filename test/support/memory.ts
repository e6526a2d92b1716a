import type { Chargeback, TeamCharge } from '../../functions/domain/chargeback';
import type { CostRecord } from '../../functions/domain/cost-record';
import { monthOf } from '../../functions/domain/dates';
import type { UsageRecord } from '../../functions/domain/usage-record';
import type { AlertLedger, ChargebackStore, CostRecordStore, IngestionStateStore, MessagePublisher, OutboundMessage, PendingShrink, ReplaceStats, SentAlert, SourceDay, SourceMonthHealth, SourceMonthState, UsageRecordStore } from '../../functions/ports/ports';

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

export class MemoryAlertLedger implements AlertLedger {
  readonly alerts = new Map<string, SentAlert>();
  async claim(alert: SentAlert, stalePendingBefore: string): Promise<boolean> {
    const existing = this.alerts.get(`${alert.month}#${alert.key}`);
    if (existing && !(existing.delivery === 'pending' && existing.firedAt < stalePendingBefore)) return false;
    this.alerts.set(`${alert.month}#${alert.key}`, alert);
    return true;
  }
  async markPublished(alert: SentAlert): Promise<void> {
    this.alerts.set(`${alert.month}#${alert.key}`, { ...alert, delivery: 'published' });
  }
  async release(month: string, key: string): Promise<void> {
    this.alerts.delete(`${month}#${key}`);
  }
  async listMonth(month: string): Promise<SentAlert[]> {
    return [...this.alerts.values()].filter((a) => a.month === month).sort((a, b) => (a.key < b.key ? -1 : 1));
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

/** Records what was published, with the instant; can be told to fail. */
export class MemoryPublisher implements MessagePublisher {
  readonly sent: Array<OutboundMessage & { at: string }> = [];
  failing = false;
  constructor(private readonly clock: { now: () => Date } = { now: () => new Date() }) {}
  async publish(message: OutboundMessage): Promise<string> {
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
