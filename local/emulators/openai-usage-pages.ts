import type { OpenAiUnitEndpointName, OpenAiUnitUsageRow, OpenAiUsageRow } from '../sample/provider-ledger';
import { aggregate, dataEndOf, filterOf, type GroupValue, type Grouped } from './bucket-pages';
import { buildPage, instant, openAiWindow, type Page } from './openai-pages';
import type { Query } from './openai-query';

/*
 * The OpenAI usage endpoints' pages: completions and embeddings in tokens, the others in their own measures.
 */

interface Modality {
  input: number;
  cachedInput: number;
  output: number;
}

interface UsageAcc {
  input: number;
  cached: number;
  cacheWrite: number;
  output: number;
  audio: Modality;
  image: Modality;
  requests: number;
}

const noModality = (): Modality => ({ input: 0, cachedInput: 0, output: 0 });
const addTo = (acc: Modality, m: Modality | undefined) => {
  if (!m) return;
  acc.input += m.input;
  acc.cachedInput += m.cachedInput;
  acc.output += m.output;
};

/**
 * The window, row instant and filters every hourly usage endpoint shares: rows of the endpoint `kind`, counted at the
 * top of their hour (so with 1m buckets an hour lands in minute :00) once that hour has started (with a clock, the hour
 * in progress is served whole: the ledger is hourly), within the project, user, key and model filters; grouped by those
 * four fields first.
 */
function hourlyUsage<R extends HourlyRow>(rows: readonly R[], kind: string, query: Query, now: number | undefined) {
  const hourStart = (row: R) => instant(row.hour);
  const happenedBefore = now ?? Infinity;
  const within = filterOf(query.filters);
  const g = query.groupBy;
  return {
    window: openAiWindow(query, dataEndOf(rows, (row) => (row.endpoint === kind ? instant(row.hour) + 3600 : 0)), now),
    time: hourStart,
    keep: (row: R) =>
      row.endpoint === kind &&
      hourStart(row) < happenedBefore &&
      within('project_ids', row.projectId) &&
      within('user_ids', row.userId) &&
      within('api_key_ids', row.apiKeyId) &&
      within('models', row.model),
    who: (row: R): GroupValue[] => [g.has('project_id') ? row.projectId : null, g.has('user_id') ? row.userId : null, g.has('api_key_id') ? row.apiKeyId : null, g.has('model') ? row.model : null],
  };
}

type HourlyRow = Pick<OpenAiUsageRow | OpenAiUnitUsageRow, 'hour' | 'projectId' | 'userId' | 'apiKeyId' | 'model'> & { endpoint: string };

/** The page `/usage/completions` or `/usage/embeddings` answers: token counts and requests. */
export function usagePage(rows: OpenAiUsageRow[], kind: 'completions' | 'embeddings', query: Query, now: number | undefined): Page {
  const usage = hourlyUsage(rows, kind, query, now);
  const g = query.groupBy;

  const groups = aggregate<OpenAiUsageRow, UsageAcc>(rows, usage.window, query.width, {
    time: usage.time,
    keep: (row) => usage.keep(row) && (query.batch === undefined || row.batch === query.batch),
    values: (row) => [
      ...usage.who(row),
      ...(kind === 'completions' ? [g.has('batch') ? row.batch : null, g.has('service_tier') ? (row.serviceTier ?? 'default') : null] : []),
    ],
    fresh: () => ({ input: 0, cached: 0, cacheWrite: 0, output: 0, audio: noModality(), image: noModality(), requests: 0 }),
    add: (acc, row) => {
      acc.input += row.inputTokens;
      acc.cached += row.inputCachedTokens;
      acc.cacheWrite += row.inputCacheWriteTokens ?? 0;
      acc.output += row.outputTokens;
      addTo(acc.audio, row.audio);
      addTo(acc.image, row.image);
      acc.requests += row.numModelRequests;
    },
  });

  return buildPage(usage.window, query.width, groups, (group: Grouped<UsageAcc>) => {
    const [projectId, userId, apiKeyId, model, batch, serviceTier] = group.values;
    const { input, cached, cacheWrite, output, audio, image, requests } = group.acc;
    if (kind === 'embeddings') {
      return { object: 'organization.usage.embeddings.result', input_tokens: input, num_model_requests: requests, project_id: projectId, user_id: userId, api_key_id: apiKeyId, model };
    }
    const uncached = input - cached - cacheWrite;
    // Every counter of UsageCompletionsResult (spec of 2026-07-15 on): the modality counters are parts of the
    // totals; `input_text_tokens` and `input_uncached_tokens` exclude cache writes.
    return {
      object: 'organization.usage.completions.result',
      input_tokens: input,
      input_cached_tokens: cached,
      input_cache_write_tokens: cacheWrite,
      input_uncached_tokens: uncached,
      output_tokens: output,
      input_text_tokens: uncached - audio.input - image.input,
      input_cached_text_tokens: cached - audio.cachedInput - image.cachedInput,
      output_text_tokens: output - audio.output - image.output,
      input_audio_tokens: audio.input,
      input_cached_audio_tokens: audio.cachedInput,
      output_audio_tokens: audio.output,
      input_image_tokens: image.input,
      input_cached_image_tokens: image.cachedInput,
      output_image_tokens: image.output,
      num_model_requests: requests,
      project_id: projectId,
      user_id: userId,
      api_key_id: apiKeyId,
      model,
      batch,
      service_tier: serviceTier,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The other usage endpoints
// ---------------------------------------------------------------------------------------------------------------

/** Result `object` per endpoint; note the two search endpoints, whose names do not follow their paths. */
const UNIT_OBJECTS: Record<OpenAiUnitEndpointName, string> = {
  images: 'organization.usage.images.result',
  audio_speeches: 'organization.usage.audio_speeches.result',
  audio_transcriptions: 'organization.usage.audio_transcriptions.result',
  moderations: 'organization.usage.moderations.result',
  vector_stores: 'organization.usage.vector_stores.result',
  code_interpreter_sessions: 'organization.usage.code_interpreter_sessions.result',
  file_search_calls: 'organization.usage.file_searches.result',
  web_search_calls: 'organization.usage.web_searches.result',
};

interface UnitAcc {
  quantity: number;
  requests: number;
}

/** The page one of the other usage endpoints answers: its measure and requests. */
export function unitUsagePage(rows: OpenAiUnitUsageRow[], kind: OpenAiUnitEndpointName, query: Query, now: number | undefined): Page {
  const usage = hourlyUsage(rows, kind, query, now);
  const groups = aggregate<OpenAiUnitUsageRow, UnitAcc>(rows, usage.window, query.width, {
    time: usage.time,
    keep: usage.keep,
    values: usage.who,
    fresh: () => ({ quantity: 0, requests: 0 }),
    add: (acc, row) => {
      acc.quantity += row.quantity;
      acc.requests += row.numModelRequests;
    },
  });
  // Storage is a level: a bucket longer than an hour reports the average of its hours (the ledger is hourly).
  const hoursPerBucket = Math.max(1, query.width / 3600);
  return buildPage(usage.window, query.width, groups, (group: Grouped<UnitAcc>) => {
    const [projectId, userId, apiKeyId, model] = group.values;
    const { quantity, requests } = group.acc;
    const object = UNIT_OBJECTS[kind];
    const who = { project_id: projectId, user_id: userId, api_key_id: apiKeyId };
    switch (kind) {
      case 'images':
        return { object, images: quantity, num_model_requests: requests, source: null, size: null, model, ...who };
      case 'audio_speeches':
        return { object, characters: quantity, num_model_requests: requests, ...who, model };
      case 'audio_transcriptions':
        return { object, seconds: quantity, num_model_requests: requests, ...who, model };
      case 'moderations':
        return { object, input_tokens: quantity, num_model_requests: requests, ...who, model };
      case 'vector_stores':
        return { object, usage_bytes: Math.round(quantity / hoursPerBucket), project_id: projectId };
      case 'code_interpreter_sessions':
        return { object, num_sessions: quantity, project_id: projectId };
      case 'file_search_calls':
        return { object, num_requests: quantity, ...who, vector_store_id: null };
      case 'web_search_calls':
        return { object, num_requests: quantity, num_model_requests: requests, ...who, model, context_level: null };
    }
  });
}
