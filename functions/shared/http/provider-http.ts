import ky, { HTTPError, TimeoutError } from 'ky';

/** A provider's name as people know it, used in every error message. */
export type ProviderName = 'OpenAI' | 'Anthropic';

/** The provider rejected the admin key (401/403). Says which provider and what to do; never the key. */
export class ProviderAuthError extends Error {
  override readonly name = 'ProviderAuthError';
  constructor(
    message: string,
    /** 401 (the key is not valid) or 403 (valid, but not allowed here): a caller may fall back on 403. */
    readonly status: 401 | 403,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A request failed for good: a 4xx other than auth, retries exhausted, a timeout, or the deadline. */
export class ProviderRequestError extends Error {
  override readonly name = 'ProviderRequestError';
  /** The provider's own error message, when it answered with one (e.g. which parameter a 400 refused). */
  readonly providerMessage?: string;
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; providerMessage?: string },
  ) {
    super(message, options);
    if (options?.providerMessage !== undefined) this.providerMessage = options.providerMessage;
  }
}

/** How one provider's admin API is reached. */
export interface ProviderHttpOptions {
  provider: ProviderName;
  /** e.g. `https://api.openai.com/v1`; paths are appended. */
  baseUrl: string;
  /** Auth and version headers, resolved per request (the key comes from a cached secret). */
  headers: () => Promise<Record<string, string>>;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 5. */
  retries?: number;
  /** Longest backoff between attempts without a Retry-After. Default 20 s. */
  maxDelayMs?: number;
  /**
   * Longest Retry-After honoured; a longer one fails the call (ky cancels rather than waits). Default
   * 5 minutes: the run's deadline still bounds every wait.
   */
  maxRetryAfterMs?: number;
}

/** Per call: when the caller must have an answer by (epoch ms), e.g. from the Lambda's remaining time. */
export interface CallContext {
  deadline?: number;
}

/** Query parameters as pairs, so repeated keys (`group_by=a&group_by=b`) keep their order. */
export type Query = Array<[string, string | number]>;

/** The one HTTP client for model-provider admin APIs. */
export interface ProviderHttp {
  getJson(path: string, query: Query, context?: CallContext): Promise<unknown>;
}

// 529 is Anthropic's `overloaded_error` (API-wide overload, not the caller's fault): retried like any 5xx.
const RETRY_STATUSES = [408, 429, 500, 502, 503, 504, 529];

async function errorMessageOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (message) return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || response.statusText;
}

/**
 * Creates the client: GET with JSON answers, retries on 408/429/5xx and timeouts with exponential
 * backoff and full jitter, honouring `Retry-After` (429, 503) up to `maxDelayMs`, a per-attempt timeout,
 * and an overall deadline after which no attempt starts. Built on ky: the retry policy is configured
 * here, in one place, for both providers.
 */
export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const maxDelay = options.maxDelayMs ?? 20_000;
  const client = ky.create({
    timeout: options.timeoutMs ?? 30_000,
    retry: {
      limit: options.retries ?? 5,
      methods: ['get'],
      statusCodes: RETRY_STATUSES,
      afterStatusCodes: [413, 429, 503],
      maxRetryAfter: options.maxRetryAfterMs ?? 300_000,
      backoffLimit: maxDelay,
      jitter: true,
      retryOnTimeout: true,
    },
  });
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async getJson(path, query, context = {}) {
      const url = new URL(`${base}${path}`);
      for (const [k, v] of query) url.searchParams.append(k, String(v));
      const where = `${options.provider} GET ${url.pathname}`;
      const remaining = context.deadline === undefined ? undefined : context.deadline - Date.now();
      if (remaining !== undefined && remaining <= 0) throw new ProviderRequestError(`${where}: no time left before the run's deadline`);
      let response: Response;
      try {
        response = await client.get(url, {
          headers: await options.headers(),
          ...(remaining !== undefined ? { signal: AbortSignal.timeout(remaining) } : {}),
        });
      } catch (error) {
        if (error instanceof HTTPError) {
          const status = error.response.status;
          const message = await errorMessageOf(error.response);
          if (status === 401 || status === 403) {
            throw new ProviderAuthError(
              `${options.provider} rejected the admin key (HTTP ${status}: ${message}). The key is missing, revoked, or lacks admin rights: ` +
                `costline needs an organization admin key (${options.provider === 'OpenAI' ? 'sk-admin-…' : 'sk-ant-admin…'}).`,
              status,
              { cause: error },
            );
          }
          throw new ProviderRequestError(`${where} failed with HTTP ${status}: ${message}`, status, { cause: error, providerMessage: message });
        }
        if (error instanceof TimeoutError) throw new ProviderRequestError(`${where} timed out after every retry`, undefined, { cause: error });
        if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
          throw new ProviderRequestError(`${where} stopped at the run's deadline`, undefined, { cause: error });
        }
        // fetch says only "fetch failed"; the reason (refused, DNS, TLS) is its cause.
        const cause = (error as Error & { cause?: { message?: string; code?: string } }).cause;
        const detail = cause ? `: ${cause.code ?? cause.message ?? String(cause)}` : '';
        throw new ProviderRequestError(`${where} failed: ${(error as Error).message}${detail}`, undefined, { cause: error });
      }
      const text = await response.text();
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        throw new ProviderRequestError(`${where} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 120)}`, response.status, { cause });
      }
    },
  };
}
