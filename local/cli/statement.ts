import { resolve } from 'node:path';
import type { CostlineConfig } from '../../functions/config/config-schema';
import type { Clock } from '../../functions/ports/ports';
import { buildStores, createClients, publisher } from '../../functions/app/compose';
import { EmptyMonthError, NotClosedError, publishStatement, type StatementDeps } from '../../functions/use-cases/publish-statement';
import { startSnsServer } from '../emulators/sns-server';
import { ensureTable, startLocalDynamo } from '../local-dynamodb';
import { RefusedError } from './errors';
import { STATEMENTS_TOPIC, TABLE } from './local-setup';
import { writeMonth } from './month-files';

/**
 * `statement --month M [--resend]`: the statement job on the local database, now. Prints what it did and
 * writes the month's files; a closed month is written exactly as it was closed.
 */
export async function statement(config: CostlineConfig, state: string, out: string, month: string, resend: boolean, clock: Clock): Promise<number> {
  const dynamo = await startLocalDynamo({ path: resolve(state) });
  const sns = await startSnsServer();
  const clients = createClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint, sns: sns.url }, loopbackCredentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await ensureTable(clients.dynamo as never, TABLE);
    const stores = buildStores(clients, TABLE);
    const deps: StatementDeps = { ...stores, statements: publisher(clients, STATEMENTS_TOPIC), clock, config };
    const result = await publishStatement(deps, month, resend ? 'resend' : 'on-demand').catch((error: unknown) => {
      if (error instanceof EmptyMonthError || error instanceof NotClosedError) throw new RefusedError(`${error.message} (local database ${state})`);
      throw error;
    });
    const files = await result.files();
    const alerts = (await stores.ledger.listMonth(month)).filter((a) => a.delivery === 'published');
    const { dir, names } = writeMonth(out, month, result.chargeback, files, alerts, config.teams.filter((t) => t.statementToLeads).map((t) => t.id));
    console.log(result.text);
    const sent = sns.messages.length;
    for (const late of result.late.filter((l) => l.month !== month)) console.log(`${late.month}: closed earlier; its statement had not been sent in full: sent now (${late.parts.join(', ')}).`);
    console.log(`${month}: ${OUTCOMES[result.outcome]}; ${sent} message(s) published to the local statements topic. Files in ${dir}/: ${names.join(', ')}`);
    return 0;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
    await sns.close();
    await dynamo.close();
  }
}

const OUTCOMES = {
  'published-final': 'closed now and its final statement sent (stored with its content hash; it will never change)',
  'published-preliminary': 'not final yet: a preliminary statement sent',
  'resent-final': 'the closed statement resent exactly as it was stored',
  'already-final': 'already closed and sent; not sent again (use --resend to send it deliberately)',
  'sent-final-late': 'closed earlier; its statement had not been sent: sent now',
  'closed-by-another-run': 'closed a moment ago by another run, which sends it',
  'not-final-yet': 'not final yet',
} as const;
