import Big from 'big.js';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../../../../functions/domain/records/dates';
import { CHUNK_ROWS, curExportObjects, SAMPLE_EXPORT, type ExportObject } from '../../../../local/sample/cur-export';
import { ledgerAsOf, type Ledger } from '../../../../local/sample/ledger';
import { ACCOUNTS, sampleLedger } from '../../../../local/sample/sample-ledger';

type Row = Record<string, unknown> & { line_item_unblended_cost: number; savings_plan_savings_plan_effective_cost: number; line_item_line_item_type: string };

const ROOT = `${SAMPLE_EXPORT.prefix}/${SAMPLE_EXPORT.exportName}`;
/** After October: every period delivered, September invoiced (final in the ledger), October not. */
const AS_OF = '2026-11-02';

let ledger: Ledger;
let objects: ExportObject[];
const rowsByPeriod = new Map<string, Row[]>();

const arrayBufferOf = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
const manifestOf = (period: string) => JSON.parse(new TextDecoder().decode(objects.find((o) => o.key === `${ROOT}/metadata/BILLING_PERIOD=${period}/${SAMPLE_EXPORT.exportName}-Manifest.json`)!.body));
const cents = (value: Big) => value.round(2).toFixed(2);

beforeAll(async () => {
  ledger = sampleLedger();
  objects = curExportObjects(ledger, SAMPLE_EXPORT, AS_OF);
  for (const o of objects.filter((o) => o.key.endsWith('.parquet'))) {
    const period = /BILLING_PERIOD=(\d{4}-\d{2})\//.exec(o.key)![1]!;
    rowsByPeriod.set(period, [...(rowsByPeriod.get(period) ?? []), ...((await parquetReadObjects({ file: arrayBufferOf(o.body) })) as Row[])]);
  }
}, 120_000);

describe('the sample CUR 2.0 export', () => {
  it('is laid out as AWS delivers it: data files per billing period, one manifest each, naming every data file', () => {
    const periods = [...new Set(ledger.lineItems.map((i) => monthOf(i.date)))].sort();
    expect([...rowsByPeriod.keys()].sort()).toEqual(periods);
    for (const o of objects) {
      expect(o.key).toMatch(new RegExp(`^${ROOT}/(data/BILLING_PERIOD=\\d{4}-\\d{2}/${SAMPLE_EXPORT.exportName}-\\d{5}\\.snappy\\.parquet|metadata/BILLING_PERIOD=\\d{4}-\\d{2}/${SAMPLE_EXPORT.exportName}-Manifest\\.json)$`));
    }
    for (const period of periods) {
      const manifest = manifestOf(period);
      expect(Object.keys(manifest)).toEqual(['version', 'exportArn', 'exportName', 'billingPeriod', 'executionId', 'exportTime', 'dataFiles', 'columns', 'additionalOutputFiles']);
      expect(manifest).toMatchObject({ version: '1.0', exportName: SAMPLE_EXPORT.exportName, billingPeriod: period, exportTime: `${AS_OF}T03:00:00.000Z`, additionalOutputFiles: [] });
      expect(manifest.exportArn).toMatch(new RegExp(`^arn:aws:bcm-data-exports:us-east-1:${ACCOUNTS.management}:export/${SAMPLE_EXPORT.exportName}-[0-9a-f]{8}$`));
      expect(manifest.executionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      const dataKeys = objects.filter((o) => o.key.startsWith(`${ROOT}/data/BILLING_PERIOD=${period}/`)).map((o) => `s3://${SAMPLE_EXPORT.bucket}/${o.key}`);
      expect(manifest.dataFiles).toEqual(dataKeys);
      expect(dataKeys.length).toBe(Math.ceil(rowsByPeriod.get(period)!.length / CHUNK_ROWS));
      expect(manifest.columns).toContainEqual({ name: 'resource_tags', type: 'map<string,string>' });
    }
    // The manifest comes after its data files, as AWS writes it last.
    expect(objects.at(-1)!.key).toMatch(/-Manifest\.json$/);
  });

  it('is snappy Parquet with the columns of the export query, which read back with hyparquet', () => {
    const file = objects.find((o) => o.key.endsWith('.parquet'))!;
    const metadata = parquetMetadata(arrayBufferOf(file.body));
    expect(new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))).toEqual(new Set(['SNAPPY']));
    const columns = manifestOf('2026-10').columns.map((c: { name: string }) => c.name);
    expect(Object.keys(rowsByPeriod.get('2026-10')![0]!)).toEqual(columns);
    for (const name of ['bill_billing_period_start_date', 'bill_payer_account_id', 'line_item_usage_account_id', 'line_item_line_item_type', 'product', 'line_item_iam_principal', 'line_item_unblended_cost', 'savings_plan_savings_plan_effective_cost', 'resource_tags', 'tags', 'cost_category', 'bill_invoice_id', 'bill_bill_type']) {
      expect(columns).toContain(name);
    }
    const row = rowsByPeriod.get('2026-10')![0]!;
    expect(row.bill_billing_period_start_date).toEqual(new Date('2026-10-01T00:00:00Z'));
    expect(typeof row.line_item_unblended_cost).toBe('number');
    expect(row.product).toMatchObject({ product_name: expect.any(String) });
  });

  it('totals, per billing period and account, the ledger to the cent: unblended, and amortized (Usage unblended + savings plan effective cost)', () => {
    const served = ledgerAsOf(ledger, AS_OF);
    for (const [period, rows] of rowsByPeriod) {
      const expected = new Map<string, { unblended: Big; amortized: Big }>();
      for (const i of served.lineItems.filter((i) => i.date.startsWith(period))) {
        const t = expected.get(i.account) ?? { unblended: new Big(0), amortized: new Big(0) };
        expected.set(i.account, { unblended: t.unblended.plus(i.unblendedCost), amortized: t.amortized.plus(i.amortizedCost) });
      }
      const actual = new Map<string, { unblended: Big; amortized: Big }>();
      for (const r of rows) {
        const t = actual.get(r.line_item_usage_account_id as string) ?? { unblended: new Big(0), amortized: new Big(0) };
        const effective = r.line_item_line_item_type === 'SavingsPlanCoveredUsage' ? r.savings_plan_savings_plan_effective_cost : r.line_item_unblended_cost;
        actual.set(r.line_item_usage_account_id as string, { unblended: t.unblended.plus(r.line_item_unblended_cost), amortized: t.amortized.plus(effective) });
      }
      const show = (m: Map<string, { unblended: Big; amortized: Big }>) => Object.fromEntries([...m].sort().map(([a, t]) => [a, [cents(t.unblended), cents(t.amortized)]]));
      expect(show(actual), period).toEqual(show(expected));
    }
  });

  it('maps the ledger to CUR line item types and carries its tags as user_ resource tags', () => {
    const october = rowsByPeriod.get('2026-10')!;
    expect(new Set(october.map((r) => r.line_item_line_item_type))).toEqual(new Set(['Usage', 'SavingsPlanCoveredUsage', 'Credit']));
    expect(october.some((r) => r.line_item_line_item_type === 'SavingsPlanCoveredUsage' && r.savings_plan_savings_plan_effective_cost < r.line_item_unblended_cost)).toBe(true);
    expect(october.some((r) => (r.resource_tags as Record<string, string>).user_team === ' search-ai ')).toBe(true);
    // EC2 usage is at a finer grain than Cost Explorer's: one row per instance.
    const ec2 = october.filter((r) => (r.line_item_resource_id as string).startsWith('i-0'));
    expect(ec2.length).toBeGreaterThan(ledger.lineItems.filter((i) => i.date.startsWith('2026-10') && i.service === 'Amazon Elastic Compute Cloud - Compute' && i.recordType === 'Usage').length);
  });

  it("tells the shared account's two Bedrock applications apart by their roles: one by principal tag, one by inference profile", () => {
    const shared = rowsByPeriod.get('2026-10')!.filter((r) => r.line_item_usage_account_id === ACCOUNTS.shared && (r.product as Record<string, string>).product_name === 'Amazon Bedrock');
    const principals = new Set(shared.map((r) => r.line_item_iam_principal));
    expect(principals).toEqual(new Set([`arn:aws:sts::${ACCOUNTS.shared}:assumed-role/growth-campaign-writer/campaign-writer-lambda`, `arn:aws:sts::${ACCOUNTS.shared}:assumed-role/support-chat-api/support-chat-ecs-task`]));
    for (const r of shared) {
      if ((r.line_item_iam_principal as string).includes('growth-campaign-writer')) {
        expect([r.tags, r.resource_tags, r.line_item_resource_id]).toEqual([{ 'iamPrincipal/team': 'Growth ' }, {}, '']);
      } else {
        expect([r.tags, r.resource_tags]).toEqual([{}, { user_team: 'support' }]);
        expect(r.line_item_resource_id).toBe(`arn:aws:bedrock:us-east-1:${ACCOUNTS.shared}:application-inference-profile/sb7k2m9q4x1c`);
      }
    }
    // Other AWS spend carries no principal.
    expect(rowsByPeriod.get('2026-10')!.filter((r) => r.line_item_iam_principal !== '').every((r) => /Bedrock/.test((r.product as Record<string, string>).product_name!))).toBe(true);
  });

  it('invoices a period once it has ended and is final, and delivers a late credit only once posted', async () => {
    expect(new Set(rowsByPeriod.get('2026-09')!.map((r) => r.bill_invoice_id))).toEqual(new Set([expect.stringMatching(/^\d{6,10}$/)]));
    expect(new Set(rowsByPeriod.get('2026-10')!.map((r) => r.bill_invoice_id))).toEqual(new Set(['']));
    const slaCredit = (rows: Row[]) => rows.filter((r) => r.line_item_line_item_type === 'Credit' && r.line_item_usage_account_id === ACCOUNTS.search);
    expect(slaCredit(rowsByPeriod.get('2026-09')!).map((r) => r.line_item_unblended_cost)).toEqual([-120]);
    const early = curExportObjects(ledger, SAMPLE_EXPORT, '2026-10-05').filter((o) => o.key.includes('BILLING_PERIOD=2026-09/') && o.key.endsWith('.parquet'));
    const earlyRows = (await Promise.all(early.map((o) => parquetReadObjects({ file: arrayBufferOf(o.body) })))).flat() as Row[];
    expect(slaCredit(earlyRows)).toEqual([]);
    expect(earlyRows.length).toBe(rowsByPeriod.get('2026-09')!.length - 1);
  });

  it('is deterministic: the same ledger and day give the same bytes, whatever day was delivered before', () => {
    // Another copy of the ledger, delivered first on an earlier day (September not invoiced, its credit not posted),
    // so that files kept from that delivery would show if they were reused where they no longer apply.
    const other = sampleLedger();
    curExportObjects(other, SAMPLE_EXPORT, '2026-10-05');
    const again = curExportObjects(other, SAMPLE_EXPORT, AS_OF);
    expect(again.map((o) => o.key)).toEqual(objects.map((o) => o.key));
    for (const [i, o] of again.entries()) expect(Buffer.compare(Buffer.from(o.body), Buffer.from(objects[i]!.body)), o.key).toBe(0);
  });
});
