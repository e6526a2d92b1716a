import Big from 'big.js';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildChargeback } from '../../../../functions/domain/chargeback/chargeback';
import { withAdjustments } from '../../../../functions/domain/chargeback/month-close';
import { sum } from '../../../../functions/domain/records/money';
import { FOCUS_COLUMNS, renderFocusCsv, renderStatementCsv, renderStatementHtml, STATEMENT_CSV_COLUMNS } from '../../../../functions/domain/statements/statement-files';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

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
    const { emailBody } = await import('../../../../functions/use-cases/publish-statement');
    expect(emailBody(message, () => 'Team  Total\nTOTAL  1.00\n\nmore\n', 's3://b/statements/2026-10/')).toBe('Team  Total\nTOTAL  1.00\n\nmore\n\nThe statement as CSV, HTML and FOCUS CSV: s3://b/statements/2026-10/\n');
  });

  it('carries the console link under the s3:// location when the archive gives one', async () => {
    const { emailBody } = await import('../../../../functions/use-cases/publish-statement');
    const body = emailBody(message, () => 'TOTAL  1.00\n', 's3://b/statements/2026-10/', 'https://us-east-1.console.aws.amazon.com/s3/buckets/b?region=us-east-1&prefix=statements%2F2026-10%2F');
    expect(body).toBe('TOTAL  1.00\n\nThe statement as CSV, HTML and FOCUS CSV: s3://b/statements/2026-10/\nOpen them in the S3 console (sign in with the statements read-only role): https://us-east-1.console.aws.amazon.com/s3/buckets/b?region=us-east-1&prefix=statements%2F2026-10%2F\n');
  });

  it('cuts a text no table cap can shorten at a line, under the limit counted in UTF-8 bytes with subject and attributes, keeping the pointer', async () => {
    const { emailBody, messageBytes, EMAIL_LIMIT_BYTES } = await import('../../../../functions/use-cases/publish-statement');
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
      const focus = rowsOf(renderFocusCsv(records, tiesConfig, '2026-10', month.adjustments, month)).filter((r) => r.ChargeClass !== 'Correction');

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

describe('statement.html shows what the text shows', () => {
  it('has a viewport, the unallocated, unmapped, unpriced, capacity and estimate-gap sections, team names in pool rows, and no token cells for lines without tokens', async () => {
    // Prepare
    const { fullChargeback, HTML_SECTION_IDS } = await import('../../../support/full-chargeback');
    const full = fullChargeback();

    // Act
    const html = renderStatementHtml(full);

    // Assess
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    const at = HTML_SECTION_IDS.map((id) => html.indexOf(`id="${id}"`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect(html).toMatch(/<td>aws<\/td><td>Amazon S3<\/td><td>999900001111<\/td><td>ghost<\/td><td class="n">12.34<\/td>/);
    expect(html).toContain('proj_shadow');
    expect(html).toContain('gpt-9-preview');
    expect(html).toContain('wrkspc_prio');
    // Pool rows name the team (the test config's names), not its id.
    const payments = full.teams.find((t) => t.team === 'payments')!.name;
    expect(html).toMatch(new RegExp(`<td>support</td><td>even</td><td>${payments}</td>`));
    // The EC2 line has no tokens: its token and unit-cost cells are empty; the Bedrock model line has both.
    expect(html).toMatch(/<td>Amazon EC2<\/td><td><\/td><td class="n">60.00<\/td><td class="n"><\/td><td class="n"><\/td>/);
    expect(html).toMatch(/Claude Haiku 4.5<\/td><td class="n">75.00<\/td><td class="n">1,100,000<\/td><td class="n">68.1818<\/td>/);
  });
});
