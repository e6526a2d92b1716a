import type { TokenType } from '../../domain/records/cost-record';
import { OPENAI_UNIT_ENDPOINTS, type OpenAiUnitEndpoint } from './openai-unit-endpoints';

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
