import type { EstimateGap, UnpricedUsage } from '../pricing/estimates';

/**
 * The monthly chargeback's shape: `chargeback.json`, the contract the statements, alerts and month close
 * read. Built by `chargeMonth` (charge-month.ts) from the allocated month.
 */

/** Which FOCUS cost column a chargeback sums, from the configured Cost Explorer metric. */
export type CostBasis = 'effectiveCost' | 'billedCost';

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

/** An IAM principal whose AI spend (Bedrock, from billing exports) no tag or rule maps: the shadow-AI list for AWS. */
export interface UnmappedPrincipalSpend {
  /** The caller's ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). */
  principal: string;
  /** The linked account the calls were billed to. */
  account: string | null;
  services: string[];
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

/**
 * One value of a dimension: its cost, with the tokens and requests of the usage attributed to it (usage
 * with an allocation of its own; Bedrock's per-service tokens are split by cost across teams, not values).
 */
export interface DimensionValueTotal {
  /** The value, or `(none)` for spend with no tag for the dimension and no rule that matches it. */
  value: string;
  cost: string;
  tokens: LineTokens;
  requests: number;
  /**
   * Cost of the value's model spend (records that name a model, of services whose usage is attributed) per
   * million of its tokens; null without tokens.
   */
  perMillionTokens: string | null;
  /** The same cost per thousand of its requests; null without requests. */
  perThousandRequests: string | null;
}

/**
 * A dimension's breakdown of the month (`allocation.dimensions`): the month's total cost by value, record
 * by record, before any shared pool is split (pools and unallocated spend included, under their records'
 * values), and each team's direct spend by value. Values add up to `total`, and a team's to its `direct`,
 * to the cent.
 */
export interface DimensionBreakdown {
  dimension: string;
  /** The tag the values come from first, if the dimension reads one. */
  tagKey: string | null;
  /** What the AWS source cannot see for it (`dimension feature: Cost Explorer mode cannot see tag feature ...`). */
  note?: string;
  /** The month's total (the chargeback's `total`). */
  total: string;
  /** Largest first, `(none)` last. */
  values: DimensionValueTotal[];
  /** Teams with direct spend or usage, in the chargeback's order. */
  teams: Array<{ team: string; direct: string; values: DimensionValueTotal[] }>;
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
  /** AI spend by IAM principals no rule maps (part of `unallocated`); absent when there is none. */
  unmappedPrincipals?: UnmappedPrincipalSpend[];
  /** Per configured dimension, the month by value; absent when no dimensions are configured. */
  dimensions?: DimensionBreakdown[];
}

/** A month against the one before: each team's previous total and its change. */
export interface MonthOverMonth {
  previousMonth: string;
  previousTotal: string;
  teams: Record<string, { previous: string; change: string; changePercent: number | null }>;
}
