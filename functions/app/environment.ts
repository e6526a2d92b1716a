import { join } from 'node:path';
import { DEFAULT_CONFIG_FILE } from '../config/load-config';

/** Thrown at cold start when a required environment variable is missing. */
export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
}

/** Reads a required variable; read at module load so a misconfigured function fails at cold start. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new MissingEnvironmentError(`environment variable ${name} is not set (the CDK stack sets it; check the function's configuration)`);
  return value;
}

/** The config deployed inside the bundle, unless COSTLINE_CONFIG_PATH points elsewhere. */
export function deployedConfigPath(): string {
  return process.env.COSTLINE_CONFIG_PATH ?? join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), DEFAULT_CONFIG_FILE);
}
