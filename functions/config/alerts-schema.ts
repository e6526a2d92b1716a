import { z } from 'zod';
import { ALERT_KINDS } from '../domain/guardrails/alert';
import { day, email, flag, id, modelPattern, positive, provider, section } from './config-fields';

/** The `alerts` section: thresholds, narrower budgets, forecasts, anomalies, unit cost, shadow AI, silences. */

/** A budget for part of a team's spend: its spend with one provider, or on the models matching a pattern. */
const budgetScopeSchema = z
  .strictObject({
    team: id,
    provider: provider.optional(),
    model: modelPattern.optional(),
    monthly: positive,
  })
  .refine((b) => b.provider !== undefined || b.model !== undefined, { error: 'expected "provider" or "model" (a whole team\'s budget is teams[].monthlyBudget)' });

/** `team:search`, `team:search/provider:openai`, `team:search/model:gpt-4o*` (or both), `organization:ai`, `shadow-ai`. */
export const SCOPE_PATTERN = /^(team:[a-z0-9][a-z0-9-_]*(\/provider:(aws|openai|anthropic))?(\/model:[A-Za-z0-9._:/@*-]+)?|organization:ai|shadow-ai)$/;

const silenceSchema = z.strictObject({
  scope: z.string({ error: 'expected a scope string' }).regex(SCOPE_PATTERN, { error: 'expected a scope: "team:<id>", "team:<id>/provider:<p>", "team:<id>/model:<pattern>", "organization:ai" or "shadow-ai"' }),
  kind: z.enum(ALERT_KINDS, { error: `expected one of ${ALERT_KINDS.join(', ')}` }).optional(),
  until: day,
  reason: z.string({ error: 'expected a string' }).optional(),
});

/** `alerts`: what is watched and how loudly it is told. */
export const alertsSection = section({
  thresholds: z
    .array(z.number({ error: 'expected a percentage' }).positive({ error: 'expected a positive percentage' }).max(1000, { error: 'expected at most 1000' }))
    .min(1, { error: 'expected at least one threshold' })
    .default([50, 80, 100]),
  /** Budgets narrower than a team's monthlyBudget: one provider, or models matching a pattern. */
  budgets: z.array(budgetScopeSchema).default([]),
  /** Monthly budget for the organisation's AI spend: Bedrock, OpenAI and Anthropic, every team and unallocated. */
  organizationAiBudget: positive.optional(),
  forecast: section({
    enabled: flag.default(true),
    /** Days of data the rates must rest on before a projection alerts. */
    minDays: z.number({ error: 'expected a number of days' }).int({ error: 'expected whole days' }).min(3).max(28).default(7),
  }),
  anomaly: section({
    enabled: flag.default(true),
    /** Smallest jump over the baseline, USD, worth telling someone about. */
    minImpact: positive.default(50),
    /** Robust z-score (deviations of the baseline's median absolute deviation) that counts as a break. */
    sensitivity: positive.default(4),
    /** Trailing days the baseline is drawn from (at most 28: the month before is what is read). */
    baselineDays: z.number({ error: 'expected a number of days' }).int({ error: 'expected whole days' }).min(14).max(28).default(28),
  }),
  unitCost: section({
    enabled: flag.default(true),
    /** Rise in cost per million tokens, percent, at steady volume, that alerts. */
    minIncreasePercent: positive.default(30),
    /** Smallest extra cost of the day, USD. */
    minImpact: positive.default(20),
  }),
  shadowAi: section({
    enabled: flag.default(true),
    /** High-cost models to be told about whenever anyone uses them (patterns, `*` wildcard). */
    watchModels: z.array(modelPattern).default([]),
    /** Spend below this, USD in the month, on an unmapped project, workspace or key is not reported. */
    minSpend: z.number({ error: 'expected a number' }).min(0, { error: 'expected 0 or more' }).default(1),
  }),
  /** The platform/finance audience: shadow-AI alerts and the organisation's AI budget alerts. */
  platformEmails: z.array(email).default([]),
  /** Planned events: no alerts of this scope (and its narrower scopes), of this kind or all, through `until`. */
  silences: z.array(silenceSchema).default([]),
  /** Alerts per recipient team per UTC day; past it, the day's further alerts go out as one digest the next day. */
  dailyCap: z.number({ error: 'expected a number of alerts' }).int({ error: 'expected a whole number' }).min(1).max(100).default(5),
});
