import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { S3StatementArchive, StatementArchiveError, withCharset } from '../../functions/adapters/s3/s3-statement-archive';
import { startS3Server, type S3Server } from '../../local/emulators/s3-server';
import type { StatementFile } from '../../functions/ports/ports';

const BUCKET = 'costline-statements-test';

const servers: S3Server[] = [];
const clients: S3Client[] = [];
/** A loopback S3 and the real client pointed at it, path-style, with dummy credentials. */
async function start(options: Parameters<typeof startS3Server>[0] = { buckets: [BUCKET] }): Promise<{ server: S3Server; client: S3Client }> {
  const server = await startS3Server(options);
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  servers.push(server);
  clients.push(client);
  return { server, client };
}
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Resolves to the error the promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(Error);
  return error!;
}

const CSV = 'team,billedCost\nsearch,1204.17\nplateforme-données,88.10\n__unallocated__,3.05\n';
const TEXT = 'Statement for 2026-10 — costline\nÉquipe « search »: 1 204,17 $ ✓\n';
const HTML = '<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body><p>Total — 1 295,32 $ (é)</p></body></html>';
const JSON_BODY = JSON.stringify({ month: '2026-10', teams: [{ team: 'plateforme-données', billedCost: '88.10' }] });

const FILES: StatementFile[] = [
  { name: 'statement.csv', body: CSV, contentType: 'text/csv' },
  { name: 'statement.txt', body: TEXT, contentType: 'text/plain' },
  { name: 'statement.html', body: HTML, contentType: 'text/html' },
  { name: 'statement.json', body: JSON_BODY, contentType: 'application/json' },
];

describe('S3StatementArchive with the real S3Client against the loopback S3', () => {
  it('writes each file under statements/<month>/ with its content type, UTF-8 intact, and returns the folder', async () => {
    // Prepare
    const { server, client } = await start();
    const archive = new S3StatementArchive(client, BUCKET);

    // Act
    const result = await archive.put('2026-10', FILES);

    // Assess
    expect(result).toEqual({ location: `s3://${BUCKET}/statements/2026-10/` });
    expect(Object.fromEntries(server.objects)).toEqual({
      [`${BUCKET}/statements/2026-10/statement.csv`]: { body: CSV, contentType: 'text/csv; charset=utf-8' },
      [`${BUCKET}/statements/2026-10/statement.txt`]: { body: TEXT, contentType: 'text/plain; charset=utf-8' },
      [`${BUCKET}/statements/2026-10/statement.html`]: { body: HTML, contentType: 'text/html; charset=utf-8' },
      [`${BUCKET}/statements/2026-10/statement.json`]: { body: JSON_BODY, contentType: 'application/json' },
    });
  });

  it('returns the S3 console link of the month’s folder when it knows the bucket’s region, for finance to open with the read-only role', async () => {
    // Prepare
    const { client } = await start();
    const archive = new S3StatementArchive(client, BUCKET, 'statements', 'eu-west-1');

    // Act
    const result = await archive.put('2026-10', FILES);

    // Assess
    expect(result).toEqual({
      location: `s3://${BUCKET}/statements/2026-10/`,
      link: `https://eu-west-1.console.aws.amazon.com/s3/buckets/${BUCKET}?region=eu-west-1&prefix=statements%2F2026-10%2F&showversions=false`,
    });
  });

  it('reads back through GetObject byte for byte, with the checksum the client validates', async () => {
    // Prepare
    const { client } = await start();
    await new S3StatementArchive(client, BUCKET).put('2026-10', FILES);

    // Act
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'statements/2026-10/statement.txt' }));
    const body = await object.Body!.transformToString('utf-8');

    // Assess
    expect(body).toBe(TEXT);
    expect(object.ContentType).toBe('text/plain; charset=utf-8');
    expect(object.ContentLength).toBe(Buffer.byteLength(TEXT));
    expect(object.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it('uses the prefix it is given and overwrites a month written before (a re-run)', async () => {
    const { server, client } = await start();
    const archive = new S3StatementArchive(client, BUCKET, 'archive/costline');
    await archive.put('2026-09', [{ name: 'statement.csv', body: 'old', contentType: 'text/csv' }]);

    const result = await archive.put('2026-09', [{ name: 'statement.csv', body: 'team,billedCost\n', contentType: 'text/csv; charset=utf-8' }]);

    expect(result.location).toBe(`s3://${BUCKET}/archive/costline/2026-09/`);
    expect([...server.objects.keys()]).toEqual([`${BUCKET}/archive/costline/2026-09/statement.csv`]);
    // A charset already named is kept, not doubled.
    expect(server.objects.get(`${BUCKET}/archive/costline/2026-09/statement.csv`)).toEqual({ body: 'team,billedCost\n', contentType: 'text/csv; charset=utf-8' });
  });

  it('fails with a StatementArchiveError naming the object and NoSuchBucket when the bucket does not exist', async () => {
    // Prepare
    const { server, client } = await start();
    const archive = new S3StatementArchive(client, 'no-such-bucket');

    // Act
    const error = await rejection(archive.put('2026-10', FILES.slice(0, 1)));

    // Assess
    expect(error).toBeInstanceOf(StatementArchiveError);
    expect(error.message).toBe('could not write s3://no-such-bucket/statements/2026-10/statement.csv: NoSuchBucket: The specified bucket does not exist');
    expect((error.cause as Error).name).toBe('NoSuchBucket');
    expect(server.objects.size).toBe(0);
  });
});

describe('withCharset', () => {
  it.each([
    ['text/csv', 'text/csv; charset=utf-8'],
    ['text/html', 'text/html; charset=utf-8'],
    ['TEXT/Plain', 'TEXT/Plain; charset=utf-8'],
    ['text/csv; header=present', 'text/csv; header=present; charset=utf-8'],
    ['text/csv; charset=utf-8', 'text/csv; charset=utf-8'],
    ['text/plain;charset=ISO-8859-1', 'text/plain;charset=ISO-8859-1'],
    ['application/json', 'application/json'],
    ['application/pdf', 'application/pdf'],
  ])('%s -> %s', (input, expected) => {
    expect(withCharset(input)).toBe(expected);
  });
});

describe('loopback S3 with the real S3Client', () => {
  it('answers GetObject of a missing key with NoSuchKey and HeadObject with NotFound (404)', async () => {
    const { client } = await start();

    const get = await rejection(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'statements/2026-10/missing.csv' })));
    const head = await rejection(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'statements/2026-10/missing.csv' })));

    expect(get.name).toBe('NoSuchKey');
    expect(get.$metadata?.httpStatusCode).toBe(404);
    // HEAD answers have no body, so S3 (and this server) give only the status: the SDK names it NotFound.
    expect(head.name).toBe('NotFound');
    expect(head.$metadata?.httpStatusCode).toBe(404);
  });

  it('answers HeadObject with the stored type, length and ETag', async () => {
    const { client } = await start();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/é — b.txt', Body: TEXT, ContentType: 'text/plain; charset=utf-8' }));

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/é — b.txt' }));

    expect(head.ContentType).toBe('text/plain; charset=utf-8');
    expect(head.ContentLength).toBe(Buffer.byteLength(TEXT));
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('decodes an aws-chunked stream upload (checksum in a trailer) to the original bytes', async () => {
    // A stream body has no length the SDK can hash ahead, so it frames it with aws-chunked and a CRC32 trailer.
    const { server, client } = await start();
    const bytes = Buffer.from(TEXT.repeat(50), 'utf8');

    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'stream.txt', Body: Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]), ContentLength: bytes.length, ContentType: 'text/plain' }));

    expect(server.objects.get(`${BUCKET}/stream.txt`)).toEqual({ body: TEXT.repeat(50), contentType: 'text/plain' });
  });

  it('rejects an upload whose body does not match its CRC32 with BadDigest, storing nothing', async () => {
    const { server, client } = await start();

    const error = await rejection(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad.txt', Body: 'abc', ChecksumCRC32: 'AAAAAA==' })));

    expect(error.name).toBe('BadDigest');
    expect(server.objects.has(`${BUCKET}/bad.txt`)).toBe(false);
  });

  it('accepts any bucket when no bucket list is given', async () => {
    const { server, client } = await start({});
    await client.send(new PutObjectCommand({ Bucket: 'any-bucket', Key: 'k', Body: 'v' }));
    expect(server.objects.get('any-bucket/k')?.body).toBe('v');
  });

  it('keeps and serves binary objects byte for byte (Parquet billing exports)', async () => {
    const { server, client } = await start({});
    const bytes = Buffer.from([0x50, 0x41, 0x52, 0x31, 0xff, 0xfe, 0x00, 0x80]);
    await client.send(new PutObjectCommand({ Bucket: 'exports', Key: 'a.parquet', Body: bytes }));
    const answer = await client.send(new GetObjectCommand({ Bucket: 'exports', Key: 'a.parquet' }));
    expect(Buffer.from(await answer.Body!.transformToByteArray())).toEqual(bytes);
    server.objects.set('exports/seeded.parquet', { body: '', bytes });
    const seeded = await client.send(new GetObjectCommand({ Bucket: 'exports', Key: 'seeded.parquet' }));
    expect(Buffer.from(await seeded.Body!.transformToByteArray())).toEqual(bytes);
  });
});
