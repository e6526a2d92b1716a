import type { CostRecordStore, UsageRecordStore } from '../ports/ports';

/**
 * `deps` with its record stores as one run's views ({@link CostRecordStore.forRun}): each month's records
 * read once for the whole run. Given views already, returns the same views.
 */
export function withRunViews<D extends { records: CostRecordStore; usage: UsageRecordStore }>(deps: D): D {
  return { ...deps, records: deps.records.forRun?.() ?? deps.records, usage: deps.usage.forRun?.() ?? deps.usage };
}
