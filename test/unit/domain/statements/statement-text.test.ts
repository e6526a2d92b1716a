import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { buildChargeback } from '../../../support/chargeback';
import { withAdjustments } from '../../../../functions/domain/chargeback/month-close';
import { renderStatementText, TEXT_LIMITS } from '../../../../functions/domain/statements/statement-text';
import { expectBooksBalance } from '../../../support/books';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

describe('text statement for a large organisation', () => {
  // Prepare: 60 teams, each with 12 model lines, a shared pool split across all of them, and an adjustment each.
  const teams = Array.from({ length: 60 }, (_, i) => `team-${String(i).padStart(2, '0')}`);
  const config = testConfig({
    teams: teams.map((id) => ({ id, name: id.toUpperCase(), monthlyBudget: 1000 })),
    allocation: { awsTagKey: 'team', rules: [{ match: { provider: 'aws', service: 'AWS Support (Business)' }, pool: 'support' }], sharedPools: [{ id: 'support', method: 'proportional' }] },
  });
  const records = [
    ...teams.flatMap((team, t) =>
      Array.from({ length: 12 }, (_, m) => awsRecord({ tags: { team }, serviceName: 'Amazon Bedrock', model: `model-${m}`, usageType: `u-${m}`, cost: String(10 + t + m * 0.37) })),
    ),
    awsRecord({ serviceName: 'AWS Support (Business)', cost: '1000' }),
  ];
  const chargeback = buildChargeback(records, config, '2026-10', '2026-10-20');
  const adjusted = withAdjustments(chargeback, teams.map((team, i) => ({ team, forMonth: '2026-09', amount: (i % 2 ? -1 : 1) * (i + 1) + '.00' })));

  it('keeps every team in the table but summarises long tails, with amounts that add up, pointing to statement.csv', () => {
    // Act
    const text = renderStatementText(adjusted);

    // Assess: the books still balance and every team has its row.
    expectBooksBalance(chargeback);
    for (const id of teams) expect(text).toMatch(new RegExp(`^${id.toUpperCase()}\\s`, 'm'));
    // Model spend: the 20 largest teams, 8 lines each, the rest summed in one line each.
    const modelSection = text.slice(text.indexOf('Model spend by team'));
    expect(modelSection.match(/^ {2}TEAM-\d\d: /gm)).toHaveLength(TEXT_LIMITS.modelTeams);
    expect(modelSection).toContain('TEAM-59:'); // the largest team is shown
    expect(modelSection).not.toContain('TEAM-00:'); // the smallest is summarised
    expect(modelSection.match(/\.\.\. and 4 more model lines/g)).toHaveLength(TEXT_LIMITS.modelTeams);
    const shownTeams = chargeback.teams.filter((t) => modelSection.includes(`${t.name}:`));
    const hiddenSum = chargeback.teams.filter((t) => !shownTeams.includes(t)).reduce((a, t) => a.plus(t.direct), new Big(0));
    expect(modelSection).toContain(`... and 40 more teams with model spend, ${Number(hiddenSum).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} in total (every row is in statement.csv)`);
    // The pool lists its 10 largest shares and sums the other 50; adjustments likewise.
    expect(text).toMatch(/support, proportional to direct spend: .*, and 50 more teams [\d,.]+ \(each team's share is in statement.csv\)/);
    expect(text).toContain(`... and ${60 - TEXT_LIMITS.adjustments} more adjustments`);
    expect(text).toMatch(/TOTAL DUE/);
    // Readable in an email: a few hundred lines, far under SNS's 256 KB.
    expect(Buffer.byteLength(text)).toBeLessThan(40_000);
  });

  it('shows everything, with no summary line, for an organisation that fits', () => {
    const small = buildChargeback(records.filter((r) => ['team-00', 'team-01', undefined].includes(r.tags.team) && !['model-8', 'model-9', 'model-10', 'model-11'].includes(r.model ?? '')), config, '2026-10', '2026-10-20');
    const text = renderStatementText(small);
    expect(text).not.toContain('... and');
    expect(text).not.toContain('more teams');
  });
});

describe('unallocated sources in the text statement', () => {
  it('shows the largest ten and one line summing the rest that points to chargeback.json and statement.csv, which list them all', () => {
    // Prepare: 14 unallocated sources of 1..14 dollars.
    const config = testConfig({ allocation: { awsTagKey: 'team', rules: [], sharedPools: [] } });
    const records = Array.from({ length: 14 }, (_, i) => awsRecord({ subAccountId: `10000000000${String(i).padStart(2, '0')}`, serviceName: `Service ${i}`, cost: `${i + 1}` }));
    const chargeback = buildChargeback(records, config, '2026-10', '2026-10-20');

    // Act
    const text = renderStatementText(chargeback);

    // Assess: 14..5 shown, 4+3+2+1 summed.
    expect(chargeback.unallocatedSources).toHaveLength(14);
    expect(text).toContain('Service 13 (account 1000000000013)');
    expect(text).not.toContain('Service 3 (');
    expect(text).toContain('... and 4 more unallocated sources, 10.00 in total (each with its account and tag value in chargeback.json and statement.csv)');
  });
});

describe('statement text', () => {
  it('has a line per team, unallocated and the grand total', () => {
    const config = testConfig();
    const cb = buildChargeback(
      [awsRecord({ tags: { team: 'payments' }, cost: '1234.5' }), awsRecord({ subAccountId: '444455556666', cost: '0.5' })],
      config,
      '2026-10',
      '2026-10-20',
    );
    const text = renderStatementText(cb);
    expect(text).toMatch(/^Payments\s+1,234\.50\s+0\.00\s+1,234\.50\s+100\.00\s+1234\.5%$/m);
    expect(text).toMatch(/^Growth\s+0\.00\s+0\.00\s+0\.00\s+-\s+-$/m);
    expect(text).toMatch(/^Unallocated\s+0\.50$/m);
    expect(text).toMatch(/^TOTAL\s+1,235\.00$/m);
    expect(text).toContain('account 444455556666');
  });
});
