import { createServer } from 'node:http';
import { closeServer, isObject, listenOnLoopback, readBody } from './loopback';
import { FilterPolicyError, matchesFilterPolicy, matchesPolicy, validatePolicy } from './sns-filter-policy';
import { escapeXml, formatUuid, invalidParameter, parseMapEntries, parseMessageAttributes, parseObject, sameEntries, sendError, sendXml, SnsApiError, XMLNS } from './sns-query-protocol';

export { FilterPolicyError, matchesFilterPolicy } from './sns-filter-policy';

/**
 * A loopback Amazon SNS for tests and `npm run local`.
 *
 * `@aws-sdk/client-sns` (3.1169) still speaks the AWS **Query** protocol, not JSON: every call is a
 * `POST /` with a form-encoded body (`Action=Publish&Version=2010-03-31&TopicArn=...`) and every answer is XML
 * (`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">...`), errors included
 * (`<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>...`). The real client works against it through
 * its `endpoint` option or `AWS_ENDPOINT_URL_SNS`. Implemented: `Publish`, `CreateTopic`, `Subscribe`, `Unsubscribe`.
 *
 * Publish delivers as SNS does, into `deliveries`: one entry per subscription of the topic whose filter policy
 * accepts the message (see {@link matchesFilterPolicy}), carrying its protocol's body when `MessageStructure=json`.
 * Unlike SNS, every subscription counts as confirmed, email ones included, so tests need no confirmation step.
 *
 * Message and request ids come from counters, so a local run publishes the same ids every time.
 * Requests are not signature-checked: any credentials work.
 */

/** One message accepted by `Publish`, as the server decoded it from the form. */
export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  /** `json` when the message carries one body per protocol. */
  messageStructure?: string;
  /** Message attributes by name: `String`/`Number`/`String.Array` values as sent, `Binary` values base64. */
  attributes: Record<string, { dataType: string; value: string }>;
  messageId: string;
}

/** One subscription made with `Subscribe`; what Publish delivers to it is appended to `deliveries`. */
export interface SnsSubscription {
  subscriptionArn: string;
  topicArn: string;
  protocol: string;
  endpoint?: string;
  /** Subscription attributes as sent (`FilterPolicy`, `FilterPolicyScope`, `RawMessageDelivery`, ...). */
  attributes: Record<string, string>;
  /** `FilterPolicy` parsed from JSON, when given. */
  filterPolicy?: unknown;
}

/** One message as handed to one subscriber, after filtering. */
export interface Delivery {
  subscriptionArn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  messageId: string;
  subject?: string;
  /** The body this protocol receives: the message, or with `MessageStructure=json` its protocol's entry (else `default`). */
  message: string;
  /** Message attribute values by name (`Binary` ones base64). */
  attributes: Record<string, string>;
}

/** A running local SNS. */
export interface SnsServer {
  /** Base URL to pass as the client's `endpoint`, `http://127.0.0.1:PORT`. */
  url: string;
  /** Every message published, in order. */
  messages: PublishedMessage[];
  /** Every subscription made, in order, less those removed with `Unsubscribe`. */
  subscriptions: SnsSubscription[];
  /** Every delivery made, in order: per Publish, one per subscription of the topic whose filter policy matches. */
  deliveries: Delivery[];
  /** The deliveries made to this endpoint (an email address, queue ARN or URL), in order. */
  deliveredTo(endpoint: string): Delivery[];
  /**
   * Answers the next `count` requests, whatever their action, with this SNS error (XML `ErrorResponse`).
   * E.g. `{ status: 400, code: 'Throttling', message: 'Rate exceeded' }` to exercise the SDK's retries.
   * Calls add up: the faults are served in the order they were queued.
   */
  failNext(count: number, fault: { status: number; code: string; message: string }): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startSnsServer}. */
export interface SnsServerOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /**
   * Topic ARNs that exist. When given, Publish and Subscribe to any other topic fail with `NotFound` (topics made
   * with CreateTopic are added). When absent, every well-formed topic ARN is accepted.
   */
  topics?: string[];
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** SNS's limit is 256 KiB for the whole payload: message body plus attribute names, types and values. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_SUBJECT_CHARS = 100;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const PROTOCOLS = ['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose'];
const SUBSCRIPTION_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}:[0-9a-f-]{36}$/;

/**
 * Starts a local SNS on 127.0.0.1.
 * @returns the running server; call `close()` when done.
 */
export async function startSnsServer(options: SnsServerOptions = {}): Promise<SnsServer> {
  const knownTopics = options.topics === undefined ? undefined : new Set(options.topics);
  const messages: PublishedMessage[] = [];
  const subscriptions: SnsSubscription[] = [];
  const deliveries: Delivery[] = [];
  const faults: { status: number; code: string; message: string }[] = [];
  let requestCounter = 0;
  let messageCounter = 0;
  let subscriptionCounter = 0;

  function requireTopic(params: URLSearchParams, field = 'TopicArn'): string {
    const arn = params.get(field);
    if (arn === null || arn === '') throw invalidParameter(`${field} is required`);
    if (!TOPIC_ARN.test(arn)) throw invalidParameter(`${field}: not a valid topic ARN: ${arn}`);
    if (knownTopics && !knownTopics.has(arn)) throw new SnsApiError('NotFound', 'Topic does not exist', 404);
    return arn;
  }

  const actions: Record<string, (params: URLSearchParams) => string> = {
    Publish(params) {
      if (params.get('PhoneNumber') !== null) throw invalidParameter('PhoneNumber: the local SNS only publishes to topics');
      // TargetArn is Publish's other name for a topic (or an endpoint) ARN.
      const topicArn = requireTopic(params, params.get('TopicArn') === null && params.get('TargetArn') !== null ? 'TargetArn' : 'TopicArn');
      const message = params.get('Message');
      if (message === null || message === '') throw invalidParameter('Empty message');

      const subject = params.get('Subject') ?? undefined;
      if (subject !== undefined) {
        // SNS takes at most 100 characters for a subject (used as the email subject line), with no line breaks or control characters.
        if (subject === '' || [...subject].length > MAX_SUBJECT_CHARS) throw invalidParameter(`Subject must be 1 to ${MAX_SUBJECT_CHARS} characters`);
        if (/[\u0000-\u001f\u007f]/.test(subject)) throw invalidParameter('Subject must not contain line breaks or control characters');
      }

      const messageStructure = params.get('MessageStructure') ?? undefined;
      let structured: Record<string, unknown> | undefined;
      if (messageStructure !== undefined) {
        if (messageStructure !== 'json') throw invalidParameter(`MessageStructure must be "json", got "${messageStructure}"`);
        try {
          structured = JSON.parse(message) as Record<string, unknown>;
        } catch {
          throw invalidParameter('Message Structure - JSON message body failed to parse');
        }
        if (!isObject(structured) || typeof structured.default !== 'string') {
          throw invalidParameter('Message Structure - No default entry in JSON message body');
        }
      }

      const attributes = parseMessageAttributes(params);
      let payloadBytes = Buffer.byteLength(message);
      for (const [name, attribute] of Object.entries(attributes)) {
        payloadBytes += Buffer.byteLength(name) + Buffer.byteLength(attribute.dataType) + Buffer.byteLength(attribute.value);
      }
      if (payloadBytes > MAX_PAYLOAD_BYTES) throw invalidParameter(`Message too long: ${payloadBytes} bytes with attributes, limit ${MAX_PAYLOAD_BYTES}`);

      messageCounter += 1;
      const messageId = formatUuid(1, messageCounter);
      messages.push({
        topicArn,
        ...(subject !== undefined ? { subject } : {}),
        message,
        ...(messageStructure !== undefined ? { messageStructure } : {}),
        attributes,
        messageId,
      });
      const sdkAttributes = Object.fromEntries(Object.entries(attributes).map(([name, a]) => [name, { DataType: a.dataType, StringValue: a.value }]));
      for (const subscription of subscriptions.filter((s) => s.topicArn === topicArn)) {
        const own = structured?.[subscription.protocol];
        const body = structured ? (typeof own === 'string' ? own : (structured.default as string)) : message;
        if (subscription.filterPolicy !== undefined) {
          // The MessageBody scope filters on the body this subscriber would get, which must be a JSON object.
          const accepted =
            subscription.attributes.FilterPolicyScope === 'MessageBody'
              ? matchesPolicy(subscription.filterPolicy, parseObject(body) ?? {}, false)
              : matchesFilterPolicy(subscription.filterPolicy, sdkAttributes);
          if (!accepted) continue;
        }
        deliveries.push({
          subscriptionArn: subscription.subscriptionArn,
          topicArn,
          protocol: subscription.protocol,
          endpoint: subscription.endpoint ?? '',
          messageId,
          ...(subject !== undefined ? { subject } : {}),
          message: body,
          attributes: Object.fromEntries(Object.entries(attributes).map(([name, a]) => [name, a.value])),
        });
      }
      return `<PublishResult><MessageId>${messageId}</MessageId></PublishResult>`;
    },

    CreateTopic(params) {
      const name = params.get('Name');
      if (name === null || !TOPIC_NAME.test(name)) {
        throw invalidParameter('Topic Name: names may contain only letters, digits, hyphens and underscores, 1 to 256 characters');
      }
      // CreateTopic is idempotent: the same name returns the same ARN.
      const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
      knownTopics?.add(arn);
      return `<CreateTopicResult><TopicArn>${escapeXml(arn)}</TopicArn></CreateTopicResult>`;
    },

    Subscribe(params) {
      const topicArn = requireTopic(params);
      const protocol = params.get('Protocol');
      if (protocol === null || !PROTOCOLS.includes(protocol)) throw invalidParameter(`Protocol: must be one of ${PROTOCOLS.join(', ')}`);
      const endpoint = params.get('Endpoint') ?? undefined;
      if ((protocol === 'email' || protocol === 'email-json') && !/^[^@\s]+@[^@\s]+$/.test(endpoint ?? '')) {
        throw invalidParameter('Invalid SMTP email address');
      }
      // Subscription attributes are a plain map: Attributes.entry.N.key / Attributes.entry.N.value.
      const attributes = Object.fromEntries(parseMapEntries(params, 'Attributes', 'key', 'value'));
      if (attributes.FilterPolicyScope !== undefined && !['MessageAttributes', 'MessageBody'].includes(attributes.FilterPolicyScope)) {
        throw invalidParameter('FilterPolicyScope: must be MessageAttributes or MessageBody');
      }
      let filterPolicy: unknown;
      if (attributes.FilterPolicy !== undefined) {
        try {
          filterPolicy = JSON.parse(attributes.FilterPolicy);
        } catch {
          throw invalidParameter('FilterPolicy: failed to parse JSON.');
        }
        try {
          validatePolicy(filterPolicy, attributes.FilterPolicyScope === 'MessageBody', '');
        } catch (error) {
          if (error instanceof FilterPolicyError) throw invalidParameter(`FilterPolicy: ${error.message}`);
          throw error;
        }
      }
      // Subscribe is idempotent: the same topic, protocol and endpoint answer the same ARN, unless the attributes differ.
      let subscription = subscriptions.find((s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint);
      if (subscription && !sameEntries(subscription.attributes, attributes)) throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
      if (!subscription) {
        subscriptionCounter += 1;
        subscription = {
          subscriptionArn: `${topicArn}:${formatUuid(2, subscriptionCounter)}`,
          topicArn,
          protocol,
          ...(endpoint !== undefined ? { endpoint } : {}),
          attributes,
          ...(filterPolicy !== undefined ? { filterPolicy } : {}),
        };
        subscriptions.push(subscription);
      }
      // Quirk kept from SNS: email subscriptions wait for the recipient to confirm, so the call answers
      // "pending confirmation" instead of an ARN unless ReturnSubscriptionArn=true.
      const pending = (protocol === 'email' || protocol === 'email-json') && params.get('ReturnSubscriptionArn') !== 'true';
      return `<SubscribeResult><SubscriptionArn>${escapeXml(pending ? 'pending confirmation' : subscription.subscriptionArn)}</SubscriptionArn></SubscribeResult>`;
    },

    Unsubscribe(params) {
      const arn = params.get('SubscriptionArn') ?? '';
      if (!SUBSCRIPTION_ARN.test(arn)) throw invalidParameter(`SubscriptionArn: not a valid subscription ARN: ${arn || '(none)'}`);
      // As on SNS (whatever its API reference says), unsubscribing twice or from an unknown ARN succeeds.
      const index = subscriptions.findIndex((s) => s.subscriptionArn === arn);
      if (index >= 0) subscriptions.splice(index, 1);
      return '';
    },
  };

  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        requestCounter += 1;
        const requestId = formatUuid(0, requestCounter);
        const fault = faults.shift();
        if (fault) {
          sendError(res, new SnsApiError(fault.code, fault.message, fault.status), requestId);
          return;
        }
        // Query protocol: the whole request is in the form body; URLSearchParams also turns '+' into ' ' as forms do.
        const params = new URLSearchParams(text);
        const action = params.get('Action') ?? '';
        const run = req.method === 'POST' ? actions[action] : undefined;
        try {
          if (!run) throw new SnsApiError('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint.`);
          const result = run(params);
          sendXml(
            res,
            200,
            `<${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
            requestId,
          );
        } catch (error) {
          sendError(res, error instanceof SnsApiError ? error : new SnsApiError('InternalError', String(error), 500), requestId);
        }
      },
      (error: unknown) => sendError(res, new SnsApiError('InternalError', String(error), 500), 'none'),
    );
  });

  const url = await listenOnLoopback(server, options.port);

  return {
    url,
    messages,
    subscriptions,
    deliveries,
    deliveredTo: (endpoint) => deliveries.filter((d) => d.endpoint === endpoint),
    failNext(count, fault) {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    close: () => closeServer(server),
  };
}
