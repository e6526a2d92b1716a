import { describe, expect, it } from 'vitest';
import { allocationPolicyOf } from '../../../../functions/config/policies';
import { createAllocator } from '../../../../functions/domain/allocation/allocation';
import { mapAnthropicAnalyticsCosts } from '../../../../functions/sources/anthropic/anthropic-analytics-mapper';
import { mapAnthropicCosts } from '../../../../functions/sources/anthropic/anthropic-mapper';
import { testConfig } from '../../../support/config';
import { fixture } from '../../../support/fixtures';

/** An apiKey rule first, then workspace rules, as costline.config.json has them. */
const allocate = createAllocator(allocationPolicyOf(testConfig({
    allocation: {
      awsTagKey: 'team',
      rules: [
        { match: { provider: 'anthropic', apiKey: 'apikey_01Rj2N8SVvo6BePZj99NhmiT' }, team: 'search' },
        { match: { provider: 'anthropic', apiKey: 'apikey_support_prod' }, team: 'search' },
        { match: { provider: 'anthropic', workspace: 'wrkspc_support' }, team: 'growth' },
        { match: { provider: 'anthropic', workspace: 'wrkspc_data' }, team: 'payments' },
      ],
    },
  }),
));
const base = { organizationId: 'org', source: 'anthropic-costs', today: '2026-11-10' };

describe('Anthropic billed dollars and the apiKey rule', () => {
  it('on analytics days, an apiKey rule places billed dollars: the cost records carry the key', () => {
    const records = mapAnthropicAnalyticsCosts([fixture('anthropic/analytics-cost.page1.json'), fixture('anthropic/analytics-cost.page2.json')], {
      ...base,
      window: { start: '2026-11-01', end: '2026-11-03' },
      groupBy: ['workspace_id', 'api_key_id', 'model'],
      bucketWidth: '1d',
    }).flatMap((d) => d.records);
    const keyed = records.filter((r) => r.apiKeyId === 'apikey_01Rj2N8SVvo6BePZj99NhmiT');
    expect(keyed.map((r) => r.billedCost)).toEqual(['412.8', '0.4', '20.0025']);
    expect(keyed.map((r) => allocate(r))).toEqual(keyed.map(() => ({ kind: 'team', team: 'search', by: 'rule', ruleIndex: 0 })));
    // The other workspace's key has no rule: its dollars fall through to the workspace rule.
    expect(allocate(records.find((r) => r.subAccountId === 'wrkspc_data')!)).toEqual({ kind: 'team', team: 'payments', by: 'rule', ruleIndex: 3 });
  });

  it('on legacy days, the key rule cannot see billed dollars (apiKeyId null): they fall through to the workspace rule', () => {
    const records = mapAnthropicCosts([fixture('anthropic/legacy-cost-2025-12-31.page1.json')], { ...base, window: { start: '2025-12-31', end: '2026-01-01' } }).flatMap((d) => d.records);
    const support = records.filter((r) => r.subAccountId === 'wrkspc_support');
    expect(support.length).toBeGreaterThan(0);
    expect(support.every((r) => r.apiKeyId === null)).toBe(true);
    // The same dollars of apikey_support_prod land on the workspace's team, not on the key's.
    expect(support.map((r) => allocate(r))).toEqual(support.map(() => ({ kind: 'team', team: 'growth', by: 'rule', ruleIndex: 2 })));
  });
});
