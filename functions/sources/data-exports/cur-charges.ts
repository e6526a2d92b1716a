import type { ChargeCategory } from '../../domain/records/cost-record';

/**
 * FOCUS ChargeCategory of a CUR line item type. Commitment fees are purchases; a Savings Plans negation is the
 * usage the plan covered, taken back out of the cash view, so it stays usage. Refunds reverse earlier charges:
 * an adjustment. Discounts reduce charges like credits do. Unknown types are adjustments, and counted in the
 * pull's notes.
 */
export const CHARGE_CATEGORIES: Record<string, ChargeCategory> = {
  Usage: 'Usage',
  DiscountedUsage: 'Usage',
  SavingsPlanCoveredUsage: 'Usage',
  SavingsPlanNegation: 'Usage',
  RIFee: 'Purchase',
  Fee: 'Purchase',
  SavingsPlanRecurringFee: 'Purchase',
  SavingsPlanUpfrontFee: 'Purchase',
  Tax: 'Tax',
  Credit: 'Credit',
  BundledDiscount: 'Credit',
  EdpDiscount: 'Credit',
  PrivateRateDiscount: 'Credit',
  SppDiscount: 'Credit',
  DistributorDiscount: 'Credit',
  Refund: 'Adjustment',
};

/** A Bedrock inference profile (system or application) ARN: the only resource ids kept on records. */
export const INFERENCE_PROFILE = /^arn:aws[a-z-]*:bedrock:[^:]*:\d*:(application-)?inference-profile\//;
