import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../../../local/bench/bench-options';
import { runBench } from '../../../../local/bench/run-bench';

describe('npm run bench -- --json', () => {
  it('prints one JSON object a line for each job of a tiny organisation, the records bench, the export engine and the estimate', async () => {
    // Prepare
    const options = parseBenchArgs(['--teams', '2', '--days', '2', '--records', '1000', '--line-items', '3000', '--only', 'jobs,records,exports', '--json']);
    const lines: string[] = [];
    // Act
    await runBench(options, (text) => lines.push(text));
    // Assess: nothing but JSON lines; every job with the same keys; the counts are the run's, not timings.
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.map((o) => o.job ?? o.type)).toEqual(['daily-first', 'daily-steady', 'alert-evaluation', 'hourly-usage', 'statement', 'monthly-cost', 'records', 'records-steady', 'export-engine']);
    const jobs = objects.filter((o) => o.type === 'job');
    for (const job of jobs) expect(Object.keys(job)).toEqual(Object.keys(jobs[0]!));
    const [first, steady] = jobs;
    expect(first).toMatchObject({ records: 56, monthRecords: 56, months: ['2026-09', '2026-10'] });
    expect(Object.keys(steady!.requests as object).sort()).toEqual(['anthropic-costs', 'anthropic-usage', 'aws-cost-explorer', 'openai-costs', 'openai-usage']);
    expect(steady!.itemsRead).toBeGreaterThanOrEqual(56);
    expect(jobs.at(-1)).toMatchObject({ job: 'records', records: 1000, itemsRead: 0 });
    expect(objects.find((o) => o.type === 'records-steady')).toMatchObject({ records: 1000, runs: 5 });
    expect(objects.find((o) => o.type === 'monthly-cost')!.totalUsd).toBeGreaterThan(0);
    // The export engine read every line item it wrote, into fewer records than line items.
    const engine = objects.find((o) => o.type === 'export-engine')!;
    expect(engine).toMatchObject({ lineItems: 3000, files: 1 });
    expect(engine.records as number).toBeGreaterThan(0);
    expect(engine.records as number).toBeLessThan(3000);
  });
});
