import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import type { AdjustedChargeback } from '../../functions/domain/chargeback/month-close';
import { expectBooksBalance } from '../support/books';
import { cli } from '../support/cli';
import { fixture, FIXTURES } from '../support/fixtures';

/**
 * `npm run local -- --from/--to`: a backfill on a fresh state, compared with the scheduled replay through the
 * golden files local-cli.test.ts pins (its own file, so it runs beside that file's replays, not after them).
 */
describe('npm run local --from/--to', () => {
  it('backfills month by month with progress, writing every month, the same figures as the scheduled run', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'costline-cli-backfill-'));
    const { stdout } = await cli(['--fresh', '--state', join(tmp, 'backfill'), '--out', join(tmp, 'out'), '--from', '2026-09', '--to', '2026-10']);
    expect(stdout).toContain('Backfilling 2 month(s), 2026-09-01..2026-11-01 (end exclusive); safe to interrupt and re-run.');
    expect(stdout).toMatch(/\[1\/2\] 2026-09: \d+ records from 5 source\(s\)/);
    const read = (month: string) => JSON.parse(readFileSync(join(tmp, 'out', month, 'chargeback.json'), 'utf8')) as AdjustedChargeback;
    for (const month of ['2026-09', '2026-10']) expectBooksBalance(read(month));
    // Same October figures as the scheduled run's (the golden chargeback.json). The backfill loads September with its
    // late credit already posted, so it closes September with it; the scheduled run closed September before the
    // credit (its golden statement's TOTAL) and carries the credit in October as adjustments.
    const scheduled = fixture<AdjustedChargeback>('statements/2026-10/chargeback.json');
    const figures = (cb: AdjustedChargeback) => ({ total: cb.total, providers: cb.providers, teams: cb.teams.map((t) => [t.team, t.direct, t.shared, t.total]) });
    expect(read('2026-10').monthOverMonth?.previousMonth).toBe('2026-09');
    expect(figures(read('2026-10'))).toEqual(figures(scheduled));
    expect(read('2026-10').adjustments).toEqual([]);
    expect(read('2026-09').status).toBe('final');
    const closedSeptember = /^TOTAL +([\d,]+\.\d{2})$/m.exec(readFileSync(join(FIXTURES, 'statements', '2026-09', 'statement.txt'), 'utf8'))![1]!.replaceAll(',', '');
    expect(new Big(closedSeptember).plus(scheduled.adjustmentsTotal).toFixed(2)).toBe(read('2026-09').total);
    // A two-month backfill of the sample: about 20 s alone on 2 cores.
  }, 180_000);
});
