import Big from 'big.js';
import { recordId, serviceCategoryOf, type ChargeCategory, type CostRecord, type Provider } from '../../domain/records/cost-record';
import { addDays, type DayWindow } from '../../domain/records/dates';
import { ExactSums } from '../../domain/records/exact-sums';
import type { SourceDay } from '../../ports/ports';
import { daysOfSummed, noteUnit, openSummed, type SummedRecord } from '../shared/summed-records';
import type { FocusLayout } from './focus-columns';
import type { FocusRow } from './focus-file-rows';
import { amountText, dayOf, fail, required, requiredAmount, tagsOf, text } from './focus-values';

/**
 * FOCUS rows to normalized records (pure: the golden tests feed it rows), summed per day and identity as the CUR
 * mapper does: each amount is added to the record's slot of an {@link ExactSums} as the decimal the file wrote
 * (a CSV cell as text; a Parquet double through its shortest text), so sums are exact, and memory grows with the
 * number of records, not of rows.
 */

/** The values FOCUS allows in ChargeCategory, which are costline's. */
const CHARGE_CATEGORIES: ReadonlySet<string> = new Set<ChargeCategory>(['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']);

/** What the mapper needs besides the rows. */
export interface FocusMapperContext {
  source: string;
  /** The team tag key (`allocation.awsTagKey`): the team is `Tags[<key>]`. */
  tagKey: string;
}

/** What the mapper saw besides the records, for the pull's notes. */
export interface FocusFindings {
  rows: number;
  inWindow: number;
  /** Correction rows (ChargeClass `Correction`) for days before the window: not stored by this pull. */
  correctionsBeforeWindow: number;
  /** Rows of billing periods a newer delivery restated: read and checked, not added. */
  superseded: number;
  /** By charge day, the latest end (`BillingPeriodEnd` day) of the billing periods of the rows added on it. */
  periodEnds: Map<string, string>;
  /** Each provider's name as the files wrote it, by costline id. */
  providers: Map<string, string>;
}

/**
 * costline's provider id for a FOCUS provider name: the name as a lowercase slug (`Microsoft` → `microsoft`,
 * `Google Cloud` → `google-cloud`), with AWS's own names as the built-in `aws`, so an AWS FOCUS export's spend
 * shows under AWS. An assumption: FOCUS does not define ids for providers.
 */
export function providerIdOf(name: string): Provider {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === 'amazon-web-services' || slug === 'amazon' ? 'aws' : slug;
}

/** Sums FOCUS rows into one day's records per identity; see the module comment. */
export class FocusAggregator {
  private readonly slices = new Map<string, SummedRecord>();
  private readonly sums = new ExactSums();
  readonly findings: FocusFindings = { rows: 0, inWindow: 0, correctionsBeforeWindow: 0, superseded: 0, periodEnds: new Map(), providers: new Map() };

  constructor(
    private readonly window: DayWindow,
    private readonly ctx: FocusMapperContext,
  ) {}

  /**
   * Adds one row, unless its billing period is one a newer delivery restated.
   * @param layout the file's version and provider column
   * @param at where it came from, `<file>, row <n>`, for errors
   * @param superseded billing periods (`BillingPeriodStart` days) a newer delivery already answered: rows of them are checked, not added
   * @returns the row's billing period (its `BillingPeriodStart` day)
   */
  add(row: FocusRow, layout: FocusLayout, at: string, superseded: ReadonlySet<string> = new Set()): string {
    this.findings.rows += 1;
    const day = dayOf(row, 'ChargePeriodStart', at);
    const periodStart = dayOf(row, 'BillingPeriodStart', at);
    const periodEnd = dayOf(row, 'BillingPeriodEnd', at);
    const chargeClass = text(row, 'ChargeClass', at);
    if (chargeClass !== null && chargeClass !== 'Correction') fail(at, 'ChargeClass', `is "${chargeClass}", expected empty or "Correction"`);
    // Every row is checked, in the window or not: a file is read whole or refused.
    const currency = required(row, 'BillingCurrency', at);
    if (currency !== 'USD') fail(at, 'BillingCurrency', `is "${currency}", expected "USD" (the only billing currency costline handles)`);
    const chargeCategory = required(row, 'ChargeCategory', at);
    if (!CHARGE_CATEGORIES.has(chargeCategory)) fail(at, 'ChargeCategory', `is "${chargeCategory}", expected one of ${[...CHARGE_CATEGORIES].join(', ')}`);
    const billed = requiredAmount(row, 'BilledCost', at);
    const effective = requiredAmount(row, 'EffectiveCost', at);
    const quantity = chargeCategory === 'Usage' ? amountText(row, 'ConsumedQuantity', at) : null;
    const providerName = required(row, layout.providerColumn, at);
    const tags = tagsOf(row, at);
    if (superseded.has(periodStart)) {
      this.findings.superseded += 1;
      return periodStart;
    }
    if (day < this.window.start || day >= this.window.end) {
      if (day < this.window.start && chargeClass === 'Correction') this.findings.correctionsBeforeWindow += 1;
      return periodStart;
    }
    this.findings.inWindow += 1;
    const end = this.findings.periodEnds.get(day);
    if (end === undefined || periodEnd > end) this.findings.periodEnds.set(day, periodEnd);
    const provider = providerIdOf(providerName);
    if (provider === '') fail(at, layout.providerColumn, `is "${providerName}", expected a provider name with letters or digits`);
    this.findings.providers.set(provider, providerName);
    const billingAccountId = required(row, 'BillingAccountId', at);
    const subAccountId = text(row, 'SubAccountId', at);
    const serviceName = required(row, 'ServiceName', at);
    const usageType = text(row, 'SkuMeter', at);
    const team = tags[this.ctx.tagKey] || null;
    const recordTags = team ? { [this.ctx.tagKey]: team } : {};
    // The charge's kind is part of its identity, as a CUR line item type is: a credit is never netted into usage.
    const lineItemType = chargeClass ? `${chargeCategory} (${chargeClass})` : chargeCategory;
    const key = `${day}\u0000${provider}\u0000${billingAccountId}\u0000${subAccountId}\u0000${serviceName}\u0000${usageType}\u0000${lineItemType}\u0000${team}`;
    let slice = this.slices.get(key);
    if (!slice) {
      const id = recordId({ source: this.ctx.source, provider, billingAccountId, subAccountId, serviceName, usageType, tags: recordTags, chargePeriodStart: day, lineItemType });
      slice = openSummed(
        {
          id,
          source: this.ctx.source,
          provider,
          providerName,
          billingAccountId,
          subAccountId,
          subAccountName: text(row, 'SubAccountName', at),
          serviceName,
          serviceCategory: text(row, 'ServiceCategory', at) ?? serviceCategoryOf(serviceName),
          usageType,
          model: null,
          apiKeyId: null,
          tokenType: null,
          costOrigin: 'billed',
          chargePeriodStart: day,
          chargePeriodEnd: addDays(day, 1),
          billingCurrency: 'USD',
          tags: recordTags,
          chargeCategory: chargeCategory as ChargeCategory,
          lineItemType,
        },
        this.sums,
      );
      this.slices.set(key, slice);
    }
    this.addTo(slice.billed, billed);
    this.addTo(slice.effective, effective);
    // FOCUS: ConsumedQuantity is null for charges other than usage.
    if (quantity !== null) {
      const unit = text(row, 'ConsumedUnit', at);
      this.addTo(slice.quantity, quantity);
      noteUnit(slice, unit);
    }
    return periodStart;
  }

  /** Adds a decimal text to a slot: the integer fast path, or big.js for what it declines (an exponent, many digits). */
  private addTo(slot: number, amount: string): void {
    if (!this.sums.add(slot, amount)) this.sums.addExact(slot, new Big(amount));
  }

  /**
   * Every day of `days` with its records, zero records dropped, records in id order.
   * @param estimated whether a day's figures may still change
   */
  days(days: readonly string[], estimated: (day: string) => boolean): SourceDay<CostRecord>[] {
    return daysOfSummed(this.slices.values(), this.sums, days, estimated);
  }
}
