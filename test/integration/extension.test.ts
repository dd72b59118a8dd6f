/// <reference types="mocha" />
// Smoke test of the integration suite: it runs inside a real extension host (code-server's here,
// Electron's under @vscode/test-electron) with this repository as the extension under development
// and test/e2e/fixtures/workspace as the workspace.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const extensionId = 'grokking-lab.grokking-lab';

/** `[major, minor, patch]` of a version such as `1.139.1` or a range such as `^1.90.0`. */
function versionParts(version: string): number[] {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(version);
  assert.ok(match, `not a version: ${version}`);
  return match.slice(1, 4).map(Number);
}

function compareVersions(left: number[], right: number[]): number {
  for (let index = 0; index < 3; index++) {
    if (left[index] !== right[index]) return left[index] - right[index];
  }
  return 0;
}

function ourExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(extensionId);
  assert.ok(extension, `${extensionId} is not among the extensions of this host`);
  return extension;
}

suite('Grokking Lab in a real extension host', () => {
  test('the extension under development is loaded from this repository', () => {
    const extension = ourExtension();
    const manifest = extension.packageJSON as { name: string; publisher: string; displayName: string };
    assert.equal(manifest.publisher, 'grokking-lab');
    assert.equal(manifest.name, 'grokking-lab');
    assert.equal(manifest.displayName, 'Grokking Lab');
    // Bundled at <repository>/.tmp/e2e/integration/, three levels below the repository root.
    assert.equal(extension.extensionUri.fsPath, path.resolve(__dirname, '..', '..', '..'));
  });

  test('VS Code is at least the version that engines.vscode asks for', () => {
    const engines = (ourExtension().packageJSON as { engines: { vscode: string } }).engines;
    assert.ok(
      compareVersions(versionParts(vscode.version), versionParts(engines.vscode)) >= 0,
      `vscode.version ${vscode.version} is older than engines.vscode ${engines.vscode}`,
    );
  });

  test('the extension activates', async () => {
    const extension = ourExtension();
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('the fixture workspace with tiny.grok.yaml is open', async () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 1);
    const files = await vscode.workspace.findFiles('**/*.grok.yaml');
    assert.deepEqual(files.map((file) => path.basename(file.fsPath)), ['tiny.grok.yaml']);
  });
});
