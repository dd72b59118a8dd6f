/**
 * The Experiments view: file → experiment → condition → seed, with an error state for files with
 * problems (the file item turns red and lists its problems; its valid experiments still show).
 * Inline actions (package.json menus) run an experiment or a condition and open the YAML.
 */
import * as vscode from 'vscode';
import { TREE_ITEM_CONTEXTS } from '../commands';
import { formatProblem } from '../../shared/config/parse';
import type { ConfigProblem, ResolvedCondition, ResolvedExperiment } from '../../shared/config/types';
import { conditionTooltip, describeConditionItem, describeExperimentSize, describeGrid } from './experimentsView';
import { Disposable } from '../../shared/lifecycle';
import { problemRange, type ExperimentCatalog, type ExperimentFile } from './experimentCatalog';
import { plural } from '../../shared/text';

/** A node of the Experiments view; commands invoked from the view receive these. */
export type ExperimentsNode =
  | { kind: 'file'; file: ExperimentFile }
  | { kind: 'problem'; file: ExperimentFile; problem: ConfigProblem }
  | { kind: 'experiment'; file: ExperimentFile; experiment: ResolvedExperiment }
  | { kind: 'condition'; file: ExperimentFile; experiment: ResolvedExperiment; condition: ResolvedCondition }
  | { kind: 'seed'; file: ExperimentFile; experiment: ResolvedExperiment; condition: ResolvedCondition; seed: number };

/** True for an Experiments-view node (command arguments come untyped). */
export function isExperimentsNode(value: unknown): value is ExperimentsNode {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (kind === 'file' || kind === 'problem' || kind === 'experiment' || kind === 'condition' || kind === 'seed') && 'file' in value;
}


function openAt(uri: vscode.Uri, line: number, column: number): vscode.Command {
  const position = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
  return {
    command: 'vscode.open',
    title: 'Open',
    arguments: [uri, { selection: new vscode.Range(position, position) } satisfies vscode.TextDocumentShowOptions],
  };
}

export class ExperimentsTree extends Disposable implements vscode.TreeDataProvider<ExperimentsNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<ExperimentsNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(private readonly catalog: ExperimentCatalog) {
    super();
    this._register(catalog.onDidChange(() => this._onDidChangeTreeData.fire(undefined)));
  }

  getChildren(node?: ExperimentsNode): ExperimentsNode[] {
    if (!node) return this.catalog.all.map((file) => ({ kind: 'file', file }));
    switch (node.kind) {
      case 'file':
        return [
          ...node.file.problems.map((problem): ExperimentsNode => ({ kind: 'problem', file: node.file, problem })),
          ...node.file.experiments.map((experiment): ExperimentsNode => ({ kind: 'experiment', file: node.file, experiment })),
        ];
      case 'experiment':
        return node.experiment.conditions.map((condition) => ({ kind: 'condition', file: node.file, experiment: node.experiment, condition }));
      case 'condition':
        return node.experiment.seeds.map((seed) => ({ kind: 'seed', file: node.file, experiment: node.experiment, condition: node.condition, seed }));
      case 'problem':
      case 'seed':
        return [];
      default: {
        const unknown: never = node;
        throw new Error(`unknown node ${JSON.stringify(unknown)}`);
      }
    }
  }

  getTreeItem(node: ExperimentsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'file': {
        const { file } = node;
        const broken = file.problems.length > 0 || file.readError !== undefined;
        const item = new vscode.TreeItem(file.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `file:${file.uri.toString()}`;
        item.resourceUri = file.uri;
        item.contextValue = broken ? TREE_ITEM_CONTEXTS.experimentFileWithProblems : TREE_ITEM_CONTEXTS.experimentFile;
        if (file.readError !== undefined) {
          item.description = `cannot be read: ${file.readError}`;
          item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        } else if (broken) {
          item.description = `${plural(file.problems.length, 'problem')}${file.experiments.length > 0 ? ` · ${plural(file.experiments.length, 'valid experiment')}` : ''}`;
          item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        } else {
          item.description = plural(file.experiments.length, 'experiment');
          item.iconPath = vscode.ThemeIcon.File;
        }
        item.tooltip = file.uri.fsPath;
        item.command = { command: 'vscode.open', title: 'Open', arguments: [file.uri] };
        return item;
      }
      case 'problem': {
        const { problem } = node;
        const item = new vscode.TreeItem(problem.message, vscode.TreeItemCollapsibleState.None);
        item.description = `line ${problem.position.line}, column ${problem.position.column}`;
        item.tooltip = formatProblem(problem);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.contextValue = TREE_ITEM_CONTEXTS.experimentProblem;
        const range = problemRange(problem);
        item.command = { command: 'vscode.open', title: 'Open', arguments: [node.file.uri, { selection: range } satisfies vscode.TextDocumentShowOptions] };
        return item;
      }
      case 'experiment': {
        const { experiment } = node;
        const item = new vscode.TreeItem(experiment.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `experiment:${node.file.uri.toString()}#${experiment.name}`;
        item.description = describeExperimentSize(experiment);
        const tooltip = new vscode.MarkdownString(undefined, true);
        tooltip.appendMarkdown(`**${experiment.name}**`);
        if (experiment.description) tooltip.appendMarkdown(`\n\n${experiment.description}`);
        const grid = describeGrid(experiment);
        // A grid can have hundreds of points: name its keys rather than every condition.
        tooltip.appendText(`\n\n${grid ? `Grid: ${grid}` : `Conditions: ${experiment.conditions.map((condition) => condition.name).join(', ')}`}`);
        tooltip.appendMarkdown('  \n');
        tooltip.appendText(`Seeds: ${experiment.seeds.join(', ')}`);
        item.tooltip = tooltip;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = TREE_ITEM_CONTEXTS.experiment;
        return item;
      }
      case 'condition': {
        const item = new vscode.TreeItem(node.condition.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `condition:${node.file.uri.toString()}#${node.experiment.name}/${node.condition.name}`;
        item.description = describeConditionItem(node.experiment, node.condition);
        item.tooltip = conditionTooltip(node.experiment, node.condition);
        item.iconPath = new vscode.ThemeIcon('symbol-variable');
        item.contextValue = TREE_ITEM_CONTEXTS.condition;
        return item;
      }
      case 'seed': {
        const item = new vscode.TreeItem(`seed ${node.seed}`, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('symbol-number');
        item.contextValue = TREE_ITEM_CONTEXTS.experimentSeed;
        return item;
      }
      default: {
        const unknown: never = node;
        throw new Error(`unknown node ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** The command that reveals an experiment's key in its file (the Open inline action). */
export function openExperimentCommand(file: ExperimentFile, experiment?: ResolvedExperiment): vscode.Command {
  return experiment ? openAt(file.uri, experiment.source.line, experiment.source.column) : { command: 'vscode.open', title: 'Open', arguments: [file.uri] };
}
