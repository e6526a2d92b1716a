import { GetCostAndUsageCommand, GetCostForecastCommand, type GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import Big from 'big.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCostExplorerServer, type CostExplorerServer } from '../../../../local/emulators/cost-explorer-server';
import type { Ledger } from '../../../../local/sample/ledger';
import { sampleLedger } from '../../../../local/sample/sample-ledger';
import { allPages, boundaryLedger, clientFor, comparable, destroyClients, expectError, fixture, line } from './cost-explorer-harness';

afterEach(destroyClients);

describe('local Cost Explorer GetCostAndUsage semantics', () => {
  let server: CostExplorerServer;
  beforeAll(async () => {
    server = await startCostExplorerServer({ ledger: boundaryLedger });
  });
  afterAll(() => server.close());

  it('MONTHLY returns one result per calendar month clipped to the window, sums exactly in Total, estimated after finalizedThrough', async () => {
    const client = clientFor(server);

    const page = await client.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-09-15', End: '2026-11-01' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost', 'AmortizedCost', 'NetUnblendedCost', 'NetAmortizedCost', 'BlendedCost'],
      }),
    );

    expect(comparable(page)).toEqual({
      GroupDefinitions: [],
      DimensionValueAttributes: [],
      ResultsByTime: [
        {
          TimePeriod: { Start: '2026-09-15', End: '2026-10-01' },
          Total: {
            UnblendedCost: { Amount: '0.3', Unit: 'USD' }, // 0.1 + 0.2, not 0.30000000000000004
            AmortizedCost: { Amount: '0.1', Unit: 'USD' },
            NetUnblendedCost: { Amount: '0.25', Unit: 'USD' }, // 0.1 gross (no net given) + 0.15 net
            NetAmortizedCost: { Amount: '0.1', Unit: 'USD' },
            BlendedCost: { Amount: '0.3', Unit: 'USD' },
          },
          Groups: [],
          Estimated: false,
        },
        {
          TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
          Total: {
            UnblendedCost: { Amount: '2.0000000001', Unit: 'USD' }, // the credit counts: 0.0000000001 + 2.5 - 0.5
            AmortizedCost: { Amount: '2.0000000001', Unit: 'USD' },
            NetUnblendedCost: { Amount: '2.0000000001', Unit: 'USD' },
            NetAmortizedCost: { Amount: '2.0000000001', Unit: 'USD' },
            BlendedCost: { Amount: '2.0000000001', Unit: 'USD' },
          },
          Groups: [],
          Estimated: true,
        },
      ],
    });
  });

  it('MONTHLY clips the last month at an End inside it (End exclusive)', async () => {
    const client = clientFor(server);

    const page = await client.send(
      new GetCostAndUsageCommand({ TimePeriod: { Start: '2026-10-01', End: '2026-10-31' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] }),
    );

    // Only 2026-10-01 is inside: the 10-31 lines (2.5 and the -0.5 credit) are not.
    expect(page.ResultsByTime!.map((r) => [r.TimePeriod, r.Total!.UnblendedCost!.Amount])).toEqual([
      [{ Start: '2026-10-01', End: '2026-10-31' }, '0.0000000001'],
    ]);
  });

  it('MONTHLY totals of the sample ledger equal its line items summed with big.js', async () => {
    const ledger = sampleLedger();
    const sample = await startCostExplorerServer({ ledger });
    try {
      const page = await clientFor(sample).send(
        new GetCostAndUsageCommand({ TimePeriod: { Start: '2026-09-01', End: '2026-11-01' }, Granularity: 'MONTHLY', Metrics: ['AmortizedCost'] }),
      );

      const expected = ['2026-09', '2026-10'].map((month) =>
        ledger.lineItems.filter((i) => i.date.startsWith(month)).reduce((sum, i) => sum.plus(i.amortizedCost), new Big(0)),
      );
      const totals = page.ResultsByTime!.map((r) => r.Total!.AmortizedCost!.Amount!);
      expect(totals).toHaveLength(2);
      totals.forEach((total, i) => expect(new Big(total).eq(expected[i]!), `${total} = ${expected[i]!.toFixed()}`).toBe(true));
      expect(page.ResultsByTime!.map((r) => r.Estimated)).toEqual([false, true]);
    } finally {
      await sample.close();
    }
  });

  it('DAILY lists every day of the window, days without spend included with empty Groups and Total {}', async () => {
    const client = clientFor(server);

    const page = await client.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-09-29', End: '2026-10-02' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      }),
    );

    expect(page.ResultsByTime!.map((r) => [r.TimePeriod!.Start, r.TimePeriod!.End, r.Groups!.length, r.Total, r.Estimated])).toEqual([
      ['2026-09-29', '2026-09-30', 0, {}, false],
      ['2026-09-30', '2026-10-01', 1, {}, false],
      ['2026-10-01', '2026-10-02', 1, {}, true],
    ]);
  });

  it('puts a period without groups on the page that is open when it comes up, never on a page of its own', async () => {
    const onePerPage = await startCostExplorerServer({ ledger: boundaryLedger, pageSize: 1 });
    try {
      const pages = await allPages(clientFor(onePerPage), {
        TimePeriod: { Start: '2026-09-29', End: '2026-10-03' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      });

      // 09-29 empty, 09-30 one group, 10-01 one group, 10-02 empty.
      expect(pages.map((p) => p.ResultsByTime!.map((r) => `${r.TimePeriod!.Start}:${r.Groups!.length}`))).toEqual([
        ['2026-09-29:0', '2026-09-30:1'],
        ['2026-10-01:1', '2026-10-02:0'],
      ]);
      expect(pages.map((p) => p.NextPageToken !== undefined)).toEqual([true, false]);
    } finally {
      await onePerPage.close();
    }
  });

  it('reads the ledger afresh on every first page, so a restated bill shows up on the next call', async () => {
    const ledger: Ledger = { ...boundaryLedger, lineItems: [...boundaryLedger.lineItems] };
    const restating = await startCostExplorerServer({ ledger });
    try {
      const client = clientFor(restating);
      const input: GetCostAndUsageCommandInput = { TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] };
      const before = await client.send(new GetCostAndUsageCommand(input));

      ledger.lineItems.push(line({ date: '2026-10-02', unblendedCost: '10' }));
      ledger.finalizedThrough = '2026-10-31';
      const after = await client.send(new GetCostAndUsageCommand(input));

      expect([before, after].map((p) => [p.ResultsByTime![0]!.Total!.UnblendedCost!.Amount, p.ResultsByTime![0]!.Estimated])).toEqual([
        ['2.0000000001', true],
        ['12.0000000001', false],
      ]);
    } finally {
      await restating.close();
    }
  });

  it('UsageQuantity sums quantities and reports Unit N/A when the units in a group are mixed', async () => {
    const client = clientFor(server);
    const input = { TimePeriod: { Start: '2026-09-15', End: '2026-10-01' }, Granularity: 'MONTHLY' as const, Metrics: ['UsageQuantity'] };

    const mixed = await client.send(new GetCostAndUsageCommand(input));
    const single = await client.send(new GetCostAndUsageCommand({ ...input, GroupBy: [{ Type: 'DIMENSION', Key: 'RECORD_TYPE' }, { Type: 'TAG', Key: 'team' }] }));

    expect(mixed.ResultsByTime![0]!.Total!.UsageQuantity).toEqual({ Amount: '3.5', Unit: 'N/A' });
    expect(single.ResultsByTime![0]!.Groups).toEqual([
      { Keys: ['Usage', 'team$'], Metrics: { UsageQuantity: { Amount: '1', Unit: 'GB-Mo' } } },
      { Keys: ['Usage', 'team$payments'], Metrics: { UsageQuantity: { Amount: '2.5', Unit: 'Hrs' } } },
    ]);
  });

  it('groups by TAG with "<key>$<value>" keys ("<key>$" when untagged) and by LINKED_ACCOUNT with account names', async () => {
    const client = clientFor(server);

    const page = await client.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }, { Type: 'TAG', Key: 'team' }],
      }),
    );

    expect(page.ResultsByTime![0]!.Groups!.map((g) => [g.Keys, g.Metrics!.UnblendedCost!.Amount])).toEqual([
      [['111122223333', 'team$'], '-0.5'],
      [['222233334444', 'team$'], '2.5'],
      [['222233334444', 'team$data'], '0.0000000001'],
    ]);
    expect(page.DimensionValueAttributes).toEqual([
      { Value: '111122223333', Attributes: { description: 'payments-prod' } },
      { Value: '222233334444', Attributes: { description: 'data-prod' } },
    ]);
  });

  it('filters with Not + And + Dimensions (values OR-ed) and Tags EQUALS / ABSENT', async () => {
    const client = clientFor(server);
    const total = async (Filter: GetCostAndUsageCommandInput['Filter']) => {
      const page = await client.send(
        new GetCostAndUsageCommand({ TimePeriod: { Start: '2026-09-15', End: '2026-11-01' }, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'], Filter }),
      );
      return page.ResultsByTime!.reduce((sum, r) => sum.plus(r.Total!.UnblendedCost!.Amount!), new Big(0)).toFixed();
    };

    // Everything in the window: 0.1 + 0.2 + 0.0000000001 + 2.5 - 0.5
    expect(await total(undefined)).toBe('2.3000000001');
    expect(await total({ Not: { Dimensions: { Key: 'RECORD_TYPE', Values: ['Credit', 'Refund'] } } })).toBe('2.8000000001');
    expect(
      await total({
        And: [
          { Not: { Dimensions: { Key: 'RECORD_TYPE', Values: ['Credit'] } } },
          { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['111122223333', '999999999999'] } },
        ],
      }),
    ).toBe('0.3');
    expect(await total({ Tags: { Key: 'team', Values: ['payments', 'data'] } })).toBe('0.1000000001');
    expect(await total({ Tags: { Key: 'team', MatchOptions: ['ABSENT'] } })).toBe('2.2');
    expect(await total({ Not: { Tags: { Key: 'team', MatchOptions: ['ABSENT'] } } })).toBe('0.1000000001');
    expect(await total({ Or: [{ Dimensions: { Key: 'SERVICE', Values: ['AWS Glue'] } }, { Tags: { Key: 'team', Values: ['payments'] } }] })).toBe('2.6000000001');
  });

  it.each([
    ['3 GroupBy keys', { GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'TAG', Key: 'team' }, { Type: 'DIMENSION', Key: 'REGION' }] }, /up to two/],
    ['a filter with more than one root', { Filter: { Dimensions: { Key: 'SERVICE', Values: ['AWS Glue'] }, Tags: { Key: 'team', Values: ['data'] } } }, /more than one roots/],
    ['HOURLY granularity (not opted in)', { Granularity: 'HOURLY' }, /[Hh]ourly/],
    ['an unknown metric', { Metrics: ['UnblendedCosts'] }, /metric/],
    ['Start not before End', { TimePeriod: { Start: '2026-10-01', End: '2026-10-01' } }, /before/],
    ['an unsupported dimension', { GroupBy: [{ Type: 'DIMENSION', Key: 'AZ' }] }, /AZ/],
  ])('rejects %s with a ValidationException', async (_, override, message) => {
    const client = clientFor(server);
    const input = { TimePeriod: { Start: '2026-10-01', End: '2026-10-03' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'], ...override } as GetCostAndUsageCommandInput;

    const error = await expectError(client.send(new GetCostAndUsageCommand(input)), 'ValidationException');

    expect(error.message).toMatch(message);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('answers any other operation with UnknownOperationException', async () => {
    const client = clientFor(server);

    await expectError(
      client.send(new GetCostForecastCommand({ TimePeriod: { Start: '2026-10-01', End: '2026-11-01' }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' })),
      'UnknownOperationException',
    );
  });
});

describe('the Bedrock usage query', () => {
  it('is answered as the recorded page: quantities in their own units beside the unblended cost, by service and usage type', async () => {
    const server = await startCostExplorerServer({ ledger: fixture<Ledger>('bedrock-ledger.json') });
    try {
      const pages = await allPages(clientFor(server), fixture<GetCostAndUsageCommandInput>('bedrock-usage.request.json'));
      expect(pages).toHaveLength(1);
      expect(comparable(pages[0])).toEqual(comparable(fixture('bedrock-usage.page1.json')));
    } finally {
      await server.close();
    }
  });
});
