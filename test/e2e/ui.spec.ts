// What a researcher sees, driven through the real workbench (code-server) with the packaged
// extension installed: the Experiments view, a Problem for an invalid file, a run launched from the
// palette that opens its live dashboard and is live in the Runs view and in the status-bar
// detector alert.
import { expect, test, type Frame, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workspaceFolder } from '../../e2e/environment';
import { openWorkbench, runPaletteCommand, saveScreenshot } from './workbench';

/** Opens the Grokking Lab container from the activity bar and waits for both of its views. */
async function openGrokkingLab(page: Page): Promise<void> {
  await page.locator('.activitybar .action-label[aria-label^="Grokking Lab"]').click();
  await expect(page.locator('.sidebar .pane-header', { hasText: 'Experiments' })).toBeVisible();
  await expect(page.locator('.sidebar .pane-header', { hasText: 'Runs' })).toBeVisible();
}

/** The rows of one view of the Grokking Lab container ("Experiments" or "Runs"). */
function viewRows(page: Page, view: 'Experiments' | 'Runs') {
  return page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: view }) }).locator('.monaco-list-row');
}

/**
 * The dashboard's content frame. A webview is an iframe (`iframe.webview`) holding a content frame
 * that VS Code creates as `#pending-frame` and renames `#active-frame` once loaded. Finding the
 * frame by its content does not depend on that rename. (A frame locator through the ids once failed
 * for minutes while the page was drawn; the cause was Playwright's trace snapshots starving the
 * renderer, since turned off in e2e/playwright.config.ts.)
 */
async function dashboardFrame(page: Page): Promise<Frame> {
  let found: Frame | undefined;
  await expect
    .poll(
      async () => {
        for (const frame of page.frames()) {
          if (frame === page.mainFrame() || frame.isDetached()) continue;
          if ((await frame.locator('.chart-card').count().catch(() => 0)) > 0) {
            found = frame;
            return true;
          }
        }
        return false;
      },
      { timeout: 90_000, message: 'the dashboard page in a webview frame' },
    )
    .toBe(true);
  return found as Frame;
}

/** Writes an experiment file into the workspace that the `ui` code-server opened. */
function writeWorkspaceFile(name: string, text: string): string {
  const file = path.join(workspaceFolder('ui'), name);
  fs.writeFileSync(file, text);
  return file;
}

test('the Experiments view lists the workspace experiments, and an invalid file is a Problem with its line', async ({ page }) => {
  await openWorkbench(page, 'ui');
  await openGrokkingLab(page);
  const experiments = viewRows(page, 'Experiments');
  await expect(experiments.filter({ hasText: 'tiny.grok.yaml' })).toBeVisible({ timeout: 30_000 });
  await expect(experiments.filter({ hasText: /^tiny1 condition × 2 seeds/ })).toBeVisible();
  await saveScreenshot(page, 'ui-experiments-view');

  // A misspelt key on line 4: the file shows as an error item and its line and column reach the
  // Problems panel, while the valid file stays listed.
  const brokenLines = [
    'experiments:',
    '  broken:',
    '    task: { operation: add, modulus: 7, trainSize: 30 }',
    '    model: { hidden: 16, activaton: square }',
  ];
  const column = brokenLines[3].indexOf('activaton') + 1;
  const broken = writeWorkspaceFile('broken.grok.yaml', `${brokenLines.join('\n')}\n`);
  await expect(experiments.filter({ hasText: 'broken.grok.yaml' })).toBeVisible({ timeout: 30_000 });
  await expect(experiments.filter({ hasText: /activaton/ })).toBeVisible();
  await expect(experiments.filter({ hasText: 'tiny.grok.yaml' })).toBeVisible();

  await runPaletteCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'activaton' });
  await expect(problem).toBeVisible();
  await expect(problem).toContainText(`[Ln 4, Col ${column}]`);
  await expect(problem).toContainText('activation');
  await saveScreenshot(page, 'ui-problem-invalid-file');

  // Deleting the file clears both, live.
  fs.rmSync(broken);
  await expect(problem).toBeHidden({ timeout: 30_000 });
  await expect(experiments.filter({ hasText: 'broken.grok.yaml' })).toBeHidden();
});

test('a run started from the palette opens its live dashboard, and is live in the Runs view and the status-bar alert', async ({ page }) => {
  // Generous: on a loaded 2-core machine every query into the webview waits for its busy page.
  test.setTimeout(480_000);
  await openWorkbench(page, 'ui');
  await openGrokkingLab(page);
  // Long enough to watch (it is stopped at the end, long before its last epoch), at tens of epochs
  // a second like a real study rather than thousands, one seed so that training takes one of the
  // machine's cores and leaves the other to the workbench, and a
  // detector that fires within the first epochs: threshold 0 after a warm-up of 5 means the first
  // rising gap slope fires it.
  writeWorkspaceFile(
    'watch.grok.yaml',
    [
      'experiments:',
      '  watch:',
      '    description: Long enough to watch live, with a detector that fires early',
      '    task: { operation: add, modulus: 47, trainSize: 1000 }',
      '    model: { hidden: 512, activation: square }',
      '    epochs: 100000',
      '    seeds: 1',
      '    diagnostics:',
      '      eigengap: { detector: { lag: 2, threshold: 0, warmup: 5 } }',
      '',
    ].join('\n'),
  );
  // The new file appears without a reload (the workspace watcher).
  await expect(viewRows(page, 'Experiments').filter({ hasText: /^watch1 condition × 1 seed/ })).toBeVisible({ timeout: 30_000 });

  await runPaletteCommand(page, 'Grokking Lab: Run Grokking Experiment');
  const pickInput = page.locator('.quick-input-widget input');
  await expect(page.locator('.quick-input-widget .monaco-list-row', { hasText: 'tiny.grok.yaml' })).toBeVisible();
  await pickInput.fill('watch');
  await expect(page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'watch.grok.yaml' })).toBeVisible();
  await pickInput.press('Enter');

  // Launching opened the run's dashboard by itself (grokkingLab.dashboard.openOnRun, on by default).
  await expect(page.locator('.tabs-container .tab', { hasText: 'Dashboard: watch' })).toBeVisible({ timeout: 30_000 });

  // The detector fires within the first epochs: the warning status-bar item naming the run, and one
  // notification (looked at now: VS Code hides a toast after some seconds).
  const alert = page.locator('.statusbar-item.warning-kind', { hasText: 'Detector fired: watch' });
  await expect(alert).toBeVisible({ timeout: 30_000 });
  await expect(alert).toContainText(/seed \d+ · epoch \d+/);
  const toast = page.locator('.notification-toast', { hasText: 'the lock-in detector fired in watch' });
  await expect(toast).toBeVisible();
  await expect(toast.getByRole('button', { name: 'Mute' })).toBeVisible();
  await saveScreenshot(page, 'ui-detector-alert');

  // The dashboard is live: its accuracy chart has data.
  const openedOnRun = await dashboardFrame(page);
  await expect(openedOnRun.locator('.chart-card[data-chart="accuracy"][data-has-data="true"]')).toBeVisible({ timeout: 90_000 });
  await saveScreenshot(page, 'ui-dashboard-opened-on-run');

  // The Runs view: the run with its epoch, rising while it trains.
  const runRow = viewRows(page, 'Runs').filter({ hasText: /^watch/ });
  const epochOf = async () => Number(/epoch (\d+)/.exec((await runRow.textContent()) ?? '')?.[1] ?? Number.NaN);
  await expect(runRow).toContainText(/epoch \d+/, { timeout: 60_000 });
  const firstEpoch = await epochOf();
  await expect.poll(epochOf, { timeout: 30_000 }).toBeGreaterThan(firstEpoch);
  // Expanded: run → condition → seed, the seed with its epoch out of the total and an ETA.
  await runRow.click();
  await page.keyboard.press('ArrowRight');
  const conditionRow = viewRows(page, 'Runs').filter({ hasText: /^default/ });
  await conditionRow.click();
  await page.keyboard.press('ArrowRight');
  await expect(viewRows(page, 'Runs').filter({ hasText: /^seed 0/ })).toContainText(/epoch \d+\/100000 · ETA/);
  await saveScreenshot(page, 'ui-runs-view-live');

  // The notification's Open Dashboard action brings the dashboard of this run forward (the one
  // panel), with Plotly charts drawn from data. Its toast may be hidden by now: then it is in the
  // notification center.
  if (!(await toast.isVisible())) await runPaletteCommand(page, 'Notifications: Show Notifications');
  const notification = page.locator('.notification-toast, .notifications-center .notification-list-item', { hasText: 'the lock-in detector fired in watch' }).first();
  await notification.getByRole('button', { name: 'Open Dashboard' }).click();
  await expect(page.locator('.tabs-container .tab', { hasText: 'Dashboard: watch' })).toHaveCount(1);
  const dashboard = await dashboardFrame(page);
  await expect(dashboard.locator('.chart-card[data-chart="accuracy"][data-has-data="true"]')).toBeVisible({ timeout: 90_000 });
  // Charts below the fold are drawn when scrolled into view.
  for (const chart of ['accuracy', 'loss', 'gap', 'detectorSlope', 'eigenvalues']) {
    const card = dashboard.locator(`.chart-card[data-chart="${chart}"]`);
    await card.scrollIntoViewIfNeeded();
    await expect(card).toHaveAttribute('data-has-data', 'true');
    await expect(card.locator('.plot .main-svg').first()).toBeVisible();
  }
  await dashboard.locator('.chart-card[data-chart="accuracy"]').scrollIntoViewIfNeeded();
  // Plotly drew line traces (paths with points), not only axes.
  await expect(dashboard.locator('.chart-card[data-chart="accuracy"] .scatterlayer .trace path.js-line').first()).toBeVisible();
  await expect(dashboard.locator('.summary-table').first()).toBeAttached();
  // Appends keep arriving: the accuracy chart's revision moves on while the run trains.
  const revision = async () => Number(await dashboard.locator('.chart-card[data-chart="accuracy"]').getAttribute('data-revision'));
  const firstRevision = await revision();
  await expect.poll(revision, { timeout: 30_000 }).toBeGreaterThan(firstRevision);
  await saveScreenshot(page, 'ui-dashboard-live');

  // Stop All Runs from the Runs view's title bar: the run ends as cancelled (and no worker is left
  // behind: scripts/runE2e.mjs checks the processes of the run).
  const runsHeader = page.locator('.sidebar .pane-header', { hasText: 'Runs' });
  await runsHeader.hover();
  await runsHeader.locator('.action-label[aria-label="Stop All Runs"]').click();
  await expect(runRow).toContainText(/cancelled/, { timeout: 60_000 });
  await saveScreenshot(page, 'ui-runs-view-cancelled');
});

test('a Transformer run trains from the palette, its dashboard and Runs view counting steps', async ({ page }) => {
  await openWorkbench(page, 'ui');
  await openGrokkingLab(page);
  // Small enough to evaluate every 20 steps at a few steps a second, long enough to watch.
  writeWorkspaceFile(
    'transformer.grok.yaml',
    [
      'experiments:',
      '  steps:',
      '    description: A small Transformer, watched live',
      '    model: { kind: transformer, width: 32, heads: 4, feedForward: 64, layers: 2 }',
      '    task: { operation: add, modulus: 23 }',
      '    steps: 100000',
      '    training: { batchSize: 128, evalEvery: 20 }',
      '    diagnostics: { snapshotEvery: 20 }',
      '    seeds: 1',
      '',
    ].join('\n'),
  );
  await expect(viewRows(page, 'Experiments').filter({ hasText: /^steps1 condition × 1 seed/ })).toBeVisible({ timeout: 30_000 });

  await runPaletteCommand(page, 'Grokking Lab: Run Grokking Experiment');
  const pickInput = page.locator('.quick-input-widget input');
  await pickInput.fill('transformer');
  await expect(page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'transformer.grok.yaml' })).toBeVisible();
  await pickInput.press('Enter');
  await expect(page.locator('.tabs-container .tab', { hasText: 'Dashboard: steps' })).toBeVisible({ timeout: 30_000 });

  // The Runs view counts steps, rising while it trains.
  const runRow = viewRows(page, 'Runs').filter({ hasText: /^steps/ });
  const stepOf = async () => Number(/step (\d+)/.exec((await runRow.textContent()) ?? '')?.[1] ?? Number.NaN);
  await expect(runRow).toContainText(/step \d+/, { timeout: 60_000 });
  const firstStep = await stepOf();
  await expect.poll(stepOf, { timeout: 60_000 }).toBeGreaterThan(firstStep);

  // The dashboard draws the accuracy and the attention weights' eigengap against a step axis.
  const dashboard = await dashboardFrame(page);
  for (const chart of ['accuracy', 'gap']) {
    const card = dashboard.locator(`.chart-card[data-chart="${chart}"]`);
    await card.scrollIntoViewIfNeeded();
    await expect(card).toHaveAttribute('data-has-data', 'true', { timeout: 90_000 });
    await expect(card.locator('.xtitle')).toContainText(/step/i);
  }
  await dashboard.locator('.chart-card[data-chart="accuracy"]').scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'ui-transformer-dashboard');

  const runsHeader = page.locator('.sidebar .pane-header', { hasText: 'Runs' });
  await runsHeader.hover();
  await runsHeader.locator('.action-label[aria-label="Stop All Runs"]').click();
  await expect(runRow).toContainText(/cancelled/, { timeout: 60_000 });
});
