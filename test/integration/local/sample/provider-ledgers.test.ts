import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_BETA, FAST_MODE_BETA, startAnthropicServer, type AnthropicServer } from '../../../../local/emulators/anthropic-server';
import type { AnthropicUsageRow, ProviderLedger } from '../../../../local/sample/provider-ledger';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';
import { lineItemModel, usageModel } from '../../../../functions/sources/openai/openai-line-items';
import { OPENAI_UNIT_ENDPOINTS } from '../../../../functions/sources/openai/openai-unit-endpoints';
import { syntheticProviderLedger } from '../../../../local/sample/synthetic-provider-ledger';

/**
 * The attribution costline is to be configured with for the sample books (the rules live in costline.config.json);
 * proj_experiments and wrkspc_sandbox are deliberately left out. The default workspace (null) goes to growth.
 */
const PROJECT_TEAM: Record<string, string> = { proj_payments: 'payments', proj_search: 'search', proj_support: 'support-bot', proj_growth: 'growth' };
const WORKSPACE_TEAM: Record<string, string> = { wrkspc_support: 'support-bot', wrkspc_support_priority: 'support-bot', wrkspc_data: 'data-platform', null: 'growth' };
const TEAMS = ['payments', 'search', 'support-bot', 'growth', 'data-platform'];

/** List prices the sample bills with, USD per 1M tokens, written out independently of the generator. */
const OPENAI_PRICE: Record<string, Record<string, string>> = {
  'gpt-4o-2024-08-06': { input: '2.50', cached: '1.25', output: '10.00' },
  'gpt-4o-mini-2024-07-18': { input: '0.15', cached: '0.075', output: '0.60' },
  'text-embedding-3-small': { input: '0.02' },
  'o3-deep-research-2025-06-26': { input: '10', cached: '2.5', output: '40' },
};
/** The fine-tune (fine-tuned gpt-4o inference) and the tiered slices: `model` or `model@tier`, as the usage rows say. */
const OPENAI_FINE_TUNE = 'ft:gpt-4o-2024-08-06:org-costline-sample:support-triage:B7xk2Qd9';
const OPENAI_OTHER_PRICE: Record<string, Record<string, string>> = {
  [OPENAI_FINE_TUNE]: { input: '3.75', output: '15.00' },
  'gpt-4o-mini-2024-07-18@priority': { input: '0.25', cached: '0.125', output: '1.00' },
  'o4-mini-2025-04-16@flex': { input: '0.55', cached: '0.1375', output: '2.20' },
};
/** Tool calls, USD per 1,000. */
const OPENAI_CALL_PRICE: Record<string, string> = { file_search_calls: '2.5', web_search_calls: '25' };
const ANTHROPIC_PRICE: Record<string, Record<string, string>> = {
  'claude-sonnet-4-5-20250929': { input: '3', read: '0.30', w5m: '3.75', w1h: '6', output: '15' },
  'claude-haiku-4-5-20251001': { input: '1', read: '0.10', w5m: '1.25', w1h: '2', output: '5' },
  'claude-sonnet-4-6': { input: '3', read: '0.30', w5m: '3.75', w1h: '6', output: '15' },
  'claude-opus-4-6': { input: '5', read: '0.50', w5m: '6.25', w1h: '10', output: '25' },
};
/** Sonnet 4.5 above 200K input tokens: 2× input (and cache), 1.5× output. */
const ANTHROPIC_LONG_CONTEXT_PRICE: Record<string, Record<string, string>> = {
  'claude-sonnet-4-5-20250929': { input: '6', read: '0.60', w5m: '7.5', w1h: '12', output: '22.5' },
};
/** US-only inference and fast mode multiply every token price. */
const ANTHROPIC_US_GEO = '1.1';
const ANTHROPIC_FAST: Record<string, string> = { 'claude-opus-4-6': '6' };

/** USD per 1M tokens of a usage row's way of running (long context, geography, speed); Priority Tier has none. */
function anthropicRates(u: AnthropicUsageRow): Record<string, Big> {
  const table = (u.contextWindow === '200k-1M' ? ANTHROPIC_LONG_CONTEXT_PRICE : ANTHROPIC_PRICE)[u.model]!;
  const factor = new Big(u.inferenceGeo === 'us' ? ANTHROPIC_US_GEO : 1).times(u.speed === 'fast' ? ANTHROPIC_FAST[u.model]! : 1);
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, new Big(v).times(factor)]));
}

const sum = (values: Iterable<Big | string | number>) => [...values].reduce<Big>((a, v) => a.plus(v), new Big(0));

/** Billed dollars of a month: per team (unmapped projects/workspaces under their own id), and of the o3 model. */
function monthlyBilled(ledger: ProviderLedger, month: string): Map<string, Big> {
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
function listPriceOfDay(ledger: ProviderLedger, day: string): { openai: Big; anthropic: Big } {
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

function hoursBetween(first: string, last: string): string[] {
  const hours: string[] = [];
  for (let t = Date.parse(first); t <= Date.parse(last); t += 3_600_000) hours.push(`${new Date(t).toISOString().slice(0, 19)}Z`);
  return hours;
}

describe('sample provider books', () => {
  const ledger = sampleProviderLedger();

  it('is deterministic: two calls return deep-equal books', () => {
    expect(sampleProviderLedger()).toEqual(sampleProviderLedger());
  });

  it('has usage for every hour from 2026-09-01T00:00Z to 2026-10-31T23:00Z at both providers, and none outside', () => {
    const expected = hoursBetween('2026-09-01T00:00:00Z', '2026-10-31T23:00:00Z');

    expect(expected).toHaveLength(61 * 24);
    // The histories before September are one row a day (see 'OpenAI history' and 'Anthropic history' below).
    expect([...new Set(ledger.openai.usage.filter((u) => u.hour >= '2026-09-01').map((u) => u.hour))].sort()).toEqual(expected);
    expect([...new Set(ledger.anthropic.usage.filter((u) => u.hour >= '2026-09-01').map((u) => u.hour))].sort()).toEqual(expected);
  });

  it('bills every day from 2026-09-01 through 2026-10-30 and not 2026-10-31 (the bill arrives late)', () => {
    const days = (rows: { day: string }[]) => [...new Set(rows.map((r) => r.day))].sort();
    const expected = hoursBetween('2026-09-01T00:00:00Z', '2026-10-30T00:00:00Z').filter((h) => h.endsWith('T00:00:00Z')).map((h) => h.slice(0, 10));

    expect(days(ledger.openai.costs.filter((c) => c.day >= '2026-09-01'))).toEqual(expected);
    expect(days(ledger.anthropic.costs.filter((c) => c.day >= '2026-09-01'))).toEqual(expected);
    expect(ledger.openai.usage.some((u) => u.hour.startsWith('2026-10-31'))).toBe(true);
  });

  it('has well-formed rows: decimal amounts, OpenAI dollars that survive a JSON-number round trip, integer token counts', () => {
    const decimal = /^-?\d+(\.\d+)?$/;
    for (const row of ledger.openai.costs) {
      expect(row.amountUsd).toMatch(decimal);
      expect(new Big(String(Number(row.amountUsd))).eq(row.amountUsd), row.amountUsd).toBe(true);
      // Token lines, with the evals surface before some; the tool lines report no quantity, as in the fixtures.
      if (row.quantity === null) {
        expect(['assistants api | file search', 'web search tool calls']).toContain(row.lineItem);
        expect(row.quantityUnit).toBeNull();
      } else {
        expect(row.lineItem).toMatch(/^(evals \| )?[\w.-]+, (input|cached input|output)$/);
        expect(row.quantityUnit).toBe('tokens');
      }
    }
    for (const row of ledger.anthropic.costs) expect(row.amountCents).toMatch(decimal);
    for (const u of ledger.openai.usage) {
      expect(Number.isInteger(u.inputTokens) && u.inputCachedTokens <= u.inputTokens && u.numModelRequests >= 1).toBe(true);
    }
  });

  it('has the organisation of costline.config.json plus unmapped proj_experiments and wrkspc_sandbox', () => {
    const rules = (JSON.parse(readFileSync('costline.config.json', 'utf8')) as { allocation: { rules: Array<{ match: Record<string, string>; team?: string }> } }).allocation.rules;
    const anthropicWorkspaceRules = Object.fromEntries(rules.filter((r) => r.match.provider === 'anthropic' && r.match.workspace).map((r) => [r.match.workspace === 'default' ? 'null' : r.match.workspace, r.team]));
    const projects = new Set(ledger.openai.usage.map((u) => u.projectId));
    const workspaces = new Set(ledger.anthropic.usage.map((u) => u.workspaceId));

    expect([...projects].sort()).toEqual(['proj_experiments', 'proj_growth', 'proj_payments', 'proj_search', 'proj_support']);
    expect([...workspaces].sort((a, b) => String(a).localeCompare(String(b)))).toEqual([null, 'wrkspc_data', 'wrkspc_sandbox', 'wrkspc_support', 'wrkspc_support_priority']);
    // The config maps every workspace but the sandbox, as this test's attribution does.
    expect(anthropicWorkspaceRules).toEqual(WORKSPACE_TEAM);
    expect(new Set(ledger.openai.usage.filter((u) => u.projectId === 'proj_growth').map((u) => u.apiKeyId))).toEqual(new Set(['key_growth_web', 'key_growth_batch']));
    expect(new Set(ledger.openai.usage.map((u) => u.model))).toEqual(new Set([...Object.keys(OPENAI_PRICE), ...Object.keys(OPENAI_OTHER_PRICE).map((k) => k.split('@')[0])]));
    expect(ledger.openai.usage.filter((u) => u.endpoint === 'embeddings').every((u) => u.model === 'text-embedding-3-small')).toBe(true);
    expect(new Set(ledger.anthropic.usage.map((u) => u.model))).toEqual(new Set(Object.keys(ANTHROPIC_PRICE)));
    // Console Workbench usage: default workspace, no API key.
    expect(ledger.anthropic.usage.some((u) => u.workspaceId === null && u.apiKeyId === null)).toBe(true);
  });

  it('has o3-deep-research usage and billed cost in proj_search only', () => {
    const o3Usage = ledger.openai.usage.filter((u) => u.model === 'o3-deep-research-2025-06-26');
    const o3Costs = ledger.openai.costs.filter((c) => c.lineItem.startsWith('o3-deep-research-2025-06-26,'));

    expect(o3Usage.length).toBeGreaterThan(0);
    expect(new Set(o3Usage.map((u) => u.projectId))).toEqual(new Set(['proj_search']));
    expect(new Set(o3Costs.map((c) => c.lineItem))).toEqual(
      new Set(['o3-deep-research-2025-06-26, input', 'o3-deep-research-2025-06-26, cached input', 'o3-deep-research-2025-06-26, output']),
    );
    expect(new Set(o3Costs.map((c) => c.projectId))).toEqual(new Set(['proj_search']));
  });

  it('has cache reads and 5m and 1h cache writes in wrkspc_support, and web search billed as a web_search row with no model', () => {
    const support = ledger.anthropic.usage.filter((u) => u.workspaceId === 'wrkspc_support');
    const tokenTypes = new Set(ledger.anthropic.costs.filter((c) => c.workspaceId === 'wrkspc_support').map((c) => c.tokenType));
    const webSearch = ledger.anthropic.costs.filter((c) => c.costType === 'web_search');

    expect(sum(support.map((u) => u.cacheReadInputTokens)).gt(0)).toBe(true);
    expect(sum(support.map((u) => u.cacheCreation5mTokens)).gt(0)).toBe(true);
    expect(sum(support.map((u) => u.cacheCreation1hTokens)).gt(0)).toBe(true);
    expect(tokenTypes).toEqual(
      new Set(['uncached_input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation.ephemeral_5m_input_tokens', 'cache_creation.ephemeral_1h_input_tokens', null]),
    );
    expect(webSearch.length).toBeGreaterThan(0);
    expect(webSearch.every((c) => c.model === null && c.tokenType === null && c.description === 'Web Search Usage')).toBe(true);
    expect(sum(ledger.anthropic.usage.map((u) => u.webSearchRequests)).gt(0)).toBe(true);
    // Descriptions carry the model's display name and the token type.
    expect(ledger.anthropic.costs.some((c) => c.description === 'Claude Sonnet 4.5 Usage - Input Tokens' && c.tokenType === 'uncached_input_tokens')).toBe(true);
  });

  it("spikes proj_search's gpt-4o to about 60× its usual level on 2026-10-21 from 14:00 UTC to midnight, and only there", () => {
    const searchGpt4o = (hour: string) =>
      ledger.openai.usage.find((u) => u.hour === hour && u.projectId === 'proj_search' && u.model === 'gpt-4o-2024-08-06' && u.apiKeyId === 'key_search_api')!.inputTokens;
    // Same hours on the other Wednesdays of October.
    const usual = (h: number) => ['2026-10-07', '2026-10-14', '2026-10-28'].map((d) => searchGpt4o(`${d}T${String(h).padStart(2, '0')}:00:00Z`)).reduce((a, b) => a + b) / 3;
    const ratio = (h: number) => searchGpt4o(`2026-10-21T${String(h).padStart(2, '0')}:00:00Z`) / usual(h);

    for (let h = 14; h < 24; h += 1) {
      expect(ratio(h), `hour ${h}`).toBeGreaterThan(45);
      expect(ratio(h), `hour ${h}`).toBeLessThan(75);
    }
    for (const h of [9, 12, 13]) expect(ratio(h), `hour ${h}`).toBeLessThan(1.5);
    const gpt4oMini = ledger.openai.usage.find((u) => u.hour === '2026-10-21T16:00:00Z' && u.projectId === 'proj_search' && u.model === 'gpt-4o-mini-2024-07-18')!;
    const usualMini = ledger.openai.usage.find((u) => u.hour === '2026-10-14T16:00:00Z' && u.projectId === 'proj_search' && u.model === 'gpt-4o-mini-2024-07-18')!;
    expect(gpt4oMini.inputTokens / usualMini.inputTokens).toBeLessThan(1.5);
  });

  it('runs weekends at about 40 % of weekdays', () => {
    const daily = new Map<string, number>();
    for (const u of ledger.openai.usage) daily.set(u.hour.slice(0, 10), (daily.get(u.hour.slice(0, 10)) ?? 0) + u.inputTokens);
    const weekend = (day: string) => [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
    const average = (days: string[]) => days.reduce((a, d) => a + daily.get(d)!, 0) / days.length;
    const september = [...daily.keys()].filter((d) => d.startsWith('2026-09'));

    const ratio = average(september.filter(weekend)) / average(september.filter((d) => !weekend(d)));

    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(0.47);
  });

  it('bills each day at its usage × list price within −2 % … +3 %, and not exactly at list price', () => {
    const ratios: number[] = [];
    for (const day of ['2025-11-01', '2025-12-06', '2026-03-15', '2026-08-31', '2026-09-01', '2026-09-13', '2026-10-05', '2026-10-21', '2026-10-30']) {
      const list = listPriceOfDay(ledger, day);
      const openai = sum(ledger.openai.costs.filter((c) => c.day === day).map((c) => c.amountUsd));
      const anthropic = sum(ledger.anthropic.costs.filter((c) => c.day === day).map((c) => c.amountCents)).div(100);
      for (const [billed, atList] of [
        [openai, list.openai],
        [anthropic, list.anthropic],
      ] as const) {
        // A provider with no books that day (Anthropic's start in September) has nothing to compare.
        if (billed.eq(0) && atList.eq(0)) continue;
        const ratio = billed.div(atList).toNumber();
        expect(ratio, day).toBeGreaterThanOrEqual(0.98 - 1e-9);
        expect(ratio, day).toBeLessThanOrEqual(1.03 + 1e-9);
        ratios.push(ratio);
      }
    }
    expect(ratios.some((r) => Math.abs(r - 1) > 0.001)).toBe(true);
  });

  it.each(['2026-09', '2026-10'])(
    'bills %s at $150–$600 per team, $200–$400 for proj_experiments, $50–$150 for wrkspc_sandbox, $100–$300 for o3-deep-research',
    (month) => {
      const totals = monthlyBilled(ledger, month);
      const within = (key: string, min: number, max: number) => {
        const total = totals.get(key) ?? new Big(0);
        expect(total.gte(min) && total.lte(max), `${key} ${month}: ${total.toFixed(2)}`).toBe(true);
      };

      for (const team of TEAMS) within(team, 150, 600);
      within('proj_experiments', 200, 400);
      within('wrkspc_sandbox', 50, 150);
      within('o3-deep-research', 100, 300);
      expect([...totals.keys()].sort()).toEqual([...TEAMS, 'o3-deep-research', 'proj_experiments', 'wrkspc_sandbox'].sort());
    },
  );
});

describe('sample provider books: the OpenAI additions and history', () => {
  const ledger = sampleProviderLedger();
  const { usage, costs } = ledger.openai;
  const unitUsage = ledger.openai.unitUsage ?? [];
  const octoberCosts = costs.filter((c) => c.day.startsWith('2026-10'));
  const lineItems = (rows: typeof costs) => new Set(rows.map((c) => c.lineItem));
  const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
  const ADDED_KEYS = new Set(['key_support_ft', 'key_search_evals', 'key_payments_checkout']);

  it("leaves the September–October rows of the original OpenAI workloads byte for byte as they were (the additions draw from their own streams)", () => {
    const original = <T extends { apiKeyId: string | null }>(rows: T[], time: (r: T) => string, name: (r: T) => string) =>
      rows.filter((r) => time(r) >= '2026-09-01' && !ADDED_KEYS.has(r.apiKeyId ?? '') && !/^o4-mini|^web search|^assistants api/.test(name(r)));
    const detailedUsage = original(usage, (u) => u.hour, (u) => u.model);
    const detailedCosts = original(costs, (c) => c.day, (c) => c.lineItem);

    expect([detailedUsage.length, detailedCosts.length]).toEqual([61 * 24 * 12, 1920]);
    // The hashes of these rows before the additions (commit 852f5eb).
    expect(sha256(detailedUsage)).toBe('fd86f7f389223ad50b6acd6a43b4a31756bb628605a323efc2dcea0161032915');
    expect(sha256(detailedCosts)).toBe('dcfcbddffd2477f51ff63ffba7fa69919b30ec5a6d15dca0f63fcace95de2061');
  });

  it("bills proj_support's fine-tune as ft-gpt-4o-2024-08-06 input and output, and reports its usage under an ft: id the mapper reads as the same model", () => {
    const ftUsage = usage.filter((u) => u.model.startsWith('ft:'));
    const ftCosts = octoberCosts.filter((c) => c.lineItem.startsWith('ft-'));

    expect(new Set(ftUsage.map((u) => `${u.projectId} ${u.apiKeyId} ${usageModel(u.model)}`))).toEqual(new Set(['proj_support key_support_ft ft-gpt-4o-2024-08-06']));
    expect(lineItems(ftCosts)).toEqual(new Set(['ft-gpt-4o-2024-08-06, input', 'ft-gpt-4o-2024-08-06, output']));
    expect(new Set(ftCosts.map((c) => lineItemModel(c.lineItem)))).toEqual(new Set(['ft-gpt-4o-2024-08-06']));
    expect(sum(ftCosts.map((c) => c.amountUsd)).gt(40)).toBe(true);
  });

  it("bills proj_search's nightly evals as 'evals | gpt-4o-mini-2024-07-18' lines that model rules see as gpt-4o-mini-2024-07-18, its usage in the same model", () => {
    const evalCosts = octoberCosts.filter((c) => c.lineItem.startsWith('evals | '));
    const evalUsage = usage.filter((u) => u.apiKeyId === 'key_search_evals' && u.hour >= '2026-09-01');

    expect(lineItems(evalCosts)).toEqual(new Set(['evals | gpt-4o-mini-2024-07-18, input', 'evals | gpt-4o-mini-2024-07-18, output']));
    expect(new Set(evalCosts.map((c) => `${c.projectId} ${c.apiKeyId} ${lineItemModel(c.lineItem)}`))).toEqual(new Set(['proj_search key_search_evals gpt-4o-mini-2024-07-18']));
    expect(new Set(evalUsage.map((u) => `${u.projectId} ${u.model}`))).toEqual(new Set(['proj_search gpt-4o-mini-2024-07-18']));
    // A nightly run: 01:00 to 03:59 UTC only.
    expect(new Set(evalUsage.map((u) => u.hour.slice(11, 13)))).toEqual(new Set(['01', '02', '03']));
  });

  it("reports proj_support's file search on file_search_calls with no model, billed as 'assistants api | file search', which costline reads as the file-search model", () => {
    const calls = unitUsage.filter((u) => u.endpoint === 'file_search_calls');
    const billed = octoberCosts.filter((c) => c.lineItem === 'assistants api | file search');

    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls.map((u) => `${u.projectId} ${u.apiKeyId} ${u.model}`))).toEqual(new Set(['proj_support key_support_bot null']));
    expect(billed.length).toBe(30);
    expect(billed.every((c) => c.projectId === 'proj_support' && c.quantity === null && c.quantityUnit === null)).toBe(true);
    expect(lineItemModel('assistants api | file search')).toBe(OPENAI_UNIT_ENDPOINTS.file_search_calls.modelless);
    // $2.50 per 1,000 calls, within the day's adjustment.
    const octoberCalls = sum(calls.filter((u) => u.hour >= '2026-10-01' && u.hour < '2026-10-31').map((u) => u.quantity));
    const ratio = sum(billed.map((c) => c.amountUsd)).div(octoberCalls.times('0.0025')).toNumber();
    expect(ratio).toBeGreaterThan(0.98);
    expect(ratio).toBeLessThan(1.03);
  });

  it("reports proj_growth's web searches on web_search_calls under gpt-4o-mini, billed as 'web search tool calls'", () => {
    const calls = unitUsage.filter((u) => u.endpoint === 'web_search_calls');

    expect(new Set(calls.map((u) => `${u.projectId} ${u.model}`))).toEqual(new Set(['proj_growth gpt-4o-mini-2024-07-18']));
    expect(calls.every((u) => u.numModelRequests === u.quantity)).toBe(true);
    expect(octoberCosts.filter((c) => c.lineItem === 'web search tool calls').every((c) => c.projectId === 'proj_growth')).toBe(true);
    expect(octoberCosts.some((c) => c.lineItem === 'web search tool calls')).toBe(true);
  });

  it('has priority gpt-4o-mini in proj_payments and flex o4-mini in proj_growth, each billed at its tier price', () => {
    const tiered = usage.filter((u) => u.serviceTier !== undefined && u.hour >= '2026-09-01');
    const perMillion = (lineItem: string, apiKeyId: string) => {
      const rows = octoberCosts.filter((c) => c.lineItem === lineItem && c.apiKeyId === apiKeyId);
      return sum(rows.map((c) => c.amountUsd)).div(sum(rows.map((c) => c.quantity!))).times(1e6).toNumber();
    };

    expect(new Set(tiered.map((u) => `${u.projectId} ${u.apiKeyId} ${u.model} ${u.serviceTier}`))).toEqual(
      new Set(['proj_payments key_payments_checkout gpt-4o-mini-2024-07-18 priority', 'proj_growth key_growth_batch o4-mini-2025-04-16 flex']),
    );
    // Priority $0.25/M input against the default tier's $0.15 under the same line item; flex o4-mini at $0.55 (half of $1.10).
    expect(perMillion('gpt-4o-mini-2024-07-18, input', 'key_payments_checkout')).toBeCloseTo(0.25, 2);
    expect(perMillion('gpt-4o-mini-2024-07-18, input', 'key_payments_prod')).toBeCloseTo(0.15, 2);
    expect(perMillion('o4-mini-2025-04-16, input', 'key_growth_batch')).toBeCloseTo(0.55, 2);
  });

  it('has OpenAI history from 2025-11-01 to 2026-08-31: one usage row a day per workload at 00:00 UTC, every day billed', () => {
    const historyUsage = usage.filter((u) => u.hour < '2026-09-01');
    const days = [...new Set(historyUsage.map((u) => u.hour))].sort();
    const workloads = new Set(historyUsage.map((u) => `${u.endpoint} ${u.projectId} ${u.apiKeyId} ${u.model} ${u.serviceTier ?? ''}`));
    const billedDays = [...new Set(costs.filter((c) => c.day < '2026-09-01').map((c) => c.day))].sort();

    expect([days[0], days.at(-1), days.length]).toEqual(['2025-11-01T00:00:00Z', '2026-08-31T00:00:00Z', 304]);
    expect(days.every((h) => h.endsWith('T00:00:00Z'))).toBe(true);
    expect(workloads.size).toBe(16);
    expect(historyUsage).toHaveLength(304 * 16);
    expect([billedDays[0], billedDays.at(-1), billedDays.length]).toEqual(['2025-11-01', '2026-08-31', 304]);
    // Days before the API-key floor (2025-12-06) are there, so a backfill reads them without the key grouping.
    expect(costs.some((c) => c.day < '2025-12-06')).toBe(true);
    expect(new Set(unitUsage.filter((u) => u.hour < '2026-09-01').map((u) => u.endpoint))).toEqual(new Set(['file_search_calls', 'web_search_calls']));
  });

  it('makes the history smaller and steadier: each month from 2025-11 to 2026-08 bills 55–100 % of September 2026, growing into it', () => {
    const billedIn = (month: string) => sum(costs.filter((c) => c.day.startsWith(month)).map((c) => c.amountUsd));
    const september = billedIn('2026-09');
    const months = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08'];
    // Per day, so February's 28 days do not read as a dip.
    const perDay = (month: string) => billedIn(month).div(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate());

    for (const month of months) {
      const share = billedIn(month).div(september).toNumber();
      expect(share, month).toBeGreaterThan(0.55);
      expect(share, month).toBeLessThan(1);
    }
    expect(perDay('2025-11').lt(perDay('2026-04')) && perDay('2026-04').lt(perDay('2026-08'))).toBe(true);
  });

  it('stays cheap to serve: under 32,000 OpenAI usage rows and 20,000 cost rows for the year', () => {
    expect(usage.length + unitUsage.length).toBeLessThan(32_000);
    expect(costs.length).toBeLessThan(20_000);
  });
});

describe('sample provider books: the Anthropic additions and history', () => {
  const ledger = sampleProviderLedger();
  const { usage, costs } = ledger.anthropic;
  const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
  const ADDED_KEYS = new Set(['apikey_support_priority', 'apikey_data_longdocs', 'apikey_data_us', 'apikey_data_fast']);
  const october = (day: string) => day >= '2026-10-01' && day < '2026-10-31';
  /** Billed USD per 1M tokens of one token type over October's billed days, for the cost rows `keep` accepts. */
  const billedRate = (keep: (c: (typeof costs)[number]) => boolean, tokenType: string, tokens: (u: AnthropicUsageRow) => number, keepUsage: (u: AnthropicUsageRow) => boolean) => {
    const dollars = sum(costs.filter((c) => october(c.day) && c.tokenType === tokenType && keep(c)).map((c) => c.amountCents)).div(100);
    const n = sum(usage.filter((u) => october(u.hour.slice(0, 10)) && keepUsage(u)).map(tokens));
    return dollars.div(n).times(1e6).toNumber();
  };

  it('leaves the September–October rows of the original Anthropic workloads byte for byte as they were (the additions draw from their own streams)', () => {
    const detailedUsage = usage.filter((u) => u.hour >= '2026-09-01' && !ADDED_KEYS.has(u.apiKeyId ?? ''));
    const detailedCosts = costs.filter((c) => c.day >= '2026-09-01' && !ADDED_KEYS.has(c.apiKeyId ?? ''));

    expect([detailedUsage.length, detailedCosts.length]).toEqual([12456, 1472]);
    // The hashes of these rows before the additions (commit 171766d).
    expect(sha256(detailedUsage)).toBe('2ac6764e9ffbcff4fad6b9ff55f094af66c08d4a0a730a98424073a113d1b0d4');
    expect(sha256(detailedCosts)).toBe('e6fece1ea3f9fc1181913c1be4ed4d3d9ff82bafe527313bbc356bcff23b4418');
  });

  it("has support-bot's Priority Tier workspace in the usage only: no cost row of it, none with the priority tier", () => {
    const priority = usage.filter((u) => u.serviceTier === 'priority');

    expect(new Set(priority.map((u) => `${u.workspaceId} ${u.apiKeyId} ${u.model}`))).toEqual(new Set(['wrkspc_support_priority apikey_support_priority claude-haiku-4-5-20251001']));
    expect(usage.filter((u) => u.workspaceId === 'wrkspc_support_priority').every((u) => u.serviceTier === 'priority')).toBe(true);
    expect(priority.filter((u) => u.hour.startsWith('2026-10'))).toHaveLength(31 * 24);
    expect(sum(priority.filter((u) => u.hour.startsWith('2026-10')).map((u) => u.uncachedInputTokens + u.cacheReadInputTokens + u.outputTokens)).gt(50_000_000)).toBe(true);
    expect(priority.every((u) => (u.requests ?? 0) >= 1)).toBe(true);
    expect(costs.filter((c) => c.workspaceId === 'wrkspc_support_priority' || c.apiKeyId === 'apikey_support_priority' || c.serviceTier === 'priority')).toEqual([]);
  });

  it("has long-context (200k-1M) Sonnet 4.5 usage in wrkspc_data, billed under that context window at the long-context $6 / $0.60 / $22.50 per 1M", () => {
    const long = (u: AnthropicUsageRow) => u.contextWindow === '200k-1M';
    const billedLong = (c: (typeof costs)[number]) => c.contextWindow === '200k-1M';

    expect(new Set(usage.filter(long).map((u) => `${u.workspaceId} ${u.apiKeyId} ${u.model} ${u.serviceTier}`))).toEqual(new Set(['wrkspc_data apikey_data_longdocs claude-sonnet-4-5-20250929 standard']));
    expect(new Set(costs.filter(billedLong).map((c) => `${c.workspaceId} ${c.apiKeyId} ${c.model} ${c.description}`))).toEqual(
      new Set(['Input Tokens', 'Output Tokens', 'Cache Read Input Tokens', '5m Cache Write Input Tokens'].map((t) => `wrkspc_data apikey_data_longdocs claude-sonnet-4-5-20250929 Claude Sonnet 4.5 Usage - ${t}`)),
    );
    for (const [tokenType, price, tokens] of [
      ['uncached_input_tokens', 6, (u: AnthropicUsageRow) => u.uncachedInputTokens],
      ['cache_read_input_tokens', 0.6, (u: AnthropicUsageRow) => u.cacheReadInputTokens],
      ['output_tokens', 22.5, (u: AnthropicUsageRow) => u.outputTokens],
    ] as const) {
      const rate = billedRate(billedLong, tokenType, tokens, long);
      expect(rate / price, tokenType).toBeGreaterThan(0.98);
      expect(rate / price, tokenType).toBeLessThan(1.03);
    }
  });

  it('has US-only inference (inference_geo us) on Sonnet 4.6 in wrkspc_data, billed with that geo at 1.1× ($3.30 / $16.50 per 1M)', () => {
    const us = (u: AnthropicUsageRow) => u.inferenceGeo === 'us';
    const billedUs = (c: (typeof costs)[number]) => c.inferenceGeo === 'us';

    expect(new Set(usage.filter(us).map((u) => `${u.workspaceId} ${u.apiKeyId} ${u.model} ${u.contextWindow}`))).toEqual(new Set(['wrkspc_data apikey_data_us claude-sonnet-4-6 0-200k']));
    expect(new Set(costs.filter(billedUs).map((c) => c.model))).toEqual(new Set(['claude-sonnet-4-6']));
    for (const [tokenType, price, tokens] of [
      ['uncached_input_tokens', 3.3, (u: AnthropicUsageRow) => u.uncachedInputTokens],
      ['output_tokens', 16.5, (u: AnthropicUsageRow) => u.outputTokens],
    ] as const) {
      const rate = billedRate(billedUs, tokenType, tokens, us);
      expect(rate / price, tokenType).toBeGreaterThan(0.98);
      expect(rate / price, tokenType).toBeLessThan(1.03);
    }
  });

  it('has fast-mode Opus 4.6 in wrkspc_data, billed at 6× ($30 / $150 per 1M), tens of dollars a month', () => {
    const fast = (u: AnthropicUsageRow) => u.speed === 'fast';
    const opus = (c: (typeof costs)[number]) => c.model === 'claude-opus-4-6';

    expect(new Set(usage.filter(fast).map((u) => `${u.workspaceId} ${u.apiKeyId} ${u.model} ${u.serviceTier}`))).toEqual(new Set(['wrkspc_data apikey_data_fast claude-opus-4-6 standard']));
    expect(usage.filter((u) => u.model === 'claude-opus-4-6').every(fast)).toBe(true);
    expect(billedRate(opus, 'uncached_input_tokens', (u) => u.uncachedInputTokens, fast) / 30).toBeCloseTo(1, 1);
    expect(billedRate(opus, 'output_tokens', (u) => u.outputTokens, fast) / 150).toBeCloseTo(1, 1);
    const octoberBill = sum(costs.filter((c) => opus(c) && c.day.startsWith('2026-10')).map((c) => c.amountCents)).div(100);
    expect(octoberBill.gt(10) && octoberBill.lt(60), octoberBill.toFixed(2)).toBe(true);
  });

  it('has Anthropic history from 2025-11-01 to 2026-08-31: one usage row a day per workload at 00:00 UTC, every day billed, launches included', () => {
    const historyUsage = usage.filter((u) => u.hour < '2026-09-01');
    const days = [...new Set(historyUsage.map((u) => u.hour))].sort();
    const workloadsOn = (day: string) => historyUsage.filter((u) => u.hour === `${day}T00:00:00Z`).length;
    const billedDays = [...new Set(costs.filter((c) => c.day < '2026-09-01').map((c) => c.day))].sort();

    expect([days[0], days.at(-1), days.length]).toEqual(['2025-11-01T00:00:00Z', '2026-08-31T00:00:00Z', 304]);
    // The eight original workloads, Priority Tier and long context from the start; US-only and fast mode from 2026-03-02; the reranker not yet.
    expect([workloadsOn('2025-11-01'), workloadsOn('2026-03-01'), workloadsOn('2026-03-02'), workloadsOn('2026-08-31')]).toEqual([10, 10, 12, 12]);
    expect(historyUsage.some((u) => u.apiKeyId === 'apikey_search_rerank')).toBe(false);
    expect([billedDays[0], billedDays.at(-1), billedDays.length]).toEqual(['2025-11-01', '2026-08-31', 304]);
    // November and December 2025 are billed (the legacy reports serve them) and carry what both cost endpoints group by.
    const grouped = ['workspaceId', 'apiKeyId', 'description', 'costType', 'model', 'tokenType', 'serviceTier', 'contextWindow', 'inferenceGeo'] as const;
    for (const c of costs.filter((c) => c.day < '2026-09-01')) {
      expect(grouped.filter((field) => c[field] === undefined), `${c.day} ${c.description}`).toEqual([]);
      expect(c.costType === 'web_search' ? c.model === null && c.tokenType === null : typeof c.model === 'string' && typeof c.tokenType === 'string').toBe(true);
    }
    expect(new Set(costs.filter((c) => c.day.startsWith('2025-11')).map((c) => c.workspaceId))).toEqual(new Set([null, 'wrkspc_data', 'wrkspc_sandbox', 'wrkspc_support']));
  });

  it('makes the Anthropic history smaller and steadier: each month from 2025-11 to 2026-08 bills 55–100 % of September 2026, growing into it', () => {
    const billedIn = (month: string) => sum(costs.filter((c) => c.day.startsWith(month)).map((c) => c.amountCents)).div(100);
    const september = billedIn('2026-09');
    const perDay = (month: string) => billedIn(month).div(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate());

    for (const month of ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08']) {
      const share = billedIn(month).div(september).toNumber();
      expect(share, month).toBeGreaterThan(0.55);
      expect(share, month).toBeLessThan(1);
    }
    expect(perDay('2025-11').lt(perDay('2026-04')) && perDay('2026-04').lt(perDay('2026-08'))).toBe(true);
  });

  it('stays cheap to serve: under 25,000 Anthropic usage rows and 12,000 cost rows for the year', () => {
    expect(usage.length).toBeLessThan(25_000);
    expect(costs.length).toBeLessThan(12_000);
  });

  describe('as the local Anthropic serves it (clock 2026-11-02T06:00Z)', () => {
    const ADMIN_KEY = 'sk-ant-admin01-sample';
    let server: AnthropicServer;
    beforeAll(async () => {
      server = await startAnthropicServer({ ledger: ledger.anthropic, adminKey: ADMIN_KEY, now: () => new Date('2026-11-02T06:00:00Z') });
    });
    afterAll(async () => server.close());
    const get = async (path: string, beta?: string) => {
      const response = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': ADMIN_KEY, 'anthropic-version': '2023-06-01', ...(beta ? { 'anthropic-beta': beta } : {}) } });
      expect(response.status, path).toBe(200);
      return (await response.json()) as { data: Array<Record<string, unknown> & { results?: Array<Record<string, unknown>> }> };
    };

    it('serves November 2025 from the legacy reports: workspace and description cost with the long-context lines, usage with Priority Tier', async () => {
      const cost = await get('/v1/organizations/cost_report?starting_at=2025-11-01T00:00:00Z&ending_at=2025-11-08T00:00:00Z&group_by[]=workspace_id&group_by[]=description&limit=7');
      const use = await get(
        `/v1/organizations/usage_report/messages?starting_at=2025-11-01T00:00:00Z&ending_at=2025-11-08T00:00:00Z&bucket_width=1d&group_by[]=workspace_id&group_by[]=service_tier&group_by[]=context_window&group_by[]=speed`,
        FAST_MODE_BETA,
      );
      const costResults = cost.data.flatMap((b) => b.results!);
      const usageResults = use.data.flatMap((b) => b.results!);

      expect(cost.data).toHaveLength(7);
      expect(cost.data.every((b) => b.results!.length > 0)).toBe(true);
      expect(costResults.some((r) => r.workspace_id === 'wrkspc_data' && r.context_window === '200k-1M' && r.description === 'Claude Sonnet 4.5 Usage - Input Tokens')).toBe(true);
      expect(costResults.some((r) => r.workspace_id === 'wrkspc_support_priority' || r.service_tier === 'priority')).toBe(false);
      expect(use.data).toHaveLength(7);
      expect(usageResults.filter((r) => r.service_tier === 'priority').map((r) => r.workspace_id)).toEqual(Array(7).fill('wrkspc_support_priority'));
    });

    it('serves October 2026 from the analytics API: Priority Tier, long context, US-only and fast mode in the usage, Priority Tier in no cost row', async () => {
      const range = 'starting_at=2026-10-01T00:00:00Z&ending_at=2026-11-01T00:00:00Z';
      const use = await get(
        `/v1/organizations/analytics/usage?${range}&group_by[]=workspace_id&group_by[]=service_tier&group_by[]=context_window&group_by[]=inference_geo&group_by[]=speed&limit=1000`,
        ANALYTICS_BETA,
      );
      const cost = await get(`/v1/organizations/analytics/cost?${range}&time_bucket_width=1d&group_by[]=workspace_id&group_by[]=api_key_id&limit=1000`, ANALYTICS_BETA);
      const groups = use.data.map((r) => r.group as Record<string, string | null>);

      expect(groups.map((g) => `${g.workspace_id} ${g.service_tier} ${g.context_window} ${g.inference_geo} ${g.speed}`)).toEqual(
        expect.arrayContaining([
          'wrkspc_support_priority priority 0-200k global standard',
          'wrkspc_data standard 200k-1M global standard',
          'wrkspc_data standard 0-200k us standard',
          'wrkspc_data standard 0-200k global fast',
        ]),
      );
      const costGroups = cost.data.map((r) => r.group as Record<string, string | null>);
      expect(new Set(costGroups.map((g) => g.api_key_id))).toEqual(new Set([...new Set(costs.filter((c) => october(c.day)).map((c) => c.apiKeyId ?? null))]));
      expect(costGroups.some((g) => g.workspace_id === 'wrkspc_support_priority')).toBe(false);
      // 30 billed days: the ledger's bill for 31 October is not in yet.
      expect(new Set(cost.data.map((r) => String(r.starting_at).slice(0, 10))).size).toBe(30);
    });
  });
});

describe('synthetic provider books', () => {
  it('defaults to 100 teams × 30 days from 2026-10-01, one project and one workspace per team, hourly usage', () => {
    const { ledger, projects, workspaces } = syntheticProviderLedger();

    expect(Object.keys(projects)).toHaveLength(100);
    expect(projects.proj_t000).toBe('t000');
    expect(workspaces.wrkspc_t099).toBe('t099');
    expect(new Set(Object.values(projects))).toEqual(new Set(Object.values(workspaces)));
    expect(ledger.openai.usage).toHaveLength(100 * 30 * 24);
    expect(ledger.anthropic.usage).toHaveLength(100 * 30 * 24);
    const hours = [...new Set(ledger.openai.usage.map((u) => u.hour))].sort();
    expect([hours[0], hours.at(-1), hours.length]).toEqual(['2026-10-01T00:00:00Z', '2026-10-30T23:00:00Z', 720]);
    expect(new Set(ledger.openai.usage.map((u) => u.projectId))).toEqual(new Set(Object.keys(projects)));
    expect(new Set(ledger.anthropic.usage.map((u) => u.workspaceId))).toEqual(new Set(Object.keys(workspaces)));
  });

  it('bills every team every day but the last, with decimal amounts', () => {
    const { ledger } = syntheticProviderLedger({ teams: 5, days: 4, startDate: '2026-11-28' });

    const days = [...new Set([...ledger.openai.costs, ...ledger.anthropic.costs].map((c) => c.day))].sort();
    expect(days).toEqual(['2026-11-28', '2026-11-29', '2026-11-30']);
    for (const day of days) {
      expect(new Set(ledger.openai.costs.filter((c) => c.day === day).map((c) => c.projectId)).size).toBe(5);
      expect(new Set(ledger.anthropic.costs.filter((c) => c.day === day).map((c) => c.workspaceId)).size).toBe(5);
    }
    for (const c of ledger.openai.costs) expect(c.amountUsd).toMatch(/^\d+(\.\d+)?$/);
    for (const c of ledger.anthropic.costs) expect(c.amountCents).toMatch(/^\d+(\.\d+)?$/);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = syntheticProviderLedger({ teams: 3, days: 2, seed: 7 });
    const b = syntheticProviderLedger({ teams: 3, days: 2, seed: 7 });
    const c = syntheticProviderLedger({ teams: 3, days: 2, seed: 8 });

    expect(a).toEqual(b);
    expect(c.ledger).not.toEqual(a.ledger);
  });

  it('rejects nonsense options with a RangeError', () => {
    expect(() => syntheticProviderLedger({ teams: 0 })).toThrow(RangeError);
    expect(() => syntheticProviderLedger({ days: 1.5 })).toThrow(RangeError);
    expect(() => syntheticProviderLedger({ startDate: '2026-02-30' })).toThrow(RangeError);
  });
});
