import { recordAllocation, type AllocatedMonth } from './allocate';
import type { Chargeback, PoolShare } from '../chargeback/chargeback';
import { formatAmount } from '../statements/format';
import { explainTeamDimensions, type DimensionExplanation } from './explain-dimensions';
import { parseAmount, splitToCents, ZERO, type Decimal } from '../records/money';

/** One reason a team was charged: its tag, a rule, with the dollars it placed. */
export interface ChargeReason {
  /** `tag team="pay"`, `rule 3: {"provider":"openai","project":"proj_search"}`. */
  reason: string;
  cost: string;
  records: number;
  /** The largest services under this reason. */
  services: Array<{ service: string; cost: string }>;
}

/** Why a team's month costs what it does. Reasons add up to `direct`; shares to `shared`. */
export interface TeamExplanation {
  team: string;
  month: string;
  direct: string;
  shared: string;
  total: string;
  reasons: ChargeReason[];
  shares: PoolShare[];
  /** Per configured dimension, the direct spend by value and what set it; absent without dimensions. */
  dimensions?: DimensionExplanation[];
}

/** Thrown for a team id the configuration does not know. */
export class UnknownTeamError extends Error {
  override readonly name = 'UnknownTeamError';
}

/**
 * Explains a team's month: every dollar of its direct spend under the tag or rule that placed it, and
 * its pool shares with method and ratio. Reads the month's own allocation and its chargeback's
 * rounding, so the figures are the chargeback's.
 */
export function explainTeam(allocated: AllocatedMonth, chargeback: Chargeback, team: string): TeamExplanation {
  const { policy, month } = allocated;
  if (!policy.teams.some((t) => t.id === team)) throw new UnknownTeamError(`unknown team "${team}" (known: ${policy.teams.map((t) => t.id).join(', ')})`);
  const charge = chargeback.teams.find((t) => t.team === team)!;
  const basis = chargeback.costBasis;
  const groups = new Map<string, { cost: Decimal; records: number; services: Map<string, Decimal> }>();
  allocated.records.forEach((record, i) => {
    const a = recordAllocation(allocated, i);
    if (a.kind !== 'team' || a.team !== team) return;
    const rule = a.by === 'rule' ? policy.rules[a.ruleIndex]! : undefined;
    const reason = a.by === 'tag' ? `tag ${policy.tagKey}=${JSON.stringify(a.tagValue)}` : `rule ${a.ruleIndex}: ${JSON.stringify(rule!.match)}`;
    const cost = parseAmount(record[basis], `record ${record.id}`);
    const group = groups.get(reason) ?? { cost: ZERO, records: 0, services: new Map<string, Decimal>() };
    group.cost = group.cost.plus(cost);
    group.records += 1;
    group.services.set(record.serviceName, (group.services.get(record.serviceName) ?? ZERO).plus(cost));
    groups.set(reason, group);
  });
  const entries = [...groups];
  const cents = splitToCents(
    entries.map(([, g]) => g.cost),
    parseAmount(charge.direct, 'direct'),
  );
  const reasons = entries
    .map(([reason, g], i) => ({
      reason,
      cost: cents[i]!.toFixed(2),
      records: g.records,
      services: [...g.services]
        .sort(([, a], [, b]) => b.cmp(a))
        .slice(0, 3)
        .map(([service, cost]) => ({ service, cost: cost.round(2, 1).toFixed(2) })),
    }))
    .sort((a, b) => Number(b.cost) - Number(a.cost) || a.reason.localeCompare(b.reason));
  const dimensions = explainTeamDimensions(allocated, chargeback, team);
  return { team, month, direct: charge.direct, shared: charge.shared, total: charge.total, reasons, shares: charge.shares, ...(dimensions.length ? { dimensions } : {}) };
}

/** The explanation as text for a terminal. */
export function renderExplanation(e: TeamExplanation): string {
  const out = [`Why ${e.team} is charged ${formatAmount(e.total)} for ${e.month} (direct ${formatAmount(e.direct)} + shared ${formatAmount(e.shared)}):`, ''];
  for (const r of e.reasons) {
    out.push(`  ${formatAmount(r.cost).padStart(12)}  ${r.reason}  (${r.records} records)`);
    for (const s of r.services) out.push(`  ${''.padStart(12)}    ${formatAmount(s.cost).padStart(10)}  ${s.service}`);
  }
  for (const s of e.shares) {
    out.push(`  ${formatAmount(s.amount).padStart(12)}  shared pool ${s.pool}: ${s.method}${s.method === 'proportional' ? ` to ${s.basis === 'tokens' ? 'tokens' : 'direct spend'}` : ''}, ratio ${(Number(s.ratio) * 100).toFixed(2)}%`);
  }
  for (const d of e.dimensions ?? []) {
    out.push('', `Direct spend by ${d.dimension}:`);
    for (const r of d.reasons) out.push(`  ${formatAmount(r.cost).padStart(12)}  ${r.value}: ${r.reason}  (${r.records} records)`);
  }
  return `${out.join('\n')}\n`;
}
