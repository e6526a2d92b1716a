import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { buildChargeback } from '../../functions/domain/chargeback';
import { renderStatementHtml } from '../../functions/domain/statement-files';
import { testConfig } from '../support/config';
import { awsRecord } from '../support/records';

/**
 * statement.html as a person sees it: rendered by headless Chromium (Debian's `chromium` package, which
 * .ci/run installs), the screenshot checked for being a real page, not blank. Without Chromium the test
 * is skipped locally and fails in CI, where it must run.
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(chromium);
if (!available && process.env.CI) throw new Error(`Chromium not found at ${chromium}: .ci/run installs Debian's chromium package`);

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
      { timeout: 60_000 },
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
});
