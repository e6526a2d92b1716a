import { describe, expect, it } from 'vitest';
import { planWindow } from '../../../functions/use-cases/ingest-billing';

describe('which days a scheduled run pulls', () => {
  it('pulls the month to date, through yesterday', () => {
    expect(planWindow('2026-11-17', true, 5)).toEqual({ start: '2026-11-01', end: '2026-11-17' });
  });

  it('adds the previous month until the configured day, or while it is estimated', () => {
    expect(planWindow('2026-11-05', true, 5)).toEqual({ start: '2026-10-01', end: '2026-11-05' });
    expect(planWindow('2026-11-20', false, 5)).toEqual({ start: '2026-10-01', end: '2026-11-20' });
  });

  it('includes today for usage (as far as it has happened)', () => {
    expect(planWindow('2026-11-17', true, 5, true)).toEqual({ start: '2026-11-01', end: '2026-11-18' });
  });

  it('has nothing to pull on the 1st once last month is settled', () => {
    expect(planWindow('2026-11-01', true, 0)).toBeNull();
  });

  it('re-pulls the configured number of closed months on Mondays only, to catch late changes after close', () => {
    // 2026-11-16 is a Monday; October is settled, so October and September are the two closed months.
    expect(planWindow('2026-11-16', true, 5, false, 2)).toEqual({ start: '2026-09-01', end: '2026-11-16' });
    // 2026-11-02 is a Monday within the re-pull window: October is pulled anyway, September and August are rechecked.
    expect(planWindow('2026-11-02', true, 5, false, 2)).toEqual({ start: '2026-08-01', end: '2026-11-02' });
    expect(planWindow('2026-11-17', true, 5, false, 2)).toEqual({ start: '2026-11-01', end: '2026-11-17' });
    expect(planWindow('2026-11-16', true, 5, false, 0)).toEqual({ start: '2026-11-01', end: '2026-11-16' });
  });
});
