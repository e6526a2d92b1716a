import type { Chargeback } from '../chargeback/chargeback';
import { parseAmount, splitToCents, ZERO, type Decimal } from '../records/money';
import { recordAllocation, type AllocatedMonth } from './allocate';
import { createDimensionResolver, describeDimensionValue } from './dimensions';

/** One value of a dimension in a team's direct spend, and the tag or rule that set it. */
export interface DimensionReason {
  value: string;
  /** `tag env="prod"`, `rule 1: {"iamPrincipal":"arn:aws:sts::*:assumed-role/search-*"}`, `no tag env and no rule matches`. */
  reason: string;
  cost: string;
  records: number;
}

/** A dimension's values in a team's direct spend, by what set them; they add up to the team's direct spend. */
export interface DimensionExplanation {
  dimension: string;
  reasons: DimensionReason[];
}

/**
 * Per configured dimension, the team's direct spend grouped by value and by the tag or rule that set it,
 * rounded from the chargeback's direct figure by largest remainder. Empty without dimensions.
 */
export function explainTeamDimensions(allocated: AllocatedMonth, chargeback: Chargeback, team: string): DimensionExplanation[] {
  const dimensions = allocated.policy.dimensions ?? [];
  if (dimensions.length === 0) return [];
  const direct = parseAmount(chargeback.teams.find((t) => t.team === team)?.direct ?? '0', 'direct');
  const resolve = createDimensionResolver(dimensions);
  const groups = dimensions.map(() => new Map<string, { value: string; reason: string; cost: Decimal; records: number }>());
  allocated.records.forEach((record, i) => {
    const a = recordAllocation(allocated, i);
    if (a.kind !== 'team' || a.team !== team) return;
    const cost = parseAmount(record[chargeback.costBasis], `record ${record.id}`);
    resolve(record).forEach((v, d) => {
      const reason = describeDimensionValue(dimensions[d]!, v);
      const key = `${v.value}\u0000${reason}`;
      const group = groups[d]!.get(key) ?? { value: v.value, reason, cost: ZERO, records: 0 };
      group.cost = group.cost.plus(cost);
      group.records += 1;
      groups[d]!.set(key, group);
    });
  });
  return dimensions.map((dimension, d) => {
    const entries = [...groups[d]!.values()];
    const cents = splitToCents(
      entries.map((g) => g.cost),
      direct,
    );
    const reasons = entries
      .map((g, k) => ({ value: g.value, reason: g.reason, cost: cents[k]!.toFixed(2), records: g.records }))
      .sort((a, b) => Number(b.cost) - Number(a.cost) || a.value.localeCompare(b.value) || a.reason.localeCompare(b.reason));
    return { dimension: dimension.id, reasons };
  });
}
