import { describe, expect, it } from 'vitest';
import type { ClosedStatement } from '../../../functions/domain/chargeback/month-close';
import { bundledPriceBook } from '../../../functions/domain/pricing/bundled-price-book';
import type { StatementDelivery, StatementFile } from '../../../functions/ports/ports';
import { EMAIL_LIMIT_BYTES, messageBytes, publishStatement, type StatementDeps } from '../../../functions/use-cases/publish-statement';
import { testConfig } from '../../support/config';
import { MemoryChargebacks, MemoryClosedStatements, MemoryPublisher, MemoryRecords } from '../../support/memory';
import { awsRecord } from '../../support/records';

/** Thrown by the store below right after its close is stored: the run dies between the close and the send. */
class Crash extends Error {}

/** A closed-statement store whose close is written and then the run "dies". */
class CrashAfterClose extends MemoryClosedStatements {
  crashes = 1;
  override async close(statement: ClosedStatement, delivery: StatementDelivery, files?: readonly StatementFile[]): Promise<boolean> {
    const closed = await super.close(statement, delivery, files);
    if (this.crashes-- > 0) throw new Crash('killed after the close');
    return closed;
  }
}

const TEAM_CONFIG = {
  teams: [
    { id: 'payments', name: 'Payments', monthlyBudget: 100, leadEmails: ['pay-lead@example.com'], statementToLeads: true },
    { id: 'search', name: 'Search', monthlyBudget: 50 },
  ],
};

function setup(closed = new MemoryClosedStatements(), config = testConfig(TEAM_CONFIG)) {
  const now = new Date('2026-11-07T08:00:00Z');
  const records = new MemoryRecords();
  records.set([awsRecord({ chargePeriodStart: '2026-10-03', tags: { team: 'payments' }, cost: '40.00' }), awsRecord({ chargePeriodStart: '2026-10-04', tags: { team: 'search' }, cost: '12.50' })]);
  const statements = new MemoryPublisher({ now: () => now });
  const archived: Array<{ month: string; files: readonly StatementFile[] }> = [];
  const deps: StatementDeps = {
    records,
    usage: new MemoryRecords(),
    priceBook: bundledPriceBook,
    chargebacks: new MemoryChargebacks(),
    closed,
    statements,
    archive: { put: async (month, files) => (archived.push({ month, files }), { location: `s3://bucket/statements/${month}/` }) },
    clock: { now: () => now },
    config,
  };
  return { deps, statements, closed, archived };
}

const kinds = (p: MemoryPublisher) => p.sent.map((m) => `${m.attributes.kind}:${m.attributes.team ?? 'finance'}`);

describe('statement outbox (in-memory store)', () => {
  it('closes a final month with every part pending, and records each part as accepted with its message id once SNS answers', async () => {
    const { deps, statements, closed } = setup();
    const result = await publishStatement(deps, '2026-10', 'scheduled');
    expect(result.outcome).toBe('published-final');
    expect(kinds(statements)).toEqual(['statement:finance', 'team-statement:payments']);
    const [stored] = await closed.list();
    expect(stored!.delivery).toEqual({
      finance: { state: 'accepted', messageId: 'm-1', acceptedAt: '2026-11-07T08:00:00.000Z' },
      teams: { payments: { state: 'accepted', messageId: 'm-2', acceptedAt: '2026-11-07T08:00:00.000Z' } },
    });
    expect((await publishStatement(deps, '2026-10', 'scheduled')).outcome).toBe('already-final');
    expect(statements.sent).toHaveLength(2);
  });

  it('sends a statement whose run died between the close and the send on the next run, exactly once, and says so', async () => {
    // Prepare: the first run stores the close and dies before publishing.
    const { deps, statements, closed } = setup(new CrashAfterClose());
    await expect(publishStatement(deps, '2026-10', 'scheduled')).rejects.toThrow(Crash);
    expect(statements.sent).toEqual([]);
    expect((await closed.list())[0]!.delivery.finance.state).toBe('pending');

    // Act: the next run (scheduled, as the retry would be).
    const recovery = await publishStatement(deps, '2026-10', 'scheduled');
    const after = await publishStatement(deps, '2026-10', 'scheduled');

    // Assess: sent once, reported as sent late; the run after has nothing to send.
    expect(recovery.outcome).toBe('sent-final-late');
    expect(recovery.late).toEqual([{ month: '2026-10', parts: ['finance', 'payments'], messageId: 'm-1' }]);
    expect(kinds(statements)).toEqual(['statement:finance', 'team-statement:payments']);
    expect(statements.sent[0]!.subject).toBe('costline chargeback statement 2026-10 (final)');
    expect(after).toMatchObject({ outcome: 'already-final', late: [] });
    expect(statements.sent).toHaveLength(2);
  });

  it('sends a statement SNS refused once on the next run, only the parts not accepted, with the content unchanged', async () => {
    const { deps, statements, closed } = setup();
    statements.failNext = 1;
    await expect(publishStatement(deps, '2026-10', 'scheduled')).rejects.toThrow('topic unavailable');
    const before = (await closed.list())[0]!;
    expect(before.delivery.finance.state).toBe('pending');

    const recovery = await publishStatement(deps, '2026-10', 'on-demand');

    expect(recovery.outcome).toBe('sent-final-late');
    expect(kinds(statements)).toEqual(['statement:finance', 'team-statement:payments']);
    const after = (await closed.list())[0]!;
    expect(after.contentHash).toBe(before.contentHash);
    expect(after.chargeback).toEqual(before.chargeback);
    expect(after.delivery.finance.state).toBe('accepted');
  });

  it('sends only the team statement when finance’s was accepted and the team’s failed', async () => {
    const { deps, statements } = setup();
    const publish = statements.publish.bind(statements);
    let calls = 0;
    statements.publish = async (m) => (++calls === 2 ? Promise.reject(new Error('topic unavailable')) : publish(m));
    await expect(publishStatement(deps, '2026-10', 'scheduled')).rejects.toThrow('topic unavailable');

    const recovery = await publishStatement(deps, '2026-10', 'scheduled');

    expect(recovery.late).toEqual([{ month: '2026-10', parts: ['payments'] }]);
    expect(kinds(statements)).toEqual(['statement:finance', 'team-statement:payments']);
  });

  it('sends an earlier month left unsent before the month asked for, and reports both', async () => {
    const { deps, statements } = setup(new CrashAfterClose());
    await expect(publishStatement(deps, '2026-10', 'scheduled')).rejects.toThrow(Crash);
    deps.records = Object.assign(new MemoryRecords(), {});
    (deps.records as MemoryRecords).set([awsRecord({ chargePeriodStart: '2026-11-02', tags: { team: 'search' }, cost: '3.00' })]);

    const november = await publishStatement(deps, '2026-11', 'on-demand');

    expect(november.outcome).toBe('published-preliminary');
    expect(november.late.map((l) => l.month)).toEqual(['2026-10']);
    expect(statements.sent.map((m) => `${m.attributes.month}:${m.attributes.kind}`)).toEqual(['2026-10:statement', '2026-10:team-statement', '2026-11:statement', '2026-11:team-statement']);
  });

  it('resends a month that had never been sent once, as the missing send, not twice', async () => {
    const { deps, statements } = setup(new CrashAfterClose());
    await expect(publishStatement(deps, '2026-10', 'scheduled')).rejects.toThrow(Crash);
    expect((await publishStatement(deps, '2026-10', 'resend')).outcome).toBe('sent-final-late');
    expect(statements.sent).toHaveLength(2);
    expect((await publishStatement(deps, '2026-10', 'resend')).outcome).toBe('resent-final');
    expect(statements.sent).toHaveLength(4);
  });
});

describe('statement email size', () => {
  it('shortens the email of a 20,000-team statement under SNS’s limit, largest teams first, pointing to the files that carry every team', async () => {
    // Prepare: 20,000 teams, each with one day of spend; names with a multi-byte character.
    const teams = Array.from({ length: 20_000 }, (_, i) => ({ id: `team-${i}`, name: `Équipe ${i}` }));
    const config = testConfig({ teams, allocation: { awsTagKey: 'team', rules: [] }, alerts: { thresholds: [50, 80, 100] } });
    const { deps, statements, archived } = setup(new MemoryClosedStatements(), config);
    (deps.records as MemoryRecords).set(teams.map((t, i) => awsRecord({ chargePeriodStart: '2026-10-03', tags: { team: t.id }, cost: `${1 + (i % 997)}.25` })));

    // Act
    const result = await publishStatement(deps, '2026-10', 'scheduled');

    // Assess
    expect(result.outcome).toBe('published-final');
    const [email] = statements.sent;
    expect(messageBytes(email!)).toBeLessThanOrEqual(EMAIL_LIMIT_BYTES);
    expect(email!.body).toMatch(/^TOTAL\s+/m);

    expect(email!.body).toMatch(/\.\.\. and \d+ more teams, [\d,]+\.\d\d in total/);
    expect(email!.body).toContain('This email is shortened to fit the 256 KB message limit: it shows the');
    expect(email!.body).toContain('Équipe 996'); // among the largest ($997.25)
    expect(email!.body.endsWith('The statement as CSV, HTML and FOCUS CSV: s3://bucket/statements/2026-10/\n')).toBe(true);
    const files = archived[0]!.files;
    expect(files.find((f) => f.name === 'statement.txt')!.body).toContain('Équipe 19999');
    expect(files.find((f) => f.name === 'statement.csv')!.body.split('\n').filter((l) => l.includes('team-')).length).toBeGreaterThanOrEqual(20_000);
    // About 6 s alone on 2 cores (a 20,000-team chargeback and its files); 20 s was near it under load.
  }, 90_000);
});

describe('a closed month keeps the files it was closed with', () => {
  it('stores the four files with the statement, their hashes in its content hash, and resends them byte for byte after the records changed', async () => {
    // Prepare: October closes; then a late credit arrives for it.
    const { deps, closed, archived } = setup();
    const first = await publishStatement(deps, '2026-10', 'scheduled');
    const atClose = await first.files();
    (deps.records as MemoryRecords).set([...(await deps.records.listMonth('2026-10')), awsRecord({ chargePeriodStart: '2026-10-05', tags: { team: 'search' }, cost: '-5.00', usageType: 'late-credit' })]);

    // Act
    const resent = await publishStatement(deps, '2026-10', 'resend');

    // Assess
    expect(first.outcome).toBe('published-final');
    expect(atClose.map((f) => f.name)).toEqual(['statement.txt', 'statement.csv', 'statement.html', 'focus.csv']);
    const [stored] = await closed.list();
    expect(stored!.files!.map((f) => f.name)).toEqual(atClose.map((f) => f.name));
    expect(resent.outcome).toBe('resent-final');
    expect(await resent.files()).toEqual(atClose);
    expect(archived.at(-1)!.files).toEqual(atClose);
    expect(atClose.find((f) => f.name === 'focus.csv')!.body).not.toContain('late-credit');
    // Rendered from today's records, it would not be the file finance received.
    const { statementFiles } = await import('../../../functions/use-cases/publish-statement');
    expect((await statementFiles(deps, '2026-10', resent.chargeback, resent.text)).find((f) => f.name === 'focus.csv')!.body).toContain('late-credit');
  });

  it('refuses to serve a closed month whose stored file was changed after closing', async () => {
    // Prepare
    const { deps, closed } = setup();
    await publishStatement(deps, '2026-10', 'scheduled');
    const key = [...closed.fileBodies.keys()].find((k) => k.startsWith('2026-10#'))!;
    closed.fileBodies.set(key, `${closed.fileBodies.get(key)}tampered`);

    // Act, Assess
    await expect(publishStatement(deps, '2026-10', 'resend')).rejects.toThrow(/does not match its hash/);
  });
});
