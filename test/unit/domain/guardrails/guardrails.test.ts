import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../functions/config/config-schema';
import { allocateWith, buildChargeback } from '../../../support/chargeback';
import type { CostRecord } from '../../../../functions/domain/records/cost-record';
import { addDays } from '../../../../functions/domain/records/dates';
import { evaluateGuardrails, isAiSpend, isSilenced } from '../../../../functions/domain/guardrails/guardrails';
import { bundledPriceBook } from '../../../../functions/domain/pricing/bundled-price-book';
import { evaluateBudgetAlerts, type EvaluateDeps } from '../../../../functions/use-cases/evaluate-budget-alerts';
import { testConfig } from '../../../support/config';
import { MemoryAlertLedger, MemoryChargebacks, MemoryPublisher, MemoryRecords } from '../../../support/memory';
import { awsRecord } from '../../../support/records';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Steady daily spend for a team over a window, one record a day. */
function daily(team: string, from: string, days: number, amount: string, extra: Partial<CostRecord> = {}): CostRecord[] {
  return Array.from({ length: days }, (_, i) => awsRecord({ chargePeriodStart: addDays(from, i), tags: { team }, cost: amount, ...extra }));
}

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

describe('guardrail config', () => {
  it('rejects a budget for an unknown team, a malformed model pattern and a silence of an unknown team, naming each field', () => {
    const raw = (alerts: Record<string, unknown>) => ({ currency: 'USD', teams: [{ id: 'search', name: 'Search' }], alerts });
    expect(() => parseConfig(raw({ budgets: [{ team: 'serch', model: 'gpt-4o*', monthly: 800 }] }))).toThrow('alerts.budgets[0].team: unknown team "serch"');
    expect(() => parseConfig(raw({ budgets: [{ team: 'search', model: 'gpt 4o(*', monthly: 800 }] }))).toThrow(/alerts\.budgets\[0\]\.model: expected a model id or pattern/);
    expect(() => parseConfig(raw({ budgets: [{ team: 'search', monthly: 800 }] }))).toThrow(/alerts\.budgets\[0\]: expected "provider" or "model"/);
    expect(() => parseConfig(raw({ silences: [{ scope: 'team:nope', until: '2026-11-01' }] }))).toThrow('alerts.silences[0].scope: unknown team "nope"');
    expect(() => parseConfig(raw({ silences: [{ scope: 'search', until: '2026-11-01' }] }))).toThrow(/alerts\.silences\[0\]\.scope: expected a scope/);
    expect(parseConfig(raw({ budgets: [{ team: 'search', provider: 'openai', model: 'gpt-4o*', monthly: 800 }] })).alerts.budgets).toHaveLength(1);
  });
});

describe('guardrails', () => {
  it('counts Bedrock and model-provider spend as AI spend, and other AWS spend not', () => {
    expect(isAiSpend({ provider: 'aws', model: null, serviceName: 'Amazon Bedrock' })).toBe(true);
    expect(isAiSpend({ provider: 'openai', model: null, serviceName: 'OpenAI API' })).toBe(true);
    expect(isAiSpend({ provider: 'aws', model: null, serviceName: 'Amazon EC2' })).toBe(false);
  });

  it('forecasts a budget scope over budget with its range and run-out day, and stays quiet under budget', () => {
    // Prepare: 28 days of $100/day history, then October at $150/day against a $3,000 team budget.
    const rows = [...daily('payments', '2026-09-03', 28, '100'), ...daily('payments', '2026-10-01', 9, '150')];
    const config = testConfig({ teams: [{ id: 'payments', name: 'Payments', monthlyBudget: 3000 }, { id: 'search', name: 'Search', monthlyBudget: 99999 }] });
    const chargeback = buildChargeback(rows.filter((r) => r.chargePeriodStart >= '2026-10-01'), config, '2026-10', '2026-10-10');

    // Act
    const alerts = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-10T06:00:00Z'), config, chargeback, allocated: [allocateWith(rows, config)] });

    // Assess
    const forecast = alerts.filter((a) => a.kind === 'forecast');
    expect(forecast.map((a) => a.key)).toEqual(expect.arrayContaining(['forecast#team:payments#over']));
    const sent = forecast.find((a) => a.rank === Math.max(...forecast.map((f) => f.rank)))!;
    expect(sent.body).toMatch(/Payments is projected to spend \$[\d,.]+ in 2026-10 against a \$3,000\.00 budget \(80% range/);
    expect(sent.body).toMatch(/budget runs out on 2026-10-2\d/);
    expect(sent.subject.length).toBeLessThan(100);
    expect(sent.json).toMatchObject({ version: '1.0', source: 'custom', content: { title: sent.subject }, metadata: { eventType: 'forecast', additionalContext: { team: 'payments', kind: 'forecast' } } });
    expect(alerts.some((a) => a.kind === 'forecast' && a.attributes.team === 'search')).toBe(false);
  });

  it('names the unmapped project and the watched model in shadow-AI alerts, once a month, to the platform audience', () => {
    const config = testConfig({ alerts: { shadowAi: { watchModels: ['o1-pro*'] } } });
    const rows = [
      awsRecord({ source: 'openai-costs', provider: 'openai', subAccountId: 'proj_x', serviceName: 'OpenAI API', model: 'gpt-4o', apiKeyId: 'key_x', chargePeriodStart: '2026-10-03', cost: '12.00' }),
      awsRecord({ source: 'openai-costs', provider: 'openai', subAccountId: 'proj_x', serviceName: 'OpenAI API', model: 'o1-pro-2025-03-19', chargePeriodStart: '2026-10-03', cost: '40.00' }),
      awsRecord({ source: 'openai-costs', provider: 'openai', subAccountId: 'proj_y', serviceName: 'OpenAI API', model: 'gpt-4o', chargePeriodStart: '2026-10-03', cost: '0.40' }),
    ];
    const chargeback = buildChargeback(rows, config, '2026-10', '2026-10-04');
    const shadow = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-04T06:00:00Z'), config, chargeback, allocated: [allocateWith(rows, config)] }).filter((a) => a.kind === 'shadow-ai');
    expect(shadow.map((a) => a.key).sort()).toEqual(['shadow-ai#model:openai:o1-pro-2025-03-19', 'shadow-ai#openai:project:proj_x']);
    const project = shadow.find((a) => a.key.includes('proj_x'))!;
    expect(project.attributes).toMatchObject({ team: 'unallocated', kind: 'shadow-ai', provider: 'openai' });
    expect(project.body).toContain('"project": "proj_x"');
  });

  it('labels a watched model used by several teams as organisation-wide, and one used by a single team as that team\'s', () => {
    const config = testConfig({ alerts: { shadowAi: { watchModels: ['o1-pro*'] } } });
    const use = (team: string, model: string) => awsRecord({ tags: { team }, serviceName: 'Amazon Bedrock', model, chargePeriodStart: '2026-10-03', cost: '20' });
    const rows = [use('payments', 'o1-pro-a'), use('search', 'o1-pro-a'), use('search', 'o1-pro-b')];
    const chargeback = buildChargeback(rows, config, '2026-10', '2026-10-04');
    const teams = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-04T06:00:00Z'), config, chargeback, allocated: [allocateWith(rows, config)] })
      .filter((a) => a.kind === 'shadow-ai')
      .map((a) => [a.attributes.model, a.attributes.team]);
    expect(teams.sort()).toEqual([
      ['o1-pro-a', 'organization'],
      ['o1-pro-b', 'search'],
    ]);
  });

  it('rates a jump from a usual $0 day critical only past twice the minimum impact', () => {
    const config = testConfig();
    const severityFor = (amount: string) => {
      const rows = [...daily('payments', '2026-09-15', 30, '0'), awsRecord({ tags: { team: 'payments' }, chargePeriodStart: '2026-10-15', cost: amount })];
      const chargeback = buildChargeback(rows.filter((r) => r.chargePeriodStart >= '2026-10-01'), config, '2026-10', '2026-10-16');
      return evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-16T06:00:00Z'), config, chargeback, allocated: [allocateWith(rows, config)] }).find((a) => a.kind === 'anomaly')?.attributes.severity;
    };
    expect(severityFor('60')).toBe('warning');
    expect(severityFor('120')).toBe('critical');
    expect(severityFor('40')).toBeUndefined();
  });

  it('silences a scope and its narrower scopes through the until day, for one kind or all', () => {
    const config = testConfig({ alerts: { silences: [{ scope: 'team:search', kind: 'anomaly', until: '2026-10-20' }] } });
    expect(isSilenced({ scope: 'team:search/model:gpt-4o', kind: 'anomaly' }, config, '2026-10-20')).toBe(true);
    expect(isSilenced({ scope: 'team:search', kind: 'anomaly' }, config, '2026-10-21')).toBe(false);
    expect(isSilenced({ scope: 'team:search', kind: 'threshold' }, config, '2026-10-10')).toBe(false);
    expect(isSilenced({ scope: 'team:searchers', kind: 'anomaly' }, config, '2026-10-10')).toBe(false);
  });

  it('lets a silence on a model pattern or a provider cover the alerts inside it', () => {
    const config = testConfig({
      alerts: {
        silences: [
          { scope: 'team:search/model:gpt-4o*', until: '2026-10-20' },
          { scope: 'team:payments/provider:openai', kind: 'anomaly', until: '2026-10-20' },
        ],
      },
    });
    expect(isSilenced({ scope: 'team:search/model:gpt-4o-2024-08-06', kind: 'unit-cost' }, config, '2026-10-10')).toBe(true);
    expect(isSilenced({ scope: 'team:search/model:o3-pro', kind: 'anomaly' }, config, '2026-10-10')).toBe(false);
    expect(isSilenced({ scope: 'team:payments/model:gpt-4o', kind: 'anomaly', attributes: { provider: 'openai', model: 'gpt-4o' } }, config, '2026-10-10')).toBe(true);
    expect(isSilenced({ scope: 'team:payments/model:claude-haiku-4-5', kind: 'anomaly', attributes: { provider: 'anthropic', model: 'claude-haiku-4-5' } }, config, '2026-10-10')).toBe(false);
  });

  it('skips the forecast of a team whose shared-pool shares alone pass its budget, and still alerts on the threshold', () => {
    const config = testConfig({
      teams: [{ id: 'payments', name: 'Payments', monthlyBudget: 100 }, { id: 'search', name: 'Search' }],
      allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'aws', service: 'AWS Support (Business)' }, pool: 'support' }], sharedPools: [{ id: 'support', method: 'fixed', weights: { payments: 1 } }] },
    });
    const rows = [...daily('payments', '2026-09-20', 20, '1'), awsRecord({ serviceName: 'AWS Support (Business)', chargePeriodStart: '2026-10-01', cost: '150' })];
    const chargeback = buildChargeback(rows.filter((r) => r.chargePeriodStart >= '2026-10-01'), config, '2026-10', '2026-10-10');
    const alerts = evaluateGuardrails({ month: '2026-10', now: new Date('2026-10-10T06:00:00Z'), config, chargeback, allocated: [allocateWith(rows, config)] });
    expect(alerts.filter((a) => a.kind === 'forecast')).toEqual([]);
    expect(chargeback.teams.find((t) => t.team === 'payments')!.shared).toBe('150.00');
  });
});

describe('alert delivery rules', () => {
  it('a silenced alert is neither sent nor recorded, and fires once the silence is over if still true', async () => {
    const rows = daily('payments', '2026-10-01', 5, '30');
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
      ...daily('payments', '2026-10-01', 3, '40'),
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
    records.set([watched, ...daily('payments', '2026-10-01', 3, '40')]);
    setNow('2026-10-04T15:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);

    // Assess
    expect(publisher.sent.map((m) => [m.attributes.kind, m.attributes.severity])).toEqual([
      ['shadow-ai', 'warning'],
      ['threshold', 'critical'],
    ]);
  });

  it('sends the text for people and the JSON form for integrations in one message', async () => {
    const { deps, publisher } = setup({}, daily('payments', '2026-10-01', 3, '40'), '2026-10-04T06:00:00Z');
    await evaluateBudgetAlerts(deps, ['2026-10']);
    const message = publisher.sent[0]!;
    expect(message.body).toContain('Payments (payments) has spent $120.00');
    expect(message.json).toMatchObject({ version: '1.0', source: 'custom', id: '2026-10#threshold#team:payments#100', metadata: { eventType: 'threshold' } });
  });
});

describe('SNS subjects', () => {
  it('are ASCII without line breaks and under 100 characters, as SNS requires', async () => {
    const { snsSubject } = await import('../../../../functions/adapters/sns/sns-message-publisher');
    expect(snsSubject('[costline] Équipe « données » reached 80% …')).toBe('[costline] Equipe ? donnees ? reached 80% ...');
    expect(snsSubject('a\nb')).toBe('a b');
    const long = snsSubject(`[costline] ${'x'.repeat(200)}`);
    expect(long.length).toBeLessThan(100);
    expect(long.endsWith('...')).toBe(true);
  });
});
