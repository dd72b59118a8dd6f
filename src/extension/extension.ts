/**
 * The extension's entry point (package.json `main`: dist/extension.js). `activate` builds the one
 * root object; `deactivate` stops every worker, waiting until each run folder records its real
 * status (interrupted), before everything is disposed.
 */
import type * as vscode from 'vscode';
import type { DashboardOpeners } from './dashboardOpener';
import type { ExperimentCatalog } from './experiments/experimentCatalog';
import type { ExperimentsNode } from './experiments/experimentsTree';
import { GrokkingLab } from './grokkingLab';
import type { LiveRecordSource } from './runs/liveRecords';
import type { RunCatalog } from './runs/runCatalog';
import type { RunManager } from './runs/runManager';
import type { RunsNode } from './runs/runsTree';

/** What `activate` returns (`vscode.extensions.getExtension(…).exports`): for the integration tests and the dashboard. */
export interface GrokkingLabApi {
  readonly experiments: ExperimentCatalog;
  readonly experimentsTree: vscode.TreeDataProvider<ExperimentsNode>;
  readonly runs: RunCatalog;
  readonly runsTree: vscode.TreeDataProvider<RunsNode>;
  readonly manager: RunManager;
  readonly records: LiveRecordSource;
  readonly dashboards: DashboardOpeners;
}

let lab: GrokkingLab | undefined;

export function activate(context: vscode.ExtensionContext): GrokkingLabApi {
  lab = new GrokkingLab(context);
  context.subscriptions.push(lab);
  return lab;
}

export async function deactivate(): Promise<void> {
  const current = lab;
  lab = undefined;
  if (!current) return;
  try {
    await current.shutdown();
  } finally {
    current.dispose();
  }
}
