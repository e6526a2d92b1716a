/** The waits of every AWS SDK client, per attempt. */
export interface SdkTimeouts {
  /** To open the TCP (and TLS) connection. */
  connectMs: number;
  /** From sending the request to the response's headers. */
  headersMs: number;
  /** Longest silence on the socket, headers or body: a response that stalls mid-body fails after this. */
  idleMs: number;
}

/**
 * The SDK sets no connect or request timeout of its own, so a silent server is waited on. With these, one
 * attempt ends within connect + headers + idle per silence; the SDK's retries (`maxAttempts`) bound
 * the count, and a source's deadline (Cost Explorer) cuts the whole call short.
 */
export const SDK_TIMEOUTS: SdkTimeouts = { connectMs: 5_000, headersMs: 30_000, idleMs: 30_000 };

/**
 * The `requestHandler` settings for an SDK client: NodeHttpHandler options, which the client builds its
 * handler from. `throwOnRequestTimeout`: without it the SDK only logs a warning when the request
 * timeout passes, and goes on waiting.
 */
export function sdkRequestHandler(timeouts: SdkTimeouts = SDK_TIMEOUTS) {
  return { connectionTimeout: timeouts.connectMs, requestTimeout: timeouts.headersMs, throwOnRequestTimeout: true, socketTimeout: timeouts.idleMs };
}
