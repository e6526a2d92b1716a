import type { CostRecord } from '../records/cost-record';
import { oneBillPerDay } from '../records/one-bill-per-day';
import type { UsageRecord } from '../records/usage-record';
import { reconcileUsage, type Reconciliation } from '../pricing/estimates';
import type { PriceBook } from '../pricing/price-book';
import { createAllocator, type Allocatable, type Allocation } from './allocation';
import type { AllocationPolicy } from './allocation-policy';
import { IdentityTable } from './identity-table';

/** A month's stored records, as the allocate step takes them. */
export interface MonthRecords {
  month: string;
  /** The billed cost records as stored. */
  billed: readonly CostRecord[];
  /** Model usage (tokens, requests) of the month. */
  usage?: readonly UsageRecord[] | undefined;
  /** Prices for estimating days not billed yet; without it, no estimates are made. */
  priceBook?: PriceBook | undefined;
}

/** One distinct allocation identity: a record with the fields allocation reads, and where it goes. */
export interface AllocatedIdentity {
  /** The first record seen with this identity (its provider, sub-account, service, usage type, key, model, tags). */
  sample: Allocatable;
  allocation: Allocation;
}

/**
 * A month allocated once: what chargeback, guardrails, the statement files and explain all read. Every
 * record (billed, and estimated from usage for provider-days not billed yet) and every usage record has
 * its allocation; records with the same allocation identity share one decision.
 */
export interface AllocatedMonth {
  month: string;
  /** The policy the month was allocated by. */
  policy: AllocationPolicy;
  /** The billed records as stored, less any day of an AWS bill another source carries first (`policy.billPrecedence`). */
  billed: readonly CostRecord[];
  /** What the month is charged from: `billed` plus usage estimates for provider-days the bill does not cover yet. */
  records: readonly CostRecord[];
  usage: readonly UsageRecord[];
  /** Estimates, unpriced usage, estimate gaps and committed capacity from reconciling usage with the bill. */
  reconciliation: Reconciliation;
  /** The distinct identities, in the order first seen (records first, then usage). */
  identities: readonly AllocatedIdentity[];
  /** Per record, the index of its identity in `identities`. */
  recordIdentity: Uint32Array;
  /** Per usage record, the index of its identity in `identities`. */
  usageIdentity: Uint32Array;
}

/**
 * The records a month is charged from: the billed ones, plus usage estimates for provider-days the bill
 * does not cover yet (superseded, never added, once it does).
 */
export function effectiveRecords(input: MonthRecords): { records: CostRecord[]; reconciliation: Reconciliation } {
  const reconciliation = input.priceBook ? reconcileUsage(input.billed, input.usage ?? [], input.priceBook) : { estimates: [], unpriced: [], gaps: [], capacity: [] };
  return { records: [...input.billed, ...reconciliation.estimates], reconciliation };
}

/**
 * Finds or adds a record's identity (see {@link IdentityTable}) over exactly the fields
 * {@link createAllocator} reads, the policy's tags included, and allocates each new identity once.
 */
function identityIndex(policy: AllocationPolicy) {
  const tagKeys = [...new Set([policy.tagKey, ...policy.rules.flatMap((r) => (r.match.tag ? [r.match.tag.key] : []))])];
  const table = new IdentityTable(tagKeys);
  const allocate = createAllocator(policy);
  const identities: AllocatedIdentity[] = [];
  const indexOf = (r: Allocatable): number => {
    const index = table.indexOf(r);
    if (index === identities.length) identities.push({ sample: r, allocation: allocate(r) });
    return index;
  };
  return { indexOf, identities };
}

/**
 * The allocate step: reconciles the month's usage with its bill (estimates for what is not billed yet)
 * and allocates every cost and usage record by the policy, once. Pure; the one input of the month's
 * chargeback, guardrails, statement files and explanation.
 */
export function allocate(input: MonthRecords, policy: AllocationPolicy): AllocatedMonth {
  const usage = input.usage ?? [];
  const billed = policy.billPrecedence ? oneBillPerDay(input.billed, policy.billPrecedence).records : input.billed;
  const { records, reconciliation } = effectiveRecords({ ...input, billed });
  const { indexOf, identities } = identityIndex(policy);
  const recordIdentity = new Uint32Array(records.length);
  for (let i = 0; i < records.length; i++) recordIdentity[i] = indexOf(records[i]!);
  const usageIdentity = new Uint32Array(usage.length);
  for (let i = 0; i < usage.length; i++) usageIdentity[i] = indexOf(usage[i]!);
  return { month: input.month, policy, billed, records, usage, reconciliation, identities, recordIdentity, usageIdentity };
}

/** The allocation of the month's `i`th record. */
export function recordAllocation(month: AllocatedMonth, i: number): Allocation {
  return month.identities[month.recordIdentity[i]!]!.allocation;
}

/** The allocation of the month's `i`th usage record. */
export function usageAllocation(month: AllocatedMonth, i: number): Allocation {
  return month.identities[month.usageIdentity[i]!]!.allocation;
}
