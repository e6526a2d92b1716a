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

/**
 * Source ids (`BillingSource.id` / `UsageSource.id`), per configurable provider, for alarms that are per
 * source: Cost Explorer is one source; each model provider is two (its costs, pulled daily, and its model
 * usage, pulled daily and hourly).
 */
export const SOURCE_IDS = {
  aws: 'aws-cost-explorer',
  openai: { costs: 'openai-costs', usage: 'openai-usage' },
  anthropic: { costs: 'anthropic-costs', usage: 'anthropic-usage' },
} as const;
