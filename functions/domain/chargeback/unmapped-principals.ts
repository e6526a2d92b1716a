import type { AllocatedMonth } from '../allocation/allocate';
import { ExactSums } from '../records/exact-sums';
import { formatCents, parseAmount } from '../records/money';
import type { Chargeback, UnmappedPrincipalSpend } from './chargeback';

/**
 * AI spend by IAM principal that landed unallocated: the callers (CUR 2.0 `line_item_iam_principal`, billing
 * exports only) no tag and no rule maps, largest first. Part of `unallocated`, each rounded on its own.
 */
export function unmappedPrincipals(month: AllocatedMonth, chargeback: Chargeback): UnmappedPrincipalSpend[] {
  const sums = new ExactSums();
  const byPrincipal = new Map<string, { slot: number; account: string | null; services: Set<string> }>();
  const basis = chargeback.costBasis;
  month.records.forEach((record, i) => {
    if (record.iamPrincipal === undefined || month.identities[month.recordIdentity[i]!]!.allocation.kind !== 'unallocated') return;
    let entry = byPrincipal.get(record.iamPrincipal);
    if (!entry) byPrincipal.set(record.iamPrincipal, (entry = { slot: sums.open(), account: record.subAccountId, services: new Set() }));
    entry.services.add(record.serviceName);
    const amount = record[basis];
    if (!sums.add(entry.slot, amount)) sums.addExact(entry.slot, parseAmount(amount, `record ${record.id} ${basis}`));
  });
  return [...byPrincipal]
    .map(([principal, e]) => ({ principal, account: e.account, services: [...e.services].sort(), cost: formatCents(sums.value(e.slot)) }))
    .sort((a, b) => Number(b.cost) - Number(a.cost) || (a.principal < b.principal ? -1 : 1));
}

/** The chargeback with its unmapped callers, when there are any; unchanged otherwise (Cost Explorer mode has none). */
export function withUnmappedPrincipals<C extends Chargeback>(chargeback: C, month: AllocatedMonth): C {
  const principals = unmappedPrincipals(month, chargeback);
  return principals.length > 0 ? { ...chargeback, unmappedPrincipals: principals } : chargeback;
}

/**
 * A rule pattern for a principal: an assumed role's sessions vary (`.../role/<session>`), so the session
 * becomes `*`; any other principal (an IAM user or role ARN) is matched as it is.
 */
export function principalPattern(principal: string): string {
  const m = /^(arn:[^:]+:sts::\d*:assumed-role\/[^/]+\/).+$/.exec(principal);
  return m ? `${m[1]}*` : principal;
}
