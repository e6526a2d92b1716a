import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';
import { lineItemModel, usageModel } from '../../../../functions/sources/openai/openai-line-items';
import { OPENAI_UNIT_ENDPOINTS } from '../../../../functions/sources/openai/openai-unit-endpoints';
import { sum } from './provider-books';

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
