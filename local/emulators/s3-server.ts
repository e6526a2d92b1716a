import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback';
import { crc32Base64, decodeBody, readRaw, S3ApiError, verifyChecksums } from './s3-wire';

/**
 * A loopback Amazon S3 for tests and `npm run local`: `PutObject`, `GetObject` (whole or one `Range: bytes=`),
 * `HeadObject` and `ListObjectsV2` (`prefix`, `max-keys`, `continuation-token`), path-style only
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
 * Bodies put by a client are kept as UTF-8 text (statements are text); seeded objects may be bytes (the sample's
 * Parquet billing export). Requests are not signature-checked: any credentials work.
 */

/** One stored object. */
export interface S3StoredObject {
  /** Text is stored as UTF-8; bytes as they are. */
  body: string | Uint8Array;
  contentType?: string;
  /** When it was written, as ListObjectsV2 reports it; default 2026-01-01 (a seeded object may set its own). */
  lastModified?: Date;
}

const DEFAULT_LAST_MODIFIED = new Date('2026-01-01T00:00:00.000Z');

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
    if (key === '' && method === 'GET' && query.get('list-type') === '2') {
      sendList(res, requestId, bucket, query);
      return;
    }
    if (key === '' || subresources.length > 0 || req.headers['x-amz-copy-source'] !== undefined) {
      throw notImplemented(`${method} ${target}`);
    }
    const id = `${bucket}/${key}`;

    if (method === 'PUT') {
      const bytes = decodeBody(req, raw);
      const checksums = verifyChecksums(req, bytes.body, bytes.trailers);
      // Text (statements) is kept as text; anything that is not valid UTF-8 (a Parquet file) as its bytes.
      const text = bytes.body.toString('utf8');
      objects.set(id, {
        body: Buffer.from(text, 'utf8').equals(bytes.body) ? text : new Uint8Array(bytes.body),
        ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
      });
      res.writeHead(200, { ...commonHeaders(requestId), etag: etagOf(bytes.body), ...checksums, 'content-length': 0 });
      res.end();
      return;
    }

    if (method === 'GET' || method === 'HEAD') {
      const object = objects.get(id);
      if (!object) throw new S3ApiError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
      const whole = bytesOf(object);
      const range = method === 'GET' ? byteRange(req.headers.range, whole.length) : undefined;
      const body = range ? whole.subarray(range.start, range.end + 1) : whole;
      // A part's checksum is not the object's: S3 sends none with a range answer.
      const checksum = req.headers['x-amz-checksum-mode'] === 'ENABLED' && !range ? { 'x-amz-checksum-crc32': crc32Base64(body), 'x-amz-checksum-type': 'FULL_OBJECT' } : {};
      res.writeHead(range ? 206 : 200, {
        ...commonHeaders(requestId),
        'content-type': object.contentType ?? 'application/octet-stream',
        'content-length': body.length,
        etag: etagOf(whole),
        'accept-ranges': 'bytes',
        ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${whole.length}` } : {}),
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

  /** ListObjectsV2: keys in UTF-8 binary order, `max-keys` (default and cap 1000) a page, the next key as the token. */
  function sendList(res: ServerResponse, requestId: string, bucket: string, query: URLSearchParams): void {
    const prefix = query.get('prefix') ?? '';
    const maxKeys = Math.min(1000, Math.max(0, Number(query.get('max-keys') ?? 1000) || 0));
    const after = query.get('continuation-token') ?? query.get('start-after') ?? '';
    const keys = [...objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/`))
      .map((id) => id.slice(bucket.length + 1))
      .filter((k) => k.startsWith(prefix) && (after === '' || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const object = objects.get(`${bucket}/${k}`)!;
        const bytes = bytesOf(object);
        return `<Contents><Key>${escapeXml(k)}</Key><LastModified>${(object.lastModified ?? DEFAULT_LAST_MODIFIED).toISOString()}</LastModified><ETag>${escapeXml(etagOf(bytes))}</ETag><Size>${bytes.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
      `${truncated ? `<NextContinuationToken>${escapeXml(page.at(-1)!)}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`;
    res.writeHead(200, { ...commonHeaders(requestId), 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  const url = await listenOnLoopback(server, options.port);
  return { url, objects, close: () => closeServer(server) };
}

const notImplemented = (what: string) =>
  new S3ApiError('NotImplemented', `The local S3 implements PutObject, GetObject, HeadObject and ListObjectsV2 only, not ${what}.`, 501);

function bytesOf(object: S3StoredObject): Buffer {
  return typeof object.body === 'string' ? Buffer.from(object.body, 'utf8') : Buffer.from(object.body.buffer, object.body.byteOffset, object.body.byteLength);
}

/**
 * One `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` within the object; undefined for no header. Several ranges
 * are not supported (S3 itself answers them with the whole object); an unsatisfiable one is S3's 416.
 */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [start, end] = match[1] === '' ? [Math.max(0, size - Number(match[2])), size - 1] : [Number(match[1]), match[2] === '' ? size - 1 : Math.min(size - 1, Number(match[2]))];
  if (start >= size || start > end) throw new S3ApiError('InvalidRange', 'The requested range is not satisfiable', 416, { RangeRequested: header, ActualObjectSize: String(size) });
  return { start, end };
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

