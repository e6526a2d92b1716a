import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoChargebackStore } from '../../functions/adapters/dynamodb/dynamo-state-stores';
import { startAnthropicServer, type AnthropicServer } from '../../local/emulators/anthropic-server';
import { startCostExplorerServer, type CostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startOpenAiServer, type OpenAiServer } from '../../local/emulators/openai-server';
import { startSecretsManagerServer, type SecretsManagerServer } from '../../local/emulators/secrets-manager-server';
import { startS3Server } from '../../local/emulators/s3-server';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { sampleProviderLedger } from '../../local/sample/sample-provider-ledger';
import { TELEMETRY } from '../../functions/lib/telemetry';
import { startLocalAws, type LocalAws } from '../support/local-aws';

/**
 * The Lambda entry points as AWS runs them: configured only by environment variables (the SDK's own
 * AWS_ENDPOINT_URL_* point the real clients at loopback servers, OPENAI_BASE_URL / ANTHROPIC_BASE_URL the
 * providers), admin keys read from (loopback) Secrets Manager, config file beside the code.
 */
const OPENAI_KEY = 'sk-admin-TEST-openai-7f3e9a';
const ANTHROPIC_KEY = 'sk-ant-admin01-TEST-anthropic-c41d2b';
let aws: LocalAws;
let ce: CostExplorerServer;
let sns: SnsServer;
let openai: OpenAiServer;
let anthropic: AnthropicServer;
let secrets: SecretsManagerServer;
let s3: Awaited<ReturnType<typeof startS3Server>>;
const saved = { ...process.env };
/**
 * Each job runs on a pinned clock, as production runs on the system's: the sample books end with October
 * 2026, so the daily and statement jobs run on a November morning (October is last month, still open)
 * and the hourly job in the middle of an October day.
 */
const NOVEMBER_MORNING = { now: () => new Date('2026-11-03T06:00:00Z') };
const OCTOBER_AFTERNOON = { now: () => new Date('2026-10-21T15:20:00Z') };

/**
 * Runs `act` capturing everything written to stdout and stderr (Powertools logs and EMF metrics) and
 * through `console` (which vitest intercepts before it reaches stdout).
 */
async function captureOutput(act: () => Promise<unknown>): Promise<{ lines: string[]; error?: unknown }> {
  const written: string[] = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
  const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' '))),
  );
  try {
    await act();
    return { lines: written.flatMap((w) => w.split('\n')).filter(Boolean) };
  } catch (error) {
    return { lines: written.flatMap((w) => w.split('\n')).filter(Boolean), error };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const spy of consoles) spy.mockRestore();
  }
}

beforeAll(async () => {
  const books = sampleProviderLedger();
  s3 = await startS3Server({ buckets: ['costline-statements'] });
  [ce, sns, openai, anthropic, secrets, aws] = await Promise.all([
    startCostExplorerServer({ ledger: sampleLedger() }),
    startSnsServer(),
    startOpenAiServer({ ledger: books.openai, adminKey: OPENAI_KEY }),
    startAnthropicServer({ ledger: books.anthropic, adminKey: ANTHROPIC_KEY }),
    startSecretsManagerServer({ 'costline/openai-admin-key': OPENAI_KEY, 'costline/anthropic-admin-key': ANTHROPIC_KEY }),
    startLocalAws(),
  ]);
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
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    STATEMENTS_BUCKET: 'costline-statements',
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_BASE_URL: anthropic.url,
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  });
});

afterAll(async () => {
  process.env = saved;
  await Promise.all([aws.close(), ce.close(), sns.close(), openai.close(), anthropic.close(), secrets.close(), s3.close()]);
});

describe('Lambda handlers', () => {
  it('ingest: a backfill event ingests every source, stores the chargeback, publishes alerts, and records one success metric per source', async () => {
    vi.resetModules();
    const { createIngestHandler } = await import('../../functions/handlers/ingest');
    const handler = createIngestHandler(NOVEMBER_MORNING);
    const { lines, error } = await captureOutput(() => handler({ from: '2026-10-01', to: '2026-11-01' }));
    expect(error).toBeUndefined();

    const search = await new DynamoChargebackStore(aws.clients.dynamo, aws.tableName).getTeamCharge('2026-10', 'search');
    expect(search!.byProvider).toMatchObject({ aws: expect.any(String), openai: expect.any(String) });
    const alerts = sns.messages.filter((m) => m.topicArn.endsWith(':alerts'));
    const teamThresholds = alerts.filter((m) => m.attributes.kind?.value === 'threshold' && !m.attributes.provider && !m.attributes.model);
    expect(teamThresholds.map((m) => m.attributes.team?.value).sort()).toEqual(['data-platform', 'growth', 'organization', 'payments', 'search', 'support-bot']);
    // The unmapped OpenAI project and Anthropic workspace, to the platform audience (team "unallocated").
    // The watched models (o3-deep-research, data-platform's fast-mode claude-opus-4-6) go to the team that used them and the platform audience.
    expect(alerts.filter((m) => m.attributes.kind?.value === 'shadow-ai').map((m) => [m.attributes.team?.value, m.attributes.provider?.value]).sort()).toEqual([
      ['data-platform', 'anthropic'],
      ['search', 'openai'],
      ['unallocated', 'anthropic'],
      ['unallocated', 'openai'],
    ]);
    expect(secrets.requests).toEqual(expect.arrayContaining(['costline/openai-admin-key', 'costline/anthropic-admin-key']));
    // The stale-data alarms (infra/constructs/stale-data-alarm.ts) and the dashboard watch exactly these metrics and dimension sets.
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, any>);
    const named = (name: string) => emf.filter((m) => m._aws.CloudWatchMetrics[0].Metrics[0].Name === name);
    const sources = ['anthropic-costs', 'anthropic-usage', 'aws-cost-explorer', 'openai-costs', 'openai-usage'];
    for (const name of [TELEMETRY.ingestionSucceeded, TELEMETRY.recordsIngested, TELEMETRY.sourceRequests, TELEMETRY.dataAgeHours]) {
      expect(named(name).map((m) => m.source).sort(), name).toEqual(sources);
      for (const metric of named(name)) {
        expect(metric._aws.CloudWatchMetrics).toEqual([{ Namespace: TELEMETRY.namespace, Dimensions: [['service', 'source']], Metrics: [{ Name: name, Unit: 'Count' }] }]);
        expect(metric.service).toBe(TELEMETRY.serviceName);
      }
    }
    expect(named(TELEMETRY.ingestionSucceeded).every((m) => m[TELEMETRY.ingestionSucceeded] === 1)).toBe(true);
    expect(named(TELEMETRY.dataAgeHours).every((m) => m[TELEMETRY.dataAgeHours] === 0)).toBe(true);
    expect(named(TELEMETRY.recordsIngested).find((m) => m.source === 'aws-cost-explorer')![TELEMETRY.recordsIngested]).toBeGreaterThan(0);
    // Never a key in the logs, even at DEBUG.
    expect(lines.join('\n')).not.toContain(OPENAI_KEY);
    expect(lines.join('\n')).not.toContain(ANTHROPIC_KEY);
  });

  it('ingest: a provider rejecting the key fails the run loudly, names the provider, still ingests the others, and logs no key', async () => {
    vi.resetModules();
    const { createIngestHandler } = await import('../../functions/handlers/ingest');
    const handler = createIngestHandler(NOVEMBER_MORNING);
    openai.failNext(2, { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const before = sns.messages.length;
    const { lines, error } = await captureOutput(() => handler({ from: '2026-10-01', to: '2026-11-01' }));
    expect((error as Error).message).toMatch(/openai-costs \(OpenAI rejected the admin key \(HTTP 401: Incorrect API key provided\)\. The key is missing, revoked, or lacks admin rights/);
    const outcomes = lines.filter((l) => l.includes(`"${TELEMETRY.ingestionSucceeded}"`)).map((l) => JSON.parse(l) as Record<string, any>);
    expect(outcomes.filter((m) => m[TELEMETRY.ingestionSucceeded] === 1).map((m) => m.source).sort()).toEqual(['anthropic-costs', 'anthropic-usage', 'aws-cost-explorer']);
    // The failed sources report their failure (0), which the stale-data alarm counts as a run without success.
    expect(outcomes.filter((m) => m[TELEMETRY.ingestionSucceeded] === 0).map((m) => m.source).sort()).toEqual(['openai-costs', 'openai-usage']);
    expect(sns.messages.length).toBe(before); // nothing new to alert about; nothing sent twice
    expect(lines.join('\n')).not.toContain(OPENAI_KEY);
    expect(lines.join('\n')).not.toContain(ANTHROPIC_KEY);
  });

  it('ingest: a failing source reports the hours since its last success as its data age, the others 0', async () => {
    vi.resetModules();
    const { createIngestHandler } = await import('../../functions/handlers/ingest');
    // 30 hours after the runs above, which ingested every source.
    const later = new Date(NOVEMBER_MORNING.now().getTime() + 30 * 3600_000);
    const handler = createIngestHandler({ now: () => later });
    openai.failNext(2, { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const { lines, error } = await captureOutput(() => handler({ from: '2026-10-01', to: '2026-11-01' }));
    expect(error).toBeDefined();
    const ages = lines.filter((l) => l.includes(`"${TELEMETRY.dataAgeHours}"`)).map((l) => JSON.parse(l) as Record<string, any>);
    expect(Object.fromEntries(ages.map((m) => [m.source, m[TELEMETRY.dataAgeHours]]))).toEqual({
      'anthropic-costs': 0,
      'anthropic-usage': 0,
      'aws-cost-explorer': 0,
      'openai-costs': 30,
      'openai-usage': 30,
    });
  });

  it('ingest: rejects a malformed event, naming the field', async () => {
    const { handler } = await import('../../functions/handlers/ingest');
    const { error } = await captureOutput(() => handler({ from: '2026-13-01', to: '2026-11-01' }));
    expect((error as Error).message).toMatch(/from/);
  });

  it('usage: the hourly job reads usage only, in 1-hour buckets', async () => {
    vi.resetModules();
    const { createUsageHandler } = await import('../../functions/handlers/usage');
    const handler = createUsageHandler(OCTOBER_AFTERNOON);
    const openaiBefore = openai.requests.length;
    const ceBefore = ce.requests.length;
    const { error } = await captureOutput(() => handler({}));
    expect(error).toBeUndefined();
    const urls = openai.requests.slice(openaiBefore).map((r) => r.url);
    expect(urls.every((u) => u.includes('/organization/usage/') && u.includes('bucket_width=1h'))).toBe(true);
    expect(urls.length).toBeGreaterThan(0);
    // Yesterday and today so far, by the job's clock.
    expect(urls.every((u) => u.includes(`start_time=${Date.parse('2026-10-20T00:00:00Z') / 1000}`))).toBe(true);
    expect(ce.requests.length).toBe(ceBefore);
  });

  it('statement: archives the statement files in S3 (dimensions.csv too, as the sample config has dimensions) and emails the statement with where they are', async () => {
    vi.resetModules();
    const { createStatementHandler } = await import('../../functions/handlers/statement');
    const handler = createStatementHandler(NOVEMBER_MORNING);
    const { error } = await captureOutput(() => handler({ month: '2026-10' }));
    expect(error).toBeUndefined();
    const statement = sns.messages.find((m) => m.topicArn.endsWith(':statements'))!;
    expect(statement.subject).toBe('costline chargeback statement 2026-10 (preliminary)');
    expect(statement.message).toMatch(/^By provider: anthropic [\d,.]+, aws 11,470\.27, openai [\d,.]+$/m);
    expect(statement.message).toContain('The statement as CSV, HTML and FOCUS CSV: s3://costline-statements/statements/2026-10/');
    expect([...s3.objects.keys()].sort()).toEqual(['statement.csv', 'statement.html', 'statement.txt', 'focus.csv', 'dimensions.csv'].map((f) => `costline-statements/statements/2026-10/${f}`).sort());
    expect(s3.objects.get('costline-statements/statements/2026-10/statement.csv')!.contentType).toMatch(/^text\/csv/);
  });

  it('fails at cold start, naming the variable, when the environment is incomplete', async () => {
    vi.resetModules();
    delete process.env.STATEMENTS_TOPIC_ARN;
    await expect(import('../../functions/handlers/statement')).rejects.toThrow('environment variable STATEMENTS_TOPIC_ARN is not set');
    process.env.STATEMENTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:statements';
  });
});
