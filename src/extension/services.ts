/**
 * The services the composition root (grokkingLab.ts) builds and the command handlers use. An
 * interface, so that command modules depend on what they use and not on the root.
 */
import type * as vscode from 'vscode';
import type { DashboardOpeners } from './dashboardOpener';
import type { ExperimentCatalog } from './experiments/experimentCatalog';
import type { LiveRecords } from './runs/liveRecords';
import type { RunCatalog } from './runs/runCatalog';
import type { RunManager } from './runs/runManager';
import type { RunStatusBar } from './statusBar';

export interface Services {
  /** The folder of the built extension (`dist/`): the worker script and the report's inlined scripts. */
  readonly distFolder: string;
  /** The "Grokking Lab" log output channel: launches, exits, failures. */
  readonly log: vscode.LogOutputChannel;
  /** Every experiment file of the workspace, parsed. */
  readonly experiments: ExperimentCatalog;
  /** The workers of this window. */
  readonly manager: RunManager;
  /** Live records for the dashboard. */
  readonly records: LiveRecords;
  /** Every run on disk. */
  readonly runs: RunCatalog;
  /** Opens the dashboard panel (once the dashboard registers itself). */
  readonly dashboards: DashboardOpeners;
  /** The status-bar item and detector alerts. */
  readonly statusBar: RunStatusBar;
}
