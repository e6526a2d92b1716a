import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import type { AlertScope } from '../../functions/ports/ports';
import { IngestionFailedError } from '../../functions/use-cases/ingest-billing';
import { runDailyIngestion } from '../../functions/use-cases/run-daily';
import { backfill } from '../../functions/use-cases/backfill';
import { expectBooksBalance } from '../support/books';
import { ALERTS, Crash, dailyWorld, item } from '../support/daily-world';

const w = dailyWorld();

describe('daily ingestion job (dynalite, loopback Cost Explorer and SNS, real SDK clients)', () => {
  it('ingests the month to date, charges it back to the cent and publishes one alert per team at its highest threshold', async () => {
    const { ingestion, evaluations } = await runDailyIngestion(w.deps());

    // Month to date through yesterday, plus September (no state yet, and day 5 ≤ previousMonthUntilDay);
    // 2026-10-05 is a Monday, so the closed month before (August) is rechecked too.
    expect(ingestion.outcomes[0]).toMatchObject({ ok: true, window: { start: '2026-08-01', end: '2026-10-05' }, records: 6 });
    const october = evaluations.find((e) => e.month === '2026-10')!.chargeback;
    expect(october).toMatchObject({ total: '124.62', unallocated: '9.28', status: 'preliminary', estimated: true });
    expect(october.teams.map((t) => [t.team, t.total])).toEqual([
      ['payments', '85.34'],
      ['search', '30.00'],
      ['growth', '0.00'],
    ]);
    expectBooksBalance(october);

    expect(w.sns.messages.map((m) => [m.topicArn, m.attributes.team?.value, m.attributes.kind?.value, m.attributes.severity?.value])).toEqual([
      [ALERTS, 'payments', 'threshold', 'warning'],
      [ALERTS, 'search', 'threshold', 'info'],
    ]);
    expect(w.sns.messages[0]!.subject).toBe('[costline] Payments reached 80% of its 2026-10 budget');
    expect(w.sns.messages[0]!.message).toContain('$85.34 of its $100.00 budget for 2026-10: 85.3%');
  });

  it('loses no dollar tagged with an empty team value: it is untagged spend of unknown account, unallocated, and the total matches the ledger', async () => {
    w.book.lineItems.push(item('2026-10-03', { team: '' }, '7', { account: '111122223333' }), item('2026-10-03', { team: '' }, '2.5', { service: 'Amazon S3' }));
    const { ingestion, evaluations } = await runDailyIngestion(w.deps());
    const october = evaluations.find((e) => e.month === '2026-10')!.chargeback;
    // 124.615 + 9.50. The untagged query asks for ABSENT only (Cost Explorer is not known to accept an
    // empty value), so the empty-valued $9.50 comes from the tagged query's control total, without its
    // account: the $7 in payments' account cannot be placed by the account rule and stays unallocated.
    expect(october.total).toBe('134.12');
    expect(october.teams[0]!.total).toBe('85.34');
    expect(october.unallocated).toBe('18.78');
    expectBooksBalance(october);
    expect(w.ce.requests.some((r) => JSON.stringify(r).includes('"Values":[""]'))).toBe(false);
    expect(ingestion.outcomes[0]).toMatchObject({ ok: true, notes: [] });
  });

  it('keeps every untagged dollar, without its account, when Cost Explorer refuses the untagged query, and says so', async () => {
    const untaggedOnly = (r: unknown) => JSON.stringify(r).includes('ABSENT');
    const before = (await runDailyIngestion(w.deps())).evaluations.find((e) => e.month === '2026-10')!.chargeback;
    w.ce.failWhen(untaggedOnly, { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.costexplorer#ValidationException', message: 'Filter: unsupported' }) });
    const { ingestion, evaluations } = await runDailyIngestion(w.deps());
    const after = evaluations.find((e) => e.month === '2026-10')!.chargeback;
    expect(after.total).toBe(before.total);
    expect(after.unallocated).toBe(new Big(before.unallocated).plus('0.33').toFixed(2)); // the $0.333 in payments' account, by rule before
    expectBooksBalance(after);
    expect(ingestion.outcomes[0]).toMatchObject({ ok: true, notes: [expect.stringContaining('Cost Explorer refused the untagged query (ValidationException: Filter: unsupported)')] });
  });

  it('alerts nobody about months older than last month: a backfill recomputes them quietly', async () => {
    w.now = new Date('2026-12-15T06:00:00Z');
    const { evaluations } = await runDailyIngestion(w.deps(), { window: { start: '2026-10-01', end: '2026-11-01' } });
    expect(evaluations.find((e) => e.month === '2026-10')!.chargeback.teams[0]!.total).toBe('85.34');
    expect(w.sns.messages).toEqual([]);
  });

  it('changes nothing and alerts nobody when run again on the same data', async () => {
    await runDailyIngestion(w.deps());
    const published = w.sns.messages.length;
    const { ingestion } = await runDailyIngestion(w.deps());
    expect(ingestion.outcomes[0]).toMatchObject({ stats: { written: 0, deleted: 0, unchanged: 6 } });
    expect(w.sns.messages).toHaveLength(published);
  });

  it('replaces a restated day: a vanished group does not linger and a changed amount is rewritten', async () => {
    await runDailyIngestion(w.deps());
    w.book.lineItems = w.book.lineItems.filter((i) => i.tags.team !== 'legacy');
    w.book.lineItems[0]!.amortizedCost = '50.004';
    w.now = new Date('2026-10-06T06:00:00Z');
    const { ingestion, evaluations } = await runDailyIngestion(w.deps());
    expect(ingestion.outcomes[0]).toMatchObject({ stats: { written: 1, deleted: 1, unchanged: 4 } });
    const october = evaluations.find((e) => e.month === '2026-10')!.chargeback;
    expect(october.total).toBe('133.12');
    expect(october.unallocatedSources.some((s) => s.tagValue === 'legacy')).toBe(false);
    expectBooksBalance(october);
  });

  it('escalates: a team that later crosses 100% gets one more alert, at 100%', async () => {
    await runDailyIngestion(w.deps());
    w.book.lineItems.push(item('2026-10-05', { team: 'payments' }, '20'));
    w.now = new Date('2026-10-06T06:00:00Z');
    await runDailyIngestion(w.deps());
    expect(w.sns.messages.filter((m) => m.attributes.team?.value === 'payments').map((m) => m.attributes.threshold?.value)).toEqual(['80', '100']);
  });

  it('stops re-pulling the previous month once it is final and the configured day has passed', async () => {
    w.book.finalizedThrough = '2026-10-31';
    w.now = new Date('2026-11-03T06:00:00Z');
    const early = await runDailyIngestion(w.deps());
    expect(early.ingestion.outcomes[0]!.window).toEqual({ start: '2026-10-01', end: '2026-11-03' });
    w.now = new Date('2026-11-06T06:00:00Z');
    const late = await runDailyIngestion(w.deps());
    expect(late.ingestion.outcomes[0]!.window).toEqual({ start: '2026-11-01', end: '2026-11-06' });
  });

  it('keeps re-pulling a previous month Cost Explorer still calls estimated, past the configured day', async () => {
    w.now = new Date('2026-11-10T06:00:00Z');
    await runDailyIngestion(w.deps()); // no state yet: pulls October, which comes back estimated
    const again = await runDailyIngestion(w.deps());
    expect(again.ingestion.outcomes[0]!.window).toEqual({ start: '2026-10-01', end: '2026-11-10' });
  });

  it('rides out throttling: LimitExceededException twice, then success', async () => {
    w.ce.failNext(2, { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.costexplorer#LimitExceededException', message: 'Rate exceeded' }) });
    const { ingestion } = await runDailyIngestion(w.deps());
    expect(ingestion.outcomes[0]!.ok).toBe(true);
    expect(w.ce.requests.length).toBe(2 + (ingestion.outcomes[0] as { requests: number }).requests);
  });

  it('rejects a malformed page with an error naming it, and leaves the stored month intact', async () => {
    await runDailyIngestion(w.deps());
    const before = await w.deps().records.listMonth('2026-10');
    const page = { ResultsByTime: [{ TimePeriod: { Start: '2026-09-01', End: '2026-09-02' }, Total: {}, Groups: [{ Keys: ['team$payments', 'X'], Metrics: { UnblendedCost: { Amount: 'lots', Unit: 'USD' }, AmortizedCost: { Amount: '1', Unit: 'USD' } } }], Estimated: false }] };
    w.ce.failNext(1, { status: 200, body: JSON.stringify(page) });
    // The bill moved too: a run that wrote anything would change what is stored.
    w.book.lineItems[0]!.amortizedCost = '99';
    w.now = new Date('2026-10-06T06:00:00Z');

    const error = await runDailyIngestion(w.deps()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IngestionFailedError);
    expect((error as Error).message).toMatch(/aws-cost-explorer .*tagged query, page 1: .*UnblendedCost\.Amount: expected a decimal amount, got "lots"/);
    expect(await w.deps().records.listMonth('2026-10')).toEqual(before);
  });

  /** Daily deps whose run "dies" (throws Crash) right after the first alert claim is written, or right after the topic accepts the first alert. */
  function dying(at: 'after-claim' | 'after-publish') {
    const d = w.deps();
    const ledger = d.ledger;
    const alerts = d.alerts;
    let armed = true;
    const crash = () => {
      armed = false;
      throw new Crash(`killed ${at}`);
    };
    d.ledger = Object.assign(Object.create(ledger) as typeof ledger, {
      write: async (next: AlertScope) => {
        const ok = await ledger.write(next);
        if (at === 'after-claim' && armed && ok && next.alert.delivery === 'pending' && next.claimedBy) crash();
        return ok;
      },
    });
    d.alerts = { publish: async (m) => { const id = await alerts.publish(m); if (at === 'after-publish' && armed) crash(); return id; } };
    return d;
  }
  const alertsSent = () => w.sns.messages.filter((m) => m.topicArn === ALERTS).map((m) => `${m.attributes.team?.value}:${m.attributes.threshold?.value}`);

  it('sends the highest level a run claimed before it died, at once on the next run a minute later, and never a lower one', async () => {
    // Prepare: payments is past 100% on its first run of the month; the run claims 100 (50 and 80 with it) and dies.
    w.book.lineItems.push(item('2026-10-04', { team: 'payments' }, '20'));
    await expect(runDailyIngestion(dying('after-claim'))).rejects.toMatchObject({ cause: expect.any(Crash) });
    expect(alertsSent()).toEqual([]);

    // Act: a run 30 s later leaves the claim alone (its run might still be publishing); the retry a minute later sends it.
    w.now = new Date(w.now.getTime() + 30_000);
    await runDailyIngestion(w.deps());
    expect(alertsSent()).toEqual(['search:50']);
    w.now = new Date(w.now.getTime() + 31_000);
    await runDailyIngestion(w.deps());
    w.now = new Date(w.now.getTime() + 60 * 60_000);
    await runDailyIngestion(w.deps());

    // Assess
    expect(alertsSent()).toEqual(['search:50', 'payments:100']);
    expect((await w.deps().ledger.listMonth('2026-10')).filter((a) => a.attributes.team === 'payments').map((a) => `${a.key}:${a.delivery}`)).toEqual([
      'threshold#team:payments#100:published',
      'threshold#team:payments#50:superseded',
      'threshold#team:payments#80:superseded',
    ]);
  });

  it('sends a level again, once, when the run died after the topic accepted it and before the ledger recorded it: the one duplicate', async () => {
    w.book.lineItems.push(item('2026-10-04', { team: 'payments' }, '20'));
    await expect(runDailyIngestion(dying('after-publish'))).rejects.toMatchObject({ cause: expect.any(Crash) });
    expect(alertsSent()).toEqual(['payments:100']);

    w.now = new Date(w.now.getTime() + 61_000);
    await runDailyIngestion(w.deps());
    w.now = new Date(w.now.getTime() + 60 * 60_000);
    await runDailyIngestion(w.deps());

    expect(alertsSent()).toEqual(['payments:100', 'payments:100', 'search:50']);
  });

  it('releases the alert claim when publishing fails, so the next run sends it', async () => {
    w.sns.failNext(5, { status: 500, code: 'InternalError', message: 'boom' });
    await expect(runDailyIngestion(w.deps())).rejects.toThrow();
    expect(w.sns.messages).toHaveLength(0);
    await runDailyIngestion(w.deps());
    expect(w.sns.messages.map((m) => m.attributes.team?.value)).toEqual(['payments', 'search']);
  });
});
