import { resolve } from 'node:path';
import type { CostlineConfig } from '../../functions/config/config-schema';
import { monthWindow, toDay } from '../../functions/domain/records/dates';
import { explainTeam, renderExplanation } from '../../functions/domain/allocation/explain';
import { buildStores, createClients } from '../../functions/app/compose';
import { chargeRecords } from '../../functions/use-cases/month-chargeback';
import { ensureTable, startLocalDynamo } from '../local-dynamodb';
import { sampleLedger } from '../sample/sample-ledger';
import { latestMonth, TABLE } from './local-setup';

/** `explain --team T [--month M]`: which tag or rule placed each of a team's dollars, from the local database. */
export async function explain(config: CostlineConfig, state: string, team: string, month?: string): Promise<number> {
  const dynamo = await startLocalDynamo({ path: resolve(state) });
  const clients = createClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint }, loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await ensureTable(clients.dynamo as never, TABLE);
    const stores = buildStores(clients, TABLE);
    const target = month ?? latestMonth(sampleLedger().lineItems.map((i) => i.date));
    const [records, usage] = await Promise.all([stores.records.listMonth(target), stores.usage.listMonth(target)]);
    if (records.length === 0 && usage.length === 0) {
      console.error(`No records for ${target} in ${state}: run \`npm run local\` (or with --from/--to) first.`);
      return 1;
    }
    const asOf = toDay(new Date(`${monthWindow(target).end}T06:00:00Z`));
    const { allocated, chargeback } = chargeRecords(config, { month: target, billed: records, usage, priceBook: stores.priceBook }, asOf);
    console.log(renderExplanation(explainTeam(allocated, chargeback, team)));
    return 0;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await dynamo.close();
  }
}
