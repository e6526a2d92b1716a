import type { OpenAiUnitEndpointName } from '../sample/provider-ledger';
import { USAGE_LIMITS, WIDTH_SECONDS, type BucketQuery, type BucketWidth } from './bucket-pages';
import { badParam } from './openai-errors';
import { fingerprintOf, sortedFilters } from './page-tokens';

/*
 * The OpenAI admin API's endpoints and query parameters: what each endpoint takes, and a request's query parsed and
 * checked, refused with the API's 400 where a parameter is wrong or unknown.
 */

/** One endpoint: its kind, widths, limits, grouping fields and filters. */
export interface Endpoint {
  kind: 'costs' | 'completions' | 'embeddings' | OpenAiUnitEndpointName;
  widths: BucketWidth[];
  limits: (width: BucketWidth) => { default: number; max: number };
  /** Most buckets one page holds whatever `limit` asks: pages can be shorter than the limit. */
  pageCap?: number;
  /** Grouping fields in the order results are sorted by. */
  groupFields: string[];
  /** Documented grouping fields this emulator cannot answer from its ledger. */
  unsupportedGroups?: Record<string, string>;
  arrayFilters: string[];
  batchFilter: boolean;
}

/**
 * `group_by=api_key_id` on costs is refused for a `start_time` before this instant (2025-12-06T00:00:00Z): "the named
 * second succeeds, one second earlier fails" (addendum §A4.2).
 */
export const API_KEY_COSTS_FLOOR = 1_764_979_200;

/** Most daily cost buckets one page holds: a page is cut at 31 days even when `limit` asks for up to 180 [?]. */
export const COSTS_PAGE_CAP = 31;

const STANDARD_USAGE_FILTERS = ['project_ids', 'user_ids', 'api_key_ids', 'models'];
const unitEndpoint = (kind: OpenAiUnitEndpointName, groupFields: string[], arrayFilters: string[], unsupportedGroups?: Record<string, string>): Endpoint => ({
  kind,
  widths: ['1m', '1h', '1d'],
  limits: (width) => USAGE_LIMITS[width],
  groupFields,
  ...(unsupportedGroups ? { unsupportedGroups } : {}),
  arrayFilters,
  batchFilter: false,
});

/** The endpoints by path. */
export const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/organization/costs': {
    kind: 'costs',
    widths: ['1d'],
    limits: () => ({ default: 7, max: 180 }),
    pageCap: COSTS_PAGE_CAP,
    groupFields: ['project_id', 'api_key_id', 'line_item'],
    arrayFilters: ['project_ids', 'api_key_ids'],
    batchFilter: false,
  },
  '/v1/organization/usage/completions': {
    kind: 'completions',
    widths: ['1m', '1h', '1d'],
    limits: (width) => USAGE_LIMITS[width],
    groupFields: ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'],
    arrayFilters: STANDARD_USAGE_FILTERS,
    batchFilter: true,
  },
  '/v1/organization/usage/embeddings': {
    kind: 'embeddings',
    widths: ['1m', '1h', '1d'],
    limits: (width) => USAGE_LIMITS[width],
    groupFields: ['project_id', 'user_id', 'api_key_id', 'model'],
    arrayFilters: STANDARD_USAGE_FILTERS,
    batchFilter: false,
  },
  '/v1/organization/usage/images': unitEndpoint('images', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS, {
    size: 'the local ledger records no image size',
    source: 'the local ledger records no image source',
  }),
  '/v1/organization/usage/audio_speeches': unitEndpoint('audio_speeches', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS),
  '/v1/organization/usage/audio_transcriptions': unitEndpoint('audio_transcriptions', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS),
  '/v1/organization/usage/moderations': unitEndpoint('moderations', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS),
  '/v1/organization/usage/vector_stores': unitEndpoint('vector_stores', ['project_id'], ['project_ids']),
  '/v1/organization/usage/code_interpreter_sessions': unitEndpoint('code_interpreter_sessions', ['project_id'], ['project_ids']),
  '/v1/organization/usage/file_search_calls': unitEndpoint('file_search_calls', ['project_id', 'user_id', 'api_key_id'], ['project_ids', 'user_ids', 'api_key_ids'], {
    vector_store_id: 'the local ledger records no vector store ids',
  }),
  '/v1/organization/usage/web_search_calls': unitEndpoint('web_search_calls', ['project_id', 'user_id', 'api_key_id', 'model'], STANDARD_USAGE_FILTERS, {
    context_level: 'the local ledger records no search context level',
  }),
};

/** A request's query, parsed and checked; times in Unix seconds. */
export interface Query extends BucketQuery {
  batch: boolean | undefined;
  /** Buckets a page holds at most: the smaller of `limit` and the endpoint's page cap. */
  pageSize: number;
}

/** Parses and checks a request's query for one endpoint; throws the API's 400 for a bad or unknown parameter. */
export function parseQuery(params: URLSearchParams, endpoint: Endpoint): Query {
  const scalars = new Map<string, string>();
  const arrays = new Map<string, string[]>();
  const scalarNames = new Set(['start_time', 'end_time', 'bucket_width', 'limit', 'page', ...(endpoint.batchFilter ? ['batch'] : [])]);
  const arrayNames = new Set(['group_by', ...endpoint.arrayFilters]);
  for (const [key, value] of params) {
    // Arrays arrive as repeated keys, `group_by=a&group_by=b`, or in the bracket form `group_by[]=a`.
    const name = key.endsWith('[]') ? key.slice(0, -2) : key;
    if (arrayNames.has(name)) {
      arrays.set(name, [...(arrays.get(name) ?? []), value]);
    } else if (scalarNames.has(key)) {
      if (scalars.has(key)) throw badParam(key, `Parameter '${key}' was given more than once.`);
      scalars.set(key, value);
    } else {
      throw badParam(key, `Unknown parameter: '${key}'. This endpoint accepts ${[...scalarNames, ...arrayNames].join(', ')}.`);
    }
  }

  const widthName = scalars.get('bucket_width') ?? '1d';
  if (!(endpoint.widths as string[]).includes(widthName)) {
    throw badParam('bucket_width', `Invalid value for 'bucket_width': ${JSON.stringify(widthName)}. Supported values are: ${endpoint.widths.join(', ')}.`);
  }
  const width = WIDTH_SECONDS[widthName as BucketWidth];

  const startText = scalars.get('start_time');
  if (startText === undefined) throw badParam('start_time', "Missing required parameter: 'start_time'.");
  const requestedStart = unixSeconds(startText, 'start_time');
  const endText = scalars.get('end_time');
  const end = endText === undefined ? undefined : unixSeconds(endText, 'end_time');
  if (end !== undefined && end <= requestedStart) throw badParam('end_time', "'end_time' must be greater than 'start_time'.");

  const limits = endpoint.limits(widthName as BucketWidth);
  const limitText = scalars.get('limit');
  const limit = limitText === undefined ? limits.default : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || limit < 1)) {
    throw badParam('limit', `Invalid limit provided: ${limitText}. Limit must be an integer greater than or equal to 1.`);
  }
  // Refused, not clamped; the message is the one the live API gives for limit=366 (addendum §A4.3).
  if (limit > limits.max) throw badParam('limit', `Invalid limit provided: ${limit}. Limit must be less than or equal to ${limits.max}.`);

  const groupBy = new Set<string>();
  for (const field of arrays.get('group_by') ?? []) {
    const unsupported = endpoint.unsupportedGroups?.[field];
    if (unsupported) throw badParam('group_by', `group_by=${field} is not supported by the local OpenAI: ${unsupported}.`);
    if (!endpoint.groupFields.includes(field)) {
      throw badParam('group_by', `Invalid value for 'group_by': ${JSON.stringify(field)}. Supported values are: ${endpoint.groupFields.join(', ')}.`);
    }
    groupBy.add(field);
  }

  if (endpoint.kind === 'costs' && groupBy.has('api_key_id') && requestedStart < API_KEY_COSTS_FLOOR) {
    throw badParam(
      'start_time',
      `Invalid value for 'start_time': ${requestedStart}. Grouping by api_key_id (group_by=api_key_id) is only supported for start_time >= ${API_KEY_COSTS_FLOOR}.`,
    );
  }

  const filters = new Map<string, Set<string>>();
  for (const name of endpoint.arrayFilters) {
    const values = arrays.get(name);
    if (values) filters.set(name, new Set(values));
  }

  let batch: boolean | undefined;
  const batchText = scalars.get('batch');
  if (batchText !== undefined) {
    if (batchText !== 'true' && batchText !== 'false') throw badParam('batch', "Invalid value for 'batch': expected true or false.");
    batch = batchText === 'true';
  }

  const start = Math.floor(requestedStart / width) * width;
  const fingerprint = fingerprintOf([endpoint.kind, width, start, endText ?? null, [...groupBy].sort(), sortedFilters(filters), batch ?? null]);
  return { width, start, end, groupBy, filters, batch, limit, pageSize: Math.min(limit, endpoint.pageCap ?? limit), page: scalars.get('page'), fingerprint };
}

function unixSeconds(text: string, param: string): number {
  if (!/^\d{1,12}$/.test(text)) throw badParam(param, `Invalid value for '${param}': ${JSON.stringify(text)}. Expected Unix seconds (an integer).`);
  return Number(text);
}
