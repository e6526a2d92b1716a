import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import type { ProviderLedger } from '../../../functions/local/provider-ledger';
import { sampleProviderLedger } from '../../../functions/local/sample-provider-ledger';
import { syntheticProviderLedger } from '../../../functions/local/synthetic-provider-ledger';

/**
 * The attribution costline is to be configured with for the sample books (the rules live in costline.config.json);
 * proj_experiments and wrkspc_sandbox are deliberately left out. The default workspace (null) goes to growth.
 */
const PROJECT_TEAM: Record<string, string> = { proj_payments: 'payments', proj_search: 'search', proj_support: 'support-bot', proj_growth: 'growth' };
const WORKSPACE_TEAM: Record<string, string> = { wrkspc_support: 'support-bot', wrkspc_data: 'data-platform', null: 'growth' };
const TEAMS = ['payments', 'search', 'support-bot', 'growth', 'data-platform'];

/** List prices the sample bills with, USD per 1M tokens, written out independently of the generator. */
const OPENAI_PRICE: Record<string, Record<string, string>> = {
  'gpt-4o-2024-08-06': { input: '2.50', cached: '1.25', output: '10.00' },
  'gpt-4o-mini-2024-07-18': { input: '0.15', cached: '0.075', output: '0.60' },
  'text-embedding-3-small': { input: '0.02' },
  'o3-deep-research-2025-06-26': { input: '10', cached: '2.5', output: '40' },
};
const ANTHROPIC_PRICE: Record<string, Record<string, string>> = {
  'claude-sonnet-4-5-20250929': { input: '3', read: '0.30', w5m: '3.75', w1h: '6', output: '15' },
  'claude-haiku-4-5-20251001': { input: '1', read: '0.10', w5m: '1.25', w1h: '2', output: '5' },
};

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
    const p = OPENAI_PRICE[u.model]!;
    openai = openai
      .plus(new Big(u.inputTokens - u.inputCachedTokens).times(p.input!))
      .plus(new Big(u.inputCachedTokens).times(p.cached ?? 0))
      .plus(new Big(u.outputTokens).times(p.output ?? 0));
  }
  let anthropic = new Big(0);
  for (const u of ledger.anthropic.usage) {
    if (!u.hour.startsWith(day)) continue;
    const p = ANTHROPIC_PRICE[u.model]!;
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
    expect([...new Set(ledger.openai.usage.map((u) => u.hour))].sort()).toEqual(expected);
    expect([...new Set(ledger.anthropic.usage.map((u) => u.hour))].sort()).toEqual(expected);
  });

  it('bills every day from 2026-09-01 through 2026-10-30 and not 2026-10-31 (the bill arrives late)', () => {
    const days = (rows: { day: string }[]) => [...new Set(rows.map((r) => r.day))].sort();
    const expected = hoursBetween('2026-09-01T00:00:00Z', '2026-10-30T00:00:00Z').filter((h) => h.endsWith('T00:00:00Z')).map((h) => h.slice(0, 10));

    expect(days(ledger.openai.costs)).toEqual(expected);
    expect(days(ledger.anthropic.costs)).toEqual(expected);
    expect(ledger.openai.usage.some((u) => u.hour.startsWith('2026-10-31'))).toBe(true);
  });

  it('has well-formed rows: decimal amounts, OpenAI dollars that survive a JSON-number round trip, integer token counts', () => {
    const decimal = /^-?\d+(\.\d+)?$/;
    for (const row of ledger.openai.costs) {
      expect(row.amountUsd).toMatch(decimal);
      expect(new Big(String(Number(row.amountUsd))).eq(row.amountUsd), row.amountUsd).toBe(true);
      expect(row.lineItem).toMatch(/^[\w.-]+, (input|cached input|output)$/);
      expect(row.quantityUnit).toBe('tokens');
    }
    for (const row of ledger.anthropic.costs) expect(row.amountCents).toMatch(decimal);
    for (const u of ledger.openai.usage) {
      expect(Number.isInteger(u.inputTokens) && u.inputCachedTokens <= u.inputTokens && u.numModelRequests >= 1).toBe(true);
    }
  });

  it('has the organisation of costline.config.json plus unmapped proj_experiments and wrkspc_sandbox', () => {
    const projects = new Set(ledger.openai.usage.map((u) => u.projectId));
    const workspaces = new Set(ledger.anthropic.usage.map((u) => u.workspaceId));

    expect([...projects].sort()).toEqual(['proj_experiments', 'proj_growth', 'proj_payments', 'proj_search', 'proj_support']);
    expect([...workspaces].sort((a, b) => String(a).localeCompare(String(b)))).toEqual([null, 'wrkspc_data', 'wrkspc_sandbox', 'wrkspc_support']);
    expect(new Set(ledger.openai.usage.filter((u) => u.projectId === 'proj_growth').map((u) => u.apiKeyId))).toEqual(new Set(['key_growth_web', 'key_growth_batch']));
    expect(new Set(ledger.openai.usage.map((u) => u.model))).toEqual(new Set(Object.keys(OPENAI_PRICE)));
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
    for (const day of ['2026-09-01', '2026-09-13', '2026-10-05', '2026-10-21', '2026-10-30']) {
      const list = listPriceOfDay(ledger, day);
      const openai = sum(ledger.openai.costs.filter((c) => c.day === day).map((c) => c.amountUsd));
      const anthropic = sum(ledger.anthropic.costs.filter((c) => c.day === day).map((c) => c.amountCents)).div(100);
      for (const [billed, atList] of [
        [openai, list.openai],
        [anthropic, list.anthropic],
      ] as const) {
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
