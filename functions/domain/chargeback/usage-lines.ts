import type { AllocatedMonth } from '../allocation/allocate';
import { DEFAULT_WORKSPACE, UNALLOCATED } from '../allocation/allocation';
import { isCommittedCapacity } from '../pricing/estimates';
import type { TokenCounts, UsageRecord } from '../records/usage-record';
import type { CapacityLine } from './chargeback';
import type { LineAccumulator, TeamLines } from './lines';
import { splitInteger, type Totals } from './totals';

/**
 * The model a usage record's tokens are reported under: the model itself for model providers and
 * Bedrock Marketplace services; none for first-party Amazon Bedrock, whose cost is per service.
 */
function lineModelOf(u: UsageRecord): string | null {
  return u.provider === 'aws' && u.serviceName === 'Amazon Bedrock' ? null : u.model;
}

/** Adds token counts into `into`, in place. */
function addInto(into: TokenCounts, t: TokenCounts): void {
  into.input += t.input;
  into.cachedInput += t.cachedInput;
  into.cacheWrite5m += t.cacheWrite5m;
  into.cacheWrite1h += t.cacheWrite1h;
  into.output += t.output;
}

/** The AWS services whose usage is split across teams by their cost (usage with `apportionByCost`). */
export function apportionedServicesOf(usage: readonly UsageRecord[]): Set<string> {
  const services = new Set<string>();
  for (const u of usage) if (u.apportionByCost) services.add(u.serviceName);
  return services;
}

/**
 * Puts the month's tokens and requests beside the dollars: each usage record on its team's line (a line
 * per identity, found once), Bedrock's tokens split by the teams' cost of the service that day, and
 * committed capacity (Anthropic Priority Tier) on lines of its own, off the team lines.
 */
export function addUsage(month: AllocatedMonth, lines: TeamLines, serviceShares: ReadonlyMap<string, Totals>): CapacityLine[] {
  const { usage, usageIdentity, identities } = month;
  const capacity = new Map<string, CapacityLine>();
  const lineOfIdentity = new Map<number, LineAccumulator>();
  for (let i = 0; i < usage.length; i++) {
    const u = usage[i]!;
    const allocation = identities[usageIdentity[i]!]!.allocation;
    if (isCommittedCapacity(u)) {
      // Kept off the team lines: their tokens sit beside dollars, and this capacity has none here.
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
      buckets.forEach((bucket, b) => {
        if (bucket === UNALLOCATED) return;
        const line = lines.lineOf(bucket, u.provider, u.serviceName, lineModelOf(u));
        addInto(line.tokens, { input: parts.input[b]!, cachedInput: parts.cachedInput[b]!, cacheWrite5m: parts.cacheWrite5m[b]!, cacheWrite1h: parts.cacheWrite1h[b]!, output: parts.output[b]! });
      });
      continue;
    }
    if (allocation.kind !== 'team') continue;
    // A team, provider, service and model are all part of the identity: its line is found once.
    let line = lineOfIdentity.get(usageIdentity[i]!);
    if (!line) lineOfIdentity.set(usageIdentity[i]!, (line = lines.lineOf(allocation.team, u.provider, u.serviceName, lineModelOf(u))));
    addInto(line.tokens, u.tokens);
    line.requests += u.requests;
  }
  // Teams first, by id; capacity no rule maps last.
  return [...capacity.values()].sort((a, b) => Number(a.team === null) - Number(b.team === null) || (a.team ?? '').localeCompare(b.team ?? '') || a.workspace.localeCompare(b.workspace) || a.model.localeCompare(b.model));
}
