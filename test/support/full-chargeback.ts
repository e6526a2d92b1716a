import type { Chargeback } from '../../functions/domain/chargeback/chargeback';
import { buildChargeback } from './chargeback';
import { testConfig } from './config';
import { awsRecord } from './records';

/**
 * A chargeback with every section a statement can show: team lines with and without tokens, a shared
 * pool, unallocated sources with a tag value, unmapped model spend, an unpriced model, estimate gaps and
 * capacity billed separately. The model sections are given as data: the renderers are what is tested.
 */
export function fullChargeback(): Chargeback {
  const config = testConfig({
    allocation: { awsTagKey: 'team', rules: [{ match: { service: 'AWS Support (Business)' }, pool: 'support' }], sharedPools: [{ id: 'support', method: 'even' }] },
  });
  const cb = buildChargeback(
    [
      awsRecord({ tags: { team: 'payments' }, cost: '60', serviceName: 'Amazon EC2' }),
      awsRecord({ tags: { team: 'search' }, cost: '75', serviceName: 'Amazon Bedrock' }),
      awsRecord({ tags: { team: 'ghost' }, cost: '12.34', serviceName: 'Amazon S3', subAccountId: '999900001111' }),
      awsRecord({ cost: '20', serviceName: 'AWS Support (Business)' }),
    ],
    config,
    '2026-10',
    '2026-10-20',
  );
  const search = cb.teams.find((t) => t.team === 'search')!;
  search.lines[0] = { ...search.lines[0]!, model: 'Claude Haiku 4.5', tokens: { input: 1_000_000, cachedInput: 0, cacheWrite: 0, output: 100_000 }, unitCosts: { ...search.lines[0]!.unitCosts, perMillionTokens: '68.1818' } };
  return {
    ...cb,
    unmappedModelSpend: [{ provider: 'openai', kind: 'project', id: 'proj_shadow', apiKeys: ['key_1'], cost: '0.00' }],
    unpriced: [{ provider: 'openai', model: 'gpt-9-preview', reason: 'no price for gpt-9-preview', tokens: { input: 5000, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 500 }, requests: 5, unbilledDays: ['2026-10-19'] }],
    estimateGaps: [{ provider: 'openai', day: '2026-10-18', estimated: '9.00', billed: '10.00', gap: '1.00', unpricedModels: ['gpt-9-preview'] }],
    capacity: [{ provider: 'anthropic', team: 'search', workspace: 'wrkspc_prio', model: 'claude-sonnet-4-6', serviceTier: 'priority', tokens: { input: 4_000_000, cachedInput: 0, cacheWrite: 0, output: 400_000 }, requests: 40 }],
  };
}

/** The section ids statement.html gives each part of the statement, in the order the page shows them. */
export const HTML_SECTION_IDS = ['unallocated-sources', 'unmapped-model-spend', 'lines', 'unpriced-models', 'capacity', 'estimate-gaps'] as const;
