import type { AllocationPolicy } from '../domain/allocation/allocation-policy';
import { costBasisOf, type ChargebackPolicy } from '../domain/chargeback/chargeback-policy';
import type { GuardrailsPolicy } from '../domain/guardrails/policy';
import { awsSourceIdOf } from '../lib/source-ids';
import { lastRepullDay, type CostlineConfig } from './config-schema';

/**
 * The narrow policies the domain takes, derived from the configuration here, once per job: the domain
 * never sees the whole config.
 */

/** What allocation reads: the teams' names, the team tag key, the rules, and which AWS source counts on a day both have. */
export function allocationPolicyOf(config: CostlineConfig): AllocationPolicy {
  const mode = config.sources.aws.mode;
  const billPrecedence = [awsSourceIdOf(mode), awsSourceIdOf(mode === 'data-exports' ? 'cost-explorer' : 'data-exports')];
  return { teams: config.teams, tagKey: config.allocation.awsTagKey, rules: config.allocation.rules, billPrecedence };
}

/** What the chargeback reads: currency, teams and budgets, shared pools, cost basis and when a month closes. */
export function chargebackPolicyOf(config: CostlineConfig): ChargebackPolicy {
  return {
    currency: config.currency,
    teams: config.teams,
    sharedPools: config.allocation.sharedPools,
    shareUnallocated: config.allocation.shareUnallocated,
    costBasis: costBasisOf(config.sources.aws.costMetric),
    repullUntilDay: lastRepullDay(config),
  };
}

/** What the guardrails read: the teams and their budgets, the cost basis and the alert settings. */
export function guardrailsPolicyOf(config: CostlineConfig): GuardrailsPolicy {
  const { thresholds, budgets, organizationAiBudget, forecast, anomaly, unitCost, shadowAi, silences } = config.alerts;
  return {
    teams: config.teams,
    costBasis: costBasisOf(config.sources.aws.costMetric),
    thresholds,
    budgets,
    ...(organizationAiBudget !== undefined ? { organizationAiBudget } : {}),
    forecast,
    anomaly,
    unitCost,
    shadowAi,
    silences,
  };
}
