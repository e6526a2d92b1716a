import Big from 'big.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CostlineConfig } from '../../functions/config/config-schema';
import type { AlertScope, Log } from '../../functions/ports/ports';
import { dailyDeps, publisher } from '../../functions/app/compose';
import { IngestionFailedError } from '../../functions/use-cases/ingest-billing';
import { runDailyIngestion } from '../../functions/use-cases/run-daily';
import { publishStatement } from '../../functions/use-cases/publish-statement';
import { backfill, BackfillFailedError } from '../../functions/use-cases/backfill';
import { startCostExplorerServer, type CostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import type { Ledger, LedgerLineItem } from '../../local/sample/ledger';
import { expectBooksBalance } from '../support/books';
import { testConfig } from '../support/config';
import { startLocalAws, type LocalAws } from '../support/local-aws';

const ALERTS = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
const STATEMENTS = 'arn:aws:sns:us-east-1:000000000000:costline-statements';
/** A run killed at an injected point. */
class Crash extends Error {}

const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

function item(date: string, tags: Record<string, string>, cost: string, extra: Partial<LedgerLineItem> = {}): LedgerLineItem {
  return {
    date,
    account: '444455556666',
    service: 'Amazon DynamoDB',
    usageType: 'USE1-ReadCapacityUnit-Hrs',
    region: 'us-east-1',
    recordType: 'Usage',
    tags,
    unblendedCost: cost,
    amortizedCost: cost,
    usageQuantity: '1',
    usageUnit: 'Hrs',
    ...extra,
  };
}

/** October 2026: payments over 80% of its $100 budget, search at 60% of $50, some unallocated spend. */
function ledger(): Ledger {
  return {
    organization: 'test',
    finalizedThrough: '2026-09-30',
    accounts: { '111122223333': 'payments-prod', '444455556666': 'shared' },
    lineItems: [
      item('2026-10-01', { team: 'payments' }, '40.004'),
      item('2026-10-02', { team: 'Pay' }, '45.001', { service: 'AWS Lambda' }),
      item('2026-10-02', {}, '0.333', { account: '111122223333' }),
      item('2026-10-03', { team: 'search' }, '30'),
      item('2026-10-03', {}, '7.777', { service: 'AWS Support (Business)' }),
      item('2026-10-04', { team: 'legacy' }, '1.5'),
    ],
  };
}

let aws: LocalAws;
let ce: CostExplorerServer;
let sns: SnsServer;
let book: Ledger;
let now: Date;
let config: CostlineConfig;

function deps() {
  return dailyDeps({ config, clients: aws.clients, tableName: aws.tableName, alertsTopicArn: ALERTS, clock: { now: () => now }, log: silent });
}

beforeEach(async () => {
  book = ledger();
  ce = await startCostExplorerServer({ ledger: book, pageSize: 2 });
  sns = await startSnsServer();
  aws = await startLocalAws({ costExplorer: ce.url, sns: sns.url });
  now = new Date('2026-10-05T06:00:00Z');
  config = testConfig();
});

afterEach(async () => {
  await aws.close();
  await ce.close();
  await sns.close();
});

describe('daily ingestion job (dynalite, loopback Cost Explorer and SNS, real SDK clients)', () => {
  it('ingests the month to date, charges it back to the cent and publishes one alert per team at its highest threshold', async () => {
    const { ingestion, evaluations } = await runDailyIngestion(deps());

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

    expect(sns.messages.map((m) => [m.topicArn, m.attributes.team?.value, m.attributes.kind?.value, m.attributes.severity?.value])).toEqual([
      [ALERTS, 'payments', 'threshold', 'warning'],
      [ALERTS, 'search', 'threshold', 'info'],
    ]);
    expect(sns.messages[0]!.subject).toBe('[costline] Payments reached 80% of its 2026-10 budget');
    expect(sns.messages[0]!.message).toContain('$85.34 of its $100.00 budget for 2026-10: 85.3%');
  });

  it('loses no dollar tagged with an empty team value: it is untagged spend of unknown account, unallocated, and the total matches the ledger', async () => {
    book.lineItems.push(item('2026-10-03', { team: '' }, '7', { account: '111122223333' }), item('2026-10-03', { team: '' }, '2.5', { service: 'Amazon S3' }));
    const { ingestion, evaluations } = await runDailyIngestion(deps());
    const october = evaluations.find((e) => e.month === '2026-10')!.chargeback;
    // 124.615 + 9.50. The untagged query asks for ABSENT only (Cost Explorer is not known to accept an
    // empty value), so the empty-valued $9.50 comes from the tagged query's control total, without its
    // account: the $7 in payments' account cannot be placed by the account rule and stays unallocated.
    expect(october.total).toBe('134.12');
    expect(october.teams[0]!.total).toBe('85.34');
    expect(october.unallocated).toBe('18.78');
    expectBooksBalance(october);
    expect(ce.requests.some((r) => JSON.stringify(r).includes('"Values":[""]'))).toBe(false);
    expect(ingestion.outcomes[0]).toMatchObject({ ok: true, notes: [] });
  });

  it('keeps every untagged dollar, without its account, when Cost Explorer refuses the untagged query, and says so', async () => {
    const untaggedOnly = (r: unknown) => JSON.stringify(r).includes('ABSENT');
    const before = (await runDailyIngestion(deps())).evaluations.find((e) => e.month === '2026-10')!.chargeback;
    ce.failWhen(untaggedOnly, { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.costexplorer#ValidationException', message: 'Filter: unsupported' }) });
    const { ingestion, evaluations } = await runDailyIngestion(deps());
    const after = evaluations.find((e) => e.month === '2026-10')!.chargeback;
    expect(after.total).toBe(before.total);
    expect(after.unallocated).toBe(new Big(before.unallocated).plus('0.33').toFixed(2)); // the $0.333 in payments' account, by rule before
    expectBooksBalance(after);
    expect(ingestion.outcomes[0]).toMatchObject({ ok: true, notes: [expect.stringContaining('Cost Explorer refused the untagged query (ValidationException: Filter: unsupported)')] });
  });

  it('alerts nobody about months older than last month: a backfill recomputes them quietly', async () => {
    now = new Date('2026-12-15T06:00:00Z');
    const { evaluations } = await runDailyIngestion(deps(), { window: { start: '2026-10-01', end: '2026-11-01' } });
    expect(evaluations.find((e) => e.month === '2026-10')!.chargeback.teams[0]!.total).toBe('85.34');
    expect(sns.messages).toEqual([]);
  });

  it('changes nothing and alerts nobody when run again on the same data', async () => {
    await runDailyIngestion(deps());
    const published = sns.messages.length;
    const { ingestion } = await runDailyIngestion(deps());
    expect(ingestion.outcomes[0]).toMatchObject({ stats: { written: 0, deleted: 0, unchanged: 6 } });
    expect(sns.messages).toHaveLength(published);
  });

  it('replaces a restated day: a vanished group does not linger and a changed amount is rewritten', async () => {
    await runDailyIngestion(deps());
    book.lineItems = book.lineItems.filter((i) => i.tags.team !== 'legacy');
    book.lineItems[0]!.amortizedCost = '50.004';
    now = new Date('2026-10-06T06:00:00Z');
    const { ingestion, evaluations } = await runDailyIngestion(deps());
    expect(ingestion.outcomes[0]).toMatchObject({ stats: { written: 1, deleted: 1, unchanged: 4 } });
    const october = evaluations.find((e) => e.month === '2026-10')!.chargeback;
    expect(october.total).toBe('133.12');
    expect(october.unallocatedSources.some((s) => s.tagValue === 'legacy')).toBe(false);
    expectBooksBalance(october);
  });

  it('escalates: a team that later crosses 100% gets one more alert, at 100%', async () => {
    await runDailyIngestion(deps());
    book.lineItems.push(item('2026-10-05', { team: 'payments' }, '20'));
    now = new Date('2026-10-06T06:00:00Z');
    await runDailyIngestion(deps());
    expect(sns.messages.filter((m) => m.attributes.team?.value === 'payments').map((m) => m.attributes.threshold?.value)).toEqual(['80', '100']);
  });

  it('stops re-pulling the previous month once it is final and the configured day has passed', async () => {
    book.finalizedThrough = '2026-10-31';
    now = new Date('2026-11-03T06:00:00Z');
    const early = await runDailyIngestion(deps());
    expect(early.ingestion.outcomes[0]!.window).toEqual({ start: '2026-10-01', end: '2026-11-03' });
    now = new Date('2026-11-06T06:00:00Z');
    const late = await runDailyIngestion(deps());
    expect(late.ingestion.outcomes[0]!.window).toEqual({ start: '2026-11-01', end: '2026-11-06' });
  });

  it('keeps re-pulling a previous month Cost Explorer still calls estimated, past the configured day', async () => {
    now = new Date('2026-11-10T06:00:00Z');
    await runDailyIngestion(deps()); // no state yet: pulls October, which comes back estimated
    const again = await runDailyIngestion(deps());
    expect(again.ingestion.outcomes[0]!.window).toEqual({ start: '2026-10-01', end: '2026-11-10' });
  });

  it('rides out throttling: LimitExceededException twice, then success', async () => {
    ce.failNext(2, { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.costexplorer#LimitExceededException', message: 'Rate exceeded' }) });
    const { ingestion } = await runDailyIngestion(deps());
    expect(ingestion.outcomes[0]!.ok).toBe(true);
    expect(ce.requests.length).toBe(2 + (ingestion.outcomes[0] as { requests: number }).requests);
  });

  it('rejects a malformed page with an error naming it, and leaves the stored month intact', async () => {
    await runDailyIngestion(deps());
    const before = await deps().records.listMonth('2026-10');
    const page = { ResultsByTime: [{ TimePeriod: { Start: '2026-09-01', End: '2026-09-02' }, Total: {}, Groups: [{ Keys: ['team$payments', 'X'], Metrics: { UnblendedCost: { Amount: 'lots', Unit: 'USD' }, AmortizedCost: { Amount: '1', Unit: 'USD' } } }], Estimated: false }] };
    ce.failNext(1, { status: 200, body: JSON.stringify(page) });
    // The bill moved too: a run that wrote anything would change what is stored.
    book.lineItems[0]!.amortizedCost = '99';
    now = new Date('2026-10-06T06:00:00Z');

    const error = await runDailyIngestion(deps()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IngestionFailedError);
    expect((error as Error).message).toMatch(/aws-cost-explorer .*tagged query, page 1: .*UnblendedCost\.Amount: expected a decimal amount, got "lots"/);
    expect(await deps().records.listMonth('2026-10')).toEqual(before);
  });

  /** Daily deps whose run "dies" (throws Crash) right after the first alert claim is written, or right after the topic accepts the first alert. */
  function dying(at: 'after-claim' | 'after-publish') {
    const d = deps();
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
  const alertsSent = () => sns.messages.filter((m) => m.topicArn === ALERTS).map((m) => `${m.attributes.team?.value}:${m.attributes.threshold?.value}`);

  it('sends the highest level a run claimed before it died, at once on the next run a minute later, and never a lower one', async () => {
    // Prepare: payments is past 100% on its first run of the month; the run claims 100 (50 and 80 with it) and dies.
    book.lineItems.push(item('2026-10-04', { team: 'payments' }, '20'));
    await expect(runDailyIngestion(dying('after-claim'))).rejects.toMatchObject({ cause: expect.any(Crash) });
    expect(alertsSent()).toEqual([]);

    // Act: a run 30 s later leaves the claim alone (its run might still be publishing); the retry a minute later sends it.
    now = new Date(now.getTime() + 30_000);
    await runDailyIngestion(deps());
    expect(alertsSent()).toEqual(['search:50']);
    now = new Date(now.getTime() + 31_000);
    await runDailyIngestion(deps());
    now = new Date(now.getTime() + 60 * 60_000);
    await runDailyIngestion(deps());

    // Assess
    expect(alertsSent()).toEqual(['search:50', 'payments:100']);
    expect((await deps().ledger.listMonth('2026-10')).filter((a) => a.attributes.team === 'payments').map((a) => `${a.key}:${a.delivery}`)).toEqual([
      'threshold#team:payments#100:published',
      'threshold#team:payments#50:superseded',
      'threshold#team:payments#80:superseded',
    ]);
  });

  it('sends a level again, once, when the run died after the topic accepted it and before the ledger recorded it: the one duplicate', async () => {
    book.lineItems.push(item('2026-10-04', { team: 'payments' }, '20'));
    await expect(runDailyIngestion(dying('after-publish'))).rejects.toMatchObject({ cause: expect.any(Crash) });
    expect(alertsSent()).toEqual(['payments:100']);

    now = new Date(now.getTime() + 61_000);
    await runDailyIngestion(deps());
    now = new Date(now.getTime() + 60 * 60_000);
    await runDailyIngestion(deps());

    expect(alertsSent()).toEqual(['payments:100', 'payments:100', 'search:50']);
  });

  it('releases the alert claim when publishing fails, so the next run sends it', async () => {
    sns.failNext(5, { status: 500, code: 'InternalError', message: 'boom' });
    await expect(runDailyIngestion(deps())).rejects.toThrow();
    expect(sns.messages).toHaveLength(0);
    await runDailyIngestion(deps());
    expect(sns.messages.map((m) => m.attributes.team?.value)).toEqual(['payments', 'search']);
  });
});

describe('backfill', () => {
  it('loads month by month, alerting nobody about months older than last month', async () => {
    now = new Date('2026-12-15T06:00:00Z');
    const months: string[] = [];
    const result = await backfill(deps(), { start: '2026-09-01', end: '2026-11-01' }, { onMonth: (m) => months.push(m) });
    expect(months).toEqual(['2026-09', '2026-10']);
    expect(result.remaining).toBeUndefined();
    expect(result.done[1]!.result.evaluations[0]!.chargeback.total).toBe('124.62');
    expect(sns.messages).toEqual([]);
  });

  it('carries on past a failed month and then fails naming it; the other months are loaded', async () => {
    now = new Date('2026-12-15T06:00:00Z');
    // The first request (September's) gets a malformed page; October's come back fine.
    ce.failNext(1, { status: 200, body: JSON.stringify({ ResultsByTime: 'oops' }) });
    const error = await backfill(deps(), { start: '2026-09-01', end: '2026-11-01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackfillFailedError);
    expect((error as BackfillFailedError).failed.map((f) => f.month)).toEqual(['2026-09']);
    expect((error as Error).message).toMatch(/^backfill failed for 2026-09 \(daily run failed: aws-cost-explorer .*ResultsByTime: expected an array.*re-running the failed ones is safe$/);
    expect((await deps().records.listMonth('2026-10')).length).toBe(6);
  });

  it('refuses a window older than Cost Explorer keeps, before spending a request', async () => {
    now = new Date('2026-12-15T06:00:00Z');
    await expect(backfill(deps(), { start: '2025-10-01', end: '2025-12-01' })).rejects.toThrow(
      'Cost Explorer keeps daily data from 2025-11-01 (13 months back); start the backfill there, or disable sources.aws for an older provider-only backfill',
    );
    expect(ce.requests).toEqual([]);
  });

  it('stops before the deadline and says where to resume; resuming completes it with nothing counted twice', async () => {
    now = new Date('2026-12-15T06:00:00Z');
    // A month "takes" 1,000 ms on this fake time source; 60 s before the deadline with a 59.6 s budget, the
    // second does not start. The fake time starts at the real now: the sources honour the same deadline.
    let t = Date.now();
    const first = await backfill(deps(), { start: '2026-09-01', end: '2026-12-01' }, { deadline: t + 60_000, monthBudgetMs: 59_600, now: () => t, onMonth: () => void (t += 1000) });
    expect(first.done.map((d) => d.month)).toEqual(['2026-09']);
    expect(first.remaining).toEqual({ start: '2026-10-01', end: '2026-12-01' });
    const second = await backfill(deps(), first.remaining!);
    expect(second.done.map((d) => d.month)).toEqual(['2026-10', '2026-11']);
    expect(second.done[0]!.result.evaluations[0]!.chargeback.total).toBe('124.62');
  });
});

describe('statement job', () => {
  it('refuses to send finance a statement for a month with no records', async () => {
    await expect(publishStatement({ ...deps(), statements: publisher(aws.clients, STATEMENTS) }, '2026-08')).rejects.toThrow(
      'no cost records for 2026-08: has ingestion run for it?',
    );
    expect(sns.messages).toEqual([]);
  });

  it('publishes the month’s plain-text chargeback to the statements topic', async () => {
    await runDailyIngestion(deps());
    const { chargeback, text } = await publishStatement({ ...deps(), statements: publisher(aws.clients, STATEMENTS) }, '2026-10');
    expectBooksBalance(chargeback);
    const message = sns.messages.at(-1)!;
    expect(message.topicArn).toBe(STATEMENTS);
    expect(message.subject).toBe('costline chargeback statement 2026-10 (preliminary)');
    expect(message.message).toBe(text);
    expect(text).toMatch(/^Payments\s+85\.34\s+0\.00\s+85\.34\s+100\.00\s+85\.3%$/m);
    expect(text).toMatch(/^TOTAL\s+124\.62$/m);
  });

  const statementDeps = () => ({ ...deps(), statements: publisher(aws.clients, STATEMENTS) });
  const statementsSent = () => sns.messages.filter((m) => m.topicArn === STATEMENTS);

  it('sends a final statement once: a scheduled re-run sends nothing, a resend sends it again unchanged', async () => {
    book.finalizedThrough = '2026-10-31';
    now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(deps());
    now = new Date('2026-11-07T08:00:00Z');

    const first = await publishStatement(statementDeps(), '2026-10', 'scheduled');
    const again = await publishStatement(statementDeps(), '2026-10', 'scheduled');
    const resent = await publishStatement(statementDeps(), '2026-10', 'resend');

    expect([first.outcome, again.outcome, resent.outcome]).toEqual(['published-final', 'already-final', 'resent-final']);
    expect(statementsSent().map((m) => m.subject)).toEqual(['costline chargeback statement 2026-10 (final)', 'costline chargeback statement 2026-10 (final)']);
    expect(statementsSent()[1]!.message).toBe(statementsSent()[0]!.message);
  });

  it('sends a final statement whose run died between the close and the send on the next run, once, and reports it sent late', async () => {
    // Prepare: October is final; the run closes it in DynamoDB and dies before publishing.
    book.finalizedThrough = '2026-10-31';
    now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(deps());
    now = new Date('2026-11-07T08:00:00Z');
    const dying = statementDeps();
    const store = dying.closed;
    dying.closed = Object.assign(Object.create(store) as typeof store, {
      close: async (...args: Parameters<typeof store.close>) => {
        await store.close(...args);
        throw new Error('killed after the close');
      },
    });
    await expect(publishStatement(dying, '2026-10', 'scheduled')).rejects.toThrow('killed after the close');
    expect(statementsSent()).toEqual([]);

    // Act: the scheduler's retry, then the next day's run.
    now = new Date('2026-11-07T08:01:00Z');
    const recovery = await publishStatement(statementDeps(), '2026-10', 'scheduled');
    now = new Date('2026-11-08T08:00:00Z');
    const next = await publishStatement(statementDeps(), '2026-10', 'scheduled');

    // Assess
    expect([recovery.outcome, next.outcome]).toEqual(['sent-final-late', 'already-final']);
    expect(statementsSent().map((m) => m.subject)).toEqual(['costline chargeback statement 2026-10 (final)']);
    expect(recovery.messageId).toBe(sns.messages.at(-1)!.messageId);
    expect((await deps().closed.list())[0]!.delivery.finance).toEqual({ state: 'accepted', messageId: recovery.messageId, acceptedAt: '2026-11-07T08:01:00.000Z' });
  });

  it('keeps a final statement SNS refused pending and sends it on the next run, the stored statement unchanged', async () => {
    book.finalizedThrough = '2026-10-31';
    now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(deps());
    now = new Date('2026-11-07T08:00:00Z');
    sns.failNext(5, { status: 500, code: 'InternalError', message: 'boom' });
    await expect(publishStatement(statementDeps(), '2026-10', 'scheduled')).rejects.toThrow();
    const [before] = await deps().closed.list();
    expect(before!.delivery.finance.state).toBe('pending');

    const recovery = await publishStatement(statementDeps(), '2026-10', 'scheduled');

    expect(recovery.outcome).toBe('sent-final-late');
    expect(statementsSent()).toHaveLength(1);
    const [after] = await deps().closed.list();
    expect({ hash: after!.contentHash, chargeback: after!.chargeback, closedAt: after!.closedAt }).toEqual({ hash: before!.contentHash, chargeback: before!.chargeback, closedAt: before!.closedAt });
    expect(after!.delivery.finance.state).toBe('accepted');
    expect((await publishStatement(statementDeps(), '2026-10', 'scheduled')).outcome).toBe('already-final');
    expect(statementsSent()).toHaveLength(1);
  });

  it('waits quietly on schedule while a month is not final, and sends a preliminary statement on demand', async () => {
    await runDailyIngestion(deps()); // October is still estimated
    now = new Date('2026-11-07T08:00:00Z');
    expect((await publishStatement(statementDeps(), '2026-10', 'scheduled')).outcome).toBe('not-final-yet');
    expect(statementsSent()).toEqual([]);
    expect((await publishStatement(statementDeps(), '2026-10', 'on-demand')).outcome).toBe('published-preliminary');
    await expect(publishStatement(statementDeps(), '2026-10', 'resend')).rejects.toThrow('2026-10 has no final statement to resend yet');
  });

  it('puts a late credit to a closed month on the next month’s statement as a prior-period adjustment, once', async () => {
    // September: billed, final, closed.
    book.lineItems.push(item('2026-09-15', { team: 'payments' }, '200'), item('2026-09-16', { team: 'search' }, '50'));
    book.finalizedThrough = '2026-09-30';
    now = new Date('2026-10-07T06:00:00Z');
    await runDailyIngestion(deps(), { window: { start: '2026-09-01', end: '2026-10-07' } });
    expect((await publishStatement(statementDeps(), '2026-09', 'scheduled')).outcome).toBe('published-final');

    // A credit for September arrives after it closed; the next day's run re-pulls September.
    book.lineItems.push(item('2026-09-30', { team: 'search' }, '-12.25', { service: 'Credit' }));
    now = new Date('2026-10-20T06:00:00Z');
    await runDailyIngestion(deps(), { window: { start: '2026-09-01', end: '2026-10-20' } });

    const october = await publishStatement(statementDeps(), '2026-10', 'on-demand');
    expect(october.chargeback.adjustments).toEqual([{ team: 'search', forMonth: '2026-09', amount: '-12.25' }]);
    expect(october.chargeback).toMatchObject({ adjustmentsTotal: '-12.25', totalDue: new Big(october.chargeback.total).minus('12.25').toFixed(2) });
    expect(october.text).toMatch(/Prior-period adjustments[\s\S]*-12\.25  Search, for 2026-09/);
    // The closed September statement itself never changes.
    expect((await publishStatement(statementDeps(), '2026-09', 'resend')).chargeback.total).toBe('250.00');
    expectBooksBalance(october.chargeback);
  });

  it('refuses a closed statement changed behind costline’s back', async () => {
    book.finalizedThrough = '2026-10-31';
    now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(deps());
    now = new Date('2026-11-07T08:00:00Z');
    await publishStatement(statementDeps(), '2026-10', 'scheduled');
    await aws.clients.dynamo.send(new UpdateCommand({ TableName: aws.tableName, Key: { pk: 'CLOSED', sk: '2026-10' }, UpdateExpression: 'SET contentHash = :h', ExpressionAttributeValues: { ':h': 'f'.repeat(64) } }));
    await expect(publishStatement(statementDeps(), '2026-10', 'resend')).rejects.toThrow('the closed statement for 2026-10 does not match its content hash');
  });

  it('sends an opted-in team its own statement, with the attributes its leads’ filter policy matches', async () => {
    config = testConfig({
      teams: [
        { id: 'payments', name: 'Payments', aliases: ['pay'], monthlyBudget: 100, leadEmails: ['pay-lead@example.com'], statementToLeads: true },
        { id: 'search', name: 'Search', aliases: ['search-ai'], monthlyBudget: 50 },
        { id: 'growth', name: 'Growth' },
      ],
    });
    await runDailyIngestion(deps());
    await publishStatement(statementDeps(), '2026-10', 'on-demand');
    const sent = statementsSent().map((m) => [m.attributes.kind?.value, m.attributes.team?.value]);
    expect(sent).toEqual([
      ['statement', undefined],
      ['team-statement', 'payments'],
    ]);
    const mine = statementsSent()[1]!;
    expect(mine.subject).toBe('costline statement 2026-10 for Payments (preliminary)');
    expect(mine.message).toMatch(/Total +85\.34 +of a 100\.00 budget: 85\.3% used/);
    expect(mine.message).toContain('Amazon DynamoDB');
    expect(mine.message).not.toContain('Search');
  });
});
