import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig, type CostlineConfig } from './config-schema';

/** Default file name, looked up in the working directory (CLI, CDK app) or the Lambda task root. */
export const DEFAULT_CONFIG_FILE = 'costline.config.json';

/**
 * Reads and validates a costline configuration file.
 * @throws ConfigError when the file is missing, is not JSON, or fails validation; the message names the file.
 */
export function loadConfigFile(path: string = DEFAULT_CONFIG_FILE): CostlineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, [], { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path} is not valid JSON: ${(cause as Error).message}`, [], { cause });
  }
  return parseConfig(raw, path);
}

export { ConfigError, parseConfig, type CostlineConfig } from './config-schema';
