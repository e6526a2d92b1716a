import { describe, expect, it } from 'vitest';
import { renderStatementHtml } from '../../../../functions/domain/statements/statement-html';
import { cb } from '../../../support/statement-month';

describe('statement.html', () => {
  it('is one self-contained page with the totals, a bar per team against its budget, and escaped names', () => {
    const html = renderStatementHtml(cb);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain(`<b>${Number(cb.total).toLocaleString('en-US', { minimumFractionDigits: 2 })}</b>`);
    expect(html.match(/class="bar-row"/g)).toHaveLength(cb.teams.length);
    expect(html).toContain('Amazon &quot;S3&quot;, eu');
  });
});

describe('statement.html shows what the text shows', () => {
  it('has a viewport, the unallocated, unmapped, unpriced, capacity and estimate-gap sections, team names in pool rows, and no token cells for lines without tokens', async () => {
    // Prepare
    const { fullChargeback, HTML_SECTION_IDS } = await import('../../../support/full-chargeback');
    const full = fullChargeback();

    // Act
    const html = renderStatementHtml(full);

    // Assess
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    const at = HTML_SECTION_IDS.map((id) => html.indexOf(`id="${id}"`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect(html).toMatch(/<td>aws<\/td><td>Amazon S3<\/td><td>999900001111<\/td><td>ghost<\/td><td class="n">12.34<\/td>/);
    expect(html).toContain('proj_shadow');
    expect(html).toContain('gpt-9-preview');
    expect(html).toContain('wrkspc_prio');
    // Pool rows name the team (the test config's names), not its id.
    const payments = full.teams.find((t) => t.team === 'payments')!.name;
    expect(html).toMatch(new RegExp(`<td>support</td><td>even</td><td>${payments}</td>`));
    // The EC2 line has no tokens: its token and unit-cost cells are empty; the Bedrock model line has both.
    expect(html).toMatch(/<td>Amazon EC2<\/td><td><\/td><td class="n">60.00<\/td><td class="n"><\/td><td class="n"><\/td>/);
    expect(html).toMatch(/Claude Haiku 4.5<\/td><td class="n">75.00<\/td><td class="n">1,100,000<\/td><td class="n">68.1818<\/td>/);
  });
});
