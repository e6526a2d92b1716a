import Big from 'big.js';
import { formatCents, parseAmount, splitToCents, sum, type Decimal } from '../records/money';
import type { PoolShare, TeamCharge, UnallocatedSource } from './chargeback';
import type { ChargebackPolicy } from './chargeback-policy';
import type { DirectSpend } from './direct-spend';
import { finishLines } from './lines';
import { centsOf, formatCentUnits } from '../records/scaled';
import type { SplitPool } from './shared-pools';

/**
 * Each team's charge: its rounded direct spend, its pool shares, and its lines, providers and services
 * split from its rounded total, so each adds up to it to the cent.
 */
export function teamCharges(policy: ChargebackPolicy, spend: DirectSpend, roundedDirect: readonly Decimal[], poolShares: readonly SplitPool[]): TeamCharge[] {
  return policy.teams.map((team, i): TeamCharge => {
    const direct = roundedDirect[i]!;
    const shares: PoolShare[] = poolShares
      .filter((s) => s.ratios[i]!.gt(0))
      .map((s) => ({ pool: s.pool.id, method: s.pool.method, basis: s.pool.basis, ratio: s.ratios[i]!.round(4, Big.roundHalfUp).toFixed(4), amount: s.amounts[i]!.toFixed(2), byProvider: Object.fromEntries(s.providerSplit[i]!) }));
    const sharedTotal = sum(poolShares.map((s) => s.amounts[i]!));
    const teamTotal = direct.plus(sharedTotal);
    // By provider and by service: sums of the rounded lines, so that the lines a reader adds up in
    // statement.csv give these figures exactly (a split of its own could round a cent the other way).
    const lines = finishLines(spend.lines.byTeam.get(team.id), direct);
    const providerCents = new Map<string, bigint>();
    const serviceCents = new Map<string, bigint>();
    for (const l of lines) {
      const cents = centsOf(l.cost);
      providerCents.set(l.provider, (providerCents.get(l.provider) ?? 0n) + cents);
      const key = `${l.provider}\u0000${l.service}`;
      serviceCents.set(key, (serviceCents.get(key) ?? 0n) + cents);
    }
    const byProvider = Object.fromEntries([...(spend.teamProviders.get(team.id) ?? [])].map((p) => [p, formatCentUnits(providerCents.get(p) ?? 0n)]));
    const byService = [...(spend.teamServices.get(team.id) ?? [])]
      .map((key) => {
        const [provider, service] = key.split('\u0000') as [string, string];
        return { provider, service, cost: formatCentUnits(serviceCents.get(key) ?? 0n) };
      })
      .sort((a, b) => Number(b.cost) - Number(a.cost) || a.service.localeCompare(b.service));
    const budget = team.monthlyBudget === undefined ? null : parseAmount(team.monthlyBudget, `teams.${team.id}.monthlyBudget`);
    return {
      team: team.id,
      name: team.name,
      direct: direct.toFixed(2),
      shared: sharedTotal.toFixed(2),
      total: teamTotal.toFixed(2),
      budget: budget === null ? null : formatCents(budget),
      budgetUsedPercent: budget === null ? null : Number(teamTotal.div(budget).times(100).round(1)),
      byProvider,
      byService,
      lines,
      shares,
    };
  });
}

/** Every unallocated source, largest first, split from the unallocated total by largest remainder. */
export function everySource(bySource: Map<string, Decimal>, info: Map<string, Omit<UnallocatedSource, 'cost'>>, total: Decimal): UnallocatedSource[] {
  // Each magnitude is taken once, not twice per comparison (a month can have thousands of sources).
  const ranked = [...bySource].map(([key, value]) => ({ key, value, size: value.abs() })).sort((a, b) => b.size.cmp(a.size) || (a.key < b.key ? -1 : 1));
  const cents = splitToCents(
    ranked.map((r) => r.value),
    total,
  );
  return ranked.map(({ key }, i) => ({ ...info.get(key)!, cost: cents[i]!.toFixed(2) }));
}
