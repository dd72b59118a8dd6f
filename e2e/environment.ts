/**
 * Where the end-to-end tests find their code-servers, run folder, browser and outputs. Shared by
 * e2e/playwright.config.ts and the specs under test/e2e. scripts/runE2e.mjs sets the variables
 * below (free ports, a fresh temporary run folder); run directly, Playwright falls back to the
 * defaults. The config is evaluated in the runner and in every worker, so values that must agree
 * between them travel through the environment.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root. */
export const repositoryRoot = path.resolve(__dirname, '..');

/** Port of the code-server with the packaged .vsix installed (UI tests). */
export const uiPort = Number(process.env.GROKKING_LAB_E2E_UI_PORT ?? 38471);

/** Port of the code-server in VS Code's extension-test mode (the mocha suite). */
export const extensionTestPort = Number(process.env.GROKKING_LAB_E2E_EXTTEST_PORT ?? 38472);

/**
 * The run folder of this test run: e2e/code-server.sh puts each server's config, user data,
 * extensions, logs and workspace copy in `<runFolder>/<mode>`. Created here when nobody set it,
 * and exported so that the workers and the webServer commands (which inherit the runner's
 * environment) use the same one.
 */
export const runFolder = (process.env.GROKKING_LAB_E2E_RUN_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-e2e.')));

/** The two kinds of throw-away code-server that e2e/code-server.sh starts. */
export type ServerMode = 'ui' | 'exttest';

/** The copy of test/e2e/fixtures/workspace that the code-server of `mode` opens. */
export function workspaceFolder(mode: ServerMode): string {
  return path.join(runFolder, mode, 'workspace');
}

/** The code-server log of `mode`, shown when a test fails. */
export function serverLog(mode: ServerMode): string {
  return path.join(runFolder, mode, 'code-server.log');
}

/**
 * Where test/integration/index.ts writes the mocha results when run in extension-test mode
 * (e2e/code-server.sh passes this path to the extension host as GROKKING_LAB_E2E_RESULTS).
 */
export const integrationResultsFile = path.join(runFolder, 'integration-results.json');

/** The integration suite bundled by e2e/buildIntegration.ts: the extensionTestsPath. */
export const integrationBundleFolder = path.join(repositoryRoot, '.tmp', 'e2e', 'integration');

/** Screenshots the tests take for a person to look at (git-ignored). */
export const screenshotFolder = path.join(repositoryRoot, '.tmp', 'e2e-screenshots');

/** Debian's Chromium: Playwright cannot download a browser here (docs/e2e.md §2). */
export const chromiumExecutable = process.env.GROKKING_LAB_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium flags: no sandbox (root), no GPU, and no traffic to Google's services. */
export const chromiumArguments = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
];
