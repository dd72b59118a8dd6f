/// <reference types="mocha" />
// The extension's features inside a real extension host (mocha, TDD interface), on the fixture
// workspace test/e2e/fixtures/workspace/ (tiny.grok.yaml: one experiment "tiny", 2 seeds × 40
// epochs): commands registered, the Experiments view and its error state with Diagnostics, a real
// run from Run Grokking Experiment shown in the Runs view, and Stop Run leaving no worker behind.
// The workspace must be trusted (the runner starts code-server with --disable-workspace-trust).
// Files this suite creates in the workspace are removed at its end, so other suites see the
// fixture as it is.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { GrokkingLabApi } from '../../src/extension/extension';
import type { RunManifest, SeedStatusFile } from '../../src/shared/runFormat';

const EXTENSION_ID = 'grokking-lab.grokking-lab';

/** Polls `check` every 100 ms until it returns a value (not undefined/false), or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface RunResult {
  runId: string;
  runDirectory: string;
}

/** The open dashboard panels, as editor tabs (a webview's tab carries its view type). */
function dashboardTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('grokkingLab.dashboard'));
}

suite('Grokking Lab features: views, a real run, Stop', function () {
  this.timeout(120_000);
  let api: GrokkingLabApi;
  let workspace: string;
  const created: string[] = [];

  suiteSetup(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the tests need the fixture workspace open');
    workspace = folder.uri.fsPath;
    const extension = vscode.extensions.getExtension<GrokkingLabApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    api = await extension.activate();
    await api.experiments.ready;
  });

  suiteTeardown(async () => {
    await api?.manager.stopAll('cancelled');
    for (const file of created) fs.rmSync(file, { recursive: true, force: true });
  });

  test('every contributed command is registered', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(extension?.isActive, true);
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed: { command: string }[] = extension?.packageJSON.contributes.commands ?? [];
    assert.ok(contributed.length >= 10);
    for (const { command } of contributed) assert.ok(registered.has(command), `${command} is not registered`);
  });

  test('the Experiments view lists the fixture: file → experiment → condition → seeds', async () => {
    const files = (await api.experimentsTree.getChildren()) ?? [];
    const file = files.find((node) => node.kind === 'file' && node.file.label.endsWith('tiny.grok.yaml'));
    assert.ok(file, `no tiny.grok.yaml among ${JSON.stringify(files.map((node) => node.kind === 'file' && node.file.label))}`);
    assert.equal((await api.experimentsTree.getTreeItem(file)).contextValue, 'experimentFile');
    const [experiment] = (await api.experimentsTree.getChildren(file)) ?? [];
    assert.equal(experiment?.kind, 'experiment');
    const experimentItem = await api.experimentsTree.getTreeItem(experiment);
    assert.equal(experimentItem.label, 'tiny');
    assert.equal(experimentItem.contextValue, 'experiment');
    const [condition] = (await api.experimentsTree.getChildren(experiment)) ?? [];
    assert.equal((await api.experimentsTree.getTreeItem(condition)).label, 'default');
    const seeds = (await api.experimentsTree.getChildren(condition)) ?? [];
    const labels = await Promise.all(seeds.map(async (seed) => (await api.experimentsTree.getTreeItem(seed)).label));
    assert.deepEqual(labels, ['seed 0', 'seed 1']);
  });

  test('an invalid file is an error item and a Problem with its line and column; the rest keeps working', async () => {
    const broken = path.join(workspace, 'broken.grok.yaml');
    created.push(broken);
    fs.writeFileSync(broken, 'experiments:\n  bad:\n    epochs: -3\n');
    const uri = vscode.Uri.file(broken);
    const diagnostics = await until('a diagnostic on broken.grok.yaml', () => {
      const found = vscode.languages.getDiagnostics(uri);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(diagnostics[0].range.start.line, 2, 'line 3 (0-based 2) holds "epochs: -3"');
    assert.equal(diagnostics[0].range.start.character, 12, 'column 13 (0-based 12): the value -3');
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diagnostics[0].source, 'Grokking Lab');

    const files = (await api.experimentsTree.getChildren()) ?? [];
    const brokenNode = files.find((node) => node.kind === 'file' && node.file.uri.fsPath === broken);
    assert.ok(brokenNode);
    assert.equal((await api.experimentsTree.getTreeItem(brokenNode)).contextValue, 'experimentFile.problems');
    const problems = (await api.experimentsTree.getChildren(brokenNode)) ?? [];
    assert.equal(problems[0]?.kind, 'problem');
    assert.ok(api.experiments.experiments.some(({ experiment }) => experiment.name === 'tiny'), 'tiny.grok.yaml still has its experiment');

    fs.rmSync(broken);
    await until('the diagnostics of the deleted file to go', () => vscode.languages.getDiagnostics(uri).length === 0);
  });

  test('New Experiment File writes a valid, commented example into the workspace and opens it', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('grokkingLab.newExperimentFile');
    assert.ok(uri, 'no file was written');
    created.push(uri.fsPath);
    assert.match(path.basename(uri.fsPath), /^experiment(-\d+)?\.grok\.yaml$/);
    assert.equal(path.dirname(uri.fsPath), workspace);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath);
    assert.match(fs.readFileSync(uri.fsPath, 'utf8'), /^# /, 'it starts with comments');
    const file = api.experiments.get(uri);
    assert.ok(file, 'the Experiments view knows the new file');
    assert.deepEqual(file.problems, []);
    assert.deepEqual(file.experiments.map((experiment) => experiment.name), ['quickstart']);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    fs.rmSync(uri.fsPath);
    await until('the new file to leave the Experiments view', () => api.experiments.get(uri) === undefined);
  });

  test('Run Grokking Experiment runs the fixture, writes a complete run folder, and the Runs view shows it', async () => {
    await vscode.window.tabGroups.close(dashboardTabs());
    const result = await vscode.commands.executeCommand<RunResult | undefined>('grokkingLab.runExperiment', { file: 'tiny.grok.yaml', experiment: 'tiny' });
    assert.ok(result, 'the command returned no run');
    created.push(result.runDirectory);
    assert.ok(result.runDirectory.startsWith(path.join(workspace, '.grokking-lab', 'runs', 'tiny')), result.runDirectory);
    // Launching opened the run's live dashboard (grokkingLab.dashboard.openOnRun is on by default).
    const [dashboard] = await until('the dashboard of the launched run', () => {
      const tabs = dashboardTabs();
      return tabs.length > 0 ? tabs : undefined;
    });
    assert.equal(dashboard.label, 'Dashboard: tiny');
    const manifest = await until(
      'the run to end',
      () => {
        const found = readJson<RunManifest>(path.join(result.runDirectory, 'run.json'));
        return found && found.status !== 'running' ? found : undefined;
      },
      90_000,
    );
    assert.equal(manifest.status, 'completed');
    assert.equal(manifest.producer, 'extension');
    assert.deepEqual(manifest.seeds, [0, 1]);
    assert.ok(fs.existsSync(path.join(result.runDirectory, 'summary.json')));
    for (const seed of [0, 1]) {
      const rows: string[] = fs.readFileSync(path.join(result.runDirectory, 'default', `seed-${seed}.jsonl`), 'utf8').trim().split('\n');
      assert.equal(rows.length, 41, 'rows 0…40');
    }

    const run = await until('the completed run in the Runs view', async () => {
      const nodes = (await api.runsTree.getChildren()) ?? [];
      return nodes.find((node) => node.kind === 'run' && node.run.runDirectory === result.runDirectory && node.run.status === 'completed');
    });
    const item = await api.runsTree.getTreeItem(run);
    assert.equal(item.label, 'tiny');
    assert.match(String(item.description), /completed · 2 seeds/);
    const [condition] = (await api.runsTree.getChildren(run)) ?? [];
    const seeds = (await api.runsTree.getChildren(condition)) ?? [];
    assert.equal(seeds.length, 2);

    // Export Report writes the self-contained HTML report of that run (Plotly and the data inlined).
    const reportFile = path.join(result.runDirectory, 'exported-report.html');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('grokkingLab.exportReport', { runDirectory: result.runDirectory, file: reportFile });
    assert.equal(written?.fsPath, reportFile);
    const html = fs.readFileSync(reportFile, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.ok(html.includes(manifest.runId), 'the report names its run');
    assert.ok(!/<script[^>]+src=/i.test(html), 'no external script: everything is inlined');
    assert.ok(html.length > 1_000_000, `Plotly inlined (${html.length} characters)`);
  });

  test('Stop Run stops the workers and leaves no worker process behind', async () => {
    const file = path.join(workspace, 'long.grok.yaml');
    created.push(file);
    fs.writeFileSync(file, 'experiments:\n  long:\n    task: { operation: add, modulus: 7, trainSize: 30 }\n    model: { hidden: 16, activation: square }\n    epochs: 1000000\n    seeds: 2\n');
    // With grokkingLab.dashboard.openOnRun off, launching opens no dashboard.
    await vscode.window.tabGroups.close(dashboardTabs());
    const settings = vscode.workspace.getConfiguration('grokkingLab');
    await settings.update('dashboard.openOnRun', false, vscode.ConfigurationTarget.Global);
    let result: RunResult | undefined;
    try {
      result = await vscode.commands.executeCommand<RunResult | undefined>('grokkingLab.runExperiment', { file: 'long.grok.yaml', experiment: 'long' });
    } finally {
      await settings.update('dashboard.openOnRun', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.ok(result);
    created.push(result.runDirectory);
    assert.deepEqual(dashboardTabs(), [], 'no dashboard opened');
    const pids = await until('a worker with rows', () => {
      const running = api.manager.workerPids;
      const rows = path.join(result.runDirectory, 'default', 'seed-0.jsonl');
      return running.length > 0 && fs.existsSync(rows) && fs.statSync(rows).size > 0 ? running : undefined;
    });
    const status = await vscode.commands.executeCommand<string | undefined>('grokkingLab.stopRun', result.runDirectory);
    assert.equal(status, 'cancelled');
    for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid} is still alive`);
    assert.equal(api.manager.workerPids.length, 0);
    assert.equal(readJson<RunManifest>(path.join(result.runDirectory, 'run.json'))?.status, 'cancelled');
    for (const seed of [0, 1]) {
      const seedStatus: SeedStatusFile | undefined = readJson<SeedStatusFile>(path.join(result.runDirectory, 'default', `seed-${seed}.status.json`));
      assert.equal(seedStatus?.status, 'cancelled');
    }
  });
});
