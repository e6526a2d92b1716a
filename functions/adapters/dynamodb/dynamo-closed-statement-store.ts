import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { statementHash, type ClosedStatement } from '../../domain/month-close';
import type { ClosedStatementStore } from '../../ports/ports';
import { keys } from './keys';
import { queryAll } from './query-all';

/** Thrown when a stored closed statement no longer matches its content hash. */
export class ClosedStatementIntegrityError extends Error {
  override readonly name = 'ClosedStatementIntegrityError';
}

/**
 * Closed statements in DynamoDB, one item per month, written once (a conditional Put). The statement is
 * gzipped JSON: a large organisation's chargeback would not fit DynamoDB's 400 KB item limit as text.
 * Every read checks the content hash, so a statement changed behind costline's back is refused.
 */
export class DynamoClosedStatementStore implements ClosedStatementStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async close(statement: ClosedStatement): Promise<boolean> {
    const body = gzipSync(JSON.stringify({ chargeback: statement.chargeback, adjustments: statement.adjustments }));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.closedStatement(statement.month), body, contentHash: statement.contentHash, closedAt: statement.closedAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async list(): Promise<ClosedStatement[]> {
    const items = await queryAll(this.client, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.closedStatements } });
    return items.map((item) => {
      const { chargeback, adjustments } = JSON.parse(gunzipSync(item.body as Uint8Array).toString('utf8')) as Pick<ClosedStatement, 'chargeback' | 'adjustments'>;
      const month = item.sk as string;
      if (statementHash(chargeback, adjustments) !== item.contentHash) {
        throw new ClosedStatementIntegrityError(`the closed statement for ${month} does not match its content hash: it was changed after closing`);
      }
      return { month, chargeback, adjustments, contentHash: item.contentHash as string, closedAt: item.closedAt as string };
    });
  }
}
