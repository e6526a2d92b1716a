import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Big from 'big.js';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { daysOf } from '../../../../functions/domain/records/dates';
import type { CostRecord } from '../../../../functions/domain/records/cost-record';
import { MalformedFocusFileError } from '../../../../functions/sources/focus-files/focus-columns';
import { readFocusFile } from '../../../../functions/sources/focus-files/focus-file-rows';
import { FocusAggregator, providerIdOf } from '../../../../functions/sources/focus-files/focus-mapper';
import type { FocusFormat } from '../../../../functions/config/sources-schema';
import { PARQUET_COLUMNS, PARQUET_ROWS, writeFocusParquet } from '../../../fixtures/focus/focus-parquet-fixture';
import { expectGolden, FIXTURES } from '../../../support/fixtures';

const WINDOW = { start: '2026-05-01', end: '2026-05-04' };
const bytesOf = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, 'focus', name)));

/** Reads files into one aggregate, as the source does; returns the layouts and the aggregate. */
async function read(files: Array<[string, Uint8Array, FocusFormat]>, source = 'focus:test') {
  const aggregate = new FocusAggregator(WINDOW, { source, tagKey: 'team' });
  const layouts = [];
  for (const [name, bytes, format] of files) layouts.push(await readFocusFile(bytes, name, format, (row, at, layout) => aggregate.add(row, layout, at)));
  return { aggregate, layouts, days: aggregate.days(daysOf(WINDOW), () => true) };
}

const records = (days: Array<{ records: CostRecord[] }>) => days.flatMap((d) => d.records);
const total = (rs: CostRecord[], field: 'billedCost' | 'effectiveCost' = 'billedCost') => rs.reduce((t, r) => t.plus(r[field]), new Big(0)).toFixed();

/** A CSV file from the 1.0 fixture with its header and rows changed by `edit`. */
function editedCsv(edit: (lines: string[][]) => string[][]): Uint8Array {
  const lines = parse(readFileSync(join(FIXTURES, 'focus', 'azure-focus-1.0.csv'), 'utf8')) as string[][];
  return new TextEncoder().encode(stringify(edit(lines)));
}
const column = (lines: string[][], name: string) => lines[0]!.indexOf(name);

describe('FOCUS mapper', () => {
  it('maps an Azure-like FOCUS 1.0 CSV to records, golden', async () => {
    const { days, layouts, aggregate } = await read([['azure-focus-1.0.csv', bytesOf('azure-focus-1.0.csv'), 'csv']]);
    expect(layouts).toEqual([{ version: '1.0', providerColumn: 'ProviderName' }]);
    expectGolden('focus/azure-1.0-records.golden.json', days);
    // 0.1 + 0.2 as the file wrote them: 0.3, not 0.30000000000000004.
    expect(records(days).find((r) => r.serviceName === 'Virtual Machines' && r.chargePeriodStart === '2026-05-01')).toMatchObject({ billedCost: '0.3', consumedQuantity: '24', consumedUnit: 'Hours', provider: 'microsoft', providerName: 'Microsoft', tags: { team: 'search' } });
    // Every row in the window once; the correction (for April) and the row of 05-20 are outside it.
    expect(total(records(days))).toBe('46.515678');
    expect(aggregate.findings).toMatchObject({ rows: 10, inWindow: 8, correctionsBeforeWindow: 1 });
  });

  it('maps a LiteLLM-like FOCUS 1.3 CSV, its provider from ServiceProviderName, golden', async () => {
    const { days, layouts } = await read([['litellm-focus-1.3.csv', bytesOf('litellm-focus-1.3.csv'), 'csv']]);
    expect(layouts).toEqual([{ version: '1.3', providerColumn: 'ServiceProviderName' }]);
    expectGolden('focus/litellm-1.3-records.golden.json', days);
    const rs = records(days);
    expect(new Set(rs.map((r) => r.provider))).toEqual(new Set(['litellm']));
    // A sub-cent row is kept exactly.
    expect(rs.find((r) => r.usageType === 'gpt-4o' && r.chargeCategory === 'Usage')).toMatchObject({ billedCost: '1.2500005', subAccountId: 'team-search', consumedQuantity: '500000.2', consumedUnit: 'Tokens' });
    expect(rs.find((r) => r.usageType === 'text-embedding-3-small')!.tags).toEqual({});
  });

  it('maps an AWS-like FOCUS 1.2 Parquet file, Tags as a map and doubles summed as written, golden', async () => {
    const { days, layouts } = await read([['aws-focus-1.2.parquet', bytesOf('aws-focus-1.2.parquet'), 'parquet']]);
    expect(layouts).toEqual([{ version: '1.2', providerColumn: 'ProviderName' }]);
    expectGolden('focus/aws-1.2-records.golden.json', days);
    const rs = records(days);
    expect(rs.find((r) => r.usageType === 'BoxUsage:m7g.large')).toMatchObject({ provider: 'aws', billedCost: '0.3', tags: { team: 'search' } });
    expect(rs.find((r) => r.chargeCategory === 'Credit')).toMatchObject({ billedCost: '-2.5', consumedQuantity: null, tags: {} });
    expect(total(rs)).toBe(PARQUET_ROWS.reduce((t, r) => t.plus(String(r.BilledCost)), new Big(0)).toFixed());
  });

  it('keeps credits, tax and corrections apart from usage of the same day and service', async () => {
    const { days } = await read([['azure-focus-1.0.csv', bytesOf('azure-focus-1.0.csv'), 'csv']]);
    const openai = records(days).filter((r) => r.serviceName === 'Azure OpenAI');
    expect(openai.map((r) => [r.chargePeriodStart, r.lineItemType, r.billedCost])).toEqual(
      expect.arrayContaining([
        ['2026-05-01', 'Usage', '12.345678'],
        ['2026-05-02', 'Credit', '-5'],
      ]),
    );
    const vm = records(days).filter((r) => r.serviceName === 'Virtual Machines' && r.chargePeriodStart === '2026-05-02');
    expect(vm.map((r) => [r.chargeCategory, r.billedCost, r.effectiveCost]).sort()).toEqual([
      ['Purchase', '30', '0'],
      ['Usage', '3.3', '2.1'],
    ]);
  });

  it('names provider ids after the provider, AWS as the built-in aws', () => {
    expect(['Microsoft', 'LiteLLM', 'Google Cloud', 'AWS', 'Amazon Web Services'].map(providerIdOf)).toEqual(['microsoft', 'litellm', 'google-cloud', 'aws', 'aws']);
  });
});

describe('FOCUS mapper on bad input', () => {
  const fails = async (bytes: Uint8Array, format: FocusFormat = 'csv') => {
    const error = await read([['s3://b/exports/focus/bad.csv', bytes, format]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MalformedFocusFileError);
    return (error as Error).message;
  };

  it('refuses a FOCUS version after 1.3 and one before 1.0, naming the file and the columns', async () => {
    const v14 = editedCsv((lines) => lines.map((l, i) => [...l, i === 0 ? 'InvoiceDetailId' : 'inv-1']));
    expect(await fails(v14)).toBe('s3://b/exports/focus/bad.csv: column InvoiceDetailId is from a FOCUS version after 1.3; costline reads FOCUS 1.0 to 1.3');
    const preview = new TextEncoder().encode('BilledCost,BillingAccountId,ChargeType,UsageQuantity,UsageUnit\n1,a,Usage,1,Hours\n');
    expect(await fails(preview)).toBe(
      's3://b/exports/focus/bad.csv: columns UsageQuantity, UsageUnit, ChargeType and no ChargeClass: a FOCUS version before 1.0 (1.0 renamed or replaced these); costline reads FOCUS 1.0 to 1.3',
    );
    expect(await fails(new TextEncoder().encode('date,cost\n2026-05-01,1\n'))).toMatch(/^s3:\/\/b\/exports\/focus\/bad\.csv: not a FOCUS 1\.0 to 1\.3 file \(no ChargeClass column, mandatory since 1\.0\): columns BillingAccountId, .* are missing$/);
  });

  it('refuses a file missing a column costline reads, naming it, and a 1.3 file without ServiceProviderName', async () => {
    const withoutService = editedCsv((lines) => {
      const i = column(lines, 'ServiceName');
      return lines.map((l) => l.filter((_, j) => j !== i));
    });
    expect(await fails(withoutService)).toBe('s3://b/exports/focus/bad.csv: FOCUS 1.0 (from its columns): column ServiceName is missing');
    const text = readFileSync(join(FIXTURES, 'focus', 'litellm-focus-1.3.csv'), 'utf8').replace('ServiceProviderName', 'x_ServiceProvider');
    expect(await fails(new TextEncoder().encode(text))).toBe('s3://b/exports/focus/bad.csv: FOCUS 1.3 (from its columns): column ServiceProviderName is missing');
  });

  it('refuses a bad number, a bad date, bad Tags and an unknown charge category, naming the row and column', async () => {
    const cell = (name: string, value: string, row = 2) => editedCsv((lines) => lines.map((l, i) => (i === row ? l.map((c, j) => (j === column(lines, name) ? value : c)) : l)));
    expect(await fails(cell('BilledCost', '1,5'.replace(',', ';')))).toBe('s3://b/exports/focus/bad.csv, row 2: column BilledCost holds "1;5", expected a decimal number');
    expect(await fails(cell('EffectiveCost', ''))).toBe('s3://b/exports/focus/bad.csv, row 2: column EffectiveCost is empty, expected a decimal number');
    expect(await fails(cell('ChargePeriodStart', '05/01/2026'))).toBe('s3://b/exports/focus/bad.csv, row 2: column ChargePeriodStart holds "05/01/2026", expected an ISO 8601 date-time');
    expect(await fails(cell('Tags', 'team=search'))).toBe('s3://b/exports/focus/bad.csv, row 2: column Tags holds "team=search", expected a JSON object of tag keys and values');
    expect(await fails(cell('ChargeCategory', 'Fee'))).toBe('s3://b/exports/focus/bad.csv, row 2: column ChargeCategory is "Fee", expected one of Usage, Purchase, Tax, Credit, Adjustment');
  });

  it('refuses a billing currency other than USD, even on a row outside the window', async () => {
    const eur = editedCsv((lines) => lines.map((l, i) => (i === 10 ? l.map((c, j) => (j === column(lines, 'BillingCurrency') ? 'EUR' : c)) : l)));
    expect(await fails(eur)).toBe('s3://b/exports/focus/bad.csv, row 10: column BillingCurrency is "EUR", expected "USD" (the only billing currency costline handles)');
  });

  it('refuses a CSV that does not parse and a Parquet file with a number where text belongs', async () => {
    const ragged = editedCsv((lines) => lines.map((l, i) => (i === 3 ? l.slice(0, 5) : l)));
    expect(await fails(ragged)).toMatch(/^s3:\/\/b\/exports\/focus\/bad\.csv: not a readable CSV file \(.*\)$/);
    const retyped = writeFocusParquet(
      PARQUET_ROWS.map((r) => ({ ...r, BilledCost: 'lots' })),
      { ...PARQUET_COLUMNS, BilledCost: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } },
    );
    expect(await fails(retyped, 'parquet')).toBe('s3://b/exports/focus/bad.csv, row 1: column BilledCost holds "lots", expected a decimal number');
    expect(await fails(new TextEncoder().encode('not parquet'), 'parquet')).toMatch(/^s3:\/\/b\/exports\/focus\/bad\.csv: not a readable Parquet file/);
  });
});
