import type { Chargeback, DimensionValueTotal } from '../chargeback/chargeback';
import { totalTokens } from '../records/usage-record';
import { escapeHtml, formatAmount } from './format';

function valueRow(v: DimensionValueTotal): string {
  const tokens = totalTokens(v.tokens);
  return `<tr><td>${escapeHtml(v.value)}</td><td class="n">${formatAmount(v.cost)}</td><td class="n">${tokens > 0 ? tokens.toLocaleString('en-US') : ''}</td><td class="n">${v.perMillionTokens ?? ''}</td></tr>`;
}

/**
 * statement.html's section per dimension: the month's total by value (before shared pools are split), then
 * each team's direct spend by value. Empty without dimensions, so pages without them are unchanged.
 */
export function dimensionsHtml(cb: Chargeback): string {
  return (cb.dimensions ?? [])
    .map((d) => {
      const source = d.tagKey === null ? 'rules' : `tag ${d.tagKey}, else rules`;
      const teamRows = d.teams.flatMap((t) => {
        const name = cb.teams.find((x) => x.team === t.team)?.name ?? t.team;
        return t.values.map((v) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(v.value)}</td><td class="n">${formatAmount(v.cost)}</td></tr>`);
      });
      return [
        `<h2 id="dimension-${escapeHtml(d.dimension)}">By ${escapeHtml(d.dimension)}</h2>`,
        `<p class="sub">Values from the ${escapeHtml(source)}; "(none)" has neither. The month's ${escapeHtml(formatAmount(d.total))} by record, before shared pools are split; the values add up to it. Every value is in dimensions.csv.${d.note !== undefined ? ` Note: ${escapeHtml(d.note)}.` : ''}</p>`,
        `<table><thead><tr><th>Value</th><th class="n">Cost</th><th class="n">Tokens</th><th class="n">$ / M tokens</th></tr></thead><tbody>\n${d.values.map(valueRow).join('\n')}\n</tbody></table>`,
        teamRows.length ? `<table><thead><tr><th>Team</th><th>Value</th><th class="n">Direct spend</th></tr></thead><tbody>\n${teamRows.join('\n')}\n</tbody></table>` : '',
      ]
        .filter(Boolean)
        .join('\n');
    })
    .map((section) => `${section}\n`)
    .join('');
}
