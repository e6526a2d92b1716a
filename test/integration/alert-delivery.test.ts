import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsMessagePublisher } from '../../functions/adapters/sns/sns-message-publisher';
import { addDays } from '../../functions/domain/records/dates';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import { bundledPriceBook } from '../../functions/domain/pricing/bundled-price-book';
import { evaluateBudgetAlerts } from '../../functions/use-cases/evaluate-budget-alerts';
import { alertSubscriptions } from '../../infra/constructs/notification-topics';
import { testConfig } from '../support/config';
import { MemoryAlertLedger, MemoryChargebacks, MemoryRecords } from '../support/memory';
import { awsRecord } from '../support/records';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
const servers: SnsServer[] = [];
const clients: SNSClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('alert delivery through SNS filter policies', () => {
  it('reaches each lead for their own team only, the platform audience for shadow AI, and integrations as JSON', async () => {
    // Prepare: the subscriptions the stack makes for this config, on a loopback SNS; plus a webhook.
    const config = testConfig({
      teams: [
        { id: 'payments', name: 'Payments', monthlyBudget: 100, leadEmails: ['pay-lead@example.com'] },
        { id: 'search', name: 'Search', monthlyBudget: 100, leadEmails: ['search-lead@example.com', 'platform@example.com'] },
      ],
      allocation: { awsTagKey: 'team', rules: [] },
      alerts: { platformEmails: ['platform@example.com'] },
    });
    const sns = await startSnsServer({ topics: [TOPIC] });
    servers.push(sns);
    const client = new SNSClient({ region: 'us-east-1', endpoint: sns.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    clients.push(client);
    for (const [email, policy] of alertSubscriptions(config)) {
      await client.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: email, Attributes: { FilterPolicy: JSON.stringify(policy) } }));
    }
    await client.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'https', Endpoint: 'https://hooks.example.com/costline', Attributes: { FilterPolicy: JSON.stringify({ severity: ['critical'] }) } }));
    const records = new MemoryRecords();
    records.set([
      ...[0, 1, 2].map((i) => awsRecord({ tags: { team: 'payments' }, chargePeriodStart: addDays('2026-10-01', i), cost: '40' })),
      awsRecord({ tags: { team: 'search' }, chargePeriodStart: '2026-10-02', cost: '60' }),
      awsRecord({ source: 'openai-costs', provider: 'openai', subAccountId: 'proj_unmapped', serviceName: 'OpenAI API', model: 'gpt-4o', chargePeriodStart: '2026-10-02', cost: '9' }),
    ]);
    const now = new Date('2026-10-04T06:00:00Z');

    // Act: the evaluation with the real SNS publisher.
    await evaluateBudgetAlerts(
      { records, usage: new MemoryRecords(), priceBook: bundledPriceBook, chargebacks: new MemoryChargebacks(), ledger: new MemoryAlertLedger(), alerts: new SnsMessagePublisher(client, TOPIC), clock: { now: () => now }, config, log: { info: () => undefined, warn: () => undefined, error: () => undefined } },
      ['2026-10'],
    );

    // Assess
    const subjects = (endpoint: string) => sns.deliveredTo(endpoint).map((d) => d.subject).sort();
    expect(subjects('pay-lead@example.com')).toEqual(['[costline] Payments reached 100% of its 2026-10 budget']);
    expect(subjects('search-lead@example.com')).toEqual(['[costline] Search reached 50% of its 2026-10 budget']);
    // A lead of search who is also the platform address: search's alert and the unmapped project, in one subscription.
    expect(subjects('platform@example.com')).toEqual(['[costline] Search reached 50% of its 2026-10 budget', '[costline] Unmapped AI spend: openai project proj_unmapped, $9.00 in 2026-10']);
    expect(sns.subscriptions.filter((s) => s.endpoint === 'platform@example.com')).toHaveLength(1);
    // Email gets the text; the webhook, filtered on critical, gets the AWS Chatbot JSON with costline's fields.
    expect(sns.deliveredTo('pay-lead@example.com')[0]!.message).toContain('Payments (payments) has spent $120.00 of its $100.00 budget');
    const hook = sns.deliveredTo('https://hooks.example.com/costline');
    expect(hook).toHaveLength(1);
    expect(JSON.parse(hook[0]!.message)).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { title: '[costline] Payments reached 100% of its 2026-10 budget' },
      metadata: { eventType: 'threshold', additionalContext: { team: 'payments', kind: 'threshold', severity: 'critical', spend: '120.00' } },
    });
    expect(hook[0]!.attributes).toMatchObject({ team: 'payments', kind: 'threshold', severity: 'critical' });
  });
});
