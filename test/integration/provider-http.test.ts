import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../../functions/local/emulators/loopback';
import { createProviderHttp, ProviderAuthError, ProviderRequestError } from '../../functions/shared/http/provider-http';

/** A loopback server answering from a script: one response per request, then 200 `{"ok":true}`. */
type Scripted = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };
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
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(next.body ?? '');
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
});
