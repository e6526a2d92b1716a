import Big from 'big.js';
import { mulberry32 } from './seeded-random';
import type { AnthropicCostRow, AnthropicUsageRow, OpenAiCostRow, OpenAiUnitUsageRow, OpenAiUsageRow, ProviderLedger } from './provider-ledger';

/**
 * The bundled sample model-provider books that `npm run local` serves from the local OpenAI and Anthropic admin
 * APIs: hourly usage from 2026-09-01T00:00Z to 2026-10-31T23:00Z and daily billed cost through 2026-10-30 only.
 * Billed cost arrives late: on the morning of 1 November the bill for 31 October is not in yet, so costline has to
 * estimate that day from usage and a price book. Both providers also have a history, 2025-11-01 to 2026-08-31, for
 * backfills (`--from 2025-11 --to 2026-10`): every workload below that had started, a little smaller each month
 * back (×0.96) and steadier (±8 % a day), one usage row a day per workload (stamped 00:00 UTC, carrying the whole
 * day: read it with 1-day buckets, as the ingest job does), every day billed. OpenAI's days before 2025-12-06 are
 * read without the API-key grouping (the API refuses it there); Anthropic's days before 2026-01-01 are served by
 * the legacy `cost_report` and `usage_report/messages` only (the analytics API has nothing before it).
 *
 * The organisation matches `costline.config.json`:
 * - OpenAI projects `proj_payments` (payments), `proj_search` (search; gpt-4o, gpt-4o-mini, embeddings, and
 *   `o3-deep-research-2025-06-26`, a model missing from the price book), `proj_support` (support-bot),
 *   `proj_growth` (growth; keys `key_growth_web` and `key_growth_batch`) and `proj_experiments`, which no rule maps.
 * - OpenAI beyond plain text tokens (`OPENAI_EXTRA_SLICES`, `OPENAI_TOOL_SLICES`): proj_support's fine-tuned model
 *   (usage `ft:gpt-4o-2024-08-06:…`, billed `"ft-gpt-4o-2024-08-06, input"` / `", output"` at fine-tuned gpt-4o rates,
 *   which the price book lacks, so its unbilled day is unpriced); proj_search's nightly evals on gpt-4o-mini
 *   (billed `"evals | gpt-4o-mini-2024-07-18, input"` / `", output"`); proj_payments' checkout on the `priority`
 *   tier and proj_growth's overnight o4-mini batch on `flex`, each billed at its tier's price under the usual line
 *   items; proj_support's file search (`file_search_calls`, billed `"assistants api | file search"`, no quantity)
 *   and proj_growth's web search (`web_search_calls` under gpt-4o-mini, billed `"web search tool calls"`).
 * - Anthropic workspaces `wrkspc_support` (support-bot; cache reads, 5m and 1h cache writes, web search),
 *   `wrkspc_data` (data-platform; plus search's reranker on key `apikey_search_rerank`, which an `apiKey` rule sends
 *   to search: billed cost rows carry their key), the default workspace (`null`, growth; partly Console Workbench usage with a null
 *   API key) and `wrkspc_sandbox`, which no rule maps.
 * - Anthropic beyond the standard tier and price (`ANTHROPIC_EXTRA_SLICES`): `wrkspc_support_priority` (support-bot's
 *   latency-critical Haiku 4.5 on **Priority Tier**: usage rows with `serviceTier: 'priority'` and requests, never a
 *   cost row, since Priority Tier is billed apart and in neither cost endpoint; about 130M tokens a month); in
 *   `wrkspc_data`, contract review on Sonnet 4.5's **1M context window** (`contextWindow: '200k-1M'`, billed at the
 *   long-context $6 input / $22.50 output per 1M), US customer records on Sonnet 4.6 with **US-only inference**
 *   (`inferenceGeo: 'us'`, 1.1× every token price) and an on-call assistant on Opus 4.6 **fast mode**
 *   (`speed: 'fast'`, 6×), the last two from 2026-03-02. Their cost rows use the model's usual descriptions and tell
 *   the variant by `context_window` / `inference_geo` (fast mode has no cost field of its own).
 * - A spend spike: on 2026-10-21 from 14:00 UTC to the end of the day, proj_search's gpt-4o usage runs at 60× its
 *   usual level for the hour (a runaway retry loop, say): about $20 more an hour, which the hourly job's anomaly
 *   alert catches once the excess passes the $50 minimum impact.
 * - A prompt change: from 2026-10-27, wrkspc_support's Claude Sonnet loses its prompt caching and writes twice the
 *   output, at the same input volume: its cost per million tokens rises by about 80 %, the unit-cost alert's case.
 * - Weekends run at about 40 % of weekdays, with a daily curve peaking in the UTC afternoon.
 *
 * Billed cost of a day = that day's usage × the list prices below (`OPENAI_PRICES`, `ANTHROPIC_PRICES`; the additions
 * at their own variant's or tier's rates), per line item
 * (`"<model>, input"` for uncached input, `"<model>, cached input"`, `"<model>, output"`) or per description
 * (`"Claude Sonnet 4.5 Usage - Input Tokens"`, …, `"Web Search Usage"`), times a per-provider, per-day adjustment
 * between −2 % and +3 % (integer basis points), so an estimate from usage never matches the bill exactly.
 *
 * Model spend per team is about $250–$450 a month, proj_experiments about $290, wrkspc_sandbox about $90, and the
 * o3-deep-research model about $170; the OpenAI additions about $200 more (fine-tune $60, flex o4-mini $40, web
 * search $30, priority gpt-4o-mini $30, evals $25, file search $15); the Anthropic additions about $90 more, all
 * data-platform's (long context $40, US-only $30, fast mode $20), and Priority Tier's tokens, which have no price here.
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
 * `Math.random`, no clock). OpenAI: about 29,000 usage rows (hourly, and daily in the history) and 16,000 daily cost
 * rows; Anthropic: about 21,700 usage rows (likewise) and 11,200 daily cost rows.
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

  const openai = withOpenAiAdditions({ usage: openAiUsage, costs: openAiCosts }, days, adjustment.openai);
  const anthropic = withAnthropicAdditions({ usage: anthropicUsage, costs: anthropicCosts }, days, adjustment.anthropic);
  return { openai, anthropic };
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAI additions: a fine-tune, evals, file and web search, service tiers, and the history from 2025-11-01.
// Each draws from its own seeded stream, so the rows above (one shared stream) stay byte for byte as they were.
// ---------------------------------------------------------------------------------------------------------------

/** Seed of the additions' September–October rows. */
const OPENAI_EXTRA_SEED = 20261103;
/** Seed of the OpenAI history before September (rows and bill adjustments). */
const OPENAI_HISTORY_SEED = 20251102;
const OPENAI_HISTORY_FIRST_DAY = '2025-11-01';
/** Spend shrinks going back in time: each month before September is this fraction of the month after. */
const OPENAI_MONTHLY_GROWTH_BACK = 0.96;
/** Day-to-day spread of the history (steadier than the detailed months' ±15 % an hour). */
const OPENAI_HISTORY_NOISE = 0.08;

/**
 * One more OpenAI workload, billed under its own line items: `"<billedAs>, input"` and so on, with `"<surface> | "`
 * before them for a product surface (evals), at its own prices (a fine-tune's, or a service tier's).
 */
interface OpenAiExtraSlice {
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

const OPENAI_EXTRA_SLICES: OpenAiExtraSlice[] = [
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
interface OpenAiToolSlice {
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

const OPENAI_TOOL_SLICES: OpenAiToolSlice[] = [
  // support-bot's assistant searches its help-centre files: $2.50 per 1,000 calls.
  { endpoint: 'file_search_calls', projectId: 'proj_support', apiKeyId: 'key_support_bot', model: null, lineItem: 'assistants api | file search', perThousand: '2.5', callsPerMonth: 6000, modelRequestsPerCall: 0 },
  // growth's web app searches the web from gpt-4o-mini: $25 per 1,000 calls (web search preview, non-reasoning models).
  { endpoint: 'web_search_calls', projectId: 'proj_growth', apiKeyId: 'key_growth_web', model: 'gpt-4o-mini-2024-07-18', lineItem: 'web search tool calls', perThousand: '25', callsPerMonth: 1200, modelRequestsPerCall: 1 },
];

/** Per-million-token price of a slice's average input token (uncached, cached and the output it brings). */
function perInputToken(prices: { input: string; cached?: string | undefined; output?: string | undefined }, cachedShare: number, outputRatio: number): number {
  return ((1 - cachedShare) * Number(prices.input) + cachedShare * Number(prices.cached ?? 0) + outputRatio * Number(prices.output ?? 0)) / 1e6;
}

/** Input tokens of a typical weekday hour (on the daily curve's average) for a 30-day spend at list price. */
function hourlyInputLevel(monthlyUsd: number, usdPerInputToken: number): number {
  return monthlyUsd / (30 * 24 * WEEK_AVERAGE) / usdPerInputToken;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const weekdayFactor = (day: string) => ([0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()) ? WEEKEND : 1);

/** Collects a slice's billed token counts per day and turns them into `/costs` rows. */
class OpenAiBill {
  private readonly tokens = new Map<string, number>();
  readonly rows: OpenAiCostRow[] = [];

  add(day: string, s: OpenAiExtraSlice, uncached: number, cached: number, output: number): void {
    for (const [kind, n] of [
      ['input', uncached],
      ['cached input', cached],
      ['output', output],
    ] as const) {
      const key = JSON.stringify([day, s.projectId, s.apiKeyId, s.surface ?? null, s.billedAs, kind]);
      this.tokens.set(key, (this.tokens.get(key) ?? 0) + n);
    }
  }

  /** The rows of every day accepted by `billed`, each line × its price × the day's adjustment factor. */
  close(billed: (day: string) => boolean, factorOf: (day: string) => Big, priceOf: (key: { projectId: string; apiKeyId: string; billedAs: string; surface: string | null }, kind: string) => string | undefined): void {
    for (const [key, tokens] of this.tokens) {
      const [day, projectId, apiKeyId, surface, billedAs, kind] = JSON.parse(key) as [string, string, string, string | null, string, string];
      const price = priceOf({ projectId, apiKeyId, billedAs, surface }, kind);
      if (!billed(day) || tokens === 0 || price === undefined) continue;
      this.rows.push({
        day,
        projectId,
        apiKeyId,
        lineItem: `${surface ? `${surface} | ` : ''}${billedAs}, ${kind}`,
        amountUsd: new Big(tokens).times(price).div(1_000_000).times(factorOf(day)).round(10).toFixed(),
        quantity: tokens,
        quantityUnit: 'tokens',
      });
    }
  }
}

/** An extra slice's price of one line kind (`input`, `cached input`, `output`). */
function extraPrice(s: OpenAiExtraSlice, kind: string): string | undefined {
  return kind === 'input' ? s.prices.input : kind === 'cached input' ? s.prices.cached : s.prices.output;
}

/**
 * September–October rows of the additions: hourly usage of {@link OPENAI_EXTRA_SLICES} and {@link OPENAI_TOOL_SLICES},
 * billed through `lastBilledDay` with the day's OpenAI adjustment (`adjustmentBp[d]`, basis points) of the rows above.
 */
function openAiExtras(days: readonly string[], adjustmentBp: readonly number[], lastBilledDay: string): Required<ProviderLedger['openai']> {
  const random = mulberry32(OPENAI_EXTRA_SEED);
  const noise = (spread: number) => 1 - spread + random() * 2 * spread;
  const usage: OpenAiUsageRow[] = [];
  const unitUsage: OpenAiUnitUsageRow[] = [];
  const bill = new OpenAiBill();
  const calls = new Map<string, number>();
  const base = OPENAI_EXTRA_SLICES.map((s) => hourlyInputLevel(s.monthlyUsd, perInputToken(s.prices, s.cachedShare, s.outputRatio)));

  days.forEach((day) => {
    for (let h = 0; h < 24; h += 1) {
      const hour = `${day}T${String(h).padStart(2, '0')}:00:00Z`;
      OPENAI_EXTRA_SLICES.forEach((s, i) => {
        const shape = s.hours ? (h >= s.hours[0] && h < s.hours[1] ? 24 / (s.hours[1] - s.hours[0]) : 0) : DIURNAL[h]!;
        if (shape === 0) return;
        const row = extraUsageRow(s, hour, base[i]! * weekdayFactor(day) * shape * noise(0.15), noise);
        usage.push(row);
        bill.add(day, s, row.inputTokens - row.inputCachedTokens, row.inputCachedTokens, row.outputTokens);
      });
      for (const t of OPENAI_TOOL_SLICES) {
        const quantity = Math.round((t.callsPerMonth / (30 * 24 * WEEK_AVERAGE)) * weekdayFactor(day) * DIURNAL[h]! * noise(0.3));
        if (quantity === 0) continue;
        unitUsage.push(toolUsageRow(t, hour, quantity));
        calls.set(`${day}|${t.lineItem}`, (calls.get(`${day}|${t.lineItem}`) ?? 0) + quantity);
      }
    }
  });

  const factorOf = (day: string) => new Big(10_000 + adjustmentBp[days.indexOf(day)]!).div(10_000);
  const billed = (day: string) => day <= lastBilledDay;
  bill.close(billed, factorOf, (key, kind) => extraPrice(OPENAI_EXTRA_SLICES.find((s) => s.projectId === key.projectId && s.apiKeyId === key.apiKeyId && s.billedAs === key.billedAs)!, kind));
  const costs = [...bill.rows, ...toolBill(days.filter(billed), calls, factorOf)];
  return { usage, costs, unitUsage };
}

/** One usage row of an extra slice carrying `input` input tokens. */
function extraUsageRow(s: OpenAiExtraSlice, hour: string, input: number, noise: (spread: number) => number): OpenAiUsageRow {
  const inputTokens = Math.max(1, Math.round(input));
  const inputCachedTokens = Math.min(inputTokens, Math.round(inputTokens * s.cachedShare * noise(0.1)));
  return {
    hour,
    endpoint: s.endpoint ?? 'completions',
    projectId: s.projectId,
    apiKeyId: s.apiKeyId,
    userId: null,
    model: s.model,
    batch: false,
    ...(s.serviceTier ? { serviceTier: s.serviceTier } : {}),
    inputTokens,
    inputCachedTokens,
    outputTokens: Math.round(inputTokens * s.outputRatio * noise(0.1)),
    numModelRequests: Math.max(1, Math.round(inputTokens / s.tokensPerRequest)),
  };
}

function toolUsageRow(t: OpenAiToolSlice, hour: string, quantity: number): OpenAiUnitUsageRow {
  return { hour, endpoint: t.endpoint, projectId: t.projectId, apiKeyId: t.apiKeyId, userId: null, model: t.model, quantity, numModelRequests: Math.round(quantity * t.modelRequestsPerCall) };
}

/** The tool lines of the bill: one row a day per project and line item, quantity not reported (as in the fixtures). */
function toolBill(days: readonly string[], calls: Map<string, number>, factorOf: (day: string) => Big): OpenAiCostRow[] {
  const rows: OpenAiCostRow[] = [];
  for (const day of days) {
    for (const t of OPENAI_TOOL_SLICES) {
      const n = calls.get(`${day}|${t.lineItem}`) ?? 0;
      if (n === 0) continue;
      rows.push({
        day,
        projectId: t.projectId,
        apiKeyId: t.apiKeyId,
        lineItem: t.lineItem,
        amountUsd: new Big(n).times(t.perThousand).div(1000).times(factorOf(day)).round(10).toFixed(),
        quantity: null,
        quantityUnit: null,
      });
    }
  }
  return rows;
}

/**
 * 2025-11-01 through 2026-08-31: every OpenAI workload (the slices above and the additions) at its usual level, a
 * little lower each month back, ±8 % a day, no spike. To keep a year cheap, each slice has **one usage row a day**,
 * stamped at 00:00 UTC and carrying the whole day (read with 1-day buckets, as the ingest job and a backfill do; an
 * hourly read would see the day in its first hour). Every day is billed.
 */
function openAiHistory(firstDetailedDay: string): Required<ProviderLedger['openai']> {
  const random = mulberry32(OPENAI_HISTORY_SEED);
  const noise = (spread: number) => 1 - spread + random() * 2 * spread;
  const usage: OpenAiUsageRow[] = [];
  const unitUsage: OpenAiUnitUsageRow[] = [];
  const costs: OpenAiCostRow[] = [];
  const calls = new Map<string, number>();
  const days: string[] = [];
  for (let ms = Date.parse(`${OPENAI_HISTORY_FIRST_DAY}T00:00:00Z`); isoDay(ms) < firstDetailedDay; ms += 86_400_000) days.push(isoDay(ms));
  const factors = new Map(days.map((day) => [day, new Big(10_000 - 200 + Math.floor(random() * 501)).div(10_000)]));
  // The slices above, as extra slices billed at their list prices under their own line items.
  const slices: OpenAiExtraSlice[] = [
    ...OPENAI_SLICES.map((s): OpenAiExtraSlice => ({ ...s, billedAs: s.model, prices: OPENAI_PRICES[s.model]! })),
    ...OPENAI_EXTRA_SLICES,
  ];
  const bill = new OpenAiBill();

  for (const day of days) {
    const monthsBefore = (2026 - Number(day.slice(0, 4))) * 12 + (9 - Number(day.slice(5, 7)));
    const level = OPENAI_MONTHLY_GROWTH_BACK ** monthsBefore * weekdayFactor(day) * 24;
    const hour = `${day}T00:00:00Z`;
    for (const s of slices) {
      const row = extraUsageRow(s, hour, hourlyInputLevel(s.monthlyUsd, perInputToken(s.prices, s.cachedShare, s.outputRatio)) * level * noise(OPENAI_HISTORY_NOISE), noise);
      usage.push(row);
      bill.add(day, s, row.inputTokens - row.inputCachedTokens, row.inputCachedTokens, row.outputTokens);
    }
    for (const t of OPENAI_TOOL_SLICES) {
      const quantity = Math.round((t.callsPerMonth / (30 * WEEK_AVERAGE)) * OPENAI_MONTHLY_GROWTH_BACK ** monthsBefore * weekdayFactor(day) * noise(OPENAI_HISTORY_NOISE));
      if (quantity === 0) continue;
      unitUsage.push(toolUsageRow(t, hour, quantity));
      calls.set(`${day}|${t.lineItem}`, quantity);
    }
  }
  const factorOf = (day: string) => factors.get(day)!;
  bill.close(
    () => true,
    factorOf,
    (key, kind) => extraPrice(slices.find((s) => s.projectId === key.projectId && s.apiKeyId === key.apiKeyId && s.billedAs === key.billedAs && (s.surface ?? null) === key.surface)!, kind),
  );
  costs.push(...bill.rows, ...toolBill(days, calls, factorOf));
  return { usage, costs, unitUsage };
}

/** The OpenAI books: the history, the detailed months' rows, and the additions' rows. */
function withOpenAiAdditions(detailed: { usage: OpenAiUsageRow[]; costs: OpenAiCostRow[] }, days: readonly string[], adjustmentBp: readonly number[]): Required<ProviderLedger['openai']> {
  const history = openAiHistory(days[0]!);
  const extras = openAiExtras(days, adjustmentBp, LAST_BILLED_DAY);
  return {
    usage: [...history.usage, ...detailed.usage, ...extras.usage],
    costs: [...history.costs, ...detailed.costs, ...extras.costs],
    unitUsage: [...history.unitUsage, ...extras.unitUsage],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Anthropic additions: Priority Tier, long context, US-only inference, fast mode, and the history from 2025-11-01.
// Each draws from its own seeded stream, so the Anthropic rows above stay byte for byte as they were.
// ---------------------------------------------------------------------------------------------------------------

/** Seed of the Anthropic additions' September–October rows. */
const ANTHROPIC_EXTRA_SEED = 20261104;
/** Seed of the Anthropic history before September (rows and bill adjustments). */
const ANTHROPIC_HISTORY_SEED = 20251103;
const ANTHROPIC_HISTORY_FIRST_DAY = '2025-11-01';
/** Spend shrinks going back in time: each month before September is this fraction of the month after. */
const ANTHROPIC_MONTHLY_GROWTH_BACK = 0.96;
/** Day-to-day spread of the history (steadier than the detailed months' ±15 % an hour). */
const ANTHROPIC_HISTORY_NOISE = 0.08;

/** USD per 1M tokens of one way of running a model, and the model's name in cost descriptions. */
type AnthropicRates = (typeof ANTHROPIC_PRICES)[string];

/**
 * One more Anthropic workload, set apart by how it runs: its tier, context window, inference geography or speed,
 * billed at that variant's own prices under the model's usual descriptions (the row's `context_window` and
 * `inference_geo` tell the variants apart; the descriptions of these lines are not documented).
 */
interface AnthropicExtraSlice extends AnthropicSlice {
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

const ANTHROPIC_EXTRA_SLICES: AnthropicExtraSlice[] = [
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
const ANTHROPIC_SLICES_AS_EXTRA: AnthropicExtraSlice[] = [...ANTHROPIC_SLICES, ...LATER_ANTHROPIC_SLICES].map((s) => ({
  ...s,
  serviceTier: 'standard',
  contextWindow: '0-200k',
  inferenceGeo: 'global',
  prices: ANTHROPIC_PRICES[s.model]!,
}));

/** Per-1M-token price of an Anthropic slice's average input token (its cache mix and the output it brings). */
function anthropicPerInputToken(s: AnthropicExtraSlice): number {
  const p = s.prices;
  const m = s.mix;
  return (m.uncached * Number(p.input) + m.cacheRead * Number(p.cacheRead) + m.cache5m * Number(p.cache5m) + m.cache1h * Number(p.cache1h) + s.outputRatio * Number(p.output)) / 1e6;
}

/** One usage row of an extra slice carrying `input` input tokens of all kinds and `webSearchRequests` searches. */
function anthropicUsageRow(s: AnthropicExtraSlice, hour: string, input: number, webSearchRequests: number, noise: (spread: number) => number): AnthropicUsageRow {
  const uncachedInputTokens = Math.max(1, Math.round(input * s.mix.uncached));
  const cacheReadInputTokens = Math.round(input * s.mix.cacheRead);
  const cacheCreation5mTokens = Math.round(input * s.mix.cache5m);
  const cacheCreation1hTokens = Math.round(input * s.mix.cache1h);
  const allInput = uncachedInputTokens + cacheReadInputTokens + cacheCreation5mTokens + cacheCreation1hTokens;
  return {
    hour,
    workspaceId: s.workspaceId,
    apiKeyId: s.apiKeyId,
    model: s.model,
    serviceTier: s.serviceTier,
    contextWindow: s.contextWindow,
    inferenceGeo: s.inferenceGeo,
    ...(s.speed ? { speed: s.speed } : {}),
    uncachedInputTokens,
    cacheCreation5mTokens,
    cacheCreation1hTokens,
    cacheReadInputTokens,
    outputTokens: Math.round(input * s.outputRatio * noise(0.1)),
    webSearchRequests,
    ...(s.tokensPerRequest ? { requests: Math.max(1, Math.round(allInput / s.tokensPerRequest)) } : {}),
  };
}

/** Collects extra slices' usage per day and turns it into cost rows as the two cost endpoints read them. */
class AnthropicBill {
  /** `day|slice index` → [uncached, cache read, 5m write, 1h write, output, web searches]. */
  private readonly totals = new Map<string, { day: string; slice: AnthropicExtraSlice; n: number[] }>();

  constructor(private readonly slices: readonly AnthropicExtraSlice[]) {}

  add(day: string, sliceIndex: number, row: AnthropicUsageRow): void {
    const key = `${day}|${sliceIndex}`;
    const entry = this.totals.get(key) ?? { day, slice: this.slices[sliceIndex]!, n: [0, 0, 0, 0, 0, 0] };
    const n = entry.n;
    n[0]! += row.uncachedInputTokens;
    n[1]! += row.cacheReadInputTokens;
    n[2]! += row.cacheCreation5mTokens;
    n[3]! += row.cacheCreation1hTokens;
    n[4]! += row.outputTokens;
    n[5]! += row.webSearchRequests;
    this.totals.set(key, entry);
  }

  /**
   * The cost rows of every day accepted by `billed`, each line × its price × the day's adjustment factor, in cents.
   * Priority Tier gets none: it is billed apart and appears in neither cost endpoint.
   */
  close(billed: (day: string) => boolean, factorOf: (day: string) => Big): AnthropicCostRow[] {
    const rows: AnthropicCostRow[] = [];
    const searches = new Map<string, { day: string; workspaceId: string | null; apiKeyId: string | null; n: number }>();
    for (const { day, slice: s, n } of this.totals.values()) {
      if (!billed(day) || s.serviceTier === 'priority') continue;
      const factor = factorOf(day);
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
          amountCents: new Big(tokens).times(price).div(10_000).times(factor).round(6).toFixed(),
        });
      };
      line('Input Tokens', 'uncached_input_tokens', n[0]!, s.prices.input);
      line('Output Tokens', 'output_tokens', n[4]!, s.prices.output);
      line('Cache Read Input Tokens', 'cache_read_input_tokens', n[1]!, s.prices.cacheRead);
      line('5m Cache Write Input Tokens', 'cache_creation.ephemeral_5m_input_tokens', n[2]!, s.prices.cache5m);
      line('1h Cache Write Input Tokens', 'cache_creation.ephemeral_1h_input_tokens', n[3]!, s.prices.cache1h);
      const key = JSON.stringify([day, s.workspaceId, s.apiKeyId]);
      const prior = searches.get(key) ?? { day, workspaceId: s.workspaceId, apiKeyId: s.apiKeyId, n: 0 };
      prior.n += n[5]!;
      searches.set(key, prior);
    }
    for (const { day, workspaceId, apiKeyId, n } of searches.values()) {
      if (n === 0) continue;
      rows.push({
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
        amountCents: new Big(n).times(WEB_SEARCH_CENTS_PER_REQUEST).times(factorOf(day)).round(6).toFixed(),
      });
    }
    return rows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }
}

/**
 * September–October rows of {@link ANTHROPIC_EXTRA_SLICES}: hourly usage on the daily curve, billed through
 * `lastBilledDay` with the day's Anthropic adjustment (`adjustmentBp[d]`, basis points) of the rows above.
 */
function anthropicExtras(days: readonly string[], adjustmentBp: readonly number[], lastBilledDay: string): ProviderLedger['anthropic'] {
  const random = mulberry32(ANTHROPIC_EXTRA_SEED);
  const noise = (spread: number) => 1 - spread + random() * 2 * spread;
  const usage: AnthropicUsageRow[] = [];
  const bill = new AnthropicBill(ANTHROPIC_EXTRA_SLICES);
  const base = ANTHROPIC_EXTRA_SLICES.map((s) => hourlyInputLevel(s.monthlyUsd, anthropicPerInputToken(s)));
  days.forEach((day) => {
    for (let h = 0; h < 24; h += 1) {
      const hour = `${day}T${String(h).padStart(2, '0')}:00:00Z`;
      ANTHROPIC_EXTRA_SLICES.forEach((s, i) => {
        if (s.launched && day < s.launched) return;
        const row = anthropicUsageRow(s, hour, base[i]! * weekdayFactor(day) * DIURNAL[h]! * noise(0.15), 0, noise);
        usage.push(row);
        bill.add(day, i, row);
      });
    }
  });
  const costs = bill.close(
    (day) => day <= lastBilledDay,
    (day) => new Big(10_000 + adjustmentBp[days.indexOf(day)]!).div(10_000),
  );
  return { usage, costs };
}

/**
 * 2025-11-01 through 2026-08-31: every Anthropic workload running by then (the slices above and the additions; the
 * reranker, US-only Sonnet 4.6 and fast Opus 4.6 start later) at its usual level, a little lower each month back,
 * ±8 % a day, no prompt change. One usage row a day per slice, stamped 00:00 UTC and carrying the whole day (read
 * with 1-day buckets, as the ingest job and a backfill do). Every day is billed but Priority Tier's. The days before
 * 2026-01-01 are served by the legacy reports only (the analytics API has nothing before it).
 */
function anthropicHistory(firstDetailedDay: string): ProviderLedger['anthropic'] {
  const random = mulberry32(ANTHROPIC_HISTORY_SEED);
  const noise = (spread: number) => 1 - spread + random() * 2 * spread;
  const days: string[] = [];
  for (let ms = Date.parse(`${ANTHROPIC_HISTORY_FIRST_DAY}T00:00:00Z`); isoDay(ms) < firstDetailedDay; ms += 86_400_000) days.push(isoDay(ms));
  const factors = new Map(days.map((day) => [day, new Big(10_000 - 200 + Math.floor(random() * 501)).div(10_000)]));
  const slices = [...ANTHROPIC_SLICES_AS_EXTRA, ...ANTHROPIC_EXTRA_SLICES];
  const base = slices.map((s) => hourlyInputLevel(s.monthlyUsd, anthropicPerInputToken(s)));
  const usage: AnthropicUsageRow[] = [];
  const bill = new AnthropicBill(slices);
  for (const day of days) {
    const monthsBefore = (2026 - Number(day.slice(0, 4))) * 12 + (9 - Number(day.slice(5, 7)));
    const level = ANTHROPIC_MONTHLY_GROWTH_BACK ** monthsBefore * weekdayFactor(day);
    slices.forEach((s, i) => {
      if (s.launched && day < s.launched) return;
      const searches = s.webSearchesPerMonth ? Math.round((s.webSearchesPerMonth / (30 * WEEK_AVERAGE)) * level * noise(ANTHROPIC_HISTORY_NOISE)) : 0;
      const row = anthropicUsageRow(s, `${day}T00:00:00Z`, base[i]! * 24 * level * noise(ANTHROPIC_HISTORY_NOISE), searches, noise);
      usage.push(row);
      bill.add(day, i, row);
    });
  }
  return { usage, costs: bill.close(() => true, (day) => factors.get(day)!) };
}

/** The Anthropic books: the history, the detailed months' rows, and the additions' rows. */
function withAnthropicAdditions(detailed: ProviderLedger['anthropic'], days: readonly string[], adjustmentBp: readonly number[]): ProviderLedger['anthropic'] {
  const history = anthropicHistory(days[0]!);
  const extras = anthropicExtras(days, adjustmentBp, LAST_BILLED_DAY);
  return { usage: [...history.usage, ...detailed.usage, ...extras.usage], costs: [...history.costs, ...detailed.costs, ...extras.costs] };
}
