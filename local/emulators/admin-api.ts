import type { IncomingMessage } from 'node:http';
import { jsonSender, startJsonApiServer, type InjectedFault, type RecordedRequest } from './loopback';

/** A running local provider admin API (the OpenAI and Anthropic emulators). */
export interface AdminApiServer {
  /** Base URL, as the client's base URL. */
  url: string;
  /** Every request received, in arrival order, faulted and refused ones included. */
  requests: RecordedRequest[];
  /**
   * Answers the next `count` requests with this raw response instead of the ledger, e.g. a 429 with `retry-after`, a
   * 500, or a 200 with a malformed page. Calls add up: faults are served in the order queued, before any header is
   * checked.
   */
  failNext(count: number, fault: InjectedFault): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** What both admin API emulators are started with. */
export interface AdminApiOptions<Books> {
  /** The books to answer from. Read on every request, so a test may restate them between calls. */
  ledger: Books;
  /** The one admin key accepted. */
  adminKey: string;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /**
   * The simulated present, read on every request: nothing that has not happened by then is served (usage buckets
   * and rows from `now` on, costs of `now`'s UTC day and later). Default: no clock, the whole ledger is served.
   */
  now?: () => Date;
}

/** An error in a provider's own envelope, with the HTTP status it is sent with. */
export interface ProviderError extends Error {
  readonly status: number;
  toBody(): unknown;
}

/** How one provider's admin API differs on the wire. */
export interface AdminApiWire<E extends ProviderError> {
  /** The header that names the request id (`x-request-id`, `request-id`). */
  requestIdHeader: string;
  /** Recognises the provider's own errors. */
  isProviderError: (error: unknown) => error is E;
  /** Any other failure as the provider's 500. */
  internalError: (error: unknown) => E;
  /** The path the base URL adds to the origin (`/v1` or nothing). */
  basePath: string;
}

/**
 * Starts a local admin API on 127.0.0.1: every request recorded, queued faults served first, `handle`'s value sent as
 * JSON, a thrown error sent in the provider's envelope.
 */
export async function startAdminApi<E extends ProviderError>(port: number | undefined, handle: (req: IncomingMessage) => unknown, wire: AdminApiWire<E>): Promise<AdminApiServer> {
  const api = await startJsonApiServer({
    ...(port !== undefined ? { port } : {}),
    handle,
    errorOf: (error) => {
      const apiError = wire.isProviderError(error) ? error : wire.internalError(error);
      return { status: apiError.status, body: apiError.toBody() };
    },
    send: jsonSender(wire.requestIdHeader),
  });
  return { url: `${api.origin}${wire.basePath}`, requests: api.requests, failNext: api.failNext, close: api.close };
}

