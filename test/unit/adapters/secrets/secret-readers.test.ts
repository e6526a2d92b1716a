import { beforeEach, describe, expect, it, vi } from 'vitest';
import { environmentReader, InvalidSecretError, MissingSecretError, secretsManagerReader as readerOf, type SecretsGetter } from '../../../../functions/adapters/secrets/secret-readers';

// Secrets Manager as Powertools' SecretsProvider reads it: `get` is what each test answers.
const getSecret = vi.fn<(id: string, options: unknown) => Promise<unknown>>();
const provider = { get: (id: string, options: unknown) => getSecret(id, options) } as SecretsGetter;
const secretsManagerReader = (secretId: string) => readerOf(secretId, provider);

const KEY = 'sk-admin-AbCdEfGh0123456789xyzXYZ';

/** The error a reader throws, to look at its message. */
async function failure(read: () => Promise<string>): Promise<Error> {
  try {
    await read();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the read to fail');
}

/** No run of 8 or more characters of the key (beyond the public `sk-admin-` prefix) appears in the text. */
function expectNoKeyIn(text: string, key: string): void {
  const secret = key.replace(/^sk-admin-/, '');
  for (let i = 0; i + 8 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 8));
}

describe('admin key readers', () => {
  beforeEach(() => getSecret.mockReset());

  it('trims the trailing newline a secret file or echo leaves, from the environment and from Secrets Manager', async () => {
    expect(await environmentReader('OPENAI_ADMIN_KEY', { OPENAI_ADMIN_KEY: `${KEY}\n` })()).toBe(KEY);
    expect(await environmentReader('OPENAI_ADMIN_KEY', { OPENAI_ADMIN_KEY: `  ${KEY}\r\n` })()).toBe(KEY);
    getSecret.mockResolvedValue(`${KEY}\n`);
    expect(await secretsManagerReader('costline/openai-admin-key')()).toBe(KEY);
  });

  it('refuses a key with a newline in the middle, naming the variable and never showing the key', async () => {
    const value = `${KEY.slice(0, 20)}\n${KEY.slice(20)}`;
    const error = await failure(environmentReader('OPENAI_ADMIN_KEY', { OPENAI_ADMIN_KEY: value }));
    expect(error).toBeInstanceOf(InvalidSecretError);
    expect(error.message).toBe(
      'environment variable OPENAI_ADMIN_KEY holds a line feed (\\n) (U+000A) at character 21 (after trimming surrounding whitespace): an admin key is one line of printable ASCII; store the key alone, with no quotes, line breaks or second key',
    );
    expectNoKeyIn(error.message, value);
    expectNoKeyIn(String(error.stack), value);
  });

  it('refuses a NUL, a carriage return, a tab or another control character in a Secrets Manager key, naming the secret', async () => {
    for (const [value, what] of [
      [`${KEY}\u0000`, 'a NUL byte (U+0000) at character 34'],
      [`${KEY.slice(0, 10)}\r${KEY.slice(10)}`, 'a carriage return (\\r) (U+000D) at character 11'],
      [`${KEY.slice(0, 10)}\t${KEY.slice(10)}`, 'a tab (U+0009) at character 11'],
      [`${KEY.slice(0, 10)}\u001b${KEY.slice(10)}`, 'a control character (U+001B) at character 11'],
      [`${KEY} ${KEY}`, 'a space (U+0020) at character 34'],
      [`\u201c${KEY}\u201d`, 'a non-ASCII character (U+201C) at character 1'],
    ] as const) {
      getSecret.mockResolvedValue(value);
      const error = await failure(secretsManagerReader('costline/anthropic-admin-key'));
      expect(error).toBeInstanceOf(InvalidSecretError);
      expect(error.message).toMatch(new RegExp(`^secret "costline/anthropic-admin-key" holds ${what.replace(/[()\\+]/g, '\\$&')} `));
      expectNoKeyIn(error.message, KEY);
    }
  });

  it('still tells a missing or empty key apart from a malformed one', async () => {
    await expect(environmentReader('ANTHROPIC_ADMIN_KEY', {})()).rejects.toThrow(MissingSecretError);
    await expect(environmentReader('ANTHROPIC_ADMIN_KEY', { ANTHROPIC_ADMIN_KEY: '\n' })()).rejects.toThrow('environment variable ANTHROPIC_ADMIN_KEY is not set');
    getSecret.mockResolvedValue('  \n');
    await expect(secretsManagerReader('costline/openai-admin-key')()).rejects.toThrow('secret "costline/openai-admin-key" is empty or not text');
  });
});
