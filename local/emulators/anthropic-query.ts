import { USAGE_LIMITS, WIDTH_SECONDS, type BucketQuery, type BucketWidth } from './bucket-pages';
import { invalid } from './anthropic-errors';
import { fingerprintOf, sortedFilters } from './page-tokens';

/*
 * The legacy Admin API reports' endpoints (`usage_report/messages`, `cost_report`) and their query parameters, parsed
 * and checked, refused with a 400 where a parameter is wrong or unknown.
 */

/** Each bucket width in ms. */
export const WIDTH_MS: Record<BucketWidth, number> = { '1m': WIDTH_SECONDS['1m'] * 1000, '1h': WIDTH_SECONDS['1h'] * 1000, '1d': WIDTH_SECONDS['1d'] * 1000 };

/** One report endpoint: its kind, widths, limits, grouping fields and filters. */
export interface Endpoint {
  kind: 'usage' | 'cost';
  widths: BucketWidth[];
  limits: (width: BucketWidth) => { default: number; max: number };
  groupFields: string[];
  /** Documented parameters and grouping fields the ledger cannot answer, with the reason. */
  unsupported: Record<string, string>;
  /** Array filters (sent as `name[]=`). */
  arrayFilters: string[];
}

/** The report endpoints by path. */
export const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/organizations/usage_report/messages': {
    kind: 'usage',
    widths: ['1m', '1h', '1d'],
    limits: (width) => USAGE_LIMITS[width],
    groupFields: ['workspace_id', 'api_key_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed'],
    unsupported: {
      account_id: 'the local ledger records no accounts',
      service_account_id: 'the local ledger records no service accounts',
      account_ids: 'the local ledger records no accounts',
      service_account_ids: 'the local ledger records no service accounts',
    },
    arrayFilters: ['workspace_ids', 'api_key_ids', 'models', 'service_tiers', 'context_window', 'inference_geos', 'speeds'],
  },
  '/v1/organizations/cost_report': {
    kind: 'cost',
    widths: ['1d'],
    limits: () => ({ default: 7, max: 31 }),
    groupFields: ['workspace_id', 'description'],
    unsupported: {},
    arrayFilters: [],
  },
};

/** A report request's query, parsed and checked; times in epoch ms. */
export type Query = BucketQuery;

/** Parses and checks a report request's query; throws a 400 for a bad or unknown parameter. */
export function parseQuery(params: URLSearchParams, endpoint: Endpoint): Query {
  const scalarNames = new Set(['starting_at', 'ending_at', 'bucket_width', 'limit', 'page']);
  const arrayNames = new Set(['group_by', ...endpoint.arrayFilters]);
  const scalars = new Map<string, string>();
  const arrays = new Map<string, string[]>();
  for (const [key, value] of params) {
    const bare = key.endsWith('[]') ? key.slice(0, -2) : key;
    const reason = endpoint.unsupported[bare];
    if (reason) throw invalid(`${bare}: not supported by the local Anthropic (${reason})`);
    if (key.endsWith('[]') && arrayNames.has(bare)) {
      arrays.set(bare, [...(arrays.get(bare) ?? []), value]);
    } else if (!key.endsWith('[]') && scalarNames.has(key)) {
      if (scalars.has(key)) throw invalid(`${key}: given more than once`);
      scalars.set(key, value);
    } else if (arrayNames.has(key)) {
      throw invalid(`${key}: array parameters are sent as ${key}[]=<value> (repeat the key for each value)`);
    } else {
      throw invalid(`${key}: unknown parameter (accepted: ${[...scalarNames, ...[...arrayNames].map((n) => `${n}[]`)].join(', ')})`);
    }
  }

  const widthName = scalars.get('bucket_width') ?? '1d';
  if (!(endpoint.widths as string[]).includes(widthName)) {
    throw invalid(`bucket_width: Input should be ${endpoint.widths.map((w) => `'${w}'`).join(' or ')}`);
  }
  const width = WIDTH_MS[widthName as BucketWidth];

  const startText = scalars.get('starting_at');
  if (startText === undefined) throw invalid('starting_at: Field required');
  const requestedStart = rfc3339(startText, 'starting_at');
  const endText = scalars.get('ending_at');
  const end = endText === undefined ? undefined : rfc3339(endText, 'ending_at');
  if (end !== undefined && end <= requestedStart) throw invalid('ending_at: must be after starting_at');

  const limits = endpoint.limits(widthName as BucketWidth);
  const limitText = scalars.get('limit');
  const limit = limitText === undefined ? limits.default : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || limit < 1 || limit > limits.max)) {
    throw invalid(`limit: must be an integer between 1 and ${limits.max} for bucket_width ${widthName}, got ${JSON.stringify(limitText)}`);
  }

  const groupBy = new Set<string>();
  for (const field of arrays.get('group_by') ?? []) {
    const reason = endpoint.unsupported[field];
    if (reason) throw invalid(`group_by: ${field} is not supported by the local Anthropic (${reason})`);
    if (!endpoint.groupFields.includes(field)) {
      throw invalid(`group_by: Input should be ${endpoint.groupFields.map((f) => `'${f}'`).join(', ')}; got ${JSON.stringify(field)}`);
    }
    groupBy.add(field);
  }

  const filters = new Map<string, Set<string>>();
  for (const name of endpoint.arrayFilters) {
    const values = arrays.get(name);
    if (values) filters.set(name, new Set(values));
  }

  const start = Math.floor(requestedStart / width) * width;
  const fingerprint = fingerprintOf([endpoint.kind, width, start, endText ?? null, [...groupBy].sort(), sortedFilters(filters)]);
  return { width, start, end, groupBy, filters, limit, page: scalars.get('page'), fingerprint };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 instant, or a 400 naming the parameter. */
export function rfc3339(text: string, param: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${param}: Input should be a valid RFC 3339 datetime, e.g. 2026-10-01T00:00:00Z; got ${JSON.stringify(text)}`);
  return ms;
}
