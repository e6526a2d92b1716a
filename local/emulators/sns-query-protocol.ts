import type { ServerResponse } from 'node:http';
import { isObject, parseJson } from './loopback';
import type { PublishedMessage } from './sns-server';

/*
 * The AWS Query protocol as SNS speaks it: form-encoded maps in, XML out, errors as an `ErrorResponse`.
 */

/** The SNS XML namespace of every answer. */
export const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_MESSAGE_ATTRIBUTES = 10;

/** An SNS error, sent as an XML `ErrorResponse`. */
export class SnsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** An `InvalidParameter` error. */
export const invalidParameter = (message: string) => new SnsApiError('InvalidParameter', `Invalid parameter: ${message}`);

export function parseObject(text: string): Record<string, unknown> | undefined {
  const value = parseJson(text);
  return isObject(value) ? value : undefined;
}

export function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);
}

/**
 * Reads a Query-protocol map of strings: `<prefix>.entry.<n>.<keyField>` / `<prefix>.entry.<n>.<valueField>`, n from 1.
 * Returns [key, value] pairs in index order.
 */
export function parseMapEntries(params: URLSearchParams, prefix: string, keyField: string, valueField: string): [string, string][] {
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
export function parseMessageAttributes(params: URLSearchParams): PublishedMessage['attributes'] {
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
export function formatUuid(kind: number, n: number): string {
  return `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function sendXml(res: ServerResponse, status: number, xml: string, requestId: string): void {
  const body = `<?xml version="1.0"?>\n${xml}`;
  // The SDK takes $metadata.requestId from this header, not from the XML.
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId });
  res.end(body);
}

export function sendError(res: ServerResponse, error: SnsApiError, requestId: string): void {
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
