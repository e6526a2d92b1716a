import { describe, expect, it } from 'vitest';
import { estimateMonthlyCost } from '../../../../local/bench/monthly-cost';
import { orgBench } from '../../../support/bench-figures';

describe('bench monthly cost estimate', () => {
  it('adds up its lines to the total, and the jobs with their Cost Explorer requests to the lines', () => {
    // Act
    const cost = estimateMonthlyCost(orgBench());
    // Assess
    expect(cost.totalUsd).toBeCloseTo(cost.lines.reduce((a, l) => a + l.usd, 0), 10);
    const jobs = cost.jobs['daily-steady'].estimatedMonthlyCostUsd! + cost.jobs['hourly-usage'].estimatedMonthlyCostUsd! + cost.jobs.statement.estimatedMonthlyCostUsd!;
    const jobLines = cost.lines.filter((l) => /Cost Explorer|Lambda and DynamoDB/.test(l.item)).reduce((a, l) => a + l.usd, 0);
    expect(jobs).toBeCloseTo(jobLines, 10);
  });

  it('scales Cost Explorer by the growing window: 0.2 pages a day of data, previous month until day 5, Mondays re-pull one month', () => {
    const { costExplorer } = estimateMonthlyCost(orgBench());
    // Days 1-5 pull last month's 30 days too: 6 + 7 × 4 pages; days 6-30 the month so far, at least 2 a day: 96.
    // Mondays: 4.3 a month × one closed month of 6 pages, rounded up: 26.
    expect(costExplorer.pagesPerDataDay).toBeCloseTo(0.2, 10);
    expect(costExplorer.recheckRequests).toBe(26);
    expect(costExplorer.monthRequests).toBe(34 + 96 + 26);
  });

  it('counts the backfill as a one-off and alert evaluation as part of the daily and hourly runs', () => {
    const { jobs } = estimateMonthlyCost(orgBench());
    expect(jobs['daily-first']).toMatchObject({ runsPerMonth: 0, estimatedMonthlyCostUsd: 0, includedIn: [] });
    expect(jobs['daily-first'].costPerRunUsd).toBeGreaterThan(0.06); // its six Cost Explorer requests
    expect(jobs['alert-evaluation']).toEqual({ runsPerMonth: 0, costPerRunUsd: null, estimatedMonthlyCostUsd: null, includedIn: ['daily-steady', 'hourly-usage'] });
    expect(jobs['hourly-usage'].runsPerMonth).toBe(720);
  });

  it('prices data-exports mode without Cost Explorer: the export\'s S3 requests in the daily run, its files in storage', () => {
    // Prepare: the same organisation reading the export: 4 S3 requests a daily run, 2 MB of Parquet a month.
    const exportsBench = orgBench();
    exportsBench.mode = 'data-exports';
    exportsBench.exportBytes = 2_000_000;
    exportsBench.runs = exportsBench.runs.map((r) => (r.requests['aws-cost-explorer'] === undefined ? r : { ...r, requests: { 'aws-data-exports': 4, 'openai-costs': 1 } }));

    // Act
    const cost = estimateMonthlyCost(exportsBench);
    const withCostExplorer = estimateMonthlyCost(orgBench());

    // Assess
    expect(cost.lines.some((l) => /Cost Explorer/.test(l.item))).toBe(false);
    expect(cost.costExplorer).toMatchObject({ monthRequests: 0, recheckRequests: 0 });
    expect(cost.lines.find((l) => /CUR 2\.0 export in S3/.test(l.item))!.usd).toBeCloseTo(((2_000_000 * 13) / 1e9) * 0.023, 10);
    const steadyRun = (c: typeof cost) => c.jobs['daily-steady'].costPerRunUsd!;
    expect(steadyRun(cost) - (steadyRun(withCostExplorer) - 6 * 0.01)).toBeCloseTo(4 * 0.0004e-3, 12);
    expect(cost.totalUsd).toBeLessThan(withCostExplorer.totalUsd);
  });
});
