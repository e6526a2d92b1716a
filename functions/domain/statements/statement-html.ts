import Big from 'big.js';
import { UNALLOCATED } from '../allocation/allocation';
import type { Chargeback } from '../chargeback/chargeback';
import type { AdjustedChargeback } from '../chargeback/month-close';
import { totalTokens } from '../records/usage-record';
import { dimensionsHtml } from './dimension-html';
import { escapeHtml, formatAmount } from './format';

/**
 * `statement.html`: the statement as one self-contained page. A pure renderer: the use-case decides
 * where the file goes (S3 in AWS, `OUT/<month>/` locally).
 */

/** Unallocated sources the HTML page lists before one line summing the rest (statement.csv has them all). */
export const HTML_UNALLOCATED_ROWS = 25;


/**
 * `statement.html`: one self-contained page (no scripts, no external assets): totals, a bar per team of
 * spend against budget, and the tables finance reads.
 */
export function renderStatementHtml(cb: Chargeback): string {
  const max = Math.max(1, ...cb.teams.map((t) => Math.max(Number(t.total), Number(t.budget ?? 0))));
  const bars = cb.teams
    .map((t) => {
      const spend = (Number(t.total) / max) * 100;
      const budget = t.budget === null ? null : (Number(t.budget) / max) * 100;
      const over = t.budget !== null && Number(t.total) > Number(t.budget);
      return `<div class="bar-row"><span class="label">${escapeHtml(t.name)}</span><span class="track"><span class="spend${over ? ' over' : ''}" style="width:${spend.toFixed(2)}%"></span>${
        budget === null ? '' : `<span class="budget" style="left:${budget.toFixed(2)}%" title="budget ${escapeHtml(formatAmount(t.budget!))}"></span>`
      }</span><span class="value">${escapeHtml(formatAmount(t.total))}${t.budgetUsedPercent === null ? '' : ` (${t.budgetUsedPercent.toFixed(1)}% of budget)`}</span></div>`;
    })
    .join('\n');
  const mom = cb.monthOverMonth;
  const adjusted = 'adjustments' in cb ? (cb as AdjustedChargeback) : undefined;
  const change = (team: string) => {
    const c = mom?.teams[team];
    return c ? `${formatAmount(c.change)}${c.changePercent === null ? '' : ` (${c.changePercent > 0 ? '+' : ''}${c.changePercent.toFixed(1)}%)`}` : '–';
  };
  const teamRows = cb.teams
    .map(
      (t) =>
        `<tr><td>${escapeHtml(t.name)}</td><td class="n">${formatAmount(t.direct)}</td><td class="n">${formatAmount(t.shared)}</td><td class="n">${formatAmount(t.total)}</td><td class="n">${t.budget === null ? '–' : formatAmount(t.budget)}</td><td class="n">${t.budgetUsedPercent === null ? '–' : `${t.budgetUsedPercent.toFixed(1)}%`}</td>${mom ? `<td class="n">${change(t.team)}</td>` : ''}</tr>`,
    )
    .join('\n');
  const adjustmentRows = (adjusted?.adjustments ?? [])
    .map((a) => `<tr><td>${escapeHtml(cb.teams.find((t) => t.team === a.team)?.name ?? 'Unallocated')}</td><td>${escapeHtml(a.forMonth)}</td><td class="n">${formatAmount(a.amount)}</td></tr>`)
    .join('\n');
  const teamName = (id: string | null) => (id === null || id === UNALLOCATED ? 'Unallocated' : (cb.teams.find((t) => t.team === id)?.name ?? id));
  // Token columns only for lines that used tokens: a dash of zeros beside an EC2 bill reads as a measurement.
  const lineRows = cb.teams
    .flatMap((t) =>
      t.lines.map((l) => {
        const tokens = totalTokens(l.tokens);
        return `<tr><td>${escapeHtml(t.name)}</td><td>${escapeHtml(l.provider)}</td><td>${escapeHtml(l.service)}</td><td>${escapeHtml(l.model ?? '')}</td><td class="n">${formatAmount(l.cost)}${l.estimated ? '*' : ''}</td><td class="n">${tokens > 0 ? tokens.toLocaleString('en-US') : ''}</td><td class="n">${tokens > 0 ? (l.unitCosts.perMillionTokens ?? '') : ''}</td></tr>`;
      }),
    )
    .join('\n');
  const poolRows = cb.pools
    .flatMap((p) => p.shares.map((s) => `<tr><td>${escapeHtml(p.pool === UNALLOCATED ? 'unallocated spend (shareUnallocated)' : p.pool)}</td><td>${p.method}</td><td>${escapeHtml(teamName(s.team))}</td><td class="n">${(Number(s.ratio) * 100).toFixed(2)}%</td><td class="n">${formatAmount(s.amount)}</td></tr>`))
    .join('\n');
  const section = (id: string, title: string, note: string, head: string[], rows: string[], foot = '') =>
    rows.length === 0 ? '' : `<h2 id="${id}">${title}</h2>\n${note ? `<p class="sub">${note}</p>\n` : ''}<table><thead><tr>${head.map((h) => `<th${h.startsWith('#') ? ' class="n"' : ''}>${escapeHtml(h.replace(/^#/, ''))}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}${foot}\n</tbody></table>`;
  const shownSources = cb.unallocatedSources.slice(0, HTML_UNALLOCATED_ROWS);
  const hiddenSources = cb.unallocatedSources.slice(HTML_UNALLOCATED_ROWS);
  const unallocatedSection = section(
    'unallocated-sources',
    'Largest unallocated sources',
    'Tag them or add an allocation rule. Every source, with its account and tag value, is in statement.csv and chargeback.json.',
    ['Provider', 'Service', 'Account, project or workspace', 'Tag value', '#Cost'],
    shownSources.map((u) => `<tr><td>${escapeHtml(u.provider)}</td><td>${escapeHtml(u.service)}</td><td>${escapeHtml(u.account ?? '')}</td><td>${escapeHtml(u.tagValue ?? '')}</td><td class="n">${formatAmount(u.cost)}</td></tr>`),
    hiddenSources.length ? `\n<tr><td colspan="4">... and ${hiddenSources.length} more sources (in statement.csv)</td><td class="n">${formatAmount(hiddenSources.reduce((a, u) => a.plus(u.cost), new Big(0)).toFixed(2))}</td></tr>` : '',
  );
  const unmappedSection = section(
    'unmapped-model-spend',
    'Model spend no rule maps',
    'OpenAI projects and Anthropic workspaces no allocation rule maps (part of Unallocated): add a rule for each.',
    ['Provider', 'Kind', 'Id', 'API keys', '#Cost'],
    cb.unmappedModelSpend.map((u) => `<tr><td>${escapeHtml(u.provider)}</td><td>${u.kind}</td><td>${escapeHtml(u.id)}</td><td>${escapeHtml(u.apiKeys.join(', '))}</td><td class="n">${formatAmount(u.cost)}</td></tr>`),
  );
  const unpricedSection = section(
    'unpriced-models',
    'Models with no price in the price book',
    'Their usage cannot be estimated: on days the bill does not cover yet, their cost is not in the totals.',
    ['Provider', 'Model', '#Tokens', 'In the totals?', 'Why'],
    cb.unpriced.map((u) => {
      const tokens = totalTokens(u.tokens);
      return `<tr><td>${escapeHtml(u.provider)}</td><td>${escapeHtml(u.model)}</td><td class="n">${tokens.toLocaleString('en-US')}</td><td>${u.unbilledDays.length ? `no, for ${u.unbilledDays.length} day(s) the bill does not cover yet` : 'yes, billed'}</td><td>${escapeHtml(u.reason)}</td></tr>`;
    }),
  );
  const capacitySection = section(
    'capacity',
    'Capacity billed separately',
    'Anthropic Priority Tier, bought by commitment: tokens and requests, no dollars here, in no total.',
    ['Team', 'Provider', 'Workspace', 'Model', '#Tokens', '#Requests'],
    (cb.capacity ?? []).map((c) => `<tr><td>${escapeHtml(teamName(c.team))}</td><td>${escapeHtml(c.provider)}</td><td>${escapeHtml(c.workspace)}</td><td>${escapeHtml(c.model)}</td><td class="n">${totalTokens(c.tokens).toLocaleString('en-US')}</td><td class="n">${c.requests.toLocaleString('en-US')}</td></tr>`),
  );
  const gapProviders = [...new Set(cb.estimateGaps.map((g) => g.provider))];
  const gapSection = section(
    'estimate-gaps',
    'Usage estimates against the bill',
    'On billed days: what costline estimated from usage, against what the provider billed.',
    ['Provider', '#Days', '#Estimated', '#Billed', '#Gap', 'Unpriced models left out'],
    gapProviders.map((provider) => {
      const gaps = cb.estimateGaps.filter((g) => g.provider === provider);
      const estimated = gaps.reduce((a, g) => a.plus(g.estimated), new Big(0));
      const billed = gaps.reduce((a, g) => a.plus(g.billed), new Big(0));
      const pct = billed.eq(0) ? '' : ` (${billed.minus(estimated).div(billed).times(100).toFixed(1)}%)`;
      return `<tr><td>${escapeHtml(provider)}</td><td class="n">${gaps.length}</td><td class="n">${formatAmount(estimated.toFixed(2))}</td><td class="n">${formatAmount(billed.toFixed(2))}</td><td class="n">${formatAmount(billed.minus(estimated).toFixed(2))}${pct}</td><td>${escapeHtml([...new Set(gaps.flatMap((g) => g.unpricedModels))].join(', '))}</td></tr>`;
    }),
  );
  const roundingEntries = Object.entries(cb.rounding ?? {});
  const roundingNote = roundingEntries.length
    ? `<p class="sub" id="rounding">Rounding rows in statement.csv (each line is rounded to the cent on its own; these make each provider's rows add up to its total): ${roundingEntries.map(([p, v]) => `${escapeHtml(p)} ${formatAmount(v)}`).join(', ')}.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>costline statement ${cb.month}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2733;max-width:1100px}
@media (max-width:700px){body{margin:1rem}.bar-row{grid-template-columns:6rem 1fr;}.bar-row .value{grid-column:1/-1}table{display:block;overflow-x:auto}}
h1{font-size:1.5rem;margin:0 0 .25rem} .sub{color:#5b6775;margin-bottom:1.5rem}
.totals{display:flex;flex-wrap:wrap;gap:1rem;margin-bottom:1.5rem} .card{background:#f3f6f9;border-radius:8px;padding:.75rem 1rem;min-width:10rem}
.card b{display:block;font-size:1.3rem}
.bar-row{display:grid;grid-template-columns:10rem 1fr 16rem;align-items:center;gap:.75rem;margin:.35rem 0}
.track{position:relative;height:1.1rem;background:#e8edf2;border-radius:4px} .spend{position:absolute;left:0;top:0;bottom:0;background:#2f7dd1;border-radius:4px}
.spend.over{background:#d1492f} .budget{position:absolute;top:-3px;bottom:-3px;width:2px;background:#1d2733}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem} th,td{padding:.35rem .5rem;border-bottom:1px solid #e1e6eb;text-align:left} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
</style></head><body>
<h1>Chargeback statement ${cb.month}</h1>
<div class="sub">Status: ${cb.status}${cb.estimated ? ' (includes estimates, marked *)' : ''}. ${cb.currency}. Team totals plus unallocated equal the total, to the cent.</div>
<div class="totals"><div class="card">Total<b>${formatAmount(cb.total)}</b></div>${adjusted && adjusted.adjustments.length ? `<div class="card">Total due<b>${formatAmount(adjusted.totalDue)}</b></div>` : ''}<div class="card">Unallocated<b>${formatAmount(cb.unallocated)}</b></div>${Object.entries(cb.providers)
    .map(([p, v]) => `<div class="card">${escapeHtml(p)}<b>${formatAmount(v)}</b></div>`)
    .join('')}</div>
<h2>Spend against budget</h2>
${bars}
<h2>Teams</h2>
<table><thead><tr><th>Team</th><th class="n">Direct</th><th class="n">Shared</th><th class="n">Total</th><th class="n">Budget</th><th class="n">Used</th>${mom ? `<th class="n">vs ${mom.previousMonth}</th>` : ''}</tr></thead><tbody>
${teamRows}
<tr><td>Unallocated</td><td></td><td></td><td class="n">${formatAmount(cb.unallocated)}</td><td></td><td></td>${mom ? '<td></td>' : ''}</tr>
<tr><th>Total</th><th></th><th></th><th class="n">${formatAmount(cb.total)}</th><th></th><th></th>${mom ? '<th></th>' : ''}</tr>
</tbody></table>
${
  adjustmentRows
    ? `<h2>Prior-period adjustments</h2>\n<p class="sub">Late changes to closed months, charged this month (FOCUS ChargeClass Correction). A team's adjustment includes the change in its proportional shared-pool shares.</p>\n<table><thead><tr><th>Team</th><th>For month</th><th class="n">Amount</th></tr></thead><tbody>\n${adjustmentRows}\n<tr><th>Adjustments in total</th><th></th><th class="n">${formatAmount(adjusted!.adjustmentsTotal)}</th></tr>\n<tr><th>Total due (this month plus adjustments)</th><th></th><th class="n">${formatAmount(adjusted!.totalDue)}</th></tr>\n</tbody></table>`
    : ''
}
${poolRows ? `<h2>Shared pools</h2>\n<table><thead><tr><th>Pool</th><th>Method</th><th>Team</th><th class="n">Ratio</th><th class="n">Share</th></tr></thead><tbody>\n${poolRows}\n</tbody></table>` : ''}
${dimensionsHtml(cb)}${unallocatedSection}
${unmappedSection}
<h2 id="lines">Lines</h2>
<table><thead><tr><th>Team</th><th>Provider</th><th>Service</th><th>Model</th><th class="n">Cost</th><th class="n">Tokens</th><th class="n">$ / M tokens</th></tr></thead><tbody>
${lineRows}
</tbody></table>
${roundingNote}
${unpricedSection}
${capacitySection}
${gapSection}
</body></html>
`;
}
