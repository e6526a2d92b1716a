import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fileHash, statementHash, type ClosedStatement } from '../../domain/chargeback/month-close';
import type { ClosedStatementStore, StatementDelivery, StatementFile, StatementPart, StoredClosedStatement } from '../../ports/ports';
import { keys } from './keys';
import { queryAll } from './query-all';
import { isConditionFailure } from './condition-failure';

/** Thrown when a stored closed statement no longer matches its content hash. */
export class ClosedStatementIntegrityError extends Error {
  override readonly name = 'ClosedStatementIntegrityError';
}

/** Thrown when the delivery state kept changing under a write (another run recording the same month). */
export class DeliveryConflictError extends Error {
  override readonly name = 'DeliveryConflictError';
}

/**
 * Bytes of gzipped file body per item: DynamoDB's item limit is 400 KB, keys and attribute names
 * included. A month's focus.csv of a large organisation (one row per record) runs to megabytes.
 */
export const FILE_CHUNK_BYTES = 350_000;

/** Sets one part's delivery, keeping a part already accepted as it was (its first message id). */
export function withAccepted(delivery: StatementDelivery, part: StatementPart, accepted: { messageId: string; acceptedAt: string }): StatementDelivery {
  const done = { state: 'accepted' as const, ...accepted };
  if (part.kind === 'finance') return delivery.finance.state === 'accepted' ? delivery : { ...delivery, finance: done };
  if (delivery.teams[part.team]?.state === 'accepted') return delivery;
  return { ...delivery, teams: { ...delivery.teams, [part.team]: done } };
}

/**
 * Closed statements in DynamoDB. The statement is one item per month, written once (a conditional Put) and
 * never rewritten: gzipped JSON (a large organisation's chargeback would not fit DynamoDB's 400 KB item limit
 * as text) with its content hash, checked on every read, so a statement changed behind costline's back is
 * refused. The item also holds the delivery state as closed (every part pending). What SNS accepted since is a
 * second, small item beside it (`<month>#delivery`, same partition, read by the same Query), rewritten with a
 * condition on its version: the delivery state changes, the statement never does. A conditional Put rather
 * than an UpdateItem keeps the statement job's permissions to Query, PutItem and BatchWriteItem.
 *
 * The files the month was closed with are kept here too, gzipped, in chunks of {@link FILE_CHUNK_BYTES} under
 * their own partition (`CLOSEDFILE#<month>`), keyed by content hash: the closed statement lists each file's
 * hash, so the files are covered by its content hash, and a run that loses the close race writes chunks
 * nobody refers to rather than overwriting the winner's. One store for statement and files keeps a closed
 * month whole (locally too, where the state folder is the database) and needs no S3 read permission.
 */
export class DynamoClosedStatementStore implements ClosedStatementStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async close(statement: ClosedStatement, delivery: StatementDelivery, files: readonly StatementFile[] = []): Promise<boolean> {
    const body = gzipSync(JSON.stringify({ chargeback: statement.chargeback, adjustments: statement.adjustments, ...(statement.files ? { files: statement.files } : {}) }));
    // The files first: a statement is never stored pointing to bodies that are not there.
    for (const file of files) {
      const sha256 = fileHash(file.body);
      const zipped = gzipSync(file.body);
      for (let chunk = 0, at = 0; at < zipped.length || chunk === 0; chunk++, at += FILE_CHUNK_BYTES) {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.closedFileChunk(statement.month, sha256, chunk), name: file.name, chunks: Math.max(1, Math.ceil(zipped.length / FILE_CHUNK_BYTES)), body: zipped.subarray(at, at + FILE_CHUNK_BYTES) },
          }),
        );
      }
    }
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.closedStatement(statement.month), body, contentHash: statement.contentHash, closedAt: statement.closedAt, delivery },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async list(): Promise<StoredClosedStatement[]> {
    const items = await queryAll(this.client, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.closedStatements } });
    const deliveries = new Map(items.filter((i) => (i.sk as string).endsWith('#delivery')).map((i) => [(i.sk as string).slice(0, -'#delivery'.length), i.delivery as StatementDelivery]));
    return items
      .filter((item) => !(item.sk as string).endsWith('#delivery'))
      .map((item) => {
        const { chargeback, adjustments, files } = JSON.parse(gunzipSync(item.body as Uint8Array).toString('utf8')) as Pick<ClosedStatement, 'chargeback' | 'adjustments' | 'files'>;
        const month = item.sk as string;
        if (statementHash(chargeback, adjustments, files) !== item.contentHash) {
          throw new ClosedStatementIntegrityError(`the closed statement for ${month} does not match its content hash: it was changed after closing`);
        }
        // A month closed before the outbox existed was sent by the run that closed it.
        const delivery = deliveries.get(month) ?? (item.delivery as StatementDelivery | undefined) ?? { finance: { state: 'accepted', messageId: '', acceptedAt: item.closedAt as string }, teams: {} };
        return { month, chargeback, adjustments, ...(files ? { files } : {}), contentHash: item.contentHash as string, closedAt: item.closedAt as string, delivery };
      });
  }

  async closedFiles(statement: ClosedStatement): Promise<StatementFile[] | undefined> {
    if (!statement.files) return undefined;
    const items = await queryAll(this.client, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.closedFilesOf(statement.month) } });
    return statement.files.map((file) => {
      // Sort keys sort the chunks in order (zero-padded).
      const chunks = items.filter((i) => (i.sk as string).startsWith(`${file.sha256}#`)).sort((a, b) => ((a.sk as string) < (b.sk as string) ? -1 : 1));
      const expected = (chunks[0]?.chunks as number | undefined) ?? 0;
      if (chunks.length === 0 || chunks.length !== expected) {
        throw new ClosedStatementIntegrityError(`the closed statement for ${statement.month} lists ${file.name} (sha256 ${file.sha256}) but ${chunks.length} of its ${expected || '?'} stored chunk(s) were found`);
      }
      const body = gunzipSync(Buffer.concat(chunks.map((c) => Buffer.from(c.body as Uint8Array)))).toString('utf8');
      if (fileHash(body) !== file.sha256) throw new ClosedStatementIntegrityError(`${statement.month}/${file.name} does not match its hash in the closed statement: it was changed after closing`);
      return { name: file.name, body, contentType: file.contentType };
    });
  }

  async markAccepted(month: string, part: StatementPart, accepted: { messageId: string; acceptedAt: string }): Promise<void> {
    // Read, merge, write on the version read; another run writing the same month in between makes it read again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const items = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :month)',
        ExpressionAttributeValues: { ':pk': keys.closedStatements, ':month': month },
      });
      const closed = items.find((i) => i.sk === month);
      if (!closed) throw new Error(`${month} is not closed: there is no statement delivery to record`);
      const current = items.find((i) => i.sk === keys.closedDelivery(month).sk);
      const version = (current?.version as number | undefined) ?? 0;
      const delivery = withAccepted((current?.delivery ?? closed.delivery) as StatementDelivery, part, accepted);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.closedDelivery(month), month, delivery, version: version + 1 },
            ...(current ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } } : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new DeliveryConflictError(`the delivery state of ${month}'s statement kept changing under this run; it will be recorded by the next run`);
  }
}
