import { describe, expect, it } from 'vitest';
import { mapAnthropicCosts, mapAnthropicUsage, type AnthropicMapperContext } from '../../../../functions/sources/anthropic/anthropic-mapper';
import { expectGolden, fixture } from '../../../support/fixtures';

const ctx = (start: string, end: string, source: string): AnthropicMapperContext => ({ window: { start, end }, organizationId: 'org-test', source, today: '2026-11-23' });
const costPages = () => [fixture('anthropic/cost-by-workspace-description.page1.json'), fixture('anthropic/cost-by-workspace-description.page2.json')];

describe('Anthropic mapper', () => {
  it('maps the recorded cost report pages to the golden records', () => {
    expectGolden('anthropic/costs.records.golden.json', mapAnthropicCosts(costPages(), ctx('2026-10-01', '2026-10-03', 'anthropic-costs')));
  });

  it('reads amounts as cents: "1843.27" is $18.4327, exactly', () => {
    const records = mapAnthropicCosts(costPages(), ctx('2026-10-01', '2026-10-03', 'anthropic-costs')).flatMap((d) => d.records);
    const input = records.find((r) => r.usageType?.startsWith('Claude Sonnet 4.5 Usage - Input Tokens |') && r.chargePeriodStart === '2026-10-01')!;
    expect(input).toMatchObject({ billedCost: '18.4327', tokenType: 'input', model: 'claude-sonnet-4-5-20250929', subAccountId: 'wrkspc_support' });
    expect(records.find((r) => r.usageType?.startsWith('Claude Haiku 4.5 Usage - Input Tokens |') && r.chargePeriodStart === '2026-10-02')!.billedCost).toBe('0.00005');
  });

  it('keeps the default workspace (null) and costs with no model (web search)', () => {
    const records = mapAnthropicCosts(costPages(), ctx('2026-10-01', '2026-10-03', 'anthropic-costs')).flatMap((d) => d.records);
    expect(records.find((r) => r.usageType === 'Web Search Usage' && r.subAccountId === null)).toMatchObject({ billedCost: '2.5', model: null, tokenType: null });
  });

  it('maps the recorded hourly usage to one record per day and slice, with cache and web search counts', () => {
    const days = mapAnthropicUsage([fixture('anthropic/usage-messages-hourly.page1.json')], ctx('2026-10-01', '2026-10-02', 'anthropic-usage'));
    expectGolden('anthropic/usage.records.golden.json', days);
    const support = days[0]!.records.find((r) => r.subAccountId === 'wrkspc_support')!;
    expect(support.tokens.cacheWrite5m).toBeGreaterThan(0);
    expect(support.tokens.cacheWrite1h).toBeGreaterThan(0);
    expect(support.webSearchRequests).toBeGreaterThan(0);
  });

  it('keeps a day whose bucket is empty as a day with no records, and maps a report not grouped by description', () => {
    const days = mapAnthropicCosts([fixture('anthropic/cost-by-workspace.page1.json')], ctx('2026-10-01', '2026-10-04', 'anthropic-costs'));
    expect(days.map((d) => [d.day, d.records.length > 0])).toEqual([
      ['2026-10-01', true],
      ['2026-10-02', true],
      ['2026-10-03', false],
    ]);
    expect(days[0]!.records.every((r) => r.model === null && r.tokenType === null)).toBe(true);
  });

  it('rejects an amount that is a number, not a cents string, naming page and field', () => {
    const [p1, p2] = costPages() as [any, any];
    p2.data[0].results[1].amount = 903.125;
    expect(() => mapAnthropicCosts([p1, p2], ctx('2026-10-01', '2026-10-03', 'anthropic-costs'))).toThrow(
      /^Anthropic cost_report, page 2: data\[0\]\.results\[1\]\.amount: expected a decimal string \(cents\)$/,
    );
  });

  it('rejects a cost bucket without its results list, naming page and field: a missing list is not an empty day', () => {
    const [p1, p2] = costPages() as [any, any];
    delete p2.data[0].results;
    expect(() => mapAnthropicCosts([p1, p2], ctx('2026-10-01', '2026-10-03', 'anthropic-costs'))).toThrow(/^Anthropic cost_report, page 2: data\[0\]\.results: /);
  });

  it('adds two results of one bucket with the same identity together, with a note, instead of failing the run', () => {
    const [p1, p2] = costPages() as [any, any];
    p2.data[0].results.push(structuredClone(p2.data[0].results[0]));
    const notes: string[] = [];
    const days = mapAnthropicCosts([p1, p2], { ...ctx('2026-10-01', '2026-10-03', 'anthropic-costs'), notes });
    const once = mapAnthropicCosts(costPages(), ctx('2026-10-01', '2026-10-03', 'anthropic-costs'));
    const first = (d: typeof days) => d[1]!.records.find((r) => r.id === once[1]!.records[0]!.id)!.billedCost;
    expect(first(days)).toBe(String(Number(first(once)) * 2));
    expect(days[1]!.records).toHaveLength(once[1]!.records.length);
    expect(notes).toEqual([expect.stringMatching(/^Anthropic cost_report, page 2: data\[0\]\.results\[\d\] repeats page 2: data\[0\]\.results\[0\] \(".*" of workspace .* on 2026-10-02\): the two amounts are added together$/)]);
  });

  it('maps a legacy day before 2026-01-01 with context window, geography and speed on usage, and no API key on cost', () => {
    const legacyCtx = ctx('2025-12-31', '2026-01-01', 'anthropic-usage');
    const usage = mapAnthropicUsage([fixture('anthropic/legacy-usage-2025-12-31.page1.json')], legacyCtx).flatMap((d) => d.records);
    expect(usage.map((r) => [r.subAccountId, r.serviceTier, r.contextWindow, r.inferenceGeo, r.speed, r.tokens.input])).toEqual([
      ['wrkspc_data', 'priority', '0-200k', 'global', 'standard', 3000],
      ['wrkspc_data', 'standard', '200k-1M', 'us', 'fast', 5000],
      ['wrkspc_support', 'standard', '0-200k', 'global', 'standard', 1000],
    ]);
    const costs = mapAnthropicCosts([fixture('anthropic/legacy-cost-2025-12-31.page1.json')], { ...legacyCtx, source: 'anthropic-costs' }).flatMap((d) => d.records);
    expect(costs.every((r) => r.apiKeyId === null)).toBe(true);
    expect(costs.map((r) => r.billedCost).reduce((a, b) => a + Number(b), 0)).toBeCloseTo(0.04755, 10);
  });
});
