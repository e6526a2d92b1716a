import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../../../local/emulators/s3-server';

let server: S3Server;
let s3: S3Client;
const BYTES = Uint8Array.from({ length: 300 }, (_, i) => i % 256);

beforeAll(async () => {
  server = await startS3Server({ buckets: ['billing'] });
  s3 = new S3Client({ endpoint: server.url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  for (const n of [1, 2, 3]) server.objects.set(`billing/cur2/x/data/BILLING_PERIOD=2026-10/x-0000${n}.snappy.parquet`, { body: BYTES });
  server.objects.set('billing/cur2/x/metadata/BILLING_PERIOD=2026-10/x-Manifest.json', { body: '{}' });
});
afterAll(async () => {
  s3.destroy();
  await server.close();
});

describe('local S3 for billing exports', () => {
  it('serves seeded bytes whole, by range, and by HEAD', async () => {
    const key = 'cur2/x/data/BILLING_PERIOD=2026-10/x-00001.snappy.parquet';
    const whole = await s3.send(new GetObjectCommand({ Bucket: 'billing', Key: key }));
    expect(Buffer.compare(Buffer.from(await whole.Body!.transformToByteArray()), Buffer.from(BYTES))).toBe(0);
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'billing', Key: key, Range: 'bytes=-8' }));
    expect([...(await tail.Body!.transformToByteArray())]).toEqual([...BYTES.slice(-8)]);
    expect(tail.ContentRange).toBe('bytes 292-299/300');
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'billing', Key: key }))).ContentLength).toBe(300);
  });

  it('lists a prefix in pages with continuation tokens', async () => {
    const prefix = 'cur2/x/data/BILLING_PERIOD=2026-10/';
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'billing', Prefix: prefix, MaxKeys: 2 }));
    expect([first.IsTruncated, first.Contents?.map((c) => c.Key)]).toEqual([true, [`${prefix}x-00001.snappy.parquet`, `${prefix}x-00002.snappy.parquet`]]);
    const second = await s3.send(new ListObjectsV2Command({ Bucket: 'billing', Prefix: prefix, MaxKeys: 2, ContinuationToken: first.NextContinuationToken! }));
    expect([second.IsTruncated, second.Contents?.map((c) => [c.Key, c.Size])]).toEqual([false, [[`${prefix}x-00003.snappy.parquet`, 300]]]);
  });
});
