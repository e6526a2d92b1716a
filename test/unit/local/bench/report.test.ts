import { describe, expect, it } from 'vitest';
import { estimateMonthlyCost } from '../../../../local/bench/monthly-cost';
import { jobsText, orgJobLines, recordsJobLine } from '../../../../local/bench/report';
import { orgBench } from '../../../support/bench-figures';

const JOB_KEYS = [
  'type', 'job', 'title', 'wallMs', 'records', 'recordsPerSecond', 'requests', 'itemsRead', 'itemsWritten', 'readUnits', 'writeUnits',
  'months', 'monthRecords', 'readsPerMonthRecord', 'alerts', 'runsPerMonth', 'costPerRunUsd', 'estimatedMonthlyCostUsd', 'includedIn',
];

describe('bench report', () => {
  it('gives every job, the records bench included, the same keys, each job on one JSON line', () => {
    // Prepare
    const bench = orgBench();
    // Act
    const lines = [...orgJobLines(bench, estimateMonthlyCost(bench)), recordsJobLine({ records: 1_000_000, ms: 2_000, recordsPerSecond: 500_000, medianMs: 1_000, runs: 5 })];
    // Assess
    expect(lines.map((l) => l.job)).toEqual(['daily-first', 'daily-steady', 'alert-evaluation', 'hourly-usage', 'statement', 'records']);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(JOB_KEYS);
      expect(JSON.stringify(line)).not.toContain('\n');
    }
  });

  it('puts items read beside the records the month held: reads per month record', () => {
    const bench = orgBench();
    const byJob = new Map(orgJobLines(bench, estimateMonthlyCost(bench)).map((l) => [l.job, l]));
    expect(byJob.get('daily-steady')).toMatchObject({ itemsRead: 2_400, monthRecords: 1_200, readsPerMonthRecord: 2, recordsPerSecond: 100, requests: { 'aws-cost-explorer': 6, 'openai-costs': 1 } });
    expect(byJob.get('statement')).toMatchObject({ itemsRead: 1_203, monthRecords: 1_200, readsPerMonthRecord: 1.003 });
    expect(recordsJobLine({ records: 10, ms: 1, recordsPerSecond: 10_000, medianMs: 1, runs: 5 })).toMatchObject({ monthRecords: 10, readsPerMonthRecord: null, estimatedMonthlyCostUsd: null });
  });

  it('prints the jobs table with one row per job and the requests by source', () => {
    const bench = orgBench();
    const text = jobsText(orgJobLines(bench, estimateMonthlyCost(bench)));
    expect(text.split('\n')[0]).toMatch(/^job +wall ms +records +records\/s +CE req +API req +items written +items read +month recs +reads\/rec/);
    expect(text).toMatch(/\ndaily-steady +10,000 +1,000 +100 +6 +1 +100 +2,400 +1,200 +2\.00 /);
    expect(text).toContain('  daily-steady: aws-cost-explorer 6 req; openai-costs 1 req');
  });
});
