import { readFileSync } from 'node:fs';
import { formatPath } from '../lib/zod-issues';
import { ConfigEncodingError, decodeConfigText } from './config-encoding';
import { ConfigError, parseConfig, type CostlineConfig } from './config-schema';
import { findDuplicateKeys } from './json-duplicate-keys';

/**
 * The configuration's file name: the default looked up in the working directory (CLI, CDK app), and the name the
 * stack copies the file to in each bundle, where the functions read it from the Lambda task root.
 */
export const DEFAULT_CONFIG_FILE = 'costline.config.json';

/**
 * Reads and validates a costline configuration file. The file must be UTF-8 (a byte order mark is
 * dropped) and give each key once per object.
 * @throws ConfigError when the file is missing, is not UTF-8, is not JSON, repeats a key, or fails
 * validation; the message names the file.
 */
export function loadConfigFile(path: string = DEFAULT_CONFIG_FILE): CostlineConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, [], { cause });
  }
  let text: string;
  try {
    text = decodeConfigText(bytes);
  } catch (cause) {
    if (!(cause instanceof ConfigEncodingError)) throw cause;
    throw new ConfigError(`${path} ${cause.message}`, [], { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path} is not valid JSON: ${(cause as Error).message}`, [], { cause });
  }
  const duplicates = findDuplicateKeys(text).map(
    (d) => `${formatPath(d.path)}: given twice (lines ${d.firstLine} and ${d.line}); JSON keeps only the last one, so remove or merge one of them`,
  );
  if (duplicates.length > 0) throw new ConfigError(`${path} is invalid:\n  - ${duplicates.join('\n  - ')}`, duplicates);
  return parseConfig(raw, path);
}

export { ConfigError, parseConfig, type CostlineConfig } from './config-schema';
