/**
 * Playwright drives Debian's Chromium against two throw-away code-servers (docs/e2e.md):
 * `ui` with the packaged .vsix installed, for the UI specs; `exttest` with VS Code's
 * extension-test mode enabled, for test/e2e/integration.spec.ts, which runs the mocha suite of
 * test/integration inside the extension host. Normally started by scripts/runE2e.mjs.
 */
import { defineConfig } from '@playwright/test';
import * as path from 'node:path';
import { chromiumArguments, chromiumExecutable, extensionTestPort, repositoryRoot, uiPort, type ServerMode } from './environment';

function codeServer(port: number, mode: ServerMode) {
  return {
    command: `bash e2e/code-server.sh ${port} ${mode}`,
    cwd: repositoryRoot,
    url: `http://127.0.0.1:${port}/healthz`,
    // `ui` first packages the .vsix, which runs the extension's vscode:prepublish build.
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    // At the end Playwright SIGKILLs the command's whole process group (it starts it as a group
    // leader), so code-server's agent host, file watcher and extension host go too. A graceful
    // SIGTERM would only wait for the shell, leaving code-server to exit at its own pace.
  };
}

const jsonReport = process.env.GROKKING_LAB_E2E_REPORT;

export default defineConfig({
  testDir: path.join(repositoryRoot, 'test', 'e2e'),
  globalSetup: path.join(__dirname, 'globalSetup.ts'),
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  reporter: jsonReport ? [['list'], ['json', { outputFile: jsonReport }]] : [['list']],
  outputDir: path.join(repositoryRoot, '.tmp', 'e2e-results'),
  use: {
    browserName: 'chromium',
    // Playwright adds --headless and a fresh temporary --user-data-dir itself.
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: { executablePath: chromiumExecutable, args: chromiumArguments },
    // The action log of a failed test, without DOM snapshots or screencast: snapshotting every
    // frame at each action (a live dashboard holds thousands of SVG nodes) starved the workbench's
    // renderer on this 2-core machine and made the live specs time out.
    trace: { mode: 'retain-on-failure', snapshots: false, screenshots: false, sources: true },
    screenshot: 'only-on-failure',
  },
  webServer: [codeServer(uiPort, 'ui'), codeServer(extensionTestPort, 'exttest')],
});
