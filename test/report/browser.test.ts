// The report in a real browser: Debian's chromium driven by playwright-core opens the page from
// file://, with no console error, no request but the file itself (pictures are data: URIs), the
// sections on the page, a chart tooltip on hover, every picture decoded, and a full-page
// screenshot of a sane size. Skipped, saying why, where chromium or playwright-core is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { writeReport } from '../../src/report/index.js';
import { trained, writeFolder } from './fixture.js';

const CHROMIUM = process.env.CONVKIT_CHROMIUM ?? '/usr/bin/chromium';

async function loadPlaywright(): Promise<typeof import('playwright-core') | string> {
  if (!existsSync(CHROMIUM)) return `chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
  try {
    return await import('playwright-core');
  } catch (e) {
    return `playwright-core cannot be loaded (npm install): ${(e as Error).message}`;
  }
}

test('the report opens from disk in chromium with no network request and no console error', async (t) => {
  const pw = await loadPlaywright();
  if (typeof pw === 'string') {
    t.skip(pw);
    return;
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-report-browser-'));
  const browser = await pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const { model, history } = await trained();
    await writeFolder(path.join(tmp, 'data'), 24);
    const file = path.join(tmp, 'report.html');
    await writeReport(model, file, { history, data: path.join(tmp, 'data') });

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    const ids = await page.$$eval('section', (els) =>
      els.map((e) => `${e.id}${e.classList.contains('missing') ? '?' : ''}`),
    );
    assert.deepEqual(ids, ['summary', 'curves', 'metrics', 'confusion', 'wrong', 'activations', 'gradcam']);
    assert.equal(await page.title(), 'Report: tiny');
    const broken = await page.$$eval('img', (imgs) =>
      imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.alt),
    );
    assert.deepEqual(broken, [], 'every picture decodes');
    assert.ok((await page.$$('img')).length >= 10);
    assert.equal(await page.locator('svg.chart').count(), 2);

    // the tooltip shows an epoch's values on hover
    await page.locator('svg.chart .col').first().hover();
    const tip = page.locator('#tip');
    assert.equal(await tip.isVisible(), true);
    assert.match(await tip.innerText(), /^Epoch 1\nTraining accuracy: [\d.]+\nValidation accuracy: [\d.]+$/);

    const shot = path.join(tmp, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const meta = await sharp(shot).metadata();
    assert.equal(meta.width, 1200);
    assert.ok((meta.height ?? 0) > 1500 && (meta.height ?? 0) < 12000, `page height ${meta.height}`);
    assert.ok(statSync(shot).size > 30_000, 'the screenshot has content');
    const { channels } = await sharp(shot).stats();
    assert.ok(
      channels.some((c) => c.stdev > 20),
      'the screenshot is not blank',
    );

    assert.deepEqual(problems, []);
    assert.ok(requests.length >= 1);
    assert.deepEqual(
      requests.filter((r) => r !== url && !r.startsWith('data:')),
      [],
      'only the file itself and data: URIs',
    );
  } finally {
    await browser.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
