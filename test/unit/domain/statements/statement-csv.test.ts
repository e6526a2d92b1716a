import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { withAdjustments } from '../../../../functions/domain/chargeback/month-close';
import { sum } from '../../../../functions/domain/records/money';
import { renderStatementCsv, STATEMENT_CSV_COLUMNS } from '../../../../functions/domain/statements/statement-csv';
import { buildChargeback } from '../../../support/chargeback';
import { awsRecord } from '../../../support/records';
import { cb, config, rowsOf } from '../../../support/statement-month';

describe('statement.csv', () => {
  it('has the stable header and parses back to the same numbers: rows add up to every team and the total', () => {
    const csv = renderStatementCsv(cb);
    expect(csv.split('\n')[0]).toBe(STATEMENT_CSV_COLUMNS.join(','));
    const rows = rowsOf(csv);
    expect(sum(rows.map((r) => new Big(r.cost!))).toFixed(2)).toBe(cb.total);
    for (const t of cb.teams) expect(sum(rows.filter((r) => r.team === t.team).map((r) => new Big(r.cost!))).toFixed(2)).toBe(t.total);
    expect(rows.filter((r) => r.kind === 'shared').map((r) => [r.team, r.pool, r.method, r.ratio, r.cost])).toEqual([
      ['payments', 'support', 'even', '0.5000', '1.01'],
      ['search', 'support', 'even', '0.5000', '1.00'],
    ]);
    expect(rows.find((r) => r.kind === 'unallocated')).toMatchObject({ service: 'Amazon Route 53', sub_account: '444455556666', cost: '7.78' });
    // Quotes and commas in names survive the round trip.
    expect(rows.some((r) => r.service === 'Amazon "S3", eu')).toBe(true);
  });
});

describe('adjustments in statement.csv', () => {
  it('adds adjustment rows, summing to the total due', () => {
    const adjusted = withAdjustments(cb, [{ team: 'search', forMonth: '2026-09', amount: '-12.25' }]);
    const rows = rowsOf(renderStatementCsv(adjusted));
    expect(rows.filter((r) => r.kind === 'adjustment').map((r) => [r.team, r.cost, r.for_month])).toEqual([['search', '-12.25', '2026-09']]);
    expect(sum(rows.map((r) => new Big(r.cost!))).toFixed(2)).toBe(adjusted.totalDue);
  });
});

describe('every unallocated dollar is traceable', () => {
  it('lists every unallocated source in chargeback.json and statement.csv, each with its tag value in its own column, and no summed "other" row', () => {
    // Prepare: 25 unallocated sources, 12 of them with a tag value that names no team.
    const loose = Array.from({ length: 25 }, (_, i) => awsRecord({ subAccountId: `9999000000${String(i).padStart(2, '0')}`, cost: `${i + 1}.25`, serviceName: `Service ${i}`, tags: i % 2 ? { team: `ghost-${i}` } : {} }));
    const many = buildChargeback(loose, config, '2026-10', '2026-10-20');

    // Act
    const rows = rowsOf(renderStatementCsv(many)).filter((r) => r.kind === 'unallocated');

    // Assess
    expect(many.unallocatedSources).toHaveLength(25);
    expect(many.unallocatedSources.some((s) => s.provider === 'mixed' || s.service.startsWith('(other'))).toBe(false);
    expect(rows).toHaveLength(25);
    expect(sum(rows.map((r) => new Big(r.cost!))).toFixed(2)).toBe(many.unallocated);
    expect(rows.find((r) => r.service === 'Service 7')).toMatchObject({ sub_account: '999900000007', tag_value: 'ghost-7', cost: '8.25' });
    expect(rows.find((r) => r.service === 'Service 8')!.tag_value).toBe('');
  });
});
