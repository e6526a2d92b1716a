import { z } from 'zod';
import { recordId, type CostRecord, type TokenType } from '../../domain/records/cost-record';
import { addDays, toDay, type DayWindow } from '../../domain/records/dates';
import { canonical, parseAmount, type Decimal } from '../../domain/records/money';
import { NO_TOKENS, type ModalityTokens, type UsageRecord, type UsageUnit } from '../../domain/records/usage-record';
import type { SourceDay } from '../../ports/ports';
import { completeDays, MalformedProviderPageError, parsePages } from '../shared/paging';

/** FOCUS ServiceName for everything billed through the OpenAI API platform. */
export const OPENAI_SERVICE = 'OpenAI API';

const DAY_SECONDS = 86_400;
const HOUR_SECONDS = 3_600;

const nullableString = z.string().nullable().optional();
const count = z.number({ error: 'expected a number' }).int({ error: 'expected an integer' }).nonnegative({ error: 'expected a count (>= 0)' });
const optionalCount = count.nullable().optional();

/**
 * A bucket: `[start_time, end_time)` of one documented width. Spec versions before 2026-05 named the array
 * `result`; the examples and the current spec say `results`. One of the two must be there.
 */
const bucket = <T extends z.ZodType>(result: T, widths: readonly number[]) =>
  z
    .object({ start_time: z.number().int(), end_time: z.number().int(), results: z.array(result).optional(), result: z.array(result).optional() })
    .superRefine((b, ctx) => {
      // A bucket without its list is not an empty bucket: an empty one says `results: []`. Read as empty,
      // it would replace a day's stored spend with nothing.
      if (b.results === undefined && b.result === undefined) {
        ctx.addIssue({ code: 'custom', path: ['results'], message: 'missing: a bucket lists its results (`results`, or `result` in spec versions before 2026-05), `[]` when empty' });
      }
      if (!widths.includes(b.end_time - b.start_time)) {
        ctx.addIssue({ code: 'custom', path: ['end_time'], message: `bucket of ${b.end_time - b.start_time} s is not a width this query asks for (${widths.join(' or ')} s)` });
      }
    })
    .transform((b) => ({ start: b.start_time, end: b.end_time, results: b.results ?? b.result ?? [] }));
const page = <T extends z.ZodType>(result: T, widths: readonly number[]) =>
  z.object({ data: z.array(bucket(result, widths), { error: 'expected an array of buckets' }), has_more: z.boolean() });

/** `object` is required by the spec; a result of another endpoint's type means the wrong page. */
const objectName = (name: string) => z.literal(name, { error: `expected "${name}"` }).optional();

/** A JSON number or a numeric string: the spec says number, live answers send strings too (addendum §A4.1). */
const numberOrString = z.union([z.number(), z.string()], { error: 'expected a number or a numeric string' });

const costResult = z.object({
  object: objectName('organization.costs.result'),
  amount: z.object({ value: numberOrString, currency: z.string() }, { error: 'expected { value, currency }' }),
  line_item: nullableString,
  project_id: nullableString,
  api_key_id: nullableString,
  quantity: numberOrString.nullable().optional(),
  quantity_unit: nullableString,
});

const completionsResult = z.object({
  object: objectName('organization.usage.completions.result'),
  input_tokens: count,
  input_cached_tokens: optionalCount,
  input_cache_write_tokens: optionalCount,
  input_uncached_tokens: optionalCount,
  output_tokens: optionalCount,
  input_audio_tokens: optionalCount,
  input_cached_audio_tokens: optionalCount,
  output_audio_tokens: optionalCount,
  input_image_tokens: optionalCount,
  input_cached_image_tokens: optionalCount,
  output_image_tokens: optionalCount,
  num_model_requests: count,
  project_id: nullableString,
  api_key_id: nullableString,
  model: nullableString,
  batch: z.boolean().nullable().optional(),
  service_tier: nullableString,
});
const embeddingsResult = completionsResult.extend({ object: objectName('organization.usage.embeddings.result') });

/** What the mappers need besides the pages. */
export interface OpenAiMapperContext {
  window: DayWindow;
  /** FOCUS BillingAccountId: the organization. */
  organizationId: string;
  /** Record source id. */
  source: string;
  /** Days at or after this are allowed to be missing (the window reaches into today). */
  today: string;
}

const TOKEN_TYPES: Record<string, TokenType> = {
  input: 'input',
  'cached input': 'cachedInput',
  'cache write': 'cacheWrite',
  'cached write': 'cacheWrite',
  output: 'output',
};

/** A line item taken apart; every part null when the text does not have it. */
export interface LineItemParts {
  /** The product surface before ` | `, e.g. `evals`, `assistants api`. */
  surface: string | null;
  /** The model, e.g. `gpt-4o-mini-2024-07-18`; a fine-tuned one keeps its `ft-` prefix (`ft-gpt-4o-2024-08-06`). */
  model: string | null;
  /** The text after the last `, `, lowercase: `input`, `cached input`, `audio input`, `images`, ... */
  side: string | null;
  /** The text token type the side names, or null for non-text sides (audio, images, sessions). */
  tokenType: TokenType | null;
}

/**
 * Takes apart a `/costs` line item. OpenAI does not specify the format (it is a display label), so the parse is
 * lenient: a surface prefix is split off at the first ` | ` (`evals | gpt-4o-mini-2024-07-18, input`), the side
 * at the **last** `, ` (`gpt-realtime-2.1-mini-2026-08-28, audio input`). What is left before the side is the
 * model when it is one word (`ft-gpt-4o-2024-08-06` stays whole: the fine-tuned model is priced apart from its
 * base). A text without `, ` (`web search tool calls`, `Text tokens`, `assistants api | file search`) has no model.
 */
export function parseLineItem(lineItem: string | null): LineItemParts {
  const none: LineItemParts = { surface: null, model: null, side: null, tokenType: null };
  if (!lineItem) return none;
  const bar = lineItem.indexOf(' | ');
  const surface = bar < 0 ? null : lineItem.slice(0, bar).trim() || null;
  const rest = bar < 0 ? lineItem : lineItem.slice(bar + 3);
  const comma = rest.lastIndexOf(', ');
  if (comma < 0) return { ...none, surface };
  const head = rest.slice(0, comma).trim();
  const side = rest.slice(comma + 2).trim().toLowerCase();
  const model = head !== '' && !/\s/.test(head) ? head : null;
  return { surface, model, side, tokenType: model === null ? null : (TOKEN_TYPES[side] ?? null) };
}

/**
 * The model costline keeps for a `/costs` line item: the one {@link parseLineItem} finds, else, for a line of a
 * tool whose usage endpoint reports no model, the fixed model that endpoint's usage records get
 * (`assistants api | file search` → `file-search`), so the tool's dollars and calls meet on one model line. Web
 * search usage carries its model, so `web search tool calls` keeps none.
 */
export function lineItemModel(lineItem: string | null): string | null {
  const parsed = parseLineItem(lineItem).model;
  if (parsed !== null || !lineItem) return parsed;
  const tools: Array<[RegExp, OpenAiUnitEndpoint]> = [
    [/\bvector stor(e|es|age)\b|\bfile search storage\b/i, 'vector_stores'],
    [/\bfile search\b/i, 'file_search_calls'],
    [/\bcode interpreter\b/i, 'code_interpreter_sessions'],
  ];
  const tool = tools.find(([pattern]) => pattern.test(lineItem));
  return tool ? OPENAI_UNIT_ENDPOINTS[tool[1]].modelless : null;
}

/**
 * The model value costline keeps for a usage `model`: as reported, except a fine-tuned model id
 * (`ft:gpt-4o-2024-08-06:acme::B7xk2Qd9`, the usage API's form [assumed]) becomes `ft-gpt-4o-2024-08-06`, the
 * form `/costs` line items use, so the fine-tune's tokens and dollars land on one model line.
 */
export function usageModel(model: string): string {
  const fineTuned = /^ft:([^:]+):/.exec(model);
  return fineTuned ? `ft-${fineTuned[1]}` : model;
}

/**
 * The service tier costline records: `batch` for batch requests, `standard` for the API's `default`
 * tier (the domain's name for it), any other reported tier as it is (`flex`, `priority`, `scale`, ...).
 */
export function serviceTierOf(batch: boolean | null | undefined, serviceTier: string | null | undefined): string | null {
  if (batch) return 'batch';
  if (serviceTier == null) return null;
  return serviceTier === 'default' ? 'standard' : serviceTier;
}

function dayOfBucket(start: number): string {
  return toDay(new Date(start * 1000));
}

/** Reads a number-or-string amount exactly; a number through its shortest decimal text, which `String()` gives. */
function exactDecimal(value: number | string, at: string): Decimal {
  try {
    return parseAmount(typeof value === 'number' ? String(value) : value, at);
  } catch {
    throw new MalformedProviderPageError(`${at}: expected a number or a numeric string, got ${JSON.stringify(value)}`);
  }
}

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
        const identity = {
          source: ctx.source,
          provider: 'openai' as const,
          billingAccountId: ctx.organizationId,
          subAccountId: r.project_id ?? null,
          serviceName: OPENAI_SERVICE,
          usageType: r.line_item ?? null,
          tags: {},
          chargePeriodStart: day,
          apiKeyId: r.api_key_id ?? null,
          model,
        };
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
        const identity = {
          source: ctx.source,
          provider: 'openai' as const,
          billingAccountId: ctx.organizationId,
          subAccountId: r.project_id ?? null,
          serviceName: OPENAI_SERVICE,
          usageType: tier ? `${endpoint} (${tier})` : endpoint,
          tags: {},
          chargePeriodStart: day,
          apiKeyId: r.api_key_id ?? null,
          model,
        };
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

/** The usage endpoints measured in something other than (or besides) tokens. */
export type OpenAiUnitEndpoint =
  | 'images'
  | 'audio_speeches'
  | 'audio_transcriptions'
  | 'moderations'
  | 'vector_stores'
  | 'code_interpreter_sessions'
  | 'file_search_calls'
  | 'web_search_calls';

/** How one unit endpoint is read: its result object, its metric, its unit, and the model for results without one. */
export interface OpenAiUnitEndpointSpec {
  object: string;
  metric: string;
  unit: UsageUnit;
  /** Grouping fields costline asks for (the API's `group_by`). */
  groupBy: readonly string[];
  /** `UsageRecord.model` when the endpoint reports no model (it has none, or the result's model is null). */
  modelless: string;
  /** Whether results carry `num_model_requests`. */
  modelRequests: boolean;
}

/** The facts of addendum §A4.6, one entry per endpoint (note the object names of the two search endpoints). */
export const OPENAI_UNIT_ENDPOINTS: Record<OpenAiUnitEndpoint, OpenAiUnitEndpointSpec> = {
  images: { object: 'organization.usage.images.result', metric: 'images', unit: 'images', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'images', modelRequests: true },
  audio_speeches: { object: 'organization.usage.audio_speeches.result', metric: 'characters', unit: 'characters', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'audio-speech', modelRequests: true },
  audio_transcriptions: { object: 'organization.usage.audio_transcriptions.result', metric: 'seconds', unit: 'seconds', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'audio-transcription', modelRequests: true },
  moderations: { object: 'organization.usage.moderations.result', metric: 'input_tokens', unit: 'requests', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'moderation', modelRequests: true },
  vector_stores: { object: 'organization.usage.vector_stores.result', metric: 'usage_bytes', unit: 'gibibyte-days', groupBy: ['project_id'], modelless: 'vector-store', modelRequests: false },
  code_interpreter_sessions: { object: 'organization.usage.code_interpreter_sessions.result', metric: 'num_sessions', unit: 'sessions', groupBy: ['project_id'], modelless: 'code-interpreter', modelRequests: false },
  file_search_calls: { object: 'organization.usage.file_searches.result', metric: 'num_requests', unit: 'calls', groupBy: ['project_id', 'api_key_id'], modelless: 'file-search', modelRequests: false },
  web_search_calls: { object: 'organization.usage.web_searches.result', metric: 'num_requests', unit: 'calls', groupBy: ['project_id', 'api_key_id', 'model'], modelless: 'web-search', modelRequests: true },
};

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
        const identity = {
          source: ctx.source,
          provider: 'openai' as const,
          billingAccountId: ctx.organizationId,
          subAccountId: r.project_id ?? null,
          serviceName: OPENAI_SERVICE,
          usageType: endpoint,
          tags: {},
          chargePeriodStart: day,
          apiKeyId: r.api_key_id ?? null,
          model: r.model ? usageModel(r.model) : spec.modelless,
        };
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
