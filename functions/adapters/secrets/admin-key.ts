/**
 * An admin key goes into an HTTP header. A key with a line break, a NUL or another control character in
 * it makes the HTTP library refuse the header and print the whole value in its error, so a key is
 * checked here, once, where it is read, and refused with an error that names where it came from and
 * what is wrong, never any of its characters.
 */

/** Thrown when a secret holds something that cannot be an admin key; never contains the value. */
export class InvalidSecretError extends Error {
  override readonly name = 'InvalidSecretError';
}

/** What a character is, in words, without showing it (the position is the only other thing said). */
function describeCharacter(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const named: Record<number, string> = { 0x00: 'a NUL byte', 0x09: 'a tab', 0x0a: 'a line feed (\\n)', 0x0d: 'a carriage return (\\r)', 0x20: 'a space', 0x7f: 'a DEL character' };
  if (named[code] !== undefined) return `${named[code]} (${hex})`;
  if (code < 0x20 || (code >= 0x80 && code < 0xa0)) return `a control character (${hex})`;
  return `a non-ASCII character (${hex})`;
}

/**
 * The admin key a secret holds, with surrounding whitespace trimmed (the trailing newline that `echo`,
 * secret files and some consoles add). What is left must be one run of printable ASCII, as every
 * OpenAI and Anthropic key is.
 * @param value the secret's raw text
 * @param source where it came from, for the error: `secret "costline/openai-admin-key"`, `environment variable OPENAI_ADMIN_KEY`
 * @throws InvalidSecretError naming the source, the kind of character and its position; never the key
 */
export function checkedAdminKey(value: string, source: string): string {
  const key = value.trim();
  // Code points, not UTF-16 units, so a position counts characters as a person would.
  const chars = [...key];
  const at = chars.findIndex((c) => c < '\x21' || c > '\x7e');
  if (at >= 0) {
    throw new InvalidSecretError(
      `${source} holds ${describeCharacter(chars[at]!)} at character ${at + 1} (after trimming surrounding whitespace): an admin key is one line of printable ASCII; store the key alone, with no quotes, line breaks or second key`,
    );
  }
  return key;
}
