import { PublishCommand, SNSClient, SubscribeCommand, UnsubscribeCommand, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { FilterPolicyError, matchesFilterPolicy } from '../../../../local/emulators/sns-server';
import { closeStarted, expectError, start, TOPIC } from './sns-harness';

afterEach(closeStarted);

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
