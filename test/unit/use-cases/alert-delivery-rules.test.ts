import { describe, expect, it } from 'vitest';
import type { CostRecord } from '../../../functions/domain/records/cost-record';
import { bundledPriceBook } from '../../../functions/domain/pricing/bundled-price-book';
import { evaluateBudgetAlerts, type EvaluateDeps } from '../../../functions/use-cases/evaluate-budget-alerts';
import { testConfig } from '../../support/config';
import { MemoryAlertLedger, MemoryChargebacks, MemoryPublisher, MemoryRecords } from '../../support/memory';
import { awsRecord, dailyRecords } from '../../support/records';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(overrides: Record<string, unknown>, rows: CostRecord[], at: string) {
  const config = testConfig(overrides);
  let now = new Date(at);
  const clock = { now: () => now };
  const records = new MemoryRecords();
  records.set(rows);
  const ledger = new MemoryAlertLedger();
  const publisher = new MemoryPublisher(clock);
  const deps: EvaluateDeps = { records, usage: new MemoryRecords(), priceBook: bundledPriceBook, chargebacks: new MemoryChargebacks(), ledger, alerts: publisher, clock, config, log: quiet };
  return { deps, ledger, publisher, records, config, setNow: (iso: string) => (now = new Date(iso)) };
}

describe('alert delivery rules', () => {
  it('a silenced alert is neither sent nor recorded, and fires once the silence is over if still true', async () => {
    const rows = dailyRecords('payments', '2026-10-01', 5, '30');
    const { deps, ledger, publisher, setNow } = setup({ alerts: { silences: [{ scope: 'team:payments', kind: 'threshold', until: '2026-10-06' }] } }, rows, '2026-10-06T06:00:00Z');

    await evaluateBudgetAlerts(deps, ['2026-10']);
    expect(publisher.sent).toHaveLength(0);
    expect(await ledger.listMonth('2026-10')).toEqual([]);

    setNow('2026-10-07T06:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);
    expect(publisher.sent.map((m) => m.subject)).toEqual(['[costline] Payments reached 100% of its 2026-10 budget']);
  });

  it('past the daily cap, holds a team\'s further alerts and sends them the next day as one digest, once', async () => {
    // Prepare: payments crosses half its budget and half of three model budgets the same morning (info alerts).
    const rows = [
      ...dailyRecords('payments', '2026-10-01', 3, '40'),
      ...['o1-pro-a', 'o1-pro-b', 'o1-pro-c'].map((model) => awsRecord({ tags: { team: 'payments' }, serviceName: 'Amazon Bedrock', model, chargePeriodStart: '2026-10-02', cost: '5' })),
    ];
    const budgets = ['o1-pro-a', 'o1-pro-b', 'o1-pro-c'].map((model) => ({ team: 'payments', model, monthly: 8 }));
    const { deps, ledger, publisher, setNow } = setup({ alerts: { dailyCap: 2, thresholds: [50], budgets } }, rows, '2026-10-04T06:00:00Z');

    // Act: the morning run, a later run the same day, the next morning twice.
    await evaluateBudgetAlerts(deps, ['2026-10']);
    await evaluateBudgetAlerts(deps, ['2026-10']);
    setNow('2026-10-05T06:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);
    await evaluateBudgetAlerts(deps, ['2026-10']);

    // Assess: two sent on the 4th, the other two held and sent together in one digest on the 5th.
    const byDay = publisher.sent.map((m) => [m.at.slice(0, 10), m.attributes.kind]);
    expect(byDay.filter(([d]) => d === '2026-10-04')).toHaveLength(2);
    expect(byDay.filter(([d]) => d === '2026-10-05')).toEqual([['2026-10-05', 'digest']]);
    const digest = publisher.sent.at(-1)!;
    expect(digest.subject).toBe('[costline] Digest: 2 more alert(s) for payments on 2026-10-04');
    expect((await ledger.listMonth('2026-10')).filter((a) => a.delivery === 'held')).toHaveLength(2);
    for (const held of (await ledger.listMonth('2026-10')).filter((a) => a.delivery === 'held')) expect(digest.body).toContain(held.subject.replace('[costline] ', ''));
  });

  it('sends the digest of alerts held on the last day of a month the next morning, once, when only the new month is evaluated', async () => {
    const budgets = ['o1-pro-a', 'o1-pro-b', 'o1-pro-c'].map((model) => ({ team: 'payments', model, monthly: 8 }));
    const rows = ['o1-pro-a', 'o1-pro-b', 'o1-pro-c'].map((model) => awsRecord({ tags: { team: 'payments' }, serviceName: 'Amazon Bedrock', model, chargePeriodStart: '2026-10-30', cost: '5' }));
    const { deps, publisher, setNow } = setup({ alerts: { dailyCap: 1, thresholds: [50], budgets } }, rows, '2026-10-31T06:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);
    expect(publisher.sent).toHaveLength(1);

    setNow('2026-11-01T06:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-11']);
    setNow('2026-11-01T07:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-11']);

    expect(publisher.sent.map((m) => m.subject)).toEqual([expect.stringContaining('reached 50%'), '[costline] Digest: 2 more alert(s) for payments on 2026-10-31']);
  });

  it('never holds a critical alert back, even past the daily cap', async () => {
    // Prepare: a watched model's warning fills the cap in the morning; by the afternoon the budget is passed.
    const watched = awsRecord({ tags: { team: 'payments' }, serviceName: 'Amazon Bedrock', model: 'o1-pro-a', chargePeriodStart: '2026-10-02', cost: '5' });
    const { deps, publisher, records, setNow } = setup({ alerts: { dailyCap: 1, thresholds: [100], shadowAi: { watchModels: ['o1-pro*'] } } }, [watched], '2026-10-04T06:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);

    // Act
    records.set([watched, ...dailyRecords('payments', '2026-10-01', 3, '40')]);
    setNow('2026-10-04T15:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);

    // Assess
    expect(publisher.sent.map((m) => [m.attributes.kind, m.attributes.severity])).toEqual([
      ['shadow-ai', 'warning'],
      ['threshold', 'critical'],
    ]);
  });

  it('sends the text for people and the JSON form for integrations in one message', async () => {
    const { deps, publisher } = setup({}, dailyRecords('payments', '2026-10-01', 3, '40'), '2026-10-04T06:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);
    const message = publisher.sent[0]!;
    expect(message.body).toContain('Payments (payments) has spent $120.00');
    expect(message.json).toMatchObject({ version: '1.0', source: 'custom', id: '2026-10#threshold#team:payments#100', metadata: { eventType: 'threshold' } });
  });
});
