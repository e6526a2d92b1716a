/**
 * Counts the DynamoDB items and request units a bench job uses, from what actually crosses the wire:
 * SDK middleware on the document client, so every store is measured without knowing its queries.
 */
import type { AwsClients } from '../../functions/app/compose';

/** Items and request units since the last {@link DynamoMeter.reset}. */
export interface DynamoUse {
  itemsWritten: number;
  itemsRead: number;
  writeUnits: number;
  readUnits: number;
}

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? {}));

/** Sums {@link DynamoUse} for the commands a client sends once {@link DynamoMeter.attach}ed to it. */
export class DynamoMeter {
  private use: DynamoUse = { itemsWritten: 0, itemsRead: 0, writeUnits: 0, readUnits: 0 };

  reset(): void {
    this.use = { itemsWritten: 0, itemsRead: 0, writeUnits: 0, readUnits: 0 };
  }

  snapshot(): DynamoUse {
    return { ...this.use };
  }

  /** Adds the meter to the client's middleware stack (on-demand units: 1 KB writes, 4 KB eventually consistent reads). */
  attach(dynamo: AwsClients['dynamo']): void {
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        this.count(context.commandName, (args as { input: Record<string, any> }).input, (out as { output: Record<string, any> }).output);
        return out;
      },
      { step: 'initialize', name: 'costlineBenchMeter' },
    );
  }

  private count(command: string | undefined, input: Record<string, any>, output: Record<string, any>): void {
    const m = this.use;
    switch (command) {
      case 'BatchWriteItemCommand':
        for (const requests of Object.values(input.RequestItems ?? {}) as any[]) {
          for (const r of requests) {
            m.itemsWritten += 1;
            m.writeUnits += r.PutRequest ? Math.ceil(size(r.PutRequest.Item) / 1024) : 1;
          }
        }
        for (const requests of Object.values(output.UnprocessedItems ?? {}) as any[]) m.itemsWritten -= requests.length;
        break;
      case 'PutItemCommand':
      case 'DeleteItemCommand':
        m.itemsWritten += 1;
        m.writeUnits += Math.ceil(size(input.Item) / 1024);
        break;
      case 'QueryCommand':
        m.itemsRead += output.Count ?? 0;
        m.readUnits += 0.5 * Math.max(1, Math.ceil(size(output.Items) / 4096)); // eventually consistent
        break;
      case 'GetItemCommand':
        m.itemsRead += output.Item ? 1 : 0;
        m.readUnits += 0.5 * Math.max(1, Math.ceil(size(output.Item) / 4096));
        break;
    }
  }
}
