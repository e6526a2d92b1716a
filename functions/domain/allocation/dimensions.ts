import { ruleMatches, type Allocatable } from './allocation';
import type { DimensionPolicy } from './allocation-policy';
import { IdentityTable } from './identity-table';

/** The value of a dimension for a record with no tag for it and no rule that matches it. */
export const NO_VALUE = '(none)';

/** A record's value for one dimension, and what set it. */
export type DimensionValue =
  | { value: string; by: 'tag'; tagKey: string }
  | { value: string; by: 'rule'; ruleIndex: number }
  | { value: typeof NO_VALUE; by: 'none' };

/** Resolves one record's value for each dimension, in the policy's order. */
export type DimensionResolver = (record: Allocatable) => readonly DimensionValue[];

const NONE: DimensionValue = { value: NO_VALUE, by: 'none' };

/**
 * The value of one dimension for a record: its tag `tagKey`, trimmed (values are free text, so case is
 * kept: `prod` and `Prod` are two values), else the value of the first rule it matches, else `(none)`.
 */
export function dimensionValueOf(dimension: DimensionPolicy, record: Allocatable): DimensionValue {
  if (dimension.tagKey !== undefined) {
    const tag = record.tags[dimension.tagKey]?.trim();
    if (tag) return { value: tag, by: 'tag', tagKey: dimension.tagKey };
  }
  const ruleIndex = dimension.rules.findIndex((rule) => ruleMatches(rule, record));
  return ruleIndex < 0 ? NONE : { value: dimension.rules[ruleIndex]!.value, by: 'rule', ruleIndex };
}

/** The tags a dimension reads: its own, and those its rules match on. */
export function dimensionTagKeys(dimensions: readonly DimensionPolicy[]): string[] {
  return [...new Set(dimensions.flatMap((d) => [...(d.tagKey !== undefined ? [d.tagKey] : []), ...d.rules.flatMap((r) => (r.match.tag ? [r.match.tag.key] : []))]))];
}

/**
 * Builds a resolver for the dimensions that decides once per distinct record as the dimensions see it
 * (every field rules read, and the dimensions' tags; see {@link IdentityTable}), so a month of many
 * records runs the rules once per identity.
 */
export function createDimensionResolver(dimensions: readonly DimensionPolicy[]): DimensionResolver {
  const table = new IdentityTable(dimensionTagKeys(dimensions));
  const decided: Array<readonly DimensionValue[]> = [];
  return (record) => {
    const index = table.indexOf(record);
    if (index === decided.length) decided.push(dimensions.map((d) => dimensionValueOf(d, record)));
    return decided[index]!;
  };
}

/** What set a dimension's value, for `explain`: `tag env="prod"`, `rule 0: {...}`, or `no tag env and no rule`. */
export function describeDimensionValue(dimension: DimensionPolicy, v: DimensionValue): string {
  if (v.by === 'tag') return `tag ${v.tagKey}=${JSON.stringify(v.value)}`;
  if (v.by === 'rule') return `rule ${v.ruleIndex}: ${JSON.stringify(dimension.rules[v.ruleIndex]!.match)}`;
  const tag = dimension.tagKey !== undefined ? `no tag ${dimension.tagKey}` : 'no tag key';
  return `${tag} and no rule matches`;
}
