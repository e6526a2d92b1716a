import { z } from 'zod';
import { email, flag, id, nonEmpty, positive, provider, section } from './config-fields';

/** The `teams` and `allocation` sections: who is charged, and the rules and shared pools that decide what. */

export const teamSchema = z.strictObject({
  id,
  name: nonEmpty,
  aliases: z.array(nonEmpty).default([]),
  monthlyBudget: positive.optional(),
  leadEmails: z.array(email).default([]),
  /** Also email the team's own statement to its leads each month (opt-in). */
  statementToLeads: flag.default(false),
});

/**
 * What a rule can look at. Every field present must match (AND); comparisons are exact, except `model`,
 * where `*` matches any run of characters (`gpt-4o*`).
 */
const ruleMatchSchema = z
  .strictObject({
    provider: provider.optional(),
    /** AWS linked account. */
    account: z.string({ error: 'expected an account id string' }).regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' }).optional(),
    service: nonEmpty.optional(),
    usageType: nonEmpty.optional(),
    tag: z.strictObject({ key: nonEmpty, value: z.string({ error: 'expected a string' }) }).optional(),
    /** OpenAI project id (`proj_…`). */
    project: nonEmpty.optional(),
    /** Anthropic workspace id (`wrkspc_…`), or `default` for the default workspace. */
    workspace: nonEmpty.optional(),
    /** OpenAI or Anthropic API key id. */
    apiKey: nonEmpty.optional(),
    model: nonEmpty.optional(),
  })
  .refine((m) => Object.keys(m).length > 0, { error: 'expected at least one field to match on' });

/** A rule sends what it matches to one team, or to one shared pool. */
const ruleSchema = z
  .strictObject({ match: ruleMatchSchema, team: id.optional(), pool: id.optional() })
  .refine((r) => (r.team === undefined) !== (r.pool === undefined), { error: 'expected exactly one of "team" or "pool"' });

export const SHARE_METHODS = ['proportional', 'even', 'fixed'] as const;

/**
 * A shared-cost pool: spend rules send to it (a support plan, a shared VPC, a platform gateway) is split
 * across the teams. `proportional` by each team's direct spend in the month (or its tokens, with
 * `basis: "tokens"`), `even` equally (among teams with any direct spend, or all configured teams with
 * `evenAmong: "all"`), `fixed` by weights that sum to 1.
 */
const sharedPoolSchema = z
  .strictObject({
    id,
    method: z.enum(SHARE_METHODS, { error: `expected one of ${SHARE_METHODS.join(', ')}` }),
    basis: z.enum(['cost', 'tokens'], { error: 'expected "cost" or "tokens"' }).default('cost'),
    evenAmong: z.enum(['active', 'all'], { error: 'expected "active" or "all"' }).default('active'),
    weights: z.record(z.string(), z.number({ error: 'expected a weight between 0 and 1' }).min(0, { error: 'expected a weight between 0 and 1' }).max(1, { error: 'expected a weight between 0 and 1' })).optional(),
  })
  .superRefine((pool, ctx) => {
    if (pool.method === 'fixed' && pool.weights === undefined) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'a fixed pool needs weights' });
    if (pool.method !== 'fixed' && pool.weights !== undefined) ctx.addIssue({ code: 'custom', path: ['weights'], message: `weights apply to fixed pools only, not ${pool.method}` });
    if (pool.basis === 'tokens' && pool.method !== 'proportional') ctx.addIssue({ code: 'custom', path: ['basis'], message: 'basis "tokens" applies to proportional pools only' });
  });

/** `allocation`: the team tag, the rules (first match wins) and the shared pools. */
export const allocationSection = section({
  awsTagKey: nonEmpty.default('team'),
  rules: z.array(ruleSchema).default([]),
  sharedPools: z.array(sharedPoolSchema).default([]),
  /** Split unallocated spend across the teams too (proportionally to their direct spend). */
  shareUnallocated: flag.default(false),
});
