import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A client that holds every day-pointer switch until `release` is called: a replacement paused mid-way. */
export function pausingPointerSwitches(client: DynamoDBDocumentClient) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  const wrapped = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: { input: { Item?: { sk?: string } } }) => {
        if (command instanceof PutCommand && String(command.input.Item?.sk).startsWith('#')) {
          reached();
          await gate;
        }
        return target.send(command as never);
      };
    },
  });
  return { client: wrapped, paused, release };
}
