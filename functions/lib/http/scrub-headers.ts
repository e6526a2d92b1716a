/** Replaces every occurrence of a secret in a text. */
export type Redact = (text: string) => string;

const REDACTED = '[redacted]';
/** Pieces shorter than this are left alone: they say nothing of a key, and would blank ordinary words. */
const MIN_PIECE = 4;

/**
 * A redactor for request header values: each value as sent, as JSON or `util.inspect` escape it
 * (`\n`, `\u0000`), URL-encoded, and each piece of it between whitespace and control characters (an
 * HTTP stack that splits a value at its newline prints the halves). Longest first, so a piece never
 * leaves part of a longer match behind.
 */
export function redactorOf(values: readonly string[]): Redact {
  const forms = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
    // eslint-disable-next-line no-control-regex
    for (const piece of value.split(/[\s\u0000-\u001f\u007f]+/)) forms.add(piece);
  }
  const needles = [...forms].filter((f) => f.length >= MIN_PIECE).sort((a, b) => b.length - a.length);
  return (text) => needles.reduce((t, needle) => t.split(needle).join(REDACTED), text);
}

/** How deep a cause chain is copied; deeper links are dropped rather than risked. */
const MAX_DEPTH = 8;

/**
 * A copy of an error with nothing of the redacted values left in it: message, stack, `code`, every
 * `cause` and every `errors` entry (AggregateError), each redacted. The copy is a plain Error with the
 * source's name (the class is not kept: a foreign class may read internal state the copy lacks), and
 * no property but those (a request object, its headers) survives.
 */
export function scrubbedError(error: unknown, redact: Redact, depth = 0): Error {
  const source = error instanceof Error ? error : new Error(typeof error === 'string' ? error : safeString(error));
  const copy = new Error(redact(String(source.message)));
  const own = (key: string, value: unknown, enumerable = false) => Object.defineProperty(copy, key, { value, writable: true, configurable: true, enumerable });
  own('name', redact(String(source.name)));
  own('stack', redact(source.stack ?? `${source.name}: ${source.message}`));
  if (source.cause !== undefined && depth < MAX_DEPTH) own('cause', scrubbedError(source.cause, redact, depth + 1));
  // A system error's code says what happened (ECONNRESET): kept, redacted.
  for (const key of ['status', 'code', 'errno', 'syscall'] as const) {
    const value = (source as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') own(key, value, true);
    else if (typeof value === 'string') own(key, redact(value), true);
  }
  const errors = (source as { errors?: unknown }).errors;
  if (Array.isArray(errors) && depth < MAX_DEPTH) own('errors', errors.map((e) => scrubbedError(e, redact, depth + 1)));
  return copy;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
