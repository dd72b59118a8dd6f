/**
 * The one status-bar item: hidden when idle; while runs are active a spinner with runs, seeds and
 * epoch (`$(sync~spin) 1 run · 4 seeds · epoch 120`, `step 1200` for Transformer runs: the word is
 * the runs', src/shared/timeUnit.ts); when a detector fires, the warning background
 * and the run, condition, seed and epoch, plus one notification per run (Open Dashboard, Mute;
 * off with `grokkingLab.notifications.detector`). Clicking opens the dashboard and acknowledges
 * the alert.
 */
import * as vscode from 'vscode';
import { COMMANDS } from './commands';
import { Disposable } from '../shared/lifecycle';
import { activeRunsStatusText, tallySeeds } from './runs/runsViewText';
import { combineTimeUnits } from '../shared/timeUnit';
import type { DashboardOpeners } from './dashboardOpener';
import type { DetectorAlert, RunManager } from './runs/runManager';
import { detectorNotificationsEnabled, muteDetectorNotifications } from './settings';

/** The argument the status bar passes to Open Dashboard, so that the command can acknowledge the alert. */
export interface StatusBarDashboardArgument {
  runDirectory: string;
  focus?: { condition: string; seed: number };
}

export class RunStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('grokkingLab.status', vscode.StatusBarAlignment.Left, 10));
  /** The first fire not yet acknowledged (the one the notification named). */
  private alert?: DetectorAlert;
  /** Fires since then, in any run. */
  private laterFires = 0;
  private readonly notifiedRuns = new Set<string>();

  constructor(private readonly manager: RunManager, private readonly dashboards: DashboardOpeners) {
    super();
    this.item.name = 'Grokking Lab';
    this._register(manager.onDidChange(() => this.update()));
    this._register(manager.onDidEndRun(() => this.update()));
    this._register(manager.onDidFireDetector((alert) => this.onDetectorFired(alert)));
    this.update();
  }

  /** The alert shown, if any. */
  get currentAlert(): DetectorAlert | undefined {
    return this.alert;
  }

  /** The dashboard of this run was opened: the alert about it has been seen. */
  acknowledge(runDirectory: string): void {
    if (this.alert?.runDirectory === runDirectory) {
      this.alert = undefined;
      this.laterFires = 0;
      this.update();
    }
  }

  /** Forgets alerts about a deleted run. */
  forgetRun(runDirectory: string): void {
    this.notifiedRuns.delete(runDirectory);
    this.acknowledge(runDirectory);
  }

  private onDetectorFired(alert: DetectorAlert): void {
    if (this.alert) this.laterFires += 1;
    else this.alert = alert;
    this.update();
    if (this.notifiedRuns.has(alert.runDirectory) || !detectorNotificationsEnabled()) return;
    // One notification per run: later seeds of the same run update the status bar only.
    this.notifiedRuns.add(alert.runDirectory);
    const openDashboard = 'Open Dashboard';
    const mute = 'Mute';
    void vscode.window
      .showWarningMessage(
        `Grokking Lab: the lock-in detector fired in ${alert.experiment} (condition ${alert.condition}, seed ${alert.seed}) at ${alert.timeUnit} ${alert.epoch}.`,
        openDashboard,
        mute,
      )
      .then(async (choice) => {
        if (choice === openDashboard) {
          this.acknowledge(alert.runDirectory);
          await this.dashboards.open({ runDirectories: [alert.runDirectory], focus: { runDirectory: alert.runDirectory, condition: alert.condition, seed: alert.seed } });
        } else if (choice === mute) {
          await muteDetectorNotifications();
        }
      });
  }

  private update(): void {
    const runs = this.manager.activeRuns;
    const seeds = runs.flatMap((run) => run.seeds);
    const tally = tallySeeds(seeds, Date.now());
    const running = runs.length > 0 ? activeRunsStatusText(runs.length, tally.byStatus.running, tally.slowestRunningEpoch, combineTimeUnits(runs.map((run) => run.timeUnit))) : undefined;
    const tooltip = new vscode.MarkdownString(undefined, true);
    for (const run of runs) {
      const own = tallySeeds(run.seeds, Date.now());
      const done = own.total - own.byStatus.running - own.byStatus.queued;
      tooltip.appendMarkdown(`**${run.experiment}** \`${run.runId}\`: ${own.byStatus.running} running, ${own.byStatus.queued} queued, ${done} done  \n`);
    }
    if (this.alert) {
      const { alert } = this;
      const more = this.laterFires > 0 ? ` (+${this.laterFires})` : '';
      this.item.text = `$(warning) Detector fired: ${alert.experiment} · ${alert.condition} · seed ${alert.seed} · ${alert.timeUnit} ${alert.epoch}${more}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      const since = this.laterFires > 0 ? `; it fired ${this.laterFires} more time(s) since, for other seeds` : '';
      tooltip.appendMarkdown(
        `\nThe lock-in detector fired in **${alert.experiment}**, condition ${alert.condition}, seed ${alert.seed}, ` +
          `at ${alert.timeUnit} ${alert.epoch} (λ₂/λ₃ ${alert.gap23.toFixed(2)})${since}. Click to open the dashboard.`,
      );
      this.item.command = this.dashboardCommand({ runDirectory: alert.runDirectory, focus: { condition: alert.condition, seed: alert.seed } });
    } else if (running) {
      this.item.text = running;
      this.item.backgroundColor = undefined;
      tooltip.appendMarkdown('\nClick to open the dashboard.');
      this.item.command = this.dashboardCommand({ runDirectory: runs[0].runDirectory });
    } else {
      this.item.hide();
      return;
    }
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: this.item.text.replace(/\$\([^)]*\)\s*/g, '') };
    this.item.show();
  }

  private dashboardCommand(argument: StatusBarDashboardArgument): vscode.Command {
    return { command: COMMANDS.openDashboard.id, title: COMMANDS.openDashboard.title, arguments: [argument] };
  }
}
