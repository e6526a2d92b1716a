import Big from 'big.js';
import { formatCents, parseAmount, splitToCents, sum, type Decimal } from '../records/money';
import type { PoolShare, TeamCharge, UnallocatedSource } from './chargeback';
import type { ChargebackPolicy } from './chargeback-policy';
import type { DirectSpend } from './direct-spend';
import { finishLines } from './lines';
import type { SplitPool } from './shared-pools';
import { Totals } from './totals';

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
    const providerCents = new Totals();
    const serviceCents = new Totals();
    for (const l of lines) {
      providerCents.add(l.provider, new Big(l.cost));
      serviceCents.add(`${l.provider}\u0000${l.service}`, new Big(l.cost));
    }
    const byProvider = Object.fromEntries([...(spend.teamProviders.get(team.id) ?? [])].map((p) => [p, providerCents.get(p).toFixed(2)]));
    const byService = [...(spend.teamServices.get(team.id) ?? [])]
      .map((key) => {
        const [provider, service] = key.split('\u0000') as [string, string];
        return { provider, service, cost: serviceCents.get(key).toFixed(2) };
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
  const ranked = [...bySource].sort(([ka, a], [kb, b]) => b.abs().cmp(a.abs()) || (ka < kb ? -1 : 1));
  const cents = splitToCents(
    ranked.map(([, v]) => v),
    total,
  );
  return ranked.map(([key], i) => ({ ...info.get(key)!, cost: cents[i]!.toFixed(2) }));
}
