import { setTimeout as sleep } from 'node:timers/promises';
import { redactorOf, scrubbedError, type Redact } from './scrub-headers';

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
  /**
   * Per attempt, from connecting to the last byte of the body. Default 30 s. An attempt that runs out
   * is retried like a 5xx.
   */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 5. */
  retries?: number;
  /** Longest backoff between attempts without a Retry-After. Default 20 s. */
  maxDelayMs?: number;
  /** Longest Retry-After waited out; a longer one fails the call at once, saying so. Default 5 minutes. */
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
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504, 529]);
/** Statuses whose `Retry-After` is the server's own schedule for the next attempt. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);
/** First backoff step; doubled per attempt, capped at `maxDelayMs`, full jitter. */
const BASE_DELAY_MS = 500;

/** One attempt's outcome: a whole answer (status and body read in full), or why there was none. */
type Attempt =
  | { kind: 'answer'; status: number; headers: Headers; text: string }
  | { kind: 'timeout' }
  | { kind: 'deadline' }
  | { kind: 'network'; error: unknown };

/**
 * Creates the client: GET with JSON answers, retries on 408/429/5xx, network errors and timeouts with
 * exponential backoff and full jitter, honouring `Retry-After` (429, 503) up to `maxRetryAfterMs`.
 * Every wait is bounded: each attempt has a total timeout that covers the body, and the call's
 * deadline aborts an attempt in flight, and fails at once a retry that would start after it. Every
 * error it raises is scrubbed of the request's header values (message, stack, and the whole cause
 * chain), so an admin key never reaches a log, whatever the runtime's HTTP stack prints. Built on the
 * runtime's `fetch`: the retry policy is here, in one place, for both providers.
 */
export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const attemptMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 5;
  const maxDelay = options.maxDelayMs ?? 20_000;
  const maxRetryAfter = options.maxRetryAfterMs ?? 300_000;
  const base = options.baseUrl.replace(/\/+$/, '');
  const { provider } = options;

  return {
    async getJson(path, query, context = {}) {
      const url = new URL(`${base}${path}`);
      for (const [k, v] of query) url.searchParams.append(k, String(v));
      const where = `${provider} GET ${url.pathname}`;
      const headers = await options.headers();
      const redact = redactorOf(Object.values(headers));
      try {
        refuseUnsendableHeaders(headers, where);
        return await call(url, headers, where, context.deadline, redact);
      } catch (error) {
        throw scrubbed(error, where, redact);
      }
    },
  };

  async function call(url: URL, headers: Record<string, string>, where: string, deadline: number | undefined, redact: Redact): Promise<unknown> {
    // What the attempt before failed with: when the deadline cuts a retry short, that is the error to name.
    let previous: ProviderRequestError | undefined;
    const withPrevious = (first: ProviderRequestError, then: string) =>
      new ProviderRequestError(`${first.message}; ${then}`, first.status, { cause: first.cause, ...(first.providerMessage !== undefined ? { providerMessage: first.providerMessage } : {}) });
    for (let attempt = 1; ; attempt += 1) {
      if (deadline !== undefined && deadline - Date.now() <= 0) {
        throw previous ? withPrevious(previous, "no time was left for another attempt before the run's deadline") : new ProviderRequestError(`${where}: no time left before the run's deadline`);
      }
      const outcome = await attemptOnce(url, headers, deadline);
      const after = attempt > 1 ? ` (after ${attempt} attempts)` : '';
      if (outcome.kind === 'deadline') {
        throw previous ? withPrevious(previous, `the retry was stopped at the run's deadline${after}`) : new ProviderRequestError(`${where} stopped at the run's deadline, waiting for an answer${after}`);
      }
      let wait: number;
      let failure: () => ProviderRequestError;
      if (outcome.kind === 'answer') {
        const { status, text } = outcome;
        if (status >= 200 && status < 300) return parseJson(text, status, where);
        const message = redact(errorMessageOf(text, status));
        if (status === 401 || status === 403) {
          throw new ProviderAuthError(
            `${provider} rejected the admin key (HTTP ${status}: ${message}). The key is missing, revoked, or lacks admin rights: ` +
              `costline needs an organization admin key (${provider === 'OpenAI' ? 'sk-admin-…' : 'sk-ant-admin…'}).`,
            status,
          );
        }
        failure = () => new ProviderRequestError(`${where} failed with HTTP ${status}${after}: ${message}`, status, { providerMessage: message });
        if (!RETRY_STATUSES.has(status) || attempt > retries) throw failure();
        const asked = RETRY_AFTER_STATUSES.has(status) ? retryAfterMs(outcome.headers) : undefined;
        if (asked !== undefined) {
          const seconds = Math.ceil(asked / 1000);
          if (deadline !== undefined && Date.now() + asked > deadline) {
            throw new ProviderRequestError(`${where}: ${provider} asked to retry after ${seconds} s, past the run's deadline (HTTP ${status}: ${message})`, status, { providerMessage: message });
          }
          if (asked > maxRetryAfter) {
            throw new ProviderRequestError(`${where}: ${provider} asked to retry after ${seconds} s, longer than the ${Math.round(maxRetryAfter / 1000)} s costline waits (HTTP ${status}: ${message})`, status, { providerMessage: message });
          }
          wait = asked;
        } else {
          wait = backoff(attempt);
        }
      } else {
        failure =
          outcome.kind === 'timeout'
            ? () => new ProviderRequestError(`${where} timed out: no complete answer within ${attemptMs / 1000} s${after}`)
            : () => new ProviderRequestError(`${where} failed: ${describeNetworkError(outcome.error)}${after}`, undefined, { cause: outcome.error });
        if (attempt > retries) throw failure();
        wait = backoff(attempt);
      }
      previous = failure();
      if (deadline !== undefined && Date.now() + wait >= deadline) throw withPrevious(previous, "the next attempt would start past the run's deadline");
      await sleep(wait);
    }
  }

  /** One request, its body read in full, within the attempt's timeout and the call's deadline. */
  async function attemptOnce(url: URL, headers: Record<string, string>, deadline: number | undefined): Promise<Attempt> {
    const attemptTimer = new AbortController();
    const deadlineTimer = new AbortController();
    const timers = [setTimeout(() => attemptTimer.abort(), attemptMs)];
    if (deadline !== undefined) timers.push(setTimeout(() => deadlineTimer.abort(), Math.max(0, deadline - Date.now())));
    try {
      // The same signal governs the body read: fetch aborts the stream too, so a stall mid-body ends here.
      const response = await fetch(url, { headers, signal: AbortSignal.any([attemptTimer.signal, deadlineTimer.signal]) });
      const text = await response.text();
      return { kind: 'answer', status: response.status, headers: response.headers, text };
    } catch (error) {
      if (deadlineTimer.signal.aborted) return { kind: 'deadline' };
      if (attemptTimer.signal.aborted) return { kind: 'timeout' };
      return { kind: 'network', error };
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  }

  /** Exponential backoff with full jitter (0..step), so clients that failed together do not retry together. */
  function backoff(attempt: number): number {
    return Math.random() * Math.min(maxDelay, BASE_DELAY_MS * 2 ** (attempt - 1));
  }
}

/**
 * The error as thrown, with every header value redacted from it and from its whole cause chain: our
 * own errors keep their class and status (callers fall back on a 403 or a 400), anything else becomes
 * a {@link ProviderRequestError} naming the call.
 */
function scrubbed(error: unknown, where: string, redact: Redact): Error {
  const cause = (error as { cause?: unknown }).cause;
  const options = cause !== undefined ? { cause: scrubbedError(cause, redact) } : {};
  let copy: Error;
  if (error instanceof ProviderAuthError) copy = new ProviderAuthError(redact(error.message), error.status, options);
  else if (error instanceof ProviderRequestError) {
    copy = new ProviderRequestError(redact(error.message), error.status, { ...options, ...(error.providerMessage !== undefined ? { providerMessage: redact(error.providerMessage) } : {}) });
  } else {
    return new ProviderRequestError(`${where} failed: ${redact(String((error as Error)?.message ?? error))}`, undefined, { cause: scrubbedError(error, redact) });
  }
  if (error.stack) copy.stack = redact(error.stack);
  return copy;
}

/**
 * A header value `fetch` would refuse (a line break, NUL, another control character, or a character
 * beyond Latin-1: most often an admin key pasted with its newline) fails here, naming the header and
 * never its value: the runtime's own error quotes the whole value.
 */
function refuseUnsendableHeaders(headers: Record<string, string>, where: string): void {
  for (const [name, value] of Object.entries(headers)) {
    // eslint-disable-next-line no-control-regex
    const bad = /[\u0000-\u0008\u000a-\u001f\u007f]|[^\u0000-\u00ff]/.exec(value);
    if (!bad) continue;
    const what = bad[0] === '\n' || bad[0] === '\r' ? 'a line break' : bad[0] === '\u0000' ? 'a NUL character' : bad[0].charCodeAt(0) < 0x80 ? 'a control character' : 'a character outside Latin-1';
    throw new ProviderRequestError(`${where}: not sent, the ${name} header holds ${what} at position ${bad.index + 1} (check the admin key for a stray newline or a pasted quote)`);
  }
}

function parseJson(text: string, status: number, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ProviderRequestError(`${where} answered HTTP ${status} with a body that is not JSON: ${text.slice(0, 120)}`, status, { cause });
  }
}

/** The provider's own error message from its envelope, or the start of the body. */
function errorMessageOf(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (typeof message === 'string' && message) return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || `HTTP ${status}`;
}

/**
 * The server's requested wait, in ms: `retry-after-ms` (OpenAI sends it beside `retry-after`), else
 * `Retry-After` as seconds or an HTTP date. Undefined when absent or unreadable (then: our backoff).
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** fetch says only "fetch failed"; the reason (refused, reset, DNS, TLS, a body cut short) is its cause. */
function describeNetworkError(error: unknown): string {
  const e = error as Error & { cause?: { message?: string; code?: string } };
  const detail = e.cause ? `: ${e.cause.code ?? e.cause.message ?? String(e.cause)}` : '';
  return `${e.message ?? String(error)}${detail}`;
}
