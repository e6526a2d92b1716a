import type { Chargeback, TeamCharge } from '../../functions/domain/chargeback';
import type { CostRecord } from '../../functions/domain/cost-record';
import { monthOf } from '../../functions/domain/dates';
import type { UsageRecord } from '../../functions/domain/usage-record';
import type { AlertLedger, ChargebackStore, CostRecordStore, MessagePublisher, OutboundMessage, ReplaceStats, SentAlert, SourceDay, UsageRecordStore } from '../../functions/ports/ports';

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
