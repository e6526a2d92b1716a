import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Ledger } from '../sample/ledger';
import { CostAndUsageEngine } from './cost-explorer-engine';
import { CostExplorerApiError } from './cost-explorer-errors';
import type { EmptyTagValueAnswer } from './cost-explorer-filter';
import { closeServer, header, isObject, listenOnLoopback, readBody } from './loopback';

/**
 * A loopback AWS Cost Explorer for tests and `npm run local`.
 *
 * It speaks the real wire protocol (AWS JSON 1.1: `POST /`, `x-amz-target: AWSInsightsIndexService.<Operation>`,
 * JSON body, errors as HTTP 400 with a `__type`), so the real `CostExplorerClient` talks to it through its
 * `endpoint` option or `AWS_ENDPOINT_URL_COST_EXPLORER`. Only `GetCostAndUsage` is implemented, answered by
 * summing the line items of a {@link Ledger} with exact decimals.
 *
 * Requests are not signature-checked: any credentials work, unless `authorize` says which access keys are valid.
 */

/** A running local Cost Explorer. */
export interface CostExplorerServer {
  /** Base URL to pass as the client's `endpoint`, `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request body received, parsed as JSON (the raw text when it was not JSON), in arrival order. Includes faulted ones. */
  requests: unknown[];
  /**
   * Answers the next `count` requests with this raw response instead of the ledger, e.g. a 400
   * `LimitExceededException` body to exercise the SDK's retries, or a 200 with a malformed page.
   * Calls add up: the faults are served in the order they were queued.
   */
  failNext(count: number, fault: { status: number; body: string }): void;
  /** Answers every request whose parsed body matches with this raw response (after queued failNext faults), until the server closes. */
  failWhen(matches: (request: unknown) => boolean, fault: { status: number; body: string }): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startCostExplorerServer}. */
export interface CostExplorerServerOptions {
  /** The bill to answer from. It is read on every first-page request, so it may be changed between calls (restatements). */
  ledger: Ledger;
  /** Groups per page before a `NextPageToken` is returned (Cost Explorer's own is not documented; default 500). */
  pageSize?: number;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /**
   * How a Tags filter with the empty value (`Values: [""]`) is answered. Whether Cost Explorer accepts it is
   * not settled (billing-apis-2026.md §A6), so the default refuses it, as the strictest plausible answer;
   * `match-nothing` and `match-empty` (the lines with the key and an empty value, or none) let tests prove
   * that no answer moves a dollar.
   */
  emptyTagValues?: EmptyTagValueAnswer;
  /**
   * Which signed requests are accepted, from the access key id in their SigV4 `Authorization` header and their
   * `x-amz-security-token`; the others are refused as Cost Explorer refuses unknown credentials (HTTP 400
   * `UnrecognizedClientException`). Default: any credentials.
   */
  authorize?: (caller: { accessKeyId?: string; sessionToken?: string }) => boolean;
}

export type { EmptyTagValueAnswer } from './cost-explorer-filter';

const TARGET_PREFIX = 'AWSInsightsIndexService.';
const ERROR_NAMESPACE = 'com.amazonaws.costexplorer#';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Starts a local Cost Explorer on 127.0.0.1 answering `GetCostAndUsage` from `options.ledger`.
 * @returns the running server; call `close()` when done.
 */
export async function startCostExplorerServer(options: CostExplorerServerOptions): Promise<CostExplorerServer> {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  const engine = new CostAndUsageEngine(options.ledger, pageSize, options.emptyTagValues ?? 'reject');
  const requests: unknown[] = [];
  const faults: { status: number; body: string }[] = [];
  const standing: { matches: (request: unknown) => boolean; fault: { status: number; body: string } }[] = [];
  let requestCounter = 0;

  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        requestCounter += 1;
        const requestId = formatRequestId(requestCounter);
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Keep the raw text: a test may want to see what a broken client sent.
        }
        requests.push(body);
        const accessKeyId = /Credential=([^/,\s]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
        const sessionToken = header(req, 'x-amz-security-token');
        if (options.authorize && !options.authorize({ ...(accessKeyId ? { accessKeyId } : {}), ...(sessionToken ? { sessionToken } : {}) })) {
          sendError(res, new CostExplorerApiError('UnrecognizedClientException', 'The security token included in the request is invalid.'), requestId);
          return;
        }

        const fault = faults.shift() ?? standing.find((f) => f.matches(body))?.fault;
        if (fault) {
          send(res, fault.status, fault.body, requestId);
          return;
        }
        try {
          const result = handle(req, text, engine);
          send(res, 200, JSON.stringify(result), requestId);
        } catch (error) {
          if (error instanceof CostExplorerApiError) {
            sendError(res, error, requestId);
          } else {
            sendError(res, new CostExplorerApiError('InternalServerException', String(error), 500), requestId);
          }
        }
      },
      (error: unknown) => sendError(res, new CostExplorerApiError('InternalServerException', String(error), 500), 'none'),
    );
  });

  const url = await listenOnLoopback(server, options.port);

  return {
    url,
    requests,
    failNext(count, fault) {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    failWhen(matches, fault) {
      standing.push({ matches, fault });
    },
    close: () => closeServer(server),
  };
}

function handle(req: IncomingMessage, text: string, engine: CostAndUsageEngine): unknown {
  const target = header(req, 'x-amz-target');
  if (req.method !== 'POST' || target === undefined || !target.startsWith(TARGET_PREFIX)) {
    throw new CostExplorerApiError('UnknownOperationException', `Unknown operation ${target ?? '(no x-amz-target header)'}`);
  }
  const operation = target.slice(TARGET_PREFIX.length);
  if (operation !== 'GetCostAndUsage') {
    throw new CostExplorerApiError('UnknownOperationException', `The local Cost Explorer does not implement ${operation}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text === '' ? '{}' : text);
  } catch {
    throw new CostExplorerApiError('SerializationException', 'Request body is not valid JSON');
  }
  if (!isObject(body)) throw new CostExplorerApiError('SerializationException', 'Request body must be a JSON object');
  return engine.getCostAndUsage(body);
}

function formatRequestId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: CostExplorerApiError, requestId: string): void {
  // The SDK reads the error name from `__type` (namespace before '#' is dropped) and the text from `message`.
  send(res, error.status, JSON.stringify({ __type: `${ERROR_NAMESPACE}${error.type}`, message: error.message }), requestId);
}
