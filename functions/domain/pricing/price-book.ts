import Big from 'big.js';
import { remember } from '../../lib/remember';
import type { Provider } from '../records/cost-record';
import { ZERO, type Decimal } from '../records/money';
import { totalTokens, type ModalityTokens, type UsageRecord } from '../records/usage-record';
import type { ModelPrice, PriceBook, PriceTable, UnitPrice } from './price-book-schema';

export { parsePriceBook, PriceBookError, type ModelPrice, type PriceBook, type PriceTable, type UnitPrice } from './price-book-schema';

/**
 * The price book: list prices per model and token type with effective dates, as data
 * (`functions/domain/pricing/price-book.json`), so a price change is a new row, not a code change. Used only to
 * estimate days the bill does not cover yet; the bill always supersedes the estimate.
 *
 * A model row holds the standard prices and, keyed by the usage record's own values, the prices of
 * its service tiers (`tiers`), context-window bands (`contextWindows`) and speeds (`speeds`): each
 * either a multiplier of the standard prices or a price table of its own. Geography multipliers
 * (`geo`) hold per provider; non-token usage is priced per unit (`units`). What the book does not
 * price, the estimate leaves out and says so: it never prices it at $0 or at another rate.
 */

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** The model name without its date suffix: `gpt-4o-2024-08-06` → `gpt-4o`. */
export function baseModel(model: string): string {
  return model.replace(DATE_SUFFIX, '');
}

function latestEffective<T extends { effectiveFrom: string }>(rows: readonly T[], day: string): T | undefined {
  return rows.filter((r) => r.effectiveFrom <= day).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
}

/** The price in force on `day` for a model: an exact-name row first, else one for its base name. */
export function findModelPrice(book: PriceBook, provider: Provider, model: string, day: string): ModelPrice | undefined {
  // Every usage record of a month asks this of the whole book; the answers for a book (parsed once,
  // never changed) are kept by provider, model and day.
  let found = modelPrices.get(book);
  if (!found) modelPrices.set(book, (found = new Map()));
  return remember(found, JSON.stringify([provider, model, day]), () => {
    const rows = book.models.filter((m) => m.provider === provider);
    return latestEffective(rows.filter((m) => m.model === model), day) ?? latestEffective(rows.filter((m) => m.model === baseModel(model)), day);
  });
}

const modelPrices = new WeakMap<PriceBook, Map<string, ModelPrice | undefined>>();

/** A usage record priced, by the token types of {@link CostRecord.tokenType}, plus audio, image and units. */
export interface PricedUsage {
  /** Text tokens (audio and image tokens taken out). */
  input: Decimal;
  cachedInput: Decimal;
  cacheWrite: Decimal;
  output: Decimal;
  /** Audio and image tokens at their own rates (zero when the record has none). */
  audio: { input: Decimal; cachedInput: Decimal; output: Decimal };
  image: { input: Decimal; cachedInput: Decimal; output: Decimal };
  /** Per-request server tools (web search). */
  requests: Decimal;
  /** Non-token usage (`units`). */
  units: Decimal;
}

/** Why a usage record has no estimate: its model, a token type, a tier, band, speed, geo or unit it used has no price. */
export interface Unpriced {
  unpriced: string;
}

const MILLION = new Big(1_000_000);
const MILLIONTH = new Big('0.000001');

/**
 * `x / 10^6` exactly as big.js's `x.div(MILLION)` gives it: a product by 10^-6 when the quotient has at
 * most the 20 places big.js divides to (then it is exact either way, and big.js keeps no trailing zeros),
 * else the division itself, which rounds. The product skips big.js's digit-by-digit long division.
 */
function perMillionOf(x: Decimal): Decimal {
  // big.js keeps the digits in `c` and the exponent of the first in `e`: `c.length - 1 - e` places.
  const { c, e } = x as unknown as { c: number[]; e: number };
  return c.length - 1 - e + 6 <= 20 ? x.times(MILLIONTH) : x.div(MILLION);
}
/** Service tiers, context windows, speeds and geographies that are the standard price (no modifier). */
const STANDARD_TIERS = new Set(['standard', 'default']);
const STANDARD_WINDOWS = new Set(['0-200k']);
const STANDARD_SPEEDS = new Set(['standard']);
const STANDARD_GEOS = new Set(['global', 'not_available']);

type Modifier = NonNullable<ModelPrice['tiers']>[string];

/**
 * The price table a record is charged at, and the multiplier on it: at most one modifier may replace
 * the standard table (two tables of their own would not say how they combine); multipliers stack, as
 * the providers say theirs do (batch on long context, fast mode on long context, geo on all).
 */
function resolveTable(book: PriceBook, row: ModelPrice, usage: UsageRecord): { table: PriceTable; multiplier: Decimal } | Unpriced {
  const what = `${usage.provider} model ${usage.model}`;
  const applied: Array<[string, Modifier]> = [];
  const pick = (kind: string, value: string | null | undefined, standard: Set<string>, rows: Record<string, Modifier> | undefined): Unpriced | undefined => {
    if (value === null || value === undefined || standard.has(value)) return undefined;
    const m = rows?.[value];
    if (!m) return { unpriced: `no ${kind} "${value}" price for ${what}` };
    applied.push([`${kind} "${value}"`, m]);
    return undefined;
  };
  const missing =
    pick('context window', usage.contextWindow, STANDARD_WINDOWS, row.contextWindows) ??
    pick('service tier', usage.serviceTier, STANDARD_TIERS, row.tiers) ??
    pick('speed', usage.speed, STANDARD_SPEEDS, row.speeds);
  if (missing) return missing;
  const tables = applied.filter(([, m]) => m.perMillionTokens);
  if (tables.length > 1) return { unpriced: `the prices of ${tables.map(([k]) => k).join(' and ')} for ${what} do not say how they combine` };
  let multiplier = new Big(1);
  for (const [, m] of applied) if (m.multiplier) multiplier = multiplier.times(m.multiplier);
  const geo = usage.inferenceGeo;
  if (geo !== null && geo !== undefined && !STANDARD_GEOS.has(geo)) {
    const g = latestEffective(book.geo.filter((x) => x.provider === usage.provider && x.geo === geo), usage.chargePeriodStart);
    if (!g) return { unpriced: `no inference geo "${geo}" price for ${usage.provider}` };
    multiplier = multiplier.times(g.multiplier);
  }
  return { table: tables[0]?.[1].perMillionTokens ?? row.perMillionTokens, multiplier };
}

const NONE: ModalityTokens = { input: 0, cachedInput: 0, output: 0 };

/** The image size a usage type carries, `images (1024x1024)` → `1024x1024`; the images endpoint groups by size. */
function sizeOf(usageType: string): string | undefined {
  return /\b(\d+x\d+)\b/.exec(usageType)?.[1];
}

/**
 * The unit price for a record's non-token usage: rows of its provider and unit that fit its usage type,
 * model and size; the most specific wins. Rows that differ only by size, for a record that does not say
 * its size, leave it unpriced rather than pick one.
 */
export function findUnitPrice(book: PriceBook, usage: UsageRecord): UnitPrice | Unpriced {
  const u = usage.units!;
  const size = sizeOf(usage.usageType);
  const fits = book.units.filter(
    (r) =>
      r.provider === usage.provider &&
      r.unit === u.unit &&
      r.effectiveFrom <= usage.chargePeriodStart &&
      (r.usageType === undefined || r.usageType === usage.usageType || usage.usageType.startsWith(`${r.usageType} `)) &&
      (r.model === undefined || r.model === usage.model || r.model === baseModel(usage.model)),
  );
  const what = `${u.unit} of ${usage.provider} ${usage.usageType}${usage.model ? ` (${usage.model})` : ''}`;
  const sized = fits.filter((r) => r.size !== undefined);
  if (sized.length > 0 && size === undefined) return { unpriced: `${what} are priced by image size, and the usage does not say the size` };
  const candidates = fits.filter((r) => r.size === undefined || r.size === size);
  const specificity = (r: UnitPrice) => (r.model ? 4 : 0) + (r.usageType ? 2 : 0) + (r.size ? 1 : 0);
  const best = Math.max(-1, ...candidates.map(specificity));
  const row = latestEffective(candidates.filter((r) => specificity(r) === best), usage.chargePeriodStart);
  return row ?? { unpriced: `no price for ${what}` };
}

/**
 * Prices one usage record with the prices in force on its day, by its service tier, context window,
 * speed, inference geography, modalities and units. Never prices unknown usage at $0 or at another
 * rate: a model without a row, tokens of a type the table has no price for, a tier, band, speed or geo
 * the row does not list, audio or image tokens without their own rate, or a unit without a price make
 * the whole record unpriced, with the reason.
 */
export function priceUsage(book: PriceBook, usage: UsageRecord): PricedUsage | Unpriced {
  const t = usage.tokens;
  const audio = usage.modalities?.audio ?? NONE;
  const image = usage.modalities?.image ?? NONE;
  const hasTokens = totalTokens(t) > 0;
  let unitCost = ZERO;
  if (usage.units && usage.units.quantity > 0) {
    const price = findUnitPrice(book, usage);
    if ('unpriced' in price) return price;
    unitCost = new Big(usage.units.quantity).times(price.price).div(price.per);
  }
  let requests = ZERO;
  if (usage.webSearchRequests > 0) {
    const search = latestEffective(book.requests.filter((r) => r.provider === usage.provider && r.item === 'webSearch'), usage.chargePeriodStart);
    if (!search) return { unpriced: `no web search price for ${usage.provider}` };
    requests = new Big(usage.webSearchRequests).times(search.perThousand).div(1000);
  }
  const zero = { input: ZERO, cachedInput: ZERO, output: ZERO };
  if (!hasTokens) return { input: ZERO, cachedInput: ZERO, cacheWrite: ZERO, output: ZERO, audio: zero, image: zero, requests, units: unitCost };

  const row = findModelPrice(book, usage.provider, usage.model, usage.chargePeriodStart);
  if (!row) return { unpriced: `no price for ${usage.provider} model ${usage.model} on ${usage.chargePeriodStart}` };
  const resolved = resolveTable(book, row, usage);
  if ('unpriced' in resolved) return resolved;
  const { table: p, multiplier } = resolved;
  // Audio and image tokens are counted inside the text totals: take them out, price them at their own rates.
  const text = {
    input: t.input - audio.input - image.input,
    cachedInput: t.cachedInput - audio.cachedInput - image.cachedInput,
    output: t.output - audio.output - image.output,
  };
  if (text.input < 0 || text.cachedInput < 0 || text.output < 0) {
    return { unpriced: `the audio and image tokens of ${usage.provider} model ${usage.model} exceed its token totals` };
  }
  // A cache write without its own price is charged as input (OpenAI bills cache writes as input).
  const prices: Array<[string, number, string | undefined]> = [
    ['input', text.input, p.input],
    ['cachedInput', text.cachedInput, p.cachedInput],
    ['cacheWrite5m', t.cacheWrite5m, p.cacheWrite5m ?? p.input],
    ['cacheWrite1h', t.cacheWrite1h, p.cacheWrite1h ?? p.input],
    ['output', text.output, p.output],
    ['audio input', audio.input, p.audio?.input],
    ['image input', image.input, p.image?.input],
    ['audio cachedInput', audio.cachedInput, p.audio?.cachedInput],
    ['image cachedInput', image.cachedInput, p.image?.cachedInput],
    ['audio output', audio.output, p.audio?.output],
    ['image output', image.output, p.image?.output],
  ];
  const missing = prices.filter(([, n, price]) => n > 0 && price === undefined).map(([type]) => type);
  if (missing.length > 0) return { unpriced: `no ${missing.join(', ')} price for ${usage.provider} model ${usage.model}${describeModifiers(usage)}` };
  const unmultiplied = multiplier.eq(1);
  const cost = (n: number, price: string | undefined) => {
    if (price === undefined || n === 0) return ZERO;
    const perMillion = perMillionOf(new Big(n).times(price));
    return unmultiplied ? perMillion : perMillion.times(multiplier);
  };
  const modality = (m: ModalityTokens, q: PriceTable['audio']) => ({ input: cost(m.input, q?.input), cachedInput: cost(m.cachedInput, q?.cachedInput), output: cost(m.output, q?.output) });
  return {
    input: cost(text.input, p.input),
    cachedInput: cost(text.cachedInput, p.cachedInput),
    cacheWrite: cost(t.cacheWrite5m, p.cacheWrite5m ?? p.input).plus(cost(t.cacheWrite1h, p.cacheWrite1h ?? p.input)),
    output: cost(text.output, p.output),
    audio: modality(audio, p.audio),
    image: modality(image, p.image),
    requests,
    units: unitCost,
  };
}

function describeModifiers(usage: UsageRecord): string {
  const parts = [
    usage.serviceTier && !STANDARD_TIERS.has(usage.serviceTier) && `${usage.serviceTier} tier`,
    usage.contextWindow && !STANDARD_WINDOWS.has(usage.contextWindow) && `${usage.contextWindow} context`,
    usage.speed && !STANDARD_SPEEDS.has(usage.speed) && `${usage.speed} speed`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** A Bedrock token kind, as the Cost Explorer usage types name them. */
export type BedrockTokenKind = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h';

/** What a Bedrock price is asked for: the model as `bedrockModelOf` names it, the day, the token kind and the routing. */
export interface BedrockPriceQuery {
  /** `Claude Sonnet 4.6`, from the service `Claude Sonnet 4.6 (Amazon Bedrock Edition)`. */
  model: string;
  day: string;
  kind: BedrockTokenKind;
  /** Global cross-Region inference, or regional (geo or in-Region) inference, priced higher. */
  routing: 'global' | 'regional';
  /** Batch inference: the row's `batch` tier multiplier applies; without one the price is undefined. */
  batch?: boolean;
}

/**
 * The per-million-token list price of a Bedrock Marketplace model's tokens on a day, or undefined when
 * the book has none (the caller then keeps the cost and leaves the tokens unknown). For deriving token
 * counts from cost ÷ rate where Cost Explorer's usage unit is not known. Regional is global times the
 * book's `aws` `regional` geo multiplier; without that multiplier a regional price is undefined.
 */
export function bedrockTokenPrice(book: PriceBook, query: BedrockPriceQuery): Decimal | undefined {
  const row = findModelPrice(book, 'aws', query.model, query.day);
  if (!row) return undefined;
  const p = row.perMillionTokens;
  const price = { input: p.input, output: p.output, cacheRead: p.cachedInput, cacheWrite: p.cacheWrite5m, cacheWrite1h: p.cacheWrite1h }[query.kind];
  if (price === undefined) return undefined;
  let rate = new Big(price);
  if (query.batch) {
    const batch = row.tiers?.batch;
    if (batch?.multiplier === undefined) return undefined;
    rate = rate.times(batch.multiplier);
  }
  if (query.routing === 'global') return rate;
  const regional = latestEffective(book.geo.filter((g) => g.provider === 'aws' && g.geo === 'regional'), query.day);
  return regional ? rate.times(regional.multiplier) : undefined;
}
