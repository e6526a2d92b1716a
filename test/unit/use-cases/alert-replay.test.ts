import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import type { CostRecord } from '../../../functions/domain/records/cost-record';
import { addDays } from '../../../functions/domain/records/dates';
import type { UsageRecord } from '../../../functions/domain/records/usage-record';
import { bundledPriceBook } from '../../../functions/domain/pricing/bundled-price-book';
import { evaluateBudgetAlerts, type EvaluateDeps } from '../../../functions/use-cases/evaluate-budget-alerts';
import { testConfig } from '../../support/config';
import { MemoryAlertLedger, MemoryChargebacks, MemoryPublisher, MemoryRecords } from '../../support/memory';
import { awsRecord } from '../../support/records';
import { usageRecord } from '../../support/usage';

/**
 * A small organisation's 60 days, replayed hour by hour as the hourly job sees them: every earlier day
 * complete, today's model spend growing hour by hour (the hourly usage estimates). Built so that every
 * kind of alert has a reason to fire: thresholds, a forecast over budget, a gpt-4o spike, a unit-cost
 * change, an unmapped project and a watched model.
 */
const FIRST_DAY = '2026-09-01';
const DAYS = 60;
const SPIKE_DAY = '2026-10-14';
const SPIKE_FROM_HOUR = 10;
const PRICE_CHANGE_FROM = '2026-10-20';

const config = testConfig({
  teams: [
    { id: 'alpha', name: 'Alpha', monthlyBudget: 2500, leadEmails: ['alpha-lead@example.com'] },
    { id: 'beta', name: 'Beta', monthlyBudget: 1200, leadEmails: ['beta-lead@example.com'] },
  ],
  allocation: {
    awsTagKey: 'team',
    rules: [
      { match: { provider: 'openai', project: 'proj_alpha' }, team: 'alpha' },
      { match: { provider: 'openai', project: 'proj_beta' }, team: 'beta' },
    ],
  },
  alerts: {
    thresholds: [50, 80, 100],
    budgets: [{ team: 'alpha', model: 'gpt-4o*', monthly: 320 }],
    organizationAiBudget: 900,
    unitCost: { minImpact: 5 },
    shadowAi: { watchModels: ['o1-pro*'] },
  },
});

const weekend = (day: string) => [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());

/** The day's records; `fraction` of the day's model spend so far (1 for a complete day). */
function dayOf(day: string, hoursSoFar: number): { records: CostRecord[]; usage: UsageRecord[] } {
  const f = hoursSoFar / 24;
  const level = weekend(day) ? 0.4 : 1;
  const records: CostRecord[] = [];
  const usage: UsageRecord[] = [];
  // AWS, billed once the day is over (Cost Explorer).
  if (hoursSoFar === 24) {
    records.push(awsRecord({ chargePeriodStart: day, tags: { team: 'alpha' }, serviceName: 'Amazon EC2', cost: new Big(55).times(level).toFixed(2) }));
    records.push(awsRecord({ chargePeriodStart: day, tags: { team: 'beta' }, serviceName: 'Amazon RDS', cost: new Big(22).times(level).toFixed(2) }));
  }
  // Alpha's gpt-4o: $10 a weekday; on the spike day 20× from 10:00.
  const spikeHours = day === SPIKE_DAY ? Math.max(0, hoursSoFar - SPIKE_FROM_HOUR) : 0;
  const alphaCost = new Big(10).times(level).times(f).plus(new Big(10).div(24).times(19).times(spikeHours));
  records.push(openAi(day, 'proj_alpha', 'gpt-4o-2024-08-06', alphaCost));
  // Beta's gpt-4o-mini: 40M tokens a weekday at $0.25/M, then $0.40/M at the same volume (a prompt change).
  const betaTokens = Math.round(40e6 * level * f);
  const betaPrice = day >= PRICE_CHANGE_FROM ? 0.4 : 0.25;
  records.push(openAi(day, 'proj_beta', 'gpt-4o-mini-2024-07-18', new Big(betaTokens).times(betaPrice).div(1e6)));
  usage.push(usageRecord({ chargePeriodStart: day, subAccountId: 'proj_beta', model: 'gpt-4o-mini-2024-07-18', tokens: { input: betaTokens, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 } }));
  // Shadow AI: an unmapped project from 5 October, and o1-pro once.
  if (day >= '2026-10-05') records.push(openAi(day, 'proj_shadow', 'gpt-4o-2024-08-06', new Big(3).times(f)));
  if (day === '2026-10-25') records.push(openAi(day, 'proj_beta', 'o1-pro-2025-03-19', new Big(30).times(f)));
  return { records, usage };
}

function openAi(day: string, project: string, model: string, cost: Big): CostRecord {
  return awsRecord({ source: 'openai-costs', provider: 'openai', providerName: 'OpenAI', subAccountId: project, serviceName: 'OpenAI API', model, chargePeriodStart: day, cost: cost.toFixed(6) });
}

describe('alert evaluation replayed hour by hour over 60 days', () => {
  it('fires each alert exactly once, of every kind, and the spike the same day it starts', async () => {
    // Prepare
    let now = new Date(`${FIRST_DAY}T00:15:00Z`);
    const clock = { now: () => now };
    const records = new MemoryRecords();
    const usage = new MemoryRecords();
    const ledger = new MemoryAlertLedger();
    const publisher = new MemoryPublisher(clock);
    const deps: EvaluateDeps = { records, usage, priceBook: bundledPriceBook, chargebacks: new MemoryChargebacks(), ledger, alerts: publisher, clock, config, log: { info: () => undefined, warn: () => undefined, error: () => undefined } };
    const complete: { records: CostRecord[]; usage: UsageRecord[] } = { records: [], usage: [] };

    // Act: every hour at :15, the world as the hourly job sees it, then the evaluation.
    for (let d = 0; d < DAYS; d += 1) {
      const day = addDays(FIRST_DAY, d);
      for (let hour = 0; hour < 24; hour += 1) {
        now = new Date(`${day}T${String(hour).padStart(2, '0')}:15:00Z`);
        const today = dayOf(day, hour + 1);
        records.set([...complete.records, ...today.records]);
        usage.set([...complete.usage, ...today.usage]);
        await evaluateBudgetAlerts(deps, [...new Set([addDays(day, -1).slice(0, 7), day.slice(0, 7)])]);
      }
      const done = dayOf(day, 24);
      complete.records.push(...done.records);
      complete.usage.push(...done.usage);
    }

    // Assess: once each, however many times the evaluation ran.
    const keys = publisher.sent.map((m) => `${m.attributes.kind}|${m.subject}`);
    expect(new Set(keys).size).toBe(keys.length);
    const ledgerKeys = [...ledger.alerts.values()].filter((a) => a.delivery === 'published').map((a) => `${a.month}#${a.key}`);
    expect(ledgerKeys).toHaveLength(publisher.sent.length);
    expect(new Set(publisher.sent.map((m) => m.attributes.kind))).toEqual(new Set(['threshold', 'forecast', 'anomaly', 'unit-cost', 'shadow-ai']));
    // The spike is caught on its own day from the hourly estimates, hours after it starts, not the next morning.
    const spike = publisher.sent.find((m) => m.attributes.kind === 'anomaly' && m.attributes.model === 'gpt-4o-2024-08-06');
    expect(spike?.at.slice(0, 10)).toBe(SPIKE_DAY);
    expect(Number(spike!.at.slice(11, 13))).toBeGreaterThanOrEqual(SPIKE_FROM_HOUR);
    expect(spike!.body).toContain('OpenAI project proj_alpha');
    // One spike, one anomaly: the team's own anomaly for that day, naming the same model, is not sent after it.
    expect(publisher.sent.filter((m) => m.attributes.kind === 'anomaly' && m.body.includes(SPIKE_DAY)).map((m) => m.subject)).toEqual([spike!.subject]);
    // The unit-cost change is named once, the day after it starts; the watched model and the unmapped project once a month.
    const unit = publisher.sent.filter((m) => m.attributes.kind === 'unit-cost');
    expect(unit.map((m) => [m.attributes.team, m.attributes.model, m.at.slice(0, 10)])).toEqual([['beta', 'gpt-4o-mini-2024-07-18', addDays(PRICE_CHANGE_FROM, 1)]]);
    const shadow = publisher.sent.filter((m) => m.attributes.kind === 'shadow-ai').map((m) => m.subject.replace(/, \$[\d.,]+/, '').replace(/: \$[\d.,]+/, ''));
    expect(shadow.sort()).toEqual(['[costline] Unmapped AI spend: openai project proj_shadow in 2026-10', '[costline] Watched model o1-pro-2025-03-19 used in 2026-10']);
    // Levels only escalate: per scope and month, no lower threshold or forecast level after a higher one.
    const levels = publisher.sent
      .filter((m) => m.attributes.kind === 'threshold' || m.attributes.kind === 'forecast')
      .map((m) => ({ group: `${m.attributes.kind}|${m.subject.replace(/ (reached \d+%|projected at \$[\d,]+ vs).*? (of its|\$[\d,]+ budget for) /, ' ')}`, rank: Number(m.attributes.threshold ?? (m.attributes.severity === 'critical' ? 2 : 1)) }));
    for (const [i, a] of levels.entries()) for (const b of levels.slice(i + 1)) if (a.group === b.group) expect(b.rank, a.group).toBeGreaterThan(a.rank);
    expect(levels.filter((l) => l.group.startsWith('threshold|[costline] Alpha ')).length).toBeGreaterThan(1);
  });
});
