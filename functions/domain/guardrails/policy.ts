import type { CostBasis } from '../chargeback/chargeback';
import type { Provider } from '../records/cost-record';
import type { AlertKind } from './alert';

/** A planned event: no alerts of this scope (and its narrower scopes), of this kind or all, through `until`. */
export interface Silence {
  scope: string;
  kind?: AlertKind;
  /** Last silenced day, `YYYY-MM-DD`. */
  until: string;
}

/** What the guardrails read of the configuration (the caller builds it: `guardrailsPolicyOf`): the teams, their budgets and the alert settings. */
export interface GuardrailsPolicy {
  /** Every team, in config order; those with a monthly budget are budget scopes. */
  teams: ReadonlyArray<{ id: string; name: string; monthlyBudget?: number }>;
  /** Which cost column the spend series sum. */
  costBasis: CostBasis;
  /** Percentages of a budget that alert. */
  thresholds: readonly number[];
  /** Budgets narrower than a team's: one provider, or the models matching a pattern. */
  budgets: ReadonlyArray<{ team: string; provider?: Provider; model?: string; monthly: number }>;
  organizationAiBudget?: number;
  forecast: { enabled: boolean; minDays: number };
  anomaly: { enabled: boolean; minImpact: number; sensitivity: number; baselineDays: number };
  unitCost: { enabled: boolean; minIncreasePercent: number; minImpact: number };
  shadowAi: { enabled: boolean; watchModels: readonly string[]; minSpend: number };
  silences: readonly Silence[];
}
