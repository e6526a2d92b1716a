/** An OpenAI API error, sent as `{ "error": { message, type, param, code } }` with its HTTP status. */
export class OpenAiApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 naming the parameter at fault, as the API words a bad value. */
export const badParam = (param: string, message: string) => new OpenAiApiError(400, message, 'invalid_request_error', param, 'invalid_value');
