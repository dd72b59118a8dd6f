/**
 * Helpers for the Playwright specs that drive the VS Code workbench served by code-server. The
 * selectors are VS Code internals checked on Code 1.139 (docs/e2e.md §2); a code-server upgrade
 * may move them, and then this file is the one place to fix.
 */
import { expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionTestPort, screenshotFolder, uiPort, workspaceFolder, type ServerMode } from '../../e2e/environment';

/** Opens the workbench of the `mode` server on its fixture workspace and waits until it is drawn. */
export async function openWorkbench(page: Page, mode: ServerMode, extraQuery = ''): Promise<void> {
  const port = mode === 'ui' ? uiPort : extensionTestPort;
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspaceFolder(mode))}${extraQuery}`);
  await expect(page.locator('.monaco-workbench')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.monaco-workbench .part.statusbar')).toBeVisible();
}

/**
 * Opens the command palette on `title` ("Category: Title") and waits until that command is the
 * focused entry, leaving the palette open. For a few seconds after load the palette lacks the
 * extensions' commands (the remote extension host registers them late) and an open palette does
 * not refresh, so it closes, reopens and retries.
 */
export async function findPaletteCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const entry = page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: title });
  await expect(async () => {
    if (await input.isVisible()) {
      await input.press('Escape');
      await expect(input).toBeHidden({ timeout: 2_000 });
    }
    await page.keyboard.press('F1');
    await expect(input).toBeVisible({ timeout: 2_000 });
    await input.fill(`>${title}`);
    await expect(entry).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
}

/** Runs a command from the command palette by its full title ("Category: Title"). */
export async function runPaletteCommand(page: Page, title: string): Promise<void> {
  await findPaletteCommand(page, title);
  await page.locator('.quick-input-widget input').press('Enter');
}

/** Saves a screenshot of the page as .tmp/e2e-screenshots/NAME.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotFolder, { recursive: true });
  const file = path.join(screenshotFolder, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
