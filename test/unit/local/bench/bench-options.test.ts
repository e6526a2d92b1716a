import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseBenchArgs, SECTIONS } from '../../../../local/bench/bench-options';

describe('bench options', () => {
  it('defaults to the 100-team organisation, a million records, every section, as text', () => {
    const options = parseBenchArgs([]);
    expect(options).toMatchObject({ org: { teams: 100, days: 30, services: 150, accounts: 50 }, records: 1_000_000, lineItems: 1_000_000, loads: 5, json: false });
    expect([...options.sections]).toEqual([...SECTIONS]);
  });

  it('reads a tiny configuration with JSON output and a subset of sections', () => {
    const options = parseBenchArgs(['--teams', '2', '--days', '2', '--records', '1000', '--only', 'jobs,records', '--json']);
    expect(options).toMatchObject({ org: { teams: 2, days: 2, services: 150, accounts: 50 }, records: 1000, json: true });
    expect([...options.sections]).toEqual(['jobs', 'records']);
  });

  it.each([
    [['--records', '0'], '--records must be a positive integer, got "0"'],
    [['--teams', '2.5'], '--teams must be a positive integer, got "2.5"'],
    [['--only', 'jobs,bundle'], '--only: unknown section bundle (known: jobs, records, exports, bundles, alert-timing)'],
    [['--record', '10'], "Unknown option '--record'"],
  ])('refuses %j with a usage error', (args, message) => {
    // Act
    const error = (() => {
      try {
        parseBenchArgs(args);
      } catch (e) {
        return e as Error;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(BenchUsageError);
    expect(error!.message).toContain(message);
  });
});
