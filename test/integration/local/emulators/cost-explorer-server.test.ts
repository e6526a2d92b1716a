import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
} from '@aws-sdk/client-cost-explorer';
import Big from 'big.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCostExplorerServer, type CostExplorerServer } from '../../../../local/emulators/cost-explorer-server';
import type { Ledger, LedgerLineItem } from '../../../../local/sample/ledger';
import { sampleLedger } from '../../../../local/sample/sample-ledger';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/cost-explorer/', import.meta.url));
const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as T;

const clients: CostExplorerClient[] = [];
function clientFor(server: CostExplorerServer, maxAttempts?: number): CostExplorerClient {
  const client = new CostExplorerClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
  clients.push(client);
  return client;
}
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

/** Sends the request and follows NextPageToken to the end; returns every page. */
async function allPages(client: CostExplorerClient, input: GetCostAndUsageCommandInput): Promise<GetCostAndUsageCommandOutput[]> {
  const pages: GetCostAndUsageCommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) }));
    pages.push(page);
    token = page.NextPageToken;
  } while (token);
  return pages;
}

/**
 * Puts a page in a comparable form: drops the SDK's `$metadata`, replaces a NextPageToken's value by a marker (its
 * presence matters, its value is opaque) and rewrites every `Amount` in big.js canonical form, so two amounts compare
 * equal exactly when `Big(a).eq(b)` ("31.2" and "31.2000000000" are the same amount).
 */
function comparable(page: unknown): unknown {
  const walk = (value: unknown, key?: string): unknown => {
    if (key === 'Amount' && typeof value === 'string') return new Big(value).toFixed();
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k === '$metadata' || v === undefined) continue;
        out[k] = k === 'NextPageToken' ? (typeof v === 'string' && v.length > 0 ? '<token>' : v) : walk(v, k);
      }
      return out;
    }
    return value;
  };
  return walk(page);
}

/** Asserts the SDK call rejects with an error of this name (and returns it for further checks). */
async function expectError(promise: Promise<unknown>, name: string): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `expected a ${name}`).toBeInstanceOf(Error);
  expect(error!.name).toBe(name);
  return error as Error & { $metadata?: { httpStatusCode?: number } };
}

function line(partial: Partial<LedgerLineItem> & Pick<LedgerLineItem, 'date' | 'unblendedCost'>): LedgerLineItem {
  return {
    account: '111122223333',
    service: 'Amazon DynamoDB',
    usageType: 'USE1-TimedStorage-ByteHrs',
    region: 'us-east-1',
    recordType: 'Usage',
    tags: {},
    amortizedCost: partial.unblendedCost,
    usageQuantity: '1',
    usageUnit: 'GB-Mo',
    ...partial,
  };
}

/** A small ledger around a month boundary, with amounts that go wrong in floating point (0.1 + 0.2). */
const boundaryLedger: Ledger = {
  organization: 'boundary',
  finalizedThrough: '2026-09-30',
  accounts: { '111122223333': 'payments-prod', '222233334444': 'data-prod' },
  lineItems: [
    line({ date: '2026-09-14', unblendedCost: '1000' }), // before the window
    line({ date: '2026-09-15', unblendedCost: '0.1', amortizedCost: '0.05', usageQuantity: '2.5', usageUnit: 'Hrs', tags: { team: 'payments' } }),
    line({ date: '2026-09-30', unblendedCost: '0.2', amortizedCost: '0.05', usageQuantity: '1', usageUnit: 'GB-Mo', netUnblendedCost: '0.15' }),
    line({ date: '2026-10-01', unblendedCost: '0.0000000001', account: '222233334444', service: 'AWS Glue', tags: { team: 'data' } }),
    line({ date: '2026-10-31', unblendedCost: '2.5', account: '222233334444', service: 'AWS Glue' }),
    line({ date: '2026-10-31', unblendedCost: '-0.5', recordType: 'Credit' }),
    line({ date: '2026-11-01', unblendedCost: '1000' }), // End is exclusive
  ],
};

describe('local Cost Explorer against the recorded fixtures (real CostExplorerClient)', () => {
  let server: CostExplorerServer;
  beforeAll(async () => {
    server = await startCostExplorerServer({ ledger: fixture<Ledger>('ledger.json'), pageSize: 3 });
  });
  afterAll(() => server.close());

  it('pages tag × service DAILY results exactly as the recorded pages, 3 groups per page, token only on the first', async () => {
    // Prepare
    const client = clientFor(server);
    const request = fixture<GetCostAndUsageCommandInput>('tag-service-daily.request.json');

    // Act
    const pages = await allPages(client, request);

    // Assess
    expect(pages).toHaveLength(2);
    expect(comparable(pages[0])).toEqual(comparable(fixture('tag-service-daily.page1.json')));
    expect(comparable(pages[1])).toEqual(comparable(fixture('tag-service-daily.page2.json')));
    expect(pages[0]!.NextPageToken).toEqual(expect.any(String));
    expect(pages[1]!.NextPageToken).toBeUndefined();
  });

  it('answers a Tags ABSENT filter grouped by account × service as the recorded page, naming the accounts', async () => {
    const client = clientFor(server);
    const request = fixture<GetCostAndUsageCommandInput>('untagged-account-service.request.json');

    const pages = await allPages(client, request);

    expect(pages).toHaveLength(1);
    expect(comparable(pages[0])).toEqual(comparable(fixture('untagged-account-service.page1.json')));
  });

  it('is found by a CostExplorerClient configured only through AWS_ENDPOINT_URL_COST_EXPLORER', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_COST_EXPLORER;
    process.env.AWS_ENDPOINT_URL_COST_EXPLORER = server.url;
    try {
      const client = new CostExplorerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      clients.push(client);

      const page = await client.send(new GetCostAndUsageCommand(fixture<GetCostAndUsageCommandInput>('untagged-account-service.request.json')));

      expect(comparable(page)).toEqual(comparable(fixture('untagged-account-service.page1.json')));
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_COST_EXPLORER;
      else process.env.AWS_ENDPOINT_URL_COST_EXPLORER = saved;
    }
  });

  it('records every request body it receives, parsed', async () => {
    const client = clientFor(server);
    const before = server.requests.length;
    const request = fixture<GetCostAndUsageCommandInput>('untagged-account-service.request.json');

    await client.send(new GetCostAndUsageCommand(request));

    expect(server.requests.slice(before)).toEqual([request]);
  });

  it("splits a period's groups across pages and joining the pages gives back the one-page answer", async () => {
    const small = await startCostExplorerServer({ ledger: fixture<Ledger>('ledger.json'), pageSize: 2 });
    const whole = await startCostExplorerServer({ ledger: fixture<Ledger>('ledger.json') });
    try {
      const request = fixture<GetCostAndUsageCommandInput>('tag-service-daily.request.json');

      const pages = await allPages(clientFor(small), request);
      const [single] = await allPages(clientFor(whole), request);

      // 5 groups, 2 per page: day 1 = 2 | 1 + day 2 = 1 | 1.
      expect(pages.map((p) => p.ResultsByTime!.map((r) => [r.TimePeriod!.Start, r.Groups!.length]))).toEqual([
        [['2026-10-01', 2]],
        [
          ['2026-10-01', 1],
          ['2026-10-02', 1],
        ],
        [['2026-10-02', 1]],
      ]);
      const joined = new Map<string, unknown[]>();
      for (const result of pages.flatMap((p) => p.ResultsByTime!)) {
        joined.set(result.TimePeriod!.Start!, [...(joined.get(result.TimePeriod!.Start!) ?? []), ...result.Groups!]);
      }
      expect([...joined.values()]).toEqual(single!.ResultsByTime!.map((r) => r.Groups));
    } finally {
      await Promise.all([small.close(), whole.close()]);
    }
  });

  it('rejects an unknown page token with InvalidNextTokenException and a token replayed on another request with RequestChangedException', async () => {
    const client = clientFor(server);
    const request = fixture<GetCostAndUsageCommandInput>('tag-service-daily.request.json');
    const first = await client.send(new GetCostAndUsageCommand(request));

    await expectError(client.send(new GetCostAndUsageCommand({ ...request, NextPageToken: 'not-a-token' })), 'InvalidNextTokenException');
    await expectError(
      client.send(new GetCostAndUsageCommand({ ...request, Metrics: ['UnblendedCost'], NextPageToken: first.NextPageToken })),
      'RequestChangedException',
    );
  });
});

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

describe('local Cost Explorer fault injection', () => {
  let server: CostExplorerServer;
  beforeAll(async () => {
    server = await startCostExplorerServer({ ledger: fixture<Ledger>('ledger.json'), pageSize: 3 });
  });
  afterAll(() => server.close());
  const request = () => fixture<GetCostAndUsageCommandInput>('untagged-account-service.request.json');
  const throttle = {
    status: 400,
    body: JSON.stringify({ __type: 'com.amazonaws.costexplorer#LimitExceededException', message: 'You have exceeded the rate limit.' }),
  };

  it('serves failNext faults first: two LimitExceededException are retried by the SDK, then the real page arrives', async () => {
    const client = clientFor(server, 3);
    const before = server.requests.length;
    server.failNext(2, throttle);

    const page = await client.send(new GetCostAndUsageCommand(request()));

    expect(page.$metadata.attempts).toBe(3);
    expect(server.requests.length - before).toBe(3);
    expect(comparable(page)).toEqual(comparable(fixture('untagged-account-service.page1.json')));
  });

  it('surfaces LimitExceededException once the SDK runs out of attempts', async () => {
    const client = clientFor(server, 2);
    server.failNext(2, throttle);

    const error = await expectError(client.send(new GetCostAndUsageCommand(request())), 'LimitExceededException');

    expect(error.$metadata?.attempts).toBe(2);
  });

  it('can serve a raw malformed 200 page, which the client fails to parse', async () => {
    const client = clientFor(server, 1);
    server.failNext(1, { status: 200, body: '{"ResultsByTime": [' });

    await expect(client.send(new GetCostAndUsageCommand(request()))).rejects.toThrow();
    // The fault is consumed: the next call is answered from the ledger again.
    await expect(client.send(new GetCostAndUsageCommand(request()))).resolves.toMatchObject({ ResultsByTime: expect.any(Array) });
  });
});

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
