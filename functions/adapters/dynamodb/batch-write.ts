import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type WriteRequest = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string][number];

/** Thrown when DynamoDB keeps returning UnprocessedItems after every retry. */
export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
}

const BATCH = 25; // BatchWriteItem's limit; 26 is rejected.
const ATTEMPTS = 8;
const CONCURRENCY = 4;


/**
 * Writes requests in batches of 25, a few batches at a time, and retries each batch's UnprocessedItems
 * with exponential backoff and full jitter (the SDK retries errors, not partial successes).
 */
export async function batchWrite(client: DynamoDBDocumentClient, table: string, requests: readonly WriteRequest[]): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH) batches.push(requests.slice(i, i + BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = batches[next++]!;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > ATTEMPTS) {
          throw new UnprocessedItemsError(`DynamoDB left ${pending.length} of a batch unprocessed after ${ATTEMPTS} attempts (table ${table})`);
        }
        if (attempt > 1) await sleep(Math.random() * Math.min(2000, 50 * 2 ** attempt));
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batches.length) }, worker));
}
