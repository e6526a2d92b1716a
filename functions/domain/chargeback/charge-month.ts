import type { AllocatedMonth } from '../allocation/allocate';
import { formatCents, roundCents, splitToCents, sum } from '../records/money';
import { centsOf, formatCentUnits } from '../records/scaled';
import type { Chargeback, TeamCharge, UnallocatedSource } from './chargeback';
import { closeDayOf, type ChargebackPolicy } from './chargeback-policy';
import { directSpend } from './direct-spend';
import { poolCharges, poolsToShare, splitPools } from './shared-pools';
import { everySource, teamCharges } from './team-charges';
import { splitNamed } from './totals';
import { addUsage, apportionedServicesOf } from './usage-lines';

/**
 * The explicit rounding row per provider: its control total less the sum of its rows as statement.csv
 * carries them (team lines, pool shares by provider, unallocated sources), each rounded on its own.
 */
function roundingRows(providers: Record<string, string>, teams: readonly TeamCharge[], unallocatedSources: readonly UnallocatedSource[]): Record<string, string> {
  // Every figure here is written with two places: whole cents add up exactly as integers.
  const rowsByProvider = new Map<string, bigint>();
  const add = (provider: string, cost: string) => rowsByProvider.set(provider, (rowsByProvider.get(provider) ?? 0n) + centsOf(cost));
  for (const t of teams) {
    for (const l of t.lines) add(l.provider, l.cost);
    for (const s of t.shares) for (const [p, v] of Object.entries(s.byProvider)) add(p, v);
  }
  for (const u of unallocatedSources) add(u.provider, u.cost);
  return Object.fromEntries(
    Object.entries(providers)
      .map(([p, v]) => [p, centsOf(v) - (rowsByProvider.get(p) ?? 0n)] as const)
      .filter(([, cents]) => cents !== 0n)
      .map(([p, cents]) => [p, formatCentUnits(cents)]),
  );
}

/**
 * Builds an allocated month's chargeback. Usage on provider-days the bill does not cover yet was priced
 * into estimates by the allocate step (superseded once billed, never added). Sums are exact per team and
 * for the unallocated bucket, then rounded once, by largest remainder, so team totals plus unallocated
 * equal the rounded total to the cent. Each team's breakdowns and lines are split from its rounded total
 * the same way; tokens and requests come from usage records allocated by the same rules.
 * @param asOf the UTC day the chargeback is computed on (decides preliminary/final)
 */
export function chargeMonth(month: AllocatedMonth, policy: ChargebackPolicy, asOf: string): Chargeback {
  const spend = directSpend(month, policy.costBasis, apportionedServicesOf(month.usage));
  const capacity = addUsage(month, spend.lines, spend.serviceShares);

  const total = roundCents(sum(spend.providerTotals.map.values()));
  const teamIds = policy.teams.map((t) => t.id);
  const providers = Object.fromEntries(splitNamed(spend.providerTotals.map, total));
  const { shared, unallocated } = poolsToShare(spend, policy);

  // Rounding, once per part: each pool to its own cents (so it is distributed fully), then the direct
  // parts and unallocated to what is left of the rounded total (so teams plus unallocated equal it),
  // then each pool's cents across teams by largest remainder.
  const poolRounded = shared.map((p) => roundCents(p.exact));
  const directTarget = total.minus(sum(poolRounded));
  const roundedDirect = splitToCents([...teamIds.map((id) => spend.teamTotals.get(id)), unallocated], directTarget);
  const poolShares = splitPools(shared, poolRounded);
  const teams = teamCharges(policy, spend, roundedDirect, poolShares);

  const unallocatedRounded = roundedDirect[teamIds.length]!;
  const unallocatedSources = everySource(spend.unallocatedBySource.map, spend.sourceInfo, unallocatedRounded);
  return {
    month: month.month,
    currency: policy.currency,
    status: !spend.estimated && asOf >= closeDayOf(month.month, policy.repullUntilDay) ? 'final' : 'preliminary',
    total: total.toFixed(2),
    unallocated: unallocatedRounded.toFixed(2),
    providers,
    teams,
    pools: poolCharges(poolShares, poolRounded, teamIds),
    unallocatedSources,
    unmappedModelSpend: [...spend.unmapped.values()]
      .map(({ entry, keys, cost }) => ({ ...entry, apiKeys: [...keys].sort(), cost: formatCents(cost) }))
      .sort((a, b) => Number(b.cost) - Number(a.cost) || a.id.localeCompare(b.id)),
    unpriced: month.reconciliation.unpriced,
    estimateGaps: month.reconciliation.gaps,
    capacity,
    rounding: roundingRows(providers, teams, unallocatedSources),
    costBasis: policy.costBasis,
    estimated: spend.estimated,
    recordCount: month.records.length,
  };
}
