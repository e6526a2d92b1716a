import Big from 'big.js';
import type { AnthropicCostRow } from './provider-ledger';

/*
 * The sample Anthropic workloads (see sample-provider-ledger.ts): list prices, the detailed months' slices, and the
 * additions set apart by tier, context window, inference geography or speed.
 */

/** Anthropic list prices billed here, USD per 1M tokens; web search is $10 per 1,000 requests. */
export const ANTHROPIC_PRICES: Record<string, { name: string; input: string; cacheRead: string; cache5m: string; cache1h: string; output: string }> = {
  'claude-sonnet-4-5-20250929': { name: 'Claude Sonnet 4.5', input: '3', cacheRead: '0.30', cache5m: '3.75', cache1h: '6', output: '15' },
  'claude-haiku-4-5-20251001': { name: 'Claude Haiku 4.5', input: '1', cacheRead: '0.10', cache5m: '1.25', cache1h: '2', output: '5' },
};
export const WEB_SEARCH_CENTS_PER_REQUEST = '1';

/** One Anthropic (workspace, key, model) workload. */
export interface AnthropicSlice {
  workspaceId: string | null;
  apiKeyId: string | null;
  model: string;
  /** Typical 30-day token spend at list price, USD (web search excluded). */
  monthlyUsd: number;
  /** Shares of all input tokens: uncached, cache read, 5-minute and 1-hour cache writes (they sum to 1). */
  mix: { uncached: number; cacheRead: number; cache5m: number; cache1h: number };
  outputRatio: number;
  /** Typical 30-day web search requests. */
  webSearchesPerMonth?: number;
  /** From this day on, the same input volume with another cache mix and output ratio (a prompt change). */
  promptChange?: { from: string; mix: AnthropicSlice['mix']; outputRatio: number };
  /** The first day the workload runs (a launch); before it, no usage and no bill. */
  launched?: string;
}

export const NO_CACHE = { uncached: 1, cacheRead: 0, cache5m: 0, cache1h: 0 };

export const ANTHROPIC_SLICES: AnthropicSlice[] = [
  {
    workspaceId: 'wrkspc_support',
    apiKeyId: 'apikey_support_prod',
    model: 'claude-sonnet-4-5-20250929',
    monthlyUsd: 190,
    mix: { uncached: 0.25, cacheRead: 0.62, cache5m: 0.09, cache1h: 0.04 },
    outputRatio: 0.1,
    webSearchesPerMonth: 2000,
    promptChange: { from: '2026-10-27', mix: NO_CACHE, outputRatio: 0.2 },
  },
  { workspaceId: 'wrkspc_support', apiKeyId: 'apikey_support_prod', model: 'claude-haiku-4-5-20251001', monthlyUsd: 45, mix: { uncached: 0.5, cacheRead: 0.4, cache5m: 0.07, cache1h: 0.03 }, outputRatio: 0.15 },
  { workspaceId: 'wrkspc_data', apiKeyId: 'apikey_data_etl', model: 'claude-sonnet-4-5-20250929', monthlyUsd: 250, mix: NO_CACHE, outputRatio: 0.2 },
  { workspaceId: 'wrkspc_data', apiKeyId: 'apikey_data_etl', model: 'claude-haiku-4-5-20251001', monthlyUsd: 150, mix: NO_CACHE, outputRatio: 0.25 },
  { workspaceId: null, apiKeyId: 'apikey_growth_app', model: 'claude-haiku-4-5-20251001', monthlyUsd: 60, mix: NO_CACHE, outputRatio: 0.2, webSearchesPerMonth: 300 },
  { workspaceId: null, apiKeyId: 'apikey_growth_app', model: 'claude-sonnet-4-5-20250929', monthlyUsd: 30, mix: NO_CACHE, outputRatio: 0.2 },
  // Console Workbench usage: the default workspace with no API key.
  { workspaceId: null, apiKeyId: null, model: 'claude-haiku-4-5-20251001', monthlyUsd: 25, mix: NO_CACHE, outputRatio: 0.3 },
  { workspaceId: 'wrkspc_sandbox', apiKeyId: 'apikey_sandbox', model: 'claude-sonnet-4-5-20250929', monthlyUsd: 90, mix: NO_CACHE, outputRatio: 0.25 },
];

/**
 * Slices added later, drawn from their own seeded PRNG so the slices above keep their figures. The search team's
 * reranker, launched on 2026-10-01 (so September's figures stay as they were), runs on a key of its own in
 * data-platform's workspace: an `apiKey` rule (costline.config.json) sends its billed dollars to search on the days
 * the analytics cost endpoint reports keys.
 */
export const LATER_ANTHROPIC_SLICES: AnthropicSlice[] = [
  { workspaceId: 'wrkspc_data', apiKeyId: 'apikey_search_rerank', model: 'claude-haiku-4-5-20251001', monthlyUsd: 40, mix: NO_CACHE, outputRatio: 0.05, launched: '2026-10-01' },
];

/** USD per 1M tokens of one way of running a model, and the model's name in cost descriptions. */
export type AnthropicRates = (typeof ANTHROPIC_PRICES)[string];

/**
 * One more Anthropic workload, set apart by how it runs: its tier, context window, inference geography or speed,
 * billed at that variant's own prices under the model's usual descriptions (the row's `context_window` and
 * `inference_geo` tell the variants apart; the descriptions of these lines are not documented).
 */
export interface AnthropicExtraSlice extends AnthropicSlice {
  /** `priority`: Priority Tier, capacity billed by commitment, so usage rows only and never a cost row. */
  serviceTier: 'standard' | 'priority';
  contextWindow: '0-200k' | '200k-1M';
  inferenceGeo: 'global' | 'us';
  /** Fast mode; absent: standard speed (the usage rows then carry no `speed`, as the rows above). */
  speed?: 'fast';
  /** USD per 1M tokens as billed (the variant's rate); for Priority Tier, the list rate its volume is sized by. */
  prices: AnthropicRates;
  /** Input tokens (all kinds) per request, for the analytics usage endpoint's request count. */
  tokensPerRequest?: number;
}

export const ANTHROPIC_EXTRA_SLICES: AnthropicExtraSlice[] = [
  // support-bot's latency-critical chat on Priority Tier: Haiku 4.5, about $150 a month if it were billed per token.
  {
    workspaceId: 'wrkspc_support_priority',
    apiKeyId: 'apikey_support_priority',
    model: 'claude-haiku-4-5-20251001',
    serviceTier: 'priority',
    contextWindow: '0-200k',
    inferenceGeo: 'global',
    prices: ANTHROPIC_PRICES['claude-haiku-4-5-20251001']!,
    monthlyUsd: 150,
    mix: { uncached: 0.5, cacheRead: 0.45, cache5m: 0.05, cache1h: 0 },
    outputRatio: 0.15,
    tokensPerRequest: 3000,
  },
  // data-platform's contract review, whole documents in Sonnet 4.5's 1M window: the long-context rates of $6 input
  // and $22.50 output per 1M (2× and 1.5×; cache prices scale with input), as the price book has them.
  {
    workspaceId: 'wrkspc_data',
    apiKeyId: 'apikey_data_longdocs',
    model: 'claude-sonnet-4-5-20250929',
    serviceTier: 'standard',
    contextWindow: '200k-1M',
    inferenceGeo: 'global',
    prices: { name: 'Claude Sonnet 4.5', input: '6', cacheRead: '0.6', cache5m: '7.5', cache1h: '12', output: '22.5' },
    monthlyUsd: 40,
    mix: { uncached: 0.35, cacheRead: 0.6, cache5m: 0.05, cache1h: 0 },
    outputRatio: 0.02,
    // No request count: its tokens share data-platform's Sonnet 4.5 line with a workload that reports none.
  },
  // data-platform's US customer records, kept in the US: Sonnet 4.6 with inference_geo us, 1.1× every token price.
  {
    workspaceId: 'wrkspc_data',
    apiKeyId: 'apikey_data_us',
    model: 'claude-sonnet-4-6',
    serviceTier: 'standard',
    contextWindow: '0-200k',
    inferenceGeo: 'us',
    prices: { name: 'Claude Sonnet 4.6', input: '3.3', cacheRead: '0.33', cache5m: '4.125', cache1h: '6.6', output: '16.5' },
    monthlyUsd: 30,
    mix: NO_CACHE,
    outputRatio: 0.2,
    tokensPerRequest: 4000,
    launched: '2026-03-02',
  },
  // data-platform's on-call assistant on Opus 4.6 fast mode: 6× the standard $5 / $25, a few tens of dollars a month.
  {
    workspaceId: 'wrkspc_data',
    apiKeyId: 'apikey_data_fast',
    model: 'claude-opus-4-6',
    serviceTier: 'standard',
    contextWindow: '0-200k',
    inferenceGeo: 'global',
    speed: 'fast',
    prices: { name: 'Claude Opus 4.6', input: '30', cacheRead: '3', cache5m: '37.5', cache1h: '60', output: '150' },
    monthlyUsd: 20,
    mix: NO_CACHE,
    outputRatio: 0.25,
    tokensPerRequest: 6000,
    launched: '2026-03-02',
  },
];

/** The workloads above as extra slices: standard tier, the 0–200k window, global inference, list prices. */
export const ANTHROPIC_SLICES_AS_EXTRA: AnthropicExtraSlice[] = [...ANTHROPIC_SLICES, ...LATER_ANTHROPIC_SLICES].map((s) => ({
  ...s,
  serviceTier: 'standard',
  contextWindow: '0-200k',
  inferenceGeo: 'global',
  prices: ANTHROPIC_PRICES[s.model]!,
}));

/** Per-1M-token price of an Anthropic slice's average input token (its cache mix and the output it brings). */
export function anthropicPerInputToken(s: AnthropicExtraSlice): number {
  const p = s.prices;
  const m = s.mix;
  return (m.uncached * Number(p.input) + m.cacheRead * Number(p.cacheRead) + m.cache5m * Number(p.cache5m) + m.cache1h * Number(p.cache1h) + s.outputRatio * Number(p.output)) / 1e6;
}

/**
 * A day's token lines of one slice, in cents: `n` is [uncached, cache read, 5m write, 1h write, output, ...], each line
 * × its price × the day's adjustment `factor`; lines of no tokens are left out.
 */
export function tokenCostRows(day: string, s: AnthropicExtraSlice, n: readonly number[], factor: Big): AnthropicCostRow[] {
  const rows: AnthropicCostRow[] = [];
  const line = (label: string, tokenType: string, tokens: number, price: string) => {
    if (tokens === 0) return;
    rows.push({
      day,
      workspaceId: s.workspaceId,
      apiKeyId: s.apiKeyId,
      description: `${s.prices.name} Usage - ${label}`,
      costType: 'tokens',
      model: s.model,
      tokenType,
      serviceTier: s.serviceTier,
      contextWindow: s.contextWindow,
      inferenceGeo: s.inferenceGeo,
      // USD per 1M tokens → cents: × 100 / 1e6.
      amountCents: new Big(tokens).times(price).div(10_000).times(factor).round(6).toFixed(),
    });
  };
  line('Input Tokens', 'uncached_input_tokens', n[0]!, s.prices.input);
  line('Output Tokens', 'output_tokens', n[4]!, s.prices.output);
  line('Cache Read Input Tokens', 'cache_read_input_tokens', n[1]!, s.prices.cacheRead);
  line('5m Cache Write Input Tokens', 'cache_creation.ephemeral_5m_input_tokens', n[2]!, s.prices.cache5m);
  line('1h Cache Write Input Tokens', 'cache_creation.ephemeral_1h_input_tokens', n[3]!, s.prices.cache1h);
  return rows;
}

/** A day's web search line: billed per workspace and key, with no model (cost_report sums it per workspace). */
export function webSearchCostRow(day: string, workspaceId: string | null, apiKeyId: string | null, searches: number, factor: Big): AnthropicCostRow {
  return {
    day,
    workspaceId,
    apiKeyId,
    description: 'Web Search Usage',
    costType: 'web_search',
    model: null,
    tokenType: null,
    serviceTier: null,
    contextWindow: null,
    inferenceGeo: null,
    amountCents: new Big(searches).times(WEB_SEARCH_CENTS_PER_REQUEST).times(factor).round(6).toFixed(),
  };
}
