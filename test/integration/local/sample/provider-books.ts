import Big from 'big.js';
import type { AnthropicUsageRow, ProviderLedger } from '../../../../local/sample/provider-ledger';

/**
 * The attribution costline is to be configured with for the sample books (the rules live in costline.config.json);
 * proj_experiments and wrkspc_sandbox are deliberately left out. The default workspace (null) goes to growth.
 */
export const PROJECT_TEAM: Record<string, string> = { proj_payments: 'payments', proj_search: 'search', proj_support: 'support-bot', proj_growth: 'growth' };
export const WORKSPACE_TEAM: Record<string, string> = { wrkspc_support: 'support-bot', wrkspc_support_priority: 'support-bot', wrkspc_data: 'data-platform', null: 'growth' };
export const TEAMS = ['payments', 'search', 'support-bot', 'growth', 'data-platform'];

/** List prices the sample bills with, USD per 1M tokens, written out independently of the generator. */
export const OPENAI_PRICE: Record<string, Record<string, string>> = {
  'gpt-4o-2024-08-06': { input: '2.50', cached: '1.25', output: '10.00' },
  'gpt-4o-mini-2024-07-18': { input: '0.15', cached: '0.075', output: '0.60' },
  'text-embedding-3-small': { input: '0.02' },
  'o3-deep-research-2025-06-26': { input: '10', cached: '2.5', output: '40' },
};
/** The fine-tune (fine-tuned gpt-4o inference) and the tiered slices: `model` or `model@tier`, as the usage rows say. */
export const OPENAI_FINE_TUNE = 'ft:gpt-4o-2024-08-06:org-costline-sample:support-triage:B7xk2Qd9';
export const OPENAI_OTHER_PRICE: Record<string, Record<string, string>> = {
  [OPENAI_FINE_TUNE]: { input: '3.75', output: '15.00' },
  'gpt-4o-mini-2024-07-18@priority': { input: '0.25', cached: '0.125', output: '1.00' },
  'o4-mini-2025-04-16@flex': { input: '0.55', cached: '0.1375', output: '2.20' },
};
/** Tool calls, USD per 1,000. */
export const OPENAI_CALL_PRICE: Record<string, string> = { file_search_calls: '2.5', web_search_calls: '25' };
export const ANTHROPIC_PRICE: Record<string, Record<string, string>> = {
  'claude-sonnet-4-5-20250929': { input: '3', read: '0.30', w5m: '3.75', w1h: '6', output: '15' },
  'claude-haiku-4-5-20251001': { input: '1', read: '0.10', w5m: '1.25', w1h: '2', output: '5' },
  'claude-sonnet-4-6': { input: '3', read: '0.30', w5m: '3.75', w1h: '6', output: '15' },
  'claude-opus-4-6': { input: '5', read: '0.50', w5m: '6.25', w1h: '10', output: '25' },
};
/** Sonnet 4.5 above 200K input tokens: 2× input (and cache), 1.5× output. */
export const ANTHROPIC_LONG_CONTEXT_PRICE: Record<string, Record<string, string>> = {
  'claude-sonnet-4-5-20250929': { input: '6', read: '0.60', w5m: '7.5', w1h: '12', output: '22.5' },
};
/** US-only inference and fast mode multiply every token price. */
export const ANTHROPIC_US_GEO = '1.1';
export const ANTHROPIC_FAST: Record<string, string> = { 'claude-opus-4-6': '6' };

/** USD per 1M tokens of a usage row's way of running (long context, geography, speed); Priority Tier has none. */
export function anthropicRates(u: AnthropicUsageRow): Record<string, Big> {
  const table = (u.contextWindow === '200k-1M' ? ANTHROPIC_LONG_CONTEXT_PRICE : ANTHROPIC_PRICE)[u.model]!;
  const factor = new Big(u.inferenceGeo === 'us' ? ANTHROPIC_US_GEO : 1).times(u.speed === 'fast' ? ANTHROPIC_FAST[u.model]! : 1);
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, new Big(v).times(factor)]));
}

export const sum = (values: Iterable<Big | string | number>) => [...values].reduce<Big>((a, v) => a.plus(v), new Big(0));

/** Billed dollars of a month: per team (unmapped projects/workspaces under their own id), and of the o3 model. */
export function monthlyBilled(ledger: ProviderLedger, month: string): Map<string, Big> {
  const totals = new Map<string, Big>();
  const add = (key: string, amount: Big) => totals.set(key, (totals.get(key) ?? new Big(0)).plus(amount));
  for (const row of ledger.openai.costs) {
    if (!row.day.startsWith(month)) continue;
    add(PROJECT_TEAM[String(row.projectId)] ?? String(row.projectId), new Big(row.amountUsd));
    if (row.lineItem.startsWith('o3-deep-research-2025-06-26,')) add('o3-deep-research', new Big(row.amountUsd));
  }
  for (const row of ledger.anthropic.costs) {
    if (row.day.startsWith(month)) add(WORKSPACE_TEAM[String(row.workspaceId)] ?? String(row.workspaceId), new Big(row.amountCents).div(100));
  }
  return totals;
}

/** Usage of one day priced at list, per provider, in dollars. */
export function listPriceOfDay(ledger: ProviderLedger, day: string): { openai: Big; anthropic: Big } {
  let openai = new Big(0);
  for (const u of ledger.openai.usage) {
    if (!u.hour.startsWith(day)) continue;
    const p = (u.serviceTier ? OPENAI_OTHER_PRICE[`${u.model}@${u.serviceTier}`] : (OPENAI_PRICE[u.model] ?? OPENAI_OTHER_PRICE[u.model]))!;
    openai = openai
      .plus(new Big(u.inputTokens - u.inputCachedTokens).times(p.input!))
      .plus(new Big(u.inputCachedTokens).times(p.cached ?? 0))
      .plus(new Big(u.outputTokens).times(p.output ?? 0));
  }
  for (const u of ledger.openai.unitUsage ?? []) {
    if (u.hour.startsWith(day)) openai = openai.plus(new Big(u.quantity).times(OPENAI_CALL_PRICE[u.endpoint]!).times(1000)); // per 1,000 → per 1M scale
  }
  let anthropic = new Big(0);
  for (const u of ledger.anthropic.usage) {
    // Priority Tier is billed apart, in neither cost endpoint.
    if (!u.hour.startsWith(day) || u.serviceTier === 'priority') continue;
    const p = anthropicRates(u);
    anthropic = anthropic
      .plus(new Big(u.uncachedInputTokens).times(p.input!))
      .plus(new Big(u.cacheReadInputTokens).times(p.read!))
      .plus(new Big(u.cacheCreation5mTokens).times(p.w5m!))
      .plus(new Big(u.cacheCreation1hTokens).times(p.w1h!))
      .plus(new Big(u.outputTokens).times(p.output!))
      .plus(new Big(u.webSearchRequests).times(10_000)); // $10 per 1,000 requests, in the per-1M scale
  }
  return { openai: openai.div(1e6), anthropic: anthropic.div(1e6) };
}

export function hoursBetween(first: string, last: string): string[] {
  const hours: string[] = [];
  for (let t = Date.parse(first); t <= Date.parse(last); t += 3_600_000) hours.push(`${new Date(t).toISOString().slice(0, 19)}Z`);
  return hours;
}
