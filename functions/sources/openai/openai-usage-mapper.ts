import { recordId } from '../../domain/records/cost-record';
import { addDays } from '../../domain/records/dates';
import { NO_TOKENS, type ModalityTokens, type UsageRecord } from '../../domain/records/usage-record';
import type { SourceDay } from '../../ports/ports';
import { completeDays, MalformedProviderPageError, parsePages } from '../shared/paging';
import { serviceTierOf, usageModel } from './openai-line-items';
import { completionsResult, DAY_SECONDS, dayOfBucket, embeddingsResult, HOUR_SECONDS, page, openAiIdentity, type OpenAiMapperContext } from './openai-pages';

function addModality(a: ModalityTokens | undefined, b: ModalityTokens | undefined): ModalityTokens | undefined {
  if (!a) return b;
  if (!b) return a;
  return { input: a.input + b.input, cachedInput: a.cachedInput + b.cachedInput, output: a.output + b.output };
}

function modality(input: number | null | undefined, cached: number | null | undefined, output: number | null | undefined): ModalityTokens | undefined {
  if (input == null && cached == null && output == null) return undefined;
  return { input: input ?? 0, cachedInput: cached ?? 0, output: output ?? 0 };
}

/**
 * Maps the pages of `GET /organization/usage/{completions|embeddings}` (1-hour or 1-day buckets, grouped by
 * project, model, API key, and for completions batch and service tier) to one usage record per day and slice.
 * Input tokens are made disjoint: `input` is uncached input only. `input_uncached_tokens` and
 * `input_cache_write_tokens` are read where the page has them (spec of 2026-07-15 on), else derived; when all three
 * parts are there they must add up to `input_tokens`. Audio and image tokens go to `modalities` (they are inside
 * the totals too).
 */
export function mapOpenAiUsage(pages: readonly unknown[], endpoint: 'completions' | 'embeddings', ctx: OpenAiMapperContext): SourceDay<UsageRecord>[] {
  const where = `OpenAI usage/${endpoint}`;
  const slices = new Map<string, UsageRecord>();
  const seen = new Set<string>();
  const schema = endpoint === 'completions' ? completionsResult : embeddingsResult;
  parsePages(pages, page(schema, [HOUR_SECONDS, DAY_SECONDS]), where).forEach((p, pageIndex) => {
    p.data.forEach((b, bi) => {
      const day = dayOfBucket(b.start);
      seen.add(day);
      b.results.forEach((r, ri) => {
        const at = `${where}, page ${pageIndex + 1}: data[${bi}].results[${ri}]`;
        if (!r.model) throw new MalformedProviderPageError(`${at}.model: expected a model (the query groups by model)`);
        const cached = r.input_cached_tokens ?? 0;
        const parts = [r.input_cached_tokens, r.input_uncached_tokens, r.input_cache_write_tokens];
        if (parts.every((n) => n != null) && cached + r.input_uncached_tokens! + r.input_cache_write_tokens! !== r.input_tokens) {
          throw new MalformedProviderPageError(
            `${at}.input_tokens: ${r.input_tokens} is not input_cached_tokens + input_uncached_tokens + input_cache_write_tokens (${cached} + ${r.input_uncached_tokens} + ${r.input_cache_write_tokens})`,
          );
        }
        const cacheWrite = r.input_cache_write_tokens ?? (r.input_uncached_tokens != null ? r.input_tokens - cached - r.input_uncached_tokens : 0);
        const uncached = r.input_uncached_tokens ?? r.input_tokens - cached - cacheWrite;
        if (uncached < 0 || cacheWrite < 0) throw new MalformedProviderPageError(`${at}.input_tokens: cached, uncached and cache-write tokens exceed input_tokens`);
        const tier = serviceTierOf(r.batch, r.service_tier);
        const model = usageModel(r.model);
        const identity = openAiIdentity(ctx, r, day, tier ? `${endpoint} (${tier})` : endpoint, model);
        const id = recordId(identity);
        const prior = slices.get(id);
        const tokens = prior?.tokens ?? NO_TOKENS;
        const audio = addModality(prior?.modalities?.audio, modality(r.input_audio_tokens, r.input_cached_audio_tokens, r.output_audio_tokens));
        const image = addModality(prior?.modalities?.image, modality(r.input_image_tokens, r.input_cached_image_tokens, r.output_image_tokens));
        slices.set(id, {
          id,
          ...identity,
          usageType: endpoint,
          serviceTier: tier,
          chargePeriodEnd: addDays(day, 1),
          tokens: {
            input: tokens.input + uncached,
            cachedInput: tokens.cachedInput + cached,
            cacheWrite5m: tokens.cacheWrite5m + cacheWrite,
            cacheWrite1h: tokens.cacheWrite1h,
            output: tokens.output + (r.output_tokens ?? 0),
          },
          requests: (prior?.requests ?? 0) + r.num_model_requests,
          webSearchRequests: 0,
          ...(audio || image ? { modalities: { ...(audio ? { audio } : {}), ...(image ? { image } : {}) } } : {}),
        });
      });
    });
  });
  return completeDays(slices.values(), seen, ctx, where);
}
