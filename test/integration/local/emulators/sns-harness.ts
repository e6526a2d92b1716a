/** What the local SNS tests share: a server with a real SNSClient, closed after each test, and an SDK-error assertion. */
import { SNSClient } from '@aws-sdk/client-sns';
import { expect } from 'vitest';
import { startSnsServer, type SnsServer } from '../../../../local/emulators/sns-server';

export const TOPIC = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';

export const servers: SnsServer[] = [];
export const clients: SNSClient[] = [];
export async function start(options?: Parameters<typeof startSnsServer>[0]): Promise<{ server: SnsServer; client: SNSClient }> {
  const server = await startSnsServer(options);
  const client = new SNSClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  servers.push(server);
  clients.push(client);
  return { server, client };
}
/** Destroys the clients and closes the servers {@link start} made: each test file runs it after each test. */
export async function closeStarted(): Promise<void> {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
}

/** Asserts the SDK call rejects with an error of this name (and returns it for further checks). */
export async function expectError(promise: Promise<unknown>, name: string): Promise<Error & { Code?: string; $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `expected a ${name}`).toBeInstanceOf(Error);
  expect(error!.name).toBe(name);
  return error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
}
