import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_BETA, FAST_MODE_BETA, startAnthropicServer, type AnthropicServer } from '../../../../local/emulators/anthropic-server';
import type { AnthropicUsageRow } from '../../../../local/sample/provider-ledger';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';
import { sum } from './provider-books';

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
