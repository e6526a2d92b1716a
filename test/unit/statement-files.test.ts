import Big from 'big.js';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildChargeback } from '../../functions/domain/chargeback';
import { withAdjustments } from '../../functions/domain/month-close';
import { sum } from '../../functions/domain/money';
import { FOCUS_COLUMNS, renderFocusCsv, renderStatementCsv, renderStatementHtml, STATEMENT_CSV_COLUMNS } from '../../functions/domain/statement-files';
import { testConfig } from '../support/config';
import { awsRecord } from '../support/records';

const config = testConfig({
  allocation: {
    awsTagKey: 'team',
    rules: [
      { match: { provider: 'aws', account: '111122223333' }, team: 'payments' },
      { match: { service: 'AWS Support (Business)' }, pool: 'support' },
    ],
    sharedPools: [{ id: 'support', method: 'even' }],
  },
});
const records = [
  awsRecord({ tags: { team: 'payments' }, cost: '10.004', serviceName: 'Amazon EC2' }),
  awsRecord({ tags: { team: 'search' }, cost: '3.333', serviceName: 'Amazon "S3", eu' }),
  awsRecord({ subAccountId: '111122223333', cost: '-1.25', serviceName: 'Credit' }),
  awsRecord({ subAccountId: '444455556666', cost: '7.777', serviceName: 'Amazon Route 53' }),
  awsRecord({ serviceName: 'AWS Support (Business)', subAccountId: '444455556666', cost: '2.01' }),
];
const cb = buildChargeback(records, config, '2026-10', '2026-10-20');
const rowsOf = (csv: string) => parse(csv, { columns: true }) as Array<Record<string, string>>;

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

describe('adjustments in the files', () => {
  it('adds adjustment rows to the CSV (summing to the total due) and Correction rows to the FOCUS export', () => {
    const adjusted = withAdjustments(cb, [{ team: 'search', forMonth: '2026-09', amount: '-12.25' }]);
    const rows = rowsOf(renderStatementCsv(adjusted));
    expect(rows.filter((r) => r.kind === 'adjustment').map((r) => [r.team, r.cost, r.for_month])).toEqual([['search', '-12.25', '2026-09']]);
    expect(sum(rows.map((r) => new Big(r.cost!))).toFixed(2)).toBe(adjusted.totalDue);
    const focus = rowsOf(renderFocusCsv(records, config, '2026-10', adjusted.adjustments));
    expect(focus.at(-1)).toMatchObject({ ChargeCategory: 'Adjustment', ChargeClass: 'Correction', ChargePeriodStart: '2026-09-01T00:00:00Z', BilledCost: '-12.25', x_Team: 'search' });
  });
});

describe('focus.csv', () => {
  it('lists every record in FOCUS columns with how it was allocated, and its costs add up to the total', () => {
    const rows = rowsOf(renderFocusCsv(records, config, '2026-10'));
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

describe('statement.html', () => {
  it('is one self-contained page with the totals, a bar per team against its budget, and escaped names', () => {
    const html = renderStatementHtml(cb);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain(`<b>${Number(cb.total).toLocaleString('en-US', { minimumFractionDigits: 2 })}</b>`);
    expect(html.match(/class="bar-row"/g)).toHaveLength(cb.teams.length);
    expect(html).toContain('Amazon &quot;S3&quot;, eu');
  });
});

describe('statement email', () => {
  const message = { subject: 'costline chargeback statement 2026-10 (final)', attributes: { kind: 'statement', month: '2026-10', status: 'final' } };

  it('carries the whole text and where the files are when it fits', async () => {
    const { emailBody } = await import('../../functions/use-cases/publish-statement');
    expect(emailBody(message, () => 'Team  Total\nTOTAL  1.00\n\nmore\n', 's3://b/statements/2026-10/')).toBe('Team  Total\nTOTAL  1.00\n\nmore\n\nThe statement as CSV, HTML and FOCUS CSV: s3://b/statements/2026-10/\n');
  });

  it('cuts a text no table cap can shorten at a line, under the limit counted in UTF-8 bytes with subject and attributes, keeping the pointer', async () => {
    const { emailBody, messageBytes, EMAIL_LIMIT_BYTES } = await import('../../functions/use-cases/publish-statement');
    // Three-byte characters: counted in characters, this would look a third of its size.
    const long = `Team  Total\nTOTAL  1.00\n\n${'€€€€€€€€€€\n'.repeat(30_000)}`;
    const cut = emailBody(message, () => long, 's3://b/statements/2026-10/');
    expect(messageBytes({ ...message, body: cut })).toBeLessThanOrEqual(EMAIL_LIMIT_BYTES);
    expect(cut).toContain('TOTAL  1.00');
    expect(cut).not.toContain('\uFFFD');
    expect(cut).toMatch(/€\n\.\.\.\n\nThis email is shortened to fit the 256 KB message limit: it is cut here\. Every team and every line is in the statement files at s3:\/\/b\/statements\/2026-10\/\.\n/);
    expect(cut.endsWith('The statement as CSV, HTML and FOCUS CSV: s3://b/statements/2026-10/\n')).toBe(true);
  });
});
