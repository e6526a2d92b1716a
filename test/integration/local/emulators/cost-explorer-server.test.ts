import { CostExplorerClient, GetCostAndUsageCommand, type GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCostExplorerServer, type CostExplorerServer } from '../../../../local/emulators/cost-explorer-server';
import type { Ledger } from '../../../../local/sample/ledger';
import { allPages, clientFor, clients, comparable, destroyClients, expectError, fixture } from './cost-explorer-harness';

afterEach(destroyClients);

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
