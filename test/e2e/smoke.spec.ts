// Smoke test of the UI toolchain: the packaged extension is installed in a real VS Code workbench
// (code-server) that opens the fixture workspace, and the command palette drives it.
import { expect, test } from '@playwright/test';
import { findPaletteCommand, openWorkbench, runPaletteCommand, saveScreenshot } from './workbench';

test('the workbench opens the fixture workspace and the palette opens its experiment file', async ({ page }) => {
  await openWorkbench(page, 'ui');
  await expect(page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'tiny.grok.yaml' })).toBeVisible({ timeout: 30_000 });

  await runPaletteCommand(page, 'Go to File...');
  const quickOpen = page.locator('.quick-input-widget input');
  await quickOpen.fill('tiny.grok.yaml');
  await expect(page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'tiny.grok.yaml' })).toBeVisible();
  await quickOpen.press('Enter');

  await expect(page.locator('.tab.active', { hasText: 'tiny.grok.yaml' })).toBeVisible();
  await expect(page.locator('.editor-instance .view-lines')).toContainText('modulus: 7');
  await saveScreenshot(page, 'smoke-fixture-workspace');
});

test('the packaged Grokking Lab extension is installed and enabled', async ({ page }) => {
  await openWorkbench(page, 'ui');
  await runPaletteCommand(page, 'Extensions: Show Installed Extensions');
  const installed = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Grokking Lab' });
  await expect(installed).toBeVisible({ timeout: 30_000 });
  await expect(installed).not.toContainText('Disabled');

  // Its details page renders the packaged README in a webview, an overlay outside the editor's DOM:
  // iframe.webview (the host page) holds iframe#active-frame (the content).
  await installed.click();
  await expect(page.locator('.extension-editor .name', { hasText: 'Grokking Lab' })).toBeVisible();
  const readme = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await expect(readme.locator('h1').first()).toHaveText('Grokking Lab', { timeout: 30_000 });
  await saveScreenshot(page, 'smoke-installed-extension');

  // Its contributions reach the palette (the command name is part of the spec, docs/product.md §2.1).
  await findPaletteCommand(page, 'Grokking Lab: Run Grokking Experiment');
  await page.locator('.quick-input-widget input').fill('>Grokking Lab: ');
  await expect(page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Grokking Lab: Run Grokking Experiment' })).toBeVisible();
  await saveScreenshot(page, 'smoke-palette-commands');
});
