/**
 * Commands about experiment files: Run Grokking Experiment (from the palette, the Experiments view,
 * an editor or the explorer), Open Experiment File, New Experiment File, Refresh Experiments.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';
import type { ResolvedExperiment } from '../../shared/config/types';
import { EXPERIMENT_TEMPLATE, uniqueExperimentFileName } from './experimentTemplate';
import { describeExperimentSize, describeGrid } from './experimentsView';
import { DisposableStore, type DisposableLike } from '../../shared/lifecycle';
import { followLaunchedRun, registerCommand, requireTrust } from '../commandSupport';
import type { Services } from '../services';
import { engineOverride, runsFolderOf } from '../settings';
import type { ExperimentFile } from './experimentCatalog';
import { isExperimentsNode, openExperimentCommand } from './experimentsTree';

/** A programmatic argument of Run Grokking Experiment (tests, other extensions, keybindings). */
export interface RunExperimentArgument {
  /** The experiment file: an absolute path, or relative to the first workspace folder. */
  file: string;
  experiment: string;
  /** Conditions to run (default: all). */
  conditions?: string[];
}

/** What Run Grokking Experiment returns: where the run goes (it keeps running after the command returns). */
export interface RunExperimentResult {
  runId: string;
  runDirectory: string;
}

interface Target {
  file: ExperimentFile;
  experiment: ResolvedExperiment;
  conditions?: string[];
}

function isRunExperimentArgument(value: unknown): value is RunExperimentArgument {
  return typeof value === 'object' && value !== null && typeof (value as RunExperimentArgument).file === 'string' && typeof (value as RunExperimentArgument).experiment === 'string';
}

async function pickExperiment(files: readonly ExperimentFile[]): Promise<Target | undefined> {
  const choices = files.flatMap((file) => file.experiments.map((experiment) => ({ file, experiment })));
  if (choices.length === 1) return choices[0];
  if (choices.length === 0) {
    const broken = files.filter((file) => file.problems.length > 0);
    if (broken.length > 0) {
      const show = 'Show Problems';
      const choice = await vscode.window.showErrorMessage(
        `Grokking Lab: ${broken.map((file) => file.label).join(', ')} ${broken.length === 1 ? 'has' : 'have'} problems and no valid experiment to run.`,
        show,
      );
      if (choice === show) await vscode.commands.executeCommand('workbench.actions.view.problems');
      return undefined;
    }
    const create = COMMANDS.newExperimentFile.title;
    const choice = await vscode.window.showInformationMessage('Grokking Lab: no experiments yet. Experiments are defined in *.grok.yaml files of the workspace.', create);
    if (choice === create) await vscode.commands.executeCommand(COMMANDS.newExperimentFile.id);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    choices.map((choice) => ({
      label: choice.experiment.name,
      description: choice.file.label,
      detail: [
        choice.experiment.description,
        // A grid can expand to hundreds of conditions: show its keys instead of every name.
        choice.experiment.grid
          ? `${describeExperimentSize(choice.experiment)} (grid: ${describeGrid(choice.experiment)})`
          : `${choice.experiment.conditions.map((condition) => condition.name).join(', ')} × ${choice.experiment.seeds.length} seed(s)`,
      ]
        .filter(Boolean)
        .join(' — '),
      choice,
    })),
    { title: COMMANDS.runExperiment.title, placeHolder: 'Experiment to run', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.choice;
}

async function resolveTarget(services: Services, argument: unknown): Promise<Target | undefined> {
  const { experiments } = services;
  await experiments.ready;
  if (isExperimentsNode(argument)) {
    switch (argument.kind) {
      case 'experiment':
        return { file: argument.file, experiment: argument.experiment };
      case 'condition':
      case 'seed':
        return { file: argument.file, experiment: argument.experiment, conditions: [argument.condition.name] };
      case 'file':
      case 'problem':
        return pickExperiment([argument.file]);
    }
  }
  if (isRunExperimentArgument(argument)) {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const absolute = path.isAbsolute(argument.file) ? argument.file : path.resolve(root ?? '', argument.file);
    const file = await experiments.reload(vscode.Uri.file(absolute));
    const experiment = file?.experiments.find((candidate) => candidate.name === argument.experiment);
    if (!file || !experiment) throw new Error(`${argument.file} has no valid experiment "${argument.experiment}".`);
    return { file, experiment, conditions: argument.conditions };
  }
  const uri = argument instanceof vscode.Uri ? argument : vscode.window.activeTextEditor?.document.uri;
  if (uri && uri.path.endsWith('.grok.yaml')) {
    const file = experiments.get(uri) ?? (await experiments.reload(uri));
    if (file) return pickExperiment([file]);
  }
  return pickExperiment(experiments.all);
}

async function runExperiment(services: Services, argument: unknown): Promise<RunExperimentResult | undefined> {
  const target = await resolveTarget(services, argument);
  if (!target) return undefined;
  if (!(await requireTrust('Running an experiment'))) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(target.file.uri);
  if (!folder) throw new Error(`${target.file.uri.fsPath} is outside the workspace folders: open its folder to run it.`);
  const run = await services.manager.launch({
    experiment: target.experiment,
    conditions: target.conditions,
    runsFolder: runsFolderOf(folder),
    file: path.relative(folder.uri.fsPath, target.file.uri.fsPath) || target.file.label,
    fileDirectory: path.dirname(target.file.uri.fsPath),
    engine: engineOverride(folder.uri),
  });
  await followLaunchedRun(services, run, (status) => {
    const openDashboard = COMMANDS.openDashboard.title;
    const show = status === 'completed' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(`Grokking Lab: ${run.experiment} ${status}.`, openDashboard).then((choice) => {
      if (choice === openDashboard) void vscode.commands.executeCommand(COMMANDS.openDashboard.id, { runDirectory: run.runDirectory });
    });
  });
  return { runId: run.runId, runDirectory: run.runDirectory };
}

async function openExperiment(services: Services, argument: unknown): Promise<void> {
  if (isExperimentsNode(argument)) {
    const command = openExperimentCommand(argument.file, 'experiment' in argument ? argument.experiment : undefined);
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    return;
  }
  const target = await pickExperiment(services.experiments.all);
  if (target) {
    const command = openExperimentCommand(target.file, target.experiment);
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
  }
}

async function newExperimentFile(services: Services): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    const open = 'Open Folder';
    const choice = await vscode.window.showInformationMessage('Grokking Lab: experiment files live in a workspace folder. Open a folder first.', open);
    if (choice === open) await vscode.commands.executeCommand('vscode.openFolder');
    return undefined;
  }
  const folder = folders.length === 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder for the new experiment file' });
  if (!folder) return undefined;
  let existing: Set<string>;
  try {
    existing = new Set(fs.readdirSync(folder.uri.fsPath));
  } catch {
    existing = new Set();
  }
  const uri = vscode.Uri.joinPath(folder.uri, uniqueExperimentFileName(existing));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(EXPERIMENT_TEMPLATE));
  await vscode.window.showTextDocument(uri);
  await services.experiments.reload(uri);
  return uri;
}

/** Registers the experiment commands. */
export function registerExperimentCommands(services: Services): DisposableLike {
  const store = new DisposableStore();
  const { log } = services;
  store.add(registerCommand(log, 'runExperiment', (argument) => runExperiment(services, argument)));
  store.add(registerCommand(log, 'openExperiment', (argument) => openExperiment(services, argument)));
  store.add(registerCommand(log, 'newExperimentFile', () => newExperimentFile(services)));
  store.add(registerCommand(log, 'refreshExperiments', () => services.experiments.refresh()));
  return store;
}
