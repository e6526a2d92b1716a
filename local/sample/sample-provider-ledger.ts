import Big from 'big.js';
import type { AnthropicCostRow, AnthropicUsageRow, OpenAiCostRow, OpenAiUsageRow, ProviderLedger } from './provider-ledger';
import { withAnthropicAdditions } from './sample-anthropic-additions';
import { ANTHROPIC_PRICES, ANTHROPIC_SLICES, ANTHROPIC_SLICES_AS_EXTRA, LATER_ANTHROPIC_SLICES, tokenCostRows, webSearchCostRow } from './sample-anthropic-workloads';
import { withOpenAiAdditions } from './sample-openai-additions';
import { OPENAI_PRICES, OPENAI_SLICES, SPIKE_DAY, SPIKE_FACTOR, SPIKE_FROM_HOUR } from './sample-openai-workloads';
import { DAYS, DIURNAL, FIRST_HOUR_MS, LAST_BILLED_DAY, noiseOf, SEED, WEEK_AVERAGE, WEEKEND } from './sample-provider-calendar';
import { mulberry32 } from './seeded-random';

export { SPIKE_DAY, SPIKE_FROM_HOUR } from './sample-openai-workloads';

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

/**
 * Builds the sample provider books. Pure and deterministic: every call returns an equal ledger (a seeded PRNG, no
 * `Math.random`, no clock). OpenAI: about 29,000 usage rows (hourly, and daily in the history) and 16,000 daily cost
 * rows; Anthropic: about 21,700 usage rows (likewise) and 11,200 daily cost rows.
 */
export function sampleProviderLedger(): ProviderLedger {
  const random = mulberry32(SEED);
  const noise = noiseOf(random);
  const laterNoise = noiseOf(mulberry32(SEED + 1));
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
      const searches = anthropicDaily[d]![i]![5]!;
      anthropicCosts.push(...tokenCostRows(day, ANTHROPIC_SLICES_AS_EXTRA[i]!, anthropicDaily[d]![i]!, anthropicFactor));
      const key = JSON.stringify([s.workspaceId, s.apiKeyId]);
      const prior = webSearches.get(key);
      webSearches.set(key, { workspaceId: s.workspaceId, apiKeyId: s.apiKeyId, searches: (prior?.searches ?? 0) + searches });
    });
    for (const { workspaceId, apiKeyId, searches } of webSearches.values()) {
      if (searches === 0) continue;
      anthropicCosts.push(webSearchCostRow(day, workspaceId, apiKeyId, searches, anthropicFactor));
    }
  }

  const openai = withOpenAiAdditions({ usage: openAiUsage, costs: openAiCosts }, days, adjustment.openai);
  const anthropic = withAnthropicAdditions({ usage: anthropicUsage, costs: anthropicCosts }, days, adjustment.anthropic);
  return { openai, anthropic };
}
