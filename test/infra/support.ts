import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type AppProps } from 'aws-cdk-lib';
import { loadConfigFile, parseConfig, type CostlineConfig } from '../../functions/config/load-config';

/** Repository root (where `cdk.json` and `costline.config.json` live). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The configuration file the app synthesizes with by default. */
export const CONFIG_FILE = join(REPO_ROOT, 'costline.config.json');

/** The feature flags and settings of `cdk.json`, so tests synthesize what `cdk synth` synthesizes. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** An App with the `cdk.json` context; bundling is skipped unless `bundle` is set. */
export function testApp(options: { bundle?: boolean; context?: Record<string, unknown> } & Omit<AppProps, 'context'> = {}): App {
  const { bundle = false, context = {}, ...props } = options;
  return new App({
    ...props,
    context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
}

/** The repository's configuration, optionally changed (the result is validated like a file would be). */
export function testConfig(change?: (raw: Record<string, any>) => void): CostlineConfig {
  if (!change) return loadConfigFile(CONFIG_FILE);
  const raw = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Record<string, any>;
  change(raw);
  return parseConfig(raw, 'test config');
}
