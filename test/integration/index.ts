/**
 * The integration suite's entry for VS Code's extension-test mode (`extensionTestsPath`): the
 * extension host loads this module and calls `run()`; a rejected promise means failure. The same
 * entry serves @vscode/test-electron on a desktop VS Code and code-server here (docs/e2e.md §3).
 * e2e/globalSetup.ts bundles it to .tmp/e2e/integration/index.js next to one bundle per test file.
 */
import Mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One test (or hook) that mocha finished. */
export interface IntegrationTestResult {
  /** Suite and test titles joined by spaces, as mocha's `fullTitle()`. */
  readonly title: string;
  readonly state: 'passed' | 'failed';
  /** Milliseconds, as measured by mocha. */
  readonly durationMs: number;
  /** The failure's stack (or message) when `state` is `failed`. */
  readonly error?: string;
}

/** What `run()` writes to $GROKKING_LAB_E2E_RESULTS, for scripts/runE2e.mjs to count. */
export interface IntegrationResults {
  readonly passed: number;
  readonly failed: number;
  readonly tests: readonly IntegrationTestResult[];
}

/** Runs every `*.test.js` next to this file with mocha (TDD interface: `suite`, `test`). */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  const testFiles = fs.readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort();
  for (const name of testFiles) mocha.addFile(path.join(__dirname, name));

  const tests: IntegrationTestResult[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const results: IntegrationResults = {
        passed: tests.filter((test) => test.state === 'passed').length,
        failed: tests.filter((test) => test.state === 'failed').length,
        tests,
      };
      const resultsFile = process.env.GROKKING_LAB_E2E_RESULTS;
      if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
      if (testFiles.length === 0) reject(new Error(`No *.test.js next to ${__filename}.`));
      else if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
      else resolve();
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test) => {
      tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 });
    });
    // Also fires for a failing hook, which fails the tests it guards: count it as a failure.
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, error: Error) => {
      tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration ?? 0, error: error.stack ?? String(error) });
    });
  });
}
