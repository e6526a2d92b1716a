import { describeIssues } from '../lib/zod-issues';
import { configSchema, type CostlineConfig } from './costline-config';

/** Thrown when a configuration file cannot be read or does not validate; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly problems: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Validates a parsed configuration object.
 * @param raw the parsed JSON
 * @param source where it came from, named in the error (a file path)
 * @throws ConfigError naming each field and what is wrong with it
 */
export function parseConfig(raw: unknown, source = 'config'): CostlineConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues);
  throw new ConfigError(`${source} is invalid:\n  - ${problems.join('\n  - ')}`, problems);
}
