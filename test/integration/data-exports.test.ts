import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Big from 'big.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSources, dailyDeps } from '../../functions/app/compose';
import type { Log } from '../../functions/ports/ports';
import { AWS_DATA_EXPORTS_SOURCE, BEDROCK_USAGE_SOURCE, SOURCE_IDS } from '../../functions/lib/source-ids';
import { monthChargeback } from '../../functions/use-cases/month-chargeback';
import { expectBooksBalance } from '../support/books';
import { awsRecord } from '../support/records';
import { DataExportsSource } from '../../functions/sources/data-exports/data-exports-source';
import { ingestBilling, type SourceOutcome } from '../../functions/use-cases/ingest-billing';
import { startS3Server, type S3Server } from '../../local/emulators/s3-server';
import { delivery, EXPORT, MAY_ROWS, writeCurParquet } from '../fixtures/data-exports/cur2-fixture';
import { testConfig } from '../support/config';
import { FIXTURES } from '../support/fixtures';
import { startLocalAws, type LocalAws } from '../support/local-aws';

const ALERTS = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const WINDOW = { start: '2026-04-28', end: '2026-05-06' };
const config = testConfig({ sources: { aws: { enabled: true, mode: 'data-exports', dataExports: EXPORT, billingAccountId: '111111111111' } } });

/** Seeds the local S3 with the committed export, byte for byte. */
function seed(s3: S3Server): void {
  const root = join(FIXTURES, 'data-exports', 's3');
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = readFileSync(join(entry.parentPath, entry.name));
    s3.objects.set(relative(root, join(entry.parentPath, entry.name)), { body: bytes });
  }
}

const failed = (o: SourceOutcome | undefined) => (o && !o.ok ? o.error : `expected a failure, got ${JSON.stringify(o)}`);

describe('data-exports source (local S3, dynalite, the ingest use case)', () => {
  let s3: S3Server;
  let aws: LocalAws;
  const now = new Date('2026-05-06T06:00:00Z');
  const deps = () => dailyDeps({ config, clients: aws.clients, tableName: aws.tableName, alertsTopicArn: ALERTS, clock: { now: () => now }, log: silent });
  const stored = async () => [...(await deps().records.listMonth('2026-04')), ...(await deps().records.listMonth('2026-05'))];

  beforeEach(async () => {
    s3 = await startS3Server({ buckets: [EXPORT.bucket] });
    seed(s3);
    aws = await startLocalAws({ s3: s3.url });
  });
  afterEach(async () => {
    await aws.close();
    await s3.close();
  });

  it('replaces Cost Explorer in data-exports mode', () => {
    expect(buildSources(config, aws.clients).map((s) => s.id)).toEqual([AWS_DATA_EXPORTS_SOURCE]);
  });

  it('ingests both billing periods through their manifests, final where invoiced, with Bedrock tokens and no Cost Explorer request', async () => {
    const summary = await ingestBilling(deps(), { window: WINDOW });
    const outcome = summary.outcomes[0]!;
    expect(outcome).toMatchObject({ source: AWS_DATA_EXPORTS_SOURCE, ok: true, days: 8, requests: 5, estimatedMonths: ['2026-05'] });
    expect(outcome.ok && outcome.notes).toEqual([
      'billing period 2026-04: 1 file(s), 3 line item(s), 2 in the window; invoiced (every line item has a bill_invoice_id): final; execution 00000000-0000-4000-8000-0000000202604',
      'billing period 2026-05: 2 file(s), 16 line item(s), 15 in the window; not invoiced yet: estimated; execution 00000000-0000-4000-8000-0000000202605',
    ]);
    const records = await stored();
    expect(records.every((r) => r.source === AWS_DATA_EXPORTS_SOURCE)).toBe(true);
    expect(records.filter((r) => r.chargePeriodStart < '2026-05-01').every((r) => !r.estimated)).toBe(true);
    const inWindow = MAY_ROWS.filter((r) => (r.line_item_usage_start_date as Date).toISOString() < '2026-05-06');
    const may = records.filter((r) => r.chargePeriodStart >= '2026-05-01').reduce((t, r) => t.plus(r.billedCost), new Big(0));
    expect(may.toFixed()).toBe(inWindow.reduce((t, r) => t.plus(String(r.line_item_unblended_cost)), new Big(0)).toFixed());
    // The stored record keeps the new optional fields.
    expect(records.find((r) => r.resourceId !== undefined)).toMatchObject({ iamPrincipal: 'arn:aws:sts::333333333333:assumed-role/SearchApp/i-0abc', chargeCategory: 'Usage', lineItemType: 'Usage' });
    const usage = await deps().usage.listMonth('2026-05');
    expect(usage.filter((u) => u.source === BEDROCK_USAGE_SOURCE).map((u) => [u.model, u.tokens.input, u.tokens.output]).sort()).toEqual([
      ['Claude Sonnet 4.6', 3_000_000, 500_000],
      ['NovaLite', 1_500_000, 0],
    ]);
  });

  it('a new delivery of a period replaces its days: a line item gone from the export is gone from the store', async () => {
    await ingestBilling(deps(), { window: WINDOW });
    const before = await stored();
    // Re-deliver May without the refund (small next to the day's total, so no shrink is suspected).
    const { keys } = delivery('2026-05', 2);
    const rows = MAY_ROWS.slice(9).filter((r) => r.line_item_line_item_type !== 'Refund');
    s3.objects.set(`${EXPORT.bucket}/${keys[1]}`, { body: Buffer.from(writeCurParquet(rows)) });
    const summary = await ingestBilling(deps(), { window: WINDOW });
    expect(summary.outcomes[0]).toMatchObject({ ok: true, stats: { deleted: 1 } });
    const after = await stored();
    expect(before.filter((r) => r.lineItemType === 'Refund')).toHaveLength(1);
    expect(after.filter((r) => r.lineItemType === 'Refund')).toEqual([]);
    expect(after).toHaveLength(before.length - 1);
  });

  it('after a switch from Cost Explorer, counts each day once: the export on the days it has, Cost Explorer before them, and says so', async () => {
    // Prepare: what Cost Explorer mode stored before the switch: a day the export does not cover and one it does.
    await deps().records.replaceDays(SOURCE_IDS.aws, [
      { day: '2026-04-20', records: [awsRecord({ chargePeriodStart: '2026-04-20', cost: '5.00', tags: { team: 'search' } })], estimated: false },
      { day: '2026-05-03', records: [awsRecord({ chargePeriodStart: '2026-05-03', cost: '1000.00', tags: { team: 'search' } })], estimated: true },
    ]);

    // Act: the first run in data-exports mode.
    const summary = await ingestBilling(deps(), { window: WINDOW });

    // Assess: both sources' records stay stored; the chargebacks count the export's days and Cost Explorer's others.
    const outcome = summary.outcomes[0]!;
    expect(outcome.ok && outcome.notes.at(-1)).toBe(
      `2026-05: 1 record(s) of ${SOURCE_IDS.aws} on 1 day(s) (2026-05-03) are kept but not counted: ${AWS_DATA_EXPORTS_SOURCE} has those days (sources.aws.mode is data-exports)`,
    );
    // The chargeback's basis: amortized (effective) cost.
    const sum = (records: { effectiveCost: string }[]) => records.reduce((t, r) => t.plus(r.effectiveCost), new Big(0)).toFixed(2);
    const exported = (await stored()).filter((r) => r.source === AWS_DATA_EXPORTS_SOURCE);
    for (const [month, fromCostExplorer] of [['2026-04', '5.00'], ['2026-05', '0.00']] as const) {
      const { chargeback } = await monthChargeback(deps(), month, '2026-05-06');
      expect(chargeback.providers.aws, month).toBe(new Big(sum(exported.filter((r) => r.chargePeriodStart.startsWith(month)))).plus(fromCostExplorer).toFixed(2));
      expectBooksBalance(chargeback);
    }
    expect((await stored()).filter((r) => r.source === SOURCE_IDS.aws)).toHaveLength(2);
  });

  describe('bad input fails the source loudly and stores nothing', () => {
    const may = delivery('2026-05', 2);
    const cases: Array<[string, (s3: S3Server) => void, RegExp]> = [
      ['a manifest naming a missing file', (s) => s.objects.delete(`${EXPORT.bucket}/${may.keys[1]}`), /costline-cur2-daily-00002\.snappy\.parquet: listed in s3:\/\/.*-Manifest\.json but missing/],
      ['a file that does not parse', (s) => s.objects.set(`${EXPORT.bucket}/${may.keys[0]}`, { body: 'not parquet' }), /costline-cur2-daily-00001\.snappy\.parquet: not a readable Parquet file/],
      ['a manifest that lists no file', (s) => s.objects.set(`${EXPORT.bucket}/${may.manifestKey}`, { body: '{"reportKeys":[]}' }), /-Manifest\.json: lists no data file/],
    ];
    for (const [what, spoil, message] of cases) {
      it(what, async () => {
        spoil(s3);
        const summary = await ingestBilling(deps(), { window: WINDOW });
        expect(failed(summary.outcomes[0])).toMatch(message);
        // April was fine, but nothing of the pull is stored.
        expect(await stored()).toEqual([]);
        expect(await deps().usage.listMonth('2026-05')).toEqual([]);
      });
    }

    it('a missing column, named with its file', async () => {
      const { line_item_line_item_type: _gone, ...columns } = (await import('../fixtures/data-exports/cur2-fixture')).COLUMNS;
      s3.objects.set(`${EXPORT.bucket}/${may.keys[1]}`, { body: Buffer.from(writeCurParquet(MAY_ROWS.slice(9), columns)) });
      const summary = await ingestBilling(deps(), { window: WINDOW });
      expect(failed(summary.outcomes[0])).toBe(`s3://${EXPORT.bucket}/${may.keys[1]}: column line_item_line_item_type is missing`);
      expect(await stored()).toEqual([]);
    });

    it("a closed period without a manifest (the current one may not have one yet)", async () => {
      s3.objects.delete(`${EXPORT.bucket}/${delivery('2026-04', 1).manifestKey}`);
      const summary = await ingestBilling(deps(), { window: WINDOW });
      expect(failed(summary.outcomes[0])).toMatch(/BILLING_PERIOD=2026-04\/costline-cur2-daily-Manifest\.json: no manifest for billing period 2026-04/);
      const source = new DataExportsSource(aws.clients.billingExports, { location: EXPORT, tagKey: 'team', billingAccountId: 'x', priceBook: (await import('../../functions/domain/pricing/bundled-price-book')).bundledPriceBook });
      const pull = await source.pull({ start: '2026-06-01', end: '2026-06-03' }, { now: new Date('2026-06-03T06:00:00Z') });
      expect(pull.days).toEqual([
        { day: '2026-06-01', records: [], estimated: true },
        { day: '2026-06-02', records: [], estimated: true },
      ]);
      expect(pull.notes![0]).toMatch(/^billing period 2026-06: no manifest yet/);
    });
  });
});
