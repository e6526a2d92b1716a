import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand, UnsubscribeCommand, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { FilterPolicyError, matchesFilterPolicy, startSnsServer, type SnsServer } from '../../../../local/emulators/sns-server';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';

const servers: SnsServer[] = [];
const clients: SNSClient[] = [];
async function start(options?: Parameters<typeof startSnsServer>[0]): Promise<{ server: SnsServer; client: SNSClient }> {
  const server = await startSnsServer(options);
  const client = new SNSClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  servers.push(server);
  clients.push(client);
  return { server, client };
}
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Asserts the SDK call rejects with an error of this name (and returns it for further checks). */
async function expectError(promise: Promise<unknown>, name: string): Promise<Error & { Code?: string; $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `expected a ${name}`).toBeInstanceOf(Error);
  expect(error!.name).toBe(name);
  return error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
}

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

/** String attributes, as the costline publishers send them. */
const strings = (attributes: Record<string, string>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));

/** Subscribes `endpoint` by email with this filter policy (none when undefined) and returns its ARN. */
async function subscribe(client: SNSClient, endpoint: string, policy?: object, protocol = 'email'): Promise<string> {
  const attributes = policy ? { FilterPolicy: JSON.stringify(policy) } : undefined;
  const result = await client.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: protocol, Endpoint: endpoint, Attributes: attributes, ReturnSubscriptionArn: true }));
  return result.SubscriptionArn!;
}

/** Subscribes one endpoint with `policy`, publishes one message per entry (its name as the body), returns the names delivered. */
async function receivedBy(policy: object, messages: Record<string, Record<string, MessageAttributeValue>>): Promise<string[]> {
  const { server, client } = await start({ topics: [TOPIC] });
  await subscribe(client, 'lead@example.com', policy);
  for (const [name, attributes] of Object.entries(messages)) await client.send(new PublishCommand({ TopicArn: TOPIC, Message: name, MessageAttributes: attributes }));
  return server.deliveredTo('lead@example.com').map((d) => d.message);
}

describe('local SNS delivery and filter policies', () => {
  it('delivers each message only to the subscribers whose team filter policy matches, and everything to an unfiltered one', async () => {
    // Prepare
    const { server, client } = await start({ topics: [TOPIC] });
    const searchArn = await subscribe(client, 'search-lead@example.com', { team: ['search'] });
    await subscribe(client, 'payments-lead@example.com', { team: ['payments'] });
    await subscribe(client, 'finance@example.com');

    // Act
    const search = await client.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'search at 80%', Message: 'search alert', MessageAttributes: strings({ team: 'search', severity: 'warning' }) }));
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'payments alert', MessageAttributes: strings({ team: 'payments' }) }));
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'no team' }));

    // Assess
    expect(server.deliveredTo('search-lead@example.com')).toEqual([
      {
        subscriptionArn: searchArn,
        topicArn: TOPIC,
        protocol: 'email',
        endpoint: 'search-lead@example.com',
        messageId: search.MessageId,
        subject: 'search at 80%',
        message: 'search alert',
        attributes: { team: 'search', severity: 'warning' },
      },
    ]);
    expect(server.deliveredTo('payments-lead@example.com').map((d) => d.message)).toEqual(['payments alert']);
    expect(server.deliveredTo('finance@example.com').map((d) => d.message)).toEqual(['search alert', 'payments alert', 'no team']);
    expect(server.deliveries).toHaveLength(5);
  });

  it('applies a $or policy: the statement and search\'s team statement reach the subscriber, payments\' team statement does not', async () => {
    const policy = { $or: [{ kind: ['statement'] }, { kind: ['team-statement'], team: ['search'] }] };

    const received = await receivedBy(policy, {
      statement: strings({ kind: 'statement', month: '2026-10' }),
      'search statement': strings({ kind: 'team-statement', team: 'search' }),
      'payments statement': strings({ kind: 'team-statement', team: 'payments' }),
      'search alert': strings({ kind: 'alert', team: 'search' }),
    });

    expect(received).toEqual(['statement', 'search statement']);
  });

  it('anything-but excludes the listed values and, as on SNS, never matches a message without the attribute', async () => {
    const received = await receivedBy({ severity: [{ 'anything-but': ['info', 'debug'] }] }, {
      warning: strings({ severity: 'warning' }),
      info: strings({ severity: 'info' }),
      'no severity': strings({ team: 'search' }),
    });

    expect(received).toEqual(['warning']);
  });

  it('prefix matches string values that start with it, case-sensitively', async () => {
    const received = await receivedBy({ model: [{ prefix: 'claude-' }] }, {
      sonnet: strings({ model: 'claude-sonnet-4-5' }),
      upper: strings({ model: 'Claude-sonnet' }),
      gpt: strings({ model: 'gpt-5' }),
    });

    expect(received).toEqual(['sonnet']);
  });

  it('a numeric range matches Number attributes inside its bounds only, never a String attribute holding digits', async () => {
    const number = (value: string): MessageAttributeValue => ({ DataType: 'Number', StringValue: value });

    const received = await receivedBy({ threshold: [{ numeric: ['>=', 80, '<', 100] }] }, {
      '80': { threshold: number('80') },
      '99.5': { threshold: number('99.5') },
      '100': { threshold: number('100') },
      '50': { threshold: number('50') },
      'string 90': strings({ threshold: '90' }),
    });

    expect(received).toEqual(['80', '99.5']);
  });

  it('exists:false matches messages without the attribute, but not a message that has no attributes at all', async () => {
    const received = await receivedBy({ team: [{ exists: false }] }, {
      'org-wide': strings({ kind: 'alert' }),
      'team alert': strings({ kind: 'alert', team: 'search' }),
      'no attributes': {},
    });

    expect(received).toEqual(['org-wide']);
  });

  it('matches a String.Array attribute when any of its elements matches', async () => {
    const teams = (value: string[]): Record<string, MessageAttributeValue> => ({ teams: { DataType: 'String.Array', StringValue: JSON.stringify(value) } });

    const received = await receivedBy({ teams: ['search'] }, {
      'search and payments': teams(['payments', 'search']),
      growth: teams(['growth']),
      none: teams([]),
    });

    expect(received).toEqual(['search and payments']);
  });

  it('delivers with MessageStructure json each protocol\'s own body, or "default" where its key is missing', async () => {
    // Prepare
    const { server, client } = await start({ topics: [TOPIC] });
    await subscribe(client, 'finance@example.com');
    await subscribe(client, 'https://hooks.example.com/costline', undefined, 'https');
    await subscribe(client, 'arn:aws:sqs:us-east-1:000000000000:costline-inbox', undefined, 'sqs');
    const body = { default: 'plain', email: 'Dear finance,\nthe statement is attached.', https: '{"kind":"statement"}' };

    // Act
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: JSON.stringify(body), MessageStructure: 'json' }));

    // Assess
    expect(server.deliveries.map((d) => [d.protocol, d.message])).toEqual([
      ['email', body.email],
      ['https', body.https],
      ['sqs', 'plain'],
    ]);
    expect(server.messages[0]).toMatchObject({ message: JSON.stringify(body), messageStructure: 'json' });
  });

  it('rejects a MessageStructure json message that is not JSON or has no "default" entry with InvalidParameter, delivering nothing', async () => {
    const { server, client } = await start({ topics: [TOPIC] });
    await subscribe(client, 'finance@example.com');
    const publish = (message: string) => client.send(new PublishCommand({ TopicArn: TOPIC, Message: message, MessageStructure: 'json' }));

    const noDefault = await expectError(publish('{"email":"x"}'), 'InvalidParameterException');
    const notJson = await expectError(publish('default: x'), 'InvalidParameterException');
    const notObject = await expectError(publish('["x"]'), 'InvalidParameterException');

    expect(noDefault.message).toBe('Invalid parameter: Message Structure - No default entry in JSON message body');
    expect(notJson.message).toMatch(/failed to parse/);
    expect(notObject.message).toMatch(/No default entry/);
    expect(server.messages).toEqual([]);
    expect(server.deliveries).toEqual([]);
  });

  it('rejects at Subscribe, with InvalidParameter naming the key, a policy value that is not an array, an unknown operator and a nested policy', async () => {
    const { server, client } = await start({ topics: [TOPIC] });

    const notArray = await expectError(subscribe(client, 'a@example.com', { team: 'search' }), 'InvalidParameterException');
    const typo = await expectError(subscribe(client, 'b@example.com', { team: [{ prefx: 'se' }] }), 'InvalidParameterException');
    const nested = await expectError(subscribe(client, 'c@example.com', { detail: { team: ['search'] } }), 'InvalidParameterException');

    expect(notArray.message).toMatch(/FilterPolicy: "team"/);
    expect(typo.message).toMatch(/"team": Unrecognized match type prefx/);
    expect(nested.message).toMatch(/"detail".*nested/);
    expect(server.subscriptions).toEqual([]);
  });

  it('answers a repeated Subscribe with the same ARN (no double delivery) and refuses one with different attributes', async () => {
    const { server, client } = await start({ topics: [TOPIC] });

    const first = await subscribe(client, 'search-lead@example.com', { team: ['search'] });
    const again = await subscribe(client, 'search-lead@example.com', { team: ['search'] });
    await expectError(subscribe(client, 'search-lead@example.com', { team: ['payments'] }), 'InvalidParameterException');
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'once', MessageAttributes: strings({ team: 'search' }) }));

    expect(again).toBe(first);
    expect(server.subscriptions).toHaveLength(1);
    expect(server.deliveredTo('search-lead@example.com').map((d) => d.message)).toEqual(['once']);
  });

  it('stops delivering to a subscription after Unsubscribe, and a second Unsubscribe still succeeds', async () => {
    const { server, client } = await start({ topics: [TOPIC] });
    const arn = await subscribe(client, 'finance@example.com');
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'before' }));

    await client.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
    await client.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'after' }));

    expect(server.deliveredTo('finance@example.com').map((d) => d.message)).toEqual(['before']);
    expect(server.subscriptions).toEqual([]);
  });
});

describe('matchesFilterPolicy', () => {
  const string = (value: string) => ({ DataType: 'String', StringValue: value });

  it('matches the conditions CDK synthesizes for stringFilter, numericFilter and existsFilter', () => {
    // The same JSON a synthesized AWS::SNS::Subscription carries as FilterPolicy.
    const policy = {
      team: SubscriptionFilter.stringFilter({ allowlist: ['search'], matchPrefixes: ['pay'] }).conditions,
      severity: SubscriptionFilter.stringFilter({ denylist: ['info'] }).conditions,
      threshold: SubscriptionFilter.numericFilter({ between: { start: 80, stop: 100 } }).conditions,
      month: SubscriptionFilter.existsFilter().conditions,
    };
    const message = { team: string('payments'), severity: string('critical'), threshold: { DataType: 'Number', StringValue: '100' }, month: string('2026-10') };

    expect(matchesFilterPolicy(policy, message)).toBe(true);
    expect(matchesFilterPolicy(policy, { ...message, team: string('growth') })).toBe(false);
    expect(matchesFilterPolicy(policy, { ...message, severity: string('info') })).toBe(false);
    expect(matchesFilterPolicy(policy, { ...message, threshold: { DataType: 'Number', StringValue: '100.5' } })).toBe(false);
    const { month: _month, ...withoutMonth } = message;
    expect(matchesFilterPolicy(policy, withoutMonth)).toBe(false);
  });

  it('treats "$or" as a plain attribute name unless it holds two or more policies, and matches equals-ignore-case and suffix', () => {
    // With one policy, "$or" is an attribute and {"kind": [...]} an unknown operator, which SNS refuses.
    expect(() => matchesFilterPolicy({ $or: [{ kind: ['statement'] }] }, { kind: string('statement') })).toThrow(/"\$or": Unrecognized match type kind/);
    expect(matchesFilterPolicy({ $or: ['x'] }, { $or: string('x') })).toBe(true);
    expect(matchesFilterPolicy({ status: [{ 'equals-ignore-case': 'FINAL' }] }, { status: string('final') })).toBe(true);
    expect(matchesFilterPolicy({ file: [{ suffix: '.csv' }] }, { file: string('2026-10.csv') })).toBe(true);
    expect(matchesFilterPolicy({ file: [{ suffix: '.csv' }] }, { file: string('2026-10.pdf') })).toBe(false);
  });

  it('throws FilterPolicyError for a policy SNS would refuse, naming the key', () => {
    expect(() => matchesFilterPolicy({ team: ['search', { numeric: ['~', 1] }] }, {})).toThrow(FilterPolicyError);
    expect(() => matchesFilterPolicy(['team'], {})).toThrow(/must be a JSON object/);
    expect(() => matchesFilterPolicy({ team: [] }, {})).toThrow(/"team"/);
  });
});
