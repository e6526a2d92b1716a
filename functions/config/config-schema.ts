/**
 * The config module's public surface: the schema of `costline.config.json` and its types
 * (`costline-config.ts`, assembled from the `*-schema.ts` sections), validation (`parse-config.ts`), the warnings
 * about rules that validate but cannot match (`config-warnings.ts`), and when a month stops being re-pulled
 * (`repull-day.ts`). Reading a file is `load-config.ts`.
 */
export { SCOPE_PATTERN } from './alerts-schema';
export { ALERT_KINDS, type AlertKind } from '../domain/guardrails/alert';
export { SHARE_METHODS } from './allocation-schema';
export { PROVIDERS } from './config-fields';
export { configWarnings, shadows } from './config-warnings';
export type { AllocationRule, BudgetScopeConfig, CostlineConfig, TeamConfig } from './costline-config';
export { ConfigError, parseConfig } from './parse-config';
export { lastRepullDay } from './repull-day';
export { ANTHROPIC_APIS, AWS_ENGINES, AWS_MODES, COST_METRICS, type AnthropicApi, type AwsEngine, type AwsMode, type CostMetric } from './sources-schema';
