import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../../functions/config/parse-config';

/** A valid raw configuration, as parsed from a file: three teams, one account rule, thresholds 50/80/100. */
export const valid = () => ({
  currency: 'USD',
  teams: [
    { id: 'payments', name: 'Payments', aliases: ['pay'], monthlyBudget: 5000, leadEmails: ['lead@example.com'] },
    { id: 'search', name: 'Search' },
    { id: 'growth', name: 'Growth', monthlyBudget: 100 },
  ],
  allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'aws', account: '111122223333' }, team: 'payments' }] },
  alerts: { thresholds: [50, 80, 100] },
  finance: { emails: ['finance@example.com'] },
  sources: { aws: { enabled: true, costMetric: 'AmortizedCost' } },
});

/** The problems a rejected raw config is reported with; fails the test if it is accepted. */
export function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}
