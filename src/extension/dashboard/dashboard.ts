/**
 * Registers the dashboard with the extension: the opener that Open Dashboard, Compare Runs, the
 * status bar and the detector notification call (src/extension/dashboardOpener.ts), and the
 * webview panel serializer that brings the panel back after VS Code reloads (package.json needs the
 * activation event `onWebviewPanel:grokkingLab.dashboard` for it). One panel at a time: opening
 * runs replaces what it shows and reveals it.
 *
 * Call once from the composition root: `this._register(registerDashboard(context, this))`.
 */
import * as vscode from 'vscode';
import { Disposable, toDisposable, type DisposableLike } from '../../shared/lifecycle';
import type { DashboardOpener, DashboardOpeners, DashboardRequest } from '../dashboardOpener';
import { DASHBOARD_VIEW_TYPE } from './dashboardHtml';
import { DashboardPanel, dashboardWebviewOptions, type DashboardPanelServices, type RunDirectoryMemory } from './dashboardPanel';

/** What the dashboard needs of the extension's services (src/extension/services.ts provides all of it). */
export interface DashboardServices extends DashboardPanelServices {
  readonly dashboards: DashboardOpeners;
}

/** workspaceState key of the run folders remembered by run id. */
const MEMORY_KEY = 'grokkingLab.dashboard.runDirectories';
/** How many run ids are remembered (the most recent). */
const MEMORY_SIZE = 50;

/** Remembers run folders by run id in the workspace state (for a panel revived after a reload). */
function workspaceMemory(state: vscode.Memento): RunDirectoryMemory {
  const read = () => state.get<Record<string, string>>(MEMORY_KEY) ?? {};
  return {
    remember: (runId, runDirectory) => {
      const entries = Object.entries(read()).filter(([id]) => id !== runId);
      entries.push([runId, runDirectory]);
      void state.update(MEMORY_KEY, Object.fromEntries(entries.slice(-MEMORY_SIZE)));
    },
    recall: (runId) => read()[runId],
  };
}

class Dashboard extends Disposable implements DashboardOpener {
  private panel?: DashboardPanel;
  private readonly memory: RunDirectoryMemory;

  constructor(private readonly context: vscode.ExtensionContext, private readonly services: DashboardServices) {
    super();
    this.memory = workspaceMemory(context.workspaceState);
    this._register(
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          // The page's `ready` carries the run ids it showed (its state), so the panel needs nothing else here.
          if (this.panel) panel.dispose();
          else this.adopt(panel);
        },
      }),
    );
    this._register(services.dashboards.register(this));
    this._register(toDisposable(() => this.panel?.dispose()));
  }

  async open(request: DashboardRequest): Promise<void> {
    if (!this.panel) {
      const viewColumn = request.beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
      const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Grokking Lab Dashboard', { viewColumn, preserveFocus: request.beside === true }, dashboardWebviewOptions(this.context.extensionUri));
      this.adopt(panel);
    }
    this.panel?.show(request);
  }

  private adopt(webviewPanel: vscode.WebviewPanel): void {
    const panel = new DashboardPanel(webviewPanel, this.context.extensionUri, this.services, this.memory);
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
  }
}

/** Registers the dashboard (opener and serializer); dispose the result to unregister and close the panel. */
export function registerDashboard(context: vscode.ExtensionContext, services: DashboardServices): DisposableLike {
  return new Dashboard(context, services);
}
