import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { splitInteger } from '../../../../functions/domain/chargeback/totals';
import { buildChargeback } from '../../../support/chargeback';
import { parsePriceBook } from '../../../../functions/domain/pricing/price-book';
import {
  bedrockMeterOf,
  bedrockTokenType,
  bedrockUsageQuery,
  firstPartyModelOf,
  isBedrockService,
  mapBedrockUsage,
  priceBookBedrockRate,
  tokensPerUnit,
} from '../../../../functions/sources/cost-explorer/bedrock-usage';
import { expectBooksBalance } from '../../../support/books';
import { expectGolden, fixture } from '../../../support/fixtures';
import { bundledPriceBook } from '../../../../functions/domain/pricing/bundled-price-book';
import { testConfig } from '../../../support/config';
import { awsRecord } from '../../../support/records';

const page = {
  GroupDefinitions: [
    { Type: 'DIMENSION', Key: 'SERVICE' },
    { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
  ],
  ResultsByTime: [
    {
      TimePeriod: { Start: '2026-10-01', End: '2026-10-02' },
      Total: {},
      Groups: [
        { Keys: ['Amazon Bedrock', 'USE1-NovaPro-input-tokens'], Metrics: { UsageQuantity: { Amount: '3729750', Unit: 'tokens' }, UnblendedCost: { Amount: '2.98380', Unit: 'USD' } } },
        { Keys: ['Amazon Bedrock', 'USE1-NovaPro-output-tokens'], Metrics: { UsageQuantity: { Amount: '890200', Unit: 'tokens' }, UnblendedCost: { Amount: '2.84864', Unit: 'USD' } } },
        { Keys: ['Amazon Bedrock', 'USE1-ProvisionedThroughput-ModelUnits'], Metrics: { UsageQuantity: { Amount: '24', Unit: 'Hrs' }, UnblendedCost: { Amount: '480', Unit: 'USD' } } },
        // Marketplace "Units" of undocumented size: tokens from cost at the in-region rate ($3.30 / $16.50 per million).
        { Keys: ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_InputTokenCount-Units'], Metrics: { UsageQuantity: { Amount: '6480.6', Unit: 'Units' }, UnblendedCost: { Amount: '21.38598', Unit: 'USD' } } },
        { Keys: ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units'], Metrics: { UsageQuantity: { Amount: '1195.32', Unit: 'Units' }, UnblendedCost: { Amount: '19.72278', Unit: 'USD' } } },
        // A model the book has no price for: uncounted, and said so.
        { Keys: ['Claude Opus 9 (Amazon Bedrock Edition)', 'USE1-MP:USE1_input_tokens_standard-Units'], Metrics: { UsageQuantity: { Amount: '10', Unit: 'Units' }, UnblendedCost: { Amount: '5', Unit: 'USD' } } },
      ],
      Estimated: true,
    },
  ],
};

const book = parsePriceBook({
  currency: 'USD',
  models: [{ provider: 'aws', model: 'Claude Sonnet 4.5', effectiveFrom: '2025-09-29', source: 'test', perMillionTokens: { input: '3', cachedInput: '0.30', cacheWrite5m: '3.75', cacheWrite1h: '6', output: '15' }, tiers: { batch: { multiplier: '0.5' } } }],
  geo: [{ provider: 'aws', geo: 'regional', effectiveFrom: '2025-01-01', multiplier: '1.1', source: 'test' }],
});
const ctx = { source: 'aws-bedrock-usage', billingAccountId: '999988887777', rate: priceBookBedrockRate(book) };

describe('Bedrock usage from Cost Explorer', () => {
  it('recognises first-party and Marketplace Bedrock services, and nothing else', () => {
    expect(isBedrockService('Amazon Bedrock')).toBe(true);
    expect(isBedrockService('Claude 3 Haiku (Amazon Bedrock Edition)')).toBe(true);
    expect(isBedrockService('Amazon SageMaker')).toBe(false);
  });

  it('asks one query: usage quantity by service and usage type, for the Bedrock services found only', () => {
    expect(bedrockUsageQuery({ start: '2026-10-01', end: '2026-10-03' }, ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'Amazon Bedrock'])).toMatchObject({
      Metrics: ['UsageQuantity', 'UnblendedCost'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
      Filter: { Dimensions: { Key: 'SERVICE', Values: ['Amazon Bedrock', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)'] } },
    });
  });

  it('reads token kinds and price modifiers from both Marketplace naming styles, first-party and mantle usage types', () => {
    const read = (u: string) => {
      const m = bedrockMeterOf(u);
      return m && [m.kind, m.global ? 'global' : 'regional', ...(m.batch ? ['batch'] : []), ...(m.longContext ? ['long'] : []), ...(m.tier ? [m.tier] : [])].join(' ');
    };
    expect(
      Object.fromEntries(
        [
          // CamelCase, up to Claude 4.6
          'USE1-MP:USE1_InputTokenCount-Units',
          'USE1-MP:USE1_OutputTokenCount_Global-Units',
          'USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units',
          'USE2-MP:USE2_CacheWriteInputTokenCount-Units',
          'USE1-MP:USE1_CacheReadInputTokenCount_Global-Units',
          'USE1-MP:USE1_MillionBatchInputTokens-Units',
          'USE1-MP:USE1_InputTokenCount_Global_Batch-Units',
          // snake_case, from Claude 4.7
          'USE1-MP:USE1_input_tokens_standard-Units',
          'USE1-MP:USE1_output_tokens_global_standard-Units',
          'USE1-MP:USE1_cache_read_tokens_standard-Units',
          'USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units',
          'USE1-MP:USE1_output_tokens_long_ctx_standard-Units',
          'USE1-MP:USE1_input_tokens_batch-Units',
          // first-party and mantle
          'USE1-NovaPro-input-tokens-latency-optimized',
          'USE1-Llama3-1-405B-output-tokens-batch',
          'USE1-openai.gpt-5.5-mantle-cache_read-tokens-standard',
          'USE1-openai.gpt-oss-120b-mantle-cache-write-tokens-5m-long-ctx-flex',
          'USE1-Claude4Sonnet-input-tokens-cross-region-global-batch',
          'USE1-Claude3Sonnet-cache-read-input-token-count',
          'USE1-ProvisionedThroughput-ModelUnits',
        ].map((u) => [u, read(u)]),
      ),
    ).toEqual({
      'USE1-MP:USE1_InputTokenCount-Units': 'input regional',
      'USE1-MP:USE1_OutputTokenCount_Global-Units': 'output global',
      'USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units': 'cacheWrite1h global',
      'USE2-MP:USE2_CacheWriteInputTokenCount-Units': 'cacheWrite5m regional',
      'USE1-MP:USE1_CacheReadInputTokenCount_Global-Units': 'cachedInput global',
      'USE1-MP:USE1_MillionBatchInputTokens-Units': 'input regional batch',
      'USE1-MP:USE1_InputTokenCount_Global_Batch-Units': 'input global batch',
      'USE1-MP:USE1_input_tokens_standard-Units': 'input regional',
      'USE1-MP:USE1_output_tokens_global_standard-Units': 'output global',
      'USE1-MP:USE1_cache_read_tokens_standard-Units': 'cachedInput regional',
      'USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units': 'cacheWrite1h global',
      'USE1-MP:USE1_output_tokens_long_ctx_standard-Units': 'output regional long',
      'USE1-MP:USE1_input_tokens_batch-Units': 'input regional batch',
      'USE1-NovaPro-input-tokens-latency-optimized': 'input regional latency-optimized',
      'USE1-Llama3-1-405B-output-tokens-batch': 'output regional batch',
      'USE1-openai.gpt-5.5-mantle-cache_read-tokens-standard': 'cachedInput regional',
      'USE1-openai.gpt-oss-120b-mantle-cache-write-tokens-5m-long-ctx-flex': 'cacheWrite5m regional long flex',
      'USE1-Claude4Sonnet-input-tokens-cross-region-global-batch': 'input global batch',
      'USE1-Claude3Sonnet-cache-read-input-token-count': 'cachedInput regional',
      'USE1-ProvisionedThroughput-ModelUnits': null,
    });
    expect(bedrockTokenType('USW2-MP:USW2_output_tokens_standard-Units')).toBe('output');
  });

  it('names first-party models from their usage type, mantle ones included', () => {
    expect(firstPartyModelOf('USE1-NovaPro-input-tokens')).toBe('NovaPro');
    expect(firstPartyModelOf('USE1-openai.gpt-5.5-mantle-cache_read-tokens-standard')).toBe('openai.gpt-5.5');
    expect(firstPartyModelOf('USE1-Llama3-1-405B-output-tokens-batch')).toBe('Llama3-1-405B');
  });

  it('trusts a usage unit only where it names tokens; Marketplace "Units" are not documented', () => {
    expect([tokensPerUnit('tokens'), tokensPerUnit('1K tokens'), tokensPerUnit('1M tokens'), tokensPerUnit('Units'), tokensPerUnit('N/A')]).toEqual([1, 1_000, 1_000_000, null, null]);
  });

  it('prices a meter from the book: global as listed, in-region 1.1x, batch at its multiplier; long context and tiers not at all', () => {
    const rate = priceBookBedrockRate(book);
    const at = (u: string) => rate('Claude Sonnet 4.5', '2026-10-01', bedrockMeterOf(u)!)?.toFixed();
    expect(at('USE1-MP:USE1_InputTokenCount_Global-Units')).toBe('3');
    expect(at('USE1-MP:USE1_InputTokenCount-Units')).toBe('3.3');
    expect(at('USE1-MP:USE1_OutputTokenCount_Global_Batch-Units')).toBe('7.5');
    expect(at('USE1-MP:USE1_output_tokens_long_ctx_standard-Units')).toBeUndefined();
    expect(rate('Claude Opus 9', '2026-10-01', bedrockMeterOf('USE1-MP:USE1_input_tokens_standard-Units')!)).toBeUndefined();
  });

  it('splits whole numbers by weight without losing or inventing one', () => {
    expect(splitInteger(10, [new Big(1), new Big(1), new Big(1)])).toEqual([4, 3, 3]);
    expect(splitInteger(7, [new Big('0.5'), new Big('0')])).toEqual([7, 0]);
    expect(splitInteger(5, [])).toEqual([]);
  });

  it('apportions a service’s tokens to teams by their share of its cost that day; the unallocated share stays out of team lines', () => {
    const [day] = mapBedrockUsage([page], { start: '2026-10-01', end: '2026-10-02' }, ctx).days;
    const service = 'Claude Sonnet 4.5 (Amazon Bedrock Edition)';
    const costs = [
      awsRecord({ tags: { team: 'search' }, serviceName: service, model: 'Claude Sonnet 4.5', cost: '30' }),
      awsRecord({ tags: { team: 'payments' }, serviceName: service, model: 'Claude Sonnet 4.5', cost: '10' }),
      awsRecord({ subAccountId: '444455556666', serviceName: service, model: 'Claude Sonnet 4.5', cost: '10' }),
    ];
    const cb = buildChargeback(costs, testConfig(), '2026-10', '2026-10-20', { usage: day!.records });
    const line = (team: string) => cb.teams.find((t) => t.team === team)!.lines.find((l) => l.service === service)!;
    expect(line('search').tokens).toMatchObject({ input: 3888360, output: 717192 }); // 60 %
    expect(line('payments').tokens).toMatchObject({ input: 1296120, output: 239064 }); // 20 %
    expect(line('search').unitCosts.perMillionTokens).toBe('6.5139'); // $30 over 4,605,552 tokens
    expectBooksBalance(cb);
  });

  it('maps the recorded Bedrock page with the bundled price book: Marketplace tokens derived from cost, the long-context meter not counted', () => {
    const request = fixture<{ TimePeriod: { Start: string; End: string } }>('cost-explorer/bedrock-usage.request.json');
    const window = { start: request.TimePeriod.Start, end: request.TimePeriod.End };
    const mapped = mapBedrockUsage([fixture('cost-explorer/bedrock-usage.page1.json')], window, { ...ctx, rate: priceBookBedrockRate(bundledPriceBook) });
    expectGolden('cost-explorer/bedrock-usage.records.golden.json', mapped);
    // Opus 4.7: $10 of global input at $5/M, $13.75 of in-region output at $27.50/M (1.1 x $25).
    const opus = mapped.days[0]!.records.find((r) => r.model === 'Claude Opus 4.7')!;
    expect(opus.tokens).toMatchObject({ input: 2_000_000, output: 500_000 });
    expect(mapped.uncounted).toEqual(['Claude Opus 4.7 USE1-MP:USE1_output_tokens_long_ctx_standard-Units (Units)']);
  });
});
