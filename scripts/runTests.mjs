// Runs every unit test (test/unit/**/*.test.ts) with Node's test runner and the tsx loader.
// Extra arguments filter the files by substring: `npm run test:unit -- config eigen`.
// Some unit tests load pages in Debian's Chromium (test/unit/webviewHarness.ts), so the Debian
// packages of the test toolchain are installed first (`bash e2e/setup.sh --debian-only`: a check
// of a second when they are there, apt-get as root when not). Without them (no root) the tests
// still run, and those that need the browser fail with a message saying how to install it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
function findTests(directory) {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}
const filters = process.argv.slice(2);
const files = findTests(path.join(root, 'test', 'unit'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}
const setup = spawnSync('bash', [path.join(root, 'e2e', 'setup.sh'), '--debian-only'], { cwd: root, stdio: 'inherit' });
if (setup.status !== 0) {
  console.error('Warning: the Debian packages of the test toolchain are not installed (see above); the tests that need Chromium will fail.');
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
