import type { AllocationPolicy } from '../domain/allocation/allocation-policy';
import { costBasisOf, type ChargebackPolicy } from '../domain/chargeback/chargeback-policy';
import type { GuardrailsPolicy } from '../domain/guardrails/policy';
import { awsSourceIdOf } from '../lib/source-ids';
import { lastRepullDay, type CostlineConfig } from './config-schema';
import type { DimensionConfig } from './costline-config';

/**
 * The narrow policies the domain takes, derived from the configuration here, once per job: the domain
 * never sees the whole config.
 */

/** What allocation reads: the teams' names, the team tag key, the rules, the further dimensions, and which AWS source counts on a day both have. */
export function allocationPolicyOf(config: CostlineConfig): AllocationPolicy {
  const { awsTagKey, rules, dimensions } = config.allocation;
  return {
    teams: config.teams,
    tagKey: awsTagKey,
    rules,
    billPrecedence: billPrecedenceOf(config),
    // Present only when configured, so a month without dimensions is allocated exactly as before.
    ...(dimensions.length > 0 ? { dimensions: dimensions.map((d) => ({ id: d.id, tagKey: d.tagKey, rules: d.rules ?? [], ...noteOf(config, d) })) } : {}),
  };
}

/**
 * What a dimension cannot see in Cost Explorer mode, for its statement section: Cost Explorer groups AWS
 * spend by the team tag only and reports no callers or resources. Nothing in data-exports mode.
 */
function noteOf(config: CostlineConfig, d: DimensionConfig): { note?: string } {
  const aws = config.sources.aws;
  if (!aws.enabled || aws.mode === 'data-exports') return {};
  const unseen = [
    ...(d.tagKey !== undefined && d.tagKey !== config.allocation.awsTagKey ? [`tag ${d.tagKey}`] : []),
    ...((d.rules ?? []).some((r) => r.match.iamPrincipal !== undefined) ? ['IAM principals'] : []),
    ...((d.rules ?? []).some((r) => r.match.resource !== undefined) ? ['resources'] : []),
  ];
  return unseen.length ? { note: `dimension ${d.id}: Cost Explorer mode cannot see ${unseen.join(' or ')} on AWS spend; use data-exports` } : {};
}

/**
 * The tags besides the team tag that rules and dimensions read (`allocation.rules[].match.tag`,
 * `allocation.dimensions[].tagKey` and their rules' tags): the billing exports carry them onto records.
 */
export function recordTagKeysOf(config: CostlineConfig): string[] {
  const { awsTagKey, rules, dimensions } = config.allocation;
  const keys = [
    ...rules.flatMap((r) => (r.match.tag ? [r.match.tag.key] : [])),
    ...dimensions.flatMap((d) => [...(d.tagKey !== undefined ? [d.tagKey] : []), ...(d.rules ?? []).flatMap((r) => (r.match.tag ? [r.match.tag.key] : []))]),
  ];
  return [...new Set(keys)].filter((k) => k !== awsTagKey);
}

/** The sources that each carry the whole AWS bill, the configured mode's first (see `oneBillPerDay`). */
export function billPrecedenceOf(config: CostlineConfig): string[] {
  const mode = config.sources.aws.mode;
  return [awsSourceIdOf(mode), awsSourceIdOf(mode === 'data-exports' ? 'cost-explorer' : 'data-exports')];
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
