import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/*
 * What the local S3 reads off the wire: request bodies (aws-chunked framing and trailers stripped) and the
 * checksums S3 verifies. See s3-server.ts for what the client sends.
 */

/** An S3 error answer: its code, message, HTTP status and extra elements. */
export class S3ApiError extends Error {
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

export /** Checksum headers S3 accepts that this server can verify, with how to compute each (base64 of the digest). */
const CHECKSUMS: Record<string, (bytes: Buffer) => string> = {
  'x-amz-checksum-crc32': (bytes) => crc32Base64(bytes),
  'x-amz-checksum-sha1': (bytes) => createHash('sha1').update(bytes).digest('base64'),
  'x-amz-checksum-sha256': (bytes) => createHash('sha256').update(bytes).digest('base64'),
};

/** The body as bytes: raw bytes must be kept (not decoded as text) because aws-chunked sizes count bytes. */
export function readRaw(req: IncomingMessage): Promise<Buffer> {
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
export function decodeBody(req: IncomingMessage, raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
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
export function verifyChecksums(req: IncomingMessage, body: Buffer, trailers: Record<string, string>): Record<string, string> {
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

/** CRC-32 (IEEE 802.3, the `x-amz-checksum-crc32` algorithm) as base64 of its big-endian bytes. */
export function crc32Base64(bytes: Buffer): string {
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
