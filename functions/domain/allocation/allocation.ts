import type { AllocationPolicy, AllocationRule } from './allocation-policy';
import { globMatches } from '../../lib/glob';
import type { CostRecord } from '../records/cost-record';
import type { UsageRecord } from '../records/usage-record';

/** What allocation looks at: cost and usage records both have it. */
export type Allocatable = Pick<CostRecord, 'provider' | 'subAccountId' | 'serviceName' | 'usageType' | 'tags' | 'apiKeyId' | 'model' | 'iamPrincipal' | 'resourceId'> | UsageRecord;

/** A record's IAM principal (billing exports' AI lines only; usage records carry none). */
export const principalOf = (r: Allocatable): string | undefined => ('iamPrincipal' in r ? r.iamPrincipal : undefined);
/** A record's resource, an inference profile ARN (billing exports only). */
export const resourceOf = (r: Allocatable): string | undefined => ('resourceId' in r ? r.resourceId : undefined);

/** Where one record's dollars go, and why. */
export type Allocation =
  | { kind: 'team'; team: string; by: 'tag'; tagValue: string }
  | { kind: 'team'; team: string; by: 'rule'; ruleIndex: number }
  | { kind: 'pool'; pool: string; ruleIndex: number }
  | { kind: 'unallocated' };

/** The team bucket every dollar no rule claims goes to; it is reported, never dropped. */
export const UNALLOCATED = '__unallocated__';

/** Allocates one record. Built once per policy by {@link createAllocator}. */
export type Allocator = (record: Allocatable) => Allocation;

function normalize(name: string): string {
  return name.trim().toLowerCase();
}

/** The Anthropic default workspace arrives as null; rules name it `default`. */
export const DEFAULT_WORKSPACE = 'default';

/** Whether a record meets every field of a rule's match (team rules and dimension rules alike). */
export function ruleMatches(rule: Pick<AllocationRule, 'match'>, record: Allocatable): boolean {
  const m = rule.match;
  return (
    (m.provider === undefined || m.provider === record.provider) &&
    (m.account === undefined || (record.provider === 'aws' && m.account === record.subAccountId)) &&
    (m.subAccount === undefined || m.subAccount === record.subAccountId) &&
    (m.project === undefined || (record.provider === 'openai' && m.project === record.subAccountId)) &&
    (m.workspace === undefined || (record.provider === 'anthropic' && m.workspace === (record.subAccountId ?? DEFAULT_WORKSPACE))) &&
    (m.apiKey === undefined || m.apiKey === record.apiKeyId) &&
    (m.model === undefined || globMatches(m.model, record.model)) &&
    (m.service === undefined || m.service === record.serviceName) &&
    (m.usageType === undefined || m.usageType === record.usageType) &&
    (m.tag === undefined || record.tags[m.tag.key] === m.tag.value) &&
    (m.iamPrincipal === undefined || globMatches(m.iamPrincipal, principalOf(record) ?? null)) &&
    (m.resource === undefined || globMatches(m.resource, resourceOf(record) ?? null))
  );
}

/**
 * Builds the allocator for a policy. Order, first hit wins:
 * 1. the team tag (`policy.tagKey`, the config's `allocation.awsTagKey`) equals a team id or alias, compared trimmed and case-insensitively;
 * 2. the rules, in order (a rule names a team or a shared pool);
 * 3. otherwise the record is unallocated.
 */
export function createAllocator(policy: AllocationPolicy): Allocator {
  const teamByName = new Map<string, string>();
  for (const team of policy.teams) {
    for (const name of [team.id, ...team.aliases]) teamByName.set(normalize(name), team.id);
  }
  const { tagKey, rules } = policy;
  return (record) => {
    const tagValue = record.tags[tagKey];
    if (tagValue !== undefined) {
      const team = teamByName.get(normalize(tagValue));
      if (team !== undefined) return { kind: 'team', team, by: 'tag', tagValue };
    }
    const ruleIndex = rules.findIndex((rule) => ruleMatches(rule, record));
    if (ruleIndex < 0) return { kind: 'unallocated' };
    const rule = rules[ruleIndex]!;
    return rule.pool !== undefined ? { kind: 'pool', pool: rule.pool, ruleIndex } : { kind: 'team', team: rule.team!, by: 'rule', ruleIndex };
  };
}
