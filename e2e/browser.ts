/**
 * The browser every test drives: Debian's Chromium, installed by e2e/setup.sh (Playwright cannot
 * download a browser on these machines, docs/e2e.md §2), with the flags proven here. Shared by the
 * end-to-end tests (e2e/environment.ts) and the unit tests that load pages in a browser
 * (test/unit/webviewHarness.ts). No side effects on import.
 */

/** Debian's Chromium, or GROKKING_LAB_E2E_CHROMIUM when set. */
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
