/** The billing-export engine bench as a JSON line and as text. */
import { DAILY_RUNS_PER_MONTH } from './athena-bench';
import type { ExportBench } from './export-bench';

/** Line items in a month of the largest organisation, and a function's time limit. */
const LARGE_MONTH = 10_000_000;
const LAMBDA_LIMIT_MINUTES = 15;

/** The JSON line: the measured figures, and the minutes a month of ten million line items takes at that rate. */
export function exportEngineLine(b: ExportBench) {
  return {
    type: 'export-engine',
    title: 'data-exports embedded engine (Parquet read + aggregate, in memory)',
    lineItems: b.lineItems,
    files: b.files,
    bytes: b.bytes,
    wallMs: Math.round(b.ms),
    cpuMs: Math.round(b.cpuMs),
    lineItemsPerSecond: Math.round(b.lineItemsPerSecond),
    lineItemsPerCpuSecond: Math.round(b.lineItems / (b.cpuMs / 1000)),
    records: b.records,
    heapPeakMiB: Math.round(b.heapPeakMiB),
    // Reading is linear in line items (the records a month aggregates to grow far more slowly).
    tenMillionMinutesAtCpuRate: Math.round(((LARGE_MONTH / (b.lineItems / (b.cpuMs / 1000))) / 60) * 10) / 10,
    // The Athena engine on the same files: one query per daily run.
    athenaBytesScannedPerRun: b.athena.bytesScanned,
    athenaBytesBilledPerRun: b.athena.bytesBilled,
    athenaUsdPerRun: Number(b.athena.usdPerRun.toFixed(6)),
    athenaUsdPerMonth: Number(b.athena.usdPerMonth.toFixed(4)),
    athenaLocalQueryMs: Math.round(b.athena.localMs),
  };
}

/** The text: the rate, and what it means for a month of ten million line items in one function. */
export function exportEngineText(b: ExportBench): string {
  const line = exportEngineLine(b);
  const fmt = (n: number) => n.toLocaleString('en-US');
  return [
    `Billing-export engine alone (hyparquet + the CUR mapper, in memory): ${fmt(b.lineItems)} line items in ${line.files} file(s), ${fmt(Math.round(b.bytes / 2 ** 20))} MiB,`,
    `  read and aggregated to ${fmt(b.records)} records in ${fmt(line.wallMs)} ms (${fmt(line.cpuMs)} ms CPU): ${fmt(line.lineItemsPerSecond)} line items/s, ${fmt(line.lineItemsPerCpuSecond)} per CPU second; heap peak ${fmt(line.heapPeakMiB)} MiB`,
    `  a month of ${fmt(LARGE_MONTH)} line items at that CPU rate: ${line.tenMillionMinutesAtCpuRate} min of one full core (a function's limit: ${LAMBDA_LIMIT_MINUTES} min; at 1,769 MB a function has one full vCPU)`,
    `Athena engine on the same files (one query per daily run, the same ${fmt(b.athena.records)} records): ${fmt(b.athena.bytesScanned)} bytes scanned per run, billed as ${fmt(b.athena.bytesBilled / 1e6)} MB`,
    `  (\$5 per TB, rounded up to the MB, 10 MB minimum: an assumption, see the README): \$${line.athenaUsdPerRun} per run, \$${line.athenaUsdPerMonth} a month of ${DAILY_RUNS_PER_MONTH} daily runs; the local query took ${fmt(line.athenaLocalQueryMs)} ms on DuckDB`,
  ].join('\n');
}
