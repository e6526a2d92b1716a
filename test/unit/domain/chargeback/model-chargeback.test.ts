import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allocationPolicyOf } from '../../../../functions/config/policies';
import { createAllocator } from '../../../../functions/domain/allocation/allocation';
import { buildChargeback } from '../../../support/chargeback';
import { reconcileUsage } from '../../../../functions/domain/pricing/estimates';
import { renderStatementText } from '../../../../functions/domain/statements/statement-text';
import { parsePriceBook } from '../../../../functions/domain/pricing/price-book';
import { expectBooksBalance } from '../../../support/books';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';
import { usageRecord } from '../../../support/usage';

const book = parsePriceBook(JSON.parse(readFileSync('functions/domain/pricing/price-book.json', 'utf8')));
const tokens = (input: number, output: number, cachedInput = 0) => ({ input, cachedInput, cacheWrite5m: 0, cacheWrite1h: 0, output });

const config = testConfig({
  allocation: {
    awsTagKey: 'team',
    rules: [
      { match: { provider: 'openai', apiKey: 'key_growth' }, team: 'growth' },
      { match: { project: 'proj_search' }, team: 'search' },
      { match: { workspace: 'default' }, team: 'payments' },
      { match: { provider: 'anthropic', model: 'claude-haiku-*' }, team: 'growth' },
    ],
  },
});

/** A billed OpenAI line item as the costs mapper makes it. */
function openAiCost(day: string, project: string | null, tokenType: 'input' | 'output', cost: string, apiKeyId: string | null = null) {
  return awsRecord({
    source: 'openai-costs',
    provider: 'openai',
    providerName: 'OpenAI',
    billingAccountId: 'org-test',
    subAccountId: project,
    serviceName: 'OpenAI API',
    usageType: `gpt-4o-2024-08-06, ${tokenType}`,
    model: 'gpt-4o-2024-08-06',
    tokenType,
    apiKeyId,
    chargePeriodStart: day,
    cost,
  });
}

describe('allocation of model spend', () => {
  const allocate = createAllocator(allocationPolicyOf(config));
  it('matches project, workspace (null is "default"), API key and model patterns, first rule first', () => {
    expect(allocate(usageRecord({ subAccountId: 'proj_search' }))).toMatchObject({ team: 'search', ruleIndex: 1 });
    expect(allocate(usageRecord({ subAccountId: 'proj_search', apiKeyId: 'key_growth' }))).toMatchObject({ team: 'growth', ruleIndex: 0 });
    expect(allocate(usageRecord({ provider: 'anthropic', subAccountId: null, model: 'claude-sonnet-4-5' }))).toMatchObject({ team: 'payments' });
    expect(allocate(usageRecord({ provider: 'anthropic', subAccountId: 'wrkspc_x', model: 'claude-haiku-4-5-20251001' }))).toMatchObject({ team: 'growth' });
    // A project rule never matches another provider's sub-account with the same id.
    expect(allocate(usageRecord({ provider: 'anthropic', subAccountId: 'proj_search', model: 'claude-sonnet-4-5' }))).toEqual({ kind: 'unallocated' });
  });
});

describe('usage estimates, reconciled with the bill', () => {
  const usage = [
    usageRecord({ chargePeriodStart: '2026-10-01', tokens: tokens(1_000_000, 100_000), requests: 100 }),
    usageRecord({ chargePeriodStart: '2026-10-02', tokens: tokens(2_000_000, 200_000), requests: 250 }),
  ];
  const bill = [openAiCost('2026-10-01', 'proj_search', 'input', '2.60'), openAiCost('2026-10-01', 'proj_search', 'output', '1.00')];

  it('estimates only the days the bill does not cover, and reports the gap on billed days', () => {
    const { estimates, gaps } = reconcileUsage(bill, usage, book);
    expect(estimates.map((e) => [e.chargePeriodStart, e.tokenType, e.billedCost, e.costOrigin, e.estimated])).toEqual([
      ['2026-10-02', 'input', '5', 'usage-estimate', true],
      ['2026-10-02', 'output', '2', 'usage-estimate', true],
    ]);
    // Day 1: estimate 2.50 + 1.00 = 3.50, bill 3.60.
    expect(gaps).toEqual([{ provider: 'openai', day: '2026-10-01', estimated: '3.50', billed: '3.60', gap: '0.10', unpricedModels: [] }]);
  });

  it('keeps the estimate of a project the bill does not cover yet, on a day billed for another project', () => {
    const late = usageRecord({ subAccountId: 'proj_late', chargePeriodStart: '2026-10-01', tokens: tokens(2_000_000, 0) });
    const { estimates, gaps } = reconcileUsage(bill, [usage[0]!, late], book);
    expect(estimates.map((e) => [e.subAccountId, e.billedCost])).toEqual([['proj_late', '5']]);
    // The gap compares only what the bill covers: proj_search's estimate against its bill.
    expect(gaps).toEqual([{ provider: 'openai', day: '2026-10-01', estimated: '3.50', billed: '3.60', gap: '0.10', unpricedModels: [] }]);
  });

  it('treats a billed $0 line as billed, so its usage is never estimated on top', () => {
    const free = openAiCost('2026-10-02', 'proj_search', 'input', '0');
    const { estimates } = reconcileUsage([free], [usage[1]!], book);
    expect(estimates).toEqual([]);
  });

  it('supersedes the estimate once the bill arrives: the total is the bill, not bill plus estimate', () => {
    const before = buildChargeback([], config, '2026-10', '2026-10-03', { usage, priceBook: book });
    const after = buildChargeback([...bill, openAiCost('2026-10-02', 'proj_search', 'input', '5.10'), openAiCost('2026-10-02', 'proj_search', 'output', '2.00')], config, '2026-10', '2026-10-03', { usage, priceBook: book });
    expect(before.total).toBe('10.50'); // 3.50 + 7.00, all estimated
    expect(before.estimated).toBe(true);
    expect(after.total).toBe('10.70');
    expect(after.teams.find((t) => t.team === 'search')!.lines[0]!.estimated).toBe(false);
    expectBooksBalance(before);
    expectBooksBalance(after);
  });

  it('puts tokens, requests and unit costs beside the dollars on each model line', () => {
    const cb = buildChargeback(bill, config, '2026-10', '2026-10-03', { usage: [usage[0]!], priceBook: book });
    expect(cb.teams.find((t) => t.team === 'search')!.lines).toEqual([
      {
        provider: 'openai',
        service: 'OpenAI API',
        model: 'gpt-4o-2024-08-06',
        cost: '3.60',
        tokens: { input: 1_000_000, cachedInput: 0, cacheWrite: 0, output: 100_000 },
        requests: 100,
        unitCosts: { inputPerMillion: '2.6000', outputPerMillion: '10.0000', perMillionTokens: '3.2727', perThousandRequests: '36.0000' },
        estimated: false,
      },
    ]);
  });

  it('reports a model with no price as unpriced, leaves its unbilled cost out instead of pricing it at $0', () => {
    const deep = usageRecord({ model: 'o3-deep-research-2025-06-26', chargePeriodStart: '2026-10-02', tokens: tokens(500, 50), requests: 3 });
    const cb = buildChargeback([], config, '2026-10', '2026-10-03', { usage: [deep], priceBook: book });
    expect(cb.total).toBe('0.00');
    expect(cb.unpriced).toEqual([
      {
        provider: 'openai',
        model: 'o3-deep-research-2025-06-26',
        reason: 'no price for openai model o3-deep-research-2025-06-26 on 2026-10-02',
        tokens: tokens(500, 50),
        requests: 3,
        unbilledDays: ['2026-10-02'],
      },
    ]);
  });

  it('lists model spend no rule maps by project or workspace, with its API keys (the shadow-AI list)', () => {
    const sandbox = awsRecord({ provider: 'anthropic', source: 'anthropic-costs', subAccountId: 'wrkspc_sandbox', serviceName: 'Claude API', model: 'claude-sonnet-4-5', cost: '4.25' });
    // With no rule for the default workspace (null), it is listed as "default".
    const noDefault = testConfig({ allocation: { awsTagKey: 'team', rules: [{ match: { project: 'proj_search' }, team: 'search' }] } });
    const defaultWorkspace = awsRecord({ provider: 'anthropic', source: 'anthropic-costs', subAccountId: null, serviceName: 'Claude API', model: 'claude-haiku-4-5', cost: '1.10' });
    const cb = buildChargeback([openAiCost('2026-10-01', 'proj_experiments', 'input', '12.5', 'key_lab'), openAiCost('2026-10-01', 'proj_experiments', 'output', '1', 'key_lab2'), sandbox, defaultWorkspace], noDefault, '2026-10', '2026-10-03');
    expect(cb.unmappedModelSpend).toEqual([
      { provider: 'openai', kind: 'project', id: 'proj_experiments', apiKeys: ['key_lab', 'key_lab2'], cost: '13.50' },
      { provider: 'anthropic', kind: 'workspace', id: 'wrkspc_sandbox', apiKeys: [], cost: '4.25' },
      { provider: 'anthropic', kind: 'workspace', id: 'default', apiKeys: [], cost: '1.10' },
    ]);
    expect(cb.unallocated).toBe('18.85');
    expectBooksBalance(cb);
  });
});

describe('usage estimates by pricing dimension, and committed capacity', () => {
  const anthropicCost = (day: string, cost: string) =>
    awsRecord({ source: 'anthropic-costs', provider: 'anthropic', providerName: 'Anthropic', subAccountId: null, serviceName: 'Claude API', model: 'claude-sonnet-4-6', tokenType: 'input', chargePeriodStart: day, cost });
  const claude = (day: string, extra: Partial<Parameters<typeof usageRecord>[0]> = {}) =>
    usageRecord({ source: 'anthropic-usage', provider: 'anthropic', subAccountId: null, serviceName: 'Claude API', model: 'claude-sonnet-4-6', usageType: 'messages', chargePeriodStart: day, tokens: tokens(1_000_000, 100_000), requests: 10, ...extra });
  const priority = (day: string) => claude(day, { serviceTier: 'priority', tokens: tokens(4_000_000, 400_000), requests: 40 });

  it('never estimates Anthropic Priority Tier usage: it is reported as capacity with its tokens, before and after the bill', () => {
    const before = reconcileUsage([], [claude('2026-10-02'), priority('2026-10-02')], book);
    expect(before.estimates.map((e) => e.billedCost)).toEqual(['3', '1.5']);
    const after = reconcileUsage([anthropicCost('2026-10-02', '4.60')], [claude('2026-10-02'), priority('2026-10-02')], book);
    expect(after.estimates).toEqual([]);
    // The bill has no Priority Tier: the gap compares the on-demand estimate alone.
    expect(after.gaps).toEqual([{ provider: 'anthropic', day: '2026-10-02', estimated: '4.50', billed: '4.60', gap: '0.10', unpricedModels: [] }]);
    for (const r of [before, after]) {
      expect(r.capacity).toEqual([{ provider: 'anthropic', subAccountId: null, model: 'claude-sonnet-4-6', serviceTier: 'priority', tokens: tokens(4_000_000, 400_000), requests: 40, days: ['2026-10-02'] }]);
      expect(r.unpriced).toEqual([]);
    }
  });

  it('reports Priority Tier capacity per team, workspace and model in the chargeback, outside every total, with the books balanced', () => {
    const usage = [claude('2026-10-02'), priority('2026-10-01'), priority('2026-10-02'), claude('2026-10-02', { subAccountId: 'wrkspc_x', serviceTier: 'priority', tokens: tokens(7, 3), requests: 1 })];
    for (const bill of [[], [anthropicCost('2026-10-02', '4.60')]]) {
      const cb = buildChargeback(bill, config, '2026-10', '2026-10-03', { usage, priceBook: book });
      expect(cb.capacity).toEqual([
        { provider: 'anthropic', team: 'payments', workspace: 'default', model: 'claude-sonnet-4-6', serviceTier: 'priority', tokens: { input: 8_000_000, cachedInput: 0, cacheWrite: 0, output: 800_000 }, requests: 80 },
        { provider: 'anthropic', team: null, workspace: 'wrkspc_x', model: 'claude-sonnet-4-6', serviceTier: 'priority', tokens: { input: 7, cachedInput: 0, cacheWrite: 0, output: 3 }, requests: 1 },
      ]);
      expect(cb.total).toBe(bill.length ? '4.60' : '4.50');
      // The team's line carries only the on-demand tokens its dollars pay for.
      expect(cb.teams.find((t) => t.team === 'payments')!.lines[0]!.tokens).toEqual({ input: 1_000_000, cachedInput: 0, cacheWrite: 0, output: 100_000 });
      expectBooksBalance(cb);
      const text = renderStatementText(cb);
      expect(text).toContain('Capacity billed separately (Anthropic Priority Tier, bought by commitment; no dollars here, not in any total):');
      expect(text).toContain('  Payments: anthropic workspace default claude-sonnet-4-6  (in 8.00M, out 800.0k, 80 requests)');
      expect(text).toContain('  Unallocated: anthropic workspace wrkspc_x claude-sonnet-4-6  (in 7, out 3, 1 requests)');
    }
  });

  it('estimates audio tokens and non-token units as their own records, and balances the books', () => {
    const realtime = usageRecord({ model: 'gpt-realtime', chargePeriodStart: '2026-10-02', tokens: tokens(1_000_000, 1_000_000), modalities: { audio: { input: 500_000, cachedInput: 0, output: 1_000_000 } } });
    const whisper = usageRecord({ model: 'whisper-1', usageType: 'audio_transcriptions', chargePeriodStart: '2026-10-02', units: { quantity: 600, unit: 'seconds' }, requests: 4 });
    const { estimates } = reconcileUsage([], [realtime, whisper], book);
    expect(estimates.map((e) => [e.usageType, e.tokenType, e.billedCost, e.consumedQuantity, e.consumedUnit])).toEqual([
      ['completions: input', 'input', '2', '500000', 'Tokens'],
      ['completions: audio input', 'input', '16', '500000', 'Tokens'],
      ['completions: audio output', 'output', '64', '1000000', 'Tokens'],
      ['audio_transcriptions: seconds', null, '0.06', '600', 'seconds'],
    ]);
    expect(new Set(estimates.map((e) => e.id)).size).toBe(estimates.length);
    const cb = buildChargeback([], config, '2026-10', '2026-10-03', { usage: [realtime, whisper], priceBook: book });
    expect(cb.total).toBe('82.06');
    expectBooksBalance(cb);
  });

  it('keeps slices that differ only by context window or speed as separate estimate records', () => {
    const opus = (extra: Partial<Parameters<typeof usageRecord>[0]>) => claude('2026-10-02', { model: 'claude-opus-4-6', tokens: tokens(1_000_000, 0), ...extra });
    const { estimates } = reconcileUsage([], [opus({}), opus({ speed: 'fast' }), opus({ contextWindow: '200k-1M' }), opus({ inferenceGeo: 'us' })], book);
    expect(estimates.map((e) => [e.usageType, e.billedCost])).toEqual([
      ['messages: input', '5'],
      ['messages (fast): input', '30'],
      ['messages (200k-1M): input', '5'],
      ['messages (us): input', '5.5'],
    ]);
    expect(new Set(estimates.map((e) => e.id)).size).toBe(4);
  });

  it('reports each unpriced reason of a model apart, and leaves unpriced units out of the totals', () => {
    const unknownUnit = usageRecord({ model: 'gpt-image-1', usageType: 'images (1024x1024)', chargePeriodStart: '2026-10-02', units: { quantity: 3, unit: 'images' } });
    const scale = usageRecord({ model: 'gpt-5', serviceTier: 'scale', chargePeriodStart: '2026-10-02', tokens: tokens(100, 10) });
    const cb = buildChargeback([], config, '2026-10', '2026-10-03', { usage: [unknownUnit, scale], priceBook: book });
    expect(cb.total).toBe('0.00');
    expect(cb.unpriced.map((u) => [u.model, u.reason, u.unbilledDays])).toEqual([
      ['gpt-5', 'no service tier "scale" price for openai model gpt-5', ['2026-10-02']],
      ['gpt-image-1', 'no price for images of openai images (1024x1024) (gpt-image-1)', ['2026-10-02']],
    ]);
  });
});
