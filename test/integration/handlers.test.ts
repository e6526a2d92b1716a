import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCostExplorerServer, type CostExplorerServer } from '../../functions/local/emulators/cost-explorer-server';
import { startSnsServer, type SnsServer } from '../../functions/local/emulators/sns-server';
import { sampleLedger } from '../../functions/local/sample-ledger';
import { DynamoChargebackStore } from '../../functions/adapters/dynamodb/dynamo-state-stores';
import { SOURCE_IDS, TELEMETRY } from '../../functions/shared/telemetry';
import { startLocalAws, type LocalAws } from '../support/local-aws';

/**
 * The Lambda entry points as AWS runs them: configured only by environment variables (the SDK's own
 * AWS_ENDPOINT_URL_* point the real clients at loopback servers), config file beside the code.
 */
let aws: LocalAws;
let ce: CostExplorerServer;
let sns: SnsServer;
const saved = { ...process.env };

beforeAll(async () => {
  ce = await startCostExplorerServer({ ledger: sampleLedger() });
  sns = await startSnsServer();
  aws = await startLocalAws();
  Object.assign(process.env, {
    TABLE_NAME: aws.tableName,
    ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
    STATEMENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:statements',
    COSTLINE_CONFIG_PATH: 'costline.config.json',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: aws.dynamo.endpoint,
    AWS_ENDPOINT_URL_COST_EXPLORER: ce.url,
    AWS_ENDPOINT_URL_SNS: sns.url,
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});

afterAll(async () => {
  process.env = saved;
  await aws.close();
  await ce.close();
  await sns.close();
});

describe('Lambda handlers', () => {
  it('ingest: a backfill event ingests October, stores the chargeback and publishes the budget alerts', async () => {
    vi.resetModules();
    const { handler } = await import('../../functions/ingest/handler');
    const written: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      await handler({ from: '2026-10-01', to: '2026-11-01' });
    } finally {
      stdout.mockRestore();
    }
    // The stale-data alarm (infra/constructs/stale-data-alarm.ts) watches exactly this metric and dimension set.
    const emf = written.flatMap((w) => w.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({ CloudWatchMetrics: [{ Namespace: TELEMETRY.namespace, Dimensions: [['service', 'source']], Metrics: [{ Name: TELEMETRY.ingestionSucceeded, Unit: 'Count' }] }] }),
        service: TELEMETRY.serviceName,
        source: SOURCE_IDS.aws,
        [TELEMETRY.ingestionSucceeded]: 1,
      }),
    ]);
    const search = await new DynamoChargebackStore(aws.clients.dynamo, aws.tableName).getTeamCharge('2026-10', 'search');
    expect(Number(search!.budgetUsedPercent)).toBeGreaterThan(100);
    expect(sns.messages.filter((m) => m.topicArn.endsWith(':alerts')).map((m) => m.attributes.team?.value).sort()).toEqual(['growth', 'payments', 'search']);
  });

  it('ingest: rejects a malformed event, naming the field', async () => {
    const { handler } = await import('../../functions/ingest/handler');
    await expect(handler({ from: '2026-13-01', to: '2026-11-01' })).rejects.toThrow(/from/);
  });

  it('statement: publishes the requested month to the statements topic', async () => {
    vi.resetModules();
    const { handler } = await import('../../functions/statement/handler');
    await handler({ month: '2026-10' });
    const statement = sns.messages.find((m) => m.topicArn.endsWith(':statements'))!;
    expect(statement.subject).toBe('costline chargeback statement 2026-10 (preliminary)');
    expect(statement.message).toMatch(/^TOTAL\s+11,459\.91$/m);
  });

  it('fails at cold start, naming the variable, when the environment is incomplete', async () => {
    vi.resetModules();
    delete process.env.STATEMENTS_TOPIC_ARN;
    await expect(import('../../functions/statement/handler')).rejects.toThrow('environment variable STATEMENTS_TOPIC_ARN is not set');
    process.env.STATEMENTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:statements';
  });
});
