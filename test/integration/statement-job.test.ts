import Big from 'big.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { publisher } from '../../functions/app/compose';
import { runDailyIngestion } from '../../functions/use-cases/run-daily';
import { publishStatement } from '../../functions/use-cases/publish-statement';
import { expectBooksBalance } from '../support/books';
import { testConfig } from '../support/config';
import { dailyWorld, item, STATEMENTS } from '../support/daily-world';

const w = dailyWorld();

describe('statement job', () => {
  it('refuses to send finance a statement for a month with no records', async () => {
    await expect(publishStatement({ ...w.deps(), statements: publisher(w.aws.clients, STATEMENTS) }, '2026-08')).rejects.toThrow(
      'no cost records for 2026-08: has ingestion run for it?',
    );
    expect(w.sns.messages).toEqual([]);
  });

  it('publishes the month’s plain-text chargeback to the statements topic', async () => {
    await runDailyIngestion(w.deps());
    const { chargeback, text } = await publishStatement({ ...w.deps(), statements: publisher(w.aws.clients, STATEMENTS) }, '2026-10');
    expectBooksBalance(chargeback);
    const message = w.sns.messages.at(-1)!;
    expect(message.topicArn).toBe(STATEMENTS);
    expect(message.subject).toBe('costline chargeback statement 2026-10 (preliminary)');
    expect(message.message).toBe(text);
    expect(text).toMatch(/^Payments\s+85\.34\s+0\.00\s+85\.34\s+100\.00\s+85\.3%$/m);
    expect(text).toMatch(/^TOTAL\s+124\.62$/m);
  });

  const statementDeps = () => ({ ...w.deps(), statements: publisher(w.aws.clients, STATEMENTS) });
  const statementsSent = () => w.sns.messages.filter((m) => m.topicArn === STATEMENTS);

  it('sends a final statement once: a scheduled re-run sends nothing, a resend sends it again unchanged', async () => {
    w.book.finalizedThrough = '2026-10-31';
    w.now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(w.deps());
    w.now = new Date('2026-11-07T08:00:00Z');

    const first = await publishStatement(statementDeps(), '2026-10', 'scheduled');
    const again = await publishStatement(statementDeps(), '2026-10', 'scheduled');
    const resent = await publishStatement(statementDeps(), '2026-10', 'resend');

    expect([first.outcome, again.outcome, resent.outcome]).toEqual(['published-final', 'already-final', 'resent-final']);
    expect(statementsSent().map((m) => m.subject)).toEqual(['costline chargeback statement 2026-10 (final)', 'costline chargeback statement 2026-10 (final)']);
    expect(statementsSent()[1]!.message).toBe(statementsSent()[0]!.message);
  });

  it('sends a final statement whose run died between the close and the send on the next run, once, and reports it sent late', async () => {
    // Prepare: October is final; the run closes it in DynamoDB and dies before publishing.
    w.book.finalizedThrough = '2026-10-31';
    w.now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(w.deps());
    w.now = new Date('2026-11-07T08:00:00Z');
    const dying = statementDeps();
    const store = dying.closed;
    dying.closed = Object.assign(Object.create(store) as typeof store, {
      close: async (...args: Parameters<typeof store.close>) => {
        await store.close(...args);
        throw new Error('killed after the close');
      },
    });
    await expect(publishStatement(dying, '2026-10', 'scheduled')).rejects.toThrow('killed after the close');
    expect(statementsSent()).toEqual([]);

    // Act: the scheduler's retry, then the next day's run.
    w.now = new Date('2026-11-07T08:01:00Z');
    const recovery = await publishStatement(statementDeps(), '2026-10', 'scheduled');
    w.now = new Date('2026-11-08T08:00:00Z');
    const next = await publishStatement(statementDeps(), '2026-10', 'scheduled');

    // Assess
    expect([recovery.outcome, next.outcome]).toEqual(['sent-final-late', 'already-final']);
    expect(statementsSent().map((m) => m.subject)).toEqual(['costline chargeback statement 2026-10 (final)']);
    expect(recovery.messageId).toBe(w.sns.messages.at(-1)!.messageId);
    expect((await w.deps().closed.list())[0]!.delivery.finance).toEqual({ state: 'accepted', messageId: recovery.messageId, acceptedAt: '2026-11-07T08:01:00.000Z' });
  });

  it('keeps a final statement SNS refused pending and sends it on the next run, the stored statement unchanged', async () => {
    w.book.finalizedThrough = '2026-10-31';
    w.now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(w.deps());
    w.now = new Date('2026-11-07T08:00:00Z');
    w.sns.failNext(5, { status: 500, code: 'InternalError', message: 'boom' });
    await expect(publishStatement(statementDeps(), '2026-10', 'scheduled')).rejects.toThrow();
    const [before] = await w.deps().closed.list();
    expect(before!.delivery.finance.state).toBe('pending');

    const recovery = await publishStatement(statementDeps(), '2026-10', 'scheduled');

    expect(recovery.outcome).toBe('sent-final-late');
    expect(statementsSent()).toHaveLength(1);
    const [after] = await w.deps().closed.list();
    expect({ hash: after!.contentHash, chargeback: after!.chargeback, closedAt: after!.closedAt }).toEqual({ hash: before!.contentHash, chargeback: before!.chargeback, closedAt: before!.closedAt });
    expect(after!.delivery.finance.state).toBe('accepted');
    expect((await publishStatement(statementDeps(), '2026-10', 'scheduled')).outcome).toBe('already-final');
    expect(statementsSent()).toHaveLength(1);
  });

  it('waits quietly on schedule while a month is not final, and sends a preliminary statement on demand', async () => {
    await runDailyIngestion(w.deps()); // October is still estimated
    w.now = new Date('2026-11-07T08:00:00Z');
    expect((await publishStatement(statementDeps(), '2026-10', 'scheduled')).outcome).toBe('not-final-yet');
    expect(statementsSent()).toEqual([]);
    expect((await publishStatement(statementDeps(), '2026-10', 'on-demand')).outcome).toBe('published-preliminary');
    await expect(publishStatement(statementDeps(), '2026-10', 'resend')).rejects.toThrow('2026-10 has no final statement to resend yet');
  });

  it('puts a late credit to a closed month on the next month’s statement as a prior-period adjustment, once', async () => {
    // September: billed, final, closed.
    w.book.lineItems.push(item('2026-09-15', { team: 'payments' }, '200'), item('2026-09-16', { team: 'search' }, '50'));
    w.book.finalizedThrough = '2026-09-30';
    w.now = new Date('2026-10-07T06:00:00Z');
    await runDailyIngestion(w.deps(), { window: { start: '2026-09-01', end: '2026-10-07' } });
    expect((await publishStatement(statementDeps(), '2026-09', 'scheduled')).outcome).toBe('published-final');

    // A credit for September arrives after it closed; the next day's run re-pulls September.
    w.book.lineItems.push(item('2026-09-30', { team: 'search' }, '-12.25', { service: 'Credit' }));
    w.now = new Date('2026-10-20T06:00:00Z');
    await runDailyIngestion(w.deps(), { window: { start: '2026-09-01', end: '2026-10-20' } });

    const october = await publishStatement(statementDeps(), '2026-10', 'on-demand');
    expect(october.chargeback.adjustments).toEqual([{ team: 'search', forMonth: '2026-09', amount: '-12.25' }]);
    expect(october.chargeback).toMatchObject({ adjustmentsTotal: '-12.25', totalDue: new Big(october.chargeback.total).minus('12.25').toFixed(2) });
    expect(october.text).toMatch(/Prior-period adjustments[\s\S]*-12\.25  Search, for 2026-09/);
    // The closed September statement itself never changes.
    expect((await publishStatement(statementDeps(), '2026-09', 'resend')).chargeback.total).toBe('250.00');
    expectBooksBalance(october.chargeback);
  });

  it('refuses a closed statement changed behind costline’s back', async () => {
    w.book.finalizedThrough = '2026-10-31';
    w.now = new Date('2026-11-03T06:00:00Z');
    await runDailyIngestion(w.deps());
    w.now = new Date('2026-11-07T08:00:00Z');
    await publishStatement(statementDeps(), '2026-10', 'scheduled');
    await w.aws.clients.dynamo.send(new UpdateCommand({ TableName: w.aws.tableName, Key: { pk: 'CLOSED', sk: '2026-10' }, UpdateExpression: 'SET contentHash = :h', ExpressionAttributeValues: { ':h': 'f'.repeat(64) } }));
    await expect(publishStatement(statementDeps(), '2026-10', 'resend')).rejects.toThrow('the closed statement for 2026-10 does not match its content hash');
  });

  it('sends an opted-in team its own statement, with the attributes its leads’ filter policy matches', async () => {
    w.config = testConfig({
      teams: [
        { id: 'payments', name: 'Payments', aliases: ['pay'], monthlyBudget: 100, leadEmails: ['pay-lead@example.com'], statementToLeads: true },
        { id: 'search', name: 'Search', aliases: ['search-ai'], monthlyBudget: 50 },
        { id: 'growth', name: 'Growth' },
      ],
    });
    await runDailyIngestion(w.deps());
    await publishStatement(statementDeps(), '2026-10', 'on-demand');
    const sent = statementsSent().map((m) => [m.attributes.kind?.value, m.attributes.team?.value]);
    expect(sent).toEqual([
      ['statement', undefined],
      ['team-statement', 'payments'],
    ]);
    const mine = statementsSent()[1]!;
    expect(mine.subject).toBe('costline statement 2026-10 for Payments (preliminary)');
    expect(mine.message).toMatch(/Total +85\.34 +of a 100\.00 budget: 85\.3% used/);
    expect(mine.message).toContain('Amazon DynamoDB');
    expect(mine.message).not.toContain('Search');
  });
});
