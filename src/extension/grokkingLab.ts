/**
 * The composition root: builds every service of the extension once, in dependency order, and owns
 * them (disposed in reverse order). The dashboard panel host (src/extension/dashboard/) plugs in
 * through `dashboards.register(…)` and subscribes to `records`; until it is registered, opening
 * the dashboard says that it is not available.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CONTEXT_KEYS, VIEW_IDS } from './commands';
import { Disposable } from '../shared/lifecycle';
import { registerDashboard } from './dashboard/dashboard';
import { DashboardOpeners } from './dashboardOpener';
import { ExperimentCatalog } from './experiments/experimentCatalog';
import { registerExperimentCommands } from './experiments/experimentCommands';
import { ExperimentsTree } from './experiments/experimentsTree';
import { LiveRecords } from './runs/liveRecords';
import { RunCatalog } from './runs/runCatalog';
import { registerRunCommands } from './runs/runCommands';
import { RunManager } from './runs/runManager';
import { RunsTree } from './runs/runsTree';
import type { Services } from './services';
import { maxConcurrentSeeds } from './settings';
import { RunStatusBar } from './statusBar';

export class GrokkingLab extends Disposable implements Services {
  readonly log = this._register(vscode.window.createOutputChannel('Grokking Lab', { log: true }));
  readonly experiments = this._register(new ExperimentCatalog());
  readonly manager: RunManager;
  readonly records: LiveRecords;
  readonly runs: RunCatalog;
  readonly dashboards = this._register(new DashboardOpeners());
  readonly statusBar: RunStatusBar;
  readonly experimentsTree: ExperimentsTree;
  readonly runsTree: RunsTree;
  readonly distFolder: string;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.distFolder = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
    const workerScript = path.join(this.distFolder, 'worker.js');
    if (!fs.existsSync(workerScript)) this.log.error(`The training worker ${workerScript} is missing: build the extension (npm run build).`);
    this.manager = this._register(
      new RunManager({
        workerScript,
        // Electron in desktop VS Code, the server's Node in remote/code-server: both run the worker as Node with ELECTRON_RUN_AS_NODE=1.
        execPath: process.execPath,
        maxConcurrentSeeds,
        versions: { grokkingLab: String(context.extension.packageJSON.version), node: process.version, vscode: vscode.version },
        log: this.log,
      }),
    );
    this.records = this._register(new LiveRecords(this.manager));
    this.runs = this._register(new RunCatalog(this.manager));
    this.statusBar = this._register(new RunStatusBar(this.manager, this.dashboards));
    // The dashboard panel host registers its opener with `dashboards` and follows `records`.
    this._register(registerDashboard(context, this));
    this.experimentsTree = this._register(new ExperimentsTree(this.experiments));
    this.runsTree = this._register(new RunsTree(this.runs));
    this._register(vscode.window.createTreeView(VIEW_IDS.experiments, { treeDataProvider: this.experimentsTree, showCollapseAll: true }));
    this._register(vscode.window.createTreeView(VIEW_IDS.runs, { treeDataProvider: this.runsTree, showCollapseAll: true, canSelectMany: true }));
    this._register(this.manager.onDidChange(() => void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hasActiveRuns, this.manager.activeRuns.length > 0)));
    this._register(registerExperimentCommands(this));
    this._register(registerRunCommands(this));
  }

  /** Stops every worker (the runs end as interrupted) and waits until their folders are complete. */
  async shutdown(): Promise<void> {
    await this.manager.shutdown();
  }
}
