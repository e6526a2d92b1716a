import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CostlineConfig } from '../../functions/config/config-schema';
import { assumedRoleCredentials, REFRESH_BEFORE_EXPIRY_MS } from '../../functions/adapters/sts/assumed-role-credentials';
import { startCostExplorerServer, type CostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import { startStsServer, type StsServer } from '../../local/emulators/sts-server';
import { ensureTable, startLocalDynamo, type LocalDynamo } from '../../local/local-dynamodb';
import type { Ledger } from '../../local/sample/ledger';
import type { Log } from '../../functions/ports/ports';
import { costExplorerRoleOf, createClients, dailyDeps, type AwsClients } from '../../functions/app/compose';
import { IngestionFailedError } from '../../functions/use-cases/ingest-billing';
import { runDailyIngestion } from '../../functions/use-cases/run-daily';
import { testConfig } from '../support/config';
import { TEST_CREDENTIALS } from '../support/local-aws';

const ROLE_ARN = 'arn:aws:iam::111111111111:role/Costline-cost-read';
const EXTERNAL_ID = 'costline-test-external-id';
const ALERTS = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Two tagged days of October 2026 in the payer account's bill. */
const ledger: Ledger = {
  organization: 'test',
  finalizedThrough: '2026-09-30',
  accounts: { '222222222222': 'workload' },
  lineItems: ['2026-10-01', '2026-10-02'].map((date) => ({
    date,
    account: '222222222222',
    service: 'AWS Lambda',
    usageType: 'USE1-Request',
    region: 'us-east-1',
    recordType: 'Usage',
    tags: { team: 'payments' },
    unblendedCost: '12.5',
    amortizedCost: '12.5',
    usageQuantity: '1',
    usageUnit: 'Requests',
  })),
};

let sts: StsServer;
let ce: CostExplorerServer;
let sns: SnsServer;
let dynamo: LocalDynamo;
let clients: AwsClients | undefined;
const now = new Date('2026-10-03T06:00:00Z');

/** Clients as the ingest function builds them from the config, pointed at the loopback servers. */
async function ingest(config: CostlineConfig) {
  clients = createClients({
    endpoints: { dynamodb: dynamo.endpoint, costExplorer: ce.url, sns: sns.url, sts: sts.url },
    loopbackCredentials: TEST_CREDENTIALS,
    region: 'us-east-1',
    costExplorerRole: costExplorerRoleOf(config),
  });
  const tableName = 'costline-payer-role';
  await ensureTable(clients.dynamo as never, tableName);
  return runDailyIngestion(dailyDeps({ config, clients, tableName, alertsTopicArn: ALERTS, clock: { now: () => now }, log: silent }));
}

const withRole = (externalId = EXTERNAL_ID) =>
  testConfig({ sources: { aws: { enabled: true, costMetric: 'AmortizedCost', billingAccountId: '111111111111', roleArn: ROLE_ARN, externalId } } });

beforeEach(async () => {
  sts = await startStsServer({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }] });
  // Cost Explorer accepts only the payer role's sessions, as the payer account's Cost Explorer would.
  ce = await startCostExplorerServer({ ledger, authorize: (caller) => sts.isValid(caller.accessKeyId, caller.sessionToken) });
  sns = await startSnsServer();
  dynamo = await startLocalDynamo();
});

afterEach(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  clients = undefined;
  await Promise.all([sts.close(), ce.close(), sns.close(), dynamo.close()]);
});

describe('Cost Explorer through the payer role (loopback STS and Cost Explorer, real SDK clients)', () => {
  it('signs every Cost Explorer request with one assumed session, asked with the external id and session name costline', async () => {
    const { ingestion } = await ingest(withRole());

    expect(ingestion.outcomes.find((o) => o.source === 'aws-cost-explorer')).toMatchObject({ ok: true, records: 2 });
    expect(ce.requests.length).toBeGreaterThan(1);
    expect(sts.sessions).toHaveLength(1);
    expect(sts.sessions[0]).toMatchObject({ roleArn: ROLE_ARN, sessionName: 'costline', externalId: EXTERNAL_ID, callerAccessKeyId: TEST_CREDENTIALS.accessKeyId });
  });

  it('fails the aws source with an error naming the role and the external id when STS refuses the AssumeRole, and never calls Cost Explorer', async () => {
    const failure = await ingest(withRole('a-wrong-external-id')).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(IngestionFailedError);
    const outcome = (failure as IngestionFailedError).summary.outcomes.find((o) => o.source === 'aws-cost-explorer');
    expect(outcome).toMatchObject({ ok: false });
    const message = (outcome as { error: string }).error;
    expect(message).toContain(`cannot assume sources.aws.roleArn ${ROLE_ARN}`);
    expect(message).toContain('AccessDenied');
    expect(message).toContain('sources.aws.externalId');
    expect(ce.requests).toHaveLength(0);
  });

  it('without roleArn signs with the caller\'s own credentials and never calls STS (which this Cost Explorer refuses)', async () => {
    const failure = await ingest(testConfig()).catch((error: unknown) => error);

    expect(sts.requests).toHaveLength(0);
    const outcome = (failure as IngestionFailedError).summary.outcomes.find((o) => o.source === 'aws-cost-explorer');
    expect((outcome as { error: string }).error).toContain('The security token included in the request is invalid');
  });
});

describe('assumedRoleCredentials', () => {
  it('reuses the session until five minutes before it expires, then assumes the role again; concurrent callers share one AssumeRole', async () => {
    let clock = now.getTime();
    await sts.close();
    sts = await startStsServer({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], now: () => new Date(clock) });
    const client = new STSClient({ endpoint: sts.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    try {
      const credentials = assumedRoleCredentials(client, { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, now: () => clock });

      const [first, concurrent] = await Promise.all([credentials(), credentials()]);
      expect(concurrent).toBe(first);
      expect(first.expiration.toISOString()).toBe('2026-10-03T07:00:00.000Z');

      clock = first.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS - 1;
      expect((await credentials()).accessKeyId).toBe(first.accessKeyId);
      expect(sts.sessions).toHaveLength(1);

      clock += 1;
      const renewed = await credentials();
      expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
      expect(sts.sessions).toHaveLength(2);
    } finally {
      client.destroy();
    }
  });

  it('does not keep a failure: the next call assumes the role again', async () => {
    const client = new STSClient({ endpoint: sts.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      const credentials = assumedRoleCredentials(client, { roleArn: ROLE_ARN, externalId: EXTERNAL_ID });
      sts.failNext(1, { status: 400, code: 'RegionDisabledException', message: 'STS is not activated in this region for account:111111111111.' });
      await expect(credentials()).rejects.toThrow(/RegionDisabledException: STS is not activated/);
      expect((await credentials()).accessKeyId).toMatch(/^ASIA/);
    } finally {
      client.destroy();
    }
  });
});
