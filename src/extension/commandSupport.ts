/**
 * What every command handler shares: registration by name from the one command list
 * (src/extension/commands.ts) with errors shown and logged, the workspace-trust gate for launching,
 * and what follows every launch (progress notification, Runs view, live dashboard).
 */
import * as vscode from 'vscode';
import { COMMANDS, type CommandName } from './commands';
import type { RunStatus } from '../shared/runFormat';
import { isSeedFinished } from '../runs/status';
import type { ActiveRunView, RunLog, RunManager } from './runs/runManager';
import type { Services } from './services';
import { openDashboardOnRun } from './settings';
import { timeWords } from '../shared/timeUnit';

/** Shows an error as a notification and logs it. */
export function reportError(log: RunLog, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  log.error(message);
  void vscode.window.showErrorMessage(`Grokking Lab: ${message}`);
}

/**
 * Registers a command of {@link COMMANDS} by name. The handler's result is the command's result
 * (tests and other extensions use it); an exception becomes an error notification.
 */
export function registerCommand(log: RunLog, name: CommandName, handler: (...args: unknown[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS[name].id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (error) {
      reportError(log, error);
      return undefined;
    }
  });
}

/**
 * Launching training runs code described by workspace files: in an untrusted workspace, say so and
 * offer to manage trust (VS Code Workspace Trust guide). Browsing runs needs no trust.
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const choice = await vscode.window.showWarningMessage(
    `Grokking Lab: ${action} starts training processes configured by this workspace's files, so it needs a trusted workspace. Browsing runs works without trust.`,
    manage,
  );
  if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

function progressOf(run: ActiveRunView): { percent: number; message: string } {
  let done = 0;
  let total = 0;
  let running = 0;
  let finished = 0;
  for (const seed of run.seeds) {
    const rows = seed.epochs + 1;
    total += rows;
    if (isSeedFinished(seed.status)) {
      done += rows;
      finished += 1;
    } else {
      done += Math.max(0, seed.epoch + 1);
      if (seed.status === 'running') running += 1;
    }
  }
  const slowest = run.seeds.filter((seed) => seed.status === 'running').reduce((lowest, seed) => Math.min(lowest, Math.max(seed.epoch, 0)), Number.POSITIVE_INFINITY);
  const parts = [`${finished}/${run.seeds.length} seeds done`, `${running} running`];
  if (Number.isFinite(slowest)) parts.push(`${timeWords(run.timeUnit).singular} ${slowest}`);
  if (run.stopReason) parts.unshift('stopping');
  return { percent: total === 0 ? 0 : (100 * done) / total, message: parts.join(' · ') };
}

/**
 * Shows a run's progress as a notification with Cancel (cancelling stops the run) until it ends,
 * then says how it ended. Does not wait: returns at once.
 */
function showRunProgress(manager: RunManager, run: ActiveRunView, onEnded: (status: RunStatus) => void): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Grokking Lab: ${run.experiment}`, cancellable: true },
    async (progress, token) => {
      const cancellation = token.onCancellationRequested(() => void manager.stop(run.runDirectory, 'cancelled'));
      let reported = 0;
      const report = () => {
        const { percent, message } = progressOf(run);
        progress.report({ increment: Math.max(0, percent - reported), message });
        reported = Math.max(reported, percent);
      };
      const subscription = manager.onDidChange(report);
      report();
      try {
        onEnded(await run.finished);
      } finally {
        subscription.dispose();
        cancellation.dispose();
      }
    },
  );
}

/**
 * What follows every launch (Run Grokking Experiment from the palette, the Experiments view or an
 * editor; Re-run Missing Seeds): the Runs view lists the run at once, its progress shows as a
 * notification until it ends (then `onEnded`), and its live dashboard opens beside the editor,
 * unless `grokkingLab.dashboard.openOnRun` is off (docs/product.md: running an experiment shows it).
 */
export async function followLaunchedRun(services: Services, run: ActiveRunView, onEnded: (status: RunStatus) => void): Promise<void> {
  services.runs.markDirty(run.runDirectory);
  showRunProgress(services.manager, run, onEnded);
  if (!openDashboardOnRun()) return;
  try {
    await services.dashboards.open({ runDirectories: [run.runDirectory], beside: true });
  } catch (error) {
    // The run is launched whatever happens to its panel: say so, do not fail the launch.
    reportError(services.log, error);
  }
}
