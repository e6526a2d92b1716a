/*
 * The sample OpenAI workloads (see sample-provider-ledger.ts): list prices, the detailed months' slices, the
 * additions billed at their own rates, and the tool calls.
 */

/** OpenAI list prices billed here, USD per 1M tokens. */
export const OPENAI_PRICES: Record<string, { input: string; cached?: string; output?: string }> = {
  'gpt-4o-2024-08-06': { input: '2.50', cached: '1.25', output: '10.00' },
  'gpt-4o-mini-2024-07-18': { input: '0.15', cached: '0.075', output: '0.60' },
  'text-embedding-3-small': { input: '0.02' },
  'o3-deep-research-2025-06-26': { input: '10', cached: '2.5', output: '40' },
};

/** One OpenAI (project, key, model) workload. */
export interface OpenAiSlice {
  projectId: string;
  apiKeyId: string;
  model: string;
  endpoint: 'completions' | 'embeddings';
  /** Typical 30-day spend at list price, USD. */
  monthlyUsd: number;
  /** Share of input tokens read from cache. */
  cachedShare: number;
  /** Output tokens per input token. */
  outputRatio: number;
  tokensPerRequest: number;
  /** proj_search's gpt-4o: the 2026-10-21 afternoon spike. */
  spike?: boolean;
}

export const OPENAI_SLICES: OpenAiSlice[] = [
  { projectId: 'proj_payments', apiKeyId: 'key_payments_prod', model: 'gpt-4o-2024-08-06', endpoint: 'completions', monthlyUsd: 240, cachedShare: 0.3, outputRatio: 0.22, tokensPerRequest: 2400 },
  { projectId: 'proj_payments', apiKeyId: 'key_payments_prod', model: 'gpt-4o-mini-2024-07-18', endpoint: 'completions', monthlyUsd: 60, cachedShare: 0.25, outputRatio: 0.3, tokensPerRequest: 1500 },
  { projectId: 'proj_search', apiKeyId: 'key_search_api', model: 'gpt-4o-2024-08-06', endpoint: 'completions', monthlyUsd: 150, cachedShare: 0.35, outputRatio: 0.2, tokensPerRequest: 3000, spike: true },
  { projectId: 'proj_search', apiKeyId: 'key_search_api', model: 'gpt-4o-mini-2024-07-18', endpoint: 'completions', monthlyUsd: 40, cachedShare: 0.4, outputRatio: 0.15, tokensPerRequest: 1800 },
  { projectId: 'proj_search', apiKeyId: 'key_search_api', model: 'text-embedding-3-small', endpoint: 'embeddings', monthlyUsd: 15, cachedShare: 0, outputRatio: 0, tokensPerRequest: 800 },
  { projectId: 'proj_search', apiKeyId: 'key_search_research', model: 'o3-deep-research-2025-06-26', endpoint: 'completions', monthlyUsd: 170, cachedShare: 0.2, outputRatio: 0.25, tokensPerRequest: 60000 },
  { projectId: 'proj_support', apiKeyId: 'key_support_bot', model: 'gpt-4o-mini-2024-07-18', endpoint: 'completions', monthlyUsd: 110, cachedShare: 0.5, outputRatio: 0.25, tokensPerRequest: 2000 },
  { projectId: 'proj_support', apiKeyId: 'key_support_bot', model: 'text-embedding-3-small', endpoint: 'embeddings', monthlyUsd: 10, cachedShare: 0, outputRatio: 0, tokensPerRequest: 600 },
  { projectId: 'proj_growth', apiKeyId: 'key_growth_web', model: 'gpt-4o-mini-2024-07-18', endpoint: 'completions', monthlyUsd: 70, cachedShare: 0.3, outputRatio: 0.3, tokensPerRequest: 1200 },
  { projectId: 'proj_growth', apiKeyId: 'key_growth_batch', model: 'gpt-4o-2024-08-06', endpoint: 'completions', monthlyUsd: 90, cachedShare: 0.1, outputRatio: 0.15, tokensPerRequest: 5000 },
  { projectId: 'proj_experiments', apiKeyId: 'key_experiments', model: 'gpt-4o-2024-08-06', endpoint: 'completions', monthlyUsd: 230, cachedShare: 0.15, outputRatio: 0.3, tokensPerRequest: 2500 },
  { projectId: 'proj_experiments', apiKeyId: 'key_experiments', model: 'gpt-4o-mini-2024-07-18', endpoint: 'completions', monthlyUsd: 60, cachedShare: 0.2, outputRatio: 0.3, tokensPerRequest: 1500 },
];

/** The spike: proj_search's gpt-4o at SPIKE_FACTOR× from SPIKE_FROM_HOUR (UTC) to the end of SPIKE_DAY. */
export const SPIKE_DAY = '2026-10-21';
export const SPIKE_FROM_HOUR = 14;
export const SPIKE_FACTOR = 60;

/**
 * One more OpenAI workload, billed under its own line items: `"<billedAs>, input"` and so on, with `"<surface> | "`
 * before them for a product surface (evals), at its own prices (a fine-tune's, or a service tier's).
 */
export interface OpenAiExtraSlice {
  projectId: string;
  apiKeyId: string;
  /** The model as the usage API reports it: a fine-tune as `ft:<base>:<org>:<name>:<id>` (assumed). */
  model: string;
  /** The model as `/costs` line items name it: a fine-tune as `ft-<base>`. */
  billedAs: string;
  /** Product surface of the line items (`evals | gpt-4o-mini-2024-07-18, input`). */
  surface?: string;
  /** Absent: completions. */
  endpoint?: 'completions' | 'embeddings';
  /** Completions `service_tier` (absent: `default`); the bill carries the tier's prices under the usual line items. */
  serviceTier?: 'priority' | 'flex';
  /** USD per 1M tokens, as billed: the fine-tune's or the tier's rate. */
  prices: { input: string; cached?: string | undefined; output?: string | undefined };
  monthlyUsd: number;
  cachedShare: number;
  outputRatio: number;
  tokensPerRequest: number;
  /** UTC hours `[from, to)` a batch-like workload runs in, at an even rate; absent: all day, on the daily curve. */
  hours?: [number, number];
}

export const OPENAI_EXTRA_SLICES: OpenAiExtraSlice[] = [
  // support-bot's fine-tuned triage model: fine-tuned gpt-4o inference at $3.75 / $15 per 1M (not in the price book).
  {
    projectId: 'proj_support',
    apiKeyId: 'key_support_ft',
    model: 'ft:gpt-4o-2024-08-06:org-costline-sample:support-triage:B7xk2Qd9',
    billedAs: 'ft-gpt-4o-2024-08-06',
    prices: { input: '3.75', output: '15.00' },
    monthlyUsd: 60,
    cachedShare: 0,
    outputRatio: 0.12,
    tokensPerRequest: 1800,
  },
  // search's nightly eval run on gpt-4o-mini: billed as "evals | gpt-4o-mini-2024-07-18, …", used as gpt-4o-mini.
  {
    projectId: 'proj_search',
    apiKeyId: 'key_search_evals',
    model: 'gpt-4o-mini-2024-07-18',
    billedAs: 'gpt-4o-mini-2024-07-18',
    surface: 'evals',
    prices: { input: '0.15', output: '0.60' },
    monthlyUsd: 25,
    cachedShare: 0,
    outputRatio: 0.1,
    tokensPerRequest: 2500,
    hours: [1, 4],
  },
  // payments' checkout path on priority processing: gpt-4o-mini at the Priority table's $0.25 / $0.125 / $1.
  {
    projectId: 'proj_payments',
    apiKeyId: 'key_payments_checkout',
    model: 'gpt-4o-mini-2024-07-18',
    billedAs: 'gpt-4o-mini-2024-07-18',
    serviceTier: 'priority',
    prices: { input: '0.25', cached: '0.125', output: '1.00' },
    monthlyUsd: 30,
    cachedShare: 0.3,
    outputRatio: 0.2,
    tokensPerRequest: 900,
  },
  // growth's overnight enrichment batch on flex processing: o4-mini at half its standard $1.10 / $0.275 / $4.40.
  {
    projectId: 'proj_growth',
    apiKeyId: 'key_growth_batch',
    model: 'o4-mini-2025-04-16',
    billedAs: 'o4-mini-2025-04-16',
    serviceTier: 'flex',
    prices: { input: '0.55', cached: '0.1375', output: '2.20' },
    monthlyUsd: 40,
    cachedShare: 0.1,
    outputRatio: 0.6,
    tokensPerRequest: 4000,
    hours: [0, 6],
  },
];

/** One OpenAI workload of a non-token usage endpoint, billed per call under one line item. */
export interface OpenAiToolSlice {
  endpoint: 'file_search_calls' | 'web_search_calls';
  projectId: string;
  apiKeyId: string;
  /** null for file search (the endpoint reports no model). */
  model: string | null;
  lineItem: string;
  /** USD per 1,000 calls. */
  perThousand: string;
  callsPerMonth: number;
  /** `num_model_requests` per call (web search reports it; file search does not). */
  modelRequestsPerCall: number;
}

export const OPENAI_TOOL_SLICES: OpenAiToolSlice[] = [
  // support-bot's assistant searches its help-centre files: $2.50 per 1,000 calls.
  { endpoint: 'file_search_calls', projectId: 'proj_support', apiKeyId: 'key_support_bot', model: null, lineItem: 'assistants api | file search', perThousand: '2.5', callsPerMonth: 6000, modelRequestsPerCall: 0 },
  // growth's web app searches the web from gpt-4o-mini: $25 per 1,000 calls (web search preview, non-reasoning models).
  { endpoint: 'web_search_calls', projectId: 'proj_growth', apiKeyId: 'key_growth_web', model: 'gpt-4o-mini-2024-07-18', lineItem: 'web search tool calls', perThousand: '25', callsPerMonth: 1200, modelRequestsPerCall: 1 },
];

/** Per-million-token price of a slice's average input token (uncached, cached and the output it brings). */
export function perInputToken(prices: { input: string; cached?: string | undefined; output?: string | undefined }, cachedShare: number, outputRatio: number): number {
  return ((1 - cachedShare) * Number(prices.input) + cachedShare * Number(prices.cached ?? 0) + outputRatio * Number(prices.output ?? 0)) / 1e6;
}
