/**
 * Source ids (`BillingSource.id` / `UsageSource.id`): part of every record's identity and replacement scope, the
 * `source` dimension of the ingestion metrics, and the name of each stale-data alarm. Defined once here, read by
 * the sources, the stack and the local tooling.
 */

/**
 * Per configurable provider, the sources a run pulls and the stack watches: Cost Explorer is one source; each
 * model provider is two (its costs, pulled daily, and its model usage, pulled daily and hourly).
 */
export const SOURCE_IDS = {
  aws: 'aws-cost-explorer',
  openai: { costs: 'openai-costs', usage: 'openai-usage' },
  anthropic: { costs: 'anthropic-costs', usage: 'anthropic-usage' },
} as const;

/**
 * Where Bedrock token counts are stored (as usage). Not a source of its own: the Cost Explorer source learns
 * them in its pull, so its success and staleness are those of {@link SOURCE_IDS}`.aws`.
 */
export const BEDROCK_USAGE_SOURCE = 'aws-bedrock-usage';

/**
 * The source of AWS billing in `data-exports` mode (the CUR 2.0 export), in place of {@link SOURCE_IDS}`.aws`:
 * one AWS source runs per configuration, so it is kept apart from the ids every deployment watches.
 */
export const AWS_DATA_EXPORTS_SOURCE = 'aws-data-exports';

/** The id of the AWS billing source a `sources.aws.mode` runs. */
export function awsSourceIdOf(mode: 'cost-explorer' | 'data-exports'): string {
  return mode === 'data-exports' ? AWS_DATA_EXPORTS_SOURCE : SOURCE_IDS.aws;
}

/** The prefix of a FOCUS file source's id: `sources.focus[]` entry `azure` is the source `focus:azure`. */
export const FOCUS_SOURCE_PREFIX = 'focus:';

/** The source id of the `sources.focus[]` entry `id`. */
export function focusSourceIdOf(id: string): string {
  return `${FOCUS_SOURCE_PREFIX}${id}`;
}
