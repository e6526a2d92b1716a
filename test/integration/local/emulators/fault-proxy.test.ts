import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, startFaultProxy, type Fault, type FaultKind, type FaultProxy } from '../../../../local/emulators/fault-proxy';
import { startOpenAiServer, type OpenAiServer } from '../../../../local/emulators/openai-server';
import { sampleProviderLedger } from '../../../../local/sample/sample-provider-ledger';

const ADMIN_KEY = 'sk-admin-LOCALfaultPROXYtest000001';
const OCT_1 = 1790812800; // 2026-10-01T00:00:00Z
const COSTS = `/organization/costs?start_time=${OCT_1}&end_time=${OCT_1 + 3 * 86400}&group_by=project_id`;

let openai: OpenAiServer;
let proxy: FaultProxy;

beforeAll(async () => {
  openai = await startOpenAiServer({ ledger: sampleProviderLedger().openai, adminKey: ADMIN_KEY });
});
afterAll(() => openai.close());
afterEach(() => proxy?.close());

/** GET through `base` with the admin key; the body read in full, or the failure, within `limitMs`. */
async function get(base: string, path = COSTS, limitMs = 1500) {
  const signal = AbortSignal.timeout(limitMs);
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as Error & { cause?: { code?: string } });

describe('fault proxy in front of the OpenAI emulator', () => {
  it('forwards a request untouched when no fault applies: the same status, headers and body as the emulator', async () => {
    proxy = await startFaultProxy({ target: openai.url });
    const [direct, proxied] = [await get(openai.url), await get(proxy.url)];
    expect(proxied.status).toBe(200);
    expect(proxied.text).toBe(direct.text);
    expect(proxied.headers.get('content-type')).toBe(direct.headers.get('content-type'));
    expect(proxy.requests).toMatchObject([{ index: 0, method: 'GET', url: `/v1${COSTS}` }]);
    expect(proxy.requests[0]!.fault).toBeUndefined();
  });

  const expectations: Record<FaultKind, { fault: Fault; check: (base: string) => Promise<void> }> = {
    'http-500': {
      fault: { kind: 'http-500' },
      check: async (base) => {
        const reply = await get(base);
        expect(reply.status).toBe(500);
        expect(JSON.parse(reply.text)).toMatchObject({ error: { type: 'server_error' } });
      },
    },
    'http-429': {
      fault: { kind: 'http-429', retryAfterSeconds: 900 },
      check: async (base) => {
        const reply = await get(base);
        expect(reply.status).toBe(429);
        expect(reply.headers.get('retry-after')).toBe('900');
      },
    },
    'http-401': {
      fault: { kind: 'http-401' },
      check: async (base) => {
        const reply = await get(base);
        expect(reply.status).toBe(401);
        expect(JSON.parse(reply.text)).toMatchObject({ error: { type: 'authentication_error' } });
      },
    },
    reset: {
      fault: { kind: 'reset' },
      check: async (base) => {
        const error = await failureOf(get(base));
        expect(error?.message).toBe('fetch failed');
        expect(error?.cause?.code).toMatch(/^(ECONNRESET|UND_ERR_SOCKET)$/);
      },
    },
    'truncated-body': {
      fault: { kind: 'truncated-body' },
      check: async (base) => {
        const response = await fetch(`${base}${COSTS}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: AbortSignal.timeout(1500) });
        expect(response.status).toBe(200);
        const error = await failureOf(response.text());
        expect(error?.name).toBe('TypeError'); // "terminated": the body ended before its content-length
        expect(error?.name).not.toBe('TimeoutError');
      },
    },
    'wrong-shape': {
      fault: { kind: 'wrong-shape' },
      check: async (base) => {
        const reply = await get(base);
        expect(reply.status).toBe(200);
        const page = JSON.parse(reply.text) as { object: string; data: unknown; has_more: boolean };
        expect(page.object).toBe('page');
        expect(page.data).toBe('not-a-list');
      },
    },
    'stall-headers': {
      fault: { kind: 'stall-headers' },
      check: async (base) => {
        const started = Date.now();
        const error = await failureOf(get(base, COSTS, 400));
        expect(error?.name).toBe('TimeoutError'); // no headers within 400 ms
        expect(Date.now() - started).toBeGreaterThanOrEqual(380);
      },
    },
    'stall-body': {
      fault: { kind: 'stall-body' },
      check: async (base) => {
        const signal = AbortSignal.timeout(400);
        const response = await fetch(`${base}${COSTS}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal });
        expect(response.status).toBe(200); // the headers came
        const error = await failureOf(response.text());
        expect(error?.name).toBe('TimeoutError'); // the body did not
      },
    },
  };

  it('has a test for every fault kind', () => {
    expect(Object.keys(expectations).sort()).toEqual([...FAULT_KINDS].sort());
  });

  for (const kind of FAULT_KINDS) {
    it(`serves ${kind} once when injected for one request, then forwards again`, async () => {
      proxy = await startFaultProxy({ target: openai.url });
      proxy.inject(expectations[kind].fault, { times: 1 });
      await expectations[kind].check(proxy.url);
      expect((await get(proxy.url)).status).toBe(200);
      expect(proxy.requests.map((r) => r.fault)).toEqual([kind, undefined]);
    });
  }

  it('serves a stalled request once its stall ends (a slow server rather than a dead one)', async () => {
    proxy = await startFaultProxy({ target: openai.url });
    proxy.inject({ kind: 'stall-body', ms: 200 }, { times: 1 });
    const started = Date.now();
    const reply = await get(proxy.url, COSTS, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(reply.text).toBe((await get(openai.url)).text);
  });

  it('applies a rule only to the requests its predicate matches, and a schedule to the rest', async () => {
    proxy = await startFaultProxy({ target: openai.url, faultFor: (r) => (r.index % 2 === 1 ? { kind: 'http-500' } : undefined) });
    proxy.inject({ kind: 'http-401' }, { when: (r) => r.url.includes('group_by=line_item') });
    expect((await get(proxy.url, `${COSTS}&group_by=line_item`)).status).toBe(401); // index 0: the rule
    expect((await get(proxy.url)).status).toBe(500); // index 1: the schedule
    expect((await get(proxy.url)).status).toBe(200); // index 2: neither
    proxy.clear();
    expect((await get(proxy.url, `${COSTS}&group_by=line_item`)).status).toBe(500); // index 3: the schedule stays
    expect(proxy.requests.map((r) => r.fault)).toEqual(['http-401', 'http-500', undefined, 'http-500']);
  });
});
