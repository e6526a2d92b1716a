import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback';

/**
 * A loopback Amazon S3 for tests and `npm run local`: `PutObject`, `GetObject` and `HeadObject`, path-style only
 * (`PUT /<bucket>/<key>`), so the real `S3Client` works against it with `endpoint` (or `AWS_ENDPOINT_URL_S3`) and
 * `forcePathStyle: true`. Errors are S3's XML (`<Error><Code>NoSuchKey</Code>...`).
 *
 * What the client sends, and how it is handled (`@aws-sdk/client-s3` 3.117x):
 * - Every PutObject carries a flexible checksum (`x-amz-sdk-checksum-algorithm: CRC32`, the default since
 *   `requestChecksumCalculation: WHEN_SUPPORTED`). With a string or byte body it comes as a header
 *   (`x-amz-checksum-crc32`) next to a signed `x-amz-content-sha256` of the body.
 * - With a stream body the SDK cannot hash ahead, so it sends `content-encoding: aws-chunked`,
 *   `transfer-encoding: chunked`, `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`,
 *   `x-amz-decoded-content-length` and `x-amz-trailer: x-amz-checksum-crc32`: the body is framed as
 *   `<hex size>\r\n<bytes>\r\n ... 0\r\n<trailer>:<value>\r\n\r\n`. The server strips that framing (chunk extensions
 *   such as `;chunk-signature=` included) and reads the checksum from the trailer.
 * - Checksums (CRC32, SHA-1, SHA-256, `Content-MD5`) and a hex `x-amz-content-sha256` are verified as S3 does
 *   (400 `BadDigest` / `XAmzContentSHA256Mismatch`), so a body garbled on the way fails the test that sent it.
 * - GetObject asks for `x-amz-checksum-mode: ENABLED`; the answer then carries `x-amz-checksum-crc32` of the
 *   stored bytes, which the client validates.
 *
 * Bodies are kept as UTF-8 text (statements are text) and, for binary objects (Parquet billing exports), as the
 * bytes themselves: a seeded object may give `bytes` instead of meaningful text. Requests are not signature-checked:
 * any credentials work.
 */

/** One stored object. */
export interface S3StoredObject {
  body: string;
  /** The exact bytes, when the object is not text; served instead of `body`. */
  bytes?: Buffer;
  contentType?: string;
}

/** A running local S3. */
export interface S3Server {
  /** Base URL to pass as the client's `endpoint`, `http://127.0.0.1:PORT` (with `forcePathStyle: true`). */
  url: string;
  /** Stored objects by `"<bucket>/<key>"`; tests may read it and seed it. */
  objects: Map<string, S3StoredObject>;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Buckets that exist; requests to any other fail with 404 `NoSuchBucket`. When absent, every bucket exists. */
  buckets?: string[];
}

/** An S3 error, sent as an XML `<Error>`. */
class S3ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra elements of the error document, e.g. `{ Key: 'a.csv' }`. */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Checksum headers S3 accepts that this server can verify, with how to compute each (base64 of the digest). */
const CHECKSUMS: Record<string, (bytes: Buffer) => string> = {
  'x-amz-checksum-crc32': (bytes) => crc32Base64(bytes),
  'x-amz-checksum-sha1': (bytes) => createHash('sha1').update(bytes).digest('base64'),
  'x-amz-checksum-sha256': (bytes) => createHash('sha256').update(bytes).digest('base64'),
};

/**
 * Starts a local S3 on 127.0.0.1.
 * @returns the running server; call `close()` when done.
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const buckets = options.buckets === undefined ? undefined : new Set(options.buckets);
  const objects = new Map<string, S3StoredObject>();
  let requestCounter = 0;

  function handle(req: IncomingMessage, raw: Buffer, res: ServerResponse, requestId: string): void {
    // Split by hand rather than with `new URL`, which would resolve `.` and `..` segments: in S3 they are part of the key.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
    const [bucketPart = '', ...keyParts] = path.slice(1).split('/');
    const bucket = decodeURIComponent(bucketPart);
    const key = keyParts.map(decodeURIComponent).join('/');
    const method = req.method ?? 'GET';

    // Sub-resources (?acl, ?tagging, ?uploads, ?versionId...) and bucket-level calls are other operations; the SDK
    // adds ?x-id=<Operation> to object calls, which is only informative.
    const subresources = [...query.keys()].filter((name) => name !== 'x-id');
    if (bucket === '') throw notImplemented('ListBuckets');
    if (buckets && !buckets.has(bucket)) {
      throw new S3ApiError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
    }
    if (key === '' || subresources.length > 0 || req.headers['x-amz-copy-source'] !== undefined) {
      throw notImplemented(`${method} ${target}`);
    }
    const id = `${bucket}/${key}`;

    if (method === 'PUT') {
      const bytes = decodeBody(req, raw);
      const checksums = verifyChecksums(req, bytes.body, bytes.trailers);
      const text = bytes.body.toString('utf8');
      objects.set(id, {
        body: text,
        // Only bytes that are not UTF-8 text are kept as such: text objects stay comparable as `{ body }`.
        ...(Buffer.from(text, 'utf8').equals(bytes.body) ? {} : { bytes: bytes.body }),
        ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
      });
      res.writeHead(200, { ...commonHeaders(requestId), etag: etagOf(bytes.body), ...checksums, 'content-length': 0 });
      res.end();
      return;
    }

    if (method === 'GET' || method === 'HEAD') {
      const object = objects.get(id);
      if (!object) throw new S3ApiError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
      const body = object.bytes ?? Buffer.from(object.body, 'utf8');
      const checksum = req.headers['x-amz-checksum-mode'] === 'ENABLED' ? { 'x-amz-checksum-crc32': crc32Base64(body), 'x-amz-checksum-type': 'FULL_OBJECT' } : {};
      res.writeHead(200, {
        ...commonHeaders(requestId),
        'content-type': object.contentType ?? 'application/octet-stream',
        'content-length': body.length,
        etag: etagOf(body),
        'accept-ranges': 'bytes',
        ...checksum,
      });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }

    throw notImplemented(`${method} on an object`);
  }

  const server = createServer((req, res) => {
    requestCounter += 1;
    const requestId = requestCounter.toString(16).toUpperCase().padStart(16, '0');
    readRaw(req).then(
      (raw) => {
        try {
          handle(req, raw, res, requestId);
        } catch (error) {
          sendError(req, res, error instanceof S3ApiError ? error : new S3ApiError('InternalError', String(error), 500), requestId);
        }
      },
      (error: unknown) => sendError(req, res, new S3ApiError('InternalError', String(error), 500), requestId),
    );
  });

  const url = await listenOnLoopback(server, options.port);
  return { url, objects, close: () => closeServer(server) };
}

const notImplemented = (what: string) =>
  new S3ApiError('NotImplemented', `The local S3 implements PutObject, GetObject and HeadObject only, not ${what}.`, 501);

/** The body as bytes: raw bytes must be kept (not decoded as text) because aws-chunked sizes count bytes. */
function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The object's bytes and any trailing headers. Node has already undone the HTTP `transfer-encoding: chunked`; an
 * `aws-chunked` body is still framed by S3's own chunks, which are stripped here.
 */
function decodeBody(req: IncomingMessage, raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const encodings = String(req.headers['content-encoding'] ?? '').split(',').map((e) => e.trim());
  const streaming = String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (!encodings.includes('aws-chunked') && !streaming) return { body: raw, trailers: {} };

  const incomplete = (why: string) => new S3ApiError('IncompleteBody', `Malformed aws-chunked body: ${why}.`, 400);
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw incomplete('missing CRLF');
    const text = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  for (;;) {
    // `<hex size>[;chunk-signature=...]`
    const header = line();
    const size = Number.parseInt(header.split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw incomplete(`bad chunk header "${header}"`);
    if (size === 0) break;
    if (at + size + 2 > raw.length) throw incomplete('chunk longer than the body');
    parts.push(raw.subarray(at, at + size));
    at += size;
    if (line() !== '') throw incomplete('chunk not followed by CRLF');
  }
  // Trailers (`x-amz-checksum-crc32:...`, `x-amz-trailer-signature:...`) up to an empty line.
  while (at < raw.length) {
    const text = line();
    if (text === '') break;
    const colon = text.indexOf(':');
    if (colon > 0) trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  const body = Buffer.concat(parts);
  const declared = req.headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== body.length) {
    throw new S3ApiError('IncompleteBody', `You did not provide the number of bytes specified by x-amz-decoded-content-length (${declared}); got ${body.length}.`, 400);
  }
  return { body, trailers };
}

/** Verifies what S3 verifies and returns the checksum headers to echo. */
function verifyChecksums(req: IncomingMessage, body: Buffer, trailers: Record<string, string>): Record<string, string> {
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
  if (/^[0-9a-f]{64}$/.test(payloadHash) && createHash('sha256').update(body).digest('hex') !== payloadHash) {
    throw new S3ApiError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  }
  const md5 = req.headers['content-md5'];
  if (typeof md5 === 'string' && createHash('md5').update(body).digest('base64') !== md5) {
    throw new S3ApiError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
  }
  const echoed: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...pick(req.headers, 'x-amz-checksum-'), ...pick(trailers, 'x-amz-checksum-') })) {
    const compute = CHECKSUMS[name];
    // CRC32C and CRC64NVME are accepted unverified (no implementation here; the SDK does not send them by default).
    if (compute && compute(body) !== value) {
      throw new S3ApiError('BadDigest', `The ${name.slice('x-amz-checksum-'.length).toUpperCase()} you specified did not match the calculated checksum.`, 400);
    }
    echoed[name] = value;
  }
  return echoed;
}

/** String-valued entries whose name starts with `prefix` (excluding `x-amz-checksum-mode`/`-type`, not checksums). */
function pick(headers: Record<string, string | string[] | undefined>, prefix: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      (entry): entry is [string, string] => entry[0].startsWith(prefix) && typeof entry[1] === 'string' && !['x-amz-checksum-mode', 'x-amz-checksum-type'].includes(entry[0]),
    ),
  );
}

function commonHeaders(requestId: string): Record<string, string> {
  // The SDK takes $metadata.requestId / extendedRequestId from these headers.
  return { 'x-amz-request-id': requestId, 'x-amz-id-2': `local/${requestId}`, server: 'AmazonS3' };
}

/** S3's ETag of a single-part upload: the quoted hex MD5 of the bytes. */
function etagOf(bytes: Buffer): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

function sendError(req: IncomingMessage, res: ServerResponse, error: S3ApiError, requestId: string): void {
  const details = Object.entries(error.details).map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('');
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${details}<RequestId>${requestId}</RequestId><HostId>local/${requestId}</HostId></Error>`;
  res.writeHead(error.status, { ...commonHeaders(requestId), 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  // HEAD answers carry no body: the SDK then names the error after the status (404 -> NotFound), as with S3.
  res.end(req.method === 'HEAD' ? undefined : body);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** CRC-32 (IEEE 802.3, the `x-amz-checksum-crc32` algorithm) as base64 of its big-endian bytes. */
function crc32Base64(bytes: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

const CRC32_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
