import { describe, expect, it } from 'vitest';
import { batchWrite, UnprocessedItemsError } from '../../../../functions/adapters/dynamodb/batch-write';

/**
 * A fake document client that, for `unprocessedRounds` calls, processes only the first item of a batch
 * (all of them if `stuck`), as DynamoDB does under load.
 */
function flakyClient(unprocessedRounds: number, stuck = false) {
  const calls: number[] = [];
  let rounds = 0;
  return {
    calls,
    send: async (command: { input: { RequestItems: Record<string, unknown[]> } }) => {
      const items = command.input.RequestItems.t!;
      calls.push(items.length);
      if (rounds++ < unprocessedRounds) return { UnprocessedItems: { t: stuck ? items : items.slice(1) } };
      return { UnprocessedItems: {} };
    },
  };
}

describe('batchWrite', () => {
  it('writes in batches of 25 and retries UnprocessedItems until none are left', async () => {
    const client = flakyClient(2);
    const requests = Array.from({ length: 30 }, (_, i) => ({ PutRequest: { Item: { pk: `${i}` } } }));
    await batchWrite(client as never, 't', requests);
    // 2 batches (25 + 5); the first two calls each leave all but one item unprocessed.
    expect(client.calls.reduce((a, b) => a + b, 0)).toBeGreaterThan(30);
    expect(client.calls.filter((n) => n === 25 || n === 5).length).toBeGreaterThanOrEqual(2);
  });

  it('gives up with a clear error when items stay unprocessed', async () => {
    const client = flakyClient(Number.POSITIVE_INFINITY, true);
    await expect(batchWrite(client as never, 't', [{ PutRequest: { Item: { pk: '1' } } }, { PutRequest: { Item: { pk: '2' } } }])).rejects.toThrow(
      UnprocessedItemsError,
    );
  });
});
