import type { AthenaClient } from '@aws-sdk/client-athena';
import Big from 'big.js';
import { monthOf, monthsOf, type DayWindow } from '../../../domain/records/dates';
import { AWS_DATA_EXPORTS_SOURCE } from '../../../lib/source-ids';
import type { BillingSource, PullContext, SourcePull } from '../../../ports/ports';
import { MalformedExportError } from '../cur-columns';
import { periodDays, type CurAggregator } from '../cur-mapper';
import { addEmptyPeriod, addPeriod, newPullParts, periodAggregator, pullOf, type ExportAggregation } from '../period-pull';
import { curAggregationSql, keyColumns, tagKeysOf } from './athena-sql';
import { runQuery, type AthenaQueryError } from './athena-query';
import { PARTITION_COLUMN, type AthenaTarget } from './glue-table';

export type { AthenaQueryError };

/** Settings of the Athena engine: the embedded engine's, and where the query runs. */
export interface AthenaSourceOptions extends ExportAggregation {
  target: AthenaTarget;
}

/**
 * The CUR 2.0 export read through Amazon Athena (`sources.aws.engine: "athena"`): the same {@link BillingSource}
 * as the embedded engine (same id, records, usage and finality), for exports that outgrow a function. One query
 * per window sums the line items of every billing period it touches in Athena (`athena-sql.ts`); each result row
 * is a group of line items sharing a record's key, fed to the embedded engine's own {@link CurAggregator}, so
 * ids, tags, charge categories, amortization and Bedrock tokens come from one mapper. The whole result is read
 * and checked before anything is returned: a failed query stores nothing.
 *
 * Athena reads the files under each `BILLING_PERIOD=` folder, not the manifest: a query that runs while a
 * delivery is being written may see part of it (AWS writes the manifest last). The next run reads it whole.
 */
export class AthenaExportsSource implements BillingSource {
  readonly kind = 'cost' as const;
  readonly id = AWS_DATA_EXPORTS_SOURCE;
  readonly provider = 'aws' as const;
  /** Bytes scanned by the last pull's query, for the bench. */
  lastBytesScanned = 0;

  constructor(
    private readonly athena: AthenaClient,
    private readonly options: AthenaSourceOptions,
  ) {}

  /** The query a pull of `window` runs. */
  sql(window: DayWindow): string {
    const { target, tagKey, otherTagKeys, billingAccountId } = this.options;
    return curAggregationSql({ target, window, tagKey, ...(otherTagKeys ? { otherTagKeys } : {}), billingAccountId });
  }

  async pull(window: DayWindow, context: PullContext): Promise<SourcePull> {
    const target = this.options.target;
    const answer = await runQuery(this.athena, target, this.sql(window), context.deadline);
    this.lastBytesScanned = answer.bytesScanned;
    const at = `Athena workgroup ${target.workgroup}, query ${answer.queryId}`;
    const column = columnsOf(answer.columns, [PARTITION_COLUMN, ...keyColumns(this.options), 'period_total', 'account_name', 'billed_cost', 'effective_cost', 'usage_quantity', 'unit_min', 'unit_max', 'unit_count', 'line_items', 'without_invoice', 'without_product_code', 'without_currency', 'other_currency'], at);
    const aggregates = new Map<string, CurAggregator>();
    const aggregateOf = (month: string) => {
      let aggregate = aggregates.get(month);
      if (!aggregate) {
        aggregate = periodAggregator(window, this.options);
        aggregates.set(month, aggregate);
      }
      return aggregate;
    };
    const tagKeys = tagKeysOf(this.options);
    answer.rows.forEach((row, i) => {
      const value = (name: string) => row[column(name)] ?? null;
      const where = `${at}, result row ${i + 1}`;
      const month = value(PARTITION_COLUMN) ?? bad(where, PARTITION_COLUMN, 'is NULL');
      const count = (name: string) => Number(value(name) ?? bad(where, name, 'is NULL'));
      const aggregate = aggregateOf(month);
      if (value('period_total') === '1') {
        aggregate.countLineItems(count('line_items'), 0, count('without_invoice'));
        return;
      }
      aggregate.countLineItems(0, count('line_items'), 0);
      if (count('without_currency') > 0) bad(where, 'line_item_currency_code', 'is empty, expected a value');
      const currency = value('other_currency');
      if (currency !== null) bad(where, 'line_item_currency_code', `is "${currency}", expected "USD" (the only billing currency costline handles)`);
      if (count('without_product_code') > 0) bad(where, 'line_item_product_code', 'is empty, expected a value');
      const day = value('usage_day') ?? bad(where, 'line_item_usage_start_date', 'is NULL, expected a timestamp');
      if (day < window.start || day >= window.end) bad(where, 'usage_day', `is ${day}, outside the window ${window.start}..${window.end}`);
      const unit = value('unit_count') === value('line_items') && value('unit_min') === value('unit_max') ? value('unit_min') : null;
      const tags = new Map(tagKeys.map((key, t) => [key, value(`tag_${t}`)]));
      aggregate.addLine({
        day,
        billingAccountId: value('billing_account_id') ?? bad(where, 'billing_account_id', 'is NULL'),
        accountId: value('account_id') ?? bad(where, 'line_item_usage_account_id', 'is empty, expected a value'),
        accountName: value('account_name'),
        service: value('service') ?? bad(where, 'line_item_product_code', 'is empty, expected a value'),
        usageType: value('usage_type'),
        lineItemType: value('line_item_type') ?? bad(where, 'line_item_line_item_type', 'is empty, expected a value'),
        tagOf: (key) => tags.get(key) ?? null,
        iamPrincipal: value('iam_principal'),
        resourceId: value('resource_id'),
        billed: decimalOf(value('billed_cost'), where, 'billed_cost'),
        effective: decimalOf(value('effective_cost'), where, 'effective_cost'),
        quantity: decimalOf(value('usage_quantity'), where, 'usage_quantity'),
        unit,
      });
    });
    const parts = newPullParts();
    for (const month of monthsOf(window)) {
      const wanted = periodDays(window, month);
      const aggregate = aggregates.get(month);
      if (!aggregate) {
        if (month < monthOf(context.now.toISOString().slice(0, 10))) {
          throw new MalformedExportError(`${at}: no line items for billing period ${month} in "${target.database}"."${target.table}"; the export has not delivered it (or was moved), so its stored days are kept`);
        }
        addEmptyPeriod(parts, wanted, `billing period ${month}: no line items yet in "${target.database}"."${target.table}" (AWS's first delivery of a period takes up to a day); its days are empty for now`);
        continue;
      }
      addPeriod(parts, month, wanted, aggregate, { before: '', via: `, summed by Athena (${at}, ${answer.bytesScanned} bytes scanned)`, after: '' });
    }
    return pullOf(parts, answer.requests);
  }
}

function bad(where: string, column: string, problem: string): never {
  throw new MalformedExportError(`${where}: column ${column} ${problem}`);
}

/** Each wanted column's index in the result, or a clear error naming the missing ones. */
function columnsOf(columns: readonly string[], wanted: readonly string[], at: string): (name: string) => number {
  const index = new Map(columns.map((c, i) => [c, i]));
  const missing = wanted.filter((w) => !index.has(w));
  if (missing.length > 0) throw new MalformedExportError(`${at}: the result lacks column(s) ${missing.join(', ')}`);
  return (name) => index.get(name)!;
}

/** A DECIMAL sum's text as a decimal; NULL (no amount in the group) adds nothing. */
function decimalOf(text: string | null, where: string, column: string): Big | null {
  if (text === null) return null;
  try {
    return new Big(text);
  } catch {
    return bad(where, column, `holds "${text}", expected a decimal`);
  }
}
