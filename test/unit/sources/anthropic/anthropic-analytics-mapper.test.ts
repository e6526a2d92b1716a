import { describe, expect, it } from 'vitest';
import { mapAnthropicAnalyticsCosts, mapAnthropicAnalyticsUsage, type AnthropicAnalyticsContext } from '../../../../functions/sources/anthropic/anthropic-analytics-mapper';
import { MalformedProviderPageError } from '../../../../functions/sources/shared/paging';
import { expectGolden, fixture } from '../../../support/fixtures';

const COST_GROUPS = ['workspace_id', 'api_key_id', 'model'];
const USAGE_GROUPS = ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed'];
const costCtx = (notes: string[] = []): AnthropicAnalyticsContext => ({
  window: { start: '2026-11-01', end: '2026-11-03' },
  organizationId: 'org-test',
  source: 'anthropic-costs',
  today: '2026-11-10',
  groupBy: COST_GROUPS,
  bucketWidth: '1d',
  notes,
});
const usageCtx = (notes: string[] = []): AnthropicAnalyticsContext => ({
  window: { start: '2026-09-03', end: '2026-09-05' },
  organizationId: 'org-test',
  source: 'anthropic-usage',
  today: '2026-09-10',
  groupBy: USAGE_GROUPS,
  bucketWidth: '1d',
  notes,
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pages are edited field by field to break them
const costPages = (): any[] => [fixture('anthropic/analytics-cost.page1.json'), fixture('anthropic/analytics-cost.page2.json')];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const usagePages = (): any[] => [fixture('anthropic/analytics-usage.page1.json'), fixture('anthropic/analytics-usage.page2.json')];

describe('Anthropic analytics mapper: cost', () => {
  it('maps the recorded analytics/cost pages to the golden records', () => {
    expectGolden('anthropic/analytics-costs.records.golden.json', mapAnthropicAnalyticsCosts(costPages(), costCtx()));
  });

  it('reads "41280.000000" fractional cents as $412.80 and keeps the API key and the model on the record', () => {
    const records = mapAnthropicAnalyticsCosts(costPages(), costCtx()).flatMap((d) => d.records);
    expect(records.find((r) => r.model === 'claude-sonnet-5' && r.chargePeriodStart === '2026-11-01' && r.subAccountId === 'wrkspc_support')).toMatchObject({
      billedCost: '412.8',
      effectiveCost: '412.8',
      apiKeyId: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
      tokenType: null,
      usageType: null,
    });
  });

  it('keeps the default workspace, a null API key (Workbench) and a cost with no model (web search)', () => {
    const records = mapAnthropicAnalyticsCosts(costPages(), costCtx()).flatMap((d) => d.records);
    expect(records.find((r) => r.subAccountId === null)).toMatchObject({ apiKeyId: null, model: 'claude-haiku-4-5-20251001', billedCost: '0.125' });
    expect(records.find((r) => r.model === null)).toMatchObject({ subAccountId: 'wrkspc_support', billedCost: '0.4' });
  });

  it('accepts amount as a JSON number and a row without list_amount', () => {
    const pages = costPages();
    pages[0].data[0].cost.amount = 41280;
    delete pages[0].data[0].cost.list_amount;
    const records = mapAnthropicAnalyticsCosts(pages, costCtx()).flatMap((d) => d.records);
    expect(records[0]!.billedCost).toBe('412.8');
  });

  it('adds two rows with the same identity together, with a note, instead of failing the run', () => {
    const pages = costPages();
    pages[1].data.push(structuredClone(pages[1].data[1])); // 2026-11-02's row, once more
    const notes: string[] = [];
    const days = mapAnthropicAnalyticsCosts(pages, costCtx(notes));
    expect(days.find((d) => d.day === '2026-11-02')!.records.map((r) => r.billedCost)).toEqual(['40.005']);
    expect(notes).toEqual([
      'Anthropic analytics/cost, page 2: data[2] repeats page 2: data[1] (2026-11-02, workspace_id wrkspc_support, api_key_id apikey_01Rj2N8SVvo6BePZj99NhmiT, model claude-sonnet-5): the two rows are added together',
    ]);
  });

  it('returns every day before today, a day with no row as an empty day (analytics rows are flat, empty days have none)', () => {
    const days = mapAnthropicAnalyticsCosts(costPages(), { ...costCtx(), window: { start: '2026-11-01', end: '2026-11-05' } });
    expect(days.map((d) => [d.day, d.records.length])).toEqual([
      ['2026-11-01', 4],
      ['2026-11-02', 1],
      ['2026-11-03', 0],
      ['2026-11-04', 0],
    ]);
  });

  it.each([
    ['a missing amount', (p: any) => delete p[0].data[1].cost.amount, /^Anthropic analytics\/cost, page 1: data\[1\]\.cost\.amount: expected fractional cents as a decimal string \(or a number\)$/],
    ['an amount that is not a decimal', (p: any) => (p[1].data[0].cost.amount = '12,5'), /^Anthropic analytics\/cost, page 2: data\[0\]\.cost\.amount: expected a decimal amount, got "12,5"$/],
    ['a grouped key missing from group', (p: any) => delete p[0].data[2].group.api_key_id, /^Anthropic analytics\/cost, page 1: data\[2\]\.group\.api_key_id: missing \(the query groups by api_key_id/],
    ['a group value of the wrong type', (p: any) => (p[0].data[0].group.model = 5), /^Anthropic analytics\/cost, page 1: data\[0\]\.group\.model: expected a string or null, got 5$/],
    ['a row wider than the requested bucket', (p: any) => (p[0].data[0].ending_at = '2026-11-03T00:00:00Z'), /^Anthropic analytics\/cost, page 1: data\[0\]: 2026-11-01T00:00:00Z\.\.2026-11-03T00:00:00Z is not a 1d bucket/],
    ['an unknown bucket width echoed by the page', (p: any) => (p[0].time_bucket_width = '1 day'), /^Anthropic analytics\/cost, page 1: time_bucket_width: unknown bucket width; expected one of 1d, 1h, 1m$/],
    ['a row outside the requested window', (p: any) => ((p[1].data[1].starting_at = '2026-11-05T00:00:00Z'), (p[1].data[1].ending_at = '2026-11-06T00:00:00Z')), /^Anthropic analytics\/cost, page 2: data\[1\]: 2026-11-05T00:00:00Z is outside/],
    ['a currency other than USD', (p: any) => (p[0].data[0].cost.currency = 'EUR'), /^Anthropic analytics\/cost, page 1: data\[0\]\.cost\.currency: expected "USD", got "EUR"$/],
    ['rows that are not an array', (p: any) => (p[0].data = {}), /^Anthropic analytics\/cost, page 1: data: expected an array of rows$/],
  ])('fails loudly on %s, naming provider, endpoint, page and field', (_name, breakIt, message) => {
    const pages = costPages();
    breakIt(pages);
    expect(() => mapAnthropicAnalyticsCosts(pages, costCtx())).toThrow(message);
  });
});

describe('Anthropic analytics mapper: usage', () => {
  it('maps the recorded analytics/usage pages to the golden records, with tier, context window, geography and speed', () => {
    expectGolden('anthropic/analytics-usage.records.golden.json', mapAnthropicAnalyticsUsage(usagePages(), usageCtx()));
  });

  it('keeps Priority Tier usage with service_tier priority, long context and US-only geography on its record', () => {
    const records = mapAnthropicAnalyticsUsage(usagePages(), usageCtx()).flatMap((d) => d.records);
    expect(records.find((r) => r.serviceTier === 'priority')).toMatchObject({
      subAccountId: 'wrkspc_data',
      contextWindow: '200k-1M',
      inferenceGeo: 'us',
      speed: 'standard',
      tokens: { input: 8000, output: 8000, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
      requests: 3,
    });
    expect(records.find((r) => r.speed === 'fast')).toMatchObject({ chargePeriodStart: '2026-09-04', tokens: { input: 6000, output: 3000 }, requests: 12 });
  });

  it('maps the docs quickstart row (grouped by model only): 123,456 tokens of claude-sonnet-5 on 2026-09-03', () => {
    const [day] = mapAnthropicAnalyticsUsage([fixture('anthropic/analytics-usage-quickstart.page1.json')], { ...usageCtx(), window: { start: '2026-09-03', end: '2026-09-04' }, groupBy: ['model'] });
    const [record] = day!.records;
    const t = record!.tokens;
    expect([record!.model, t.input + t.cachedInput + t.cacheWrite5m + t.cacheWrite1h + t.output, record!.subAccountId]).toEqual(['claude-sonnet-5', 123456, null]);
  });

  it('reads the request count as requests, request_count or num_requests', () => {
    for (const name of ['request_count', 'num_requests']) {
      const pages = usagePages();
      pages[0].data[0].usage[name] = pages[0].data[0].usage.requests;
      delete pages[0].data[0].usage.requests;
      const records = mapAnthropicAnalyticsUsage(pages, usageCtx()).flatMap((d) => d.records);
      expect(records.reduce((n, r) => n + r.requests, 0)).toBe(57);
    }
  });

  it('sums hourly rows into the day, and adds two rows of one bucket with the same identity together with a note', () => {
    const pages = usagePages();
    pages[1].data.push(structuredClone(pages[1].data[0]));
    const notes: string[] = [];
    const days = mapAnthropicAnalyticsUsage(pages, usageCtx(notes));
    const fast = days.flatMap((d) => d.records).find((r) => r.speed === 'fast')!;
    expect(fast.tokens.input).toBe(12000);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^Anthropic analytics\/usage, page 2: data\[2\] repeats page 2: data\[0\] \(2026-09-04T00:00:00Z, workspace_id wrkspc_support, .*speed fast\): the two rows are added together$/);
  });

  it.each([
    ['total_tokens that the components do not add up to', (p: any) => (p[0].data[0].usage.total_tokens = 1), /^Anthropic analytics\/usage, page 1: data\[0\]\.usage\.total_tokens: 1, but the token components add up to 107456/],
    ['a total with no token breakdown (cannot be priced by type)', (p: any) => (p[0].data[1].usage = { total_tokens: 16000 }), /data\[1\]\.usage\.total_tokens: 16000, but the token components add up to 0/],
    ['a token count of the wrong type', (p: any) => (p[1].data[1].usage.output_tokens = '300'), /^Anthropic analytics\/usage, page 2: data\[1\]\.usage\.output_tokens: expected a whole number$/],
    ['a missing model while grouped by model', (p: any) => (p[0].data[0].group.model = null), /^Anthropic analytics\/usage, page 1: data\[0\]\.group\.model: expected a model/],
    ['two request counts that disagree', (p: any) => (p[0].data[0].usage.request_count = 1), /data\[0\]\.usage: requests 40 and request_count 1 disagree$/],
  ])('fails loudly on %s', (_name, breakIt, message) => {
    const pages = usagePages();
    breakIt(pages);
    expect(() => mapAnthropicAnalyticsUsage(pages, usageCtx())).toThrow(MalformedProviderPageError);
    expect(() => mapAnthropicAnalyticsUsage(pages, usageCtx())).toThrow(message);
  });
});
