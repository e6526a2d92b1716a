import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { buildChargeback, splitInteger } from '../../functions/domain/chargeback';
import { bedrockTokenType, bedrockUsageQuery, firstPartyModelOf, isBedrockService, mapBedrockUsage, tokensPerUnit } from '../../functions/sources/cost-explorer/bedrock-usage';
import { expectBooksBalance } from '../support/books';
import { testConfig } from '../support/config';
import { awsRecord } from '../support/records';

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
        { Keys: ['Amazon Bedrock', 'USE1-NovaPro-input-tokens'], Metrics: { UsageQuantity: { Amount: '3729750', Unit: 'tokens' } } },
        { Keys: ['Amazon Bedrock', 'USE1-NovaPro-output-tokens'], Metrics: { UsageQuantity: { Amount: '890200', Unit: 'tokens' } } },
        { Keys: ['Amazon Bedrock', 'USE1-ProvisionedThroughput-ModelUnits'], Metrics: { UsageQuantity: { Amount: '24', Unit: 'Hrs' } } },
        { Keys: ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_InputTokenCount-Units'], Metrics: { UsageQuantity: { Amount: '6480.6', Unit: 'Units' } } },
        { Keys: ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'USE1-MP:USE1_OutputTokenCount-Units'], Metrics: { UsageQuantity: { Amount: '1195.32', Unit: 'Units' } } },
      ],
      Estimated: true,
    },
  ],
};

describe('Bedrock usage from Cost Explorer', () => {
  it('recognises first-party and Marketplace Bedrock services, and nothing else', () => {
    expect(isBedrockService('Amazon Bedrock')).toBe(true);
    expect(isBedrockService('Claude 3 Haiku (Amazon Bedrock Edition)')).toBe(true);
    expect(isBedrockService('Amazon SageMaker')).toBe(false);
  });

  it('asks one query: usage quantity by service and usage type, for the Bedrock services found only', () => {
    expect(bedrockUsageQuery({ start: '2026-10-01', end: '2026-10-03' }, ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'Amazon Bedrock'])).toMatchObject({
      Metrics: ['UsageQuantity'],
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
      Filter: { Dimensions: { Key: 'SERVICE', Values: ['Amazon Bedrock', 'Claude Sonnet 4.5 (Amazon Bedrock Edition)'] } },
    });
  });

  it('reads token types and models from usage types, and refuses to guess unknown units', () => {
    expect(['USE1-NovaPro-input-tokens', 'USE1-MP:USE1_OutputTokenCount-Units', 'USW2-MP:USW2_output_tokens_standard-Units', 'USE1-Claude3Sonnet-cache-read-input-token-count'].map(bedrockTokenType)).toEqual(['input', 'output', 'output', 'cachedInput']);
    expect(bedrockTokenType('USE1-ProvisionedThroughput-ModelUnits')).toBeNull();
    expect(firstPartyModelOf('USE1-NovaPro-input-tokens')).toBe('NovaPro');
    expect(tokensPerUnit('USE1-MP:USE1_InputTokenCount-Units', 'Units')).toBe(1000);
    expect(tokensPerUnit('USE1-NovaPro-input-tokens', 'tokens')).toBe(1);
    expect(tokensPerUnit('USE1-NovaPro-input-tokens', 'N/A')).toBeNull();
  });

  it('maps the page to usage per day, service and model, to be apportioned by cost', () => {
    const [day] = mapBedrockUsage([page], { start: '2026-10-01', end: '2026-10-02' }, { source: 'aws-bedrock-usage', billingAccountId: '999988887777' });
    expect(day!.records.map((r) => [r.serviceName, r.model, r.tokens.input, r.tokens.output, r.apportionByCost])).toEqual([
      ['Amazon Bedrock', 'NovaPro', 3729750, 890200, true],
      ['Claude Sonnet 4.5 (Amazon Bedrock Edition)', 'Claude Sonnet 4.5', 6480600, 1195320, true],
    ]);
  });

  it('splits whole numbers by weight without losing or inventing one', () => {
    expect(splitInteger(10, [new Big(1), new Big(1), new Big(1)])).toEqual([4, 3, 3]);
    expect(splitInteger(7, [new Big('0.5'), new Big('0')])).toEqual([7, 0]);
    expect(splitInteger(5, [])).toEqual([]);
  });

  it('apportions a service’s tokens to teams by their share of its cost that day; the unallocated share stays out of team lines', () => {
    const [day] = mapBedrockUsage([page], { start: '2026-10-01', end: '2026-10-02' }, { source: 'aws-bedrock-usage', billingAccountId: '999988887777' });
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
});
