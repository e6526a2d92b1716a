import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { bundledPriceBook } from '../../../../functions/domain/pricing/bundled-price-book';
import type { CostRecord } from '../../../../functions/domain/records/cost-record';
import { priceBookBedrockRate } from '../../../../functions/sources/cost-explorer/bedrock-usage';
import { MalformedExportError } from '../../../../functions/sources/data-exports/cur-columns';
import { CurAggregator, periodDays } from '../../../../functions/sources/data-exports/cur-mapper';
import { readLineItems } from '../../../../functions/sources/data-exports/parquet-line-items';
import { COLUMNS, delivery, EXPORT, MAY_ROWS, writeCurParquet } from '../../../fixtures/data-exports/cur2-fixture';
import { expectGolden, FIXTURES } from '../../../support/fixtures';

const WINDOW = { start: '2026-05-01', end: '2026-05-06' };
const ctx = { source: 'aws-data-exports', tagKey: 'team', billingAccountId: 'unspecified', bedrock: { source: 'aws-bedrock-usage', billingAccountId: 'unspecified', rate: priceBookBedrockRate(bundledPriceBook) } };

/** The committed May files, read as the source reads them. */
async function may(): Promise<CurAggregator> {
  const aggregate = new CurAggregator(WINDOW, ctx);
  for (const key of delivery('2026-05', 2).keys) {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'data-exports', 's3', EXPORT.bucket, key)));
    await readLineItems(bytes, key, (row, at) => aggregate.add(row, at));
  }
  return aggregate;
}

const sumOf = (records: CostRecord[], field: 'billedCost' | 'effectiveCost') => records.reduce((t, r) => t.plus(r[field]), new Big(0)).toFixed();

describe('CUR 2.0 mapper', () => {
  it('maps the fixture export to records, golden', async () => {
    const aggregate = await may();
    const days = aggregate.days(periodDays(WINDOW, '2026-05'), true);
    expectGolden('data-exports/may-records.golden.json', days);
    expectGolden('data-exports/may-usage.golden.json', aggregate.usage(periodDays(WINDOW, '2026-05')));
  });

  it('sums exactly, amortizes commitments without double counting, and maps charge categories', async () => {
    const aggregate = await may();
    const records = aggregate.days(periodDays(WINDOW, '2026-05'), true).flatMap((d) => d.records);
    const find = (type: string, usageType?: string) => records.filter((r) => r.lineItemType === type && (usageType === undefined || r.usageType === usageType));
    // 0.1 + 0.2 as doubles is 0.30000000000000004; as the decimals AWS wrote, 0.3.
    expect(find('Usage', 'BoxUsage:m7g.large').find((r) => r.tags.team === 'search')).toMatchObject({ billedCost: '0.3', effectiveCost: '0.3', consumedQuantity: '24', consumedUnit: 'Hrs', chargeCategory: 'Usage' });
    expect(find('SavingsPlanCoveredUsage')[0]).toMatchObject({ billedCost: '1.5', effectiveCost: '0.9', chargeCategory: 'Usage' });
    expect(find('SavingsPlanNegation')[0]).toMatchObject({ billedCost: '-1.5', effectiveCost: '0', chargeCategory: 'Usage', consumedQuantity: null });
    expect(find('DiscountedUsage')[0]).toMatchObject({ billedCost: '0', effectiveCost: '0.42' });
    expect(find('RIFee')[0]).toMatchObject({ billedCost: '30', effectiveCost: '2.5', chargeCategory: 'Purchase', consumedQuantity: null });
    expect(find('Tax')[0]).toMatchObject({ billedCost: '3.21', chargeCategory: 'Tax', usageType: null });
    expect(find('Credit')[0]).toMatchObject({ billedCost: '-5', chargeCategory: 'Credit' });
    expect(find('Refund')[0]).toMatchObject({ billedCost: '-1.25', chargeCategory: 'Adjustment' });
    // Every line in the window, once: the cash total is the sum of the fixture's unblended costs there.
    const inWindow = MAY_ROWS.filter((r) => (r.line_item_usage_start_date as Date).toISOString() < '2026-05-06');
    expect(sumOf(records, 'billedCost')).toBe(inWindow.reduce((t, r) => t.plus(String(r.line_item_unblended_cost)), new Big(0)).toFixed());
    expect(aggregate.findings).toMatchObject({ lineItems: MAY_ROWS.length, inWindow: inWindow.length });
    expect(aggregate.invoiced).toBe(false);
  });

  it('keeps the caller and the inference profile of Bedrock lines only, and takes the team from the resource tag, then the principal tag', async () => {
    const records = (await may()).days(periodDays(WINDOW, '2026-05'), true).flatMap((d) => d.records);
    const sonnet = records.filter((r) => r.serviceName === 'Claude Sonnet 4.6 (Amazon Bedrock Edition)');
    expect(sonnet.map((r) => [r.iamPrincipal, r.resourceId ?? null, r.tags.team, r.billedCost, r.model]).sort()).toEqual([
      ['arn:aws:sts::333333333333:assumed-role/ChatApp/lambda-1', null, 'platform', '3.3', 'Claude Sonnet 4.6'],
      ['arn:aws:sts::333333333333:assumed-role/SearchApp/i-0abc', 'arn:aws:bedrock:us-east-1:333333333333:application-inference-profile/search7x1', 'search', '6.6', 'Claude Sonnet 4.6'],
      ['arn:aws:sts::333333333333:assumed-role/SearchApp/i-0abc', 'arn:aws:bedrock:us-east-1:333333333333:application-inference-profile/search7x1', 'search', '8.25', 'Claude Sonnet 4.6'],
    ]);
    const nova = records.find((r) => r.serviceName === 'Amazon Bedrock')!;
    expect(nova).toMatchObject({ iamPrincipal: 'arn:aws:sts::333333333333:assumed-role/ChatApp/lambda-1', tags: { team: 'chat' } });
    expect(nova.resourceId).toBeUndefined();
    expect(records.filter((r) => r.serviceName === 'Amazon Elastic Compute Cloud' && r.iamPrincipal !== undefined)).toEqual([]);
  });

  it('carries the other tags rules and dimensions read, from resource tags then principal tags, and keeps records with different ones apart', () => {
    // Prepare: one EC2 line three times, with env prod, env dev, and a feature only the caller's principal carries.
    const row = MAY_ROWS.find((r) => r.line_item_line_item_type === 'Usage' && (r.line_item_usage_start_date as Date).toISOString() < '2026-05-06')!;
    const aggregate = new CurAggregator(WINDOW, { ...ctx, otherTagKeys: ['env', 'feature'] });
    const teamOf = { user_team: 'search' };
    aggregate.add({ ...row, resource_tags: { ...teamOf, user_env: 'prod' }, tags: {} }, 'a, row 1');
    aggregate.add({ ...row, resource_tags: { ...teamOf, user_env: 'dev' }, tags: {} }, 'a, row 2');
    aggregate.add({ ...row, resource_tags: teamOf, tags: { 'iamPrincipal/feature': 'checkout' } }, 'a, row 3');

    // Act
    const records = aggregate.days(periodDays(WINDOW, '2026-05'), true).flatMap((d) => d.records);

    // Assess
    expect(records.map((r) => r.tags)).toEqual(expect.arrayContaining([{ team: 'search', env: 'prod' }, { team: 'search', env: 'dev' }, { team: 'search', feature: 'checkout' }]));
    expect(records).toHaveLength(3);
    expect(new Set(records.map((r) => r.id)).size).toBe(3);
  });

  it('counts Bedrock tokens from usage types: documented units directly, Marketplace Units from cost and the price book', async () => {
    const usage = (await may()).usage(periodDays(WINDOW, '2026-05'));
    const day = usage.days.find((d) => d.day === '2026-05-04')!;
    const nova = day.records.find((r) => r.serviceName === 'Amazon Bedrock')!;
    expect(nova).toMatchObject({ model: 'NovaLite', tokens: { input: 1_500_000 }, apportionByCost: true });
    expect(nova.tokensDerivedFromCost).toBeUndefined();
  });

  it('fails naming the file and column for a missing or mistyped column, and for a file that does not parse', async () => {
    const { line_item_usage_type: _dropped, ...withoutUsageType } = COLUMNS;
    const missing = writeCurParquet(MAY_ROWS, withoutUsageType);
    const aggregate = new CurAggregator(WINDOW, ctx);
    await expect(readLineItems(missing, 's3://b/missing.parquet', (r, at) => aggregate.add(r, at))).rejects.toThrow(new MalformedExportError('s3://b/missing.parquet: column line_item_usage_type is missing'));
    const mistyped = writeCurParquet(
      MAY_ROWS.map((r) => ({ ...r, line_item_unblended_cost: String(r.line_item_unblended_cost) })),
      { ...COLUMNS, line_item_unblended_cost: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } },
    );
    await expect(readLineItems(mistyped, 's3://b/mistyped.parquet', () => undefined)).rejects.toThrow(
      's3://b/mistyped.parquet: column line_item_unblended_cost is BYTE_ARRAY (UTF8), expected a number (DOUBLE, FLOAT or DECIMAL)',
    );
    await expect(readLineItems(new TextEncoder().encode('{"not":"parquet"}'), 's3://b/garbage.parquet', () => undefined)).rejects.toThrow(/^s3:\/\/b\/garbage\.parquet: not a readable Parquet file/);
    expect(aggregate.findings.lineItems).toBe(0);
  });

  it('fails naming the row and column for a value of the wrong kind', () => {
    const aggregate = new CurAggregator(WINDOW, ctx);
    const row = { ...MAY_ROWS[0]!, line_item_unblended_cost: Number.NaN };
    expect(() => aggregate.add(row as never, 'f.parquet, row 1')).toThrow('f.parquet, row 1: column line_item_unblended_cost holds NaN, expected a finite number');
  });
});
