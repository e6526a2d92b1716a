import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baseModel, bedrockTokenPrice, findModelPrice, parsePriceBook, priceUsage, type BedrockTokenKind } from '../../../../functions/domain/pricing/price-book';
import { bedrockModelOf } from '../../../../functions/sources/cost-explorer/cost-explorer-mapper';
import { usageRecord } from '../../../support/usage';

const book = parsePriceBook(JSON.parse(readFileSync('functions/domain/pricing/price-book.json', 'utf8')), 'price-book.json');

describe('price book', () => {
  it('matches a versioned model by its name without the date suffix', () => {
    expect(baseModel('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(baseModel('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(findModelPrice(book, 'openai', 'gpt-4o-2024-08-06', '2026-10-01')?.model).toBe('gpt-4o');
    // gpt-4o must not price gpt-4o-mini.
    expect(findModelPrice(book, 'openai', 'gpt-4o-mini-2024-07-18', '2026-10-01')?.perMillionTokens.input).toBe('0.15');
  });

  it('uses the price in force on the day: a later row takes over from its effective date', () => {
    const changed = parsePriceBook({
      currency: 'USD',
      models: [
        { provider: 'openai', model: 'gpt-4o', effectiveFrom: '2024-01-01', source: 'test', perMillionTokens: { input: '5' } },
        { provider: 'openai', model: 'gpt-4o', effectiveFrom: '2026-10-15', source: 'test', perMillionTokens: { input: '2' } },
      ],
    });
    expect(findModelPrice(changed, 'openai', 'gpt-4o', '2026-10-14')?.perMillionTokens.input).toBe('5');
    expect(findModelPrice(changed, 'openai', 'gpt-4o', '2026-10-15')?.perMillionTokens.input).toBe('2');
    expect(findModelPrice(changed, 'openai', 'gpt-4o', '2023-12-31')).toBeUndefined();
  });

  it('prices every token type exactly, cache writes by lifetime, and batch at the batch multiplier', () => {
    const priced = priceUsage(
      book,
      usageRecord({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tokens: { input: 1_000_000, cachedInput: 2_000_000, cacheWrite5m: 1_000_000, cacheWrite1h: 500_000, output: 100_000 }, webSearchRequests: 12 }),
    );
    if ('unpriced' in priced) throw new Error(priced.unpriced);
    expect([priced.input, priced.cachedInput, priced.cacheWrite, priced.output, priced.requests].map((d) => d.toFixed())).toEqual(['3', '0.6', '6.75', '1.5', '0.12']);
    const batch = priceUsage(book, usageRecord({ serviceTier: 'batch', tokens: { input: 1_000_000, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 } }));
    expect('unpriced' in batch ? batch : batch.input.toFixed()).toBe('1.25');
  });

  it('never prices an unknown model, or a token type without a price, at $0', () => {
    expect(priceUsage(book, usageRecord({ model: 'o3-deep-research-2025-06-26', tokens: { input: 10, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0 } }))).toEqual({
      unpriced: 'no price for openai model o3-deep-research-2025-06-26 on 2026-10-01',
    });
    expect(priceUsage(book, usageRecord({ model: 'text-embedding-3-small', tokens: { input: 0, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 5 } }))).toEqual({
      unpriced: 'no output price for openai model text-embedding-3-small',
    });
  });

  it('rejects a malformed price book naming the field', () => {
    expect(() => parsePriceBook({ currency: 'USD', models: [{ provider: 'openai', model: 'x', effectiveFrom: '2026-13-01', perMillionTokens: { input: '-1' } }] })).toThrow(
      /models\[0\]\.effectiveFrom: expected a YYYY-MM-DD day[\s\S]*models\[0\]\.perMillionTokens\.input: expected a non-negative decimal string/,
    );
  });
});

const t = (input: number, output: number, cachedInput = 0, cacheWrite5m = 0, cacheWrite1h = 0) => ({ input, cachedInput, cacheWrite5m, cacheWrite1h, output });
/** The priced parts as strings, or the unpriced reason. */
function costs(usage: Parameters<typeof priceUsage>[1]) {
  const p = priceUsage(book, usage);
  if ('unpriced' in p) return p;
  return {
    input: p.input.toFixed(),
    cachedInput: p.cachedInput.toFixed(),
    cacheWrite: p.cacheWrite.toFixed(),
    output: p.output.toFixed(),
    audio: [p.audio.input, p.audio.cachedInput, p.audio.output].map((d) => d.toFixed()),
    image: [p.image.input, p.image.cachedInput, p.image.output].map((d) => d.toFixed()),
    requests: p.requests.toFixed(),
    units: p.units.toFixed(),
  };
}
const anthropic = (model: string, extra: Partial<Parameters<typeof priceUsage>[1]> = {}) =>
  usageRecord({ provider: 'anthropic', model, usageType: 'messages', subAccountId: null, tokens: t(1_000_000, 1_000_000), ...extra });

describe('price book: pricing dimensions', () => {
  it('prices OpenAI service tiers at their own rates: flex by multiplier, priority by its own table', () => {
    const gpt5 = (serviceTier: string | null) => usageRecord({ model: 'gpt-5-2025-08-07', serviceTier, tokens: t(1_000_000, 1_000_000, 1_000_000) });
    expect(costs(gpt5(null))).toMatchObject({ input: '1.25', cachedInput: '0.125', output: '10' });
    expect(costs(gpt5('default'))).toMatchObject({ input: '1.25', output: '10' });
    expect(costs(gpt5('flex'))).toMatchObject({ input: '0.625', cachedInput: '0.0625', output: '5' });
    expect(costs(gpt5('batch'))).toMatchObject({ input: '0.625', output: '5' });
    expect(costs(gpt5('priority'))).toMatchObject({ input: '2.5', cachedInput: '0.25', output: '20' });
  });

  it('leaves a tier the row does not price (OpenAI scale tier, bought as capacity) unpriced, never at standard rates', () => {
    expect(costs(usageRecord({ model: 'gpt-5', serviceTier: 'scale', tokens: t(10, 10) }))).toEqual({ unpriced: 'no service tier "scale" price for openai model gpt-5' });
    expect(costs(usageRecord({ model: 'gpt-4.1', serviceTier: 'flex', tokens: t(10, 10) }))).toEqual({ unpriced: 'no service tier "flex" price for openai model gpt-4.1' });
  });

  it('prices the Anthropic 200k-1M band higher where the model charges for long context, at standard where it does not', () => {
    const long = { contextWindow: '200k-1M', tokens: t(1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000) };
    expect(costs(anthropic('claude-sonnet-4-5-20250929', long))).toMatchObject({ input: '6', cachedInput: '0.6', cacheWrite: '19.5', output: '22.5' });
    expect(costs(anthropic('claude-sonnet-4-5', { contextWindow: '0-200k' }))).toMatchObject({ input: '3', output: '15' });
    expect(costs(anthropic('claude-sonnet-4-6', long))).toMatchObject({ input: '3', cachedInput: '0.3', cacheWrite: '9.75', output: '15' });
    // Batch stacks on long context.
    expect(costs(anthropic('claude-sonnet-4-5', { ...long, serviceTier: 'batch' }))).toMatchObject({ input: '3', output: '11.25' });
    expect(costs(anthropic('claude-haiku-4-5', long))).toEqual({ unpriced: 'no context window "200k-1M" price for anthropic model claude-haiku-4-5' });
  });

  it('prices US-only Anthropic inference at 1.1x, global and not_available at list, an unknown geo not at all', () => {
    expect(costs(anthropic('claude-opus-4-6', { inferenceGeo: 'us' }))).toMatchObject({ input: '5.5', output: '27.5' });
    expect(costs(anthropic('claude-opus-4-6', { inferenceGeo: 'global' }))).toMatchObject({ input: '5', output: '25' });
    expect(costs(anthropic('claude-haiku-4-5', { inferenceGeo: 'not_available' }))).toMatchObject({ input: '1', output: '5' });
    expect(costs(anthropic('claude-opus-4-6', { inferenceGeo: 'eu' }))).toEqual({ unpriced: 'no inference geo "eu" price for anthropic' });
  });

  it('prices fast mode at its multiplier where the book has one, stacked with geo; leaves it unpriced where not settled', () => {
    expect(costs(anthropic('claude-opus-4-6', { speed: 'fast' }))).toMatchObject({ input: '30', output: '150' });
    expect(costs(anthropic('claude-opus-4-6', { speed: 'fast', inferenceGeo: 'us' }))).toMatchObject({ input: '33', output: '165' });
    expect(costs(anthropic('claude-opus-4-6', { speed: 'standard' }))).toMatchObject({ input: '5' });
    expect(costs(anthropic('claude-opus-5-5', { speed: 'fast' }))).toEqual({ unpriced: 'no speed "fast" price for anthropic model claude-opus-5-5' });
  });

  it('takes audio and image tokens out of the text tokens and prices them at their own rates', () => {
    const realtime = usageRecord({
      model: 'gpt-realtime-2025-08-28',
      tokens: t(1_500_000, 3_000_000, 200_000),
      modalities: { audio: { input: 1_000_000, cachedInput: 100_000, output: 2_000_000 }, image: { input: 100_000, cachedInput: 0, output: 0 } },
    });
    // Text: 400k in at $4, 100k cached at $0.40, 1M out at $16; audio: 1M at $32, 100k cached at $0.40, 2M out at $64; image 100k at $5.
    expect(costs(realtime)).toMatchObject({ input: '1.6', cachedInput: '0.04', output: '16', audio: ['32', '0.04', '128'], image: ['0.5', '0', '0'] });
  });

  it('reports audio tokens of a model without an audio rate unpriced, never at its text rate', () => {
    const audio = usageRecord({ model: 'gpt-4o', tokens: t(1000, 1000), modalities: { audio: { input: 500, cachedInput: 0, output: 0 } } });
    expect(costs(audio)).toEqual({ unpriced: 'no audio input price for openai model gpt-4o' });
    const tooMany = usageRecord({ model: 'gpt-realtime', tokens: t(10, 0), modalities: { audio: { input: 50, cachedInput: 0, output: 0 } } });
    expect(costs(tooMany)).toEqual({ unpriced: 'the audio and image tokens of openai model gpt-realtime exceed its token totals' });
  });

  it('prices non-token units: per minute from seconds, per thousand calls, per character, per GiB-day, per session', () => {
    const units = (usageType: string, model: string, quantity: number, unit: NonNullable<Parameters<typeof priceUsage>[1]['units']>['unit']) => {
      const priced = costs(usageRecord({ usageType, model, units: { quantity, unit } }));
      return 'unpriced' in priced ? priced.unpriced : priced.units;
    };
    expect(units('audio_transcriptions', 'whisper-1', 90, 'seconds')).toBe('0.009');
    expect(units('audio_speeches', 'tts-1-hd', 2000, 'characters')).toBe('0.06');
    expect(units('file_search_calls', '', 1500, 'calls')).toBe('3.75');
    // The model-specific row wins over the generic one.
    expect(units('web_search_calls', 'gpt-5', 1000, 'calls')).toBe('10');
    expect(units('web_search_calls', 'gpt-4o-2024-08-06', 1000, 'calls')).toBe('25');
    expect(units('vector_stores', '', 2.5, 'gibibyte-days')).toBe('0.25');
    expect(units('code_interpreter_sessions', '', 7, 'sessions')).toBe('0.21');
  });

  it('prices images by size, and leaves images unpriced when the size is unknown or the model has no per-image price', () => {
    expect(costs(usageRecord({ usageType: 'images (512x512)', model: 'dall-e-2', units: { quantity: 10, unit: 'images' } }))).toMatchObject({ units: '0.18' });
    expect(costs(usageRecord({ usageType: 'images', model: 'dall-e-2', units: { quantity: 10, unit: 'images' } }))).toEqual({
      unpriced: 'images of openai images (dall-e-2) are priced by image size, and the usage does not say the size',
    });
    expect(costs(usageRecord({ usageType: 'images (1024x1024)', model: 'gpt-image-1', units: { quantity: 3, unit: 'images' } }))).toEqual({ unpriced: 'no price for images of openai images (1024x1024) (gpt-image-1)' });
  });

  it('never prices an unknown model at $0, whatever the tier, band or speed', () => {
    for (const extra of [{}, { serviceTier: 'batch' }, { contextWindow: '200k-1M' }, { speed: 'fast' }]) {
      expect(priceUsage(book, anthropic('claude-unknown-9', extra))).toEqual({ unpriced: 'no price for anthropic model claude-unknown-9 on 2026-10-01' });
    }
  });

  it('rejects a modifier with both or neither of multiplier and price table, a unit row without a source, naming the field', () => {
    const row = { provider: 'openai', model: 'x', effectiveFrom: '2026-01-01', source: 's', perMillionTokens: { input: '1' } };
    expect(() => parsePriceBook({ currency: 'USD', models: [{ ...row, tiers: { flex: { multiplier: '0.5', perMillionTokens: { input: '1' } } } }] })).toThrow(
      /models\[0\]\.tiers\.flex: expected exactly one of "multiplier" and "perMillionTokens"/,
    );
    expect(() => parsePriceBook({ currency: 'USD', models: [{ ...row, speeds: { fast: {} } }] })).toThrow(/models\[0\]\.speeds\.fast: expected exactly one/);
    expect(() => parsePriceBook({ currency: 'USD', models: [], units: [{ provider: 'openai', unit: 'images', price: '1', per: 0, effectiveFrom: '2026-01-01', size: 'big' }] })).toThrow(
      /units\[0\]\.size: expected a WIDTHxHEIGHT size[\s\S]*units\[0\]\.per: expected a positive whole number[\s\S]*units\[0\]\.source/,
    );
  });
});

describe('price book: Bedrock token prices', () => {
  it('gives the global price, regional at 1.1x, keyed by the model bedrockModelOf returns', () => {
    const price = (model: string, kind: BedrockTokenKind, routing: 'global' | 'regional') => bedrockTokenPrice(book, { model, day: '2026-10-01', kind, routing })?.toFixed();
    expect(price(bedrockModelOf('Claude Sonnet 4.6 (Amazon Bedrock Edition)')!, 'input', 'global')).toBe('3');
    expect(price('Claude Sonnet 4.6', 'input', 'regional')).toBe('3.3');
    expect(price('Claude Sonnet 4.6', 'output', 'regional')).toBe('16.5');
    expect(price('Claude Sonnet 4.6', 'cacheWrite', 'regional')).toBe('4.125');
    expect(price('Claude Sonnet 4.6', 'cacheRead', 'global')).toBe('0.3');
    expect(price('Claude Haiku 4.5', 'input', 'regional')).toBe('1.1');
    expect(price('Claude Opus 4.7', 'cacheWrite1h', 'global')).toBe('10');
  });

  it('gives undefined for a model or day the book does not price, never zero', () => {
    expect(bedrockTokenPrice(book, { model: 'Llama 9', day: '2026-10-01', kind: 'input', routing: 'global' })).toBeUndefined();
    expect(bedrockTokenPrice(book, { model: 'Claude Sonnet 5', day: '2026-01-01', kind: 'input', routing: 'global' })).toBeUndefined();
    expect(bedrockTokenPrice(book, { model: 'claude-sonnet-4-6', day: '2026-10-01', kind: 'input', routing: 'global' })).toBeUndefined();
  });
});
