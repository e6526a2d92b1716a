import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Big from 'big.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSources, dailyDeps } from '../../functions/app/compose';
import type { Log } from '../../functions/ports/ports';
import { ingestBilling, type SourceOutcome } from '../../functions/use-cases/ingest-billing';
import { renderStatementText } from '../../functions/domain/statements/statement-text';
import { monthChargeback } from '../../functions/use-cases/month-chargeback';
import { startS3Server, type S3Server } from '../../local/emulators/s3-server';
import { expectBooksBalance } from '../support/books';
import { testConfig } from '../support/config';
import { FIXTURES } from '../support/fixtures';
import { startLocalAws, type LocalAws } from '../support/local-aws';

const ALERTS = 'arn:aws:sns:us-east-1:000000000000:costline-alerts';
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const BUCKET = 'costline-focus-exports';
const WINDOW = { start: '2026-05-01', end: '2026-05-04' };
const config = testConfig({
  sources: {
    aws: { enabled: false },
    focus: [
      { id: 'azure', bucket: BUCKET, prefix: 'exports/focus/azure/' },
      { id: 'litellm', bucket: BUCKET, prefix: 'litellm/', format: 'csv' },
      { id: 'off', bucket: BUCKET, prefix: 'nothing/', enabled: false },
    ],
  },
});
const fixture = (name: string) => readFileSync(join(FIXTURES, 'focus', name));
const RUN_1 = 'exports/focus/azure/costline-focus/20260501-20260531/run-1/part_0_0001.csv';
const RUN_2 = 'exports/focus/azure/costline-focus/20260501-20260531/run-2/part_0_0001.csv';

const failed = (o: SourceOutcome | undefined) => (o && !o.ok ? o.error : `expected a failure, got ${JSON.stringify(o)}`);

describe('FOCUS file sources (local S3, dynalite, the ingest use case)', () => {
  let s3: S3Server;
  let aws: LocalAws;
  const now = new Date('2026-05-04T06:00:00Z');
  const deps = () => dailyDeps({ config, clients: aws.clients, tableName: aws.tableName, alertsTopicArn: ALERTS, clock: { now: () => now }, log: silent });
  const stored = async (source?: string) => (await deps().records.listMonth('2026-05')).filter((r) => source === undefined || r.source === source);
  const billed = (records: Array<{ billedCost: string }>) => records.reduce((t, r) => t.plus(r.billedCost), new Big(0)).toFixed();

  beforeEach(async () => {
    s3 = await startS3Server({ buckets: [BUCKET] });
    s3.objects.set(`${BUCKET}/${RUN_1}`, { body: fixture('azure-focus-1.0.csv'), lastModified: new Date('2026-05-02T03:00:00Z') });
    s3.objects.set(`${BUCKET}/exports/focus/azure/costline-focus/20260501-20260531/run-1/manifest.json`, { body: '{}', lastModified: new Date('2026-05-02T03:00:00Z') });
    s3.objects.set(`${BUCKET}/litellm/spend-2026-05`, { body: fixture('litellm-focus-1.3.csv') });
    aws = await startLocalAws({ s3: s3.url });
  });
  afterEach(async () => {
    await aws.close();
    await s3.close();
  });

  it('runs one source per enabled entry, named focus:<id>', () => {
    expect(buildSources(config, aws.clients).map((s) => s.id)).toEqual(['focus:azure', 'focus:litellm']);
  });

  it('ingests each prefix, listing it, with the providers in the chargeback and the books balanced', async () => {
    const summary = await ingestBilling(deps(), { window: WINDOW });
    expect(summary.outcomes.map((o) => [o.source, o.ok])).toEqual([
      ['focus:azure', true],
      ['focus:litellm', true],
    ]);
    const azure = summary.outcomes[0]!;
    expect(azure).toMatchObject({ days: 3, requests: 2, estimatedMonths: ['2026-05'] });
    expect(azure.ok && azure.notes).toEqual([
      `s3://${BUCKET}/exports/focus/azure/: 1 file(s) in 1 deliver(ies) read (FOCUS 1.0), 10 row(s), 8 in the window; 1 object(s) that are not FOCUS data skipped`,
      `s3://${BUCKET}/exports/focus/azure/: providers microsoft (Microsoft)`,
      `s3://${BUCKET}/exports/focus/azure/: 1 correction row(s) for days before 2026-05-01 not stored; backfill their months to take them in`,
    ]);
    expect(billed(await stored('focus:azure'))).toBe('46.515678');
    expect(billed(await stored('focus:litellm'))).toBe('10.6700005');
    // The chargeback's basis is the amortized view (EffectiveCost): the reservation's purchase counts zero there.
    const { chargeback } = await monthChargeback(deps(), '2026-05', now.toISOString());
    expect(chargeback.providers).toEqual({ litellm: '10.67', microsoft: '15.32' });
    expect(chargeback.teams.find((t) => t.team === 'search')!.byProvider).toEqual({ litellm: '0.25', microsoft: '2.40' });
    expectBooksBalance(chargeback);
    expect(renderStatementText(chargeback)).toMatch(/^By provider: microsoft 15\.32, litellm 10\.67$/m);
  });

  it('a restated billing period replaces the earlier delivery: a newer run folder wins, its rows only', async () => {
    await ingestBilling(deps(), { window: WINDOW });
    // Azure's next run of May: the VM usage of 05-01 restated from 0.1 + 0.2 to 0.5, the credit gone.
    const restated = fixture('azure-focus-1.0.csv')
      .toString('utf8')
      .split('\r\n')
      .filter((line) => !line.includes('Azure credit'))
      .map((line) => line.replace(/^,0\.1,/, ',0.5,').replace(/^,0\.2,/, ',0,'))
      .join('\r\n');
    s3.objects.set(`${BUCKET}/${RUN_2}`, { body: restated, lastModified: new Date('2026-05-03T03:00:00Z') });
    const summary = await ingestBilling(deps(), { window: WINDOW });
    expect(summary.outcomes[0]).toMatchObject({ source: 'focus:azure', ok: true, stats: { deleted: 1 } });
    expect(summary.outcomes[0]!.ok && summary.outcomes[0]!.notes).toContain(`s3://${BUCKET}/exports/focus/azure/: 10 row(s) of billing periods a newer delivery restated were not counted`);
    const azure = await stored('focus:azure');
    expect(azure.filter((r) => r.chargeCategory === 'Credit')).toEqual([]);
    expect(azure.find((r) => r.serviceName === 'Virtual Machines' && r.chargePeriodStart === '2026-05-01')).toMatchObject({ billedCost: '0.5' });
    expect(billed(azure)).toBe('51.715678');
    expect(billed(await stored('focus:litellm'))).toBe('10.6700005');
  });

  it('lists every page of the prefix, and stops at the run\'s deadline naming what it did not read', async () => {
    for (let i = 0; i < 1001; i++) s3.objects.set(`${BUCKET}/litellm/markers/${String(i).padStart(4, '0')}.json`, { body: '{}' });
    const source = buildSources(config, aws.clients).find((s) => s.id === 'focus:litellm')!;
    const pull = await source.pull(WINDOW, { now });
    expect(pull.requests).toBe(3);
    expect(pull.notes![0]).toBe(`s3://${BUCKET}/litellm/: 1 file(s) in 1 deliver(ies) read (FOCUS 1.3), 6 row(s), 6 in the window; 1001 object(s) that are not FOCUS data skipped`);
    await expect(source.pull(WINDOW, { now, deadline: Date.now() - 1 })).rejects.toThrow(`s3://${BUCKET}/litellm/ (listing): not read, no time left before the run's deadline`);
  });

  it('stores a correction on its original day when the window reaches it', async () => {
    const summary = await ingestBilling(deps(), { window: { start: '2026-04-28', end: '2026-05-04' } });
    // Estimated until May, the period of the file it came in, ends.
    expect(summary.outcomes[0]).toMatchObject({ source: 'focus:azure', ok: true, estimatedMonths: ['2026-04', '2026-05'] });
    const april = (await deps().records.listMonth('2026-04')).filter((r) => r.source === 'focus:azure');
    expect(april.map((r) => [r.chargePeriodStart, r.lineItemType, r.billedCost, r.estimated])).toEqual([['2026-04-28', 'Usage (Correction)', '-0.75', true]]);
  });

  describe('bad input fails the source loudly and stores nothing of it', () => {
    const spoil = async (body: string) => {
      await ingestBilling(deps(), { window: WINDOW });
      const before = await stored('focus:azure');
      s3.objects.set(`${BUCKET}/${RUN_2}`, { body, lastModified: new Date('2026-05-03T03:00:00Z') });
      const summary = await ingestBilling(deps(), { window: WINDOW });
      expect(await stored('focus:azure')).toEqual(before);
      // The other source is not stopped by it.
      expect(summary.outcomes[1]).toMatchObject({ source: 'focus:litellm', ok: true });
      return failed(summary.outcomes[0]);
    };

    it('an unknown version, named with its file', async () => {
      const v14 = fixture('azure-focus-1.0.csv').toString('utf8').replace('AvailabilityZone,', 'InvoiceDetailId,');
      expect(await spoil(v14)).toBe(`s3://${BUCKET}/${RUN_2}: column InvoiceDetailId is from a FOCUS version after 1.3; costline reads FOCUS 1.0 to 1.3`);
    });

    it('a non-USD row, named with its file and row', async () => {
      const eur = fixture('azure-focus-1.0.csv').toString('utf8').replace(',Contoso EA,USD,', ',Contoso EA,EUR,');
      expect(await spoil(eur)).toBe(`s3://${BUCKET}/${RUN_2}, row 1: column BillingCurrency is "EUR", expected "USD" (the only billing currency costline handles)`);
    });
  });
});
