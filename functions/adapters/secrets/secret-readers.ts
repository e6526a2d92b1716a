import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretReader } from '../../ports/ports';
import { sdkRequestHandler } from '../../lib/sdk-timeouts';
import { checkedAdminKey } from './admin-key';

export { InvalidSecretError } from './admin-key';

// Created once, on first use, like getSecret's own default provider, but with the SDK timeouts every client gets.
let secrets: SecretsProvider | undefined;

/** Thrown when an admin key cannot be had; names where it was looked for, never a value. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
}

/** What the reader asks of Powertools' `SecretsProvider` (a test gives its own). */
export type SecretsGetter = Pick<SecretsProvider, 'get'>;

/**
 * Reads an admin key from Secrets Manager (name or ARN), cached for five minutes across warm invocations
 * by Powertools Parameters. The secret's value is the key itself, as plain text; surrounding whitespace
 * is trimmed and any other control character refused (see {@link checkedAdminKey}).
 */
export function secretsManagerReader(secretId: string, provider?: SecretsGetter): SecretReader {
  return async () => {
    let value: unknown;
    try {
      const source = provider ?? (secrets ??= new SecretsProvider({ clientConfig: { requestHandler: sdkRequestHandler(), maxAttempts: 3 } }));
      value = await source.get(secretId, { maxAge: 300 });
    } catch (cause) {
      throw new MissingSecretError(`cannot read secret "${secretId}" from Secrets Manager: ${(cause as Error).message}`, { cause });
    }
    if (typeof value !== 'string' || value.trim() === '') throw new MissingSecretError(`secret "${secretId}" is empty or not text: store the admin key itself as the secret string`);
    return checkedAdminKey(value, `secret "${secretId}"`);
  };
}

/**
 * Reads an admin key from an environment variable (local runs and `--live`), trimmed and checked as
 * {@link secretsManagerReader} does.
 */
export function environmentReader(variable: string, env: NodeJS.ProcessEnv = process.env): SecretReader {
  return async () => {
    const value = env[variable];
    if (!value?.trim()) throw new MissingSecretError(`environment variable ${variable} is not set: export the organization admin key there`);
    return checkedAdminKey(value, `environment variable ${variable}`);
  };
}
