import type { AllocatedMonth } from '../allocation/allocate';
import { DEFAULT_WORKSPACE, UNALLOCATED, type Allocatable, type Allocation } from '../allocation/allocation';
import type { CostRecord, TokenType } from '../records/cost-record';
import { ExactSums } from '../records/exact-sums';
import { parseAmount, ZERO, type Decimal } from '../records/money';
import type { CostBasis, UnallocatedSource, UnmappedModelSpend } from './chargeback';
import { TeamLines, type LineAccumulator } from './lines';
import { getOrCreate, Totals } from './totals';

/** The month's cost before any rounding: exact sums per team, line, pool, provider and unallocated source. */
export interface DirectSpend {
  teamTotals: Totals;
  teamProviders: Map<string, Totals>;
  teamServices: Map<string, Totals>;
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

/**
 * Books each slot's exact sum under its team line, pool or unallocated source. Team slots are first added
 * up per line, cost kind and estimated flag in integer minor units (many identities share a line), and
 * provider totals likewise, so the decimal bookings are per line rather than per identity; every key is
 * still first seen in the order the records first show it.
 */
function book(month: AllocatedMonth, slotKeys: readonly number[], sums: ExactSums): Omit<DirectSpend, 'estimated' | 'serviceShares'> {
  const tagKey = month.policy.tagKey;
  const teamTotals = new Totals();
  const teamProviders = new Map<string, Totals>();
  const teamServices = new Map<string, Totals>();
  const lines = new TeamLines();
  const providerTotals = new Totals();
  const poolTotals = new Totals();
  const poolSources = new Map<string, Totals>();
  const unallocatedBySource = new Totals();
  const sourceInfo = new Map<string, Omit<UnallocatedSource, 'cost'>>();
  const unmapped: DirectSpend['unmapped'] = new Map();
  let unallocated = ZERO;

  const providers = new ExactSums();
  const providerSlot = new Map<string, number>();
  const buckets = new ExactSums();
  const bucketOf = new Map<LineAccumulator, Int32Array>();
  const bucketInfo: Array<{ team: string; record: Allocatable; line: LineAccumulator; kind: number; estimated: boolean }> = [];
  const lineOfIdentity = new Map<number, LineAccumulator>();

  slotKeys.forEach((key, slot) => {
    const identity = Math.floor(key / SLOTS_PER_IDENTITY);
    const { sample: record, allocation } = month.identities[identity]!;
    const kind = Math.floor((key % SLOTS_PER_IDENTITY) / 2);
    const isEstimated = key % 2 === 1;
    let p = providerSlot.get(record.provider);
    if (p === undefined) providerSlot.set(record.provider, (p = providers.open()));
    sums.addSlotTo(slot, providers, p);
    if (allocation.kind === 'team') {
      let line = lineOfIdentity.get(identity);
      if (!line) lineOfIdentity.set(identity, (line = lines.lineOf(allocation.team, record.provider, record.serviceName, record.model)));
      let own = bucketOf.get(line);
      if (!own) bucketOf.set(line, (own = new Int32Array(SLOTS_PER_IDENTITY).fill(-1)));
      const k = kind * 2 + (isEstimated ? 1 : 0);
      if (own[k]! < 0) {
        own[k] = buckets.open();
        bucketInfo.push({ team: allocation.team, record, line, kind, estimated: isEstimated });
      }
      sums.addSlotTo(slot, buckets, own[k]!);
      return;
    }
    const cost = sums.value(slot);
    if (allocation.kind === 'pool') {
      poolTotals.add(allocation.pool, cost);
      getOrCreate(poolSources, allocation.pool).add(`${record.provider}\u0000${record.serviceName}`, cost);
    } else {
      unallocated = unallocated.plus(cost);
      bookUnallocated(record, cost, tagKey, unallocatedBySource, sourceInfo, unmapped);
    }
  });
  bucketInfo.forEach(({ team, record, line, kind, estimated }, bucket) => {
    const cost = buckets.value(bucket);
    const type = KINDS[kind]!;
    teamTotals.add(team, cost);
    getOrCreate(teamProviders, team).add(record.provider, cost);
    getOrCreate(teamServices, team).add(`${record.provider}\u0000${record.serviceName}`, cost);
    line.cost = line.cost.plus(cost);
    line.costByType.set(type, (line.costByType.get(type) ?? ZERO).plus(cost));
    line.estimated ||= estimated;
  });
  for (const [provider, slot] of providerSlot) providerTotals.add(provider, providers.value(slot));
  return { teamTotals, teamProviders, teamServices, lines, providerTotals, poolTotals, poolSources, unallocated, unallocatedBySource, sourceInfo, unmapped };
}

/** Books unallocated cost under its source, and model spend under its unmapped project or workspace. */
function bookUnallocated(record: Allocatable, cost: Decimal, tagKey: string, unallocatedBySource: Totals, sourceInfo: DirectSpend['sourceInfo'], unmapped: DirectSpend['unmapped']): void {
  const tagValue = record.tags[tagKey] ?? null;
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
