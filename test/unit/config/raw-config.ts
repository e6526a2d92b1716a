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
