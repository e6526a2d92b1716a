import { describe, expect, it } from 'vitest';
import { benchAthenaEngine, billedBytes } from '../../../../local/bench/athena-bench';
import { syntheticExportFile } from '../../../../local/bench/export-bench';

describe('the Athena engine bench', () => {
  it('bills each query at least 10 MB, rounded up to the MB', () => {
    expect(billedBytes(0)).toBe(10_000_000);
    expect(billedBytes(9_999_999)).toBe(10_000_000);
    expect(billedBytes(10_000_001)).toBe(11_000_000);
    expect(billedBytes(2_500_000_000)).toBe(2_500_000_000);
  });

  it('runs the daily query over the synthetic files and reports what it scanned and costs', async () => {
    const files = [syntheticExportFile(0, 3000), syntheticExportFile(3000, 2000)];
    const bench = await benchAthenaEngine(files, '2026-10', { start: '2026-10-01', end: '2026-11-01' });
    expect(bench.records).toBeGreaterThan(100);
    expect(bench.bytesScanned).toBeGreaterThan(0);
    expect(bench.bytesScanned).toBeLessThan(files.reduce((n, f) => n + f.byteLength, 0));
    expect(bench.usdPerRun).toBeCloseTo((10_000_000 / 1e12) * 5, 12);
    expect(bench.usdPerMonth).toBeCloseTo(bench.usdPerRun * 30, 12);
  });
});
