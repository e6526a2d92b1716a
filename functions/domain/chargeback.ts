import type { CostMetric, CostlineConfig } from '../config/config-schema';
import { createAllocator } from './allocation';
import type { CostRecord } from './cost-record';
import { addMonths, monthStart, addDays } from './dates';
import { formatCents, parseAmount, roundCents, splitToCents, sum, ZERO, type Decimal } from './money';

/** Which FOCUS cost column a chargeback sums, from the configured Cost Explorer metric. */
export type CostBasis = 'effectiveCost' | 'billedCost';

/** Amortized metrics charge the effective (accrual) cost; unblended ones the billed (cash) cost. */
export function costBasisOf(metric: CostMetric): CostBasis {
  return metric === 'AmortizedCost' || metric === 'NetAmortizedCost' ? 'effectiveCost' : 'billedCost';
}

/** One service's share of a team's spend. */
export interface ServiceCharge {
  provider: string;
  service: string;
  cost: string;
}

/** One team's charge for the month. Money is a decimal string with two places. */
export interface TeamCharge {
  team: string;
  name: string;
  /** Spend allocated straight to the team. */
  direct: string;
  /** The team's share of shared pools (none yet: always `"0.00"`). */
  shared: string;
  total: string;
  budget: string | null;
  /** total / budget in percent, one decimal place; null without a budget. */
  budgetUsedPercent: number | null;
  byProvider: Record<string, string>;
  /** Largest first. */
  byService: ServiceCharge[];
}

/** Where unallocated dollars come from, so someone can tag them or add a rule. */
export interface UnallocatedSource {
  provider: string;
  account: string | null;
  service: string;
  /** The team tag value the spend carried, when it carried one that names no team. */
  tagValue: string | null;
  cost: string;
}

/** The monthly chargeback: `chargeback.json`. Teams plus unallocated equal the total, to the cent. */
export interface Chargeback {
  month: string;
  currency: string;
  status: 'preliminary' | 'final';
  total: string;
  unallocated: string;
  providers: Record<string, string>;
  teams: TeamCharge[];
  /** Largest first; the last entry sums the tail beyond the top ten as `(other)`. */
  unallocatedSources: UnallocatedSource[];
  costBasis: CostBasis;
  /** True while any record of the month is still an estimate. */
  estimated: boolean;
  recordCount: number;
}

const TOP_UNALLOCATED = 10;

/** Sums exact amounts under string keys, keeping first-seen order. */
class Totals<K extends string = string> {
  readonly map = new Map<K, Decimal>();
  add(key: K, amount: Decimal): void {
    this.map.set(key, (this.map.get(key) ?? ZERO).plus(amount));
  }
  get(key: K): Decimal {
    return this.map.get(key) ?? ZERO;
  }
}

/** Splits a rounded total across named parts by largest remainder; returns name → "0.00" strings. */
function splitNamed(parts: Map<string, Decimal>, total: Decimal): Map<string, string> {
  const names = [...parts.keys()];
  const cents = splitToCents(names.map((n) => parts.get(n)!), total);
  return new Map(names.map((n, i) => [n, cents[i]!.toFixed(2)]));
}

/** The day from which a month counts as closed: the configured day of the following month. */
export function closeDayOf(month: string, config: CostlineConfig): string {
  return addDays(monthStart(addMonths(month, 1)), config.sources.aws.previousMonthUntilDay);
}

/**
 * Builds a month's chargeback from its records: allocate every record, sum exactly per team and for the
 * unallocated bucket, then round once, by largest remainder, so team totals plus unallocated equal the
 * rounded total to the cent. Each team's breakdowns are split from its rounded total the same way.
 * @param asOf the UTC day the chargeback is computed on (decides preliminary/final)
 */
export function buildChargeback(records: readonly CostRecord[], config: CostlineConfig, month: string, asOf: string): Chargeback {
  const basis = costBasisOf(config.sources.aws.costMetric);
  const allocate = createAllocator(config);
  const teamTotals = new Totals();
  const teamProviders = new Map<string, Totals>();
  const teamServices = new Map<string, Totals>();
  const providerTotals = new Totals();
  const unallocatedBySource = new Totals();
  const sourceInfo = new Map<string, Omit<UnallocatedSource, 'cost'>>();
  let unallocated = ZERO;
  let estimated = false;

  for (const record of records) {
    const cost = parseAmount(record[basis], `record ${record.id} ${basis}`);
    estimated ||= record.estimated;
    providerTotals.add(record.provider, cost);
    const allocation = allocate(record);
    if (allocation.kind === 'team') {
      const team = allocation.team;
      teamTotals.add(team, cost);
      getOrCreate(teamProviders, team).add(record.provider, cost);
      getOrCreate(teamServices, team).add(`${record.provider}\u0000${record.serviceName}`, cost);
    } else {
      unallocated = unallocated.plus(cost);
      const tagValue = record.tags[config.allocation.awsTagKey] ?? null;
      const key = JSON.stringify([record.provider, record.subAccountId, record.serviceName, tagValue]);
      unallocatedBySource.add(key, cost);
      sourceInfo.set(key, { provider: record.provider, account: record.subAccountId, service: record.serviceName, tagValue });
    }
  }

  const total = roundCents(sum(providerTotals.map.values()));
  const teamIds = config.teams.map((t) => t.id);
  const rounded = splitToCents([...teamIds.map((id) => teamTotals.get(id)), unallocated], total);
  const providers = Object.fromEntries(splitNamed(providerTotals.map, total));

  const teams = config.teams.map((team, i): TeamCharge => {
    const teamTotal = rounded[i]!;
    const byProvider = Object.fromEntries(splitNamed(teamProviders.get(team.id)?.map ?? new Map(), teamTotal));
    const services = teamServices.get(team.id)?.map ?? new Map<string, Decimal>();
    const byService = [...splitNamed(services, teamTotal)]
      .map(([key, cost]) => {
        const [provider, service] = key.split('\u0000') as [string, string];
        return { provider, service, cost };
      })
      .sort((a, b) => Number(b.cost) - Number(a.cost) || a.service.localeCompare(b.service));
    const budget = team.monthlyBudget === undefined ? null : parseAmount(team.monthlyBudget, `teams.${team.id}.monthlyBudget`);
    return {
      team: team.id,
      name: team.name,
      direct: teamTotal.toFixed(2),
      shared: '0.00',
      total: teamTotal.toFixed(2),
      budget: budget === null ? null : formatCents(budget),
      budgetUsedPercent: budget === null ? null : Number(teamTotal.div(budget).times(100).round(1)),
      byProvider,
      byService,
    };
  });

  const unallocatedRounded = rounded[teamIds.length]!;
  return {
    month,
    currency: config.currency,
    status: !estimated && asOf >= closeDayOf(month, config) ? 'final' : 'preliminary',
    total: total.toFixed(2),
    unallocated: unallocatedRounded.toFixed(2),
    providers,
    teams,
    unallocatedSources: topSources(unallocatedBySource.map, sourceInfo, unallocatedRounded),
    costBasis: basis,
    estimated,
    recordCount: records.length,
  };
}

function getOrCreate(map: Map<string, Totals>, key: string): Totals {
  let totals = map.get(key);
  if (!totals) map.set(key, (totals = new Totals()));
  return totals;
}

function topSources(
  bySource: Map<string, Decimal>,
  info: Map<string, Omit<UnallocatedSource, 'cost'>>,
  total: Decimal,
): UnallocatedSource[] {
  const ranked = [...bySource].sort(([ka, a], [kb, b]) => b.abs().cmp(a.abs()) || (ka < kb ? -1 : 1));
  const head = ranked.slice(0, TOP_UNALLOCATED);
  const tail = ranked.slice(TOP_UNALLOCATED);
  const parts = [...head.map(([, v]) => v), ...(tail.length ? [sum(tail.map(([, v]) => v))] : [])];
  const cents = splitToCents(parts, total);
  const sources = head.map(([key], i) => ({ ...info.get(key)!, cost: cents[i]!.toFixed(2) }));
  if (tail.length) sources.push({ provider: 'mixed', account: null, service: `(other: ${tail.length} sources)`, tagValue: null, cost: cents[head.length]!.toFixed(2) });
  return sources;
}
