import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledPriceBook } from '../../functions/domain/pricing/bundled-price-book';
import { loadConfigFile } from '../../functions/config/load-config';
import { recordTagKeysOf } from '../../functions/config/policies';
import { DEFAULT_ATHENA } from '../../functions/lib/athena-names';
import { AthenaExportsSource } from '../../functions/sources/data-exports/athena/athena-source';
import { DataExportsSource } from '../../functions/sources/data-exports/data-exports-source';
import type { ExportLocation } from '../../functions/sources/data-exports/manifest';
import type { DayWindow } from '../../functions/domain/records/dates';
import type { PullContext, SourcePull } from '../../functions/ports/ports';
import { exportGlueTable } from '../../local/emulators/athena-catalog';
import { startAthenaServer, type AthenaServer } from '../../local/emulators/athena-server';
import { startS3Server, type S3Server } from '../../local/emulators/s3-server';
import { curExportObjects, SAMPLE_EXPORT } from '../../local/sample/cur-export';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { EXPORT } from '../fixtures/data-exports/cur2-fixture';
import { FIXTURES } from '../support/fixtures';

/*
 * The conformance test of the two engines: on the same export, the embedded engine (Parquet read in process) and
 * the Athena engine (one SQL query, run by the loopback Athena on DuckDB over the same files) return the same
 * records, record for record and field for field, the same Bedrock usage records and the same finality.
 */

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const target = DEFAULT_ATHENA;

/** What must agree: every day, its records and estimated flag, and the usage days; not the notes (they name the engine). */
const comparable = (pull: SourcePull) => ({ days: pull.days, usage: pull.usage });

interface World {
  s3: S3Server;
  athena: AthenaServer;
  embedded: DataExportsSource;
  viaAthena: AthenaExportsSource;
}

async function world(location: ExportLocation, seed: (s3: S3Server) => void, tags: { tagKey: string; otherTagKeys: string[]; billingAccountId: string }): Promise<World> {
  const s3 = await startS3Server({ buckets: [location.bucket] });
  seed(s3);
  const athena = await startAthenaServer({ workgroups: [{ name: target.workgroup }], tables: [exportGlueTable(location, target)], objects: () => [...s3.objects] });
  const common = { ...tags, priceBook: bundledPriceBook };
  const embedded = new DataExportsSource(new S3Client({ endpoint: s3.url, region: 'us-east-1', forcePathStyle: true, credentials }), { location, ...common });
  const viaAthena = new AthenaExportsSource(new AthenaClient({ endpoint: athena.url, region: 'us-east-1', credentials }), { target, ...common });
  return { s3, athena, embedded, viaAthena };
}

async function agree(w: World, window: DayWindow, context: PullContext): Promise<{ embedded: SourcePull; athena: SourcePull }> {
  const embedded = await w.embedded.pull(window, context);
  const athena = await w.viaAthena.pull(window, context);
  expect(comparable(athena)).toEqual(comparable(embedded));
  return { embedded, athena };
}

describe('the embedded and Athena engines agree, record for record', () => {
  describe('on the test export (credits, refund, tax, Savings Plans, a reservation, Bedrock principals, an inference profile)', () => {
    let w: World;
    beforeAll(async () => {
      w = await world(
        EXPORT,
        (s3) => {
          const root = join(FIXTURES, 'data-exports', 's3');
          for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
            if (entry.isFile()) s3.objects.set(relative(root, join(entry.parentPath, entry.name)), { body: readFileSync(join(entry.parentPath, entry.name)) });
          }
        },
        { tagKey: 'team', otherTagKeys: ['team', 'env'], billingAccountId: '111111111111' },
      );
    });
    afterAll(async () => {
      await w.athena.close();
      await w.s3.close();
    });

    it('across two billing periods, one invoiced (final) and one not (estimated), with one query', async () => {
      const { embedded, athena } = await agree(w, { start: '2026-04-28', end: '2026-05-06' }, { now: new Date('2026-05-06T06:00:00Z') });
      const records = embedded.days.flatMap((d) => d.records);
      // The export's every kind of line is there, so the comparison covers them.
      expect(new Set(records.map((r) => r.chargeCategory))).toEqual(new Set(['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']));
      expect(records.some((r) => r.resourceId?.includes('inference-profile'))).toBe(true);
      expect(records.some((r) => r.iamPrincipal !== undefined)).toBe(true);
      expect(records.some((r) => r.lineItemType === 'SavingsPlanCoveredUsage' && r.billedCost !== r.effectiveCost)).toBe(true);
      expect(embedded.days.map((d) => d.estimated)).toEqual([false, false, false, true, true, true, true, true]);
      expect(athena.usage!.days.flatMap((d) => d.records).length).toBeGreaterThan(0);
      expect(w.athena.queries().map((q) => [q.workgroup, q.state])).toEqual([[target.workgroup, 'SUCCEEDED']]);
      expect(athena.requests).toBeGreaterThanOrEqual(3);
    });

    it('on a window inside one period, and on one whose current period has no line items yet', async () => {
      await agree(w, { start: '2026-05-03', end: '2026-05-05' }, { now: new Date('2026-05-06T06:00:00Z') });
      await agree(w, { start: '2026-05-30', end: '2026-06-02' }, { now: new Date('2026-06-02T06:00:00Z') });
    });
  });

  describe('on the sample organisation export', () => {
    let w: World;
    const ledger = sampleLedger();
    const config = loadConfigFile('costline.config.json');
    const last = [...ledger.lineItems].map((i) => i.date).sort().at(-1)!;
    const asOf = last;
    beforeAll(async () => {
      w = await world(
        SAMPLE_EXPORT,
        (s3) => {
          for (const o of curExportObjects(ledger, SAMPLE_EXPORT, asOf)) s3.objects.set(`${SAMPLE_EXPORT.bucket}/${o.key}`, { body: o.body });
        },
        { tagKey: config.allocation.awsTagKey, otherTagKeys: recordTagKeysOf(config), billingAccountId: '000000000000' },
      );
    });
    afterAll(async () => {
      await w.athena.close();
      await w.s3.close();
    });

    it('over the last two months, with every configured tag', async () => {
      const month = asOf.slice(0, 7);
      const previous = new Date(`${month}-01T00:00:00Z`);
      previous.setUTCMonth(previous.getUTCMonth() - 1);
      const { embedded } = await agree(w, { start: previous.toISOString().slice(0, 10), end: asOf }, { now: new Date(`${asOf}T06:00:00Z`) });
      expect(embedded.days.flatMap((d) => d.records).length).toBeGreaterThan(100);
    });
  });
});
