/** The `error.type` values of the Anthropic API. */
export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'api_error' | 'overloaded_error';

/** An Anthropic API error, sent as `{ "type": "error", "error": { type, message } }` with its HTTP status. */
export class AnthropicApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
  ) {
    super(message);
  }

  toBody() {
    return { type: 'error', error: { type: this.type, message: this.message } };
  }
}

/** A 400 `invalid_request_error`. */
export const invalid = (message: string) => new AnthropicApiError(400, 'invalid_request_error', message);
