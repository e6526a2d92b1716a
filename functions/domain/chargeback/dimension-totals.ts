import Big from 'big.js';
import type { AllocatedMonth } from '../allocation/allocate';
import type { DimensionPolicy } from '../allocation/allocation-policy';
import { createDimensionResolver, NO_VALUE } from '../allocation/dimensions';
import { isCommittedCapacity } from '../pricing/estimates';
import { divide } from '../records/division';
import { ExactSums } from '../records/exact-sums';
import { parseAmount, splitToCents } from '../records/money';
import type { Chargeback, DimensionBreakdown, DimensionValueTotal, LineTokens } from './chargeback';

/** One value's running sums: cost and model cost are slots of the shared exact sums. */
interface ValueSums {
  cost: number;
  modelCost: number;
  tokens: LineTokens;
  requests: number;
}

/** Values by name, in first-seen order. */
type ValueMap = Map<string, ValueSums>;

function unitCost(cost: Big, quantity: number, per: number): string | null {
  return quantity <= 0 ? null : divide(cost.times(per), new Big(quantity)).round(4, Big.roundHalfUp).toFixed(4);
}

/** Largest first, `(none)` last, then by value: the order statements show. */
function byCost(a: DimensionValueTotal, b: DimensionValueTotal): number {
  return Number(a.value === NO_VALUE) - Number(b.value === NO_VALUE) || Number(b.cost) - Number(a.cost) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

/**
 * Each configured dimension's breakdown of the month (see {@link DimensionBreakdown}): the month's total
 * cost by value, record by record, before shared pools are split; and each team's direct spend by value.
 * Sums are exact, then split by largest remainder from the chargeback's own rounded figures (its total,
 * each team's direct), so the values of a dimension, `(none)` included, add up to them to the cent.
 * Tokens and requests are those of usage records with an allocation of their own; committed capacity and
 * Bedrock's per-service tokens (split across teams by cost, not known per record) are left out. Unit costs
 * divide the value's model spend of those same services (records naming a model) by its tokens and requests.
 * Returns undefined when no dimensions are configured.
 */
export function dimensionTotals(month: AllocatedMonth, chargeback: Chargeback): DimensionBreakdown[] | undefined {
  const dimensions = month.policy.dimensions;
  if (!dimensions || dimensions.length === 0) return undefined;
  const resolve = createDimensionResolver(dimensions);
  const sums = new ExactSums();
  const org: ValueMap[] = dimensions.map(() => new Map());
  const byTeam: Array<Map<string, ValueMap>> = dimensions.map(() => new Map());
  const valueOf = (values: ValueMap, value: string): ValueSums => {
    let v = values.get(value);
    if (!v) values.set(value, (v = { cost: sums.open(), modelCost: sums.open(), tokens: { input: 0, cachedInput: 0, cacheWrite: 0, output: 0 }, requests: 0 }));
    return v;
  };
  const teamValues = (d: number, team: string): ValueMap => {
    let values = byTeam[d]!.get(team);
    if (!values) byTeam[d]!.set(team, (values = new Map()));
    return values;
  };
  const add = (slot: number, amount: string, where: string) => {
    if (!sums.add(slot, amount)) sums.addExact(slot, parseAmount(amount, where));
  };

  // The services whose usage is attributed record by record: their model records are what unit costs divide.
  const attributed = new Set<string>();
  month.usage.forEach((u, i) => {
    if (u.apportionByCost || isCommittedCapacity(u)) return;
    attributed.add(`${u.provider}\u0000${u.serviceName}`);
    const values = resolve(u);
    const allocation = month.identities[month.usageIdentity[i]!]!.allocation;
    values.forEach((v, d) => {
      const targets = [valueOf(org[d]!, v.value)];
      if (allocation.kind === 'team') targets.push(valueOf(teamValues(d, allocation.team), v.value));
      for (const t of targets) {
        t.tokens.input += u.tokens.input;
        t.tokens.cachedInput += u.tokens.cachedInput;
        t.tokens.cacheWrite += u.tokens.cacheWrite5m + u.tokens.cacheWrite1h;
        t.tokens.output += u.tokens.output;
        t.requests += u.requests;
      }
    });
  });

  const basis = chargeback.costBasis;
  month.records.forEach((record, i) => {
    const values = resolve(record);
    const allocation = month.identities[month.recordIdentity[i]!]!.allocation;
    const amount = record[basis];
    const where = `record ${record.id} ${basis}`;
    const modelSpend = record.model !== null && attributed.has(`${record.provider}\u0000${record.serviceName}`);
    values.forEach((v, d) => {
      const targets = [valueOf(org[d]!, v.value)];
      if (allocation.kind === 'team') targets.push(valueOf(teamValues(d, allocation.team), v.value));
      for (const t of targets) {
        add(t.cost, amount, where);
        if (modelSpend) add(t.modelCost, amount, where);
      }
    });
  });

  const finish = (values: ValueMap | undefined, total: string): DimensionValueTotal[] => {
    const all = [...(values ?? new Map<string, ValueSums>())];
    const cents = splitToCents(
      all.map(([, v]) => sums.value(v.cost)),
      new Big(total),
    );
    return all
      .map(([value, v], k): DimensionValueTotal => {
        const modelCost = sums.value(v.modelCost);
        const tokens = v.tokens.input + v.tokens.cachedInput + v.tokens.cacheWrite + v.tokens.output;
        return { value, cost: cents[k]!.toFixed(2), tokens: v.tokens, requests: v.requests, perMillionTokens: unitCost(modelCost, tokens, 1_000_000), perThousandRequests: unitCost(modelCost, v.requests, 1000) };
      })
      .sort(byCost);
  };

  return dimensions.map((dimension: DimensionPolicy, d): DimensionBreakdown => ({
    dimension: dimension.id,
    tagKey: dimension.tagKey ?? null,
    ...(dimension.note !== undefined ? { note: dimension.note } : {}),
    total: chargeback.total,
    values: finish(org[d], chargeback.total),
    teams: chargeback.teams.filter((t) => byTeam[d]!.has(t.team)).map((t) => ({ team: t.team, direct: t.direct, values: finish(byTeam[d]!.get(t.team), t.direct) })),
  }));
}

/** The chargeback with its dimension breakdowns, when the month's policy configures dimensions; unchanged otherwise. */
export function withDimensions<C extends Chargeback>(chargeback: C, month: AllocatedMonth): C {
  const dimensions = dimensionTotals(month, chargeback);
  return dimensions ? { ...chargeback, dimensions } : chargeback;
}
