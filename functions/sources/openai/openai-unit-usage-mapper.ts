import { z } from 'zod';
import { recordId } from '../../domain/records/cost-record';
import { addDays } from '../../domain/records/dates';
import { NO_TOKENS, type UsageRecord } from '../../domain/records/usage-record';
import type { SourceDay } from '../../ports/ports';
import { completeDays, parsePages } from '../shared/paging';
import { usageModel } from './openai-line-items';
import { count, DAY_SECONDS, dayOfBucket, HOUR_SECONDS, nullableString, objectName, optionalCount, page, openAiIdentity, type OpenAiMapperContext } from './openai-pages';
import { OPENAI_UNIT_ENDPOINTS, type OpenAiUnitEndpoint } from './openai-unit-endpoints';

const GIBIBYTE = 2 ** 30;

/**
 * Maps the pages of one non-token usage endpoint (addendum §A4.6) to one usage record per day and slice, the
 * measure in `units` and `usageType` the endpoint's name. Moderations count tokens too (`tokens.input`) and take
 * requests as their unit. Vector store storage is a level, not a flow: `usage_bytes` of a 1-day bucket becomes
 * `bytes / 2^30` gibibyte-days; of a 1-hour bucket `bytes / 2^30 / 24`, so a day's hours add up to its average.
 */
export function mapOpenAiUnitUsage(pages: readonly unknown[], endpoint: OpenAiUnitEndpoint, ctx: OpenAiMapperContext): SourceDay<UsageRecord>[] {
  const spec = OPENAI_UNIT_ENDPOINTS[endpoint];
  const where = `OpenAI usage/${endpoint}`;
  const base = z.object({
    object: objectName(spec.object),
    num_model_requests: spec.modelRequests ? count : optionalCount,
    project_id: nullableString,
    api_key_id: nullableString,
    model: nullableString,
  });
  const result = base.extend({ [spec.metric]: count });
  const slices = new Map<string, UsageRecord>();
  const seen = new Set<string>();
  parsePages(pages, page(result, [HOUR_SECONDS, DAY_SECONDS]), where).forEach((p) => {
    p.data.forEach((b) => {
      const day = dayOfBucket(b.start);
      seen.add(day);
      for (const raw of b.results) {
        const r = raw as unknown as z.output<typeof base>;
        const measured = (raw as unknown as Record<string, number>)[spec.metric]!;
        const requests = r.num_model_requests ?? 0;
        const identity = openAiIdentity(ctx, r, day, endpoint, r.model ? usageModel(r.model) : spec.modelless);
        const id = recordId(identity);
        const prior = slices.get(id);
        const quantity =
          endpoint === 'vector_stores' ? (measured / GIBIBYTE) * ((b.end - b.start) / DAY_SECONDS) : endpoint === 'moderations' ? requests : measured;
        slices.set(id, {
          id,
          ...identity,
          serviceTier: null,
          chargePeriodEnd: addDays(day, 1),
          tokens: { ...NO_TOKENS, input: (prior?.tokens.input ?? 0) + (endpoint === 'moderations' ? measured : 0) },
          requests: (prior?.requests ?? 0) + requests,
          webSearchRequests: 0,
          units: { quantity: (prior?.units?.quantity ?? 0) + quantity, unit: spec.unit },
        });
      }
    });
  });
  return completeDays(slices.values(), seen, ctx, where);
}
