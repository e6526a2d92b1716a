import { SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDays, daysOf, type DayWindow } from '../../functions/domain/records/dates';
import { startAnthropicServer, type AnthropicServer } from '../../local/emulators/anthropic-server';
import { startCostExplorerServer, type CostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startOpenAiServer, type OpenAiServer } from '../../local/emulators/openai-server';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import type { Ledger, LedgerLineItem } from '../../local/sample/ledger';
import type { ProviderLedger } from '../../local/sample/provider-ledger';
import { sampleProviderLedger } from '../../local/sample/sample-provider-ledger';
import type { Log } from '../../functions/ports/ports';
import { dailyDeps, publisher } from '../../functions/app/compose';
import { ingestBilling, type SourceOutcome } from '../../functions/use-cases/ingest-billing';
import { MonthIngestionIncompleteError, publishStatement } from '../../functions/use-cases/publish-statement';
import { alertSubscriptions } from '../../infra/constructs/notification-topics';
import { testConfig } from '../support/config';
import { startLocalAws, type LocalAws } from '../support/local-aws';

const ALERTS = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
const STATEMENTS = 'arn:aws:sns:us-east-1:000000000000:costline-statements';
const PLATFORM = 'platform@example.com';
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

function item(date: string, tags: Record<string, string>, cost: string, extra: Partial<LedgerLineItem> = {}): LedgerLineItem {
  return { date, account: '444455556666', service: 'Amazon DynamoDB', usageType: 'USE1-ReadCapacityUnit-Hrs', region: 'us-east-1', recordType: 'Usage', tags, unblendedCost: cost, amortizedCost: cost, usageQuantity: '1', usageUnit: 'Hrs', ...extra };
}

/** A well-formed Cost Explorer answer with every day of the window and no group in any: $0 everywhere. */
function allGroupsEmpty(window: DayWindow): string {
  return JSON.stringify({ ResultsByTime: daysOf(window).map((d) => ({ TimePeriod: { Start: d, End: addDays(d, 1) }, Total: {}, Groups: [], Estimated: true })), DimensionValueAttributes: [] });
}

const shrinkAlerts = (sns: SnsServer) => sns.messages.filter((m) => m.attributes.kind?.value === 'data-shrink');
const ok = (o: SourceOutcome | undefined) => {
  if (!o?.ok) throw new Error(`expected a successful outcome, got ${JSON.stringify(o)}`);
  return o;
};

let aws: LocalAws;
let sns: SnsServer;
let now: Date;

async function subscribePlatform(config: ReturnType<typeof testConfig>) {
  for (const [email, policy] of alertSubscriptions(config)) {
    await aws.clients.sns.send(new SubscribeCommand({ TopicArn: ALERTS, Protocol: 'email', Endpoint: email, Attributes: { FilterPolicy: JSON.stringify(policy) } }));
  }
}

describe('shrink guard on Cost Explorer (dynalite, loopback Cost Explorer and SNS)', () => {
  let ce: CostExplorerServer;
  let book: Ledger;
  const config = testConfig({ alerts: { thresholds: [50, 80, 100], platformEmails: [PLATFORM] } });
  const window = { start: '2026-10-01', end: '2026-10-05' };
  const deps = () => dailyDeps({ config, clients: aws.clients, tableName: aws.tableName, alertsTopicArn: ALERTS, clock: { now: () => now }, log: silent });

  beforeEach(async () => {
    book = {
      organization: 'test',
      finalizedThrough: '2026-09-30',
      accounts: { '111122223333': 'payments-prod', '444455556666': 'shared' },
      lineItems: [
        item('2026-10-01', { team: 'payments' }, '40.004'),
        item('2026-10-02', { team: 'payments' }, '4000', { service: 'Amazon EC2' }),
        item('2026-10-02', {}, '600.333', { account: '111122223333' }),
        item('2026-10-03', { team: 'search' }, '30'),
        item('2026-10-04', {}, '1.5'),
      ],
    };
    ce = await startCostExplorerServer({ ledger: book, pageSize: 2 });
    sns = await startSnsServer({ topics: [ALERTS, STATEMENTS] });
    aws = await startLocalAws({ costExplorer: ce.url, sns: sns.url });
    await subscribePlatform(config);
    now = new Date('2026-10-05T06:00:00Z');
    await ingestBilling(deps(), { window });
  });
  afterEach(async () => {
    await aws.close();
    await ce.close();
    await sns.close();
  });

  it('holds every day when the tagged and untagged pages come back with all groups empty: nothing deleted, one alert to the platform audience, not repeated', async () => {
    // Prepare
    const before = await deps().records.listMonth('2026-10');
    expect(before).toHaveLength(5);

    // Act: two runs on two mornings, each answered with empty groups (the ungrouped total is the ledger's).
    ce.failNext(2, { status: 200, body: allGroupsEmpty(window) });
    now = new Date('2026-10-06T06:00:00Z');
    const first = ok((await ingestBilling(deps(), { window })).outcomes[0]);
    ce.failNext(2, { status: 200, body: allGroupsEmpty(window) });
    now = new Date('2026-10-07T06:00:00Z');
    const second = ok((await ingestBilling(deps(), { window })).outcomes[0]);

    // Assess: the stored month is exactly what it was; Cost Explorer's own total refutes the empty answer.
    expect(await deps().records.listMonth('2026-10')).toEqual(before);
    for (const o of [first, second]) {
      expect(o.shrinks).toEqual({ held: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04'], applied: [] });
      expect(o.requests).toBe(3); // tagged, untagged, and one ungrouped daily total
      expect(o.notes).toContain("shrink held on 2026-10-02 ($4,600.33 stored, $0.00 answered): aws-cost-explorer's own daily total is $4,600.33, so the answer is incomplete; the stored records stay");
    }
    expect(shrinkAlerts(sns)).toHaveLength(1);
    const alert = shrinkAlerts(sns)[0]!;
    expect(alert.subject).toBe('[costline] aws-cost-explorer: billing shrank on 4 day(s), held for confirmation');
    expect(alert.message).toContain('2026-10-02: $4,600.33 stored, $0.00 answered. Held');
    expect(Object.fromEntries(Object.entries(alert.attributes).map(([k, v]) => [k, v.value]))).toMatchObject({ kind: 'data-shrink', team: 'organization', severity: 'warning', source: 'aws-cost-explorer' });
    expect(sns.deliveredTo(PLATFORM).map((d) => d.subject)).toEqual([alert.subject]);
    expect(sns.deliveredTo('pay-lead@example.com')).toEqual([]);
  });

  it('applies a real credit that zeroes a day at once when Cost Explorer’s own total confirms it, with one alert saying so', async () => {
    book.lineItems.push(item('2026-10-01', { team: 'payments' }, '-40.004', { service: 'Credit', recordType: 'Credit' }));
    now = new Date('2026-10-06T06:00:00Z');

    const o = ok((await ingestBilling(deps(), { window })).outcomes[0]);

    expect(o.shrinks).toEqual({ held: [], applied: ['2026-10-01'] });
    expect(o.notes).toContain("shrink applied on 2026-10-01 ($40.00 stored, $0.00 answered): aws-cost-explorer's own daily total ($0.00) confirms it");
    const day1 = (await deps().records.listMonth('2026-10')).filter((r) => r.chargePeriodStart === '2026-10-01');
    expect(day1.map((r) => r.billedCost).sort()).toEqual(['-40.004', '40.004']);
    expect(shrinkAlerts(sns).map((m) => m.subject)).toEqual(['[costline] aws-cost-explorer: billing shrank on 1 day(s), applied as confirmed']);
  });

  it('asks for the ungrouped total only when a shrink is suspected: an unchanged run makes no such request', async () => {
    now = new Date('2026-10-06T06:00:00Z');
    const requestsBefore = ce.requests.length;
    const o = ok((await ingestBilling(deps(), { window })).outcomes[0]);
    expect(o.requests).toBe(ce.requests.length - requestsBefore);
    expect(o.shrinks).toEqual({ held: [], applied: [] });
    expect(ce.requests.some((r) => !(r as { GroupBy?: unknown }).GroupBy)).toBe(false);
  });

  it('refuses to close a month whose last ingestion held a shrink or failed, and closes it after a complete one', async () => {
    // Prepare: October final in Cost Explorer, pulled complete on 11-03.
    book.finalizedThrough = '2026-10-31';
    const october = { start: '2026-10-01', end: '2026-11-01' };
    now = new Date('2026-11-03T06:00:00Z');
    await ingestBilling(deps(), { window: october });
    const statementDeps = () => ({ ...deps(), statements: publisher(aws.clients, STATEMENTS) });

    // Act 1: the last pull before the close day comes back empty: held.
    ce.failNext(2, { status: 200, body: allGroupsEmpty(october) });
    now = new Date('2026-11-04T06:00:00Z');
    await ingestBilling(deps(), { window: october });
    now = new Date('2026-11-07T08:00:00Z');
    const held = await publishStatement(statementDeps(), '2026-10', 'scheduled').catch((e: unknown) => e);

    // Act 2: the next pull fails outright.
    ce.failNext(1, { status: 200, body: JSON.stringify({ ResultsByTime: 'oops' }) });
    now = new Date('2026-11-08T06:00:00Z');
    await ingestBilling(deps(), { window: october });
    const failed = await publishStatement(statementDeps(), '2026-10', 'scheduled').catch((e: unknown) => e);

    // Act 3: a complete pull.
    now = new Date('2026-11-09T06:00:00Z');
    await ingestBilling(deps(), { window: october });
    const closed = await publishStatement(statementDeps(), '2026-10', 'scheduled');

    // Assess
    expect(held).toBeInstanceOf(MonthIngestionIncompleteError);
    expect((held as Error).message).toMatch(/^2026-10 is not closed: its last ingestion was not complete \(aws-cost-explorer shrink-held at 2026-11-04T06:00:00.000Z: shrink held on 2026-10-01, 2026-10-02, 2026-10-03, 2026-10-04\)/);
    expect(failed).toBeInstanceOf(MonthIngestionIncompleteError);
    expect((failed as Error).message).toContain('aws-cost-explorer failed at 2026-11-08T06:00:00.000Z: ');
    expect(closed.outcome).toBe('published-final');
    expect(closed.chargeback.total).toBe('4671.84');
    expect(sns.messages.filter((m) => m.topicArn === STATEMENTS).map((m) => m.subject)).toEqual(['costline chargeback statement 2026-10 (final)']);
  });
});

describe('shrink guard on the model providers (dynalite, loopback OpenAI and Anthropic servers)', () => {
  const OPENAI_KEY = 'sk-admin-shrink-test';
  const ANTHROPIC_KEY = 'sk-ant-admin-shrink-test';
  const config = testConfig({
    alerts: { thresholds: [50, 80, 100], platformEmails: [PLATFORM] },
    sources: { aws: { enabled: false }, openai: { enabled: true, organizationId: 'org-t' }, anthropic: { enabled: true, organizationId: 'ant-t' } },
  });
  const window = { start: '2026-10-01', end: '2026-10-04' };
  let openai: OpenAiServer;
  let anthropic: AnthropicServer;
  let books: ProviderLedger;
  const deps = () =>
    dailyDeps({
      config,
      clients: aws.clients,
      tableName: aws.tableName,
      alertsTopicArn: ALERTS,
      clock: { now: () => now },
      log: silent,
      access: { secret: (p) => async () => (p === 'openai' ? OPENAI_KEY : ANTHROPIC_KEY), baseUrls: { openai: openai.url, anthropic: anthropic.url }, usageBucketWidth: '1d' },
    });
  const costSources = ['openai-costs', 'anthropic-costs'];

  beforeEach(async () => {
    const all = sampleProviderLedger();
    const inWindow = (day: string) => day >= window.start && day < window.end;
    books = {
      openai: { usage: all.openai.usage.filter((u) => inWindow(u.hour.slice(0, 10))), costs: all.openai.costs.filter((c) => inWindow(c.day)) },
      anthropic: { usage: all.anthropic.usage.filter((u) => inWindow(u.hour.slice(0, 10))), costs: all.anthropic.costs.filter((c) => inWindow(c.day)) },
    };
    sns = await startSnsServer({ topics: [ALERTS] });
    [openai, anthropic, aws] = await Promise.all([
      startOpenAiServer({ ledger: books.openai, adminKey: OPENAI_KEY }),
      startAnthropicServer({ ledger: books.anthropic, adminKey: ANTHROPIC_KEY }),
      startLocalAws({ sns: sns.url }),
    ]);
    await subscribePlatform(config);
    now = new Date('2026-10-04T06:00:00Z');
    await ingestBilling(deps(), { window });
  });
  afterEach(() => Promise.all([aws.close(), openai.close(), anthropic.close(), sns.close()]));

  const dayRecords = async (source: string, day: string) => (await deps().records.listMonth('2026-10')).filter((r) => r.source === source && r.chargePeriodStart === day);

  it('holds a day answered with results: [] by OpenAI and by Anthropic, alerts once per source, and applies it when a later run pulls the same answer', async () => {
    // Prepare: both providers' 2026-10-02 hold real spend; then their books lose the day (buckets answer results: []).
    const stored = Object.fromEntries(await Promise.all(costSources.map(async (s) => [s, await dayRecords(s, '2026-10-02')] as const)));
    for (const s of costSources) expect(stored[s]!.length).toBeGreaterThan(0);
    const before = await deps().records.listMonth('2026-10');
    books.openai.costs = books.openai.costs.filter((c) => c.day !== '2026-10-02');
    books.anthropic.costs = books.anthropic.costs.filter((c) => c.day !== '2026-10-02');

    // Act 1: the first run that sees it.
    now = new Date('2026-10-05T06:00:00Z');
    const first = (await ingestBilling(deps(), { window })).outcomes;
    const afterFirst = await deps().records.listMonth('2026-10');
    const alertsAfterFirst = shrinkAlerts(sns).map((m) => m.subject);

    // Act 2: a later run, the same answer.
    now = new Date('2026-10-06T06:00:00Z');
    const second = (await ingestBilling(deps(), { window })).outcomes;

    // Assess: held and kept whole, one alert per source to the platform audience; applied on the second pull, no new alert.
    for (const s of costSources) {
      expect(ok(first.find((o) => o.source === s)).shrinks).toEqual({ held: ['2026-10-02'], applied: [] });
      expect(ok(first.find((o) => o.source === s)).notes).toEqual(expect.arrayContaining([expect.stringMatching(/^shrink held on 2026-10-02 \(\$[\d,.]+ stored, \$0\.00 answered\): the stored records stay until a later run pulls the same answer$/)]));
      expect(ok(second.find((o) => o.source === s)).shrinks).toEqual({ held: [], applied: ['2026-10-02'] });
      expect(await dayRecords(s, '2026-10-02')).toEqual([]);
    }
    expect(afterFirst).toEqual(before);
    expect(alertsAfterFirst.sort()).toEqual([
      '[costline] anthropic-costs: billing shrank on 1 day(s), held for confirmation',
      '[costline] openai-costs: billing shrank on 1 day(s), held for confirmation',
    ]);
    expect(shrinkAlerts(sns)).toHaveLength(2);
    expect(sns.deliveredTo(PLATFORM)).toHaveLength(2);
    // The other days were stored as usual all along.
    expect((await deps().records.listMonth('2026-10')).filter((r) => r.chargePeriodStart !== '2026-10-02')).toEqual(before.filter((r) => r.chargePeriodStart !== '2026-10-02'));
  });

  it('does not apply a shrink repeated at the same run instant: the confirmation must come from a later run', async () => {
    books.openai.costs = books.openai.costs.filter((c) => c.day !== '2026-10-02');
    now = new Date('2026-10-05T06:00:00Z');
    await ingestBilling(deps(), { window });
    const again = ok((await ingestBilling(deps(), { window })).outcomes.find((o) => o.source === 'openai-costs'));
    expect(again.shrinks.held).toEqual(['2026-10-02']);
    expect((await dayRecords('openai-costs', '2026-10-02')).length).toBeGreaterThan(0);
    expect(shrinkAlerts(sns)).toHaveLength(1);
  });

  it('forgets a held shrink when the day comes back: nothing applied, nothing alerted again', async () => {
    const full = books.openai.costs;
    books.openai.costs = full.filter((c) => c.day !== '2026-10-02');
    now = new Date('2026-10-05T06:00:00Z');
    await ingestBilling(deps(), { window });
    books.openai.costs = full;
    now = new Date('2026-10-06T06:00:00Z');
    const back = ok((await ingestBilling(deps(), { window })).outcomes.find((o) => o.source === 'openai-costs'));
    expect(back.shrinks).toEqual({ held: [], applied: [] });
    expect(await deps().state.listPendingShrinks('openai-costs')).toEqual([]);
    // Gone again on a later day: a new shrink, alerted anew.
    books.openai.costs = full.filter((c) => c.day !== '2026-10-02');
    now = new Date('2026-10-07T06:00:00Z');
    await ingestBilling(deps(), { window });
    expect(shrinkAlerts(sns)).toHaveLength(2);
  });
});
