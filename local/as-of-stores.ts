import type { CostRecord } from '../functions/domain/records/cost-record';
import type { UsageRecord } from '../functions/domain/records/usage-record';
import type { CostRecordStore, UsageRecordStore } from '../functions/ports/ports';

/**
 * Record stores that show only the days complete before a moving "today", for replaying the daily alert
 * evaluation over history already ingested (`npm run local`, the bench): each replayed morning sees the
 * days before it, as the scheduled run that morning did. Reads each month once; writes go through.
 */
export function asOfStores(records: CostRecordStore, usage: UsageRecordStore, today: () => string): { records: CostRecordStore; usage: UsageRecordStore } {
  const costCache = new Map<string, Promise<CostRecord[]>>();
  const usageCache = new Map<string, Promise<UsageRecord[]>>();
  const cached = <T>(cache: Map<string, Promise<T[]>>, month: string, read: (m: string) => Promise<T[]>) => {
    if (!cache.has(month)) cache.set(month, read(month));
    return cache.get(month)!;
  };
  return {
    records: {
      replaceDays: (source, days) => records.replaceDays(source, days),
      listMonth: async (month) => {
        const day = today();
        return (await cached(costCache, month, (m) => records.listMonth(m))).filter((r) => r.chargePeriodStart < day);
      },
    },
    usage: {
      replaceDays: (source, days) => usage.replaceDays(source, days),
      listMonth: async (month) => {
        const day = today();
        return (await cached(usageCache, month, (m) => usage.listMonth(m))).filter((u) => u.chargePeriodStart < day);
      },
    },
  };
}
