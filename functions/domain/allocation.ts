import type { AllocationRule, CostlineConfig } from '../config/config-schema';
import type { CostRecord } from './cost-record';

/** Where one record's dollars go, and why. */
export type Allocation =
  | { kind: 'team'; team: string; by: 'tag'; tagValue: string }
  | { kind: 'team'; team: string; by: 'rule'; ruleIndex: number }
  | { kind: 'unallocated' };

/** The team bucket every dollar no rule claims goes to; it is reported, never dropped. */
export const UNALLOCATED = '__unallocated__';

/** Allocates one record. Built once per config by {@link createAllocator}. */
export type Allocator = (record: CostRecord) => Allocation;

function normalize(name: string): string {
  return name.trim().toLowerCase();
}

function ruleMatches(rule: AllocationRule, record: CostRecord): boolean {
  const m = rule.match;
  return (
    (m.provider === undefined || m.provider === record.provider) &&
    (m.account === undefined || m.account === record.subAccountId) &&
    (m.service === undefined || m.service === record.serviceName) &&
    (m.usageType === undefined || m.usageType === record.usageType) &&
    (m.tag === undefined || record.tags[m.tag.key] === m.tag.value)
  );
}

/**
 * Builds the allocator for a configuration. Order, first hit wins:
 * 1. the team tag (`allocation.awsTagKey`) equals a team id or alias, compared trimmed and case-insensitively;
 * 2. the rules, in order;
 * 3. otherwise the record is unallocated.
 */
export function createAllocator(config: CostlineConfig): Allocator {
  const teamByName = new Map<string, string>();
  for (const team of config.teams) {
    for (const name of [team.id, ...team.aliases]) teamByName.set(normalize(name), team.id);
  }
  const tagKey = config.allocation.awsTagKey;
  const rules = config.allocation.rules;
  return (record) => {
    const tagValue = record.tags[tagKey];
    if (tagValue !== undefined) {
      const team = teamByName.get(normalize(tagValue));
      if (team !== undefined) return { kind: 'team', team, by: 'tag', tagValue };
    }
    const ruleIndex = rules.findIndex((rule) => ruleMatches(rule, record));
    if (ruleIndex >= 0) return { kind: 'team', team: rules[ruleIndex]!.team, by: 'rule', ruleIndex };
    return { kind: 'unallocated' };
  };
}
