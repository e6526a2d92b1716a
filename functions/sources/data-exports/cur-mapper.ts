import Big from 'big.js';
import { recordId, type CostRecord } from '../../domain/records/cost-record';
import { addDays, daysOf, type DayWindow } from '../../domain/records/dates';
import { ExactSums } from '../../domain/records/exact-sums';
import type { UsageRecord } from '../../domain/records/usage-record';
import type { SourceDay } from '../../ports/ports';
import { daysOfSummed, noteUnit, openSummed, type SummedRecord } from '../shared/summed-records';
import { addBedrockMeter, type BedrockUsageContext } from '../cost-explorer/bedrock-usage';
import { bedrockModelOf } from '../cost-explorer/cost-explorer-mapper';
import { MalformedExportError } from './cur-columns';
import { effectiveCostOf } from './cur-amortization';
import { CHARGE_CATEGORIES, INFERENCE_PROFILE } from './cur-charges';
import { countsQuantity, isAiService, serviceKindOf, type CurLine } from './cur-line';
import { dayOf, map, rawAmount, required, text, type Amount, type CurRow, type Where } from './cur-values';

/**
 * CUR 2.0 line items to normalized records (pure: the golden tests feed it rows). Line items are added one at a
 * time and summed per record identity, so memory grows with the number of records, not of line items.
 *
 * Amounts: Parquet stores CUR costs as doubles. Each is turned into a decimal through `String(x)`, the shortest
 * text that reads back as the same double (ECMAScript Number::toString), so `0.1` is `0.1`, not
 * `0.1000000000000000055511151231257827`; sums are then exact, in the chargeback's integer {@link ExactSums}
 * (big.js for what its fast path declines, such as more than 15 places). That is the value AWS wrote, as far as a double
 * can carry it.
 */

export type { CurRow } from './cur-values';

/** What the mapper needs besides the rows. */
export interface CurMapperContext {
  source: string;
  /**
   * The team tag key (`allocation.awsTagKey`): read from `resource_tags['user_<key>']` (a resource's cost
   * allocation tag), else `tags['iamPrincipal/<key>']` (the calling principal's tag).
   */
  tagKey: string;
  /** Further tags records carry (dimensions', rules'), read the same way as the team tag; the team tag need not be among them. */
  otherTagKeys?: readonly string[];
  /** FOCUS BillingAccountId when a row has no `bill_payer_account_id`. */
  billingAccountId: string;
  /** To count Bedrock tokens from the export's usage types; absent, no usage is derived. */
  bedrock?: BedrockUsageContext;
}

/** One Bedrock meter's day; `quantity` and `cost` are slots of the aggregator's sums. */
interface MeterDay {
  day: string;
  service: string;
  usageType: string;
  quantity: number;
  unit: string | null | undefined;
  cost: number;
}

/** What the mapper saw besides the records, for the pull's notes. */
export interface CurFindings {
  /** Line items seen, and those inside the window. */
  lineItems: number;
  inWindow: number;
  unknownLineItemTypes: Set<string>;
  /** Commitment fee lines whose unused part could not be amortized (the columns are not in the export). */
  feesWithoutUnusedColumns: Set<string>;
}

/** Sums CUR 2.0 line items into one day's records per identity; see the module comment. */
export class CurAggregator {
  private readonly slices = new Map<string, SummedRecord>();
  private readonly meters = new Map<string, MeterDay>();
  private readonly sums = new ExactSums();
  private sawInvoice = true;
  readonly findings: CurFindings = { lineItems: 0, inWindow: 0, unknownLineItemTypes: new Set(), feesWithoutUnusedColumns: new Set() };

  private readonly otherTagKeys: readonly string[];
  /** The current line's value of each of {@link otherTagKeys} (reused from line to line). */
  private readonly otherTagValues: Array<string | null>;
  /**
   * The line item being added, reused from row to row so that a line item makes no objects of its own (a fresh
   * object and a closure per row were measurable at millions of rows); its tags are read from the row's two maps.
   */
  private readonly line: CurLine & { resourceTags: Record<string, string> | null; principalTags: Record<string, string> | null } = {
    day: '',
    billingAccountId: '',
    accountId: '',
    accountName: null,
    service: '',
    usageType: null,
    lineItemType: '',
    iamPrincipal: null,
    resourceId: null,
    billed: null,
    effective: null,
    quantity: null,
    unit: null,
    resourceTags: null,
    principalTags: null,
    tagOf(key: string) {
      return this.resourceTags?.[`user_${key}`] || this.principalTags?.[`iamPrincipal/${key}`] || null;
    },
  };

  constructor(
    private readonly window: DayWindow,
    private readonly ctx: CurMapperContext,
  ) {
    this.otherTagKeys = ctx.otherTagKeys ?? [];
    this.otherTagValues = this.otherTagKeys.map(() => null);
  }

  /**
   * Adds one line item.
   * @param at where it came from, `<file>, row <n>`, for errors
   */
  add(row: CurRow, at: Where): void {
    this.findings.lineItems += 1;
    const invoice = text(row, 'bill_invoice_id', at);
    if (!invoice) this.sawInvoice = false;
    const day = dayOf(row, at);
    if (day < this.window.start || day >= this.window.end) return;
    this.findings.inWindow += 1;
    const lineItemType = required(row, 'line_item_line_item_type', at);
    const currency = required(row, 'line_item_currency_code', at);
    if (currency !== 'USD') throw new MalformedExportError(`${at}: column line_item_currency_code is "${currency}", expected "USD" (the only billing currency costline handles)`);
    const product = map(row, 'product', at);
    const service = text(row, 'product_product_name', at) ?? product?.product_name ?? text(row, 'product_servicecode', at) ?? required(row, 'line_item_product_code', at);
    const ai = isAiService(service, required(row, 'line_item_product_code', at));
    const resource = text(row, 'line_item_resource_id', at);
    const billed = rawAmount(row, 'line_item_unblended_cost', at);
    const usage = countsQuantity(lineItemType);
    const line = this.line;
    line.day = day;
    line.billingAccountId = text(row, 'bill_payer_account_id', at) ?? this.ctx.billingAccountId;
    line.accountId = required(row, 'line_item_usage_account_id', at);
    line.accountName = text(row, 'line_item_usage_account_name', at);
    line.service = service;
    line.usageType = text(row, 'line_item_usage_type', at);
    line.lineItemType = lineItemType;
    line.resourceTags = map(row, 'resource_tags', at);
    line.principalTags = map(row, 'tags', at);
    line.iamPrincipal = ai ? text(row, 'line_item_iam_principal', at) : null;
    line.resourceId = resource && INFERENCE_PROFILE.test(resource) ? resource : null;
    line.billed = billed;
    line.effective = effectiveCostOf(row, lineItemType, billed, at, this.findings);
    line.quantity = usage ? rawAmount(row, 'line_item_usage_amount', at) : null;
    line.unit = usage ? text(row, 'pricing_unit', at) : null;
    this.addLine(line);
  }

  /**
   * Counts line items summed elsewhere (the Athena engine's query counts them per group): `lineItems` of the
   * billing period, `inWindow` of them inside the window, `withoutInvoice` of them with no `bill_invoice_id`.
   */
  countLineItems(lineItems: number, inWindow: number, withoutInvoice: number): void {
    this.findings.lineItems += lineItems;
    this.findings.inWindow += inWindow;
    if (withoutInvoice > 0) this.sawInvoice = false;
  }

  /**
   * Adds one line item's derived fields, or the sums of a group of line items that share them all (the Athena
   * engine's rows: the same fields, derived in SQL, see `athena-sql.ts`). Sums of exact decimals add up to the
   * same exact total however the line items were grouped first.
   */
  addLine(line: CurLine): void {
    const { day, billingAccountId, accountId, service, usageType, lineItemType, iamPrincipal, resourceId } = line;
    const chargeCategory = CHARGE_CATEGORIES[lineItemType] ?? 'Adjustment';
    if (!(lineItemType in CHARGE_CATEGORIES)) this.findings.unknownLineItemTypes.add(lineItemType);
    const kind = serviceKindOf(service);
    const team = line.tagOf(this.ctx.tagKey);
    // The slice key below tells records apart by their tags: the team's, then the others present. The tags object
    // itself is made only for a new slice (most line items add to one that exists).
    let tagPart = `${team}`;
    const others = this.otherTagValues;
    for (let k = 0; k < this.otherTagKeys.length; k++) {
      const key = this.otherTagKeys[k]!;
      const value = (others[k] = key === this.ctx.tagKey ? null : line.tagOf(key));
      if (value) tagPart += `\u0000${key}=${value}`;
    }
    // A cheap key for the lookup; the record id (a hash) is made once per slice, not per line item.
    const key = `${day}\u0000${billingAccountId}\u0000${accountId}\u0000${service}\u0000${usageType}\u0000${lineItemType}\u0000${tagPart}\u0000${iamPrincipal}\u0000${resourceId}`;
    let slice = this.slices.get(key);
    if (!slice) {
      const tags: Record<string, string> = team ? { [this.ctx.tagKey]: team } : {};
      this.otherTagKeys.forEach((key, k) => {
        if (others[k]) tags[key] = others[k];
      });
      const identity = { source: this.ctx.source, provider: 'aws' as const, billingAccountId, subAccountId: accountId, serviceName: service, usageType, tags, chargePeriodStart: day, lineItemType, iamPrincipal, resourceId };
      const id = recordId(identity);
      slice = openSummed(
        {
          id,
          source: identity.source,
          provider: 'aws',
          providerName: 'AWS',
          billingAccountId,
          subAccountId: accountId,
          subAccountName: line.accountName,
          serviceName: service,
          serviceCategory: kind.category,
          usageType,
          model: bedrockModelOf(service),
          apiKeyId: null,
          tokenType: null,
          costOrigin: 'billed',
          chargePeriodStart: day,
          chargePeriodEnd: addDays(day, 1),
          billingCurrency: 'USD',
          tags,
          chargeCategory,
          lineItemType,
          ...(iamPrincipal ? { iamPrincipal } : {}),
          ...(resourceId ? { resourceId } : {}),
        },
        this.sums,
      );
      this.slices.set(key, slice);
    }
    this.addTo(slice.billed, line.billed);
    this.addTo(slice.effective, line.effective);
    // Consumed quantity is usage's (FOCUS: null for other charge categories); a negation repeats the covered usage.
    if (countsQuantity(lineItemType)) {
      this.addTo(slice.quantity, line.quantity);
      noteUnit(slice, line.unit);
      if (this.ctx.bedrock && usageType && kind.bedrock) this.addMeter(day, service, usageType, line.quantity, line.unit, line.billed);
    }
  }

  private addMeter(day: string, service: string, usageType: string, quantity: Amount, unit: string | null, cost: Amount): void {
    // The same cheap key as a slice's (no JSON per line item).
    const key = `${day}\u0000${service}\u0000${usageType}`;
    let meter = this.meters.get(key);
    if (!meter) {
      meter = { day, service, usageType, quantity: this.sums.open(), unit: undefined, cost: this.sums.open() };
      this.meters.set(key, meter);
    }
    this.addTo(meter.quantity, quantity);
    this.addTo(meter.cost, cost);
    meter.unit = meter.unit === undefined || meter.unit === unit ? unit : null;
  }

  /**
   * Adds an amount to a slot: a column's double through its shortest text (the integer fast path, or big.js
   * for what it declines), a derived decimal exactly; null adds nothing.
   */
  private addTo(slot: number, value: Amount): void {
    if (value === null) return;
    if (typeof value !== 'number') {
      if (!value.eq(0)) this.sums.addExact(slot, value);
      return;
    }
    const decimal = String(value);
    if (!this.sums.add(slot, decimal)) this.sums.addExact(slot, new Big(decimal));
  }

  /** Whether every line item added so far carried an invoice id. */
  get invoiced(): boolean {
    return this.findings.lineItems > 0 && this.sawInvoice;
  }

  /**
   * Every day of `days` (within the window) with its records, zero records dropped.
   * @param estimated whether the period's figures may still change (not invoiced)
   */
  days(days: readonly string[], estimated: boolean): SourceDay<CostRecord>[] {
    return daysOfSummed(this.slices.values(), this.sums, days, () => estimated);
  }

  /** Bedrock token usage of `days`, org-level as Cost Explorer's (see `addBedrockMeter`), and the meters not counted. */
  usage(days: readonly string[]): { days: SourceDay<UsageRecord>[]; uncounted: string[] } {
    const byDay = new Map(days.map((d) => [d, new Map<string, UsageRecord>()]));
    const uncounted = new Set<string>();
    const ctx = this.ctx.bedrock;
    if (ctx) {
      for (const meter of this.meters.values()) {
        const records = byDay.get(meter.day);
        if (!records) continue;
        const cost = this.sums.value(meter.cost);
        addBedrockMeter(records, uncounted, { day: meter.day, service: meter.service, usageType: meter.usageType, quantity: this.sums.value(meter.quantity).toFixed(), unit: meter.unit ?? '', cost: () => cost }, ctx);
      }
    }
    return { days: [...byDay].map(([day, records]) => ({ day, records: [...records.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), estimated: false })), uncounted: [...uncounted].sort() };
  }
}

/** The days of `window` that fall in billing period `month` (`YYYY-MM`). */
export function periodDays(window: DayWindow, month: string): string[] {
  return daysOf(window).filter((d) => d.startsWith(`${month}-`));
}
