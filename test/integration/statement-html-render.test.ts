import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { buildChargeback } from '../support/chargeback';
import { renderStatementHtml } from '../../functions/domain/statements/statement-html';
import { testConfig } from '../support/config';
import { awsRecord } from '../support/records';
import { fullChargeback, HTML_SECTION_IDS } from '../support/full-chargeback';

/**
 * statement.html as a person sees it: rendered by headless Chromium (Debian's `chromium` package, which
 * .ci/run installs), the screenshot checked for being a real page, not blank. Without Chromium the test
 * is skipped locally and fails in CI, where it must run.
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(chromium);
if (!available && process.env.CI) throw new Error(`Chromium not found at ${chromium}: .ci/run installs Debian's chromium package`);
/**
 * Chromium's environment, without libfaketime: the suite must pass at any date (`faketime`), and Chromium under
 * libfaketime never finishes loading a page, spinning until its 60 s timeout and starving the other test files of
 * CPU. It renders a static file, so its clock does not matter; the statement's dates come from the chargeback.
 */
const browserEnv = Object.fromEntries(Object.entries(process.env).filter(([name, value]) => !name.startsWith('FAKETIME') && !(name === 'LD_PRELOAD' && value?.includes('faketime'))));

describe('statement.html in a browser', () => {
  it.skipIf(!available)('renders in headless Chromium as a page with content, and the over-budget team’s bar in red', async () => {
    const cb = buildChargeback(
      [awsRecord({ tags: { team: 'payments' }, cost: '60' }), awsRecord({ tags: { team: 'search' }, cost: '75', serviceName: 'Amazon Bedrock' })],
      testConfig(),
      '2026-10',
      '2026-10-20',
    );
    const dir = mkdtempSync(join(tmpdir(), 'costline-html-'));
    writeFileSync(join(dir, 'statement.html'), renderStatementHtml(cb));
    const shot = join(dir, 'shot.png');
    await promisify(execFile)(
      chromium,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--window-size=1000,900', `--screenshot=${shot}`, `file://${join(dir, 'statement.html')}`],
      { timeout: 60_000, env: browserEnv },
    );
    const png = PNG.sync.read(readFileSync(shot));
    let inked = 0;
    let red = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if (r < 230 || g < 230 || b < 230) inked += 1;
      if (Math.abs(r - 0xd1) < 12 && Math.abs(g - 0x49) < 12 && Math.abs(b - 0x2f) < 12) red += 1;
    }
    const pixels = png.width * png.height;
    expect(png.width).toBe(1000);
    expect(inked / pixels).toBeGreaterThan(0.03); // text, cards and bars, not a blank page
    expect(red).toBeGreaterThan(500); // search is at 150 % of its budget: its bar is drawn in red
  });

  it.skipIf(!available)('lays out every section of the statement in headless Chromium, each visible, and fits a phone-width window', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'costline-html-'));
    const page = join(dir, 'statement.html');
    const probe = `<script>addEventListener('load',()=>{const out=${JSON.stringify([...HTML_SECTION_IDS])}.map(id=>{const e=document.getElementById(id);const r=e&&e.getBoundingClientRect();return id+':'+(r&&r.height>0?'shown':'missing')});document.body.setAttribute('data-sections',out.join(','));document.body.setAttribute('data-overflow',String(document.documentElement.scrollWidth>innerWidth))})</script>`;
    // The probe is added for the test only: the statement itself has no script.
    writeFileSync(page, renderStatementHtml(fullChargeback()).replace('</body>', `${probe}</body>`));
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`];

    // Act: the laid-out DOM at a phone's width, and a screenshot there.
    const { stdout } = await promisify(execFile)(chromium, [...flags, '--window-size=390,844', '--virtual-time-budget=2000', '--dump-dom', `file://${page}`], { timeout: 60_000, maxBuffer: 10_000_000, env: browserEnv });
    const shot = join(dir, 'phone.png');
    await promisify(execFile)(chromium, [...flags, '--window-size=390,844', `--screenshot=${shot}`, `file://${page}`], { timeout: 60_000, env: browserEnv });

    // Assess
    const sections = /data-sections="([^"]*)"/.exec(stdout)?.[1];
    expect(sections).toBe(HTML_SECTION_IDS.map((id) => `${id}:shown`).join(','));
    expect(/data-overflow="([^"]*)"/.exec(stdout)?.[1], 'the page scrolls sideways at 390 px').toBe('false');
    const png = PNG.sync.read(readFileSync(shot));
    expect(png.width).toBe(390);
    let inked = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 230 || png.data[i + 1]! < 230 || png.data[i + 2]! < 230) inked += 1;
    expect(inked / (png.width * png.height)).toBeGreaterThan(0.03);
  });
});
