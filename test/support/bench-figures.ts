import type { OrgBench, OrgJobId, OrgJobRun } from '../../local/bench/org-jobs';
import { testConfig } from './config';

/** One measured job with round figures: 10 s, 1,000 records, the month holding 1,000 cost and 200 usage records. */
export function jobRun(job: OrgJobId, overrides: Partial<OrgJobRun> = {}): OrgJobRun {
  return {
    job,
    title: job,
    wallMs: 10_000,
    records: 1_000,
    requests: {},
    dynamo: { itemsRead: 2_400, itemsWritten: 100, readUnits: 300, writeUnits: 120 },
    monthRecords: { months: ['2026-10'], cost: 1_000, usage: 200 },
    alerts: 0,
    ...overrides,
  };
}

/** A 30-day organisation on the test config, every job measured once. */
export function orgBench(): OrgBench {
  return {
    mode: 'cost-explorer',
    exportBytes: 0,
    size: { teams: 3, days: 30, services: 10, accounts: 2 },
    config: testConfig(),
    awsLineItems: 900,
    usageRows: 200,
    generateMs: 5,
    runs: [
      jobRun('daily-first', { dynamo: { itemsRead: 0, itemsWritten: 1_200, readUnits: 0, writeUnits: 1_300 }, requests: { 'aws-cost-explorer': 6, 'openai-costs': 1 } }),
      jobRun('daily-steady', { requests: { 'aws-cost-explorer': 6, 'openai-costs': 1 } }),
      jobRun('alert-evaluation', { dynamo: { itemsRead: 1_200, itemsWritten: 3, readUnits: 150, writeUnits: 3 } }),
      jobRun('hourly-usage', { records: 20, wallMs: 1_000, requests: { 'openai-usage': 2 } }),
      jobRun('statement', { dynamo: { itemsRead: 1_203, itemsWritten: 5, readUnits: 150, writeUnits: 6 } }),
    ],
  };
}
