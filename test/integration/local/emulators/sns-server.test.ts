import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { startSnsServer } from '../../../../local/emulators/sns-server';
import { clients, closeStarted, expectError, servers, start, TOPIC } from './sns-harness';

afterEach(closeStarted);

describe('local SNS with the real SNSClient (Query protocol)', () => {
  it('records a published message with subject, attributes, unicode and newlines intact, and returns its MessageId', async () => {
    // Prepare
    const { server, client } = await start({ topics: [TOPIC] });
    const message = 'Budget alert: search is at 115 % of 3 000 $\nTop model: Claude Sonnet 4.5 — 2 071,52 $\n\tÉquipe « search » ✓ 💸\r\nline & <tag> "quoted" + plus = equals';

    // Act
    const result = await client.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Subject: 'costline: search over budget (115%) — €',
        Message: message,
        MessageAttributes: {
          team: { DataType: 'String', StringValue: 'search' },
          threshold: { DataType: 'Number', StringValue: '100' },
          severity: { DataType: 'String', StringValue: ' crítico & <urgent>\n' },
        },
      }),
    );

    // Assess
    expect(server.messages).toEqual([
      {
        topicArn: TOPIC,
        subject: 'costline: search over budget (115%) — €',
        message,
        attributes: {
          team: { dataType: 'String', value: 'search' },
          threshold: { dataType: 'Number', value: '100' },
          severity: { dataType: 'String', value: ' crítico & <urgent>\n' },
        },
        messageId: result.MessageId,
      },
    ]);
    expect(result.MessageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(result.$metadata.requestId).toEqual(expect.any(String));
  });

  it('gives the same MessageIds to the same sequence of publishes on a fresh server (reproducible local runs)', async () => {
    const ids = async () => {
      const { client } = await start();
      const out: string[] = [];
      for (const text of ['a', 'b', 'c']) out.push((await client.send(new PublishCommand({ TopicArn: TOPIC, Message: text }))).MessageId!);
      return out;
    };

    const first = await ids();
    const second = await ids();

    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(3);
  });

  it('records MessageStructure json and rejects a json message without a "default" entry', async () => {
    const { server, client } = await start();
    const body = JSON.stringify({ default: 'plain', email: 'longer\ntext' });

    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: body, MessageStructure: 'json' }));
    const error = await expectError(client.send(new PublishCommand({ TopicArn: TOPIC, Message: '{"email":"x"}', MessageStructure: 'json' })), 'InvalidParameterException');

    expect(server.messages).toEqual([{ topicArn: TOPIC, message: body, messageStructure: 'json', attributes: {}, messageId: expect.any(String) }]);
    expect(error.message).toMatch(/default/);
  });

  it('creates topics with a us-east-1 / 000000000000 ARN, idempotently, and accepts publishes to them', async () => {
    const { server, client } = await start({ topics: [] });

    const created = await client.send(new CreateTopicCommand({ Name: 'costline-budget-alerts' }));
    const again = await client.send(new CreateTopicCommand({ Name: 'costline-budget-alerts' }));
    await client.send(new PublishCommand({ TopicArn: created.TopicArn, Message: 'hello' }));

    expect(created.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:costline-budget-alerts');
    expect(again.TopicArn).toBe(created.TopicArn);
    expect(server.messages.map((m) => m.topicArn)).toEqual([created.TopicArn]);
  });

  it('records a subscription with its FilterPolicy parsed, and rejects a FilterPolicy that is not JSON', async () => {
    const { server, client } = await start({ topics: [TOPIC] });
    const policy = { team: ['search', 'payments'], severity: [{ 'anything-but': 'info' }] };

    const subscribed = await client.send(
      new SubscribeCommand({
        TopicArn: TOPIC,
        Protocol: 'email',
        Endpoint: 'search-lead@example.com',
        Attributes: { FilterPolicy: JSON.stringify(policy), FilterPolicyScope: 'MessageAttributes' },
        ReturnSubscriptionArn: true,
      }),
    );
    const pending = await client.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: 'finance@example.com' }));
    const error = await expectError(
      client.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: 'x@example.com', Attributes: { FilterPolicy: '{team: search' } })),
      'InvalidParameterException',
    );

    expect(server.subscriptions[0]).toEqual({
      subscriptionArn: subscribed.SubscriptionArn,
      topicArn: TOPIC,
      protocol: 'email',
      endpoint: 'search-lead@example.com',
      attributes: { FilterPolicy: JSON.stringify(policy), FilterPolicyScope: 'MessageAttributes' },
      filterPolicy: policy,
    });
    expect(subscribed.SubscriptionArn).toMatch(new RegExp(`^${TOPIC}:`));
    // As on SNS, an unconfirmed email subscription answers "pending confirmation" unless ReturnSubscriptionArn is set.
    expect(pending.SubscriptionArn).toBe('pending confirmation');
    expect(server.subscriptions).toHaveLength(2);
    expect(error.message).toMatch(/FilterPolicy/);
  });

  it('answers Publish to a topic not in options.topics with NotFound (HTTP 404), surfaced by the SDK as NotFoundException', async () => {
    const { server, client } = await start({ topics: [TOPIC] });

    const error = await expectError(
      client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:no-such-topic', Message: 'x' })),
      'NotFoundException',
    );

    // The wire code is NotFound; the SDK names the modelled exception NotFoundException and keeps the code.
    expect(error.Code).toBe('NotFound');
    expect(error.$metadata?.httpStatusCode).toBe(404);
    expect(server.messages).toEqual([]);
  });

  it('is found by an SNSClient configured only through AWS_ENDPOINT_URL_SNS', async () => {
    const server = await startSnsServer();
    servers.push(server);
    const saved = process.env.AWS_ENDPOINT_URL_SNS;
    process.env.AWS_ENDPOINT_URL_SNS = server.url;
    try {
      const client = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      clients.push(client);

      await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'via env' }));

      expect(server.messages.map((m) => m.message)).toEqual(['via env']);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SNS;
      else process.env.AWS_ENDPOINT_URL_SNS = saved;
    }
  });

  it('accepts any well-formed topic ARN when options.topics is not given', async () => {
    const { server, client } = await start();

    await client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:anything', Message: 'x' }));

    expect(server.messages).toHaveLength(1);
  });

  it('enforces the Subject (1–100 characters, no line breaks) and 256 KB payload limits with InvalidParameter', async () => {
    const { server, client } = await start();
    const publish = (input: { Subject?: string; Message: string }) => client.send(new PublishCommand({ TopicArn: TOPIC, ...input }));

    await publish({ Subject: 's'.repeat(100), Message: 'x'.repeat(256 * 1024) });
    await expectError(publish({ Subject: 's'.repeat(101), Message: 'x' }), 'InvalidParameterException');
    await expectError(publish({ Subject: 'two\nlines', Message: 'x' }), 'InvalidParameterException');
    await expectError(publish({ Message: 'x'.repeat(256 * 1024 + 1) }), 'InvalidParameterException');
    // Multi-byte characters count as bytes: 87,382 × 3 bytes is over the limit.
    await expectError(publish({ Message: '€'.repeat(87_382) }), 'InvalidParameterException');

    expect(server.messages).toHaveLength(1);
  });

  it('serves failNext faults first: a Throttling error is retried by the SDK, then the publish succeeds', async () => {
    const { server, client } = await start();
    server.failNext(1, { status: 400, code: 'Throttling', message: 'Rate exceeded' });

    const result = await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'after throttling' }));

    expect(result.$metadata.attempts).toBe(2);
    expect(server.messages.map((m) => m.message)).toEqual(['after throttling']);
  });

  it('surfaces a non-retryable failNext fault as the matching SDK error and delivers nothing', async () => {
    const { server, client } = await start();
    server.failNext(1, { status: 403, code: 'AuthorizationError', message: 'not allowed to publish' });

    const error = await expectError(client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' })), 'AuthorizationErrorException');

    expect(error.message).toBe('not allowed to publish');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(server.messages).toEqual([]);
  });
});
