import type { Provider } from './cost-record';

/**
 * Tokens by type, disjoint so they add up: `input` is uncached input only (OpenAI's `input_tokens` less
 * cached and cache-write tokens; Anthropic's `uncached_input_tokens`), `cachedInput` is cache reads,
 * `cacheWrite5m`/`cacheWrite1h` are cache writes by lifetime (priced differently), `output` is output.
 */
export interface TokenCounts {
  input: number;
  cachedInput: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
}

/** Tokens of one modality (audio or image): uncached input, cached input and output. */
export interface ModalityTokens {
  input: number;
  cachedInput: number;
  output: number;
}

/**
 * Units of non-token usage, as the endpoints report them: `images` (OpenAI images), `characters` (audio
 * speeches), `seconds` (audio transcriptions), `gibibyte-days` (vector store storage, from usage_bytes per day),
 * `sessions` (code interpreter), `calls` (file search and web search tool calls), `requests` (moderations).
 */
export type UsageUnit = 'images' | 'characters' | 'seconds' | 'gibibyte-days' | 'sessions' | 'calls' | 'requests';

export const NO_TOKENS: TokenCounts = Object.freeze({ input: 0, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 });

/**
 * One day of one usage slice: tokens and requests, no money. Usage and billed cost arrive from different
 * endpoints at different times; the chargeback puts tokens beside the dollars, and prices usage into an
 * estimate only for days the bill does not cover yet. Field names follow {@link CostRecord}.
 */
export interface UsageRecord {
  id: string;
  source: string;
  provider: Provider;
  billingAccountId: string;
  /** OpenAI project, Anthropic workspace (null: the default workspace), or AWS linked account. */
  subAccountId: string | null;
  apiKeyId: string | null;
  serviceName: string;
  /** Versioned model name as the provider reports it. */
  model: string;
  /** What was used: `completions`, `embeddings`, `messages`, or a Bedrock usage type. */
  usageType: string;
  /** `standard`, `batch`, `priority`, `flex`, `scale`, ... when reported (an open set: providers add tiers). */
  serviceTier: string | null;
  /**
   * Anthropic's context-window band, `0-200k` or `200k-1M` (long context is priced higher); absent or null
   * when the source does not report it.
   */
  contextWindow?: string | null;
  /** Anthropic's inference geography, `global`, `us` (US-only inference, priced 1.1x) or `not_available`. */
  inferenceGeo?: string | null;
  /** Anthropic's speed, `standard` or `fast` (fast mode, priced higher). */
  speed?: string | null;
  /**
   * The audio and image part of {@link tokens}, where the source reports it (OpenAI completions). These
   * tokens are counted inside `tokens` too; pricing takes them out of the text tokens and prices them at
   * their own rates, or reports them unpriced, never at text rates.
   */
  modalities?: { audio?: ModalityTokens; image?: ModalityTokens };
  /**
   * Usage measured in something other than tokens (images, characters, seconds, bytes, sessions, calls),
   * for the endpoints that report it; `tokens` is then all zero unless the endpoint also counts tokens.
   */
  units?: { quantity: number; unit: UsageUnit };
  chargePeriodStart: string;
  chargePeriodEnd: string;
  tokens: TokenCounts;
  /** Model requests. */
  requests: number;
  /** Server-side tool calls billed per request (Anthropic web search). */
  webSearchRequests: number;
  tags: Record<string, string>;
  /**
   * The source could not say which team used it (Bedrock tokens come per service and usage type): the
   * chargeback splits it across the teams by their share of that day's cost of the same service.
   */
  apportionByCost?: boolean;
  /**
   * The token counts were derived from cost ÷ the price book's rate, not read from a quantity (Bedrock
   * Marketplace "Units" of undocumented size): close to the truth at list price, off where discounts apply.
   */
  tokensDerivedFromCost?: boolean;
}

/** Adds token counts. */
export function addTokens(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    input: a.input + b.input,
    cachedInput: a.cachedInput + b.cachedInput,
    cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
    output: a.output + b.output,
  };
}

/**
 * Every token of every type: the one token total, for usage's counts (cache writes by lifetime) and for
 * the chargeback's (cache writes together).
 */
export function totalTokens(t: TokenCounts | { input: number; cachedInput: number; cacheWrite: number; output: number }): number {
  return 'cacheWrite' in t ? t.input + t.cachedInput + t.cacheWrite + t.output : t.input + t.cachedInput + t.cacheWrite5m + t.cacheWrite1h + t.output;
}
