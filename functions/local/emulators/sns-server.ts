import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './loopback';

/**
 * A loopback Amazon SNS for tests and `npm run local`.
 *
 * `@aws-sdk/client-sns` (3.1169) still speaks the AWS **Query** protocol, not JSON: every call is a
 * `POST /` with a form-encoded body (`Action=Publish&Version=2010-03-31&TopicArn=...`) and every answer is XML
 * (`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">...`), errors included
 * (`<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>...`). The real client works against it through
 * its `endpoint` option or `AWS_ENDPOINT_URL_SNS`. Implemented: `Publish`, `CreateTopic`, `Subscribe`.
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

/** One subscription made with `Subscribe`; nothing is delivered, it is recorded for tests to read. */
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

/** A running local SNS. */
export interface SnsServer {
  /** Base URL to pass as the client's `endpoint`, `http://127.0.0.1:PORT`. */
  url: string;
  /** Every message published, in order. */
  messages: PublishedMessage[];
  /** Every subscription made, in order. */
  subscriptions: SnsSubscription[];
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
      if (messageStructure !== undefined) {
        if (messageStructure !== 'json') throw invalidParameter(`MessageStructure must be "json", got "${messageStructure}"`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(message);
        } catch {
          throw invalidParameter('Message Structure - JSON message body failed to parse');
        }
        if (typeof parsed !== 'object' || parsed === null || typeof (parsed as Record<string, unknown>).default !== 'string') {
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
      let filterPolicy: unknown;
      if (attributes.FilterPolicy !== undefined) {
        try {
          filterPolicy = JSON.parse(attributes.FilterPolicy);
        } catch {
          throw invalidParameter('FilterPolicy: failed to parse JSON.');
        }
        if (typeof filterPolicy !== 'object' || filterPolicy === null || Array.isArray(filterPolicy)) {
          throw invalidParameter('FilterPolicy: Filter policy must be a JSON object');
        }
      }
      if (attributes.FilterPolicyScope !== undefined && !['MessageAttributes', 'MessageBody'].includes(attributes.FilterPolicyScope)) {
        throw invalidParameter('FilterPolicyScope: must be MessageAttributes or MessageBody');
      }

      subscriptionCounter += 1;
      const subscriptionArn = `${topicArn}:${formatUuid(2, subscriptionCounter)}`;
      subscriptions.push({
        subscriptionArn,
        topicArn,
        protocol,
        ...(endpoint !== undefined ? { endpoint } : {}),
        attributes,
        ...(filterPolicy !== undefined ? { filterPolicy } : {}),
      });
      // Quirk kept from SNS: email subscriptions wait for the recipient to confirm, so the call answers
      // "pending confirmation" instead of an ARN unless ReturnSubscriptionArn=true.
      const pending = (protocol === 'email' || protocol === 'email-json') && params.get('ReturnSubscriptionArn') !== 'true';
      return `<SubscribeResult><SubscriptionArn>${escapeXml(pending ? 'pending confirmation' : subscriptionArn)}</SubscriptionArn></SubscribeResult>`;
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
    failNext(count, fault) {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    close: () => closeServer(server),
  };
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
