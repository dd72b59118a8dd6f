/**
 * Loads the real dashboard page (src/extension/dashboard/dashboardHtml.ts with dist/webview.js and
 * dist/plotly.min.js) in headless Chromium, the way VS Code shows it: the same Content Security
 * Policy (as the page's meta tag and as an HTTP header), the theme's `--vscode-*` variables set on
 * the html element through CSSOM and the theme class on the body, and a fake `acquireVsCodeApi`
 * (the only thing replaced; docs/architecture.md §3: "mock only that in webview tests"). Used by
 * webviewCsp.test.ts; also runnable by hand to take screenshots.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { DASHBOARD_RESOURCES, contentSecurityPolicy, createNonce, dashboardHtml } from '../../src/extension/dashboard/dashboardHtml';
import type { HostToWebviewMessage, WebviewToHostMessage } from '../../src/shared/protocol/webview';
import { chromiumArguments, chromiumExecutable } from '../../e2e/browser';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A subset of the variables VS Code injects for its default themes (Dark Modern, Light Modern, Dark
 * High Contrast); the Dark Modern values are the ones code-server 4.139's webview really had,
 * including the translucent charts.orange.
 */
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    variables: {
      '--vscode-settings-dropdownBackground': '#313131',
      '--vscode-settings-dropdownBorder': '#3c3c3c',
      '--vscode-settings-dropdownForeground': '#cccccc',
      '--vscode-settings-dropdownListBorder': '#454545',
      '--vscode-settings-checkboxBackground': '#313131',
      '--vscode-settings-checkboxBorder': '#3c3c3c',
      '--vscode-settings-checkboxForeground': '#cccccc',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.36)',
      '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-widget-border': '#313131',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-blue': '#59a4f9',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': 'rgba(234, 92, 0, 0.33)',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8',
      '--vscode-checkbox-background': '#313131',
      '--vscode-checkbox-border': '#3c3c3c',
      '--vscode-checkbox-foreground': '#cccccc',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-border': '#3c3c3c',
      '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-dropdown-listBackground': '#1f1f1f',
      '--vscode-editorHoverWidget-background': '#202020',
      '--vscode-editorHoverWidget-foreground': '#cccccc',
      '--vscode-editorHoverWidget-border': '#454545',
      '--vscode-textLink-foreground': '#4daafc',
      '--vscode-textLink-activeForeground': '#4daafc',
      '--vscode-errorForeground': '#f85149',
      '--vscode-keybindingTable-rowsBackground': 'rgba(204, 204, 204, 0.04)',
      '--vscode-editorGroup-border': 'rgba(255, 255, 255, 0.09)',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    variables: {
      '--vscode-settings-dropdownBackground': '#ffffff',
      '--vscode-settings-dropdownBorder': '#cecece',
      '--vscode-settings-dropdownForeground': '#3b3b3b',
      '--vscode-settings-dropdownListBorder': '#c8c8c8',
      '--vscode-settings-checkboxBackground': '#f8f8f8',
      '--vscode-settings-checkboxBorder': '#cecece',
      '--vscode-settings-checkboxForeground': '#3b3b3b',
      '--vscode-list-activeSelectionBackground': '#e8e8e8',
      '--vscode-list-activeSelectionForeground': '#000000',
      '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.16)',
      '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-charts-foreground': '#3b3b3b',
      '--vscode-charts-lines': 'rgba(59, 59, 59, 0.5)',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': 'rgba(234, 92, 0, 0.33)',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b',
      '--vscode-checkbox-background': '#f8f8f8',
      '--vscode-checkbox-border': '#cecece',
      '--vscode-checkbox-foreground': '#3b3b3b',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-border': '#cecece',
      '--vscode-dropdown-foreground': '#3b3b3b',
      '--vscode-dropdown-listBackground': '#ffffff',
      '--vscode-editorHoverWidget-background': '#f8f8f8',
      '--vscode-editorHoverWidget-foreground': '#3b3b3b',
      '--vscode-editorHoverWidget-border': '#c8c8c8',
      '--vscode-textLink-foreground': '#005fb8',
      '--vscode-textLink-activeForeground': '#005fb8',
      '--vscode-errorForeground': '#f85149',
      '--vscode-keybindingTable-rowsBackground': 'rgba(59, 59, 59, 0.04)',
      '--vscode-editorGroup-border': '#e5e5e5',
    },
  },
  highContrast: {
    bodyClass: 'vscode-high-contrast',
    variables: {
      '--vscode-settings-dropdownBackground': '#000000',
      '--vscode-settings-dropdownBorder': '#6fc3df',
      '--vscode-settings-dropdownForeground': '#ffffff',
      '--vscode-settings-dropdownListBorder': '#6fc3df',
      '--vscode-settings-checkboxBackground': '#000000',
      '--vscode-settings-checkboxBorder': '#6fc3df',
      '--vscode-settings-checkboxForeground': '#ffffff',
      '--vscode-list-focusOutline': '#f38518',
      '--vscode-list-hoverBackground': 'transparent',
      '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-focusBorder': '#f38518',
      '--vscode-charts-foreground': '#ffffff',
      '--vscode-charts-lines': 'rgba(255, 255, 255, 0.5)',
      '--vscode-charts-red': '#f48771',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#ffd700',
      '--vscode-charts-orange': '#ff8c00',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-badge-background': '#000000',
      '--vscode-badge-foreground': '#ffffff',
      '--vscode-checkbox-background': '#000000',
      '--vscode-checkbox-border': '#6fc3df',
      '--vscode-checkbox-foreground': '#ffffff',
      '--vscode-dropdown-background': '#000000',
      '--vscode-dropdown-border': '#6fc3df',
      '--vscode-dropdown-foreground': '#ffffff',
      '--vscode-dropdown-listBackground': '#000000',
      '--vscode-editorHoverWidget-background': '#0c141f',
      '--vscode-editorHoverWidget-foreground': '#ffffff',
      '--vscode-editorHoverWidget-border': '#6fc3df',
      '--vscode-textLink-foreground': '#21a6ff',
      '--vscode-textLink-activeForeground': '#21a6ff',
      '--vscode-errorForeground': '#f48771',
      '--vscode-editorGroup-border': '#6fc3df',
    },
  },
} as const;
export type ThemeName = keyof typeof THEMES;

/** A local server of the dashboard page and the extension's dist/ and media/, with the page's CSP as a header too. */
export interface DashboardServer {
  url: string;
  csp: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export async function startDashboardServer(): Promise<DashboardServer> {
  const nonce = createNonce();
  let csp = '';
  let html = '';
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
      response.end(html);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      // A browser asks for it; a VS Code webview does not.
      response.writeHead(204).end();
      return;
    }
    const relative = path.normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
    const allowed = relative.startsWith(`dist${path.sep}`) || relative.startsWith(`media${path.sep}`);
    const file = path.join(ROOT, relative);
    if (!allowed || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = (parts: readonly string[]) => `${origin}/${parts.join('/')}`;
  csp = contentSecurityPolicy(origin, nonce);
  html = dashboardHtml({
    cspSource: origin,
    nonce,
    plotlyScript: resource(DASHBOARD_RESOURCES.plotlyScript),
    webviewScript: resource(DASHBOARD_RESOURCES.webviewScript),
    stylesheet: resource(DASHBOARD_RESOURCES.stylesheet),
  });
  return { url: `${origin}/`, csp, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Launches Debian's Chromium; fails with a clear message when it is missing (the test must fail,
 * not skip). scripts/runTests.mjs installs it before the tests (bash e2e/setup.sh --debian-only).
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(chromiumExecutable)) {
    throw new Error(`${chromiumExecutable} is missing: tests that load a page need Chromium; run 'bash e2e/setup.sh --debian-only' as root (apt-get install --no-install-recommends chromium).`);
  }
  return chromium.launch({ executablePath: chromiumExecutable, args: chromiumArguments });
}

/** Problems the page reported: CSP violations, console errors, uncaught exceptions. */
export interface PageProblems {
  violations: string[];
  errors: string[];
}

/** Sets a theme the way VS Code does: variables on the html element (CSSOM), class and kind on the body. */
export async function applyTheme(page: Page, theme: ThemeName): Promise<void> {
  const { bodyClass, variables } = THEMES[theme];
  await page.evaluate(
    ({ bodyClass, variables }) => {
      const style = document.documentElement.style;
      for (let index = style.length - 1; index >= 0; index--) {
        const name = style.item(index);
        if (name.startsWith('--vscode-')) style.removeProperty(name);
      }
      for (const [name, value] of Object.entries(variables)) style.setProperty(name, value);
      document.body.className = bodyClass;
      document.body.setAttribute('data-vscode-theme-kind', bodyClass);
    },
    { bodyClass, variables: variables as Record<string, string> },
  );
}

/**
 * Opens the dashboard page with a fake `acquireVsCodeApi` (recording posted messages, keeping
 * state) and collects every CSP violation and error. `initialState` plays a state persisted by a
 * previous load (`vscode.setState`).
 */
export async function openDashboardPage(browser: Browser, server: DashboardServer, theme: ThemeName, initialState?: unknown): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: PageProblems = { violations: [], errors: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(`page: ${error.message}`));
  await page.exposeFunction('__reportViolation', (text: string) => problems.violations.push(text));
  // A script string, not a function: tsx compiles this file with esbuild's keepNames, whose
  // `__name` helper does not exist in the page.
  await page.addInitScript(`
    window.__name = (value) => value;
    window.__posted = [];
    window.__state = ${JSON.stringify(initialState ?? null)} ?? undefined;
    window.__acquireCount = 0;
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sourceFile + ':' + event.lineNumber + ') ' + event.sample);
    });
    window.acquireVsCodeApi = () => {
      window.__acquireCount += 1;
      return {
        postMessage: (message) => window.__posted.push(JSON.parse(JSON.stringify(message))),
        getState: () => window.__state,
        setState: (next) => { window.__state = next; return next; },
      };
    };
  `);
  await page.goto(server.url);
  await applyTheme(page, theme);
  return { page, problems };
}

/** Messages the webview posted so far. */
export async function postedMessages(page: Page): Promise<WebviewToHostMessage[]> {
  return page.evaluate(() => (window as unknown as { __posted: WebviewToHostMessage[] }).__posted);
}

/** Delivers a host message as VS Code does (a `message` event on the window). */
export async function sendToWebview(page: Page, message: HostToWebviewMessage): Promise<void> {
  await page.evaluate((data) => window.postMessage(data, '*'), message);
}

/** Waits until the webview posted a message of this type, and returns it. */
export async function waitForPosted<T extends WebviewToHostMessage['type']>(page: Page, type: T, count = 1): Promise<Extract<WebviewToHostMessage, { type: T }>> {
  await page.waitForFunction(
    ({ type, count }) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((message) => message.type === type).length >= count,
    { type, count },
  );
  const messages = (await postedMessages(page)).filter((message) => message.type === type);
  return messages[count - 1] as Extract<WebviewToHostMessage, { type: T }>;
}

/** Waits until every chart in `charts` was drawn (with data) at a render revision after `afterRevision`. */
export async function waitForCharts(page: Page, charts: readonly string[], afterRevision = 0): Promise<void> {
  await page.waitForFunction(
    ({ charts, afterRevision }) =>
      charts.every((chart) => {
        const card = document.querySelector<HTMLElement>(`.chart-card[data-chart="${chart}"]`);
        return card !== null && card.dataset.hasData === 'true' && Number(card.dataset.revision) > afterRevision && card.querySelector('.main-svg') !== null;
      }),
    { charts, afterRevision },
  );
}

/** The render revision of one chart (0 before its first draw). */
export async function chartRevision(page: Page, chart: string): Promise<number> {
  return page.evaluate((chart) => Number(document.querySelector<HTMLElement>(`.chart-card[data-chart="${chart}"]`)?.dataset.revision ?? 0), chart);
}
