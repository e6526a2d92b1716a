import type { Chargeback } from './chargeback';
import { formatAmount } from './format';

/**
 * Renders a chargeback as the plain-text statement emailed to finance: a fixed-width table with one line
 * per team, then unallocated and the grand total. Plain text, because SNS email is plain text.
 */
export function renderStatementText(chargeback: Chargeback): string {
  const rows = chargeback.teams.map((t) => [
    t.name,
    formatAmount(t.direct),
    formatAmount(t.shared),
    formatAmount(t.total),
    t.budget === null ? '-' : formatAmount(t.budget),
    t.budgetUsedPercent === null ? '-' : `${t.budgetUsedPercent.toFixed(1)}%`,
  ]);
  const header = ['Team', 'Direct', 'Shared', 'Total', 'Budget', 'Used'];
  const footer = [
    ['Unallocated', '', '', formatAmount(chargeback.unallocated), '', ''],
    ['TOTAL', '', '', formatAmount(chargeback.total), '', ''],
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
    rule,
    ...footer.map(line),
    '',
    `By provider: ${Object.entries(chargeback.providers).map(([p, v]) => `${p} ${formatAmount(v)}`).join(', ')}`,
  ];
  if (chargeback.unallocatedSources.length > 0) {
    out.push('', 'Largest unallocated sources (tag them or add an allocation rule):');
    for (const s of chargeback.unallocatedSources) {
      const where = [s.account && `account ${s.account}`, s.tagValue !== null && `tag "${s.tagValue}"`].filter(Boolean).join(', ');
      out.push(`  ${formatAmount(s.cost).padStart(12)}  ${s.service}${where ? ` (${where})` : ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}
