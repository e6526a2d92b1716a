import { describe, expect, it } from 'vitest';
import { bundledPriceBook } from '../../../functions/domain/pricing/bundled-price-book';
import type { AlertScope, MessagePublisher } from '../../../functions/ports/ports';
import { evaluateBudgetAlerts, type EvaluateDeps } from '../../../functions/use-cases/evaluate-budget-alerts';
import { testConfig } from '../../support/config';
import { MemoryAlertLedger, MemoryChargebacks, MemoryPublisher, MemoryRecords } from '../../support/memory';
import { awsRecord } from '../../support/records';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A run killed at an injected point. */
class Crash extends Error {}

/** Support at $110 of its $100 budget on its first run of the month: 50, 80 and 100 % reached at once. */
function setup() {
  const config = testConfig({ teams: [{ id: 'support', name: 'Support', monthlyBudget: 100 }], allocation: { awsTagKey: 'team', rules: [] } });
  let now = new Date('2026-10-05T06:00:00Z');
  const clock = { now: () => now };
  const records = new MemoryRecords();
  records.set([awsRecord({ chargePeriodStart: '2026-10-02', tags: { team: 'support' }, cost: '110.00' })]);
  const ledger = new MemoryAlertLedger();
  const publisher = new MemoryPublisher(clock);
  const deps = (over: Partial<EvaluateDeps> = {}): EvaluateDeps => ({ records, usage: new MemoryRecords(), priceBook: bundledPriceBook, chargebacks: new MemoryChargebacks(), ledger, alerts: publisher, clock, config, log: quiet, ...over });
  return { deps, ledger, publisher, later: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

/** A ledger that dies right after its first pending claim is written. */
function crashAfterClaim(ledger: MemoryAlertLedger): MemoryAlertLedger {
  let armed = true;
  return Object.assign(Object.create(ledger) as MemoryAlertLedger, {
    write: async (next: AlertScope) => {
      const ok = await ledger.write(next);
      if (armed && ok && next.alert.delivery === 'pending' && next.claimedBy) {
        armed = false;
        throw new Crash('killed after the claim');
      }
      return ok;
    },
  });
}

/** A publisher that dies right after the topic accepted its first message. */
function crashAfterPublish(publisher: MemoryPublisher): MessagePublisher {
  let armed = true;
  return {
    publish: async (m) => {
      const id = await publisher.publish(m);
      if (armed) {
        armed = false;
        throw new Crash('killed after the publish');
      }
      return id;
    },
  };
}

const sent = (p: MemoryPublisher) => p.sent.map((m) => m.attributes.threshold);

describe('alert claims (in-memory ledger)', () => {
  it('claims every level of a scope in one write, sends only the highest, and records the lower ones as superseded', async () => {
    const { deps, ledger, publisher } = setup();
    const writes: AlertScope[] = [];
    const write = ledger.write.bind(ledger);
    ledger.write = async (next) => (writes.push(next), write(next));

    await evaluateBudgetAlerts(deps(), ['2026-10']);

    expect(sent(publisher)).toEqual(['100']);
    // One claim (pending, with 50 and 80 superseded), then one mark.
    expect(writes.map((w) => [w.rank, w.alert.delivery, w.earlier.map((e) => `${e.key}:${e.delivery}`)])).toEqual([
      [100, 'pending', ['threshold#team:support#50:superseded', 'threshold#team:support#80:superseded']],
      [100, 'published', ['threshold#team:support#50:superseded', 'threshold#team:support#80:superseded']],
    ]);
  });

  it('sends the 100 % level a run claimed before it died on the next run a minute later, once, and never 50 or 80 %', async () => {
    // Prepare: the run claims Support's levels and dies before publishing.
    const { deps, ledger, publisher, later } = setup();
    await expect(evaluateBudgetAlerts(deps({ ledger: crashAfterClaim(ledger) }), ['2026-10'])).rejects.toThrow(Crash);
    expect(publisher.sent).toEqual([]);

    // Act: the scheduler's retry a minute later, then the next hour's run.
    later(60_000);
    const recovery = await evaluateBudgetAlerts(deps(), ['2026-10']);
    later(3_600_000);
    await evaluateBudgetAlerts(deps(), ['2026-10']);

    // Assess
    expect(sent(publisher)).toEqual(['100']);
    expect(publisher.sent[0]!.subject).toBe('[costline] Support reached 100% of its 2026-10 budget');
    expect(recovery[0]!.fired.map((a) => a.key)).toEqual(['threshold#team:support#100']);
    expect((await ledger.listMonth('2026-10')).map((a) => `${a.key}:${a.delivery}`)).toEqual([
      'threshold#team:support#100:published',
      'threshold#team:support#50:superseded',
      'threshold#team:support#80:superseded',
    ]);
  });

  it('leaves another run’s fresh claim alone (it may still be publishing), and sends it once the lease is past', async () => {
    const { deps, ledger, publisher, later } = setup();
    await expect(evaluateBudgetAlerts(deps({ ledger: crashAfterClaim(ledger) }), ['2026-10'])).rejects.toThrow(Crash);
    later(30_000);
    await evaluateBudgetAlerts(deps(), ['2026-10']);
    expect(publisher.sent).toEqual([]);
    later(30_000);
    await evaluateBudgetAlerts(deps(), ['2026-10']);
    expect(sent(publisher)).toEqual(['100']);
  });

  it('sends a dead run’s claim at once, same instant, when the run holds its state alone (lease 0, the local CLI)', async () => {
    const { deps, ledger, publisher } = setup();
    await expect(evaluateBudgetAlerts(deps({ ledger: crashAfterClaim(ledger) }), ['2026-10'])).rejects.toThrow(Crash);
    await evaluateBudgetAlerts(deps({ claimLeaseMs: 0 }), ['2026-10']);
    expect(sent(publisher)).toEqual(['100']);
  });

  it('supersedes a dead run’s pending 80 % claim when 100 % is reached by the recovery: only 100 % is sent', async () => {
    const { deps, ledger, publisher, later } = setup();
    const records = deps().records as MemoryRecords;
    records.set([awsRecord({ chargePeriodStart: '2026-10-02', tags: { team: 'support' }, cost: '85.00' })]);
    await expect(evaluateBudgetAlerts(deps({ ledger: crashAfterClaim(ledger) }), ['2026-10'])).rejects.toThrow(Crash);
    records.set([awsRecord({ chargePeriodStart: '2026-10-02', tags: { team: 'support' }, cost: '85.00' }), awsRecord({ chargePeriodStart: '2026-10-03', tags: { team: 'support' }, cost: '30.00' })]);
    later(10_000); // within the lease: superseding needs no wait, it never sends the lower level

    await evaluateBudgetAlerts(deps(), ['2026-10']);

    expect(sent(publisher)).toEqual(['100']);
    expect((await ledger.listMonth('2026-10')).map((a) => `${a.key}:${a.delivery}`)).toEqual([
      'threshold#team:support#100:published',
      'threshold#team:support#50:superseded',
      'threshold#team:support#80:superseded',
    ]);
  });

  it('sends the level once more when the run died after the topic accepted it and before the ledger recorded it (the one duplicate), then never again', async () => {
    const { deps, publisher, later } = setup();
    await expect(evaluateBudgetAlerts(deps({ alerts: crashAfterPublish(publisher) }), ['2026-10'])).rejects.toThrow(Crash);
    expect(sent(publisher)).toEqual(['100']);
    later(60_000);
    await evaluateBudgetAlerts(deps(), ['2026-10']);
    later(3_600_000);
    await evaluateBudgetAlerts(deps(), ['2026-10']);
    expect(sent(publisher)).toEqual(['100', '100']);
  });

  it('releases a claim the topic refused: the next run sends it at once, without waiting for a lease', async () => {
    const { deps, publisher } = setup();
    publisher.failNext = 1;
    await expect(evaluateBudgetAlerts(deps(), ['2026-10'])).rejects.toThrow('topic unavailable');
    await evaluateBudgetAlerts(deps(), ['2026-10']);
    expect(sent(publisher)).toEqual(['100']);
  });
});
