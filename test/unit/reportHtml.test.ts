// The HTML report in a real browser: the CLI (dist/cli.js, a child process) writes it for a copy of
// the fixture run whose description tries to close the script element, and headless Chromium opens
// it from a file:// URL with the network switched off. Every chart must draw data, nothing may be
// requested but the file itself, nothing injected may run. Saves .tmp/report.png to look at.
// Needs Chromium (/usr/bin/chromium) and a build (dist/cli.js, dist/report.js, dist/plotly.min.js).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunManifest } from '../../src/shared/runFormat';
import { CHART_IDS } from '../../src/webview/chartDefinitions';
import { copyFixture } from './reportFixture';
import { ROOT, launchChromium } from './webviewHarness';

const HOSTILE_DESCRIPTION = '</script><script>window.reportInjected = true</script> & <b>bold</b>';

/** What Plotly drew in one chart card (`_fullData` and `_fullLayout` are what Plotly really used). */
interface DrawnChart {
  chart: string;
  hasData: string | undefined;
  plotted: boolean;
  traces: { name: string; type: string; points: number }[];
  shapes: number;
}

describe('HTML report in Chromium, offline', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let reportFile: string;
  const requests: string[] = [];
  const problems: string[] = [];

  before(async () => {
    const { run } = copyFixture();
    const manifestFile = path.join(run, 'run.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as RunManifest;
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, description: HOSTILE_DESCRIPTION }));
    reportFile = path.join(path.dirname(path.dirname(run)), 'report.html');
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'report', run, '--html', reportFile], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
    await context.setOffline(true);
    page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(pathToFileURL(reportFile).href);
    await page.waitForFunction(() => document.body.dataset.charts !== undefined, null, { timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
  });

  it('draws every chart of the dashboard, each with data, and requests nothing but itself', async () => {
    assert.equal(await page.evaluate(() => document.body.dataset.charts), 'drawn');
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.chart-card')].map((card) => {
        const plot = card.querySelector('.js-plotly-plot') as unknown as {
          _fullData?: { name: string; type: string; x?: unknown[]; y?: unknown[]; q1?: unknown[] }[];
          _fullLayout?: { shapes?: unknown[] };
        } | null;
        // No named function in here: tsx would wrap it in a helper the page does not have.
        return {
          chart: card.dataset.chart ?? '',
          hasData: card.dataset.hasData,
          plotted: plot !== null,
          traces: (plot?._fullData ?? []).map((trace) => ({
            name: trace.name,
            type: trace.type,
            points: [...(trace.y ?? []), ...(trace.q1 ?? [])].filter((value) => value !== null && value !== undefined).length,
          })),
          shapes: plot?._fullLayout?.shapes?.length ?? 0,
        };
      }),
    );
    // Every chart but the opt-in ones the fixture's MLP runs have no data for: the gradient-direction SED and the accuracy per operation.
    assert.deepEqual(
      charts.map((chart: DrawnChart) => chart.chart),
      CHART_IDS.filter((chart) => chart !== 'gradientSed' && chart !== 'operations'),
    );
    for (const chart of charts) {
      assert.ok(chart.plotted, `${chart.chart}: no .js-plotly-plot`);
      assert.equal(chart.hasData, 'true', `${chart.chart}: no data`);
      assert.ok(chart.traces.some((trace) => trace.points > 0), `${chart.chart}: no trace with points ${JSON.stringify(chart.traces)}`);
    }
    const byId = new Map(charts.map((chart) => [chart.chart, chart]));
    // Median and IQR band per condition: both conditions on the accuracy chart's shared axes.
    const accuracyNames = byId.get('accuracy')?.traces.map((trace) => trace.name) ?? [];
    for (const name of ['grok · test median', 'control · test median', 'grok · test IQR', 'control · test IQR']) assert.ok(accuracyNames.includes(name), `${name} in ${accuracyNames.join(', ')}`);
    // The gap chart marks the four detector fires (grok seeds 0, 1, 2 and control seed 1).
    assert.equal(byId.get('gap')?.traces.find((trace) => trace.name === 'detector fired')?.points, 4);
    // The slope chart draws the threshold (and warm-up) lines.
    assert.ok((byId.get('detectorSlope')?.shapes ?? 0) >= 1);
    // Repulsion: grok only (η = 0 in the control), with a note saying why.
    assert.ok(byId.get('repulsion')?.traces.every((trace) => !trace.name.startsWith('control')));
    const notes = await page.locator('.chart-repulsion .chart-notes').innerText();
    assert.match(notes, /Theorem 6 does not apply to control/);

    assert.deepEqual(requests, [pathToFileURL(reportFile).href]);
    assert.deepEqual(problems, []);
  });

  it('shows the tables, with the hostile description as text that runs nothing', async () => {
    assert.equal(await page.evaluate(() => (window as { reportInjected?: boolean }).reportInjected), undefined);
    const experiment = await page.locator('.facts dd').nth(1).innerText();
    assert.equal(experiment, `fixture: ${HOSTILE_DESCRIPTION}`);
    const firstRow = await page.locator('table[data-table="detector"] tbody tr').first().locator('td').allInnerTexts();
    assert.deepEqual(firstRow, ['grok', '3/3', '12', '11.5–13', '2/3', '\u22126', '\u22127 to \u22125', '30.00', '25.00–35.00']);
    const notApplicable = await page.locator('table[data-table="repulsion"] tbody tr').nth(2).locator('td').allInnerTexts();
    assert.deepEqual(notApplicable, ['control', '10', '3', 'not applicable (η = 0)', 'not applicable (η = 0)', 'not applicable (η = 0)']);
    assert.equal(await page.locator('.run-notes').innerText(), 'grok: seed 2 failed at epoch 15 (the worker exited with code 1: RangeError: out of memory). It is counted in every "x of n", with the rows written.');
  });

  it('saves a screenshot of the whole page (.tmp/report.png)', async () => {
    const file = path.join(ROOT, '.tmp', 'report.png');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(fs.statSync(file).size > 50_000);
    const size = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    // Nothing wider than the window (wide tables scroll inside their own box).
    assert.ok(size.width <= size.viewport, JSON.stringify(size));
    fs.rmSync(path.dirname(reportFile), { recursive: true, force: true });
  });
});
