/**
 * The contract between the functions' EMF metrics and the stack's alarms, in one place: the stale-data
 * alarm must name exactly the dimensions the handler emits (Powertools adds `service` to every metric).
 */
export const TELEMETRY = {
  /** POWERTOOLS_SERVICE_NAME; becomes the `service` dimension. */
  serviceName: 'costline',
  /** POWERTOOLS_METRICS_NAMESPACE. */
  namespace: 'Costline',
  /** Emitted once per source per successful ingestion, with dimensions `service` and `source`. */
  ingestionSucceeded: 'IngestionSucceeded',
} as const;

/** Source ids (`BillingSource.id`), per configurable provider, for alarms that are per source. */
export const SOURCE_IDS = { aws: 'aws-cost-explorer' } as const;
