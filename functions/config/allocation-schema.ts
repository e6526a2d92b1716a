import { z } from 'zod';
import { email, flag, id, nonEmpty, positive, providerId, section } from './config-fields';

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

/** An ARN or an ARN pattern: `arn:` then no spaces, `*` for any run of characters. */
const arnPattern = (what: string) =>
  z
    .string({ error: `expected ${what} ARN or pattern string` })
    .regex(/^arn:[^\s]+$/, { error: `expected ${what} ARN, or a pattern such as "arn:aws:sts::*:assumed-role/my-app/*" (starting "arn:", no spaces; * matches any run of characters)` })
    .refine((p) => !p.includes('**'), { error: 'expected no "**" in a pattern; one * already matches any run of characters' });

/**
 * What a rule can look at. Every field present must match (AND); comparisons are exact, except `model`,
 * `iamPrincipal` and `resource`, where `*` matches any run of characters (`gpt-4o*`).
 */
export const ruleMatchSchema = z
  .strictObject({
    /** A built-in provider, or a FOCUS file's provider (`microsoft`). */
    provider: providerId.optional(),
    /** AWS linked account. */
    account: z.string({ error: 'expected an account id string' }).regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' }).optional(),
    /** Any provider's sub-account as its records carry it (FOCUS SubAccountId: an Azure subscription, a Google Cloud project). */
    subAccount: nonEmpty.optional(),
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
    /** The AI service's caller (CUR 2.0 `line_item_iam_principal`): an IAM role, user or session ARN pattern. */
    iamPrincipal: arnPattern('an IAM principal').optional(),
    /** The record's resource: a Bedrock (application) inference profile ARN pattern. */
    resource: arnPattern('an inference profile').optional(),
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

/** The value a dimension never takes from a tag or rule: what records with neither get. */
export const NO_DIMENSION_VALUE = '(none)';

/** A dimension rule: what it matches gets `value`. */
const dimensionRuleSchema = z.strictObject({
  match: ruleMatchSchema,
  value: nonEmpty.refine((v) => v !== NO_DIMENSION_VALUE, { error: `"${NO_DIMENSION_VALUE}" is what records with no value get; pick another value` }),
});

/**
 * A further breakdown besides team (feature, environment, customer): a record's value is its tag
 * `tagKey`, else the value of the first rule it matches, else `(none)`.
 */
const dimensionSchema = z
  .strictObject({
    id,
    tagKey: nonEmpty.optional(),
    rules: z.array(dimensionRuleSchema).min(1, { error: 'expected at least one rule; leave "rules" out to take values from the tag only' }).optional(),
  })
  .refine((d) => d.tagKey !== undefined || d.rules !== undefined, { error: 'expected "tagKey", "rules" or both: where the dimension\'s values come from' });

/** `allocation`: the team tag, the rules (first match wins), the shared pools and the further dimensions. */
export const allocationSection = section({
  awsTagKey: nonEmpty.default('team'),
  rules: z.array(ruleSchema).default([]),
  sharedPools: z.array(sharedPoolSchema).default([]),
  /** Split unallocated spend across the teams too (proportionally to their direct spend). */
  shareUnallocated: flag.default(false),
  /** Further breakdowns of spend besides team, in the order statements show them. */
  dimensions: z.array(dimensionSchema).default([]),
});
