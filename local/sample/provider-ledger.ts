import type { OpenAiUnitEndpoint } from '../../functions/sources/openai/openai-unit-endpoints';

/**
 * The local stand-in for the model providers' books: what the local OpenAI and Anthropic admin APIs sum
 * and group to answer the usage and cost endpoints. Usage is per hour (the finest bucket costline asks
 * for); billed cost is per day, as both providers bill. Amounts are decimal strings, never floats:
 * OpenAI rows in dollars, Anthropic rows in cents, as each API reports them.
 */

/** One hour of one OpenAI (project, API key, model, endpoint) slice of usage. */
export interface OpenAiUsageRow {
  /**
   * Start of the hour, ISO 8601 UTC, e.g. `2026-10-05T13:00:00Z`. The local OpenAI counts a row at this instant, so a
   * row may carry a longer span starting there (the sample's history: a whole day at 00:00, for 1-day reads).
   */
  hour: string;
  endpoint: 'completions' | 'embeddings';
  projectId: string;
  apiKeyId: string | null;
  userId: string | null;
  /** Versioned model name as the API reports it, e.g. `gpt-4o-2024-08-06`. */
  model: string;
  batch: boolean;
  /** The API's `service_tier` (`default`, `flex`, `priority`, `scale`); absent: `default`. */
  serviceTier?: string;
  /** All input tokens, including cached and cache-write (completions semantics). */
  inputTokens: number;
  inputCachedTokens: number;
  /** Input tokens written to the cache (inside `inputTokens`, apart from `inputCachedTokens`); absent: 0. */
  inputCacheWriteTokens?: number;
  outputTokens: number;
  /** The audio part of the counts above (uncached input, cached input, output); absent: none. */
  audio?: { input: number; cachedInput: number; output: number };
  /** The image part of the counts above. */
  image?: { input: number; cachedInput: number; output: number };
  numModelRequests: number;
}

/** The OpenAI usage endpoints measured in something other than tokens (and moderations), as the API names them. */
export type OpenAiUnitEndpointName = OpenAiUnitEndpoint;

/** One hour of one OpenAI (project, API key, model) slice of a non-token usage endpoint. */
export interface OpenAiUnitUsageRow {
  hour: string;
  endpoint: OpenAiUnitEndpointName;
  projectId: string;
  /** null for the endpoints that report no key (vector stores, code interpreter). */
  apiKeyId: string | null;
  userId: string | null;
  /** null for the endpoints without a model (vector stores, code interpreter, file search). */
  model: string | null;
  /**
   * The endpoint's measure: images, characters, seconds, input tokens (moderations), bytes stored (vector stores:
   * a level during the hour, averaged over a longer bucket), sessions, or search calls.
   */
  quantity: number;
  /** `num_model_requests`, for the endpoints that report it (0 otherwise). */
  numModelRequests: number;
}

/** One day of one OpenAI billed line. */
export interface OpenAiCostRow {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  projectId: string | null;
  apiKeyId: string | null;
  /**
   * e.g. `gpt-4o-2024-08-06, input`, `ft-gpt-4o-2024-08-06, output`, `evals | gpt-4o-mini-2024-07-18, input`,
   * `assistants api | file search`; the API does not specify the format.
   */
  lineItem: string;
  /** Dollars, decimal string (the API returns it as a JSON number or a string). */
  amountUsd: string;
  quantity: number | null;
  quantityUnit: string | null;
}

/** One hour of one Anthropic (workspace, API key, model, tier) slice of Messages usage. */
export interface AnthropicUsageRow {
  hour: string;
  /** `null` is the default workspace. */
  workspaceId: string | null;
  apiKeyId: string | null;
  model: string;
  serviceTier: 'standard' | 'batch' | 'priority';
  contextWindow: '0-200k' | '200k-1M';
  inferenceGeo: 'global' | 'us' | 'not_available';
  /** Fast mode (`fast`) or not; absent is `standard`. */
  speed?: 'standard' | 'fast';
  uncachedInputTokens: number;
  cacheCreation5mTokens: number;
  cacheCreation1hTokens: number;
  cacheReadInputTokens: number;
  outputTokens: number;
  webSearchRequests: number;
  /** Model requests (the analytics usage endpoint counts them; the legacy report does not); absent is 0. */
  requests?: number;
}

/** One day of one Anthropic billed line, as `cost_report` grouped by workspace and description. */
export interface AnthropicCostRow {
  day: string;
  workspaceId: string | null;
  /** The API key the cost was run up with (the analytics cost endpoint groups by it; `cost_report` cannot); absent is null. */
  apiKeyId?: string | null;
  description: string;
  costType: 'tokens' | 'web_search' | 'code_execution';
  /** null for costs with no model (web search, code execution). */
  model: string | null;
  /** `uncached_input_tokens`, `output_tokens`, `cache_read_input_tokens`, `cache_creation.ephemeral_5m_input_tokens`, `cache_creation.ephemeral_1h_input_tokens`, or null. */
  tokenType: string | null;
  /**
   * `priority` rows stand for Priority Tier's own bill (a different billing model): neither cost endpoint ever
   * serves them; Priority Tier usage is seen only in the usage endpoints.
   */
  serviceTier: 'standard' | 'batch' | 'priority' | null;
  contextWindow: '0-200k' | '200k-1M' | null;
  inferenceGeo: string | null;
  /** Cents, decimal string: `"123.45"` is $1.2345. */
  amountCents: string;
  /** List price (pre-discount) in cents, for the analytics cost endpoint's `list_amount`; absent: not served. */
  listAmountCents?: string;
  /** Requests of the slice, counted on one of its lines (the analytics cost endpoint's request count); absent is 0. */
  requests?: number;
}

/** A fictional organisation's model-provider books. */
export interface ProviderLedger {
  /** `unitUsage`: the non-token usage endpoints; absent: they answer empty buckets. */
  openai: { usage: OpenAiUsageRow[]; costs: OpenAiCostRow[]; unitUsage?: OpenAiUnitUsageRow[] };
  anthropic: { usage: AnthropicUsageRow[]; costs: AnthropicCostRow[] };
}
