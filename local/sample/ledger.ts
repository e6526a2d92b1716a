/**
 * A ledger is the local stand-in for an AWS bill: the line items the local Cost Explorer sums and groups
 * to answer `GetCostAndUsage`. One line item is one (day, account, service, usage type, tags) slice of cost,
 * like a daily CUR line. Amounts are decimal strings in USD, never floats.
 */
export interface LedgerLineItem {
  /** UTC usage day, `YYYY-MM-DD`. */
  date: string;
  /** Linked (member) account id, 12 digits. */
  account: string;
  /** Cost Explorer SERVICE dimension value, e.g. `Amazon DynamoDB`. */
  service: string;
  /** Cost Explorer USAGE_TYPE dimension value, e.g. `USE1-TimedStorage-ByteHrs`. */
  usageType: string;
  /** REGION dimension value, e.g. `us-east-1` (`global` for global services). */
  region: string;
  /** RECORD_TYPE dimension value: `Usage`, `Credit`, `Refund`, `Tax`, ... */
  recordType: string;
  /** Cost allocation tags on the line (user-defined keys as they appear in Cost Explorer). */
  tags: Record<string, string>;
  unblendedCost: string;
  amortizedCost: string;
  /** Net* metrics default to the gross ones when absent (no discounts in the ledger). */
  netUnblendedCost?: string;
  netAmortizedCost?: string;
  usageQuantity: string;
  usageUnit: string;
  /**
   * UTC day the line first appears in Cost Explorer, for a late credit or correction posted after its usage
   * day (even after the month closed); absent: it appears with its usage day.
   */
  postedOn?: string;
}

/** A fictional organisation's bill. */
export interface Ledger {
  organization: string;
  /** Last UTC day whose figures are final: later days come back with `Estimated: true`. */
  finalizedThrough: string;
  /** Linked account id to account name (Cost Explorer's LINKED_ACCOUNT `description` attribute). */
  accounts: Record<string, string>;
  lineItems: LedgerLineItem[];
}

/**
 * The bill as Cost Explorer showed it at the start of `day`: without the lines posted later. Lets a local run
 * replay history, e.g. close a month and then see a late credit arrive for it.
 */
export function ledgerAsOf(ledger: Ledger, day: string): Ledger {
  return { ...ledger, lineItems: ledger.lineItems.filter((item) => item.postedOn === undefined || item.postedOn <= day) };
}
