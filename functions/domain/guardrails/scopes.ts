import Big from 'big.js';
import { globMatches } from '../../lib/glob';
import type { Chargeback } from '../chargeback/chargeback';
import type { Provider } from '../records/cost-record';
import { ZERO, type Decimal } from '../records/money';
import { providerLabel } from './alert';
import { ALERT_ATTRIBUTES, PLATFORM_TEAMS } from './alert-attributes';
import type { GuardrailsPolicy } from './policy';
import type { Slice } from './slices';

/** A scope's budget: its spend series is built from the records the predicate accepts. */
export interface BudgetScope {
  scope: string;
  label: string;
  team: string | null;
  provider?: Provider;
  model?: string;
  monthly: Decimal;
  /** Added to the scope's direct spend: the team's shared-pool shares, month to date. */
  shared: Decimal;
}

/** Every budget scope of the policy: budgeted teams, narrower team budgets, the organisation's AI budget. */
export function budgetScopes(policy: GuardrailsPolicy, chargeback: Chargeback): BudgetScope[] {
  const sharedOf = (team: string) => new Big(chargeback.teams.find((t) => t.team === team)?.shared ?? '0');
  const scopes: BudgetScope[] = policy.teams
    .filter((t) => t.monthlyBudget !== undefined)
    .map((t) => ({ scope: `team:${t.id}`, label: t.name, team: t.id, monthly: new Big(t.monthlyBudget!), shared: sharedOf(t.id) }));
  for (const b of policy.budgets) {
    const name = policy.teams.find((t) => t.id === b.team)?.name ?? b.team;
    const parts = [b.provider && `provider:${b.provider}`, b.model && `model:${b.model}`].filter(Boolean);
    const what = [b.provider && providerLabel(b.provider), b.model].filter(Boolean).join(' ');
    scopes.push({ scope: `team:${b.team}/${parts.join('/')}`, label: `${name}: ${what}`, team: b.team, provider: b.provider, model: b.model, monthly: new Big(b.monthly), shared: ZERO });
  }
  if (policy.organizationAiBudget !== undefined) {
    scopes.push({ scope: 'organization:ai', label: 'Organisation AI spend', team: null, monthly: new Big(policy.organizationAiBudget), shared: ZERO });
  }
  return scopes;
}

/** Whether a slice counts toward a scope's spend. */
export function inScope(s: Slice, scope: BudgetScope): boolean {
  if (scope.team === null) return s.ai;
  return s.team === scope.team && (scope.provider === undefined || s.provider === scope.provider) && (scope.model === undefined || globMatches(scope.model, s.model));
}

/** The `team` attribute of a scope's alerts: the team, or `organization` for the organisation's AI budget. */
export const teamAttribute = (scope: BudgetScope) => scope.team ?? PLATFORM_TEAMS.organization;

/** The provider and model a scope narrows to, as alert attributes. */
export function scopeAttributes(scope: BudgetScope): Record<string, string> {
  return { ...(scope.provider ? { [ALERT_ATTRIBUTES.provider]: scope.provider } : {}), ...(scope.model ? { [ALERT_ATTRIBUTES.model]: scope.model } : {}) };
}
