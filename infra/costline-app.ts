import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configWarnings } from '../functions/config/config-schema';
import { DEFAULT_CONFIG_FILE, loadConfigFile } from '../functions/config/load-config';
import { CostlineStack } from './costline-stack';

/** Stack name, also the prefix of alarm names. */
export const STACK_NAME = 'Costline';

/**
 * Config file to synthesize with: context `config` (`cdk synth -c config=path`), else `COSTLINE_CONFIG`, else
 * `costline.config.json` in the working directory.
 */
export function configPathFor(app: App, env: NodeJS.ProcessEnv = process.env): string {
  const fromContext: unknown = app.node.tryGetContext('config');
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  return env.COSTLINE_CONFIG || DEFAULT_CONFIG_FILE;
}

/**
 * Builds the costline app: reads and validates the config (throws `ConfigError`), adds the stack and attaches
 * the cdk-nag AWS Solutions checks, so findings fail synthesis.
 */
export function buildCostlineApp(app: App = new App(), env: NodeJS.ProcessEnv = process.env): { app: App; stack: CostlineStack } {
  const configFile = configPathFor(app, env);
  const config = loadConfigFile(configFile);
  const stack = new CostlineStack(app, STACK_NAME, {
    config,
    configFile,
    description: 'costline: AWS and model-provider billing ingest, per-team chargeback and budget alerts',
  });
  for (const warning of configWarnings(config)) Annotations.of(stack).addWarningV2('costline:config', `${configFile}: ${warning}`);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
