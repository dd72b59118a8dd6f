/**
 * Commands about runs: Stop Run, Stop All Runs, Open Dashboard, Compare Runs, Show Run Logs,
 * Reveal Run Folder, Export Run (CSV/JSON), Export Report, Re-run Missing Seeds, Delete Run, Refresh Runs. Each
 * takes a Runs-view node, a run folder path (string or Uri), or nothing (then it asks).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';
import { DisposableStore, type DisposableLike } from '../../shared/lifecycle';
import type { RunStatus } from '../../shared/runFormat';
import { recordsToCsv, runToJson } from './runExport';
import { describeRun, describeSeed, seedTimeUnit } from './runsViewText';
import { missingSeeds, type SeedState } from '../../runs/status';
import { RUN_MANIFEST, readAssignedConfigs, readRun, seedLogPath } from '../../runs/runFolder';
import { runTimeUnit } from '../../shared/timeUnit';
import { writeHtmlReport } from '../../runs/runReport';
import { followLaunchedRun, registerCommand, requireTrust } from '../commandSupport';
import type { Services } from '../services';
import type { RunEntry } from './runCatalog';
import { isRunsNode } from './runsTree';

/** A run and possibly one of its seeds, resolved from a command argument. */
interface RunTarget {
  run: RunEntry;
  seed?: SeedState;
  condition?: string;
}

function runDirectoryOf(argument: unknown): string | undefined {
  if (typeof argument === 'string') return argument;
  if (argument instanceof vscode.Uri) return argument.fsPath;
  if (typeof argument === 'object' && argument !== null && typeof (argument as { runDirectory?: unknown }).runDirectory === 'string') {
    return (argument as { runDirectory: string }).runDirectory;
  }
  return undefined;
}

/** Finds the run of an argument, or asks for one among the runs that `applies` to. */
async function resolveRun(services: Services, argument: unknown, title: string, applies: (run: RunEntry) => boolean = () => true): Promise<RunTarget | undefined> {
  if (isRunsNode(argument)) {
    const run = services.runs.get(argument.run.runDirectory) ?? argument.run;
    if (argument.kind === 'runSeed') return { run, seed: argument.seed };
    if (argument.kind === 'runCondition') return { run, condition: argument.condition };
    return { run };
  }
  const directory = runDirectoryOf(argument);
  if (directory !== undefined) {
    services.runs.refresh();
    const run = services.runs.get(directory);
    if (!run) throw new Error(`${directory} is not a run folder in the runs folder.`);
    const focus = (argument as { focus?: { condition?: unknown; seed?: unknown } }).focus;
    const seed = typeof focus === 'object' && focus !== null ? run.seeds.find((candidate) => candidate.condition === focus.condition && candidate.seed === focus.seed) : undefined;
    return seed ? { run, seed } : { run };
  }
  const candidates = services.runs.runs.filter(applies);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Grokking Lab: no run to ${title.toLowerCase()}.`);
    return undefined;
  }
  if (candidates.length === 1) return { run: candidates[0] };
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    candidates.map((run) => ({ label: run.experiment, description: describeRun(run, now), detail: run.runDirectory, run })),
    { title, placeHolder: 'Run', matchOnDescription: true, matchOnDetail: true },
  );
  return picked ? { run: picked.run } : undefined;
}

async function stopRun(services: Services, argument: unknown): Promise<RunStatus | undefined> {
  const target = await resolveRun(services, argument, COMMANDS.stopRun.title, (run) => run.active);
  if (!target) return undefined;
  if (!services.manager.activeRun(target.run.runDirectory)) {
    void vscode.window.showInformationMessage(
      target.run.status === 'running'
        ? `Grokking Lab: ${target.run.experiment} is run by another process (${target.run.manifest?.producer ?? 'unknown'}); stop it there.`
        : `Grokking Lab: ${target.run.experiment} is not running.`,
    );
    return undefined;
  }
  return services.manager.stop(target.run.runDirectory, 'cancelled');
}

async function openDashboard(services: Services, argument: unknown): Promise<void> {
  const target = await resolveRun(services, argument, COMMANDS.openDashboard.title);
  if (!target) return;
  services.statusBar.acknowledge(target.run.runDirectory);
  await services.dashboards.open({
    runDirectories: [target.run.runDirectory],
    ...(target.seed ? { focus: { runDirectory: target.run.runDirectory, condition: target.seed.condition, seed: target.seed.seed } } : {}),
  });
}

async function compareRuns(services: Services, argument: unknown, selection: unknown): Promise<void> {
  const selected = Array.isArray(selection) ? selection.filter(isRunsNode).map((node) => node.run.runDirectory) : [];
  let directories = [...new Set(selected)];
  if (directories.length < 2) {
    const now = Date.now();
    const preselected = new Set(directories.length === 1 ? directories : isRunsNode(argument) ? [argument.run.runDirectory] : []);
    const picked = await vscode.window.showQuickPick(
      services.runs.runs.map((run) => ({ label: run.experiment, description: describeRun(run, now), detail: run.runDirectory, picked: preselected.has(run.runDirectory), run })),
      { title: COMMANDS.compareRuns.title, placeHolder: 'Two or more runs to compare on shared axes', canPickMany: true, matchOnDescription: true },
    );
    if (!picked) return;
    directories = picked.map((item) => item.run.runDirectory);
  }
  if (directories.length < 2) {
    void vscode.window.showInformationMessage('Grokking Lab: pick two or more runs to compare.');
    return;
  }
  await services.dashboards.open({ runDirectories: directories });
}

async function showRunLogs(services: Services, argument: unknown): Promise<vscode.Uri | undefined> {
  const target = await resolveRun(services, argument, COMMANDS.showRunLogs.title);
  if (!target) return undefined;
  let seed = target.seed;
  if (!seed) {
    const seeds = target.run.seeds.filter((candidate) => target.condition === undefined || candidate.condition === target.condition);
    const now = Date.now();
    const picked =
      seeds.length === 1
        ? { seed: seeds[0] }
        : await vscode.window.showQuickPick(
            seeds.map((candidate) => ({ label: `${candidate.condition}/seed-${candidate.seed}`, description: describeSeed(candidate, now, seedTimeUnit(target.run, candidate.condition)), seed: candidate })),
            { title: COMMANDS.showRunLogs.title, placeHolder: 'Seed whose log to open' },
          );
    seed = picked?.seed;
  }
  if (!seed) return undefined;
  const log = seedLogPath(target.run.runDirectory, seed.condition, seed.seed);
  if (!fs.existsSync(log)) {
    services.log.show(true);
    void vscode.window.showInformationMessage(`Grokking Lab: ${seed.condition}/seed-${seed.seed} has no log yet (${seed.status}). The "Grokking Lab" output shows what the extension saw.`);
    return undefined;
  }
  const uri = vscode.Uri.file(log);
  await vscode.window.showTextDocument(uri, { preview: true });
  return uri;
}

async function revealRunFolder(services: Services, argument: unknown): Promise<void> {
  const target = await resolveRun(services, argument, COMMANDS.revealRunFolder.title);
  if (!target) return;
  const uri = vscode.Uri.file(target.run.runDirectory);
  // Inside the workspace the Explorer is the place; outside it (an absolute runs folder), the OS file manager.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

async function exportRun(services: Services, argument: unknown): Promise<vscode.Uri | undefined> {
  const target = await resolveRun(services, argument, COMMANDS.exportRun.title);
  if (!target) return undefined;
  const { run } = target;
  const base = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(run.runDirectory))?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(run.runDirectory);
  const uri = await vscode.window.showSaveDialog({
    title: `${COMMANDS.exportRun.title}: ${run.experiment} ${run.runId}`,
    defaultUri: vscode.Uri.joinPath(base, `${run.experiment}-${run.runId}.csv`),
    filters: { 'CSV (one row per seed and epoch)': ['csv'], 'JSON (the whole run)': ['json'] },
    saveLabel: 'Export',
  });
  if (!uri) return undefined;
  await writeExport(run.runDirectory, uri);
  void vscode.window.showInformationMessage(`Grokking Lab: exported ${run.experiment} ${run.runId} to ${vscode.workspace.asRelativePath(uri)}.`);
  return uri;
}

/**
 * Writes the run's self-contained HTML report (the `grokking-lab report --html` file: the summary
 * tables and the dashboard's charts, Plotly inlined, readable offline) where the user chooses, or
 * at `argument.file` when a caller passes one.
 */
async function exportReport(services: Services, argument: unknown): Promise<vscode.Uri | undefined> {
  const target = await resolveRun(services, argument, COMMANDS.exportReport.title);
  if (!target) return undefined;
  const { run } = target;
  const requested = (argument as { file?: unknown } | undefined)?.file;
  const uri =
    typeof requested === 'string'
      ? vscode.Uri.file(requested)
      : await vscode.window.showSaveDialog({
          title: `${COMMANDS.exportReport.title}: ${run.experiment} ${run.runId}`,
          defaultUri: vscode.Uri.file(path.join(run.runDirectory, 'report.html')),
          filters: { 'HTML report': ['html'] },
          saveLabel: 'Export Report',
        });
  if (!uri) return undefined;
  writeHtmlReport(run.runDirectory, uri.fsPath, services.distFolder);
  if (typeof requested !== 'string') {
    const open = 'Open in Browser';
    void vscode.window.showInformationMessage(`Grokking Lab: report of ${run.experiment} ${run.runId} written to ${vscode.workspace.asRelativePath(uri)}.`, open).then((choice) => {
      if (choice === open) void vscode.env.openExternal(uri);
    });
  }
  return uri;
}

/** Writes a run's export; the format follows the file's extension (.json, else CSV). */
export async function writeExport(runDirectory: string, uri: vscode.Uri): Promise<void> {
  const contents = readRun(runDirectory);
  const seeds = contents.seeds.map((seed) => ({ condition: seed.condition, seed: seed.seed, ...(seed.status ? { status: seed.status.status } : {}), records: seed.records }));
  const text = uri.path.toLowerCase().endsWith('.json')
    ? runToJson({ manifest: contents.manifest ?? null, summary: contents.summary ?? null, events: contents.events, seeds })
    : recordsToCsv(seeds, runTimeUnit(contents.manifest ?? Object.values(readAssignedConfigs(runDirectory, contents.seeds))));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

async function rerunMissingSeeds(services: Services, argument: unknown): Promise<{ runDirectory: string; seeds: number } | undefined> {
  const target = await resolveRun(services, argument, COMMANDS.rerunMissingSeeds.title, (run) => run.status !== 'running' && missingSeeds(run.seeds).length > 0);
  if (!target) return undefined;
  const { run } = target;
  if (run.active || run.status === 'running') throw new Error(`${run.experiment} ${run.runId} is still running: stop it or wait for it to end first.`);
  if (missingSeeds(run.seeds).length === 0) {
    void vscode.window.showInformationMessage(`Grokking Lab: every seed of ${run.experiment} ${run.runId} has a result; nothing to re-run.`);
    return undefined;
  }
  if (!(await requireTrust('Re-running seeds'))) return undefined;
  const active = await services.manager.rerunMissingSeeds(run.runDirectory);
  await followLaunchedRun(services, active, (status) => void vscode.window.showInformationMessage(`Grokking Lab: re-run of ${active.experiment} ${active.runId} ${status}.`));
  return { runDirectory: active.runDirectory, seeds: active.seeds.length };
}

async function deleteRun(services: Services, argument: unknown): Promise<boolean> {
  const target = await resolveRun(services, argument, COMMANDS.deleteRun.title, (run) => run.status !== 'running');
  if (!target) return false;
  const { run } = target;
  if (run.active || run.status === 'running') {
    void vscode.window.showWarningMessage(`Grokking Lab: ${run.experiment} ${run.runId} is running: stop it before deleting it.`);
    return false;
  }
  if (!(await requireTrust('Deleting a run'))) return false;
  const remove = 'Delete';
  const choice = await vscode.window.showWarningMessage(
    `Delete the run ${run.experiment} ${run.runId}?`,
    { modal: true, detail: `Its folder ${run.runDirectory} and every record, log and summary in it will be deleted. This cannot be undone.` },
    remove,
  );
  if (choice !== remove) return false;
  // Only a run folder: <runs folder>/<experiment>/<run id> holding run.json (never anything above it).
  if (path.dirname(path.dirname(run.runDirectory)) !== run.runsFolder || !fs.existsSync(path.join(run.runDirectory, RUN_MANIFEST))) {
    throw new Error(`${run.runDirectory} does not look like a run folder; nothing was deleted.`);
  }
  await fs.promises.rm(run.runDirectory, { recursive: true, force: true });
  services.log.info(`Deleted run ${run.runId} of "${run.experiment}" (${run.runDirectory}).`);
  services.statusBar.forgetRun(run.runDirectory);
  services.runs.refresh();
  return true;
}

/** Registers the run commands. */
export function registerRunCommands(services: Services): DisposableLike {
  const store = new DisposableStore();
  const { log } = services;
  store.add(registerCommand(log, 'stopRun', (argument) => stopRun(services, argument)));
  store.add(registerCommand(log, 'stopAllRuns', () => services.manager.stopAll('cancelled')));
  store.add(registerCommand(log, 'openDashboard', (argument) => openDashboard(services, argument)));
  store.add(registerCommand(log, 'compareRuns', (argument, selection) => compareRuns(services, argument, selection)));
  store.add(registerCommand(log, 'showRunLogs', (argument) => showRunLogs(services, argument)));
  store.add(registerCommand(log, 'revealRunFolder', (argument) => revealRunFolder(services, argument)));
  store.add(registerCommand(log, 'exportRun', (argument) => exportRun(services, argument)));
  store.add(registerCommand(log, 'exportReport', (argument) => exportReport(services, argument)));
  store.add(registerCommand(log, 'rerunMissingSeeds', (argument) => rerunMissingSeeds(services, argument)));
  store.add(registerCommand(log, 'deleteRun', (argument) => deleteRun(services, argument)));
  store.add(registerCommand(log, 'refreshRuns', () => services.runs.refresh()));
  return store;
}
