import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StatementArchive, StatementFile } from '../../ports/ports';

/**
 * Key prefix under which statements are written. The stack grants `s3:PutObject` on `<bucket>/statements/*` only,
 * from this same constant, so the adapter and the grant cannot drift apart.
 */
export const STATEMENTS_PREFIX = 'statements';

/** A statement file could not be written; the message names the object, `cause` is the SDK error. */
export class StatementArchiveError extends Error {
  override readonly name = 'StatementArchiveError';
}

/**
 * Keeps a month's statement files in S3, at `s3://<bucket>/<prefix>/<month>/<name>`. A re-run overwrites the same
 * keys: the bucket is versioned, so the statement sent earlier stays readable as a noncurrent version.
 *
 * Sets no server-side encryption per request: objects take the bucket's default encryption (SSE-S3), and a
 * per-request header would only have to be kept in step with the bucket. Checksums are the SDK's own (CRC32 by
 * default), which S3 verifies on receipt.
 */
export class S3StatementArchive implements StatementArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string = STATEMENTS_PREFIX,
    /** The bucket's region, for the console link (Lambda's AWS_REGION: the bucket is in the stack's region). */
    private readonly region?: string,
  ) {}

  /**
   * Writes every file (in parallel: a statement is a handful of small files) and returns the month's folder,
   * `s3://<bucket>/<prefix>/<month>/`, and its S3 console link (see {@link consoleFolderLink}).
   * @throws StatementArchiveError naming the first object that could not be written.
   */
  async put(month: string, files: readonly StatementFile[]): Promise<{ location: string; link?: string }> {
    const folder = `${this.prefix}/${month}/`;
    await Promise.all(
      files.map(async (file) => {
        const key = `${folder}${file.name}`;
        try {
          await this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: file.body, ContentType: withCharset(file.contentType) }),
          );
        } catch (error) {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          throw new StatementArchiveError(`could not write s3://${this.bucket}/${key}: ${reason}`, { cause: error });
        }
      }),
    );
    return { location: `s3://${this.bucket}/${folder}`, ...(this.region ? { link: consoleFolderLink(this.bucket, folder, this.region) } : {}) };
  }
}

/**
 * The S3 console's page for a folder of the bucket: finance signs in with a role allowed to read
 * `statements/*` (README, "For finance") and downloads the files there. A link rather than presigned URLs:
 * a URL presigned by the statement Lambda's role dies with that role's temporary credentials (hours), long
 * before a 7-day link would, and a longer-lived signer would be an IAM user's access key kept in a secret.
 */
export function consoleFolderLink(bucket: string, folder: string, region: string): string {
  return `https://${region}.console.aws.amazon.com/s3/buckets/${encodeURIComponent(bucket)}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(folder)}&showversions=false`;
}

/**
 * `text/*` types get `; charset=utf-8` unless they name a charset: bodies are JavaScript strings, which the SDK
 * sends as UTF-8, and without the parameter browsers opening the object from the console may guess Latin-1 and
 * garble `é` or `—`. Other types are left alone (JSON is UTF-8 by definition and has no charset parameter).
 */
export function withCharset(contentType: string): string {
  const [type = ''] = contentType.split(';');
  if (!/^text\//i.test(type.trim()) || /;\s*charset=/i.test(contentType)) return contentType;
  return `${contentType.trimEnd()}; charset=utf-8`;
}
