/**
 * Playwright's global setup: bundles the integration suite (test/integration, run by VS Code's
 * extension-test mode) into .tmp/e2e/integration/ with esbuild, as `index.js` (the
 * extensionTestsPath, mocha included) plus one `<name>.test.js` per test file, which index.js finds
 * next to itself. CommonJS for Node 20, so that @vscode/test-electron on a desktop VS Code 1.90
 * (Electron's Node 20) runs the same files; `vscode` stays external.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { integrationBundleFolder, repositoryRoot } from './environment';

export default async function bundleIntegrationSuite(): Promise<void> {
  const sourceFolder = path.join(repositoryRoot, 'test', 'integration');
  const testFiles = fs.readdirSync(sourceFolder).filter((name) => name.endsWith('.test.ts')).sort();
  // A deleted test file must not leave its old bundle behind for index.js to find.
  fs.rmSync(integrationBundleFolder, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: ['index.ts', ...testFiles].map((name) => path.join(sourceFolder, name)),
    outdir: integrationBundleFolder,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'warning',
    // Mocha's parallel mode (worker files found with require.resolve) is not used here.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
}
