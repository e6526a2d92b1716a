import { describe, expect, it } from 'vitest';
import { redactorOf, scrubbedError } from '../../../../functions/lib/http/scrub-headers';

const KEY = 'sk-ant-admin01-TOPsecretPART\nBOTTOMsecretPART\u0000tail';

/** Every text reachable from an error: name, message, stack, code, causes and AggregateError entries. */
function texts(error: unknown, depth = 0): string[] {
  if (!(error instanceof Error) || depth > 10) return [];
  const e = error as Error & { code?: unknown; errors?: unknown[] };
  return [e.name, e.message, String(e.stack), String(e.code), JSON.stringify(e), ...texts(e.cause, depth + 1), ...(e.errors ?? []).flatMap((x) => texts(x, depth + 1))];
}

describe('scrubbing header values from errors', () => {
  it('redacts a value as sent, JSON-escaped, URL-encoded, and each piece of it split at its newline or NUL', () => {
    const redact = redactorOf([KEY, 'costline']);
    const text = `raw ${KEY} json ${JSON.stringify(KEY)} url ${encodeURIComponent(KEY)} halves sk-ant-admin01-TOPsecretPART / BOTTOMsecretPART by costline`;
    const out = redact(text);
    for (const piece of ['TOPsecretPART', 'BOTTOMsecretPART', 'costline']) expect(out).not.toContain(piece);
    expect(out).toContain('halves [redacted] / [redacted] by [redacted]');
  });

  it('leaves pieces shorter than four characters alone, so ordinary words survive', () => {
    expect(redactorOf(['a b\nkey-value'])('a b is fine; key-value is not')).toBe('a b is fine; [redacted] is not');
  });

  it('copies an error with nothing of the key in its message, stack, code, causes or aggregated errors, and no foreign property', () => {
    const inner = Object.assign(new Error(`connect failed for ${KEY}`), { code: `E_sk-ant-admin01-TOPsecretPART` });
    const aggregate = new AggregateError([inner, new TypeError(`bad header "${JSON.stringify(KEY)}"`)], 'several failures');
    const outer = Object.assign(new TypeError(`Headers.append: "${KEY}" is an invalid header value.`, { cause: aggregate }), { request: { headers: { 'x-api-key': KEY } } });
    const copy = scrubbedError(outer, redactorOf([KEY]));
    expect(copy.name).toBe('TypeError');
    expect(copy.message).toBe('Headers.append: "[redacted]" is an invalid header value.');
    expect((copy as { request?: unknown }).request).toBeUndefined();
    expect((copy.cause as { errors: unknown[] }).errors).toHaveLength(2);
    const all = texts(copy).join('\n');
    for (const piece of ['TOPsecretPART', 'BOTTOMsecretPART']) expect(all).not.toContain(piece);
  });

  it('copies a thrown non-error (a string, an object) as an error, redacted', () => {
    expect(scrubbedError({ header: KEY }, redactorOf([KEY])).message).not.toContain('TOPsecretPART');
    expect(scrubbedError(`oops ${KEY}`, redactorOf([KEY])).message).toMatch(/^oops \[redacted\]$/);
  });
});
