import { serviceCategoryOf } from '../../domain/records/cost-record';
import { remember } from '../../lib/remember';
import { isBedrockService } from '../cost-explorer/bedrock-usage';
import { CHARGE_CATEGORIES } from './cur-charges';
import type { Amount } from './cur-values';

/*
 * How the CUR mapper sees one line item (or a group of them), and what it derives from a service or a product code.
 */

/** What the mapper derives from a service name, kept per name (an export has a few hundred, and millions of rows). */
const serviceKinds = new Map<string, { category: string; bedrock: boolean; ai: boolean }>();
export function serviceKindOf(service: string): { category: string; bedrock: boolean; ai: boolean } {
  return remember(serviceKinds, service, (name) => {
    const category = serviceCategoryOf(name);
    const bedrock = isBedrockService(name);
    return { category, bedrock, ai: bedrock || category === 'AI and Machine Learning' };
  });
}

/** Whether a product code is Bedrock's (`AmazonBedrock`, Marketplace model codes that say so), kept per code. */
const bedrockProducts = new Map<string, boolean>();
function isBedrockProduct(code: string): boolean {
  return remember(bedrockProducts, code, (c) => /bedrock/i.test(c));
}

/**
 * One line item's fields as records are keyed and summed, or the sums of a group of line items sharing them:
 * `tagOf(key)` is the `user_<key>` resource tag, else the `iamPrincipal/<key>` principal tag; `iamPrincipal`
 * only for AI services ({@link isAiService}); `resourceId` only an inference profile; `quantity` and `unit`
 * only where {@link countsQuantity}; `unit` null when absent or, for a group, not one unit throughout.
 */
export interface CurLine {
  day: string;
  billingAccountId: string;
  accountId: string;
  accountName: string | null;
  service: string;
  usageType: string | null;
  lineItemType: string;
  tagOf: (key: string) => string | null;
  iamPrincipal: string | null;
  resourceId: string | null;
  billed: Amount;
  effective: Amount;
  quantity: Amount;
  unit: string | null;
}

/** Whether a line item type's usage quantity counts (FOCUS: usage's only; a negation repeats the covered usage). */
export function countsQuantity(lineItemType: string): boolean {
  return CHARGE_CATEGORIES[lineItemType] === 'Usage' && lineItemType !== 'SavingsPlanNegation';
}

/** Whether a service (or its product code) is an AI service, whose line items keep their IAM principal. */
export function isAiService(service: string, productCode: string): boolean {
  return serviceKindOf(service).ai || isBedrockProduct(productCode);
}
