/**
 * The bench's sections in order, each printed as it finishes: the synthetic organisation's jobs and the
 * month's estimate, allocate + chargeback alone on synthetic records, the billing-export engine alone on synthetic
 * line items, the Lambda bundles, and the alert
 * timing replay. Text for a person, or (`--json`) JSON Lines for a machine, one object per line.
 */
import { alertTimingLine, alertTimingText } from './alert-timing-report';
import type { BenchOptions } from './bench-options';
import { measureBundles } from './bundles';
import { estimateMonthlyCost } from './monthly-cost';
import { runOrgJobs } from './org-jobs';
import { benchAllocateAndCharge } from './records-bench';
import { benchExportEngine } from './export-bench';
import { exportEngineLine, exportEngineText } from './export-report';
import { bundleLine, bundlesText, jobsText, monthlyCostLine, monthlyCostText, orgJobLines, orgText, recordsJobLine, recordsSteadyLine, recordsText } from './report';
import { replaySampleSpike } from './spike-replay';

/** Where the bench writes: one call per JSON line or per block of text. */
export type BenchOutput = (text: string) => void;

/** Runs the sections `options` selects and writes their figures to `out`. */
export async function runBench(options: BenchOptions, out: BenchOutput): Promise<void> {
  const emit = (objects: readonly object[], text: () => string) => {
    if (options.json) for (const o of objects) out(JSON.stringify(o));
    else out(`${text()}\n`);
  };
  if (options.sections.has('jobs')) {
    const bench = await runOrgJobs(options.org, options.awsMode);
    const cost = estimateMonthlyCost(bench);
    const jobs = orgJobLines(bench, cost);
    emit(jobs, () => `${orgText(bench)}\n\n${jobsText(jobs)}`);
    emit([monthlyCostLine(cost)], () => monthlyCostText(cost, bench));
  }
  if (options.sections.has('records')) {
    const figures = benchAllocateAndCharge(options.records);
    emit([recordsJobLine(figures), recordsSteadyLine(figures)], () => recordsText(figures));
  }
  if (options.sections.has('exports')) {
    const figures = await benchExportEngine(options.lineItems);
    emit([exportEngineLine(figures)], () => exportEngineText(figures));
  }
  if (options.sections.has('bundles')) {
    const bundles = await measureBundles(process.cwd(), options.loads);
    emit(bundles.map(bundleLine), () => bundlesText(bundles));
  }
  if (options.sections.has('alert-timing')) {
    const replay = await replaySampleSpike();
    emit([alertTimingLine(replay)], () => alertTimingText(replay));
  }
}
