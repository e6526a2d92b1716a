import { globMatches } from '../lib/glob';
import type { AllocationRule, CostlineConfig } from './costline-config';

/**
 * Rules that validate but cannot match what the sources report, as warnings (the config still loads):
 * Cost Explorer records carry the team tag, service and (untagged spend) account, but no usage type
 * and no other tags.
 */
export function configWarnings(config: CostlineConfig): string[] {
  const warnings: string[] = [];
  config.allocation.rules.forEach((rule, i) => {
    const earlier = config.allocation.rules.findIndex((other, j) => j < i && shadows(other.match, rule.match));
    if (earlier >= 0) warnings.push(`allocation.rules[${i}]: can never match, because allocation.rules[${earlier}] matches everything it would (first match wins)`);
  });
  config.allocation.rules.forEach((rule, i) => {
    const at = `allocation.rules[${i}].match`;
    const implied = new Set(
      [rule.match.provider, rule.match.project && 'openai', rule.match.workspace && 'anthropic', rule.match.account && 'aws'].filter((p): p is string => typeof p === 'string'),
    );
    if (implied.size > 1) warnings.push(`${at}: its fields belong to different providers (${[...implied].join(', ')}), so it can never match`);
    if (rule.match.provider === 'aws' && rule.match.usageType !== undefined) {
      warnings.push(`${at}.usageType: AWS records carry no usage type (Cost Explorer is queried by tag and service), so this rule never matches AWS spend`);
    }
    if (rule.match.tag !== undefined && rule.match.tag.key !== config.allocation.awsTagKey) {
      warnings.push(`${at}.tag: only the "${config.allocation.awsTagKey}" tag (allocation.awsTagKey) is read from Cost Explorer, so a rule on tag "${rule.match.tag.key}" never matches`);
    }
    warnings.push(...exportOnlyFields(config, at, rule.match));
  });
  const platformAlerts = [config.alerts.shadowAi.enabled && config.alerts.shadowAi.watchModels.length > 0 && 'watched-model alerts', config.alerts.organizationAiBudget !== undefined && 'the organisation AI budget\'s alerts'].filter(Boolean);
  if (platformAlerts.length > 0 && config.alerts.platformEmails.length === 0) {
    warnings.push(`alerts.platformEmails is empty: ${platformAlerts.join(' and ')} are published but no address subscribes to them`);
  }
  return warnings;
}

type RuleMatch = AllocationRule['match'];

/**
 * In Cost Explorer mode no record carries an IAM principal or a resource: team rules on them never match.
 * (What a dimension cannot see in that mode is said in the statement instead: see `dimensionNoteOf`.)
 */
function exportOnlyFields(config: CostlineConfig, at: string, match: RuleMatch): string[] {
  const aws = config.sources.aws;
  if (!aws.enabled || aws.mode === 'data-exports') return [];
  return (['iamPrincipal', 'resource'] as const)
    .filter((field) => match[field] !== undefined)
    .map((field) => `${at}.${field}: Cost Explorer mode reports no ${field === 'iamPrincipal' ? 'IAM principals' : 'resources'}, so this never matches AWS spend; use sources.aws.mode "data-exports"`);
}

/** The provider a rule can only ever match, given its fields (a project is OpenAI's, a workspace Anthropic's). */
function providerOf(m: RuleMatch): string | undefined {
  return m.provider ?? (m.project ? 'openai' : m.workspace ? 'anthropic' : m.account || m.iamPrincipal || m.resource ? 'aws' : undefined);
}

function patternCovers(general: string, specific: string): boolean {
  if (general === specific) return true;
  if (specific.includes('*')) return false; // a pattern against a pattern: only equal ones are sure
  return globMatches(general, specific);
}

/**
 * Whether every record `later` matches is also matched by `earlier`: each condition of the earlier rule
 * is implied by a condition of the later one. Only sure cases count; a warning must not be wrong.
 */
export function shadows(earlier: RuleMatch, later: RuleMatch): boolean {
  const checks: boolean[] = [];
  if (earlier.provider !== undefined) checks.push(providerOf(later) === earlier.provider);
  for (const field of ['account', 'subAccount', 'service', 'usageType', 'project', 'workspace', 'apiKey'] as const) {
    if (earlier[field] !== undefined) checks.push(later[field] === earlier[field]);
  }
  if (earlier.model !== undefined) checks.push(later.model !== undefined && patternCovers(earlier.model, later.model));
  for (const field of ['iamPrincipal', 'resource'] as const) {
    const general = earlier[field];
    if (general !== undefined) checks.push(later[field] !== undefined && patternCovers(general, later[field]));
  }
  if (earlier.tag !== undefined) checks.push(later.tag !== undefined && later.tag.key === earlier.tag.key && later.tag.value === earlier.tag.value);
  return checks.every(Boolean);
}
