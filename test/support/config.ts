import { parseConfig, type CostlineConfig } from '../../functions/config/config-schema';

/** A small valid configuration: three teams, one account rule, thresholds 50/80/100. */
export function testConfig(overrides: Record<string, unknown> = {}): CostlineConfig {
  return parseConfig({
    currency: 'USD',
    teams: [
      { id: 'payments', name: 'Payments', aliases: ['pay'], monthlyBudget: 100, leadEmails: ['pay-lead@example.com'] },
      { id: 'search', name: 'Search', aliases: ['search-ai'], monthlyBudget: 50 },
      { id: 'growth', name: 'Growth' },
    ],
    allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'aws', account: '111122223333' }, team: 'payments' }] },
    alerts: { thresholds: [50, 80, 100] },
    finance: { emails: ['finance@example.com'] },
    sources: { aws: { enabled: true, costMetric: 'AmortizedCost', billingAccountId: '999988887777' } },
    ...overrides,
  });
}
