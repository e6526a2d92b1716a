import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer, type AnthropicServer } from '../../local/emulators/anthropic-server';
import { startCostExplorerServer, type CostExplorerServer } from '../../local/emulators/cost-explorer-server';
import { startFaultProxy, type Fault, type FaultProxy } from '../../local/emulators/fault-proxy';
import { startOpenAiServer, type OpenAiServer } from '../../local/emulators/openai-server';
import { startSnsServer, type SnsServer } from '../../local/emulators/sns-server';
import { sampleLedger } from '../../local/sample/sample-ledger';
import { sampleProviderLedger } from '../../local/sample/sample-provider-ledger';
import type { Log } from '../../functions/ports/ports';
import { dailyDeps } from '../../functions/app/compose';
import { ingestBilling, type IngestDeps } from '../../functions/use-cases/ingest-billing';
import { testConfig } from '../support/config';
import { startLocalAws, type LocalAws } from '../support/local-aws';

/**
 * Each source fault through the loopback fault proxy, against the real adapters and dynalite: a key revoked
 * mid-run, a page cut short, a page of the wrong shape, a connection reset, a server failing every request.
 * Each test says what is expected (the source fails, its error names the source, the request and the fault)
 * and checks that what was stored before the run is exactly what is stored after it,
 * every record of every source, day versions included. The stalls and a long Retry-After are in
 * deadlines.test.ts; an all-empty answer is the shrink guard's (shrink-guard.test.ts).
 */
const OPENAI_KEY = 'sk-admin-LOCALsourcefaults000001';
const ANTHROPIC_KEY = 'sk-ant-admin-LOCALsourcefaults01';
const WINDOW = { start: '2026-10-01', end: '2026-10-04' };
const NOW = new Date('2026-10-05T06:00:00Z');
/** Short, so a source that retries a failing server gives up quickly (the retries end at the deadline), yet long
 * enough on a loaded machine for the first answer to arrive: at 2 s the first request itself sometimes met it. */
const DEADLINE_MS = 4000;
const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

let aws: LocalAws;
let sns: SnsServer;
let ce: CostExplorerServer;
let openai: OpenAiServer;
let anthropic: AnthropicServer;
const proxies = {} as Record<'aws' | 'openai' | 'anthropic', FaultProxy>;
let deps: IngestDeps;

beforeAll(async () => {
  const books = sampleProviderLedger();
  sns = await startSnsServer();
  // Pages of 40 groups, so Cost Explorer's tagged query takes several pages (a fault can come mid-query).
  [ce, openai, anthropic] = await Promise.all([
    startCostExplorerServer({ ledger: sampleLedger(), pageSize: 40 }),
    startOpenAiServer({ ledger: books.openai, adminKey: OPENAI_KEY, now: () => NOW }),
    startAnthropicServer({ ledger: books.anthropic, adminKey: ANTHROPIC_KEY, now: () => NOW }),
  ]);
  proxies.aws = await startFaultProxy({ target: ce.url });
  proxies.openai = await startFaultProxy({ target: openai.url });
  proxies.anthropic = await startFaultProxy({ target: anthropic.url });
  aws = await startLocalAws({ sns: sns.url, costExplorer: proxies.aws.url });
  const config = testConfig({
    sources: {
      aws: { enabled: true, costMetric: 'AmortizedCost', billingAccountId: '999988887777' },
      openai: { enabled: true, organizationId: 'org-t' },
      anthropic: { enabled: true, organizationId: 'ant-t' },
    },
  });
  deps = dailyDeps({
    config,
    clients: aws.clients,
    tableName: aws.tableName,
    alertsTopicArn: 'arn:aws:sns:us-east-1:000000000000:ops',
    clock: { now: () => NOW },
    log: silent,
    access: { secret: (p) => async () => (p === 'openai' ? OPENAI_KEY : ANTHROPIC_KEY), baseUrls: { openai: proxies.openai.url, anthropic: proxies.anthropic.url }, usageBucketWidth: '1d' },
  });
  // A clean run first: what every faulted run must leave as it was.
  const clean = await ingestBilling(deps, { window: WINDOW });
  expect(clean.outcomes.filter((o) => !o.ok)).toEqual([]);
}, 30_000);

afterAll(async () => {
  for (const proxy of Object.values(proxies)) await proxy?.close();
  await Promise.all([aws?.close(), sns?.close(), ce?.close(), openai?.close(), anthropic?.close()]);
});

/** Every record stored for October, cost and usage, in a comparable order. */
async function stored() {
  const [records, usage] = await Promise.all([deps.records.listMonth('2026-10'), deps.usage.listMonth('2026-10')]);
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return { records: [...records].sort(byId), usage: [...usage].sort(byId) };
}

const PROVIDERS = {
  aws: { sources: ['aws-cost-explorer'], names: /^Cost Explorer / },
  openai: { sources: ['openai-costs', 'openai-usage'], names: /^OpenAI / },
  anthropic: { sources: ['anthropic-costs', 'anthropic-usage'], names: /^Anthropic / },
} as const;

/** Faults on every request after the first `pass` of that provider, and the error each source must give. */
const cases: Array<{ fault: string; make: Fault; pass: number; expect: Record<keyof typeof PROVIDERS, RegExp> }> = [
  {
    fault: 'a key revoked mid-run (401 from its second request on)',
    make: { kind: 'http-401' },
    pass: 1,
    expect: {
      aws: /^Cost Explorer tagged query, page 2: .*\(HTTP 401\)/,
      openai: /^OpenAI rejected the admin key \(HTTP 401: fault proxy: injected invalid key\)\. The key is missing, revoked, or lacks admin rights/,
      anthropic: /^Anthropic rejected the admin key \(HTTP 401: fault proxy: injected invalid key\)\. The key is missing, revoked, or lacks admin rights/,
    },
  },
  {
    fault: 'a page cut short (the connection closed halfway through the body)',
    make: { kind: 'truncated-body' },
    pass: 0,
    expect: {
      aws: /^Cost Explorer tagged query, page 1: .*aborted/,
      openai: /^OpenAI GET \/v1\/organization\/\S+ failed: terminated: UND_ERR_SOCKET/,
      anthropic: /^Anthropic GET \/v1\/organizations\/\S+ failed: terminated: UND_ERR_SOCKET/,
    },
  },
  {
    fault: 'a page of the wrong shape (every list a string)',
    make: { kind: 'wrong-shape' },
    pass: 0,
    expect: {
      aws: /^Cost Explorer tagged query, page 1: ResultsByTime: expected an array/,
      openai: /^OpenAI \S+, page 1: data: expected an array of buckets$/,
      anthropic: /^Anthropic \S+, page 1: data: expected an array of rows$/,
    },
  },
  {
    fault: 'a connection reset on every request',
    make: { kind: 'reset' },
    pass: 0,
    expect: {
      aws: /^Cost Explorer tagged query, page 1: .*ECONNRESET/,
      openai: /^OpenAI GET \/v1\/organization\/\S+ failed: fetch failed: ECONNRESET/,
      anthropic: /^Anthropic GET \/v1\/organizations\/\S+ failed: fetch failed: ECONNRESET/,
    },
  },
  {
    fault: 'a server failing every request (HTTP 500)',
    make: { kind: 'http-500' },
    pass: 0,
    expect: {
      aws: /^Cost Explorer tagged query, page 1: .*\(HTTP 500\)/,
      openai: /^OpenAI GET \/v1\/organization\/\S+ failed with HTTP 500\b.*: fault proxy: injected internal error/,
      anthropic: /^Anthropic GET \/v1\/organizations\/\S+ failed with HTTP 500\b.*: fault proxy: injected internal error/,
    },
  },
];

describe('a source fault fails that source, names it and the fault, and leaves every stored record as it was', () => {
  for (const c of cases) {
    for (const provider of Object.keys(PROVIDERS) as Array<keyof typeof PROVIDERS>) {
      it(`${provider}: ${c.fault}`, async () => {
        // Prepare
        const before = await stored();
        let seen = 0;
        const remove = proxies[provider].inject(c.make, { when: () => ++seen > c.pass });
        try {
          // Act
          const started = Date.now();
          const summary = await ingestBilling({ ...deps, sources: deps.sources.filter((s) => s.provider === provider) }, { window: WINDOW, deadline: started + DEADLINE_MS });
          // Assess: this provider's faulted sources failed, saying which and why; nothing stored changed.
          const failed = summary.outcomes.filter((o) => !o.ok);
          expect(failed.length).toBeGreaterThan(0);
          for (const o of failed) {
            expect(PROVIDERS[provider].sources as readonly string[]).toContain(o.source);
            expect(!o.ok && o.error).toMatch(PROVIDERS[provider].names);
            expect(!o.ok && o.error).toMatch(c.expect[provider]);
            expect(!o.ok && o.error).not.toMatch(/sk-(ant-)?admin-LOCAL/);
          }
          expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 5000);
          expect(await stored()).toEqual(before);
        } finally {
          remove();
        }
      }, 20_000);
    }
  }
});
