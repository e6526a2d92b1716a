import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts a server on 127.0.0.1 (never another interface) and returns its base URL. */
export async function listenOnLoopback(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops a server now: the SDK keeps connections alive, and without closing them close() waits for their timeout. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** The whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One request as a JSON API emulator received it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A raw response served instead of the emulator's answer; an object body is sent as JSON. */
export interface InjectedFault {
  status: number;
  headers?: Record<string, string>;
  body: string | object;
}

/** What every JSON API emulator shares: recorded requests, queued faults, the server's lifetime. */
export interface JsonApiServer {
  origin: string;
  requests: RecordedRequest[];
  failNext(count: number, fault: InjectedFault): void;
  close(): Promise<void>;
}

/**
 * Starts a loopback JSON API (the local OpenAI and Anthropic admin APIs): records every request, serves
 * queued faults first (before any authentication), answers with `handle`'s value as JSON, and turns a
 * thrown error into the provider's error envelope with `errorOf`. `send` writes the provider's headers.
 */
export async function startJsonApiServer(options: {
  port?: number;
  handle: (req: IncomingMessage) => unknown;
  errorOf: (error: unknown) => { status: number; body: unknown };
  send: (res: ServerResponse, status: number, body: string, requestId: string, headers?: Record<string, string>) => void;
}): Promise<JsonApiServer> {
  const requests: RecordedRequest[] = [];
  const faults: InjectedFault[] = [];
  let counter = 0;
  const server = createServer((req, res) => {
    readBody(req).then(
      () => {
        counter += 1;
        const requestId = `req_${counter.toString(16).padStart(24, '0')}`;
        requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers } });
        const fault = faults.shift();
        if (fault) {
          options.send(res, fault.status, typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body), requestId, fault.headers);
          return;
        }
        try {
          options.send(res, 200, JSON.stringify(options.handle(req)), requestId);
        } catch (error) {
          const { status, body } = options.errorOf(error);
          options.send(res, status, JSON.stringify(body), requestId);
        }
      },
      (error: unknown) => {
        const { status, body } = options.errorOf(error);
        options.send(res, status, JSON.stringify(body), 'req_none');
      },
    );
  });
  const origin = await listenOnLoopback(server, options.port);
  return {
    origin,
    requests,
    failNext(count, fault) {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    close: () => closeServer(server),
  };
}

/** A request header's first value. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Hex SHA-256 of a text, for deterministic ids and page tokens. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A JSON response writer that names the request id under the provider's own header. */
export function jsonSender(requestIdHeader: string) {
  return (res: ServerResponse, status: number, body: string, requestId: string, extraHeaders: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [requestIdHeader]: requestId, ...extraHeaders });
    res.end(body);
  };
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of a JSON text, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
