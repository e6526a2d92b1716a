import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { explainTeam, renderExplanation } from '../../../../functions/domain/allocation/explain';
import { sum } from '../../../../functions/domain/records/money';
import { DIMENSIONS_CSV_COLUMNS, dimensionColumnOf, renderDimensionsCsv } from '../../../../functions/domain/statements/dimension-files';
import { FOCUS_COLUMNS, renderFocusCsv } from '../../../../functions/domain/statements/focus-csv';
import { renderStatementHtml } from '../../../../functions/domain/statements/statement-html';
import { renderStatementText, renderTeamStatementText } from '../../../../functions/domain/statements/statement-text';
import { chargeWith } from '../../../support/chargeback';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';
import { cb as plain, config as plainConfig, records as plainRecords, rowsOf } from '../../../support/statement-month';
import { allocateWith } from '../../../support/chargeback';

const writer = 'arn:aws:sts::444455556666:assumed-role/growth-campaign-writer/campaign-writer-lambda';
const config = testConfig({
  allocation: {
    awsTagKey: 'team',
    rules: [{ match: { provider: 'aws', iamPrincipal: 'arn:aws:sts::*:assumed-role/growth-campaign-writer/*' }, team: 'growth' }],
    dimensions: [
      { id: 'feature', rules: [{ match: { iamPrincipal: 'arn:aws:sts::*:assumed-role/growth-campaign-writer/*' }, value: 'campaign-writer' }] },
      { id: 'environment', tagKey: 'env' },
    ],
  },
});
const records = [
  awsRecord({ tags: { team: 'pay', env: 'prod' }, cost: '60.004' }),
  awsRecord({ tags: { team: 'pay', env: 'dev' }, cost: '15.503', serviceName: 'AWS Lambda' }),
  awsRecord({ subAccountId: '444455556666', serviceName: 'Amazon Bedrock', iamPrincipal: writer, cost: '7.251' }),
  awsRecord({ subAccountId: '444455556666', cost: '4.5', serviceName: 'Amazon Route 53', tags: { env: 'prod' } }),
];
const { allocated, chargeback: cb } = chargeWith(records, config, '2026-10', '2026-10-20');

describe('dimension statements', () => {
  it('adds a section per dimension to the finance text, noting what Cost Explorer mode cannot see, and the team\'s direct spend by value to its own statement', () => {
    const text = renderStatementText(cb);
    expect(text).toContain(
      [
        "By feature (rules; the month's 87.26 by record, before shared pools are split):",
        '  Note: dimension feature: Cost Explorer mode cannot see IAM principals on AWS spend; use data-exports.',
        '          7.25  campaign-writer',
        '         80.01  (none)',
        '',
        "By environment (tag env, else rules; the month's 87.26 by record, before shared pools are split):",
        '  Note: dimension environment: Cost Explorer mode cannot see tag env on AWS spend; use data-exports.',
        '         64.51  prod',
        '         15.50  dev',
        '          7.25  (none)',
      ].join('\n'),
    );
    expect(renderTeamStatementText(cb, 'payments')).toContain(['Direct spend by environment (tag env, else rules):', '         60.01  prod', '         15.50  dev'].join('\n'));
  });

  it('writes dimensions.csv whose organization rows add up to the total and team rows to each team\'s direct spend', () => {
    const rows = rowsOf(renderDimensionsCsv(cb));
    expect(Object.keys(rows[0]!)).toEqual([...DIMENSIONS_CSV_COLUMNS]);
    const total = (rs: typeof rows) => sum(rs.map((r) => new Big(r.cost!))).toFixed(2);
    for (const dimension of ['feature', 'environment']) {
      expect(total(rows.filter((r) => r.dimension === dimension && r.scope === 'organization'))).toBe(cb.total);
      for (const t of cb.teams.filter((x) => x.direct !== '0.00')) expect(total(rows.filter((r) => r.dimension === dimension && r.team === t.team))).toBe(t.direct);
    }
    expect(rows.find((r) => r.dimension === 'feature' && r.team === 'growth')).toMatchObject({ scope: 'team', team_name: 'Growth', value: 'campaign-writer', cost: '7.25' });
  });

  it('shows each dimension in statement.html, and leaves pages without dimensions as they were', () => {
    const html = renderStatementHtml(cb);
    expect(html).toContain('<h2 id="dimension-feature">By feature</h2>');
    expect(html).toContain('<tr><td>campaign-writer</td><td class="n">7.25</td><td class="n"></td><td class="n"></td></tr>');
    expect(html).toContain('<tr><td>Payments</td><td>prod</td><td class="n">60.01</td></tr>');
    expect(renderStatementHtml(plain)).not.toContain('dimension-');
    expect(renderStatementText(plain)).not.toContain('before shared pools are split');
  });

  it('adds an x_ column per dimension to focus.csv after all the others, and none without dimensions', () => {
    const rows = rowsOf(renderFocusCsv(allocated, 'USD', [], cb));
    expect(Object.keys(rows[0]!)).toEqual([...FOCUS_COLUMNS, 'x_Feature', 'x_Environment']);
    expect(rows.slice(0, records.length).map((r) => [r.x_Feature, r.x_Environment])).toEqual([
      ['(none)', 'prod'],
      ['(none)', 'dev'],
      ['campaign-writer', '(none)'],
      ['(none)', 'prod'],
    ]);
    expect(Object.keys(rowsOf(renderFocusCsv(allocateWith(plainRecords, plainConfig), 'USD'))[0]!)).toEqual([...FOCUS_COLUMNS]);
    expect(dimensionColumnOf('cost-center')).toBe('x_CostCenter');
  });

  it('explains which tag or rule set each dimension value of a team\'s spend, and the principal rule that charged it', () => {
    const text = renderExplanation(explainTeam(allocated, cb, 'growth'));
    expect(text).toContain('rule 0: {"provider":"aws","iamPrincipal":"arn:aws:sts::*:assumed-role/growth-campaign-writer/*"}');
    expect(text).toContain(['Direct spend by feature:', '          7.25  campaign-writer: rule 0: {"iamPrincipal":"arn:aws:sts::*:assumed-role/growth-campaign-writer/*"}  (1 records)'].join('\n'));
    expect(text).toContain(['Direct spend by environment:', '          7.25  (none): no tag env and no rule matches  (1 records)'].join('\n'));
    expect(explainTeam(allocateWith(plainRecords, plainConfig), plain, 'payments').dimensions).toBeUndefined();
  });
});
