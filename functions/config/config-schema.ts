import Big from 'big.js';
import { z } from 'zod';
import { isDay } from '../domain/records/dates';
import { globMatches } from '../lib/glob';
import { describeIssues } from '../lib/zod-issues';

/**
 * Schema of `costline.config.json`. Read by the CDK app at synth time (email subscriptions, which
 * sources to grant) and by every job at run time (the file is deployed inside each bundle).
 * Messages are phrased so that, prefixed with the field's path, they read as one sentence:
 * `teams[2].monthlyBudget: expected a positive number`.
 */

const id = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z0-9][a-z0-9-_]*$/, { error: 'expected a lowercase id (letters, digits, - and _)' });
const nonEmpty = z.string({ error: 'expected a string' }).trim().min(1, { error: 'expected a non-empty string' });
const email = z.email({ error: 'expected an email address' });
const positive = z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });
const flag = z.boolean({ error: 'expected true or false' });
/** A real calendar day, `YYYY-MM-DD`: `2026-02-30` has the shape but is refused. */
const day = z
  .string({ error: 'expected a YYYY-MM-DD day' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a YYYY-MM-DD day', abort: true })
  .refine(isDay, { error: (issue) => `${JSON.stringify(issue.input)} is not a calendar day` });

/**
 * A section of the config: an object with no unknown fields; absent, it is `{}` and every field takes its
 * default.
 */
function section<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: 'expected an object' }).prefault({} as z.input<z.ZodObject<S, z.core.$strict>>);
}

export const COST_METRICS = ['AmortizedCost', 'NetAmortizedCost', 'UnblendedCost', 'NetUnblendedCost'] as const;
export type CostMetric = (typeof COST_METRICS)[number];

export const PROVIDERS = ['aws', 'openai', 'anthropic'] as const;

/** An IAM role ARN, with its path (`role/costline/reader`), in any partition. */
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
/** STS `ExternalId`: 2 to 1224 characters of `[\w+=,.@:\/-]`. */
const EXTERNAL_ID = /^[\w+=,.@:\/-]{2,1224}$/;

const teamSchema = z.strictObject({
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
    provider: z.enum(PROVIDERS, { error: `expected one of ${PROVIDERS.join(', ')}` }).optional(),
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

/** A model pattern: letters, digits and `.-_:/@`, with `*` for any run of characters. */
const modelPattern = z
  .string({ error: 'expected a model pattern string' })
  .regex(/^(?!\*+$)[A-Za-z0-9._:/@*-]+$/, { error: 'expected a model id or pattern such as "gpt-4o*" (letters, digits, . - _ : / @ and * only, not * alone)' })
  .refine((p) => !p.includes('**'), { error: 'expected no "**" in a model pattern; one * already matches any run of characters' });

/** A budget for part of a team's spend: its spend with one provider, or on the models matching a pattern. */
const budgetScopeSchema = z
  .strictObject({
    team: id,
    provider: z.enum(PROVIDERS, { error: `expected one of ${PROVIDERS.join(', ')}` }).optional(),
    model: modelPattern.optional(),
    monthly: positive,
  })
  .refine((b) => b.provider !== undefined || b.model !== undefined, { error: 'expected "provider" or "model" (a whole team\'s budget is teams[].monthlyBudget)' });

/** The kinds of alert costline sends; subscriptions filter on the `kind` attribute. */
export const ALERT_KINDS = ['threshold', 'forecast', 'anomaly', 'shadow-ai', 'unit-cost'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** `team:search`, `team:search/provider:openai`, `team:search/model:gpt-4o*` (or both), `organization:ai`, `shadow-ai`. */
export const SCOPE_PATTERN = /^(team:[a-z0-9][a-z0-9-_]*(\/provider:(aws|openai|anthropic))?(\/model:[A-Za-z0-9._:/@*-]+)?|organization:ai|shadow-ai)$/;

const silenceSchema = z.strictObject({
  scope: z.string({ error: 'expected a scope string' }).regex(SCOPE_PATTERN, { error: 'expected a scope: "team:<id>", "team:<id>/provider:<p>", "team:<id>/model:<pattern>", "organization:ai" or "shadow-ai"' }),
  kind: z.enum(ALERT_KINDS, { error: `expected one of ${ALERT_KINDS.join(', ')}` }).optional(),
  until: day,
  reason: z.string({ error: 'expected a string' }).optional(),
});

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

/** A model provider read through its admin API. */
/** Which Anthropic reporting API the sources read (`sources.anthropic.api`). */
export const ANTHROPIC_APIS = ['auto', 'analytics', 'legacy'] as const;
export type AnthropicApi = (typeof ANTHROPIC_APIS)[number];

function modelProviderSchema(defaultSecret: string) {
  return z.strictObject(
    {
      enabled: flag.default(false),
      /** Secrets Manager secret (name or ARN) holding the admin key; created by you, read by the functions. */
      adminKeySecret: nonEmpty.default(defaultSecret),
      /** Organization id, recorded as FOCUS BillingAccountId. */
      organizationId: nonEmpty.optional(),
      previousMonthUntilDay: z.number({ error: 'expected a day of the month' }).int({ error: 'expected a whole day of the month' }).min(1).max(28).default(5),
      /** On Mondays, re-pull this many closed months too, to catch late credits and restatements. */
      recheckClosedMonths: z.number({ error: 'expected a number of months' }).int({ error: 'expected a whole number of months' }).min(0).max(12).default(1),
    },
    { error: 'expected an object' },
  );
}

const configSchema = z
  .strictObject({
    currency: z.literal('USD', { error: 'expected "USD" (the only billing currency the sources report)' }),
    teams: z.array(teamSchema).min(1, { error: 'expected at least one team' }),
    allocation: section({
      awsTagKey: nonEmpty.default('team'),
      rules: z.array(ruleSchema).default([]),
      sharedPools: z.array(sharedPoolSchema).default([]),
      /** Split unallocated spend across the teams too (proportionally to their direct spend). */
      shareUnallocated: flag.default(false),
    }),
    alerts: section({
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
    }),
    finance: section({
      emails: z.array(email).default([]),
      /** Which alerts finance receives besides the statements: none, critical ones, or warnings and critical ones. */
      alerts: z.enum(['none', 'critical', 'warning'], { error: 'expected "none", "critical" or "warning"' }).default('none'),
    }),
    operations: z.strictObject({ emails: z.array(email).default([]) }).default({ emails: [] }),
    sources: section({
      aws: section({
        enabled: flag.default(true),
        costMetric: z.enum(COST_METRICS, { error: `expected one of ${COST_METRICS.join(', ')}` }).default('AmortizedCost'),
        /** Re-pull the previous month until this day of the new month, even once Cost Explorer says it is final. */
        previousMonthUntilDay: z.number({ error: 'expected a day of the month' }).int({ error: 'expected a whole day of the month' }).min(1).max(28).default(5),
        /** On Mondays, re-pull this many closed months too, to catch late credits and restatements. */
        recheckClosedMonths: z.number({ error: 'expected a number of months' }).int({ error: 'expected a whole number of months' }).min(0).max(12).default(1),
        /** FOCUS BillingAccountId: the payer (management) account. Cost Explorer does not return it. */
        billingAccountId: z.string().regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' }).optional(),
        /**
         * A role in the management (payer) account that costline assumes to read Cost Explorer, so that costline
         * itself runs in a member account (the `CostlinePayerAccess` stack creates it). Absent: the function's own role.
         */
        roleArn: z.string().regex(IAM_ROLE_ARN, { error: 'expected an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)' }).optional(),
        /** The external id the role's trust policy requires (sts:ExternalId); required with roleArn. */
        externalId: z.string().regex(EXTERNAL_ID, { error: 'expected 2 to 1224 characters of letters, digits and +=,.@:/-' }).optional(),
      }),
      openai: modelProviderSchema('costline/openai-admin-key').prefault({}),
      anthropic: modelProviderSchema('costline/anthropic-admin-key')
        .extend({
          /**
           * Which reporting API to read: `auto` the Usage and Cost Analytics API from 2026-01-01 (the legacy
           * reports for older days, and for every day when the analytics API refuses the key), `analytics`
           * the same without the fallback (a refusal fails the source), `legacy` never the analytics API.
           */
          api: z.enum(ANTHROPIC_APIS, { error: `expected one of ${ANTHROPIC_APIS.map((a) => `"${a}"`).join(', ')} (which Anthropic reporting API to read)` }).default('auto'),
        })
        .prefault({}),
    }),
  })
  .superRefine((config, ctx) => {
    const { roleArn, externalId } = config.sources.aws;
    if (roleArn !== undefined && externalId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sources', 'aws', 'externalId'], message: 'required with sources.aws.roleArn: the payer role trusts costline only with its external id' });
    }
    if (externalId !== undefined && roleArn === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sources', 'aws', 'roleArn'], message: 'required with sources.aws.externalId (the role to assume with it)' });
    }
    const owner = new Map<string, string>();
    config.teams.forEach((team, i) => {
      for (const [j, name] of [team.id, ...team.aliases].entries()) {
        const key = name.trim().toLowerCase();
        const path = j === 0 ? ['teams', i, 'id'] : ['teams', i, 'aliases', j - 1];
        const previous = owner.get(key);
        if (previous !== undefined && previous !== team.id) {
          ctx.addIssue({ code: 'custom', path, message: `"${name}" is already used by team "${previous}"` });
        } else if (previous === team.id && j === 0) {
          ctx.addIssue({ code: 'custom', path, message: `duplicate team id "${name}"` });
        }
        owner.set(key, team.id);
      }
    });
    const ids = new Set(config.teams.map((t) => t.id));
    const pools = new Set<string>();
    config.allocation.sharedPools.forEach((pool, i) => {
      if (pools.has(pool.id)) ctx.addIssue({ code: 'custom', path: ['allocation', 'sharedPools', i, 'id'], message: `duplicate pool id "${pool.id}"` });
      if (ids.has(pool.id)) ctx.addIssue({ code: 'custom', path: ['allocation', 'sharedPools', i, 'id'], message: `"${pool.id}" is a team id; pick another pool id` });
      pools.add(pool.id);
      if (pool.weights) {
        for (const team of Object.keys(pool.weights)) {
          if (!ids.has(team)) ctx.addIssue({ code: 'custom', path: ['allocation', 'sharedPools', i, 'weights', team], message: `unknown team "${team}"` });
        }
        // Weights are decimals people type (0.3333333333): sum them as the decimals written, exactly,
        // with no tolerance; a float sum or a rounding would refuse thirds that do add up to 1.
        const total = Object.values(pool.weights).reduce((a, w) => a.plus(w), new Big(0));
        if (!total.eq(1)) {
          const gap = new Big(1).minus(total);
          const fix = gap.gt(0) ? `add ${gap.toFixed()} to one of them` : `take ${gap.abs().toFixed()} off one of them`;
          ctx.addIssue({ code: 'custom', path: ['allocation', 'sharedPools', i, 'weights'], message: `expected weights that sum to exactly 1 (as written, with no rounding), got ${total.toFixed()}: ${fix}` });
        }
      }
    });
    config.allocation.rules.forEach((rule, i) => {
      if (rule.team !== undefined && !ids.has(rule.team)) {
        ctx.addIssue({ code: 'custom', path: ['allocation', 'rules', i, 'team'], message: `unknown team "${rule.team}" (known: ${[...ids].join(', ')})` });
      }
      if (rule.pool !== undefined && !pools.has(rule.pool)) {
        ctx.addIssue({ code: 'custom', path: ['allocation', 'rules', i, 'pool'], message: `unknown pool "${rule.pool}" (known: ${[...pools].join(', ') || 'none; add it to allocation.sharedPools'})` });
      }
    });
    const seenScopes = new Set<string>();
    config.alerts.budgets.forEach((b, i) => {
      if (!ids.has(b.team)) ctx.addIssue({ code: 'custom', path: ['alerts', 'budgets', i, 'team'], message: `unknown team "${b.team}" (known: ${[...ids].join(', ')})` });
      const scope = JSON.stringify([b.team, b.provider, b.model]);
      if (seenScopes.has(scope)) ctx.addIssue({ code: 'custom', path: ['alerts', 'budgets', i], message: 'duplicate budget: an earlier one has the same team, provider and model' });
      seenScopes.add(scope);
    });
    config.alerts.silences.forEach((silence, i) => {
      const team = /^team:([^/]+)/.exec(silence.scope)?.[1];
      if (team !== undefined && !ids.has(team)) ctx.addIssue({ code: 'custom', path: ['alerts', 'silences', i, 'scope'], message: `unknown team "${team}" (known: ${[...ids].join(', ')})` });
    });
    const t = config.alerts.thresholds;
    if (t.some((v, i) => i > 0 && v <= t[i - 1]!)) {
      ctx.addIssue({ code: 'custom', path: ['alerts', 'thresholds'], message: 'expected strictly ascending percentages' });
    }
  });

/** The validated configuration, with defaults filled in. */
export type CostlineConfig = z.output<typeof configSchema>;
/** One team as configured. */
export type TeamConfig = CostlineConfig['teams'][number];
/** One budget scope as configured. */
export type BudgetScopeConfig = CostlineConfig['alerts']['budgets'][number];
/** One allocation rule as configured. */
export type AllocationRule = CostlineConfig['allocation']['rules'][number];

/** Thrown when a configuration file cannot be read or does not validate; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly problems: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Validates a parsed configuration object.
 * @param raw the parsed JSON
 * @param source where it came from, named in the error (a file path)
 * @throws ConfigError naming each field and what is wrong with it
 */
export function parseConfig(raw: unknown, source = 'config'): CostlineConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues);
  throw new ConfigError(`${source} is invalid:\n  - ${problems.join('\n  - ')}`, problems);
}

/**
 * Rules that validate but cannot match what the sources report, as warnings (the config still loads):
 * Cost Explorer records carry the team tag, service and (untagged spend) account, but no usage type
 * and no other tags.
 */
export function configWarnings(config: CostlineConfig): string[] {
  const warnings: string[] = [];
  config.allocation.rules.forEach((rule, i) => {
    const earlier = config.allocation.rules.findIndex((other, j) => j < i && shadows(other.match, rule.match));
    if (earlier >= 0) warnings.push(`allocation.rules[${i}]: can never match, because allocation.rules[${earlier}] matches everything it would (first match wins)`);
  });
  config.allocation.rules.forEach((rule, i) => {
    const at = `allocation.rules[${i}].match`;
    const implied = new Set(
      [rule.match.provider, rule.match.project && 'openai', rule.match.workspace && 'anthropic', rule.match.account && 'aws'].filter((p): p is string => typeof p === 'string'),
    );
    if (implied.size > 1) warnings.push(`${at}: its fields belong to different providers (${[...implied].join(', ')}), so it can never match`);
    if (rule.match.provider === 'aws' && rule.match.usageType !== undefined) {
      warnings.push(`${at}.usageType: AWS records carry no usage type (Cost Explorer is queried by tag and service), so this rule never matches AWS spend`);
    }
    if (rule.match.tag !== undefined && rule.match.tag.key !== config.allocation.awsTagKey) {
      warnings.push(`${at}.tag: only the "${config.allocation.awsTagKey}" tag (allocation.awsTagKey) is read from Cost Explorer, so a rule on tag "${rule.match.tag.key}" never matches`);
    }
  });
  const platformAlerts = [config.alerts.shadowAi.enabled && config.alerts.shadowAi.watchModels.length > 0 && 'watched-model alerts', config.alerts.organizationAiBudget !== undefined && 'the organisation AI budget\'s alerts'].filter(Boolean);
  if (platformAlerts.length > 0 && config.alerts.platformEmails.length === 0) {
    warnings.push(`alerts.platformEmails is empty: ${platformAlerts.join(' and ')} are published but no address subscribes to them`);
  }
  return warnings;
}

type RuleMatch = AllocationRule['match'];

/** The provider a rule can only ever match, given its fields (a project is OpenAI's, a workspace Anthropic's). */
function providerOf(m: RuleMatch): string | undefined {
  return m.provider ?? (m.project ? 'openai' : m.workspace ? 'anthropic' : m.account ? 'aws' : undefined);
}

function patternCovers(general: string, specific: string): boolean {
  if (general === specific) return true;
  if (specific.includes('*')) return false; // a pattern against a pattern: only equal ones are sure
  return globMatches(general, specific);
}

/**
 * Whether every record `later` matches is also matched by `earlier`: each condition of the earlier rule
 * is implied by a condition of the later one. Only sure cases count; a warning must not be wrong.
 */
export function shadows(earlier: RuleMatch, later: RuleMatch): boolean {
  const checks: boolean[] = [];
  if (earlier.provider !== undefined) checks.push(providerOf(later) === earlier.provider);
  for (const field of ['account', 'service', 'usageType', 'project', 'workspace', 'apiKey'] as const) {
    if (earlier[field] !== undefined) checks.push(later[field] === earlier[field]);
  }
  if (earlier.model !== undefined) checks.push(later.model !== undefined && patternCovers(earlier.model, later.model));
  if (earlier.tag !== undefined) checks.push(later.tag !== undefined && later.tag.key === earlier.tag.key && later.tag.value === earlier.tag.value);
  return checks.every(Boolean);
}

/**
 * The last day of a month on which any enabled source still re-pulls the previous month: that month
 * can be final the day after, and the monthly statement goes out then.
 */
export function lastRepullDay(config: CostlineConfig): number {
  const days = (['aws', 'openai', 'anthropic'] as const).filter((p) => config.sources[p].enabled).map((p) => config.sources[p].previousMonthUntilDay);
  return Math.max(1, ...days);
}
