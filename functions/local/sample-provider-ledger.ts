import Big from 'big.js';
import { mulberry32 } from './seeded-random';
import type { AnthropicCostRow, AnthropicUsageRow, OpenAiCostRow, OpenAiUsageRow, ProviderLedger } from './provider-ledger';

/**
 * The bundled sample model-provider books that `npm run local` serves from the local OpenAI and Anthropic admin
 * APIs: hourly usage from 2026-09-01T00:00Z to 2026-10-31T23:00Z and daily billed cost through 2026-10-30 only.
 * Billed cost arrives late: on the morning of 1 November the bill for 31 October is not in yet, so costline has to
 * estimate that day from usage and a price book.
 *
 * The organisation matches `costline.config.json`:
 * - OpenAI projects `proj_payments` (payments), `proj_search` (search; gpt-4o, gpt-4o-mini, embeddings, and
 *   `o3-deep-research-2025-06-26`, a model missing from the price book), `proj_support` (support-bot),
 *   `proj_growth` (growth; keys `key_growth_web` and `key_growth_batch`) and `proj_experiments`, which no rule maps.
 * - Anthropic workspaces `wrkspc_support` (support-bot; cache reads, 5m and 1h cache writes, web search),
 *   `wrkspc_data` (data-platform; plus search's reranker on key `apikey_search_rerank`, which an `apiKey` rule sends
 *   to search: billed cost rows carry their key), the default workspace (`null`, growth; partly Console Workbench usage with a null
 *   API key) and `wrkspc_sandbox`, which no rule maps.
 * - A spend spike: on 2026-10-21 from 14:00 UTC to the end of the day, proj_search's gpt-4o usage runs at 60× its
 *   usual level for the hour (a runaway retry loop, say): about $20 more an hour, which the hourly job's anomaly
 *   alert catches once the excess passes the $50 minimum impact.
 * - A prompt change: from 2026-10-27, wrkspc_support's Claude Sonnet loses its prompt caching and writes twice the
 *   output, at the same input volume: its cost per million tokens rises by about 80 %, the unit-cost alert's case.
 * - Weekends run at about 40 % of weekdays, with a daily curve peaking in the UTC afternoon.
 *
 * Billed cost of a day = that day's usage × the list prices below (`OPENAI_PRICES`, `ANTHROPIC_PRICES`), per line item
 * (`"<model>, input"` for uncached input, `"<model>, cached input"`, `"<model>, output"`) or per description
 * (`"Claude Sonnet 4.5 Usage - Input Tokens"`, …, `"Web Search Usage"`), times a per-provider, per-day adjustment
 * between −2 % and +3 % (integer basis points), so an estimate from usage never matches the bill exactly.
 *
 * Model spend per team is about $250–$450 a month, proj_experiments about $290, wrkspc_sandbox about $90, and the
 * o3-deep-research model about $170.
 */

const FIRST_HOUR_MS = Date.UTC(2026, 8, 1); // 2026-09-01T00:00:00Z
const DAYS = 61; // through 2026-10-31
const LAST_BILLED_DAY = '2026-10-30';
const SEED = 20261101;

/** Weekend level relative to weekdays. */
const WEEKEND = 0.4;
/** Average of the weekday factor over a week, to turn a monthly target into a weekday hourly level. */
const WEEK_AVERAGE = (5 + 2 * WEEKEND) / 7;
/** Relative load by UTC hour (Europe and the US at work in the afternoon), normalized below to average 1. */
const DIURNAL_RAW = [0.55, 0.45, 0.35, 0.3, 0.3, 0.35, 0.5, 0.7, 0.9, 1.05, 1.15, 1.25, 1.35, 1.45, 1.55, 1.6, 1.55, 1.45, 1.35, 1.2, 1.05, 0.9, 0.75, 0.65];
const DIURNAL = DIURNAL_RAW.map((v) => (v * 24) / DIURNAL_RAW.reduce((a, b) => a + b, 0));

/** OpenAI list prices billed here, USD per 1M tokens. */
const OPENAI_PRICES: Record<string, { input: string; cached?: string; output?: string }> = {
  'gpt-4o-2024-08-06': { input: '2.50', cached: '1.25', output: '10.00' },
  'gpt-4o-mini-2024-07-18': { input: '0.15', cached: '0.075', output: '0.60' },
  'text-embedding-3-small': { input: '0.02' },
  'o3-deep-research-2025-06-26': { input: '10', cached: '2.5', output: '40' },
};

/** Anthropic list prices billed here, USD per 1M tokens; web search is $10 per 1,000 requests. */
const ANTHROPIC_PRICES: Record<string, { name: string; input: string; cacheRead: string; cache5m: string; cache1h: string; output: string }> = {
  'claude-sonnet-4-5-20250929': { name: 'Claude Sonnet 4.5', input: '3', cacheRead: '0.30', cache5m: '3.75', cache1h: '6', output: '15' },
  'claude-haiku-4-5-20251001': { name: 'Claude Haiku 4.5', input: '1', cacheRead: '0.10', cache5m: '1.25', cache1h: '2', output: '5' },
};
const WEB_SEARCH_CENTS_PER_REQUEST = '1';

/** One OpenAI (project, key, model) workload. */
interface OpenAiSlice {
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

const OPENAI_SLICES: OpenAiSlice[] = [
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

/** One Anthropic (workspace, key, model) workload. */
interface AnthropicSlice {
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

const NO_CACHE = { uncached: 1, cacheRead: 0, cache5m: 0, cache1h: 0 };

const ANTHROPIC_SLICES: AnthropicSlice[] = [
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
const LATER_ANTHROPIC_SLICES: AnthropicSlice[] = [
  { workspaceId: 'wrkspc_data', apiKeyId: 'apikey_search_rerank', model: 'claude-haiku-4-5-20251001', monthlyUsd: 40, mix: NO_CACHE, outputRatio: 0.05, launched: '2026-10-01' },
];

/** The spike: proj_search's gpt-4o at SPIKE_FACTOR× from SPIKE_FROM_HOUR (UTC) to the end of SPIKE_DAY. */
export const SPIKE_DAY = '2026-10-21';
export const SPIKE_FROM_HOUR = 14;
const SPIKE_FACTOR = 60;

/**
 * Builds the sample provider books. Pure and deterministic: every call returns an equal ledger (a seeded PRNG, no
 * `Math.random`, no clock). About 29,000 hourly usage rows and 2,600 daily cost rows.
 */
export function sampleProviderLedger(): ProviderLedger {
  const random = mulberry32(SEED);
  const noise = (spread: number) => 1 - spread + random() * 2 * spread;
  const laterRandom = mulberry32(SEED + 1);
  const laterNoise = (spread: number) => 1 - spread + laterRandom() * 2 * spread;
  const anthropicSlices = [...ANTHROPIC_SLICES, ...LATER_ANTHROPIC_SLICES];

  const days = Array.from({ length: DAYS }, (_, d) => new Date(FIRST_HOUR_MS + d * 86_400_000).toISOString().slice(0, 10));
  const weekday = days.map((day) => {
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    return dow === 0 || dow === 6 ? WEEKEND : 1;
  });
  // Per-provider, per-day bill adjustment in basis points, −200 … +300; drawn up front so usage changes leave it be.
  const adjustment = { openai: days.map(() => -200 + Math.floor(random() * 501)), anthropic: days.map(() => -200 + Math.floor(random() * 501)) };

  const openAiBase = OPENAI_SLICES.map((s) => {
    const p = OPENAI_PRICES[s.model]!;
    const perInputToken = ((1 - s.cachedShare) * Number(p.input) + s.cachedShare * Number(p.cached ?? 0) + s.outputRatio * Number(p.output ?? 0)) / 1e6;
    return s.monthlyUsd / (30 * 24 * WEEK_AVERAGE) / perInputToken;
  });
  const anthropicBase = anthropicSlices.map((s) => {
    const p = ANTHROPIC_PRICES[s.model]!;
    const m = s.mix;
    const perInputToken =
      (m.uncached * Number(p.input) + m.cacheRead * Number(p.cacheRead) + m.cache5m * Number(p.cache5m) + m.cache1h * Number(p.cache1h) + s.outputRatio * Number(p.output)) / 1e6;
    return s.monthlyUsd / (30 * 24 * WEEK_AVERAGE) / perInputToken;
  });

  // Daily token totals per slice, for the bill: [day][slice] = [uncached input, cached input, output] (OpenAI) or
  // [uncached, cache read, 5m write, 1h write, output, web searches] (Anthropic).
  const openAiDaily = days.map(() => OPENAI_SLICES.map(() => [0, 0, 0]));
  const anthropicDaily = days.map(() => anthropicSlices.map(() => [0, 0, 0, 0, 0, 0]));

  const openAiUsage: OpenAiUsageRow[] = [];
  const anthropicUsage: AnthropicUsageRow[] = [];
  for (let d = 0; d < DAYS; d += 1) {
    const day = days[d]!;
    for (let h = 0; h < 24; h += 1) {
      const hour = `${day}T${String(h).padStart(2, '0')}:00:00Z`;
      const level = weekday[d]! * DIURNAL[h]!;

      OPENAI_SLICES.forEach((s, i) => {
        const spike = s.spike && day === SPIKE_DAY && h >= SPIKE_FROM_HOUR ? SPIKE_FACTOR : 1;
        const inputTokens = Math.max(1, Math.round(openAiBase[i]! * level * spike * noise(0.15)));
        const inputCachedTokens = Math.min(inputTokens, Math.round(inputTokens * s.cachedShare * noise(0.1)));
        const outputTokens = Math.round(inputTokens * s.outputRatio * noise(0.1));
        openAiUsage.push({
          hour,
          endpoint: s.endpoint,
          projectId: s.projectId,
          apiKeyId: s.apiKeyId,
          userId: null,
          model: s.model,
          batch: false,
          inputTokens,
          inputCachedTokens,
          outputTokens,
          numModelRequests: Math.max(1, Math.round(inputTokens / s.tokensPerRequest)),
        });
        const totals = openAiDaily[d]![i]!;
        totals[0]! += inputTokens - inputCachedTokens;
        totals[1]! += inputCachedTokens;
        totals[2]! += outputTokens;
      });

      anthropicSlices.forEach((s, i) => {
        if (s.launched && day < s.launched) return;
        const later = i >= ANTHROPIC_SLICES.length;
        const draw = later ? laterNoise : noise;
        const input = anthropicBase[i]! * level * draw(0.15);
        const changed = s.promptChange && day >= s.promptChange.from ? s.promptChange : undefined;
        const mix = changed?.mix ?? s.mix;
        const cacheReadInputTokens = Math.round(input * mix.cacheRead);
        const cacheCreation5mTokens = Math.round(input * mix.cache5m);
        const cacheCreation1hTokens = Math.round(input * mix.cache1h);
        const uncachedInputTokens = Math.max(1, Math.round(input * mix.uncached));
        const outputTokens = Math.round(input * (changed?.outputRatio ?? s.outputRatio) * draw(0.1));
        const webSearchRequests = s.webSearchesPerMonth ? Math.round((s.webSearchesPerMonth / (30 * 24 * WEEK_AVERAGE)) * level * draw(0.3)) : 0;
        anthropicUsage.push({
          hour,
          workspaceId: s.workspaceId,
          apiKeyId: s.apiKeyId,
          model: s.model,
          serviceTier: 'standard',
          contextWindow: '0-200k',
          inferenceGeo: 'global',
          uncachedInputTokens,
          cacheCreation5mTokens,
          cacheCreation1hTokens,
          cacheReadInputTokens,
          outputTokens,
          webSearchRequests,
        });
        const totals = anthropicDaily[d]![i]!;
        totals[0]! += uncachedInputTokens;
        totals[1]! += cacheReadInputTokens;
        totals[2]! += cacheCreation5mTokens;
        totals[3]! += cacheCreation1hTokens;
        totals[4]! += outputTokens;
        totals[5]! += webSearchRequests;
      });
    }
  }

  const openAiCosts: OpenAiCostRow[] = [];
  const anthropicCosts: AnthropicCostRow[] = [];
  for (let d = 0; d < DAYS && days[d]! <= LAST_BILLED_DAY; d += 1) {
    const day = days[d]!;
    const openAiFactor = new Big(10_000 + adjustment.openai[d]!).div(10_000);
    OPENAI_SLICES.forEach((s, i) => {
      const p = OPENAI_PRICES[s.model]!;
      const [uncached, cached, output] = openAiDaily[d]![i]!;
      const line = (kind: string, tokens: number, price: string | undefined) => {
        if (tokens === 0 || price === undefined) return;
        openAiCosts.push({
          day,
          projectId: s.projectId,
          apiKeyId: s.apiKeyId,
          lineItem: `${s.model}, ${kind}`,
          // Rounded to 10 places so each amount (and a day's sums) survives the API's JSON-number round trip.
          amountUsd: new Big(tokens).times(price).div(1_000_000).times(openAiFactor).round(10).toFixed(),
          quantity: tokens,
          quantityUnit: 'tokens',
        });
      };
      line('input', uncached!, p.input);
      line('cached input', cached!, p.cached);
      line('output', output!, p.output);
    });

    const anthropicFactor = new Big(10_000 + adjustment.anthropic[d]!).div(10_000);
    const webSearches = new Map<string, { workspaceId: string | null; apiKeyId: string | null; searches: number }>();
    anthropicSlices.forEach((s, i) => {
      const p = ANTHROPIC_PRICES[s.model]!;
      const [uncached, cacheRead, cache5m, cache1h, output, searches] = anthropicDaily[d]![i]!;
      const line = (label: string, tokenType: string, tokens: number, price: string) => {
        if (tokens === 0) return;
        anthropicCosts.push({
          day,
          workspaceId: s.workspaceId,
          apiKeyId: s.apiKeyId,
          description: `${p.name} Usage - ${label}`,
          costType: 'tokens',
          model: s.model,
          tokenType,
          serviceTier: 'standard',
          contextWindow: '0-200k',
          inferenceGeo: 'global',
          // USD per 1M tokens → cents: × 100 / 1e6.
          amountCents: new Big(tokens).times(price).div(10_000).times(anthropicFactor).round(6).toFixed(),
        });
      };
      line('Input Tokens', 'uncached_input_tokens', uncached!, p.input);
      line('Output Tokens', 'output_tokens', output!, p.output);
      line('Cache Read Input Tokens', 'cache_read_input_tokens', cacheRead!, p.cacheRead);
      line('5m Cache Write Input Tokens', 'cache_creation.ephemeral_5m_input_tokens', cache5m!, p.cache5m);
      line('1h Cache Write Input Tokens', 'cache_creation.ephemeral_1h_input_tokens', cache1h!, p.cache1h);
      const key = JSON.stringify([s.workspaceId, s.apiKeyId]);
      const prior = webSearches.get(key);
      webSearches.set(key, { workspaceId: s.workspaceId, apiKeyId: s.apiKeyId, searches: (prior?.searches ?? 0) + searches! });
    });
    // Web search is billed per workspace and key, with no model (cost_report sums it per workspace).
    for (const { workspaceId, apiKeyId, searches } of webSearches.values()) {
      if (searches === 0) continue;
      anthropicCosts.push({
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
        amountCents: new Big(searches).times(WEB_SEARCH_CENTS_PER_REQUEST).times(anthropicFactor).round(6).toFixed(),
      });
    }
  }

  return { openai: { usage: openAiUsage, costs: openAiCosts }, anthropic: { usage: anthropicUsage, costs: anthropicCosts } };
}
