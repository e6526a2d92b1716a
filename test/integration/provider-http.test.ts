import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../../local/emulators/loopback';
import { createProviderHttp, ProviderAuthError, ProviderRequestError } from '../../functions/lib/http/provider-http';

/** A loopback server answering from a script: one response per request, then 200 `{"ok":true}`. */
type Scripted = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number; stall?: 'before-headers' | 'mid-body' | 'cut-body' };
let server: Server;
let url: string;
let script: Scripted[];
let seen: { at: number; headers: Record<string, string | string[] | undefined>; url: string }[];

beforeEach(async () => {
  script = [];
  seen = [];
  server = createServer((req, res) => {
    seen.push({ at: Date.now(), headers: req.headers, url: req.url ?? '' });
    const next = script.shift() ?? { status: 200, body: '{"ok":true}' };
    setTimeout(() => {
      if (next.stall === 'before-headers') return; // holds the connection open, says nothing
      const body = next.body ?? '';
      if (next.stall) {
        // Promises the whole body, sends half, then stalls (or hangs up).
        res.writeHead(next.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...next.headers });
        res.write(body.slice(0, Math.floor(body.length / 2)));
        if (next.stall === 'cut-body') setTimeout(() => res.destroy(), 20);
        return;
      }
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(body);
    }, next.delayMs ?? 0);
  });
  url = await listenOnLoopback(server);
});
afterEach(() => closeServer(server));

const http = (overrides = {}) =>
  createProviderHttp({ provider: 'OpenAI', baseUrl: `${url}/v1`, headers: async () => ({ authorization: 'Bearer sk-admin-secret' }), maxDelayMs: 2000, ...overrides });

describe('provider HTTP client', () => {
  it('sends repeated query keys in order, and the auth headers', async () => {
    await http().getJson('/organization/costs', [['group_by', 'project_id'], ['group_by', 'line_item'], ['limit', 180]]);
    expect(seen[0]!.url).toBe('/v1/organization/costs?group_by=project_id&group_by=line_item&limit=180');
    expect(seen[0]!.headers.authorization).toBe('Bearer sk-admin-secret');
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' }, body: '{"error":{"message":"Rate limit"}}' }];
    expect(await http().getJson('/x', [])).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries a 500 and a 503, then succeeds', async () => {
    script = [{ status: 500, body: 'oops' }, { status: 503, body: '{}' }];
    expect(await http().getJson('/x', [])).toEqual({ ok: true });
    expect(seen).toHaveLength(3);
  });

  it('retries a 529 overloaded_error (Anthropic) like any 5xx, then succeeds', async () => {
    script = [{ status: 529, body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }];
    expect(await http({ provider: 'Anthropic' }).getJson('/x', [])).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
  });

  it('names the provider and says the key lacks admin rights on 401/403, without retrying or showing the key', async () => {
    script = [{ status: 401, body: '{"error":{"message":"Incorrect API key provided"}}' }];
    const error = await http().getJson('/x', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toMatch(/^OpenAI rejected the admin key \(HTTP 401: Incorrect API key provided\)\. The key is missing, revoked, or lacks admin rights/);
    expect((error as Error).message).not.toContain('sk-admin-secret');
    expect(seen).toHaveLength(1);
  });

  it('does not retry a 400, and quotes the provider’s message', async () => {
    script = [{ status: 400, body: '{"error":{"message":"limit must be at most 180"}}' }];
    const error = await http().getJson('/organization/costs', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect(error).toMatchObject({ status: 400, message: 'OpenAI GET /v1/organization/costs failed with HTTP 400: limit must be at most 180' });
    expect(seen).toHaveLength(1);
  });

  it('gives up at the deadline instead of retrying past it', async () => {
    script = Array.from({ length: 10 }, () => ({ status: 503, headers: { 'retry-after': '1' }, body: '{}' }));
    const started = Date.now();
    await expect(http().getJson('/x', [], { deadline: Date.now() + 1500 })).rejects.toThrow(/deadline/);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('times out a hung attempt and retries it', async () => {
    script = [{ status: 200, body: '{"late":true}', delayMs: 1500 }];
    expect(await http({ timeoutMs: 300 }).getJson('/x', [])).toEqual({ ok: true });
  });

  it('names the cause of a network failure', async () => {
    // A port that was just free: nothing listens there, so the connection is refused.
    const probe = createServer();
    const closedUrl = await listenOnLoopback(probe);
    await closeServer(probe);
    const dead = createProviderHttp({ provider: 'Anthropic', baseUrl: closedUrl, headers: async () => ({}), retries: 0 });
    await expect(dead.getJson('/v1/x', [])).rejects.toThrow(/^Anthropic GET \/v1\/x failed: fetch failed: ECONNREFUSED$/);
  });

  it('waits out a Retry-After longer than the backoff limit instead of giving up', async () => {
    script = [{ status: 429, headers: { 'retry-after': '2' }, body: '{}' }];
    const started = Date.now();
    expect(await http({ maxDelayMs: 500 }).getJson('/x', [])).toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('reports a body that is not JSON', async () => {
    script = [{ status: 200, body: '<html>gateway</html>' }];
    await expect(http().getJson('/x', [])).rejects.toThrow('OpenAI GET /v1/x answered HTTP 200 with a body that is not JSON: <html>gateway</html>');
  });

  it('retries an attempt whose body stalls after the headers: the per-attempt timeout covers the body', async () => {
    script = [{ status: 200, body: '{"data":[1,2,3],"has_more":false}', stall: 'mid-body' }];
    expect(await http({ timeoutMs: 300 }).getJson('/x', [])).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
  });

  it('retries an answer cut short (the connection closes before the promised body), then succeeds', async () => {
    script = [{ status: 200, body: '{"data":[1,2,3],"has_more":false}', stall: 'cut-body' }];
    expect(await http().getJson('/x', [])).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
  });

  it('fails at once, with the reason, when Retry-After would end past the deadline', async () => {
    script = [{ status: 429, headers: { 'retry-after': '900' }, body: '{"error":{"message":"Rate limit reached"}}' }];
    const started = Date.now();
    const error = await http().getJson('/organization/costs', [], { deadline: Date.now() + 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect((error as Error).message).toBe("OpenAI GET /v1/organization/costs: OpenAI asked to retry after 900 s, past the run's deadline (HTTP 429: Rate limit reached)");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen).toHaveLength(1);
  });

  it('fails at once when Retry-After is longer than it waits, even with no deadline (an HTTP date counts too)', async () => {
    script = [{ status: 503, headers: { 'retry-after': new Date(Date.now() + 901_000).toUTCString() }, body: '{}' }];
    const started = Date.now();
    await expect(http({ provider: 'Anthropic' }).getJson('/x', [])).rejects.toThrow(/^Anthropic GET \/v1\/x: Anthropic asked to retry after 90\d s, longer than the 300 s costline waits \(HTTP 503/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('honours retry-after-ms (OpenAI sends it beside retry-after)', async () => {
    script = [{ status: 429, headers: { 'retry-after-ms': '600', 'retry-after': '30' }, body: '{}' }];
    const started = Date.now();
    expect(await http().getJson('/x', [])).toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  // The stall tests: a 2.5 s deadline, far below the 30 s per-attempt timeout, so only the deadline can end them.
  // Bounds are generous (the machine is shared): the call must end after the deadline's start and well before 30 s.
  for (const stall of ['before-headers', 'mid-body'] as const) {
    it(`ends at the run's deadline when the server stalls ${stall === 'before-headers' ? 'before sending headers' : 'in the middle of the body'}`, async () => {
      script = Array.from({ length: 6 }, () => ({ status: 200, body: '{"data":[],"has_more":false}', stall }));
      const started = Date.now();
      const error = await http().getJson('/organization/costs', [], { deadline: started + 2500 }).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      console.info(`provider HTTP, stall ${stall}: ended after ${elapsed} ms (deadline 2500 ms)`);
      expect(error).toBeInstanceOf(ProviderRequestError);
      expect((error as Error).message).toBe("OpenAI GET /v1/organization/costs stopped at the run's deadline, waiting for an answer");
      expect(elapsed).toBeGreaterThanOrEqual(2400);
      expect(elapsed).toBeLessThan(8000);
    });
  }

  it('refuses to send a key holding a newline, and no piece of the key is in the error, its stack or its causes', async () => {
    const key = 'sk-admin-FIRSTHALFabc123\nSECONDHALFxyz789';
    const leaky = createProviderHttp({ provider: 'OpenAI', baseUrl: `${url}/v1`, headers: async () => ({ authorization: `Bearer ${key}` }) });
    const error = await leaky.getJson('/x', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect((error as Error).message).toBe('OpenAI GET /v1/x: not sent, the authorization header holds a line break at position 32 (check the admin key for a stray newline or a pasted quote)');
    expect(seen).toHaveLength(0);
    for (const text of chainText(error)) for (const piece of ['FIRSTHALF', 'SECONDHALF', 'abc123', 'xyz789']) expect(text).not.toContain(piece);
  });

  it('redacts a header value the provider echoes back in its error, from the message and the provider message', async () => {
    script = [{ status: 400, body: '{"error":{"message":"Key sk-admin-secret is not allowed on this endpoint"}}' }];
    const error = await http().getJson('/x', []).catch((e: unknown) => e);
    expect((error as Error).message).toBe('OpenAI GET /v1/x failed with HTTP 400: Key [redacted] is not allowed on this endpoint');
    expect((error as ProviderRequestError).providerMessage).toBe('Key [redacted] is not allowed on this endpoint');
    for (const text of chainText(error)) expect(text).not.toContain('sk-admin-secret');
  });
});

/** Every text of an error and its cause chain: name, message, stack, and the JSON of its own properties. */
function chainText(error: unknown): string[] {
  const texts: string[] = [];
  for (let e = error as (Error & { cause?: unknown }) | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth += 1) {
    texts.push(String(e.name), String(e.message), String(e.stack), JSON.stringify(e));
  }
  return texts;
}
