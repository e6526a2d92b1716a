import { createClients, type AwsClients } from '../../functions/app/compose';
import { ensureTable, startLocalDynamo, type LocalDynamo } from '../../local/local-dynamodb';

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** dynalite in memory with costline's table, and real SDK clients pointed at it (and at other loopback servers). */
export interface LocalAws {
  dynamo: LocalDynamo;
  clients: AwsClients;
  tableName: string;
  close(): Promise<void>;
}

let tableCounter = 0;

export async function startLocalAws(endpoints: { costExplorer?: string; sns?: string; s3?: string } = {}): Promise<LocalAws> {
  const dynamo = await startLocalDynamo();
  const clients = createClients({ endpoints: { dynamodb: dynamo.endpoint, ...endpoints }, loopbackCredentials: TEST_CREDENTIALS, region: 'us-east-1' });
  const tableName = `costline-test-${++tableCounter}`;
  await ensureTable(clients.dynamo as never, tableName);
  return {
    dynamo,
    clients,
    tableName,
    close: async () => {
      for (const client of Object.values(clients)) client.destroy();
      await dynamo.close();
    },
  };
}
