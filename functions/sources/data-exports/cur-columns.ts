import type { SchemaElement } from 'hyparquet';

/**
 * The CUR 2.0 columns costline reads (billing-apis-2026.md §A7.3), with the Parquet type each must have. A
 * required column that is missing, or any column of another type, fails the file by name before a row is read.
 */

/** How a column is read: text, a number (a double, or a decimal), an instant, or a string-to-string map. */
export type ColumnKind = 'string' | 'number' | 'timestamp' | 'map';

export interface ColumnSpec {
  kind: ColumnKind;
  required: boolean;
}

export const CUR_COLUMNS = {
  line_item_usage_start_date: { kind: 'timestamp', required: true },
  line_item_line_item_type: { kind: 'string', required: true },
  line_item_usage_account_id: { kind: 'string', required: true },
  line_item_product_code: { kind: 'string', required: true },
  line_item_usage_type: { kind: 'string', required: true },
  line_item_unblended_cost: { kind: 'number', required: true },
  line_item_currency_code: { kind: 'string', required: true },
  reservation_effective_cost: { kind: 'number', required: true },
  savings_plan_savings_plan_effective_cost: { kind: 'number', required: true },
  line_item_usage_amount: { kind: 'number', required: true },
  bill_payer_account_id: { kind: 'string', required: false },
  bill_invoice_id: { kind: 'string', required: false },
  bill_bill_type: { kind: 'string', required: false },
  line_item_usage_account_name: { kind: 'string', required: false },
  product_servicecode: { kind: 'string', required: false },
  product_product_name: { kind: 'string', required: false },
  product: { kind: 'map', required: false },
  line_item_resource_id: { kind: 'string', required: false },
  /** Present only when the export includes IAM principal data. */
  line_item_iam_principal: { kind: 'string', required: false },
  pricing_unit: { kind: 'string', required: false },
  resource_tags: { kind: 'map', required: false },
  tags: { kind: 'map', required: false },
  /** The unused part of RI and Savings Plans commitments, for the amortized view of their fee lines (see `effectiveCostOf`). */
  reservation_unused_amortized_upfront_fee_for_billing_period: { kind: 'number', required: false },
  reservation_unused_recurring_fee: { kind: 'number', required: false },
  reservation_reservation_a_r_n: { kind: 'string', required: false },
  savings_plan_total_commitment_to_date: { kind: 'number', required: false },
  savings_plan_used_commitment: { kind: 'number', required: false },
} as const satisfies Record<string, ColumnSpec>;

export type CurColumn = keyof typeof CUR_COLUMNS;

/** A data file that cannot be read as CUR 2.0: names the file and, where one is at fault, the column and row. */
export class MalformedExportError extends Error {
  override readonly name = 'MalformedExportError';
}

/** What a schema element is, in words, for error messages (`DOUBLE`, `BYTE_ARRAY (UTF8)`, `group (MAP)`). */
function describe(element: SchemaElement): string {
  const annotation = element.logical_type?.type ?? element.converted_type;
  const physical = element.type ?? 'group';
  return annotation ? `${physical} (${annotation})` : physical;
}

/** Whether a top-level schema element can be read as `kind`. */
function fits(kind: ColumnKind, element: SchemaElement): boolean {
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  switch (kind) {
    case 'string':
      return element.type === 'BYTE_ARRAY' && (logical === undefined || logical === 'STRING') && (converted === undefined || converted === 'UTF8');
    case 'number':
      return element.type === 'DOUBLE' || element.type === 'FLOAT' || logical === 'DECIMAL' || converted === 'DECIMAL';
    case 'timestamp':
      return element.type === 'INT96' || logical === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS';
    case 'map':
      return element.type === undefined && (logical === 'MAP' || converted === 'MAP' || converted === 'MAP_KEY_VALUE');
  }
}

const WANTED: Record<ColumnKind, string> = {
  string: 'a string (BYTE_ARRAY, UTF8)',
  number: 'a number (DOUBLE, FLOAT or DECIMAL)',
  timestamp: 'a timestamp (INT64 TIMESTAMP or INT96)',
  map: 'a map (group MAP)',
};

/**
 * Checks a file's top-level columns against {@link CUR_COLUMNS} and returns the ones to read (those present).
 * @param topLevel the root's children, in file order
 * @throws MalformedExportError naming the file and every missing or mistyped column
 */
export function checkColumns(topLevel: readonly SchemaElement[], file: string): CurColumn[] {
  const byName = new Map(topLevel.map((e) => [e.name, e]));
  const problems: string[] = [];
  const present: CurColumn[] = [];
  for (const [name, spec] of Object.entries(CUR_COLUMNS) as Array<[CurColumn, ColumnSpec]>) {
    const element = byName.get(name);
    if (!element) {
      if (spec.required) problems.push(`column ${name} is missing`);
      continue;
    }
    if (!fits(spec.kind, element)) problems.push(`column ${name} is ${describe(element)}, expected ${WANTED[spec.kind]}`);
    else present.push(name);
  }
  if (problems.length > 0) throw new MalformedExportError(`${file}: ${problems.join('; ')}`);
  return present;
}
