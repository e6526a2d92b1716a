import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { withAdjustments } from '../../../../functions/domain/chargeback/month-close';
import { sum } from '../../../../functions/domain/records/money';
import { FOCUS_COLUMNS, renderFocusCsv } from '../../../../functions/domain/statements/focus-csv';
import { renderStatementCsv } from '../../../../functions/domain/statements/statement-csv';
import { allocateWith, buildChargeback } from '../../../support/chargeback';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';
import { cb, config, records, rowsOf } from '../../../support/statement-month';

describe('adjustments in focus.csv', () => {
  it('adds a Correction row for each adjustment', () => {
    const adjusted = withAdjustments(cb, [{ team: 'search', forMonth: '2026-09', amount: '-12.25' }]);
    const focus = rowsOf(renderFocusCsv(allocateWith(records, config), config.currency, adjusted.adjustments));
    expect(focus.at(-1)).toMatchObject({ ChargeCategory: 'Adjustment', ChargeClass: 'Correction', ChargePeriodStart: '2026-09-01T00:00:00Z', BilledCost: '-12.25', x_Team: 'search' });
  });
});

describe('focus.csv', () => {
  it('lists every record in FOCUS columns with how it was allocated, and its costs add up to the total', () => {
    const rows = rowsOf(renderFocusCsv(allocateWith(records, config), config.currency));
    expect(Object.keys(rows[0]!)).toEqual([...FOCUS_COLUMNS]);
    expect(rows.length).toBe(records.length);
    expect(sum(rows.map((r) => new Big(r.EffectiveCost!))).round(2, Big.roundHalfUp).toFixed(2)).toBe(cb.total);
    expect(rows.map((r) => [r.x_Team, r.x_Pool, r.x_AllocationMethod, r.ChargeCategory])).toEqual([
      ['payments', '', 'tag', 'Usage'],
      ['search', '', 'tag', 'Usage'],
      ['payments', '', 'rule', 'Credit'],
      ['', '', 'unallocated', 'Usage'],
      ['', 'support', 'pool', 'Usage'],
    ]);
    expect(rows[0]).toMatchObject({ BillingPeriodStart: '2026-10-01T00:00:00Z', BillingPeriodEnd: '2026-11-01T00:00:00Z', ChargePeriodStart: '2026-10-01T00:00:00Z' });
  });
});

/** A small deterministic generator, so the property runs the same everywhere. */
function seeded(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

describe('rounding that ties out', () => {
  const teams = ['payments', 'search', 'growth'];
  const providers = [
    { provider: 'aws' as const, providerName: 'AWS', source: 'aws-cost-explorer' as const },
    { provider: 'openai' as const, providerName: 'OpenAI', source: 'openai-costs' as const },
    { provider: 'anthropic' as const, providerName: 'Anthropic', source: 'anthropic-cost-report' as const },
  ];
  const tiesConfig = testConfig({
    teams: teams.map((id) => ({ id, name: id.toUpperCase() })),
    allocation: {
      awsTagKey: 'team',
      rules: [{ match: { service: 'Shared gateway' }, pool: 'gateway' }],
      sharedPools: [{ id: 'gateway', method: 'proportional' }],
    },
  });
  /** Records of thirds and sevenths of a cent, so that nearly every part rounds away from its neighbours. */
  function randomRecords(seed: number) {
    const random = seeded(seed);
    return Array.from({ length: 60 }, (_, i) => {
      const p = providers[Math.floor(random() * providers.length)]!;
      const team = random() < 0.15 ? undefined : teams[Math.floor(random() * teams.length)];
      const service = random() < 0.15 ? 'Shared gateway' : `Service ${Math.floor(random() * 4)}`;
      const cost = new Big(Math.floor(random() * 100000)).div(random() < 0.5 ? 3 : 7).div(100).toFixed(6);
      return awsRecord({ ...p, id: `r${i}`, serviceName: service, cost, tags: team ? { team } : {} });
    });
  }
  const total = (rows: Array<Record<string, string>>, column: string) => sum(rows.map((r) => new Big(r[column]!)));

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`every subtotal formed from statement.csv and from focus.csv equals the statement's figure, to the cent (seed ${seed})`, () => {
      // Prepare
      const records = randomRecords(seed);
      const month = withAdjustments(buildChargeback(records, tiesConfig, '2026-10', '2026-10-20'), [{ team: 'search', forMonth: '2026-09', amount: '-1.23' }]);

      // Act
      const statement = rowsOf(renderStatementCsv(month));
      const focus = rowsOf(renderFocusCsv(allocateWith(records, tiesConfig), tiesConfig.currency, month.adjustments, month)).filter((r) => r.ChargeClass !== 'Correction');

      // Assess: the grand total, by provider, by team, by team and provider; the FOCUS file exactly, no rounding.
      expect(total(statement, 'cost').toFixed(2)).toBe(month.totalDue);
      expect(total(focus, 'BilledCost').toFixed()).toBe(new Big(month.total).toFixed());
      for (const p of providers) {
        expect(total(statement.filter((r) => r.provider === p.provider), 'cost').toFixed(2), p.provider).toBe(month.providers[p.provider] ?? '0.00');
        expect(new Big(total(focus.filter((r) => r.ProviderName === p.providerName), 'BilledCost')).eq(month.providers[p.provider] ?? 0), p.provider).toBe(true);
      }
      for (const t of month.teams) {
        expect(total(statement.filter((r) => r.team === t.team && r.kind !== 'adjustment'), 'cost').toFixed(2), t.team).toBe(t.total);
        expect(total(statement.filter((r) => r.team === t.team), 'cost').toFixed(2), t.team).toBe(t.totalDue);
        expect(total(statement.filter((r) => r.team === t.team && r.kind === 'direct'), 'cost').toFixed(2), t.team).toBe(t.direct);
        expect(new Big(total(focus.filter((r) => r.x_Team === t.team), 'BilledCost')).eq(t.direct), t.team).toBe(true);
        for (const p of providers) {
          const control = t.byProvider[p.provider] ?? '0.00';
          expect(total(statement.filter((r) => r.team === t.team && r.kind === 'direct' && r.provider === p.provider), 'cost').toFixed(2), `${t.team} ${p.provider}`).toBe(control);
          expect(new Big(total(focus.filter((r) => r.x_Team === t.team && r.ProviderName === p.providerName), 'BilledCost')).eq(control), `${t.team} ${p.provider}`).toBe(true);
        }
      }
      // The rounding rows are explicit, small, and add up to nothing.
      const rounding = statement.filter((r) => r.kind === 'rounding');
      expect(total(rounding, 'cost').toFixed(2)).toBe('0.00');
      for (const r of rounding) expect(new Big(r.cost!).abs().lte('0.10')).toBe(true);
      for (const r of focus.filter((x) => x.x_CostOrigin === 'rounding')) expect(new Big(r.BilledCost!).abs().lt('0.10')).toBe(true);
    });
  }
});
