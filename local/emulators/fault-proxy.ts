/**
 * A loopback fault-injecting HTTP proxy: test equipment that sits in front of any local server (the
 * Cost Explorer, OpenAI and Anthropic emulators) and, per request, either forwards it untouched or
 * answers with a fault: the ways a real service, or the network on the way to it, lets a client down.
 *
 * ```ts
 * const proxy = await startFaultProxy({ target: openai.url });            // point the client at proxy.url
 * proxy.inject({ kind: 'http-429', retryAfterSeconds: 900 }, { times: 1 }); // the next request only
 * proxy.inject({ kind: 'stall-body' }, { when: (r) => r.url.includes('/costs') }); // every costs request
 * ```
 *
 * Faults are chosen per request: first the injected rules, in the order added (a rule with `times`
 * retires once used up), then `options.faultFor` (a schedule: by request index, at random, ...);
 * a request no rule or schedule claims is forwarded. Stalled connections are held until the proxy
 * closes. Every request is recorded with the fault it got.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listenOnLoopback } from './loopback';

/** One fault, as a client would meet it. */
export type Fault =
  /** A 500 with a JSON error body (`body` overrides it), as an overloaded or failing service answers. */
  | { kind: 'http-500'; body?: string; headers?: Record<string, string> }
  /** A 429 with `Retry-After: retryAfterSeconds` (and the provider-style JSON error body). */
  | { kind: 'http-429'; retryAfterSeconds: number; body?: string; headers?: Record<string, string> }
  /** A 401, as for a revoked key (`body` overrides the JSON error body). */
  | { kind: 'http-401'; body?: string; headers?: Record<string, string> }
  /** The connection reset (TCP RST) before any answer; the upstream is not asked. */
  | { kind: 'reset' }
  /** The upstream's answer with its full `content-length`, cut after `fraction` (default 0.5) of the body, then the connection closed. */
  | { kind: 'truncated-body'; fraction?: number }
  /**
   * A 200 with valid JSON of the wrong shape: `reshape` turns the upstream's JSON into it; by default
   * every array in it becomes the string "not-a-list" (so a page's data, buckets or results are unusable).
   */
  | { kind: 'wrong-shape'; reshape?: (upstream: unknown) => unknown }
  /**
   * The request accepted and nothing sent back until `until` settles, or else for `ms` (then forwarded as
   * usual), or, with neither, until the proxy closes. `until` lets a test hold a client mid-request for as long as it needs.
   */
  | { kind: 'stall-headers'; ms?: number; until?: Promise<unknown> }
  /** The upstream's status, headers and the first `fraction` (default 0.5) of its body, then silence, for `ms` (then the rest) or until the proxy closes. */
  | { kind: 'stall-body'; ms?: number; fraction?: number };

/** The kinds of {@link Fault}, e.g. to iterate every one in a chaos run. */
export type FaultKind = Fault['kind'];
export const FAULT_KINDS: readonly FaultKind[] = ['http-500', 'http-429', 'http-401', 'reset', 'truncated-body', 'wrong-shape', 'stall-headers', 'stall-body'];

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  /** 0 for the first request the proxy received. */
  index: number;
  method: string;
  /** Path and query, e.g. `/v1/organization/costs?start_time=...`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The request body as text (Cost Explorer's JSON query; empty for a GET). */
  body: string;
}

/** A request, recorded with what the proxy did with it. */
export interface ProxyRecord extends ProxiedRequest {
  /** The fault served, or undefined when forwarded untouched. */
  fault?: FaultKind;
}

/** When an injected fault applies. */
export interface InjectOptions {
  /** Only requests this matches (default: every request). */
  when?: (request: ProxiedRequest) => boolean;
  /** How many matching requests get the fault (default: every one, until removed or cleared). */
  times?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** Base URL of the proxy (`http://127.0.0.1:PORT`) plus the target's path, to use in place of the target's URL. */
  url: string;
  /** Every request received, in arrival order. */
  requests: ProxyRecord[];
  /** Adds a fault rule; returns a function that removes it. */
  inject(fault: Fault, options?: InjectOptions): () => void;
  /** Removes every injected rule (the `faultFor` schedule stays). */
  clear(): void;
  /** Stops listening and drops every connection, stalled ones included. Calling it again does nothing. */
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The server to stand in front of, e.g. `http://127.0.0.1:4321/v1`; its path is kept in {@link FaultProxy.url}. */
  target: string;
  /** A schedule consulted after the injected rules: the fault for this request, or undefined to forward it. */
  faultFor?: (request: ProxiedRequest) => Fault | undefined;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

/** What the upstream answered, read in full. */
interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

// Hop-by-hop and length headers: the proxy sends its own.
const DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection', 'upgrade']);

/**
 * Starts the proxy on 127.0.0.1 in front of `options.target`.
 * @returns the running proxy; call `close()` when done.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const rules: Array<{ fault: Fault; when?: InjectOptions['when']; left: number }> = [];
  const requests: ProxyRecord[] = [];
  const stalled = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;

  const choose = (request: ProxiedRequest): Fault | undefined => {
    for (const rule of rules) {
      if (rule.left <= 0 || (rule.when && !rule.when(request))) continue;
      rule.left -= 1;
      if (rule.left <= 0) rules.splice(rules.indexOf(rule), 1);
      return rule.fault;
    }
    return options.faultFor?.(request);
  };

  const later = (ms: number | undefined, then: () => void, until?: Promise<unknown>) => {
    if (until) {
      void until.finally(() => {
        if (!closed) then();
      });
      return;
    }
    if (ms === undefined) return; // held until the proxy closes
    const timer = setTimeout(() => {
      stalled.delete(timer);
      if (!closed) then();
    }, ms);
    stalled.add(timer);
  };

  const forward = (request: ProxiedRequest): Promise<UpstreamAnswer> =>
    new Promise((resolve, reject) => {
      const headers = { ...request.headers, host: target.host };
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(request.body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ProxiedRequest = { index: requests.length, method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers }, body: Buffer.concat(chunks).toString('utf8') };
      const fault = choose(request);
      requests.push({ ...request, ...(fault ? { fault: fault.kind } : {}) });
      serve(request, fault, req, res).catch((error: unknown) => {
        // The upstream failed (not a fault we chose): say so as a gateway would.
        if (res.headersSent) res.destroy();
        else sendJson(res, 502, { error: { message: `fault proxy: upstream failed: ${(error as Error).message}` } });
      });
    });
  });

  const serve = async (request: ProxiedRequest, fault: Fault | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!fault) return relay(res, await forward(request));
    switch (fault.kind) {
      case 'http-500':
        return sendText(res, 500, fault.body ?? JSON.stringify({ error: { message: 'fault proxy: injected internal error', type: 'server_error' } }), fault.headers);
      case 'http-429':
        return sendText(res, 429, fault.body ?? JSON.stringify({ error: { message: 'fault proxy: injected rate limit', type: 'rate_limit_error' } }), {
          'retry-after': String(fault.retryAfterSeconds),
          ...fault.headers,
        });
      case 'http-401':
        return sendText(res, 401, fault.body ?? JSON.stringify({ error: { message: 'fault proxy: injected invalid key', type: 'authentication_error' } }), fault.headers);
      case 'reset':
        return resetConnection(req.socket);
      case 'truncated-body': {
        const answer = await forward(request);
        res.writeHead(answer.status, { ...relayedHeaders(answer.headers), 'content-length': String(answer.body.length) });
        res.write(answer.body.subarray(0, cut(answer.body, fault.fraction)));
        // Let the partial body reach the client before the connection goes.
        setTimeout(() => res.destroy(), 20);
        return;
      }
      case 'wrong-shape': {
        const answer = await forward(request);
        const upstream = JSON.parse(answer.body.toString('utf8')) as unknown;
        return sendText(res, 200, JSON.stringify((fault.reshape ?? arraysToStrings)(upstream)), { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
      }
      case 'stall-headers':
        return later(fault.ms, () => void forward(request).then((answer) => relay(res, answer), () => res.destroy()), fault.until);
      case 'stall-body': {
        const answer = await forward(request);
        const at = cut(answer.body, fault.fraction);
        res.writeHead(answer.status, { ...relayedHeaders(answer.headers), 'content-length': String(answer.body.length) });
        res.write(answer.body.subarray(0, at));
        return later(fault.ms, () => res.end(answer.body.subarray(at)));
      }
    }
  };

  const origin = await listenOnLoopback(server, options.port);
  const path = target.pathname.replace(/\/+$/, '');
  return {
    url: `${origin}${path}`,
    requests,
    inject(fault, injectOptions = {}) {
      const rule = { fault, ...(injectOptions.when ? { when: injectOptions.when } : {}), left: injectOptions.times ?? Number.POSITIVE_INFINITY };
      rules.push(rule);
      return () => {
        const at = rules.indexOf(rule);
        if (at >= 0) rules.splice(at, 1);
      };
    },
    clear: () => void rules.splice(0),
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of stalled) clearTimeout(timer);
      stalled.clear();
      await closeServer(server);
    },
  };
}

function relayedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !DROPPED_HEADERS.has(name)) out[name] = value;
  return out;
}

function relay(res: ServerResponse, answer: UpstreamAnswer): void {
  res.writeHead(answer.status, { ...relayedHeaders(answer.headers), 'content-length': String(answer.body.length) });
  res.end(answer.body);
}

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body));
}

/** Where to cut a body: a fraction of it, at least one byte short of the whole (when it has any). */
function cut(body: Buffer, fraction = 0.5): number {
  return Math.max(0, Math.min(body.length - 1, Math.floor(body.length * fraction)));
}

/** A TCP reset where the runtime has it (Node ≥ 18.3), else an abrupt close. */
function resetConnection(socket: Socket): void {
  const s = socket as Socket & { resetAndDestroy?: () => Socket };
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}

/** The default wrong shape: every array becomes the string "not-a-list", everything else stays. */
function arraysToStrings(value: unknown): unknown {
  if (Array.isArray(value)) return 'not-a-list';
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, arraysToStrings(v)]));
  return value;
}
