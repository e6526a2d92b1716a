import Big from 'big.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sum } from '../../functions/domain/records/money';
import type { Log } from '../../functions/ports/ports';
import { startAnthropicServer, type AnthropicServer } from '../../local/emulators/anthropic-server';
import { startOpenAiServer, type OpenAiServer } from '../../local/emulators/openai-server';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import type { ProviderLedger } from '../../local/sample/provider-ledger';
import { sampleProviderLedger } from '../../local/sample/sample-provider-ledger';
import { dailyDeps } from '../../functions/app/compose';
import { IngestionFailedError } from '../../functions/use-cases/ingest-billing';
import { runDailyIngestion } from '../../functions/use-cases/run-daily';
import { expectBooksBalance } from '../support/books';
import { testConfig } from '../support/config';
import { startLocalAws, type LocalAws } from '../support/local-aws';

const OPENAI_KEY = 'sk-admin-provider-test';
const ANTHROPIC_KEY = 'sk-ant-admin-provider-test';
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const config = testConfig({
  allocation: {
    awsTagKey: 'team',
    rules: [
      { match: { project: 'proj_payments' }, team: 'payments' },
      { match: { project: 'proj_search' }, team: 'search' },
      { match: { workspace: 'wrkspc_support' }, team: 'growth' },
    ],
  },
  sources: { aws: { enabled: false }, openai: { enabled: true, organizationId: 'org-t' }, anthropic: { enabled: true, organizationId: 'ant-t' } },
});

let aws: LocalAws;
let openai: OpenAiServer;
let anthropic: AnthropicServer;
let sns: SnsServer;
let books: ProviderLedger;
let now: Date;
let openaiKey: string;

function deps() {
  return dailyDeps({
    config,
    clients: aws.clients,
    tableName: aws.tableName,
    alertsTopicArn: 'arn:aws:sns:us-east-1:000000000000:a',
    clock: { now: () => now },
    log: silent,
    access: { secret: (p) => async () => (p === 'openai' ? openaiKey : ANTHROPIC_KEY), baseUrls: { openai: openai.url, anthropic: anthropic.url }, usageBucketWidth: '1d' },
  });
}

/** October's first week only, so each test is quick. */
function firstWeek(ledger: ProviderLedger): ProviderLedger {
  const week = (day: string) => day >= '2026-10-01' && day < '2026-10-08';
  return {
    openai: { usage: ledger.openai.usage.filter((u) => week(u.hour.slice(0, 10))), costs: ledger.openai.costs.filter((c) => week(c.day)) },
    anthropic: { usage: ledger.anthropic.usage.filter((u) => week(u.hour.slice(0, 10))), costs: ledger.anthropic.costs.filter((c) => week(c.day)) },
  };
}

beforeEach(async () => {
  books = firstWeek(sampleProviderLedger());
  openaiKey = OPENAI_KEY;
  sns = await startSnsServer();
  [openai, anthropic, aws] = await Promise.all([
    startOpenAiServer({ ledger: books.openai, adminKey: OPENAI_KEY }),
    startAnthropicServer({ ledger: books.anthropic, adminKey: ANTHROPIC_KEY }),
    startLocalAws({ sns: sns.url }),
  ]);
  now = new Date('2026-10-08T06:00:00Z');
});
afterEach(() => Promise.all([aws.close(), openai.close(), anthropic.close(), sns.close()]));

const window = { start: '2026-10-01', end: '2026-10-08' };

describe('model-provider ingestion (local OpenAI and Anthropic servers, shared HTTP client, dynalite)', () => {
  it('ingests costs and usage of both providers; totals are the bills, to the cent', async () => {
    const { ingestion, evaluations } = await runDailyIngestion(deps(), { window });
    expect(ingestion.outcomes.map((o) => [o.source, o.ok])).toEqual([
      ['openai-costs', true],
      ['openai-usage', true],
      ['anthropic-costs', true],
      ['anthropic-usage', true],
    ]);
    const cb = evaluations[0]!.chargeback;
    const billedOpenAi = sum(books.openai.costs.map((c) => new Big(c.amountUsd)));
    const billedAnthropic = sum(books.anthropic.costs.map((c) => new Big(c.amountCents))).div(100);
    // Exact in the store; in the chargeback the providers share the rounded total by largest remainder (±1 cent).
    const records = await deps().records.listMonth('2026-10');
    for (const [provider, source, billed] of [['openai', 'openai-costs', billedOpenAi], ['anthropic', 'anthropic-costs', billedAnthropic]] as const) {
      const stored = records.filter((r) => r.source === source);
      expect(sum(stored.map((r) => new Big(r.billedCost))).eq(billed), provider).toBe(true);
      expect(new Big(cb.providers[provider]!).minus(billed).abs().lte('0.01'), provider).toBe(true);
    }
    expect(cb.estimateGaps.length).toBe(14); // 7 billed days × 2 providers
    expectBooksBalance(cb);
  });

  it('waits out a 429 with Retry-After and a 500, then succeeds', async () => {
    openai.failNext(1, { status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached', type: 'rate_limit_exceeded' } } });
    anthropic.failNext(1, { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } } });
    const started = Date.now();
    const { ingestion } = await runDailyIngestion(deps(), { window });
    expect(ingestion.outcomes.every((o) => o.ok)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('rejects a malformed page naming provider, page and field, stores nothing for that source, and ingests the others', async () => {
    await runDailyIngestion(deps(), { window });
    const before = await deps().records.listMonth('2026-10');
    books.anthropic.costs[0]!.amountCents = '99999'; // the bill moved: a run that wrote would change what is stored
    const group = { workspace_id: 'wrkspc_support', api_key_id: 'apikey_support_prod', model: 'claude-sonnet-4-5-20250929' };
    anthropic.failNext(1, { status: 200, body: { data: [{ starting_at: '2026-10-01T00:00:00Z', ending_at: '2026-10-02T00:00:00Z', group, cost: { amount: true, currency: 'USD' } }], has_more: false, next_page: null } });
    const error = await runDailyIngestion(deps(), { window }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestionFailedError);
    expect((error as Error).message).toMatch(/anthropic-costs \(Anthropic analytics\/cost, page 1: data\[0\]\.cost\.amount: expected fractional cents as a decimal string \(or a number\)\)/);
    expect((error as IngestionFailedError).summary.outcomes.filter((o) => o.ok).map((o) => o.source)).toEqual(['openai-costs', 'openai-usage', 'anthropic-usage']);
    const after = await deps().records.listMonth('2026-10');
    expect(after.filter((r) => r.source === 'anthropic-costs')).toEqual(before.filter((r) => r.source === 'anthropic-costs'));
  });

  it('retries a 529 overloaded_error from the Anthropic analytics API, then succeeds', async () => {
    anthropic.failNext(1, { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const { ingestion } = await runDailyIngestion(deps(), { window });
    expect(ingestion.outcomes.every((o) => o.ok)).toBe(true);
    const [overloaded, retried] = anthropic.requests;
    expect(overloaded!.url).toMatch(/^\/v1\/organizations\/analytics\/cost\?/);
    expect(retried!.url).toBe(overloaded!.url);
  });

  it.each(['forbidden', 'not_found'] as const)(
    'when the analytics API refuses the key (%s), reads Anthropic from the legacy reports with one note for the run, and the bill is the same',
    async (access) => {
      const { ingestion: viaAnalytics, evaluations: analyticsEvaluations } = await runDailyIngestion(deps(), { window });
      await anthropic.close();
      anthropic = await startAnthropicServer({ ledger: books.anthropic, adminKey: ANTHROPIC_KEY, analyticsAccess: access });
      now = new Date('2026-10-08T07:00:00Z');
      const { ingestion, evaluations } = await runDailyIngestion(deps(), { window });
      const anthropicOutcomes = ingestion.outcomes.filter((o) => o.source.startsWith('anthropic'));
      expect(anthropicOutcomes.map((o) => [o.source, o.ok])).toEqual([
        ['anthropic-costs', true],
        ['anthropic-usage', true],
      ]);
      expect(anthropicOutcomes.flatMap((o) => (o.ok ? o.notes : []))).toEqual([expect.stringMatching(/^the Anthropic Usage and Cost Analytics API refused the key \(.*HTTP 40[34]/)]);
      expect(anthropic.requests.map((r) => r.url.split('?')[0])).toEqual(['/v1/organizations/analytics/cost', '/v1/organizations/cost_report', '/v1/organizations/usage_report/messages']);
      expect(viaAnalytics.outcomes.every((o) => o.ok)).toBe(true);
      expect(evaluations[0]!.chargeback.providers.anthropic).toBe(analyticsEvaluations[0]!.chargeback.providers.anthropic);
      expectBooksBalance(evaluations[0]!.chargeback);
    },
  );

  it('fails loudly on a revoked key, naming the provider and what the key lacks', async () => {
    openaiKey = 'sk-admin-revoked';
    const error = await runDailyIngestion(deps(), { window }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/openai-costs \(OpenAI rejected the admin key \(HTTP 401/);
    expect((error as Error).message).not.toContain('sk-admin-revoked');
  });

  it('replaces a restated provider day instead of adding to it, once a later run confirms the smaller day', async () => {
    await runDailyIngestion(deps(), { window });
    const day3 = books.openai.costs.filter((c) => c.day === '2026-10-03');
    const [kept, ...dropped] = day3;
    kept!.amountUsd = '7.5';
    books.openai.costs = books.openai.costs.filter((c) => !dropped.includes(c));
    // The day shrinks below half: held on the first run that sees it, applied on the next one.
    now = new Date('2026-10-09T06:00:00Z');
    const held = await runDailyIngestion(deps(), { window });
    expect(held.ingestion.outcomes[0]).toMatchObject({ source: 'openai-costs', shrinks: { held: ['2026-10-03'], applied: [] } });
    now = new Date('2026-10-10T06:00:00Z');
    const { ingestion, evaluations } = await runDailyIngestion(deps(), { window });
    expect(ingestion.outcomes[0]).toMatchObject({ source: 'openai-costs', shrinks: { held: [], applied: ['2026-10-03'] }, stats: { written: 1, deleted: dropped.length } });
    const stored = (await deps().records.listMonth('2026-10')).filter((r) => r.source === 'openai-costs' && r.chargePeriodStart === '2026-10-03');
    expect(stored.map((r) => r.billedCost)).toEqual(['7.5']);
    expectBooksBalance(evaluations[0]!.chargeback);
  });
});
