import type { AllocatedIdentity, AllocatedMonth } from '../allocation/allocate';
import { DEFAULT_WORKSPACE, UNALLOCATED, type Allocatable, type Allocation } from '../allocation/allocation';
import type { CostRecord, TokenType } from '../records/cost-record';
import { ExactSums } from '../records/exact-sums';
import { parseAmount, ZERO, type Decimal } from '../records/money';
import { addScaled } from '../records/scaled';
import type { CostBasis, UnallocatedSource, UnmappedModelSpend } from './chargeback';
import { TeamLines, type LineAccumulator } from './lines';
import { KeyedSums } from './keyed-sums';
import { getOrCreate, Totals } from './totals';

/** The month's cost before any rounding: exact sums per team, line, pool, provider and unallocated source. */
export interface DirectSpend {
  teamTotals: Totals;
  /** Per team, its providers, in first-seen order. */
  teamProviders: Map<string, Set<string>>;
  /** Per team, its `provider\u0000service` keys, in first-seen order. */
  teamServices: Map<string, Set<string>>;
  lines: TeamLines;
  providerTotals: Totals;
  poolTotals: Totals;
  /** Per pool, what it holds by `provider\u0000service`. */
  poolSources: Map<string, Totals>;
  unallocated: Decimal;
  unallocatedBySource: Totals;
  sourceInfo: Map<string, Omit<UnallocatedSource, 'cost'>>;
  unmapped: Map<string, { entry: Omit<UnmappedModelSpend, 'cost' | 'apiKeys'>; keys: Set<string>; cost: Decimal }>;
  /** True when any record is an estimate. */
  estimated: boolean;
  /** Per `day|service` of the AWS services usage is apportioned over: each bucket's positive cost. */
  serviceShares: Map<string, Totals>;
}

/** Cost kinds a line keeps apart (its unit costs need input and output cost): other, input, output. */
const KINDS: ReadonlyArray<TokenType | 'other'> = ['other', 'input', 'output'];
/** Slots per identity: each kind, billed and estimated. */
const SLOTS_PER_IDENTITY = KINDS.length * 2;

const kindOf = (t: TokenType | null | undefined): number => (t === 'input' ? 1 : t === 'output' ? 2 : 0);

/**
 * Sums the month's cost exactly per allocation identity, cost kind and estimated flag (the hot loop: one
 * integer addition per record, no object per record), then books each sum where its allocation sends it,
 * in the order the records first show it. AWS services that usage is apportioned over
 * (`apportionedServices`) are also summed per day and bucket, record by record, to split their tokens by.
 */
export function directSpend(month: AllocatedMonth, basis: CostBasis, apportionedServices: ReadonlySet<string>): DirectSpend {
  const { records, recordIdentity, identities } = month;
  const sums = new ExactSums();
  const slotOf = new Int32Array(identities.length * SLOTS_PER_IDENTITY).fill(-1);
  const slotKeys: number[] = [];
  const serviceShares = new Map<string, Totals>();
  let estimated = false;
  const effective = basis === 'effectiveCost';
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const identity = recordIdentity[i]!;
    const key = identity * SLOTS_PER_IDENTITY + kindOf(record.tokenType) * 2 + (record.estimated ? 1 : 0);
    let slot = slotOf[key]!;
    if (slot < 0) {
      slot = slotOf[key] = sums.open();
      slotKeys.push(key);
    }
    const amount = effective ? record.effectiveCost : record.billedCost;
    if (!sums.add(slot, amount)) sums.addExact(slot, parseAmount(amount, `record ${record.id} ${basis}`));
    if (record.estimated) estimated = true;
    if (apportionedServices.size > 0 && record.provider === 'aws' && apportionedServices.has(record.serviceName)) addServiceShare(serviceShares, record, identities[identity]!.allocation, basis);
  }
  const spend = book(month, slotKeys, sums);
  return { ...spend, estimated, serviceShares };
}

/** Per day and AWS service: each team's (and the unallocated bucket's) positive cost, to apportion Bedrock tokens by. */
function addServiceShare(serviceShares: Map<string, Totals>, record: CostRecord, allocation: Allocation, basis: CostBasis): void {
  const cost = parseAmount(record[basis], `record ${record.id} ${basis}`);
  if (!cost.gt(0)) return;
  const key = `${record.chargePeriodStart}|${record.serviceName}`;
  const shares = serviceShares.get(key) ?? new Totals();
  shares.add(allocation.kind === 'team' ? allocation.team : UNALLOCATED, cost);
  serviceShares.set(key, shares);
}

/** Where one identity's sums go: slots of the shared store, and for a team identity its line. */
interface Targets {
  slots: number[];
  line?: { accumulator: LineAccumulator; total: number; kinds: Int32Array } | undefined;
}

/**
 * Books each slot's exact sum under its provider, and its team line, pool or unallocated source. Every
 * sum is added up in integer minor units first (one store of slots, see {@link KeyedSums}), with each
 * identity's destinations worked out once, so decimals are built once per key at the end, not per
 * identity; every key is still first seen in the order the records first show it.
 */
function book(month: AllocatedMonth, slotKeys: readonly number[], sums: ExactSums): Omit<DirectSpend, 'estimated' | 'serviceShares'> {
  const tagKey = month.policy.tagKey;
  const store = new ExactSums();
  const providers = new KeyedSums(store);
  const teams = new KeyedSums(store);
  const pools = new KeyedSums(store);
  const poolSourceSums = new Map<string, KeyedSums>();
  const unallocatedSources = new KeyedSums(store);
  const unmappedSums = new KeyedSums(store);
  const unallocatedSlot = store.open();
  const teamProviders = new Map<string, Set<string>>();
  const teamServices = new Map<string, Set<string>>();
  const lines = new TeamLines();
  const lineSlots = new Map<LineAccumulator, NonNullable<Targets['line']>>();
  const sourceInfo = new Map<string, Omit<UnallocatedSource, 'cost'>>();
  const unmapped: DirectSpend['unmapped'] = new Map();

  const targetsOf = ({ sample: record, allocation }: AllocatedIdentity): Targets => {
    const slots = [providers.slotOf(record.provider)];
    if (allocation.kind === 'team') {
      const accumulator = lines.lineOf(allocation.team, record.provider, record.serviceName, record.model);
      let line = lineSlots.get(accumulator);
      if (!line) {
        lineSlots.set(accumulator, (line = { accumulator, total: store.open(), kinds: new Int32Array(KINDS.length).fill(-1) }));
        // A provider or service first seen for the team is first seen on a new line of it: the sets
        // keep the same first-seen order when they are only added to here.
        getOrCreate(teamProviders, allocation.team, () => new Set<string>()).add(record.provider);
        getOrCreate(teamServices, allocation.team, () => new Set<string>()).add(`${record.provider}\u0000${record.serviceName}`);
      }
      slots.push(teams.slotOf(allocation.team), line.total);
      return { slots, line };
    }
    if (allocation.kind === 'pool') {
      slots.push(pools.slotOf(allocation.pool), getOrCreate(poolSourceSums, allocation.pool, () => new KeyedSums(store)).slotOf(`${record.provider}\u0000${record.serviceName}`));
      return { slots };
    }
    slots.push(unallocatedSlot, ...bookUnallocated(record, tagKey, unallocatedSources, unmappedSums, sourceInfo, unmapped));
    return { slots };
  };

  const identityTargets: Array<Targets | undefined> = [];
  slotKeys.forEach((key, slot) => {
    const identity = Math.floor(key / SLOTS_PER_IDENTITY);
    const targets = (identityTargets[identity] ??= targetsOf(month.identities[identity]!));
    for (const target of targets.slots) sums.addSlotTo(slot, store, target);
    const line = targets.line;
    if (line) {
      const kind = Math.floor((key % SLOTS_PER_IDENTITY) / 2);
      if (line.kinds[kind]! < 0) line.kinds[kind] = store.open();
      sums.addSlotTo(slot, store, line.kinds[kind]!);
      if (key % 2 === 1) line.accumulator.estimated = true;
    }
  });

  for (const { accumulator, total, kinds } of lineSlots.values()) {
    accumulator.cost = addScaled(accumulator.cost, store.units(total));
    kinds.forEach((slot, kind) => {
      if (slot >= 0) accumulator.costByType.set(KINDS[kind]!, store.units(slot));
    });
  }
  const unmappedCosts = unmappedSums.totals();
  for (const [k, entry] of unmapped) entry.cost = unmappedCosts.get(k);
  return {
    teamTotals: teams.totals(),
    teamProviders,
    teamServices,
    lines,
    providerTotals: providers.totals(),
    poolTotals: pools.totals(),
    poolSources: new Map([...poolSourceSums].map(([pool, sources]) => [pool, sources.totals()])),
    unallocated: store.value(unallocatedSlot),
    unallocatedBySource: unallocatedSources.totals(),
    sourceInfo,
    unmapped,
  };
}

/**
 * Registers an unallocated identity under its source, and its model spend under its unmapped project or
 * workspace; returns the slots its cost is added to.
 */
function bookUnallocated(record: Allocatable, tagKey: string, sources: KeyedSums, unmappedSums: KeyedSums, sourceInfo: DirectSpend['sourceInfo'], unmapped: DirectSpend['unmapped']): number[] {
  const tagValue = record.tags[tagKey] ?? null;
  const key = JSON.stringify([record.provider, record.subAccountId, record.serviceName, tagValue]);
  sourceInfo.set(key, { provider: record.provider, account: record.subAccountId, service: record.serviceName, tagValue });
  const slots = [sources.slotOf(key)];
  if (record.provider === 'openai' || record.provider === 'anthropic') {
    const kind = record.provider === 'openai' ? 'project' : 'workspace';
    const id = record.subAccountId ?? (kind === 'workspace' ? DEFAULT_WORKSPACE : '(none)');
    const k = `${record.provider}|${id}`;
    const entry = unmapped.get(k) ?? { entry: { provider: record.provider, kind, id }, keys: new Set<string>(), cost: ZERO };
    if (record.apiKeyId) entry.keys.add(record.apiKeyId);
    unmapped.set(k, entry);
    slots.push(unmappedSums.slotOf(k));
  }
  return slots;
}
