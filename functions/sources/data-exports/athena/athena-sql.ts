import { AI_SERVICES } from '../../../domain/records/cost-record';
import { monthsOf, type DayWindow } from '../../../domain/records/dates';
import { CHARGE_CATEGORIES, INFERENCE_PROFILE } from '../cur-charges';
import { PARTITION_COLUMN, type AthenaTarget } from './glue-table';

/**
 * The Athena engine's one query per window: the CUR 2.0 line items of every billing period the window touches,
 * grouped by exactly the fields the embedded engine keys records by (`CurLine` in cur-mapper.ts: day, payer and
 * usage account, service, usage type, line item type, each tag, IAM principal for AI services, inference
 * profile), with the sums and counts the same mapper needs. Each field is derived as `CurAggregator.add` derives
 * it: empty strings are absent, the service is `product_product_name`, else `product['product_name']`, else
 * `product_servicecode`, else the product code; a tag is `resource_tags['user_<key>']`, else
 * `tags['iamPrincipal/<key>']`; the principal is kept for AI services only (the same pattern as
 * `serviceCategoryOf`, or a Bedrock product code), the resource only when it is an inference profile (the same
 * pattern as the embedded engine's). A second grouping set, the billing period alone, counts every line item of
 * the period (in or out of the window) and those without an invoice id: a period is final when none lacks one.
 *
 * Exactness. Parquet holds CUR costs as doubles; the embedded engine sums each one's shortest round-trip text
 * (`String(x)`) exactly. The SQL sums the same decimals: `CAST(CAST(x AS VARCHAR) AS DECIMAL(38, 18))`. Trino
 * (Athena engine v3) does not write JavaScript's text: recent Trino (`DoubleOperators.castToVarchar`) formats with
 * `DecimalFormat("0.0###################E0")` (0.1 is `1.0E-1`, 123.456 is `1.23456E2`), older Trino and Presto
 * with `String.valueOf` (`0.1`, `1.0E-7`); both carry Java's round-trip digits, and Trino reads a varchar into a
 * decimal with `new BigDecimal(text).setScale(18, HALF_UP)`, exponent included, so the decimal is the same as
 * `String(x)`'s wherever Java's digits are the shortest (Java 19 and later; an older digit string, where it has
 * a digit more, still rounds to the same double). DuckDB (the local server) writes the shortest round-trip text
 * and reads it the same way. `CAST(x AS DECIMAL(38, 18))` straight from the double is
 * not used: DuckDB multiplies the double by 10^18 in binary and gets 123456.789000000003637248 for 123456.789.
 * The two engines then agree to the digit on every amount whose shortest text has at most 18 fraction digits
 * (AWS writes costs with at most 10); one with more is rounded half up at the 18th (a difference below 5e-19 per
 * line item). DECIMAL(38, 18) leaves 20 integer digits, so a sum overflows (and the query fails) past 10^20.
 *
 * No result column tells a NULL from an empty string: how GetQueryResults writes an empty string is not documented
 * (a NULL is a Datum without `VarCharValue`), so every text is `NULLIF(…, '')` and what is absent is counted.
 *
 * Only constructs Trino and DuckDB both accept, with the same meaning: `regexp_extract` (NULL on no match in
 * Trino, '' in DuckDB, hence `NULLIF(…, '') IS NOT NULL`; the patterns never match the empty string), map access
 * guarded by `contains(map_keys(m), k)` (Trino's `m[k]` fails on a missing key, DuckDB's `element_at` returns a
 * list), `GROUPING SETS` with `GROUPING()`, and `CAST` of a timestamp to DATE (UTC: Athena's session zone).
 */

/** What the query is built from. */
export interface CurQuery {
  target: AthenaTarget;
  window: DayWindow;
  /** The team tag key, then the other tag keys records carry (as `CurMapperContext`). */
  tagKey: string;
  otherTagKeys?: readonly string[];
  /** Payer account for line items without `bill_payer_account_id`. */
  billingAccountId: string;
}

/** Tag keys in result column order (`tag_0` is the team tag): the team's, then each other key once. */
export function tagKeysOf(query: Pick<CurQuery, 'tagKey' | 'otherTagKeys'>): string[] {
  return [...new Set([query.tagKey, ...(query.otherTagKeys ?? [])])];
}

/** A SQL string literal. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A double column as the decimal of its shortest text (see the module comment). */
const decimal = (column: string) => `CAST(CAST(${column} AS VARCHAR) AS DECIMAL(38, 18))`;
const ZERO = 'CAST(0 AS DECIMAL(38, 18))';
const mapValue = (column: string, key: string) => `CASE WHEN contains(map_keys(${column}), ${literal(key)}) THEN ${column}[${literal(key)}] END`;
const matches = (value: string, pattern: string) => `NULLIF(regexp_extract(${value}, ${literal(pattern)}), '') IS NOT NULL`;

/** The usage line item types whose quantity counts (`countsQuantity`). */
function usageTypes(): string[] {
  return Object.entries(CHARGE_CATEGORIES)
    .filter(([type, category]) => category === 'Usage' && type !== 'SavingsPlanNegation')
    .map(([type]) => type);
}

/** The amortized cost of one line item, as `CurAggregator.effectiveCostOf`. */
function effectiveCost(): string {
  return [
    'CASE line_item_line_item_type',
    `      WHEN 'SavingsPlanCoveredUsage' THEN ${decimal('savings_plan_savings_plan_effective_cost')}`,
    `      WHEN 'DiscountedUsage' THEN ${decimal('reservation_effective_cost')}`,
    `      WHEN 'SavingsPlanNegation' THEN ${ZERO}`,
    `      WHEN 'SavingsPlanUpfrontFee' THEN ${ZERO}`,
    `      WHEN 'SavingsPlanRecurringFee' THEN COALESCE(${decimal('savings_plan_total_commitment_to_date')}, ${ZERO}) - COALESCE(${decimal('savings_plan_used_commitment')}, ${ZERO})`,
    `      WHEN 'RIFee' THEN COALESCE(${decimal('reservation_unused_amortized_upfront_fee_for_billing_period')}, ${ZERO}) + COALESCE(${decimal('reservation_unused_recurring_fee')}, ${ZERO})`,
    `      WHEN 'Fee' THEN CASE WHEN NULLIF(reservation_reservation_a_r_n, '') IS NOT NULL THEN ${ZERO} ELSE ${decimal('line_item_unblended_cost')} END`,
    `      ELSE ${decimal('line_item_unblended_cost')}`,
    '    END',
  ].join('\n');
}

/** The grouping key's columns, in result order (after `billing_period`). */
export function keyColumns(query: Pick<CurQuery, 'tagKey' | 'otherTagKeys'>): string[] {
  return ['usage_day', 'billing_account_id', 'account_id', 'service', 'usage_type', 'line_item_type', ...tagKeysOf(query).map((_, i) => `tag_${i}`), 'iam_principal', 'resource_id'];
}

/** The query's text; `"<database>"."<table>"` is its only table reference. */
export function curAggregationSql(query: CurQuery): string {
  const { target, window } = query;
  const periods = monthsOf(window).map(literal).join(', ');
  const tags = tagKeysOf(query).map(
    (key, i) => `    COALESCE(NULLIF(${mapValue('resource_tags', `user_${key}`)}, ''), NULLIF(${mapValue('tags', `iamPrincipal/${key}`)}, '')) AS tag_${i},`,
  );
  const key = keyColumns(query);
  const passed = key.filter((c) => c !== 'iam_principal');
  return [
    `-- costline: CUR 2.0 line items of billing period(s) ${monthsOf(window).join(', ')}, days ${window.start} to ${window.end} (exclusive), summed per record`,
    'WITH line_items AS (',
    '  SELECT',
    `    ${PARTITION_COLUMN},`,
    '    CAST(CAST(line_item_usage_start_date AS DATE) AS VARCHAR) AS usage_day,',
    `    COALESCE(NULLIF(bill_payer_account_id, ''), ${literal(query.billingAccountId)}) AS billing_account_id,`,
    "    NULLIF(line_item_usage_account_id, '') AS account_id,",
    "    NULLIF(line_item_usage_account_name, '') AS account_name,",
    `    COALESCE(NULLIF(product_product_name, ''), ${mapValue('product', 'product_name')}, NULLIF(product_servicecode, ''), NULLIF(line_item_product_code, '')) AS service,`,
    "    NULLIF(line_item_product_code, '') AS product_code,",
    "    NULLIF(line_item_usage_type, '') AS usage_type,",
    "    NULLIF(line_item_line_item_type, '') AS line_item_type,",
    ...tags,
    "    NULLIF(line_item_iam_principal, '') AS principal,",
    `    CASE WHEN ${matches('line_item_resource_id', INFERENCE_PROFILE.source)} THEN line_item_resource_id END AS resource_id,`,
    "    NULLIF(line_item_currency_code, '') AS currency,",
    "    NULLIF(bill_invoice_id, '') AS invoice_id,",
    "    NULLIF(pricing_unit, '') AS unit,",
    `    ${decimal('line_item_unblended_cost')} AS billed,`,
    `    ${effectiveCost()} AS effective,`,
    `    ${decimal('line_item_usage_amount')} AS quantity`,
    `  FROM "${target.database}"."${target.table}"`,
    `  WHERE ${PARTITION_COLUMN} IN (${periods})`,
    '),',
    'keyed AS (',
    '  SELECT',
    `    ${PARTITION_COLUMN}, ${passed.join(', ')}, account_name, product_code, currency, invoice_id, unit, billed, effective, quantity,`,
    `    CASE WHEN ${matches('service', `(?i)${AI_SERVICES.source}`)} OR ${matches('product_code', '(?i)bedrock')} THEN principal END AS iam_principal`,
    '  FROM line_items',
    ')',
    'SELECT',
    `  ${PARTITION_COLUMN}, ${key.join(', ')},`,
    `  GROUPING(usage_day) AS period_total,`,
    '  MAX(account_name) AS account_name,',
    '  SUM(billed) AS billed_cost,',
    '  SUM(effective) AS effective_cost,',
    `  SUM(CASE WHEN line_item_type IN (${usageTypes().map(literal).join(', ')}) THEN quantity END) AS usage_quantity,`,
    '  MIN(unit) AS unit_min,',
    '  MAX(unit) AS unit_max,',
    '  COUNT(unit) AS unit_count,',
    '  COUNT(*) AS line_items,',
    '  COUNT(*) - COUNT(invoice_id) AS without_invoice,',
    '  COUNT(*) - COUNT(product_code) AS without_product_code,',
    '  COUNT(*) - COUNT(currency) AS without_currency,',
    "  MIN(CASE WHEN currency <> 'USD' THEN currency END) AS other_currency",
    'FROM keyed',
    `GROUP BY GROUPING SETS ((${PARTITION_COLUMN}), (${PARTITION_COLUMN}, ${key.join(', ')}))`,
    `HAVING GROUPING(usage_day) = 1 OR (usage_day >= ${literal(window.start)} AND usage_day < ${literal(window.end)})`,
  ].join('\n');
}
