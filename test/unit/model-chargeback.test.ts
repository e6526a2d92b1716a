import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAllocator } from '../../functions/domain/allocation';
import { buildChargeback } from '../../functions/domain/chargeback';
import { reconcileUsage } from '../../functions/domain/estimates';
import { parsePriceBook } from '../../functions/domain/price-book';
import { expectBooksBalance } from '../support/books';
import { testConfig } from '../support/config';
import { awsRecord } from '../support/records';
import { usageRecord } from '../support/usage';

const book = parsePriceBook(JSON.parse(readFileSync('functions/pricing/price-book.json', 'utf8')));
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
  const allocate = createAllocator(config);
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
