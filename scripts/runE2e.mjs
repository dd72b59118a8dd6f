// Runs the end-to-end tests in a real VS Code (code-server, docs/e2e.md): installs or checks the
// toolchain (e2e/setup.sh), then runs Playwright (e2e/playwright.config.ts), which starts two
// throw-away code-servers and runs the UI specs of test/e2e and the mocha suite of
// test/integration in VS Code's extension-test mode. Counts every UI spec and every mocha test,
// checks that no process of the run is left behind, and ends with `E2E: N passed, N failed`.
// Extra arguments go to `playwright test` (for example a spec file name: `smoke`).
// Expects a built extension (`npm run build`); packaging the .vsix runs its vscode:prepublish.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
/** The spec that runs the mocha suite: counted by the mocha tests it ran, not as one test. */
const integrationSpec = 'integration.spec.ts';

/** A TCP port free on 127.0.0.1 right now (the OS picks it), so parallel runs do not collide. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function seconds(start) {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

/** Every test of a Playwright JSON report, with the spec file it is in. */
function reportTests(suite, file = suite.file) {
  const own = (suite.specs ?? []).flatMap((spec) => spec.tests.map((test) => ({ file: spec.file ?? file, title: spec.title, status: test.status })));
  return [...own, ...(suite.suites ?? []).flatMap((child) => reportTests(child, child.file ?? file))];
}

/**
 * Live processes started for the run folder `runFolder`: e2e/code-server.sh exports
 * GROKKING_LAB_E2E_RUN_DIR, so code-server, its helpers, the extension host and every process the
 * extension spawns carry it in their environment (their command lines need not mention it).
 */
function processesOfRun(runFolder) {
  const marker = `\0GROKKING_LAB_E2E_RUN_DIR=${runFolder}\0`;
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!`\0${fs.readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(marker)) continue;
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      found.push({ pid: Number(entry), commandLine });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** The processes of the run still alive after `graceMs` (killed process groups take a moment). */
async function processesLeftBehind(runFolder, graceMs = 5_000) {
  const deadline = performance.now() + graceMs;
  let left = processesOfRun(runFolder);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = processesOfRun(runFolder);
  }
  return left;
}

function printLogTail(file, lines = 30) {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  console.log(`--- last ${lines} lines of ${file}\n${text}\n---`);
}

async function main() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;

  const setupStart = performance.now();
  const setup = spawnSync('bash', [path.join(root, 'e2e', 'setup.sh')], { cwd: root, stdio: 'inherit' });
  if (setup.status !== 0) {
    console.log('E2E: toolchain setup failed (e2e/setup.sh)');
    return { passed, failed: failed + 1, skipped };
  }
  console.log(`e2e: toolchain ready in ${seconds(setupStart)}`);

  const runFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'grokking-lab-e2e.'));
  const reportFile = path.join(runFolder, 'playwright-report.json');
  const env = {
    ...process.env,
    GROKKING_LAB_E2E_RUN_DIR: runFolder,
    GROKKING_LAB_E2E_UI_PORT: String(await freePort()),
    GROKKING_LAB_E2E_EXTTEST_PORT: String(await freePort()),
    GROKKING_LAB_E2E_REPORT: reportFile,
  };

  const testStart = performance.now();
  const playwright = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '-c', path.join('e2e', 'playwright.config.ts'), ...process.argv.slice(2)],
    { cwd: root, env, stdio: 'inherit' },
  );
  console.log(`e2e: playwright finished in ${seconds(testStart)} with exit code ${playwright.status ?? playwright.signal}`);

  const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined;
  if (!report) {
    console.log(`e2e: no Playwright report in ${reportFile}`);
    failed += 1;
  } else {
    for (const test of reportTests(report)) {
      const ok = test.status === 'expected' || test.status === 'flaky';
      if (path.basename(test.file) === integrationSpec) {
        const resultsFile = path.join(runFolder, 'integration-results.json');
        const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : undefined;
        passed += results?.passed ?? 0;
        failed += results?.failed ?? 0;
        // A failure the mocha counts do not show (no results, no test file, a crash): count it once.
        if (test.status === 'skipped') skipped += 1;
        else if (!ok && !(results?.failed > 0)) failed += 1;
      } else if (test.status === 'skipped') {
        skipped += 1;
      } else if (ok) {
        passed += 1;
      } else {
        failed += 1;
      }
    }
    // Errors outside any test: a code-server that did not start, a global setup that threw.
    failed += report.errors?.length ?? 0;
  }
  if (playwright.status !== 0 && failed === 0) failed += 1;

  // Playwright kills each code-server's process group; a process of this run that outlives it
  // (say, a training worker in a process group of its own) was orphaned. End those processes (this
  // run started them) and count the leak as a failure.
  const leftBehind = await processesLeftBehind(runFolder);
  if (leftBehind.length > 0) {
    console.log(`e2e: FAILED: ${leftBehind.length} process(es) of this run were left behind:`);
    for (const { pid, commandLine } of leftBehind) {
      console.log(`  ${pid} ${commandLine.slice(0, 200)}`);
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    failed += 1;
  }

  if (failed > 0) {
    for (const mode of ['ui', 'exttest']) printLogTail(path.join(runFolder, mode, 'code-server.log'));
    console.log(`e2e: run folder kept for inspection: ${runFolder}`);
  } else {
    fs.rmSync(runFolder, { recursive: true, force: true });
  }
  if (passed + failed === 0) {
    console.log('e2e: no test ran');
    failed += 1;
  }
  return { passed, failed, skipped };
}

const { passed, failed, skipped } = await main();
console.log(`E2E: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
