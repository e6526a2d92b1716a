/**
 * The contract between the functions' EMF metrics and the stack's alarms, in one place: the stale-data
 * alarm must name exactly the dimensions the handler emits (Powertools adds `service` to every metric).
 */
export const TELEMETRY = {
  /** POWERTOOLS_SERVICE_NAME; becomes the `service` dimension. */
  serviceName: 'costline',
  /** POWERTOOLS_METRICS_NAMESPACE. */
  namespace: 'Costline',
  /** The dimension Powertools adds to every metric, valued with `serviceName` (Powertools names it). */
  serviceDimension: 'service',
  /** The per-source dimension, valued with the source's id (`functions/lib/source-ids.ts`). */
  sourceDimension: 'source',
  /**
   * Emitted once per source per run, with dimensions `service` and `source`: 1 when the source was ingested,
   * 0 when it failed. Sum counts the successes, SampleCount the runs, and a period with no run has no data
   * (the stale-data alarm tells that silence from failure).
   */
  ingestionSucceeded: 'IngestionSucceeded',
  /** Records stored by a successful pull, per source (`service`, `source`). */
  recordsIngested: 'RecordsIngested',
  /** Billed or rate-limited requests a successful pull made to the provider, per source (`service`, `source`). */
  sourceRequests: 'SourceRequests',
  /**
   * Hours since the source's last successful ingestion, per source per run (`service`, `source`): 0 after a
   * success; after a failure, counted from the last success recorded in the table (not emitted for a source that
   * has never succeeded).
   */
  dataAgeHours: 'DataAgeHours',
  /**
   * Alerts published by one run of an ingestion job that completed (`service` only), 0 included. A run that
   * fails reports none: its alerts are in the log (`alert published`).
   */
  alertsSent: 'AlertsSent',
} as const;
