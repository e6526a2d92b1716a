import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './loopback';

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

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** SNS's limit is 256 KiB for the whole payload: message body plus attribute names, types and values. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_SUBJECT_CHARS = 100;
const MAX_MESSAGE_ATTRIBUTES = 10;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const PROTOCOLS = ['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose'];
const SUBSCRIPTION_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}:[0-9a-f-]{36}$/;

/** An SNS error, sent as an XML `ErrorResponse`. */
class SnsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) => new SnsApiError('InvalidParameter', `Invalid parameter: ${message}`);

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

/** A filter policy SNS would refuse; the message names the key at fault. */
export class FilterPolicyError extends Error {
  override name = 'FilterPolicyError';
}

/** Operator names: an object holding one of these is a condition, never a nested policy or an `$or` alternative. */
const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists', 'cidr']);
const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};
type Leaf = string | number | boolean | null;

/**
 * Whether SNS delivers a message with these attributes to a subscription with this filter policy (scope
 * `MessageAttributes`, the default), following https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html:
 * every key must match (AND); a key matches when any of its conditions does (OR); `$or` takes alternative policies.
 * Conditions: exact string or number, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values, a value, or
 * `{prefix}`), `numeric` ranges, `exists`. A `String.Array` attribute matches when any element does. Strings match
 * `String` attributes and numbers `Number` ones, never across; `Binary` attributes are ignored. A missing attribute
 * fails every condition but `exists: false`, and a message with no attributes matches no policy.
 * @param policy the policy as parsed JSON, e.g. `FilterPolicy` from a synthesized template
 * @param attributes message attributes as the SDK's `PublishCommand` takes them
 * @throws FilterPolicyError when SNS would refuse the policy at Subscribe
 */
export function matchesFilterPolicy(policy: unknown, attributes: Record<string, { DataType: string; StringValue?: string }>): boolean {
  validatePolicy(policy, false, '');
  const document: Record<string, unknown> = {};
  for (const [name, { DataType, StringValue }] of Object.entries(attributes)) {
    if (StringValue === undefined || DataType.startsWith('Binary')) continue;
    if (DataType === 'String.Array') {
      const elements = parseJson(StringValue);
      if (Array.isArray(elements)) document[name] = elements;
    } else document[name] = DataType.startsWith('Number') ? Number(StringValue) : StringValue;
  }
  return matchesPolicy(policy, document, true);
}

/** `$or` is the operator only in the shape the docs give (2+ objects, none an operator); otherwise it is a plain key. */
function orAlternatives(value: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) return undefined;
  return value.some((alternative) => Object.keys(alternative).some((key) => OPERATORS.has(key))) ? undefined : value;
}

/** The checks SNS makes at Subscribe that are cheap to copy; `nested` allows the MessageBody scope's nested keys. */
function validatePolicy(policy: unknown, nested: boolean, path: string): void {
  if (!isObject(policy)) throw new FilterPolicyError(path ? `"${path}" must be an object or an array` : 'Filter policy must be a JSON object');
  for (const [key, spec] of Object.entries(policy)) {
    const at = path ? `${path}.${key}` : key;
    const alternatives = key === '$or' ? orAlternatives(spec) : undefined;
    if (alternatives) alternatives.forEach((alternative) => validatePolicy(alternative, nested, path));
    else if (isObject(spec) && nested) validatePolicy(spec, nested, at);
    else if (isObject(spec)) throw new FilterPolicyError(`"${at}": Filter Policy Scope MessageAttributes does not support nested filter policy`);
    else if (!Array.isArray(spec) || spec.length === 0) throw new FilterPolicyError(`"${at}" must be a non-empty array of match values`);
    else spec.forEach((condition) => validateCondition(condition, at));
  }
}

function validateCondition(condition: unknown, at: string): void {
  const fail = (why: string) => new FilterPolicyError(`"${at}": ${why}`);
  if (!isObject(condition)) {
    if (Array.isArray(condition) || (typeof condition === 'number' && !Number.isFinite(condition))) throw fail('Match value must be String, number, true, false, or null');
    return;
  }
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw fail(`a condition holds exactly one operator, got ${JSON.stringify(condition)}`);
  const [operator, argument] = entries[0]!;
  const isString = typeof argument === 'string';
  const ok: Record<string, () => boolean> = {
    prefix: () => isString,
    suffix: () => isString,
    'equals-ignore-case': () => isString,
    exists: () => typeof argument === 'boolean',
    'anything-but': () =>
      isString ||
      typeof argument === 'number' ||
      (Array.isArray(argument) && argument.length > 0 && argument.every((v) => typeof v === 'string' || typeof v === 'number')) ||
      (isObject(argument) && Object.keys(argument).join() === 'prefix' && typeof argument.prefix === 'string'),
    numeric: () =>
      Array.isArray(argument) &&
      [2, 4].includes(argument.length) &&
      argument.every((v, i) => (i % 2 === 0 ? typeof v === 'string' && v in COMPARISONS : typeof v === 'number')),
  };
  if (operator === 'cidr') throw fail('the local SNS does not implement "cidr"');
  const check = ok[operator];
  if (!check) throw fail(`Unrecognized match type ${operator}`);
  if (!check()) throw fail(`malformed "${operator}" condition ${JSON.stringify(argument)}`);
}

/** Matches a validated policy against a document: message attributes as JSON values, or a MessageBody object. */
function matchesPolicy(policy: unknown, document: Record<string, unknown>, attributeScope: boolean): boolean {
  // "exists": false "only matches if at least one attribute is present" (attribute-key-matching.html), and every other condition needs one.
  if (attributeScope && Object.keys(document).length === 0) return false;
  return Object.entries(policy as Record<string, unknown>).every(([key, spec]) => {
    const alternatives = key === '$or' ? orAlternatives(spec) : undefined;
    if (alternatives) return alternatives.some((alternative) => matchesPolicy(alternative, document, attributeScope));
    const value = document[key];
    if (isObject(spec)) return isObject(value) && matchesPolicy(spec, value, attributeScope);
    const leaves = (value === undefined ? [] : Array.isArray(value) ? value : [value]).filter((v): v is Leaf => v === null || typeof v !== 'object');
    return (spec as unknown[]).some((condition) => matchesCondition(condition, leaves));
  });
}

function matchesCondition(condition: unknown, values: Leaf[]): boolean {
  if (!isObject(condition)) return values.includes(condition as Leaf);
  const [operator, argument] = Object.entries(condition)[0]!;
  if (operator === 'exists') return argument === values.length > 0;
  return values.some((value) => {
    const text = typeof value === 'string' ? value : undefined;
    switch (operator) {
      case 'prefix':
        return text?.startsWith(argument as string) ?? false;
      case 'suffix':
        return text?.endsWith(argument as string) ?? false;
      case 'equals-ignore-case':
        return text?.toLowerCase() === (argument as string).toLowerCase();
      case 'anything-but':
        if (isObject(argument)) return text !== undefined && !text.startsWith(argument.prefix as string);
        return !(Array.isArray(argument) ? argument : [argument]).includes(value);
      case 'numeric': {
        const bounds = argument as (string | number)[];
        return typeof value === 'number' && bounds.every((b, i) => i % 2 === 1 || COMPARISONS[b as string]!(value, bounds[i + 1] as number));
      }
      default:
        return false;
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const value = parseJson(text);
  return isObject(value) ? value : undefined;
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);
}

/**
 * Reads a Query-protocol map of strings: `<prefix>.entry.<n>.<keyField>` / `<prefix>.entry.<n>.<valueField>`, n from 1.
 * Returns [key, value] pairs in index order.
 */
function parseMapEntries(params: URLSearchParams, prefix: string, keyField: string, valueField: string): [string, string][] {
  const out: [string, string][] = [];
  for (let n = 1; ; n += 1) {
    const key = params.get(`${prefix}.entry.${n}.${keyField}`);
    if (key === null) break;
    out.push([key, params.get(`${prefix}.entry.${n}.${valueField}`) ?? '']);
  }
  return out;
}

/**
 * Message attributes use SNS's renamed map members: `MessageAttributes.entry.N.Name` and
 * `MessageAttributes.entry.N.Value.DataType` / `.StringValue` / `.BinaryValue` (base64).
 */
function parseMessageAttributes(params: URLSearchParams): PublishedMessage['attributes'] {
  const attributes: PublishedMessage['attributes'] = {};
  for (let n = 1; ; n += 1) {
    const base = `MessageAttributes.entry.${n}`;
    const name = params.get(`${base}.Name`);
    if (name === null) break;
    const dataType = params.get(`${base}.Value.DataType`);
    if (dataType === null || !/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
      throw invalidParameter(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const value = dataType.startsWith('Binary') ? params.get(`${base}.Value.BinaryValue`) : params.get(`${base}.Value.StringValue`);
    if (value === null) throw invalidParameter(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
    if (dataType.startsWith('Number') && !Number.isFinite(Number(value))) throw invalidParameter(`Could not cast message attribute '${name}' value to number.`);
    if (dataType === 'String.Array' && !Array.isArray(parseJson(value))) {
      throw invalidParameter(`The message attribute '${name}' with type 'String.Array' must be a JSON array.`);
    }
    attributes[name] = { dataType, value };
  }
  if (Object.keys(attributes).length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalidParameter(`Number of message attributes [${Object.keys(attributes).length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`);
  }
  return attributes;
}

/** A UUID-shaped id from a counter: deterministic, unique per kind (`kind` fills the first group). */
function formatUuid(kind: number, n: number): string {
  return `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function sendXml(res: ServerResponse, status: number, xml: string, requestId: string): void {
  const body = `<?xml version="1.0"?>\n${xml}`;
  // The SDK takes $metadata.requestId from this header, not from the XML.
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId });
  res.end(body);
}

function sendError(res: ServerResponse, error: SnsApiError, requestId: string): void {
  // Query-protocol errors: the SDK maps <Code> to the modelled exception through its awsQueryError trait, so
  // <Code>NotFound</Code> surfaces as an error named NotFoundException (with `Code: 'NotFound'`).
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  sendXml(
    res,
    error.status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    requestId,
  );
}
