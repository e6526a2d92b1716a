import Big from 'big.js';
import { z } from 'zod';
import { alertsSection } from './alerts-schema';
import { allocationSection, teamSchema } from './allocation-schema';
import { email, section } from './config-fields';
import { sourcesSection } from './sources-schema';
import { dimensionColumnOf } from '../domain/statements/dimension-files';
import { FOCUS_COLUMNS } from '../domain/statements/focus-csv';

/**
 * Schema of `costline.config.json`: its sections (`*-schema.ts`) assembled, and the checks across them. Read by
 * the CDK app at synth time (email subscriptions, which sources to grant) and by every job at run time (the file
 * is deployed inside each bundle).
 */
export const configSchema = z
  .strictObject({
    currency: z.literal('USD', { error: 'expected "USD" (the only billing currency the sources report)' }),
    teams: z.array(teamSchema).min(1, { error: 'expected at least one team' }),
    allocation: allocationSection,
    alerts: alertsSection,
    finance: section({
      emails: z.array(email).default([]),
      /** Which alerts finance receives besides the statements: none, critical ones, or warnings and critical ones. */
      alerts: z.enum(['none', 'critical', 'warning'], { error: 'expected "none", "critical" or "warning"' }).default('none'),
    }),
    operations: z.strictObject({ emails: z.array(email).default([]) }).default({ emails: [] }),
    sources: sourcesSection,
  })
  .superRefine((config, ctx) => {
    const { roleArn, externalId } = config.sources.aws;
    if (roleArn !== undefined && externalId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sources', 'aws', 'externalId'], message: 'required with sources.aws.roleArn: the payer role trusts costline only with its external id' });
    }
    if (externalId !== undefined && roleArn === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sources', 'aws', 'roleArn'], message: 'required with sources.aws.externalId (the role to assume with it)' });
    }
    if (config.sources.aws.enabled && config.sources.aws.mode === 'data-exports' && config.sources.aws.dataExports === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sources', 'aws', 'dataExports'], message: 'required with sources.aws.mode "data-exports": { "bucket", "prefix", "exportName" } of the CUR 2.0 export' });
    }
    if (config.sources.aws.enabled && config.sources.aws.engine === 'athena' && config.sources.aws.mode !== 'data-exports') {
      ctx.addIssue({ code: 'custom', path: ['sources', 'aws', 'engine'], message: '"athena" reads the CUR 2.0 export: it needs sources.aws.mode "data-exports" (Cost Explorer mode has no engine)' });
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
    const dimensions = new Set<string>();
    config.allocation.dimensions.forEach((d, i) => {
      if (d.id === 'team') ctx.addIssue({ code: 'custom', path: ['allocation', 'dimensions', i, 'id'], message: '"team" is what teams and allocation.rules decide; pick another dimension id' });
      else if (dimensions.has(d.id)) ctx.addIssue({ code: 'custom', path: ['allocation', 'dimensions', i, 'id'], message: `duplicate dimension id "${d.id}"` });
      else if ((FOCUS_COLUMNS as readonly string[]).includes(dimensionColumnOf(d.id))) ctx.addIssue({ code: 'custom', path: ['allocation', 'dimensions', i, 'id'], message: `its focus.csv column ${dimensionColumnOf(d.id)} is one costline already writes; pick another dimension id` });
      else if ([...dimensions].some((other) => dimensionColumnOf(other) === dimensionColumnOf(d.id))) ctx.addIssue({ code: 'custom', path: ['allocation', 'dimensions', i, 'id'], message: `its focus.csv column ${dimensionColumnOf(d.id)} is another dimension's too; pick another dimension id` });
      dimensions.add(d.id);
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
/** One dimension as configured. */
export type DimensionConfig = CostlineConfig['allocation']['dimensions'][number];
/** One allocation rule as configured. */
export type AllocationRule = CostlineConfig['allocation']['rules'][number];
