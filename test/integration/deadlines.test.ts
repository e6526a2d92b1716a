import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCostExplorerServer, type CostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startFaultProxy, type FaultProxy } from '../../local/emulators/fault-proxy';
import { startOpenAiServer, type OpenAiServer } from '../../local/emulators/openai-server';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { sampleProviderLedger } from '../../local/sample/sample-provider-ledger';
import type { BillingSource, Log } from '../../functions/ports/ports';
import { bundledPriceBook } from '../../functions/domain/pricing/bundled-price-book';
import { buildSources, createClients, type AwsClients } from '../../functions/app/compose';
import { SOURCE_IDS } from '../../functions/lib/source-ids';
import { CostExplorerDeadlineError, CostExplorerSource } from '../../functions/sources/cost-explorer/cost-explorer-source';
import { ingestBilling, type IngestDeps } from '../../functions/use-cases/ingest-billing';
import { testConfig } from '../support/config';
import { TEST_CREDENTIALS } from '../support/local-aws';
import { MemoryIngestionState, MemoryPublisher, MemoryRecords } from '../support/memory';

/**
 * A run against servers that stall: each ends at its deadline, far below every timeout of the clients
 * (30 s), names the source that could not finish, and leaves what was stored unchanged. The deadline is
 * 2.5 s; the bounds are generous (a shared machine) and far from the test timeout.
 */
const DEADLINE_MS = 2500;
const ADMIN_KEY = 'sk-admin-LOCALdeadlineTEST000000001';
const WINDOW = { start: '2026-10-01', end: '2026-10-04' };
const NOW = new Date('2026-10-05T06:00:00Z');
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

let ce: CostExplorerServer;
let openai: OpenAiServer;
let ceProxy: FaultProxy;
let openaiProxy: FaultProxy;
let clients: AwsClients;
let deps: IngestDeps;
let records: MemoryRecords;

beforeAll(async () => {
  ce = await startCostExplorerServer({ ledger: sampleLedger() });
  openai = await startOpenAiServer({ ledger: sampleProviderLedger().openai, adminKey: ADMIN_KEY });
  ceProxy = await startFaultProxy({ target: ce.url });
  openaiProxy = await startFaultProxy({ target: openai.url });
  clients = createClients({ region: 'us-east-1', endpoints: { costExplorer: ceProxy.url }, loopbackCredentials: TEST_CREDENTIALS });
  const config = testConfig({ sources: { aws: { enabled: true, costMetric: 'AmortizedCost', billingAccountId: '999988887777' }, openai: { enabled: true } } });
  records = new MemoryRecords();
  deps = {
    sources: buildSources(config, clients, { secret: () => async () => ADMIN_KEY, baseUrls: { openai: openaiProxy.url }, usageBucketWidth: '1d' }).filter((s) => s.kind === 'cost'),
    records,
    usage: new MemoryRecords(),
    state: new MemoryIngestionState(),
    alerts: new MemoryPublisher(),
    clock: { now: () => NOW },
    config,
    log: silent,
  };
  // A clean run first: what a stalled run must leave as it was.
  const clean = await ingestBilling(deps, { window: WINDOW });
  expect(clean.outcomes.map((o) => [o.source, o.ok])).toEqual([
    ['aws-cost-explorer', true],
    ['openai-costs', true],
  ]);
  expect(records.rows.size).toBeGreaterThan(0);
});
afterAll(async () => {
  for (const client of Object.values(clients)) client.destroy();
  await Promise.all([ceProxy.close(), openaiProxy.close(), ce.close(), openai.close()]);
});

/** What is stored for one source, as a comparable copy. */
const rowsOf = (source: string) => structuredClone([...records.rows.values()].filter((r) => r.source === source).sort((a, b) => (a.id < b.id ? -1 : 1)));

const cases = [
  { source: 'aws-cost-explorer', proxy: () => ceProxy, message: /^Cost Explorer tagged query, page 1: stopped at the run's deadline, waiting for an answer$/ },
  { source: 'openai-costs', proxy: () => openaiProxy, message: /^OpenAI GET \/v1\/organization\/costs stopped at the run's deadline, waiting for an answer$/ },
] as const;

describe('every run ends by its deadline', () => {
  for (const { source, proxy, message } of cases) {
    for (const stall of ['stall-headers', 'stall-body'] as const) {
      it(`${source}: a server that ${stall === 'stall-headers' ? 'never sends headers' : 'stalls mid-body'} fails that source at the deadline, naming it, and stores nothing`, async () => {
        // Prepare
        const before = rowsOf(source);
        const remove = proxy().inject({ kind: stall });
        try {
          // Act
          const started = Date.now();
          const summary = await ingestBilling(deps, { window: WINDOW, deadline: started + DEADLINE_MS });
          const elapsed = Date.now() - started;
          console.info(`${source}, ${stall}: the run ended after ${elapsed} ms (deadline ${DEADLINE_MS} ms)`);
          // Assess
          const failed = summary.outcomes.find((o) => o.source === source);
          expect(failed).toMatchObject({ source, ok: false });
          expect(failed && !failed.ok && failed.error).toMatch(message);
          expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
          expect(elapsed).toBeLessThan(DEADLINE_MS + 5000);
          expect(rowsOf(source)).toEqual(before);
        } finally {
          remove();
        }
      });
    }
  }

  it('a Retry-After past the deadline fails OpenAI at once, with the reason, and stores nothing', async () => {
    const before = rowsOf('openai-costs');
    const remove = openaiProxy.inject({ kind: 'http-429', retryAfterSeconds: 900 });
    try {
      const started = Date.now();
      const summary = await ingestBilling(deps, { window: WINDOW, deadline: started + 60_000 });
      expect(Date.now() - started).toBeLessThan(10_000);
      const failed = summary.outcomes.find((o) => o.source === 'openai-costs');
      expect(failed && !failed.ok && failed.error).toMatch(/^OpenAI GET \/v1\/organization\/costs: OpenAI asked to retry after 900 s, past the run's deadline \(HTTP 429: /);
      expect(rowsOf('openai-costs')).toEqual(before);
    } finally {
      remove();
    }
  });

  it('a Cost Explorer request is not sent once the deadline has passed', async () => {
    const sent = ceProxy.requests.length;
    const summary = await ingestBilling(deps, { window: WINDOW, deadline: Date.now() - 1 });
    const failed = summary.outcomes.find((o) => o.source === 'aws-cost-explorer');
    expect(failed && !failed.ok && failed.error).toBe("Cost Explorer tagged query, page 1: not sent, no time left before the run's deadline");
    expect(ceProxy.requests.length).toBe(sent);
  });

  it("Cost Explorer's own daily totals, asked when a shrink is suspected, stop at the deadline too, and are not asked past it", async () => {
    // Prepare: the run's Cost Explorer source, and a server that never answers.
    const source = deps.sources.find((s): s is BillingSource => s.kind === 'cost' && s.id === SOURCE_IDS.aws)!;
    const remove = ceProxy.inject({ kind: 'stall-headers' });
    try {
      // Act
      const stalled = await source.dailyTotals!(WINDOW, { now: NOW, deadline: Date.now() + 500 }).catch((e: unknown) => e);
      // Assess: ended by the deadline, not by the client's own timeouts (30 s, retried).
      expect(stalled).toBeInstanceOf(CostExplorerDeadlineError);
      expect((stalled as Error).message).toBe("Cost Explorer daily total query, page 1: stopped at the run's deadline, waiting for an answer");
    } finally {
      remove();
    }
    const sent = ceProxy.requests.length;
    await expect(source.dailyTotals!(WINDOW, { now: NOW, deadline: Date.now() - 1 })).rejects.toThrow("Cost Explorer daily total query, page 1: not sent, no time left before the run's deadline");
    expect(ceProxy.requests.length).toBe(sent);
  });
});

describe('the SDK clients time out on their own, without a deadline', () => {
  for (const stall of ['stall-headers', 'stall-body'] as const) {
    it(`a Cost Explorer server that ${stall === 'stall-headers' ? 'never sends headers' : 'stalls mid-body'} fails the request after the SDK's bounded retries`, async () => {
      // Prepare: 0.4 s timeouts (the defaults are 30 s), every request stalled.
      const short = createClients({ region: 'us-east-1', endpoints: { costExplorer: ceProxy.url }, loopbackCredentials: TEST_CREDENTIALS, timeouts: { connectMs: 400, headersMs: 400, idleMs: 400 } });
      const source = new CostExplorerSource(short.costExplorer, { tagKey: 'team', costMetric: 'AmortizedCost', billingAccountId: '999988887777', priceBook: bundledPriceBook });
      const sent = ceProxy.requests.length;
      const remove = ceProxy.inject({ kind: stall });
      try {
        // Act
        const started = Date.now();
        const error = await source.pull(WINDOW, { now: NOW }).catch((e: unknown) => e as Error);
        const elapsed = Date.now() - started;
        console.info(`Cost Explorer client alone, ${stall}: failed after ${elapsed} ms and ${ceProxy.requests.length - sent} attempts`);
        // Assess: every attempt timed out (the SDK retried each), and the whole call stayed short.
        expect((error as Error).name).toBe('TimeoutError');
        expect(ceProxy.requests.length - sent).toBe(6);
        expect(elapsed).toBeLessThan(20_000);
      } finally {
        remove();
        for (const client of Object.values(short)) client.destroy();
      }
    });
  }
});
