import Big from 'big.js';
import type { Chargeback, ChargebackLine, UnallocatedSource } from '../chargeback/chargeback';
import type { AdjustedChargeback } from '../chargeback/month-close';
import { dimensionTextSections, teamDimensionTextSections } from './dimension-text';
import { compact, formatAmount, tokenSummary } from './format';
import { sum } from '../records/money';
import { totalTokens } from '../records/usage-record';

/** "account 1111…", "project proj_x", "workspace default": what an unallocated source's sub-account is. */
function subAccountLabel(s: Pick<UnallocatedSource, 'provider' | 'account'>): string | null {
  if (s.provider === 'openai') return s.account ? `project ${s.account}` : 'no project';
  if (s.provider === 'anthropic') return `workspace ${s.account ?? 'default'}`;
  return s.account ? `account ${s.account}` : null;
}

function modelLine(l: ChargebackLine): string {
  const tokens = tokenSummary(l.tokens);
  const split = l.unitCosts.inputPerMillion !== null || l.unitCosts.outputPerMillion !== null;
  const units = [
    l.unitCosts.inputPerMillion && `$${l.unitCosts.inputPerMillion}/M in`,
    l.unitCosts.outputPerMillion && `$${l.unitCosts.outputPerMillion}/M out`,
    !split && l.unitCosts.perMillionTokens && `$${l.unitCosts.perMillionTokens}/M tokens`,
    l.unitCosts.perThousandRequests && `$${l.unitCosts.perThousandRequests}/1k req`,
  ]
    .filter(Boolean)
    .join(', ');
  const requests = l.requests ? `, ${compact(l.requests)} requests` : '';
  return `    ${formatAmount(l.cost).padStart(10)}${l.estimated ? '*' : ' '} ${l.provider.padEnd(9)} ${l.model ?? l.service}${tokens ? `  (${tokens}${requests})` : ''}${units ? `  ${units}` : ''}`;
}

/**
 * How much of each long list the text statement shows before it summarises the rest in one line that
 * points to the files (every row is in statement.csv): an email should read in a minute, and stay far
 * under SNS's 256 KB message limit for any number of teams.
 */
export const TEXT_LIMITS = { modelTeams: 20, linesPerTeam: 8, poolShares: 10, adjustments: 20, unmapped: 10, unallocatedSources: 10 } as const;

/** "... and 12 more, 345.67 in total (every row is in statement.csv)". */
function rest(count: number, amounts: readonly string[], indent: string, what: string): string {
  return `${indent}... and ${count} more ${what}, ${formatAmount(sum(amounts.map((a) => new Big(a))).toFixed(2))} in total (every row is in statement.csv)`;
}

/** The largest `limit` items by absolute amount (in their original order), and the rest. */
function head<T>(items: readonly T[], limit: number, amount: (item: T) => string): { shown: T[]; hidden: T[] } {
  if (items.length <= limit) return { shown: [...items], hidden: [] };
  const ranked = new Set([...items].sort((a, b) => new Big(amount(b)).abs().cmp(new Big(amount(a)).abs())).slice(0, limit));
  return { shown: items.filter((i) => ranked.has(i)), hidden: items.filter((i) => !ranked.has(i)) };
}

/** How a statement is shortened for an email too large for SNS: `teamRows` caps the team table. */
export interface StatementTextOptions {
  /**
   * At most this many team rows, the largest by total (in their usual order), then one line summing the
   * rest. Unset: every team, as the statement files carry it. The team table is the one section that grows
   * with the organisation (about 70 bytes a team: 4,000 teams pass SNS's 256 KB).
   */
  teamRows?: number;
}

/**
 * Renders a chargeback as the plain-text statement emailed to finance: a fixed-width table with one line
 * per team, then unallocated and the grand total. Plain text, because SNS email is plain text.
 */
export function renderStatementText(chargeback: Chargeback, options: StatementTextOptions = {}): string {
  const mom = chargeback.monthOverMonth;
  const versus = (team: string) => {
    const m = mom?.teams[team];
    if (!m) return [];
    return [m.changePercent === null ? (Number(m.change) === 0 ? '-' : 'new') : `${m.changePercent > 0 ? '+' : ''}${m.changePercent.toFixed(1)}%`];
  };
  const table = options.teamRows === undefined ? { shown: chargeback.teams, hidden: [] } : head(chargeback.teams, options.teamRows, (t) => t.total);
  const rows = table.shown.map((t) => [
    t.name,
    formatAmount(t.direct),
    formatAmount(t.shared),
    formatAmount(t.total),
    t.budget === null ? '-' : formatAmount(t.budget),
    t.budgetUsedPercent === null ? '-' : `${t.budgetUsedPercent.toFixed(1)}%`,
    ...versus(t.team),
  ]);
  const header = ['Team', 'Direct', 'Shared', 'Total', 'Budget', 'Used', ...(mom ? [`vs ${mom.previousMonth}`] : [])];
  const blank = mom ? [''] : [];
  const footer = [
    ['Unallocated', '', '', formatAmount(chargeback.unallocated), '', '', ...blank],
    ['TOTAL', '', '', formatAmount(chargeback.total), '', '', ...blank],
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...[...rows, ...footer].map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, w) => a + w + 2, -2));
  const basis = chargeback.costBasis === 'effectiveCost' ? 'amortized (effective) cost' : 'billed (unblended) cost';
  const out = [
    `costline chargeback statement for ${chargeback.month}`,
    `Status: ${chargeback.status}${chargeback.estimated ? ' (includes provider estimates)' : ''}. Basis: ${basis}, ${chargeback.currency}.`,
    '',
    line(header),
    rule,
    ...rows.map(line),
    ...(table.hidden.length ? [rest(table.hidden.length, table.hidden.map((t) => t.total), '', 'teams')] : []),
    rule,
    ...footer.map(line),
    '',
    `By provider: ${Object.entries(chargeback.providers).map(([p, v]) => `${p} ${formatAmount(v)}`).join(', ')}`,
  ];
  out.push(...dimensionTextSections(chargeback));
  const adjustments = 'adjustments' in chargeback ? (chargeback as AdjustedChargeback) : undefined;
  if (adjustments && adjustments.adjustments.length > 0) {
    out.push('', 'Prior-period adjustments (late changes to closed months; FOCUS ChargeClass Correction):');
    const { shown, hidden } = head(adjustments.adjustments, TEXT_LIMITS.adjustments, (a) => a.amount);
    for (const a of shown) {
      const team = chargeback.teams.find((t) => t.team === a.team)?.name ?? 'Unallocated';
      out.push(`  ${formatAmount(a.amount).padStart(12)}  ${team}, for ${a.forMonth}`);
    }
    if (hidden.length) out.push(rest(hidden.length, hidden.map((a) => a.amount), '  ', 'adjustments'));
    out.push(`  ${formatAmount(adjustments.adjustmentsTotal).padStart(12)}  adjustments in total`, `  ${formatAmount(adjustments.totalDue).padStart(12)}  TOTAL DUE (this month's total plus adjustments)`);
    if (chargeback.pools.some((p) => p.method === 'proportional')) out.push('  (A team\'s adjustment includes the change in its proportional shared-pool shares when others\' spend changed.)');
  }
  if (chargeback.pools.length > 0) {
    out.push('', 'Shared pools (split across teams; each team\'s share is in its Shared column):');
    for (const p of chargeback.pools) {
      const how = p.method === 'proportional' ? `proportional to ${p.basis === 'tokens' ? 'tokens' : 'direct spend'}` : p.method === 'even' ? 'evenly' : 'by fixed weights';
      const name = p.pool === '__unallocated__' ? 'unallocated spend (shareUnallocated)' : p.pool;
      const { shown, hidden } = head(p.shares, TEXT_LIMITS.poolShares, (x) => x.amount);
      const more = hidden.length ? `, and ${hidden.length} more teams ${formatAmount(sum(hidden.map((x) => new Big(x.amount))).toFixed(2))} (each team's share is in statement.csv)` : '';
      out.push(`  ${formatAmount(p.total).padStart(12)}  ${name}, ${how}: ${shown.map((x) => `${x.team} ${formatAmount(x.amount)} (${(Number(x.ratio) * 100).toFixed(2)}%)`).join(', ')}${more}`);
    }
  }
  if (chargeback.unallocatedSources.length > 0) {
    out.push('', 'Largest unallocated sources (tag them or add an allocation rule):');
    // The files list every source with its tag value; the email shows the largest only.
    const { shown, hidden } = head(chargeback.unallocatedSources, TEXT_LIMITS.unallocatedSources, (u) => u.cost);
    for (const s of shown) {
      const where = [subAccountLabel(s), s.tagValue !== null && `tag "${s.tagValue}"`].filter(Boolean).join(', ');
      out.push(`  ${formatAmount(s.cost).padStart(12)}  ${s.service}${where ? ` (${where})` : ''}`);
    }
    if (hidden.length) out.push(`  ... and ${hidden.length} more unallocated sources, ${formatAmount(sum(hidden.map((u) => new Big(u.cost))).toFixed(2))} in total (each with its account and tag value in chargeback.json and statement.csv)`);
  }
  const isModelLine = (l: ChargebackLine) => l.model !== null || l.tokens.input + l.tokens.cachedInput + l.tokens.cacheWrite + l.tokens.output > 0;
  const modelTeams = chargeback.teams.map((t) => ({ team: t, lines: t.lines.filter(isModelLine) })).filter((t) => t.lines.length > 0);
  if (modelTeams.length > 0) {
    out.push('', 'Model spend by team (tokens and unit costs; * includes estimates):');
    const spendOf = (lines: ChargebackLine[]) => sum(lines.map((l) => new Big(l.cost))).toFixed(2);
    const teams = head(modelTeams, TEXT_LIMITS.modelTeams, (t) => spendOf(t.lines));
    for (const { team, lines } of teams.shown) {
      const { shown, hidden } = head(lines, TEXT_LIMITS.linesPerTeam, (l) => l.cost);
      out.push(`  ${team.name}: ${formatAmount(spendOf(lines))}`, ...shown.map(modelLine));
      if (hidden.length) out.push(rest(hidden.length, hidden.map((l) => l.cost), '    ', 'model lines'));
    }
    if (teams.hidden.length) out.push(rest(teams.hidden.length, teams.hidden.map((t) => spendOf(t.lines)), '  ', 'teams with model spend'));
  }
  if (chargeback.unmappedModelSpend.length > 0) {
    out.push('', 'Model spend no rule maps (add an allocation rule for each):');
    const { shown, hidden } = head(chargeback.unmappedModelSpend, TEXT_LIMITS.unmapped, (u) => u.cost);
    for (const u of shown) {
      out.push(`  ${formatAmount(u.cost).padStart(12)}  ${u.provider} ${u.kind} ${u.id}${u.apiKeys.length ? ` (API keys: ${u.apiKeys.join(', ')})` : ''}`);
    }
    if (hidden.length) out.push(rest(hidden.length, hidden.map((u) => u.cost), '  ', 'projects and workspaces'));
  }
  const principals = chargeback.unmappedPrincipals ?? [];
  if (principals.length > 0) {
    out.push('', 'AI callers no rule maps (IAM principals from the billing export; tag the role or add a rule on iamPrincipal):');
    const { shown, hidden } = head(principals, TEXT_LIMITS.unmapped, (p) => p.cost);
    for (const p of shown) out.push(`  ${formatAmount(p.cost).padStart(12)}  ${p.principal} (${p.services.join(', ')})`);
    if (hidden.length) out.push(rest(hidden.length, hidden.map((p) => p.cost), '  ', 'callers'));
  }
  if (chargeback.unpriced.length > 0) {
    out.push('', 'Models with no price in the price book (their usage cannot be estimated):');
    for (const u of chargeback.unpriced) {
      const tokens = totalTokens(u.tokens);
      const gap = u.unbilledDays.length ? `; not in the totals for ${u.unbilledDays.length} day(s) the bill does not cover yet` : '; billed, so in the totals';
      out.push(`  ${u.provider} ${u.model}: ${compact(tokens)} tokens${gap} (${u.reason.replace(/ on \d{4}-\d{2}-\d{2}$/, '')})`);
    }
  }
  const capacity = chargeback.capacity ?? [];
  if (capacity.length > 0) {
    out.push('', 'Capacity billed separately (Anthropic Priority Tier, bought by commitment; no dollars here, not in any total):');
    for (const c of capacity) {
      const team = c.team === null ? 'Unallocated' : (chargeback.teams.find((t) => t.team === c.team)?.name ?? c.team);
      out.push(`  ${team}: ${c.provider} workspace ${c.workspace} ${c.model}  (${tokenSummary(c.tokens)}, ${compact(c.requests)} requests)`);
    }
  }
  if (chargeback.estimateGaps.length > 0) {
    out.push('', 'Usage estimates against the bill (billed days):');
    for (const provider of [...new Set(chargeback.estimateGaps.map((g) => g.provider))]) {
      const gaps = chargeback.estimateGaps.filter((g) => g.provider === provider);
      const estimated = sum(gaps.map((g) => new Big(g.estimated)));
      const billed = sum(gaps.map((g) => new Big(g.billed)));
      const pct = billed.eq(0) ? '' : ` (${billed.minus(estimated).div(billed).times(100).toFixed(1)}% of the bill)`;
      const unpriced = [...new Set(gaps.flatMap((g) => g.unpricedModels))];
      const note = unpriced.length ? `; the estimates leave out unpriced ${unpriced.join(', ')}` : '';
      out.push(`  ${provider}: estimated ${formatAmount(estimated.toFixed(2))}, billed ${formatAmount(billed.toFixed(2))} over ${gaps.length} days; gap ${formatAmount(billed.minus(estimated).toFixed(2))}${pct}${note}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * One team's statement, for its lead: its lines by provider, service and model with tokens and unit
 * costs, its budget and how much of it is used, its pool shares with method and ratio, and the
 * prior-period adjustments it carries.
 */
export function renderTeamStatementText(chargeback: Chargeback, team: string): string {
  const t = chargeback.teams.find((x) => x.team === team);
  if (!t) throw new Error(`no team "${team}" in the ${chargeback.month} chargeback`);
  const adjusted = 'adjustments' in chargeback ? (chargeback as AdjustedChargeback).teams.find((x) => x.team === team) : undefined;
  const mom = chargeback.monthOverMonth?.teams[team];
  const out = [
    `costline statement for ${t.name}, ${chargeback.month}`,
    `Status: ${chargeback.status}${chargeback.estimated ? ' (includes estimates, marked *)' : ''}. ${chargeback.currency}.`,
    '',
    `  Direct spend   ${formatAmount(t.direct).padStart(12)}`,
    `  Shared pools   ${formatAmount(t.shared).padStart(12)}`,
    `  Total          ${formatAmount(t.total).padStart(12)}${t.budget === null ? '' : `   of a ${formatAmount(t.budget)} budget: ${t.budgetUsedPercent!.toFixed(1)}% used`}`,
  ];
  if (mom) out.push(`  ${chargeback.monthOverMonth!.previousMonth}        ${formatAmount(mom.previous).padStart(12)}   change ${formatAmount(mom.change)}${mom.changePercent === null ? '' : ` (${mom.changePercent > 0 ? '+' : ''}${mom.changePercent.toFixed(1)}%)`}`);
  if (adjusted && adjusted.adjustments.length > 0) {
    for (const a of adjusted.adjustments) out.push(`  Adjustment for ${a.forMonth} ${formatAmount(a.amount).padStart(8)}`);
    out.push(`  Total due      ${formatAmount(adjusted.totalDue).padStart(12)}`);
  }
  out.push('', 'Lines (provider, service or model):');
  for (const l of t.lines) out.push(l.model !== null || l.tokens.input + l.tokens.output > 0 ? modelLine(l) : `    ${formatAmount(l.cost).padStart(10)}${l.estimated ? '*' : ' '} ${l.provider.padEnd(9)} ${l.service}`);
  if (t.shares.length > 0) {
    out.push('', 'Shares of shared pools:');
    for (const s of t.shares) out.push(`    ${formatAmount(s.amount).padStart(10)}  ${s.pool}: ${s.method}${s.method === 'proportional' ? ` to ${s.basis === 'tokens' ? 'tokens' : 'direct spend'}` : ''}, ${(Number(s.ratio) * 100).toFixed(2)}%`);
  }
  out.push(...teamDimensionTextSections(chargeback, team));
  return `${out.join('\n')}\n`;
}
