import Big from 'big.js';
import { UNALLOCATED } from '../allocation/allocation';
import { divide } from '../records/division';
import { splitToCents, sum, ZERO, type Decimal } from '../records/money';
import type { PoolCharge, PoolShare } from './chargeback';
import type { ChargebackPolicy, SharedPoolPolicy } from './chargeback-policy';
import type { DirectSpend } from './direct-spend';
import { splitNamed, Totals } from './totals';

/** A pool with spend this month: its exact total, each team's weight (in policy order) and its sources. */
export interface PoolToShare {
  id: string;
  method: PoolShare['method'];
  basis: PoolShare['basis'];
  exact: Decimal;
  weights: Decimal[];
  /** What it holds, by `provider\u0000service`. */
  sources: Totals;
}

/** A shared pool split: each team's ratio and cents, and each team's cents by provider. */
export interface SplitPool {
  pool: PoolToShare;
  ratios: Decimal[];
  amounts: Decimal[];
  providerSplit: Array<Map<string, string>>;
}

/**
 * The pools the month shares: weights per team by the pool's method (and the unallocated spend, with
 * `shareUnallocated`). A pool no team can take (no weights) stays unallocated, under each of its real
 * providers, never dropped, as does everything when no team has direct spend to share by. Updates the
 * spend's unallocated sources to match; returns the pools shared and what is left unallocated.
 */
export function poolsToShare(spend: DirectSpend, policy: ChargebackPolicy): { shared: PoolToShare[]; unallocated: Decimal } {
  const { teamTotals, lines, poolTotals, poolSources, unallocatedBySource, sourceInfo } = spend;
  let unallocated = spend.unallocated;
  const teamIds = policy.teams.map((t) => t.id);
  const weightsOf = (pool: Pick<SharedPoolPolicy, 'method' | 'basis' | 'evenAmong' | 'weights'>): Decimal[] =>
    teamIds.map((id) => {
      const direct = teamTotals.get(id);
      if (pool.method === 'fixed') return new Big(pool.weights?.[id] ?? 0);
      if (pool.method === 'even') return pool.evenAmong === 'all' || !direct.eq(0) ? new Big(1) : ZERO;
      return pool.basis === 'tokens' ? new Big(lines.tokensOf(id)) : direct.gt(0) ? direct : ZERO;
    });
  const pools: PoolToShare[] = policy.sharedPools
    .filter((p) => poolTotals.map.has(p.id))
    .map((p) => ({ id: p.id, method: p.method, basis: p.basis, exact: poolTotals.get(p.id), weights: weightsOf(p), sources: poolSources.get(p.id)! }));
  if (policy.shareUnallocated && !unallocated.eq(0)) {
    const sources = new Totals();
    for (const [key, amount] of unallocatedBySource.map) {
      const info = sourceInfo.get(key)!;
      sources.add(`${info.provider}\u0000${info.service}`, amount);
    }
    pools.push({ id: UNALLOCATED, method: 'proportional', basis: 'cost', exact: unallocated, weights: weightsOf({ method: 'proportional', basis: 'cost', evenAmong: 'active' }), sources });
  }
  const shared = pools.filter((p) => sum(p.weights).gt(0));
  for (const p of pools) {
    if (shared.includes(p)) {
      if (p.id === UNALLOCATED) {
        unallocated = ZERO;
        unallocatedBySource.map.clear();
      }
    } else if (p.id !== UNALLOCATED) {
      // Nobody to share it with: explicitly unallocated, never dropped, under each of its real providers.
      unallocated = unallocated.plus(p.exact);
      for (const [source, amount] of p.sources.map) {
        const [provider, service] = source.split('\u0000') as [string, string];
        const label = `${service} (shared pool ${p.id}, no team to share it with)`;
        const key = JSON.stringify([provider, null, label, null]);
        unallocatedBySource.add(key, amount);
        sourceInfo.set(key, { provider, account: null, service: label, tagValue: null });
      }
    }
  }
  return { shared, unallocated };
}

/** Splits each shared pool's rounded cents across the teams by largest remainder, and each share by provider. */
export function splitPools(shared: readonly PoolToShare[], poolRounded: readonly Decimal[]): SplitPool[] {
  return shared.map((p, k) => {
    const weightSum = sum(p.weights);
    const exactShares = p.weights.map((w) => divide(p.exact.times(w), weightSum));
    const amounts = splitToCents(exactShares, poolRounded[k]!);
    // Each share by the pool's providers, in proportion to what each provider put in the pool.
    const byProvider = new Totals();
    for (const [source, amount] of p.sources.map) byProvider.add(source.split('\u0000')[0]!, amount);
    const providerSplit = amounts.map((a) => (byProvider.map.size === 1 ? new Map([[[...byProvider.map.keys()][0]!, a.toFixed(2)]]) : splitNamed(new Map([...byProvider.map].map(([name, v]) => [name, p.exact.eq(0) ? ZERO : divide(v, p.exact).times(a)])), a)));
    return { pool: p, ratios: p.weights.map((w) => divide(w, weightSum)), amounts, providerSplit };
  });
}

/** The pools as the chargeback lists them: total, each team's ratio and share, and what each holds. */
export function poolCharges(poolShares: readonly SplitPool[], poolRounded: readonly Decimal[], teamIds: readonly string[]): PoolCharge[] {
  return poolShares.map((s, k) => ({
    pool: s.pool.id,
    method: s.pool.method,
    basis: s.pool.basis,
    total: poolRounded[k]!.toFixed(2),
    shares: teamIds.map((team, i) => ({ team, ratio: s.ratios[i]!.round(4, Big.roundHalfUp).toFixed(4), amount: s.amounts[i]!.toFixed(2) })).filter((x) => x.ratio !== '0.0000' || x.amount !== '0.00'),
    sources: [...splitNamed(s.pool.sources.map, poolRounded[k]!)]
      .map(([key, cost]) => {
        const [provider, service] = key.split('\u0000') as [string, string];
        return { provider, service, cost };
      })
      .sort((a, b) => Number(b.cost) - Number(a.cost) || a.service.localeCompare(b.service)),
  }));
}
