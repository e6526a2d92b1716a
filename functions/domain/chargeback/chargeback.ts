import Big from 'big.js';
import { lastRepullDay, type CostMetric, type CostlineConfig } from '../../config/config-schema';
import { createAllocator, DEFAULT_WORKSPACE, UNALLOCATED, type Allocation } from '../allocation/allocation';
import type { CostRecord, TokenType } from '../records/cost-record';
import { addDays, addMonths, monthStart } from '../records/dates';
import { isCommittedCapacity, reconcileUsage, type EstimateGap, type UnpricedUsage } from '../pricing/estimates';
import { formatCents, parseAmount, roundCents, splitToCents, sum, ZERO, type Decimal } from '../records/money';
import type { PriceBook } from '../pricing/price-book';
import { addTokens, NO_TOKENS, type TokenCounts, type UsageRecord } from '../records/usage-record';

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

/** Tokens as the chargeback reports them: cache writes of both lifetimes together. */
export interface LineTokens {
  input: number;
  cachedInput: number;
  cacheWrite: number;
  output: number;
}

/** Unit costs, exact to four places; null where the quantity is zero or the cost split is unknown. */
export interface UnitCosts {
  /** Cost of input tokens per million input tokens. */
  inputPerMillion: string | null;
  /** Cost of output tokens per million output tokens. */
  outputPerMillion: string | null;
  /** Whole line cost per million tokens of every type. */
  perMillionTokens: string | null;
  /** Whole line cost per thousand model requests. */
  perThousandRequests: string | null;
}

/** One line of a team's chargeback: a provider's service, or one model of it, with tokens beside dollars. */
export interface ChargebackLine {
  provider: string;
  service: string;
  model: string | null;
  cost: string;
  tokens: LineTokens;
  requests: number;
  unitCosts: UnitCosts;
  /** True when any of the line's cost is a provider estimate or costline's usage estimate. */
  estimated: boolean;
}

/** A team's share of one shared pool. */
export interface PoolShare {
  pool: string;
  method: 'proportional' | 'even' | 'fixed';
  /** What proportional shares follow: direct cost, or tokens. */
  basis: 'cost' | 'tokens';
  /** The team's fraction of the pool, four places. */
  ratio: string;
  amount: string;
  /**
   * The share by the provider of the pool's spend (adds up to `amount`), so that a provider's rows in
   * `statement.csv` include its part of every pool.
   */
  byProvider: Record<string, string>;
}

/** A shared pool and how it was split. Its shares add up to its total, to the cent. */
export interface PoolCharge {
  pool: string;
  method: PoolShare['method'];
  basis: PoolShare['basis'];
  total: string;
  shares: Array<{ team: string; ratio: string; amount: string }>;
  /** What the pool holds, largest first. */
  sources: Array<{ provider: string; service: string; cost: string }>;
}

/** One team's charge for the month. Money is a decimal string with two places. */
export interface TeamCharge {
  team: string;
  name: string;
  /** Spend allocated straight to the team. */
  direct: string;
  /** The team's shares of shared pools, together. */
  shared: string;
  /** direct + shared. */
  total: string;
  budget: string | null;
  /** total / budget in percent, one decimal place; null without a budget. */
  budgetUsedPercent: number | null;
  /** Direct spend by provider (adds up to `direct`). */
  byProvider: Record<string, string>;
  /** Direct spend by service, largest first (adds up to `direct`). */
  byService: ServiceCharge[];
  /** Direct spend by provider, service and model, largest first (adds up to `direct`). */
  lines: ChargebackLine[];
  /** Shares of shared pools, with method and ratio (add up to `shared`). */
  shares: PoolShare[];
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

/** An OpenAI project or Anthropic workspace no rule maps: the shadow-AI list. */
export interface UnmappedModelSpend {
  provider: string;
  kind: 'project' | 'workspace';
  /** Project or workspace id; `default` for Anthropic's default workspace. */
  id: string;
  /** The API keys its spend came through, where the source reports them. */
  apiKeys: string[];
  cost: string;
}

/**
 * Usage of capacity billed separately, by commitment (Anthropic Priority Tier), per team and workspace
 * and model: tokens and requests, no dollars, in no total. Neither Anthropic cost endpoint carries it.
 */
export interface CapacityLine {
  provider: string;
  /** The team its allocation rules give it, or null when no rule maps it. */
  team: string | null;
  /** Anthropic workspace (`default` for the default workspace). */
  workspace: string;
  model: string;
  serviceTier: string;
  tokens: LineTokens;
  requests: number;
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
  /** The shared pools and their split. */
  pools: PoolCharge[];
  /** Every unallocated source, largest first (they add up to `unallocated`); nothing summed away. */
  unallocatedSources: UnallocatedSource[];
  /** Model spend no rule maps, by project or workspace (part of `unallocated`). */
  unmappedModelSpend: UnmappedModelSpend[];
  /** Model usage with no price: on days no bill covers yet, its cost is unknown and not in the totals. */
  unpriced: UnpricedUsage[];
  /** Per provider and billed day, the usage estimate against the bill. */
  estimateGaps: EstimateGap[];
  /** Capacity billed separately (Anthropic Priority Tier): tokens, no dollars, not in any total. */
  capacity: CapacityLine[];
  /**
   * Per provider, the cents by which its control total (`providers`) differs from the sum of its rows in
   * `statement.csv` (each rounded on its own): the explicit rounding row. The rows add up to zero over the
   * providers; a provider whose rows tie is left out. Absent in statements closed before it existed.
   */
  rounding?: Record<string, string>;
  costBasis: CostBasis;
  /** Each team's change from the previous month, when the statement compares them. */
  monthOverMonth?: MonthOverMonth;
  /** True while any cost of the month is an estimate (the provider's, or costline's from usage). */
  estimated: boolean;
  recordCount: number;
}

/** A month against the one before: each team's previous total and its change. */
export interface MonthOverMonth {
  previousMonth: string;
  previousTotal: string;
  teams: Record<string, { previous: string; change: string; changePercent: number | null }>;
}

/**
 * Adds each team's change from the previous month (null percent when it had nothing then). Compares
 * team totals as charged, so a closed previous month is compared as finance received it.
 */
export function withMonthOverMonth<C extends Chargeback>(cb: C, previous: Chargeback | undefined): C {
  if (!previous) return cb;
  const before = new Map(previous.teams.map((t) => [t.team, new Big(t.total)]));
  const teams = Object.fromEntries(
    cb.teams.map((t) => {
      const was = before.get(t.team) ?? ZERO;
      const change = new Big(t.total).minus(was);
      return [t.team, { previous: was.toFixed(2), change: change.toFixed(2), changePercent: was.eq(0) ? null : Number(change.div(was).times(100).round(1)) }];
    }),
  );
  return { ...cb, monthOverMonth: { previousMonth: previous.month, previousTotal: previous.total, teams } };
}

/** What a chargeback is built from besides the billed cost records. */
export interface ChargebackExtras {
  /** Model usage (tokens, requests) of the month. */
  usage?: readonly UsageRecord[];
  /** Prices for estimating days not billed yet; without it, no estimates are made. */
  priceBook?: PriceBook;
}

/** Sums exact amounts under string keys, keeping first-seen order. */
class Totals {
  readonly map = new Map<string, Decimal>();
  add(key: string, amount: Decimal): void {
    this.map.set(key, (this.map.get(key) ?? ZERO).plus(amount));
  }
  get(key: string): Decimal {
    return this.map.get(key) ?? ZERO;
  }
}

/** Splits a rounded total across named parts by largest remainder; returns name → "0.00" strings. */
function splitNamed(parts: Map<string, Decimal>, total: Decimal): Map<string, string> {
  const names = [...parts.keys()];
  const cents = splitToCents(names.map((n) => parts.get(n)!), total);
  return new Map(names.map((n, i) => [n, cents[i]!.toFixed(2)]));
}

/** The day from which a month counts as closed: the day after every enabled source stops re-pulling it. */
export function closeDayOf(month: string, config: CostlineConfig): string {
  return addDays(monthStart(addMonths(month, 1)), lastRepullDay(config));
}

/** Accumulates one team's lines: exact cost by token type, tokens and requests. */
interface LineAccumulator {
  provider: string;
  service: string;
  model: string | null;
  cost: Decimal;
  costByType: Map<TokenType | 'other', Decimal>;
  tokens: TokenCounts;
  requests: number;
  estimated: boolean;
}

const lineKey = (provider: string, service: string, model: string | null) => JSON.stringify([provider, service, model]);

function unitCost(cost: Decimal | undefined, quantity: number, per: number): string | null {
  return cost === undefined || quantity <= 0 ? null : cost.times(per).div(quantity).round(4, Big.roundHalfUp).toFixed(4);
}

/**
 * Builds a month's chargeback. Usage on provider-days the bill does not cover yet is priced into
 * estimates (superseded once billed, never added). Every record is allocated; sums are exact per team
 * and for the unallocated bucket, then rounded once, by largest remainder, so team totals plus
 * unallocated equal the rounded total to the cent. Each team's breakdowns and lines are split from its
 * rounded total the same way; tokens and requests come from usage records allocated by the same rules.
 * @param asOf the UTC day the chargeback is computed on (decides preliminary/final)
 */
export function buildChargeback(
  billedRecords: readonly CostRecord[],
  config: CostlineConfig,
  month: string,
  asOf: string,
  extras: ChargebackExtras = {},
): Chargeback {
  return chargeMonth(billedRecords, config, month, asOf, extras).chargeback;
}

/**
 * {@link buildChargeback}, and the records the month is charged from (the billed ones plus the usage
 * estimates for days not billed yet), for callers that need both without reconciling usage twice.
 */
export function chargeMonth(
  billedRecords: readonly CostRecord[],
  config: CostlineConfig,
  month: string,
  asOf: string,
  extras: ChargebackExtras = {},
): { chargeback: Chargeback; records: CostRecord[] } {
  const usage = extras.usage ?? [];
  const { records, reconciliation } = effectiveRecords(billedRecords, extras);
  const basis = costBasisOf(config.sources.aws.costMetric);
  const allocate = createAllocator(config);
  const teamTotals = new Totals();
  const teamProviders = new Map<string, Totals>();
  const teamServices = new Map<string, Totals>();
  const teamLines = new Map<string, Map<string, LineAccumulator>>();
  const providerTotals = new Totals();
  const poolTotals = new Totals();
  const poolSources = new Map<string, Totals>();
  const unallocatedBySource = new Totals();
  const sourceInfo = new Map<string, Omit<UnallocatedSource, 'cost'>>();
  const unmapped = new Map<string, { entry: Omit<UnmappedModelSpend, 'cost' | 'apiKeys'>; keys: Set<string>; cost: Decimal }>();
  let unallocated = ZERO;
  let estimated = false;

  /** Per day and AWS service: each team's (and the unallocated bucket's) cost, to apportion Bedrock tokens by. */
  const serviceShares = new Map<string, Totals>();
  const lineOf = (team: string, provider: string, service: string, model: string | null): LineAccumulator => {
    const lines = teamLines.get(team) ?? new Map<string, LineAccumulator>();
    teamLines.set(team, lines);
    const key = lineKey(provider, service, model);
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { provider, service, model, cost: ZERO, costByType: new Map(), tokens: NO_TOKENS, requests: 0, estimated: false }));
    return line;
  };

  for (const record of records) {
    const cost = parseAmount(record[basis], `record ${record.id} ${basis}`);
    estimated ||= record.estimated;
    providerTotals.add(record.provider, cost);
    const allocation: Allocation = allocate(record);
    if (record.provider === 'aws' && cost.gt(0)) {
      const key = `${record.chargePeriodStart}|${record.serviceName}`;
      const shares = serviceShares.get(key) ?? new Totals();
      shares.add(allocation.kind === 'team' ? allocation.team : UNALLOCATED, cost);
      serviceShares.set(key, shares);
    }
    if (allocation.kind === 'team') {
      const team = allocation.team;
      teamTotals.add(team, cost);
      getOrCreate(teamProviders, team).add(record.provider, cost);
      getOrCreate(teamServices, team).add(`${record.provider}\u0000${record.serviceName}`, cost);
      const line = lineOf(team, record.provider, record.serviceName, record.model);
      line.cost = line.cost.plus(cost);
      const type = record.tokenType ?? 'other';
      line.costByType.set(type, (line.costByType.get(type) ?? ZERO).plus(cost));
      line.estimated ||= record.estimated;
    } else if (allocation.kind === 'pool') {
      poolTotals.add(allocation.pool, cost);
      getOrCreate(poolSources, allocation.pool).add(`${record.provider}\u0000${record.serviceName}`, cost);
    } else {
      unallocated = unallocated.plus(cost);
      const tagValue = record.tags[config.allocation.awsTagKey] ?? null;
      const key = JSON.stringify([record.provider, record.subAccountId, record.serviceName, tagValue]);
      unallocatedBySource.add(key, cost);
      sourceInfo.set(key, { provider: record.provider, account: record.subAccountId, service: record.serviceName, tagValue });
      if (record.provider === 'openai' || record.provider === 'anthropic') {
        const kind = record.provider === 'openai' ? 'project' : 'workspace';
        const id = record.subAccountId ?? (kind === 'workspace' ? DEFAULT_WORKSPACE : '(none)');
        const k = `${record.provider}|${id}`;
        const entry = unmapped.get(k) ?? { entry: { provider: record.provider, kind, id }, keys: new Set<string>(), cost: ZERO };
        if (record.apiKeyId) entry.keys.add(record.apiKeyId);
        entry.cost = entry.cost.plus(cost);
        unmapped.set(k, entry);
      }
    }
  }

  const capacity = new Map<string, CapacityLine>();
  for (const u of usage) {
    if (isCommittedCapacity(u)) {
      // Kept off the team lines: their tokens sit beside dollars, and this capacity has none here.
      const allocation = allocate(u);
      const team = allocation.kind === 'team' ? allocation.team : null;
      const workspace = u.subAccountId ?? DEFAULT_WORKSPACE;
      const key = JSON.stringify([u.provider, team, workspace, u.model, u.serviceTier]);
      const line = capacity.get(key) ?? { provider: u.provider, team, workspace, model: u.model, serviceTier: u.serviceTier!, tokens: { input: 0, cachedInput: 0, cacheWrite: 0, output: 0 }, requests: 0 };
      line.tokens = {
        input: line.tokens.input + u.tokens.input,
        cachedInput: line.tokens.cachedInput + u.tokens.cachedInput,
        cacheWrite: line.tokens.cacheWrite + u.tokens.cacheWrite5m + u.tokens.cacheWrite1h,
        output: line.tokens.output + u.tokens.output,
      };
      line.requests += u.requests;
      capacity.set(key, line);
      continue;
    }
    if (u.apportionByCost) {
      // Tokens with no team of their own (Bedrock): split by the teams' cost of the service that day.
      const shares = serviceShares.get(`${u.chargePeriodStart}|${u.serviceName}`);
      if (!shares) continue;
      const buckets = [...shares.map.keys()];
      const weights = buckets.map((b) => shares.get(b));
      const split = (n: number) => splitInteger(n, weights);
      const parts = { input: split(u.tokens.input), cachedInput: split(u.tokens.cachedInput), cacheWrite5m: split(u.tokens.cacheWrite5m), cacheWrite1h: split(u.tokens.cacheWrite1h), output: split(u.tokens.output) };
      buckets.forEach((bucket, i) => {
        if (bucket === UNALLOCATED) return;
        const line = lineOf(bucket, u.provider, u.serviceName, lineModelOf(u));
        line.tokens = addTokens(line.tokens, { input: parts.input[i]!, cachedInput: parts.cachedInput[i]!, cacheWrite5m: parts.cacheWrite5m[i]!, cacheWrite1h: parts.cacheWrite1h[i]!, output: parts.output[i]! });
      });
      continue;
    }
    const allocation = allocate(u);
    if (allocation.kind !== 'team') continue;
    const line = lineOf(allocation.team, u.provider, u.serviceName, lineModelOf(u));
    line.tokens = addTokens(line.tokens, u.tokens);
    line.requests += u.requests;
  }

  const total = roundCents(sum(providerTotals.map.values()));
  const teamIds = config.teams.map((t) => t.id);
  const providers = Object.fromEntries(splitNamed(providerTotals.map, total));

  // Shared pools: weights per team by the pool's method. A pool no team can take (no weights) stays
  // unallocated, as does everything when no team has direct spend to share by.
  const tokensOf = (team: string) => [...(teamLines.get(team)?.values() ?? [])].reduce((n, l) => n + l.tokens.input + l.tokens.cachedInput + l.tokens.cacheWrite5m + l.tokens.cacheWrite1h + l.tokens.output, 0);
  const weightsOf = (pool: { method: PoolShare['method']; basis: PoolShare['basis']; evenAmong: 'active' | 'all'; weights?: Record<string, number> | undefined }): Decimal[] =>
    teamIds.map((id) => {
      const direct = teamTotals.get(id);
      if (pool.method === 'fixed') return new Big(pool.weights?.[id] ?? 0);
      if (pool.method === 'even') return pool.evenAmong === 'all' || !direct.eq(0) ? new Big(1) : ZERO;
      return pool.basis === 'tokens' ? new Big(tokensOf(id)) : direct.gt(0) ? direct : ZERO;
    });
  const pools = config.allocation.sharedPools
    .filter((p) => poolTotals.map.has(p.id))
    .map((p) => ({ id: p.id, method: p.method, basis: p.basis, exact: poolTotals.get(p.id), weights: weightsOf(p), sources: poolSources.get(p.id)! }));
  if (config.allocation.shareUnallocated && !unallocated.eq(0)) {
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

  // Rounding, once per part: each pool to its own cents (so it is distributed fully), then the direct
  // parts and unallocated to what is left of the rounded total (so teams plus unallocated equal it),
  // then each pool's cents across teams by largest remainder.
  const poolRounded = shared.map((p) => roundCents(p.exact));
  const directTarget = total.minus(sum(poolRounded));
  const roundedDirect = splitToCents([...teamIds.map((id) => teamTotals.get(id)), unallocated], directTarget);
  const poolShares = shared.map((p, k) => {
    const weightSum = sum(p.weights);
    const exactShares = p.weights.map((w) => p.exact.times(w).div(weightSum));
    const amounts = splitToCents(exactShares, poolRounded[k]!);
    // Each share by the pool's providers, in proportion to what each provider put in the pool.
    const byProvider = new Totals();
    for (const [source, amount] of p.sources.map) byProvider.add(source.split('\u0000')[0]!, amount);
    const providerSplit = amounts.map((a) => (byProvider.map.size === 1 ? new Map([[[...byProvider.map.keys()][0]!, a.toFixed(2)]]) : splitNamed(new Map([...byProvider.map].map(([name, v]) => [name, p.exact.eq(0) ? ZERO : v.div(p.exact).times(a)])), a)));
    return { pool: p, ratios: p.weights.map((w) => w.div(weightSum)), amounts, providerSplit };
  });

  const teams = config.teams.map((team, i): TeamCharge => {
    const direct = roundedDirect[i]!;
    const shares: PoolShare[] = poolShares
      .filter((s) => s.ratios[i]!.gt(0))
      .map((s) => ({ pool: s.pool.id, method: s.pool.method, basis: s.pool.basis, ratio: s.ratios[i]!.round(4, Big.roundHalfUp).toFixed(4), amount: s.amounts[i]!.toFixed(2), byProvider: Object.fromEntries(s.providerSplit[i]!) }));
    const sharedTotal = sum(poolShares.map((s) => s.amounts[i]!));
    const teamTotal = direct.plus(sharedTotal);
    // By provider and by service: sums of the rounded lines, so that the lines a reader adds up in
    // statement.csv give these figures exactly (a split of its own could round a cent the other way).
    const lines = finishLines(teamLines.get(team.id), direct);
    const providerCents = new Totals();
    const serviceCents = new Totals();
    for (const l of lines) {
      providerCents.add(l.provider, new Big(l.cost));
      serviceCents.add(`${l.provider}\u0000${l.service}`, new Big(l.cost));
    }
    const byProvider = Object.fromEntries([...(teamProviders.get(team.id)?.map.keys() ?? [])].map((p) => [p, providerCents.get(p).toFixed(2)]));
    const byService = [...(teamServices.get(team.id)?.map.keys() ?? [])]
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
  const poolCharges: PoolCharge[] = poolShares.map((s, k) => ({
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

  const unallocatedRounded = roundedDirect[teamIds.length]!;
  const unallocatedSources = everySource(unallocatedBySource.map, sourceInfo, unallocatedRounded);
  // The explicit rounding row per provider: its control total less the sum of its rows as statement.csv
  // carries them (team lines, pool shares by provider, unallocated sources), each rounded on its own.
  const rowsByProvider = new Totals();
  for (const t of teams) {
    for (const l of t.lines) rowsByProvider.add(l.provider, new Big(l.cost));
    for (const s of t.shares) for (const [p, v] of Object.entries(s.byProvider)) rowsByProvider.add(p, new Big(v));
  }
  for (const u of unallocatedSources) rowsByProvider.add(u.provider, new Big(u.cost));
  const rounding = Object.fromEntries(
    Object.entries(providers)
      .map(([p, v]) => [p, new Big(v).minus(rowsByProvider.get(p)).toFixed(2)] as const)
      .filter(([, v]) => !new Big(v).eq(0)),
  );
  const chargeback: Chargeback = {
    month,
    currency: config.currency,
    status: !estimated && asOf >= closeDayOf(month, config) ? 'final' : 'preliminary',
    total: total.toFixed(2),
    unallocated: unallocatedRounded.toFixed(2),
    providers,
    teams,
    pools: poolCharges,
    unallocatedSources,
    unmappedModelSpend: [...unmapped.values()]
      .map(({ entry, keys, cost }) => ({ ...entry, apiKeys: [...keys].sort(), cost: formatCents(cost) }))
      .sort((a, b) => Number(b.cost) - Number(a.cost) || a.id.localeCompare(b.id)),
    unpriced: reconciliation.unpriced,
    estimateGaps: reconciliation.gaps,
    // Teams first, by id; capacity no rule maps last.
    capacity: [...capacity.values()].sort((a, b) => Number(a.team === null) - Number(b.team === null) || (a.team ?? '').localeCompare(b.team ?? '') || a.workspace.localeCompare(b.workspace) || a.model.localeCompare(b.model)),
    rounding,
    costBasis: basis,
    estimated,
    recordCount: records.length,
  };
  return { chargeback, records };
}

/**
 * The records a month is charged from: the billed ones, plus usage estimates for provider-days the bill
 * does not cover yet (superseded, never added, once it does).
 */
export function effectiveRecords(billedRecords: readonly CostRecord[], extras: ChargebackExtras = {}) {
  const reconciliation = extras.priceBook ? reconcileUsage(billedRecords, extras.usage ?? [], extras.priceBook) : { estimates: [], unpriced: [], gaps: [], capacity: [] };
  return { records: [...billedRecords, ...reconciliation.estimates], reconciliation };
}

/**
 * The model a usage record's tokens are reported under: the model itself for model providers and
 * Bedrock Marketplace services; none for first-party Amazon Bedrock, whose cost is per service.
 */
function lineModelOf(u: UsageRecord): string | null {
  return u.provider === 'aws' && u.serviceName === 'Amazon Bedrock' ? null : u.model;
}

/** Splits a whole number by positive weights, largest remainder first, so the parts add up to it exactly. */
export function splitInteger(total: number, weights: readonly Decimal[]): number[] {
  const sumOfWeights = sum(weights);
  if (total === 0 || sumOfWeights.lte(0)) return weights.map(() => 0);
  const exact = weights.map((w) => new Big(total).times(w).div(sumOfWeights));
  const floors = exact.map((e) => Number(e.round(0, Big.roundDown)));
  let missing = total - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e.minus(floors[i]!) })).sort((a, b) => b.r.cmp(a.r) || a.i - b.i);
  for (let k = 0; missing > 0; k = (k + 1) % order.length, missing--) floors[order[k]!.i]! += 1;
  return floors;
}

function finishLines(lines: Map<string, LineAccumulator> | undefined, teamTotal: Decimal): ChargebackLine[] {
  const all = [...(lines?.values() ?? [])];
  const cents = splitToCents(
    all.map((l) => l.cost),
    teamTotal,
  );
  return all
    .map((l, i): ChargebackLine => {
      const tokens = { input: l.tokens.input, cachedInput: l.tokens.cachedInput, cacheWrite: l.tokens.cacheWrite5m + l.tokens.cacheWrite1h, output: l.tokens.output };
      const allTokens = tokens.input + tokens.cachedInput + tokens.cacheWrite + tokens.output;
      return {
        provider: l.provider,
        service: l.service,
        model: l.model,
        cost: cents[i]!.toFixed(2),
        tokens,
        requests: l.requests,
        unitCosts: {
          inputPerMillion: unitCost(l.costByType.get('input'), tokens.input, 1_000_000),
          outputPerMillion: unitCost(l.costByType.get('output'), tokens.output, 1_000_000),
          perMillionTokens: unitCost(l.cost, allTokens, 1_000_000),
          perThousandRequests: unitCost(l.cost, l.requests, 1000),
        },
        estimated: l.estimated,
      };
    })
    .sort((a, b) => Number(b.cost) - Number(a.cost) || a.service.localeCompare(b.service) || (a.model ?? '').localeCompare(b.model ?? ''));
}

function getOrCreate(map: Map<string, Totals>, key: string): Totals {
  let totals = map.get(key);
  if (!totals) map.set(key, (totals = new Totals()));
  return totals;
}

/** Every unallocated source, largest first, split from the unallocated total by largest remainder. */
function everySource(bySource: Map<string, Decimal>, info: Map<string, Omit<UnallocatedSource, 'cost'>>, total: Decimal): UnallocatedSource[] {
  const ranked = [...bySource].sort(([ka, a], [kb, b]) => b.abs().cmp(a.abs()) || (ka < kb ? -1 : 1));
  const cents = splitToCents(
    ranked.map(([, v]) => v),
    total,
  );
  return ranked.map(([key], i) => ({ ...info.get(key)!, cost: cents[i]!.toFixed(2) }));
}
