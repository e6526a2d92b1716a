import { readFileSync } from 'node:fs';
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';
import { WORKSPACE_TEAM, TEAMS, OPENAI_PRICE, OPENAI_OTHER_PRICE, ANTHROPIC_PRICE, sum, monthlyBilled, listPriceOfDay, hoursBetween } from './provider-books';

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
