import { parquetWriteBuffer } from 'hyparquet-writer';

/*
 * The sample CUR 2.0 export's columns and how its rows are written: snappy Parquet files, as Data Exports
 * delivers them (see cur-export.ts for what the rows hold).
 */

/** Rows per data file: a month of the sample spans two or three files, as larger exports are split into chunks. */
export const CHUNK_ROWS = 1500;

export type Tags = Record<string, string>;

/** One CUR 2.0 line item, with the columns of the export's QueryStatement (§A7.3). */
export interface CurRow {
  bill_billing_period_start_date: Date;
  bill_payer_account_id: string;
  bill_invoice_id: string;
  bill_bill_type: string;
  line_item_usage_account_id: string;
  line_item_usage_account_name: string;
  line_item_line_item_type: string;
  line_item_line_item_description: string;
  line_item_product_code: string;
  product_servicecode: string;
  product: Tags;
  line_item_usage_type: string;
  line_item_operation: string;
  line_item_resource_id: string;
  line_item_iam_principal: string;
  line_item_usage_start_date: Date;
  line_item_usage_end_date: Date;
  line_item_usage_amount: number;
  pricing_unit: string;
  pricing_public_on_demand_cost: number;
  line_item_unblended_cost: number;
  line_item_net_unblended_cost: number;
  reservation_effective_cost: number;
  savings_plan_savings_plan_effective_cost: number;
  line_item_currency_code: string;
  resource_tags: Tags;
  tags: Tags;
  cost_category: Tags;
}

/** Column name to Parquet physical/logical type, in QueryStatement order; the manifest's `columns` name the Athena types. */
export const COLUMNS: { name: keyof CurRow; type: 'string' | 'timestamp' | 'double' | 'map' }[] = [
  { name: 'bill_billing_period_start_date', type: 'timestamp' },
  { name: 'bill_payer_account_id', type: 'string' },
  { name: 'bill_invoice_id', type: 'string' },
  { name: 'bill_bill_type', type: 'string' },
  { name: 'line_item_usage_account_id', type: 'string' },
  { name: 'line_item_usage_account_name', type: 'string' },
  { name: 'line_item_line_item_type', type: 'string' },
  { name: 'line_item_line_item_description', type: 'string' },
  { name: 'line_item_product_code', type: 'string' },
  { name: 'product_servicecode', type: 'string' },
  { name: 'product', type: 'map' },
  { name: 'line_item_usage_type', type: 'string' },
  { name: 'line_item_operation', type: 'string' },
  { name: 'line_item_resource_id', type: 'string' },
  { name: 'line_item_iam_principal', type: 'string' },
  { name: 'line_item_usage_start_date', type: 'timestamp' },
  { name: 'line_item_usage_end_date', type: 'timestamp' },
  { name: 'line_item_usage_amount', type: 'double' },
  { name: 'pricing_unit', type: 'string' },
  { name: 'pricing_public_on_demand_cost', type: 'double' },
  { name: 'line_item_unblended_cost', type: 'double' },
  { name: 'line_item_net_unblended_cost', type: 'double' },
  { name: 'reservation_effective_cost', type: 'double' },
  { name: 'savings_plan_savings_plan_effective_cost', type: 'double' },
  { name: 'line_item_currency_code', type: 'string' },
  { name: 'resource_tags', type: 'map' },
  { name: 'tags', type: 'map' },
  { name: 'cost_category', type: 'map' },
];

/** The Parquet schema of {@link COLUMNS}: every column optional, maps as `MAP<string, string>`. */
function parquetSchema(): Record<string, unknown>[] {
  const string = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as const;
  return [
    { name: 'root', num_children: COLUMNS.length },
    ...COLUMNS.flatMap(({ name, type }): Record<string, unknown>[] =>
      type === 'map'
        ? [
            { name, repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
            { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
            { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
            { name: 'value', ...string },
          ]
        : type === 'timestamp'
          ? [{ name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' }]
          : type === 'double'
            ? [{ name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }]
            : [{ name, ...string }],
    ),
  ];
}

export const ATHENA_TYPES = { string: 'string', timestamp: 'timestamp', double: 'double', map: 'map<string,string>' } as const;

/** Rows as one snappy Parquet file, in row groups of `rowGroupSize` rows. */
export function parquetOf(rows: CurRow[], rowGroupSize = CHUNK_ROWS): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: COLUMNS.map(({ name }) => ({ name, data: rows.map((r) => r[name]) })),
    schema: parquetSchema() as never,
    codec: 'SNAPPY',
    rowGroupSize,
    createdBy: 'costline sample CUR 2.0 export',
  });
  return new Uint8Array(buffer);
}
