import { describe, expect, it } from 'vitest';
import { backfill, BackfillFailedError } from '../../functions/use-cases/backfill';
import { dailyWorld } from '../support/daily-world';

const w = dailyWorld();

describe('backfill', () => {
  it('loads month by month, alerting nobody about months older than last month', async () => {
    w.now = new Date('2026-12-15T06:00:00Z');
    const months: string[] = [];
    const result = await backfill(w.deps(), { start: '2026-09-01', end: '2026-11-01' }, { onMonth: (m) => months.push(m) });
    expect(months).toEqual(['2026-09', '2026-10']);
    expect(result.remaining).toBeUndefined();
    expect(result.done[1]!.result.evaluations[0]!.chargeback.total).toBe('124.62');
    expect(w.sns.messages).toEqual([]);
  });

  it('carries on past a failed month and then fails naming it; the other months are loaded', async () => {
    w.now = new Date('2026-12-15T06:00:00Z');
    // The first request (September's) gets a malformed page; October's come back fine.
    w.ce.failNext(1, { status: 200, body: JSON.stringify({ ResultsByTime: 'oops' }) });
    const error = await backfill(w.deps(), { start: '2026-09-01', end: '2026-11-01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackfillFailedError);
    expect((error as BackfillFailedError).failed.map((f) => f.month)).toEqual(['2026-09']);
    expect((error as Error).message).toMatch(/^backfill failed for 2026-09 \(daily run failed: aws-cost-explorer .*ResultsByTime: expected an array.*re-running the failed ones is safe$/);
    expect((await w.deps().records.listMonth('2026-10')).length).toBe(6);
  });

  it('refuses a window older than Cost Explorer keeps, before spending a request', async () => {
    w.now = new Date('2026-12-15T06:00:00Z');
    await expect(backfill(w.deps(), { start: '2025-10-01', end: '2025-12-01' })).rejects.toThrow(
      'Cost Explorer keeps daily data from 2025-11-01 (13 months back); start the backfill there, or disable sources.aws for an older provider-only backfill',
    );
    expect(w.ce.requests).toEqual([]);
  });

  it('stops before the deadline and says where to resume; resuming completes it with nothing counted twice', async () => {
    w.now = new Date('2026-12-15T06:00:00Z');
    // A month "takes" 1,000 ms on this fake time source; 60 s before the deadline with a 59.6 s budget, the
    // second does not start. The fake time starts at the real now: the sources honour the same deadline.
    let t = Date.now();
    const first = await backfill(w.deps(), { start: '2026-09-01', end: '2026-12-01' }, { deadline: t + 60_000, monthBudgetMs: 59_600, now: () => t, onMonth: () => void (t += 1000) });
    expect(first.done.map((d) => d.month)).toEqual(['2026-09']);
    expect(first.remaining).toEqual({ start: '2026-10-01', end: '2026-12-01' });
    const second = await backfill(w.deps(), first.remaining!);
    expect(second.done.map((d) => d.month)).toEqual(['2026-10', '2026-11']);
    expect(second.done[0]!.result.evaluations[0]!.chargeback.total).toBe('124.62');
  });
});
