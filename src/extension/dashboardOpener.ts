/**
 * The seam between the commands that open the dashboard (Open Dashboard, Compare Runs, the status
 * bar, the detector notification) and the dashboard panel host (src/extension/dashboard/, built
 * separately). The panel host implements {@link DashboardOpener} and registers it once with
 * {@link DashboardOpeners.register}; until one is registered, opening says so instead of failing.
 */
import * as vscode from 'vscode';
import { Disposable, toDisposable, type DisposableLike } from '../shared/lifecycle';

/** What to show in the dashboard. */
export interface DashboardRequest {
  /** Run folders (`<runs folder>/<experiment>/<run id>`): one run, or two or more to compare on shared axes. */
  runDirectories: readonly string[];
  /** A seed to bring forward (e.g. the one whose detector just fired). */
  focus?: { runDirectory: string; condition: string; seed: number };
  /**
   * For a run just launched: a new panel opens beside the active editor, and the keyboard focus
   * stays where it was (the researcher may go on editing the experiment file). Otherwise the panel
   * opens in the active editor group and takes the focus.
   */
  beside?: boolean;
}

/** Implemented by the dashboard panel host. */
export interface DashboardOpener {
  /** Shows the dashboard with these runs (creating or revealing the panel). */
  open(request: DashboardRequest): Promise<void>;
}

/** Holds the dashboard opener, when one is registered. */
export class DashboardOpeners extends Disposable {
  private opener?: DashboardOpener;

  /** Registers the dashboard; disposing the result unregisters it. */
  register(opener: DashboardOpener): DisposableLike {
    this.opener = opener;
    return this._register(
      toDisposable(() => {
        if (this.opener === opener) this.opener = undefined;
      }),
    );
  }

  get isAvailable(): boolean {
    return this.opener !== undefined;
  }

  /** Opens the dashboard, or says that it is not available in this build. */
  async open(request: DashboardRequest): Promise<void> {
    if (!this.opener) {
      void vscode.window.showInformationMessage('Grokking Lab: the dashboard is not available yet in this build. The run folder has every record: use Export Run (CSV/JSON) meanwhile.');
      return;
    }
    await this.opener.open(request);
  }
}
