import { recordId, type CostRecord } from '../../domain/records/cost-record';
import { addDays } from '../../domain/records/dates';
import { canonical } from '../../domain/records/money';
import type { SourceDay } from '../../ports/ports';
import { completeDays, MalformedProviderPageError, parsePages } from '../shared/paging';
import { lineItemModel, parseLineItem } from './openai-line-items';
import { costResult, DAY_SECONDS, dayOfBucket, exactDecimal, page, openAiIdentity, type OpenAiMapperContext } from './openai-pages';

/**
 * Maps the pages of `GET /organization/costs` (1-day buckets, grouped by project and line item, and by API key
 * where the API allows it) to billed cost records. `amount.value` arrives as a JSON number or a numeric string
 * in dollars; either is read from its decimal text, never summed as a float. A day whose bucket is empty stays
 * empty: no bill yet, so costline estimates it. Pages of several requests (a window split at the API-key floor)
 * may be passed together: each day must come from one of them.
 */
export function mapOpenAiCosts(pages: readonly unknown[], ctx: OpenAiMapperContext): SourceDay<CostRecord>[] {
  const where = 'OpenAI costs';
  const records: CostRecord[] = [];
  const seen = new Set<string>();
  const ids = new Set<string>();
  parsePages(pages, page(costResult, [DAY_SECONDS]), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = dayOfBucket(b.start);
      seen.add(day);
      b.results.forEach((r, ri) => {
        const at = `${where}, page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
        if (r.amount.currency.toLowerCase() !== 'usd') throw new MalformedProviderPageError(`${at}.amount.currency: expected "usd", got "${r.amount.currency}"`);
        const amount = exactDecimal(r.amount.value, `${at}.amount.value`);
        const quantity = r.quantity == null ? null : canonical(exactDecimal(r.quantity, `${at}.quantity`));
        const { tokenType } = parseLineItem(r.line_item ?? null);
        const model = lineItemModel(r.line_item ?? null);
        const identity = openAiIdentity(ctx, r, day, r.line_item ?? null, model);
        const record: CostRecord = {
          id: recordId(identity),
          ...identity,
          providerName: 'OpenAI',
          subAccountName: null,
          serviceCategory: 'AI and Machine Learning',
          chargePeriodEnd: addDays(day, 1),
          billedCost: canonical(amount),
          effectiveCost: canonical(amount),
          billingCurrency: 'USD',
          consumedQuantity: quantity,
          consumedUnit: r.quantity_unit ?? null,
          tokenType,
          costOrigin: 'billed',
          estimated: false,
        };
        if (ids.has(record.id)) throw new MalformedProviderPageError(`${at}: line item ${JSON.stringify(r.line_item)} of project ${r.project_id} appears twice for ${day}`);
        ids.add(record.id);
        records.push(record);
      });
    });
  });
  return completeDays(records, seen, ctx, where);
}
