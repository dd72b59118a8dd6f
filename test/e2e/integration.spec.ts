// Runs the mocha suite of test/integration in VS Code's extension-test mode: the code-server
// started with the smoke-test driver loads this repository as the extension under development and
// the bundled suite as extensionTestsPath, runs it in its Node extension host, and reports the exit
// code to the page through window.codeAutomationExit (docs/e2e.md §3).
import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { extensionTestPort, integrationBundleFolder, integrationResultsFile, repositoryRoot, serverLog } from '../../e2e/environment';
import type { IntegrationResults } from '../integration/index';
import { openWorkbench } from './workbench';

/** Workbench chatter unrelated to the extension, left out of the log shown on failure. */
const noise = new RegExp([
  'AgentHost', 'ChatModelSelection', 'AccountPolicyGate', 'vsda', 'open-vsx', 'events\\.data\\.microsoft',
  'connection token', 'Creating a socket', 'reconnection-grace-time', 'Service Worker', 'web worker extension host',
  'builtin extensions', "authentication provider 'github'", 'workbench\\.js:',
].join('|'));

test('the integration suite passes in the Node extension host (extension-test mode)', async ({ page }) => {
  // Starting the extension host and a suite that launches real training runs takes a while.
  test.setTimeout(300_000);
  // The payload's URIs must name the remote (the page's host:port): a plain path would be taken
  // as a local file of the browser.
  const remote = (file: string) => `vscode-remote://127.0.0.1:${extensionTestPort}${file}`;
  const payload = [
    ['extensionDevelopmentPath', remote(repositoryRoot)],
    ['extensionTestsPath', remote(path.join(integrationBundleFolder, 'index.js'))],
  ];

  let reportExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (reportExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));

  // The extension host's console arrives as ('%c LEVEL', css, format, ...arguments).
  const log: string[] = [];
  page.on('console', async (message) => {
    const values = await Promise.all(message.args().map((argument) => argument.jsonValue().catch(() => '?')));
    if (typeof values[0] === 'string' && values[0].startsWith('%c')) values.splice(0, 2);
    const line = format(...values);
    if (!noise.test(line)) log.push(line);
  });

  await openWorkbench(page, 'exttest', `&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const exitCode = await exited;

  const consoleLog = () => `extension host console:\n${log.join('\n')}\nserver log: ${serverLog('exttest')}`;
  expect(fs.existsSync(integrationResultsFile), `the suite wrote no ${integrationResultsFile}\n${consoleLog()}`).toBe(true);
  const results = JSON.parse(fs.readFileSync(integrationResultsFile, 'utf8')) as IntegrationResults;
  for (const result of results.tests) console.log(`    ${result.state === 'passed' ? '✔' : '✘'} ${result.title}`);
  console.log(`    integration suite: ${results.passed} passing, ${results.failed} failing`);
  const failures = results.tests.filter((result) => result.state === 'failed').map((result) => `✘ ${result.title}\n${result.error}`);
  expect(results.failed, failures.join('\n\n')).toBe(0);
  expect(results.passed, 'no integration test ran').toBeGreaterThan(0);
  expect(exitCode, consoleLog()).toBe(0);
});
