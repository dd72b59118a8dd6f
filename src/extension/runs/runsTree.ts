/**
 * The Runs view (the run explorer): run → condition → seed, newest run first, with status icons
 * and descriptions from ./runsViewText.ts. Inline Stop and Open Dashboard on runs; export,
 * reveal, logs, re-run and delete in the context menu (package.json menus, by contextValue).
 */
import * as vscode from 'vscode';
import { TREE_ITEM_CONTEXTS } from '../commands';
import { Disposable } from '../../shared/lifecycle';
import { describeCondition, describeRun, describeSeed, formatStartTime, runIcon, seedIcon, seedTimeUnit, type StatusIcon } from './runsViewText';
import { timeWords } from '../../shared/timeUnit';
import { missingSeeds, type SeedState } from '../../runs/status';
import type { RunCatalog, RunEntry } from './runCatalog';

/** A node of the Runs view; commands invoked from the view receive these. */
export type RunsNode =
  | { kind: 'run'; run: RunEntry }
  | { kind: 'runCondition'; run: RunEntry; condition: string }
  | { kind: 'runSeed'; run: RunEntry; seed: SeedState };

/** True for a Runs-view node (command arguments come untyped). */
export function isRunsNode(value: unknown): value is RunsNode {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (kind === 'run' || kind === 'runCondition' || kind === 'runSeed') && 'run' in value;
}

function themeIcon(icon: StatusIcon): vscode.ThemeIcon {
  return new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
}

/** The contextValue of a run item: whether Stop applies (runs of this window), and whether Re-run Missing Seeds and Delete do (finished runs). */
export function runContextValue(run: RunEntry): string {
  if (run.active) return TREE_ITEM_CONTEXTS.runActive;
  if (run.status === 'running') return TREE_ITEM_CONTEXTS.runForeign;
  return missingSeeds(run.seeds).length > 0 ? TREE_ITEM_CONTEXTS.runIdleIncomplete : TREE_ITEM_CONTEXTS.runIdleComplete;
}

function runTooltip(run: RunEntry): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString(undefined, true);
  const manifest = run.manifest;
  const lines = [
    `**${run.experiment}** — ${run.status}`,
    manifest?.description,
    `Run \`${run.runId}\``,
    manifest ? `From \`${manifest.file}\` by ${manifest.producer}${manifest.host ? ` on ${manifest.host}` : ''}` : undefined,
    manifest
      ? `Engine ${manifest.engine.name}${manifest.engine.backend ? ` (${manifest.engine.backend})` : ''}, ` +
        `${manifest.seeds.length} seed(s) × ${manifest.conditions.length} condition(s)`
      : undefined,
    manifest?.git ? `Git ${manifest.git.commit.slice(0, 10)}${manifest.git.dirty ? ' (uncommitted changes)' : ''}` : undefined,
    run.startTime ? `Started ${formatStartTime(run.startTime)}${run.endTime ? `, ended ${formatStartTime(run.endTime)}` : ''}` : undefined,
    `\`${run.runDirectory}\``,
  ];
  tooltip.appendMarkdown(lines.filter((line) => line !== undefined).join('  \n'));
  return tooltip;
}

export class RunsTree extends Disposable implements vscode.TreeDataProvider<RunsNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<RunsNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(private readonly catalog: RunCatalog) {
    super();
    this._register(catalog.onDidChange(() => this._onDidChangeTreeData.fire(undefined)));
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return this.catalog.runs.map((run) => ({ kind: 'run', run }));
    switch (node.kind) {
      case 'run':
        return node.run.conditions.map((condition) => ({ kind: 'runCondition', run: node.run, condition }));
      case 'runCondition':
        return node.run.seeds.filter((seed) => seed.condition === node.condition).map((seed) => ({ kind: 'runSeed', run: node.run, seed }));
      case 'runSeed':
        return [];
      default: {
        const unknown: never = node;
        throw new Error(`unknown node ${JSON.stringify(unknown)}`);
      }
    }
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const now = Date.now();
    switch (node.kind) {
      case 'run': {
        const { run } = node;
        const item = new vscode.TreeItem(run.experiment, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${run.runDirectory}`;
        item.description = describeRun(run, now);
        item.tooltip = runTooltip(run);
        item.iconPath = themeIcon(runIcon(run.status));
        item.contextValue = runContextValue(run);
        return item;
      }
      case 'runCondition': {
        const seeds = node.run.seeds.filter((seed) => seed.condition === node.condition);
        const item = new vscode.TreeItem(node.condition, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `runCondition:${node.run.runDirectory}#${node.condition}`;
        item.description = describeCondition(seeds, now);
        item.iconPath = new vscode.ThemeIcon('symbol-variable');
        item.contextValue = TREE_ITEM_CONTEXTS.runCondition;
        return item;
      }
      case 'runSeed': {
        const { seed } = node;
        const unit = seedTimeUnit(node.run, seed.condition);
        const item = new vscode.TreeItem(`seed ${seed.seed}`, vscode.TreeItemCollapsibleState.None);
        item.id = `runSeed:${node.run.runDirectory}#${seed.condition}/${seed.seed}`;
        item.description = describeSeed(seed, now, unit);
        const reason = seed.message ? `\n${seed.message}` : '';
        item.tooltip = `${node.run.experiment} ${seed.condition}/seed-${seed.seed}: ${seed.status}${reason}\n${timeWords(unit).singular} ${Math.max(seed.epoch, 0)} of ${seed.epochs}`;
        item.iconPath = themeIcon(seedIcon(seed));
        item.contextValue = TREE_ITEM_CONTEXTS.runSeed;
        return item;
      }
      default: {
        const unknown: never = node;
        throw new Error(`unknown node ${JSON.stringify(unknown)}`);
      }
    }
  }
}
