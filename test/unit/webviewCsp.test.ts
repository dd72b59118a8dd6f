// The dashboard in a real browser: the page VS Code shows (same HTML, same strict CSP, dist/webview.js
// and dist/plotly.min.js) in headless Chromium, fed with snapshots read from run folders the CLI
// really wrote. Nothing is mocked but `acquireVsCodeApi` (webviewHarness.ts). It checks that
// nothing violates the CSP (no eval, no inline style), that every chart draws real data, the
// theme switches, live appends, exports, state restore and comparisons; and it saves screenshots
// to .tmp/screenshots/ to look at. Needs Chromium (/usr/bin/chromium): without it, it fails.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readRunSnapshots } from '../../src/extension/dashboard/runSnapshot';
import type { RunSnapshot } from '../../src/shared/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION, isWebviewMessage } from '../../src/shared/protocol/webview';
import { CHART_IDS } from '../../src/webview/chartDefinitions';
import { writeTransformerRun } from './transformerRunFixture';
import {
  ROOT,
  applyTheme,
  chartRevision,
  launchChromium,
  openDashboardPage,
  postedMessages,
  sendToWebview,
  startDashboardServer,
  waitForCharts,
  waitForPosted,
  type DashboardServer,
  type PageProblems,
} from './webviewHarness';

const SCREENSHOTS = path.join(ROOT, '.tmp', 'screenshots');
const EXPERIMENTS = `experiments:
  tiny:
    description: Weight decay vs none on a small modular-addition task
    task: { operation: add, modulus: 31, trainFraction: 0.5 }
    model: { hidden: 192, activation: square }
    optimizer: { name: adam, lr: 5.0e-3, weightDecay: 5.0e-4 }
    epochs: 200
    seeds: 2
    conditions:
      grok: {}
      control: { optimizer: { weightDecay: 0 } }
    diagnostics:
      eigengap: { window: 10, detector: { lag: 10, threshold: 0.03, warmup: 40 } }
      repulsion: { checkpoints: [50, 100, 150, 200], pairs: 60 }
      spectralEdge: { window: 10 }
      gradientSed: { enabled: true, window: 10, every: 20, probes: 64 }
  tiny-relu:
    description: The same task with ReLU
    task: { operation: add, modulus: 31, trainFraction: 0.5 }
    model: { hidden: 192, activation: relu }
    optimizer: { name: adam, lr: 5.0e-3, weightDecay: 5.0e-4 }
    epochs: 200
    seeds: 1
    diagnostics:
      eigengap: { window: 10, detector: { lag: 10, threshold: 0.03, warmup: 40 } }
      repulsion: { checkpoints: [100, 200], pairs: 60 }
`;

/** Runs one experiment of the file with the CLI (a real run folder) and returns its folder. */
function runExperiment(file: string, experiment: string, out: string): string {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', file, '--experiment', experiment, '--out', out, '--jobs', '2', '--quiet'], { encoding: 'utf8' });
  assert.equal(result.status, 0, `grokking-lab run failed:\n${result.stdout}\n${result.stderr}`);
  const folder = path.join(out, experiment);
  const [runId] = fs.readdirSync(folder);
  return path.join(folder, runId);
}

function requireBuilt(): void {
  for (const file of ['cli.js', 'webview.js', 'plotly.min.js']) {
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', file)), `dist/${file} is missing: run npm run build (npm test does it first).`);
  }
}

function snapshotMessage(runs: RunSnapshot[]) {
  return { type: 'snapshot' as const, protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs };
}

/** The Plotly layout colours of a drawn chart (`_fullLayout` is what Plotly really used). */
async function drawnColors(page: Page, chart: string): Promise<{ paper: string; font: string; traceColors: string[] }> {
  return page.evaluate((chart) => {
    const plot = document.querySelector(`.chart-card[data-chart="${chart}"] .plot`) as unknown as { _fullLayout: { paper_bgcolor: string; font: { color: string } }; data: { line?: { color?: string } }[] };
    return { paper: plot._fullLayout.paper_bgcolor, font: plot._fullLayout.font.color, traceColors: plot.data.map((trace) => trace.line?.color ?? '') };
  }, chart);
}

/** The x-axis title Plotly drew on a chart. */
async function axisTitle(page: Page, chart: string): Promise<string> {
  return page.evaluate((chart) => (document.querySelector(`.chart-card[data-chart="${chart}"] .plot`) as unknown as { _fullLayout: { xaxis: { title: { text: string } } } })._fullLayout.xaxis.title.text, chart);
}

function assertClean(problems: PageProblems): void {
  assert.deepEqual(problems.violations, [], 'CSP violations');
  assert.deepEqual(problems.errors, [], 'console errors');
}

describe('dashboard webview in Chromium under the strict CSP', () => {
  let browser: Browser;
  let server: DashboardServer;
  let grokRun: RunSnapshot;
  let reluRun: RunSnapshot;
  /** A multitask Transformer run, its rows keyed by step on disk (written with the run folder's writers: the CLI cannot train one yet). */
  let transformerRun: RunSnapshot;
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-dashboard-csp-'));

  before(async () => {
    requireBuilt();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(temporary, 'tiny.grok.yaml');
    fs.writeFileSync(file, EXPERIMENTS);
    const out = path.join(temporary, 'runs');
    const directories = [runExperiment(file, 'tiny', out), runExperiment(file, 'tiny-relu', out)];
    [grokRun, reluRun, transformerRun] = readRunSnapshots([...directories, writeTransformerRun(temporary)], () => undefined);
    server = await startDashboardServer();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(temporary, { recursive: true, force: true });
  });

  it('says ready first, then draws every chart of a real run with no CSP violation', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await page.setViewportSize({ width: 1400, height: 4200 });
    const ready = await waitForPosted(page, 'ready');
    assert.deepEqual(ready, { type: 'ready', protocolVersion: WEBVIEW_PROTOCOL_VERSION });
    assert.equal((await postedMessages(page))[0].type, 'ready');
    assert.equal(await page.evaluate(() => (window as unknown as { __acquireCount: number }).__acquireCount), 1);
    await sendToWebview(page, snapshotMessage([grokRun]));
    // Every chart but the accuracy per operation, which only a multitask Transformer has (see below).
    await waitForCharts(page, CHART_IDS.filter((chart) => chart !== 'operations'));
    // The detector markers and the summary table come from the run's events and records.
    const markers = await page.evaluate(() => (document.querySelector('.chart-card[data-chart="gap"] .plot') as unknown as { data: { name?: string; x: number[] }[] }).data.find((trace) => trace.name === 'detector fired')?.x);
    const fires = grokRun.events.filter((event) => event.type === 'detectorFired');
    assert.ok(fires.length > 0, 'the test run makes the detector fire');
    assert.deepEqual([...(markers ?? [])].sort((left, right) => left - right), fires.map((event) => event.epoch).sort((left, right) => left - right));
    const rows = await page.locator('.summary vscode-table-row').count();
    assert.equal(rows, grokRun.seeds.length + 2, 'one row per seed and per condition');
    // An MLP run counts epochs: the time axis, the log-x toggle and the table say so.
    assert.equal(await axisTitle(page, 'accuracy'), 'epoch (optimiser steps)');
    assert.equal(await page.locator('vscode-checkbox[label="Log x (epochs)"]').count(), 1);
    const headers = await page.locator('.summary vscode-table-header-cell').allTextContents();
    assert.ok(headers.includes('Epoch') && headers.includes('Grok ≥ 0.98'), headers.join(', '));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-dark.png'), fullPage: true });
    assertClean(problems);
    assert.equal((await drawnColors(page, 'accuracy')).paper, '#1f1f1f');
    await page.close();
  });

  it('redraws with the colours of the light and high-contrast themes when VS Code switches theme', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await page.setViewportSize({ width: 1400, height: 1600 });
    await waitForPosted(page, 'ready');
    await sendToWebview(page, snapshotMessage([grokRun]));
    await waitForCharts(page, ['accuracy', 'loss']);
    const dark = await drawnColors(page, 'accuracy');
    assert.equal(dark.font, '#cccccc');
    assert.ok(dark.traceColors.includes('#59a4f9'));
    // charts.orange is translucent in the default themes: the series are drawn solid.
    assert.ok(dark.traceColors.includes('rgb(234, 92, 0)'));

    const before = await chartRevision(page, 'accuracy');
    await applyTheme(page, 'light');
    await waitForCharts(page, ['accuracy'], before);
    const light = await drawnColors(page, 'accuracy');
    assert.deepEqual([light.paper, light.font], ['#ffffff', '#3b3b3b']);
    assert.ok(light.traceColors.includes('#1a85ff'), 'light theme palette');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-light.png') });

    const beforeContrast = await chartRevision(page, 'accuracy');
    await applyTheme(page, 'highContrast');
    await waitForCharts(page, ['accuracy'], beforeContrast);
    const contrast = await drawnColors(page, 'accuracy');
    assert.deepEqual([contrast.paper, contrast.font], ['#000000', '#ffffff']);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-high-contrast.png') });
    assertClean(problems);
    await page.close();
  });

  it('extends the charts with live appends and shows the new statuses', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await waitForPosted(page, 'ready');
    // The run as it was at epoch 100, still running; then the rest arrives as appends.
    const partial: RunSnapshot = { ...grokRun, status: 'running', summary: null, seeds: grokRun.seeds.map((seed) => ({ ...seed, status: 'running', records: seed.records.slice(0, 101) })) };
    await sendToWebview(page, snapshotMessage([partial]));
    await waitForCharts(page, ['accuracy']);
    const lastX = () => page.evaluate(() => Math.max(...(document.querySelector('.chart-card[data-chart="accuracy"] .plot') as unknown as { data: { x: (number | null)[] }[] }).data.flatMap((trace) => trace.x.filter((x): x is number => x !== null))));
    assert.equal(await lastX(), 100);
    await sendToWebview(page, {
      type: 'append',
      runs: [
        {
          runId: grokRun.runId,
          seeds: grokRun.seeds.map((seed) => ({ condition: seed.condition, seed: seed.seed, records: seed.records.slice(101), status: { status: 'completed' as const } })),
          events: [],
        },
      ],
    });
    await page.waitForFunction(() => document.querySelector('.seed-item.status-completed') !== null);
    await page.waitForFunction(() => Math.max(...(document.querySelector('.chart-card[data-chart="accuracy"] .plot') as unknown as { data: { x: (number | null)[] }[] }).data.flatMap((trace) => trace.x.filter((x): x is number => x !== null))) === 200);
    assert.equal(await lastX(), 200);
    assertClean(problems);
    await page.close();
  });

  it('exports a chart as PNG and SVG through a saveFile message the host accepts', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await waitForPosted(page, 'ready');
    await sendToWebview(page, snapshotMessage([grokRun]));
    await waitForCharts(page, ['gap']);
    const card = page.locator('.chart-card[data-chart="gap"]');
    await card.locator('vscode-button', { hasText: 'PNG' }).click();
    const png = await waitForPosted(page, 'saveFile');
    assert.ok(isWebviewMessage(png));
    assert.equal(png.mime, 'image/png');
    assert.equal(png.fileName, 'tiny - Eigengap λ₂ λ₃.png');
    assert.deepEqual([...Buffer.from(png.dataBase64 ?? '', 'base64').subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    await card.locator('vscode-button', { hasText: 'SVG' }).click();
    const svg = await waitForPosted(page, 'saveFile', 2);
    assert.ok(isWebviewMessage(svg));
    assert.equal(svg.mime, 'image/svg+xml');
    assert.match(svg.text ?? '', /^<svg[\s\S]*Eigengap λ₂\/λ₃ · tiny[\s\S]*<\/svg>$/);
    await page.locator('.summary vscode-button', { hasText: 'Seeds CSV' }).click();
    const csv = await waitForPosted(page, 'saveFile', 3);
    assert.equal(csv.mime, 'text/csv');
    assert.equal((csv.text ?? '').trim().split('\n').length, grokRun.seeds.length + 1);
    assertClean(problems);
    await page.close();
  });

  it('keeps its toggles and runs across a reload, and asks for the same runs in its ready message', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await waitForPosted(page, 'ready');
    await sendToWebview(page, snapshotMessage([grokRun]));
    await waitForCharts(page, ['accuracy']);
    await page.locator('vscode-checkbox[label="Log x (epochs)"]').click();
    await page.waitForFunction(() => (document.querySelector('.chart-card[data-chart="accuracy"] .plot') as unknown as { _fullLayout: { xaxis: { type: string } } })._fullLayout.xaxis.type === 'log');
    const state = await page.evaluate(() => (window as unknown as { __state: { logX: boolean; runIds: string[] } }).__state);
    assert.deepEqual([state.logX, state.runIds], [true, [grokRun.runId]]);

    // A reloaded webview (panel hidden and shown again, or VS Code restarted) starts from that state.
    const reloaded = await openDashboardPage(browser, server, 'dark', state);
    const ready = await waitForPosted(reloaded.page, 'ready');
    assert.deepEqual(ready.runIds, [grokRun.runId]);
    await sendToWebview(reloaded.page, snapshotMessage([grokRun]));
    await waitForCharts(reloaded.page, ['accuracy']);
    assert.equal(await reloaded.page.locator('vscode-checkbox[label="Log x (epochs)"]').evaluate((box) => (box as HTMLInputElement).checked), true);
    assertClean(problems);
    assertClean(reloaded.problems);
    await page.close();
    await reloaded.page.close();
  });

  it('compares two runs on shared axes and asks the host to change the selection', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await page.setViewportSize({ width: 1400, height: 2000 });
    await waitForPosted(page, 'ready');
    await sendToWebview(page, snapshotMessage([grokRun, reluRun]));
    await waitForCharts(page, ['accuracy', 'gap']);
    const legend = await page.evaluate(() =>
      (document.querySelector('.chart-card[data-chart="gap"] .plot') as unknown as { data: { name?: string; showlegend?: boolean }[] }).data.filter((trace) => trace.showlegend).map((trace) => trace.name),
    );
    assert.deepEqual(legend.slice(0, 3), ['tiny · grok', 'tiny · control', 'tiny-relu']);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-compare.png') });
    await page.locator(`.run-chip[data-run-id="${reluRun.runId}"] vscode-button`, { hasText: 'Only this' }).click();
    assert.deepEqual(await waitForPosted(page, 'requestRun'), { type: 'requestRun', runId: reluRun.runId });
    await page.locator(`.run-chip[data-run-id="${grokRun.runId}"] vscode-button`, { hasText: 'Folder' }).click();
    assert.deepEqual(await waitForPosted(page, 'openRunFolder'), { type: 'openRunFolder', runId: grokRun.runId });
    assertClean(problems);
    await page.close();
  });

  it('speaks in steps for a Transformer run, and draws its accuracy per operation', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await page.setViewportSize({ width: 1400, height: 4200 });
    await waitForPosted(page, 'ready');
    // Its seed 0 of `multi` still running at step 1500: the seed list says how far.
    const running: RunSnapshot = {
      ...transformerRun,
      status: 'running',
      summary: null,
      seeds: transformerRun.seeds.map((seed) => (seed.condition === 'multi' && seed.seed === 0 ? { ...seed, status: 'running' as const, records: seed.records.filter((record) => record.epoch <= 1500) } : seed)),
    };
    await sendToWebview(page, snapshotMessage([running]));
    await waitForCharts(page, ['accuracy', 'loss', 'gap', 'detectorSlope', 'eigenvalues', 'operations']);
    for (const chart of ['accuracy', 'loss', 'gap', 'detectorSlope', 'eigenvalues', 'operations']) assert.equal(await axisTitle(page, chart), 'step (minibatch optimiser steps)', chart);
    assert.equal(await page.locator('vscode-checkbox[label="Log x (steps)"]').count(), 1);
    const headers = await page.locator('.summary vscode-table-header-cell').allTextContents();
    assert.ok(headers.includes('Step') && headers.includes('Fire step (median)'), headers.join(', '));
    assert.ok(!headers.some((header) => /epoch/i.test(header)), headers.join(', '));
    const notes = await page.locator('.summary .rank-note').allTextContents();
    assert.ok(notes.length === 2 && notes.every((note) => note.includes('late-stage steps') && !/epoch/i.test(note)), notes.join('\n'));
    const groupStatus = await page.locator('.seed-group[data-group$="/multi"] .seed-group-status').textContent();
    assert.equal(groupStatus, '2 seeds: 1 running (step 1500 of 3000), 1 completed');
    // Two heads, each with its test and train accuracy.
    const legend = await page.evaluate(() =>
      (document.querySelector('.chart-card[data-chart="operations"] .plot') as unknown as { data: { name?: string; showlegend?: boolean }[] }).data.filter((trace) => trace.showlegend).map((trace) => trace.name),
    );
    assert.deepEqual(legend, ['add · test · multi', 'add · train · multi', 'subtract · test · multi', 'subtract · train · multi']);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-transformer.png'), fullPage: true });
    assertClean(problems);
    await page.close();
  });

  it('ignores a malformed host message and reports it to the log', async () => {
    const { page, problems } = await openDashboardPage(browser, server, 'dark');
    await waitForPosted(page, 'ready');
    await page.evaluate(() => window.postMessage({ type: 'snapshot', protocolVersion: 1, runs: 'everything' }, '*'));
    const log = await waitForPosted(page, 'log');
    assert.equal(log.level, 'warn');
    assert.match(log.message, /malformed message from the host \(snapshot\)/);
    assertClean(problems);
    await page.close();
  });
});
