import Big from 'big.js';
import { mulberry32 } from './seeded-random';
import type { AnthropicCostRow, AnthropicUsageRow, OpenAiCostRow, OpenAiUsageRow, ProviderLedger } from './provider-ledger';

/**
 * Large, generated model-provider books for the benchmark (`npm run bench`), with the project → team and
 * workspace → team maps to configure costline with. Deterministic for a given seed.
 *
 * Shape: team `tNNN` owns OpenAI project `proj_tNNN` (key `key_tNNN`, one of gpt-4o / gpt-4o-mini) and Anthropic
 * workspace `wrkspc_tNNN` (key `apikey_tNNN`, one of Claude Sonnet 4.5 / Haiku 4.5, with some cache reads and
 * 5-minute cache writes). Usage is hourly (weekends at 40 % of weekdays), one row per team, provider and hour.
 * Billed cost is daily, usage × list price × a per-day adjustment of −2 % … +3 %, for every day but the last: as in
 * the sample books, the last day's bill has not arrived yet. Each team spends roughly $50–$1,500 a month per
 * provider (log-uniform).
 *
 * With the defaults (100 teams, 30 days from 2026-10-01): 144,000 usage rows and about 16,000 cost rows.
 */
export interface SyntheticProviderLedgerOptions {
  /** Number of teams; default 100. */
  teams?: number;
  /** Number of days; default 30. */
  days?: number;
  /** First day, `YYYY-MM-DD`; default `2026-10-01`. */
  startDate?: string;
  /** PRNG seed; default 1. */
  seed?: number;
}

/** USD per 1M tokens. */
const OPENAI_MODELS = [
  { model: 'gpt-4o-2024-08-06', input: '2.50', cached: '1.25', output: '10.00' },
  { model: 'gpt-4o-mini-2024-07-18', input: '0.15', cached: '0.075', output: '0.60' },
];
const ANTHROPIC_MODELS = [
  { model: 'claude-sonnet-4-5-20250929', name: 'Claude Sonnet 4.5', input: '3', cacheRead: '0.30', cache5m: '3.75', output: '15' },
  { model: 'claude-haiku-4-5-20251001', name: 'Claude Haiku 4.5', input: '1', cacheRead: '0.10', cache5m: '1.25', output: '5' },
];

const WEEKEND = 0.4;
const WEEK_AVERAGE = (5 + 2 * WEEKEND) / 7;
/** Relative load by UTC hour, averaging 1. */
const DIURNAL = Array.from({ length: 24 }, (_, h) => 1 + 0.5 * Math.sin(((h - 9) / 24) * 2 * Math.PI));

/**
 * Generates the books and the attribution maps (project id → team id, workspace id → team id).
 * @throws RangeError when an option is out of range.
 */
export function syntheticProviderLedger(options: SyntheticProviderLedgerOptions = {}): {
  ledger: ProviderLedger;
  projects: Record<string, string>;
  workspaces: Record<string, string>;
} {
  const teamCount = positiveInteger(options.teams ?? 100, 'teams');
  const dayCount = positiveInteger(options.days ?? 30, 'days');
  const startDate = options.startDate ?? '2026-10-01';
  const startMs = Date.parse(`${startDate}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || Number.isNaN(startMs) || new Date(startMs).toISOString().slice(0, 10) !== startDate) {
    throw new RangeError(`startDate must be YYYY-MM-DD, got ${startDate}`);
  }
  const random = mulberry32(options.seed ?? 1);
  const between = (min: number, max: number) => min + random() * (max - min);
  const width = Math.max(3, String(teamCount - 1).length);

  const projects: Record<string, string> = {};
  const workspaces: Record<string, string> = {};
  const teams = Array.from({ length: teamCount }, (_, t) => {
    const id = `t${String(t).padStart(width, '0')}`;
    const openai = { price: OPENAI_MODELS[Math.floor(random() * OPENAI_MODELS.length)]!, cachedShare: between(0, 0.5), outputRatio: between(0.1, 0.4) };
    const readShare = between(0, 0.5);
    const writeShare = between(0, 0.05);
    const anthropic = {
      price: ANTHROPIC_MODELS[Math.floor(random() * ANTHROPIC_MODELS.length)]!,
      uncachedShare: 1 - readShare - writeShare,
      readShare,
      writeShare,
      outputRatio: between(0.1, 0.3),
    };
    // Log-uniform monthly spend between $50 and $1,500 per provider, turned into weekday-average hourly input tokens.
    const monthly = () => 50 * Math.exp(random() * Math.log(30));
    const o = openai.price;
    const openAiPerToken = ((1 - openai.cachedShare) * Number(o.input) + openai.cachedShare * Number(o.cached) + openai.outputRatio * Number(o.output)) / 1e6;
    const a = anthropic.price;
    const anthropicPerToken =
      (anthropic.uncachedShare * Number(a.input) + anthropic.readShare * Number(a.cacheRead) + anthropic.writeShare * Number(a.cache5m) + anthropic.outputRatio * Number(a.output)) / 1e6;
    const hourly = 30 * 24 * WEEK_AVERAGE;
    const project = `proj_${id}`;
    const workspace = `wrkspc_${id}`;
    projects[project] = id;
    workspaces[workspace] = id;
    return {
      id,
      project,
      workspace,
      openai,
      anthropic,
      openAiBase: monthly() / hourly / openAiPerToken,
      anthropicBase: monthly() / hourly / anthropicPerToken,
    };
  });

  const openAiUsage: OpenAiUsageRow[] = [];
  const anthropicUsage: AnthropicUsageRow[] = [];
  const openAiCosts: OpenAiCostRow[] = [];
  const anthropicCosts: AnthropicCostRow[] = [];

  for (let d = 0; d < dayCount; d += 1) {
    const dayMs = startMs + d * 86_400_000;
    const day = new Date(dayMs).toISOString().slice(0, 10);
    const dow = new Date(dayMs).getUTCDay();
    const weekday = dow === 0 || dow === 6 ? WEEKEND : 1;
    const billed = d < dayCount - 1;
    const openAiFactor = new Big(10_000 - 200 + Math.floor(random() * 501)).div(10_000);
    const anthropicFactor = new Big(10_000 - 200 + Math.floor(random() * 501)).div(10_000);

    for (const team of teams) {
      // [uncached, cached, output] for OpenAI; [uncached, cache read, 5m write, output] for Anthropic.
      const o = [0, 0, 0];
      const a = [0, 0, 0, 0];
      for (let h = 0; h < 24; h += 1) {
        const hour = `${day}T${h < 10 ? '0' : ''}${h}:00:00Z`;
        const level = weekday * DIURNAL[h]! * (0.85 + random() * 0.3);

        const inputTokens = Math.max(1, Math.round(team.openAiBase * level));
        const inputCachedTokens = Math.round(inputTokens * team.openai.cachedShare);
        const outputTokens = Math.round(inputTokens * team.openai.outputRatio);
        openAiUsage.push({
          hour,
          endpoint: 'completions',
          projectId: team.project,
          apiKeyId: `key_${team.id}`,
          userId: null,
          model: team.openai.price.model,
          batch: false,
          inputTokens,
          inputCachedTokens,
          outputTokens,
          numModelRequests: Math.max(1, Math.round(inputTokens / 2000)),
        });
        o[0]! += inputTokens - inputCachedTokens;
        o[1]! += inputCachedTokens;
        o[2]! += outputTokens;

        const input = team.anthropicBase * level;
        const row: AnthropicUsageRow = {
          hour,
          workspaceId: team.workspace,
          apiKeyId: `apikey_${team.id}`,
          model: team.anthropic.price.model,
          serviceTier: 'standard',
          contextWindow: '0-200k',
          inferenceGeo: 'global',
          uncachedInputTokens: Math.max(1, Math.round(input * team.anthropic.uncachedShare)),
          cacheCreation5mTokens: Math.round(input * team.anthropic.writeShare),
          cacheCreation1hTokens: 0,
          cacheReadInputTokens: Math.round(input * team.anthropic.readShare),
          outputTokens: Math.round(input * team.anthropic.outputRatio),
          webSearchRequests: 0,
        };
        anthropicUsage.push(row);
        a[0]! += row.uncachedInputTokens;
        a[1]! += row.cacheReadInputTokens;
        a[2]! += row.cacheCreation5mTokens;
        a[3]! += row.outputTokens;
      }
      if (!billed) continue;

      const m = team.openai.price;
      for (const [kind, tokens, price] of [
        ['input', o[0]!, m.input],
        ['cached input', o[1]!, m.cached],
        ['output', o[2]!, m.output],
      ] as const) {
        if (tokens === 0) continue;
        openAiCosts.push({
          day,
          projectId: team.project,
          apiKeyId: `key_${team.id}`,
          lineItem: `${m.model}, ${kind}`,
          amountUsd: new Big(tokens).times(price).div(1_000_000).times(openAiFactor).round(10).toFixed(),
          quantity: tokens,
          quantityUnit: 'tokens',
        });
      }
      const n = team.anthropic.price;
      for (const [label, tokenType, tokens, price] of [
        ['Input Tokens', 'uncached_input_tokens', a[0]!, n.input],
        ['Cache Read Input Tokens', 'cache_read_input_tokens', a[1]!, n.cacheRead],
        ['5m Cache Write Input Tokens', 'cache_creation.ephemeral_5m_input_tokens', a[2]!, n.cache5m],
        ['Output Tokens', 'output_tokens', a[3]!, n.output],
      ] as const) {
        if (tokens === 0) continue;
        anthropicCosts.push({
          day,
          workspaceId: team.workspace,
          description: `${n.name} Usage - ${label}`,
          costType: 'tokens',
          model: n.model,
          tokenType,
          serviceTier: 'standard',
          contextWindow: '0-200k',
          inferenceGeo: 'global',
          amountCents: new Big(tokens).times(price).div(10_000).times(anthropicFactor).round(6).toFixed(),
        });
      }
    }
  }

  return { ledger: { openai: { usage: openAiUsage, costs: openAiCosts }, anthropic: { usage: anthropicUsage, costs: anthropicCosts } }, projects, workspaces };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
