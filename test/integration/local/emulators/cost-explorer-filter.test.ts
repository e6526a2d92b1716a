import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { afterEach, describe, expect, it } from 'vitest';
import { startCostExplorerServer } from '../../../../local/emulators/cost-explorer-server';
import type { Ledger, LedgerLineItem } from '../../../../local/sample/ledger';
import { clientFor, destroyClients, expectError } from './cost-explorer-harness';

afterEach(destroyClients);

describe('a Tags filter on the empty value, whose answer Cost Explorer does not document', () => {
  const line = (tags: Record<string, string>, cost: string): LedgerLineItem => ({
    date: '2026-10-01',
    account: '111122223333',
    service: 'Amazon S3',
    usageType: 'USE1-TimedStorage-ByteHrs',
    region: 'us-east-1',
    recordType: 'Usage',
    tags,
    unblendedCost: cost,
    amortizedCost: cost,
    usageQuantity: '1',
    usageUnit: 'GB-Mo',
  });
  const ledger: Ledger = { organization: 'test', finalizedThrough: '2026-09-30', accounts: {}, lineItems: [line({}, '1'), line({ team: '' }, '2'), line({ team: 'search' }, '4')] };
  const emptyValue = (client: CostExplorerClient) =>
    client.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-10-01', End: '2026-10-02' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        Filter: { Tags: { Key: 'team', Values: [''], MatchOptions: ['EQUALS'] } },
      }),
    );

  it('is refused by default, with a ValidationException naming the field, the strictest plausible answer', async () => {
    const server = await startCostExplorerServer({ ledger });
    try {
      const error = await expectError(emptyValue(clientFor(server, 1)), 'ValidationException');
      expect(error.message).toContain('Filter.Tags.Values: the empty value is not a valid tag value');
    } finally {
      await server.close();
    }
  });

  it('matches nothing, or only the lines with the key and an empty value, as configured; never the untagged ones', async () => {
    for (const [answer, expected] of [['match-nothing', '0'], ['match-empty', '2']] as const) {
      const server = await startCostExplorerServer({ ledger, emptyTagValues: answer });
      try {
        const page = await emptyValue(clientFor(server, 1));
        expect(page.ResultsByTime![0]!.Total!.UnblendedCost!.Amount, answer).toBe(expected);
      } finally {
        await server.close();
      }
    }
  });
});
