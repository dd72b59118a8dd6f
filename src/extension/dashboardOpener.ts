/**
 * The seam between the commands that open the dashboard (Open Dashboard, Compare Runs, the status
 * bar, the detector notification, a launch) and the dashboard panel host (src/extension/dashboard/),
 * so that the commands do not depend on the panel's code. The panel host implements
 * {@link DashboardOpener} and registers it once, at activation, with {@link DashboardOpeners.register}.
 */
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

  /** Opens the dashboard (registered at activation: its absence is a bug, reported as one). */
  async open(request: DashboardRequest): Promise<void> {
    if (!this.opener) throw new Error('the dashboard panel host is not registered (a bug: please report it).');
    await this.opener.open(request);
  }
}
