/**
 * The dashboard panel host: one webview panel showing one run, or several compared on shared axes.
 *
 * The conversation (src/shared/protocol/webview.ts): the host posts nothing before the webview's
 * `ready`; then a `snapshot` read from the run folders (runSnapshot.ts), then `append`s of the live
 * records. Live records come from LiveRecords (the run manager's batches for this window's runs,
 * file tails for the others), are collected per run and seed, and go out at most ten times a second
 * whatever the number of seeds. A run's status change goes out as `runStatus` and a deleted run as
 * `runRemoved` (both from the run catalog).
 *
 * No `retainContextWhenHidden`: a hidden panel's page is destroyed, so the host stops posting when
 * the panel is hidden, and the page it gets back when shown says `ready` again and gets a fresh
 * snapshot. After a reload of VS Code, the serializer (dashboard.ts) revives the panel and the
 * page's `ready` carries the run ids it showed (from its `vscode.setState`).
 */
import path from 'node:path';
import fs from 'node:fs';
import * as vscode from 'vscode';
import { RecordBatcher, type RunRecordBatch } from '../batching';
import { Emitter, type Event } from '../../shared/event';
import { Disposable, DisposableStore, toDisposable } from '../../shared/lifecycle';
import type { HostToWebviewMessage, SaveFileMessage, SaveFileMimeType, WebviewToHostMessage } from '../../shared/protocol/webview';
import { WEBVIEW_PROTOCOL_VERSION, isWebviewMessage, unreachable } from '../../shared/protocol/webview';
import type { RunStatus } from '../../shared/runFormat';
import type { DashboardRequest } from '../dashboardOpener';
import type { LiveRecordSource } from '../runs/liveRecords';
import type { RunCatalog } from '../runs/runCatalog';
import { DASHBOARD_RESOURCES, createNonce, dashboardHtml } from './dashboardHtml';
import { readRunSnapshots, type KnownRunState } from './runSnapshot';
import { readSummary } from '../../runs/runFolder';

/** What the panel uses of the extension's services. */
export interface DashboardPanelServices {
  readonly log: vscode.LogOutputChannel;
  /** Live records of the runs shown. */
  readonly records: LiveRecordSource;
  /** Every run on disk with its real status (used for statuses, deletions and run ids). */
  readonly runs: RunCatalog;
}

/** Run folders by run id, remembered across sessions, for runs a revived panel shows that the catalog does not list. */
export interface RunDirectoryMemory {
  remember(runId: string, runDirectory: string): void;
  recall(runId: string): string | undefined;
}

/** Minimum milliseconds between two `append` messages: ten a second at most. */
const APPEND_INTERVAL_MS = 100;

const SAVE_FILTERS: Record<SaveFileMimeType, Record<string, string[]>> = {
  'image/png': { 'PNG image': ['png'] },
  'image/svg+xml': { 'SVG image': ['svg'] },
  'text/csv': { 'CSV (comma-separated values)': ['csv'] },
  'application/json': { JSON: ['json'] },
};

/** The options of the panel's webview: scripts on, and only dist/ and media/ of the extension readable. */
export function dashboardWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class DashboardPanel extends Disposable {
  private readonly _onDidDispose = this._register(new Emitter<void>());
  /** The panel was closed (or disposed with the extension). */
  readonly onDidDispose: Event<void> = this._onDidDispose.event;

  /** Run folders shown, in legend order. */
  private runDirectories: string[] = [];
  /** Run id of each folder shown (from its last snapshot, else the folder name). */
  private readonly runIds = new Map<string, string>();
  private focus?: DashboardRequest['focus'];
  /** True between the page's `ready` and the panel being hidden: the only time the host posts. */
  private ready = false;
  private readonly follows = this._register(new DisposableStore());
  private appends = new RecordBatcher(APPEND_INTERVAL_MS);
  private flushTimer?: NodeJS.Timeout;
  /** The status each run was last shown with, so that a change is sent once. */
  private readonly shownStatuses = new Map<string, RunStatus>();

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly services: DashboardPanelServices,
    private readonly memory: RunDirectoryMemory,
  ) {
    super();
    panel.webview.options = dashboardWebviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'grokking-lab.svg');
    panel.webview.html = this.html();
    this._register(toDisposable(() => clearTimeout(this.flushTimer)));
    this._register(panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)));
    this._register(
      panel.onDidChangeViewState(({ webviewPanel }) => {
        // Hidden: the page is gone until shown again, when it says `ready` and gets a new snapshot.
        if (!webviewPanel.visible) this.ready = false;
      }),
    );
    this._register(services.records.onDidRecord((batch) => this.onRecord(batch)));
    this._register(services.runs.onDidChange(() => this.onCatalogChange()));
    this._register(
      panel.onDidDispose(() => {
        this._onDidDispose.fire();
        this.dispose();
      }),
    );
    this._register(toDisposable(() => panel.dispose()));
  }

  /** Shows these runs (replacing what the panel showed) and brings the panel forward, in the group it is in. */
  show(request: DashboardRequest): void {
    this.setRuns(request.runDirectories, request.focus);
    this.panel.reveal(undefined, request.beside === true);
  }

  /** The run folders shown. */
  get shownRunDirectories(): readonly string[] {
    return this.runDirectories;
  }

  private html(): string {
    const { webview } = this.panel;
    const uri = (parts: readonly string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...parts)).toString();
    return dashboardHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      plotlyScript: uri(DASHBOARD_RESOURCES.plotlyScript),
      webviewScript: uri(DASHBOARD_RESOURCES.webviewScript),
      stylesheet: uri(DASHBOARD_RESOURCES.stylesheet),
    });
  }

  private setRuns(runDirectories: readonly string[], focus?: DashboardRequest['focus']): void {
    this.runDirectories = [...new Set(runDirectories.map((directory) => path.resolve(directory)))];
    this.focus = focus ? { ...focus, runDirectory: path.resolve(focus.runDirectory) } : undefined;
    // Follow before reading the snapshot, so that no row falls between (duplicates are ignored by the webview).
    this.follows.clear();
    for (const directory of this.runDirectories) this.follows.add(this.services.records.follow(directory));
    this.appends = new RecordBatcher(APPEND_INTERVAL_MS);
    this.runIds.clear();
    for (const directory of this.runDirectories) {
      const runId = this.services.runs.get(directory)?.runId ?? path.basename(directory);
      this.runIds.set(directory, runId);
      this.memory.remember(runId, directory);
    }
    this.panel.title = this.title();
    if (this.ready) this.sendSnapshot();
  }

  private title(): string {
    const names = this.runDirectories.map((directory) => this.services.runs.get(directory)?.experiment ?? path.basename(path.dirname(directory)));
    if (names.length === 0) return 'Grokking Lab Dashboard';
    if (names.length === 1) return `Dashboard: ${names[0]}`;
    return `Compare: ${names.join(', ')}`;
  }

  private post(message: HostToWebviewMessage): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  /** What the catalog knows better than the files (live statuses, dead workers). */
  private known(runDirectory: string): KnownRunState | undefined {
    const entry = this.services.runs.get(runDirectory);
    if (!entry) return undefined;
    return { status: entry.status, seeds: entry.seeds.map((seed) => ({ condition: seed.condition, seed: seed.seed, status: seed.status, ...(seed.message !== undefined ? { message: seed.message } : {}) })) };
  }

  private sendSnapshot(): void {
    const existing = this.runDirectories.filter((directory) => fs.existsSync(directory));
    const runs = readRunSnapshots(existing, (directory) => this.known(directory));
    this.shownStatuses.clear();
    runs.forEach((run, index) => {
      this.runIds.set(existing[index], run.runId);
      this.shownStatuses.set(existing[index], run.status);
    });
    const focusRunId = this.focus ? this.runIds.get(this.focus.runDirectory) : undefined;
    // Rows collected before the snapshot are in it (they were on disk); a fresh batcher starts after it.
    this.appends = new RecordBatcher(APPEND_INTERVAL_MS);
    this.post({
      type: 'snapshot',
      protocolVersion: WEBVIEW_PROTOCOL_VERSION,
      runs,
      ...(this.focus && focusRunId ? { focus: { runId: focusRunId, condition: this.focus.condition, seed: this.focus.seed } } : {}),
    });
    if (existing.length < this.runDirectories.length) {
      this.services.log.warn(`dashboard: ${this.runDirectories.length - existing.length} run folder(s) no longer exist: ${this.runDirectories.filter((directory) => !existing.includes(directory)).join(', ')}`);
    }
  }

  private onRecord(batch: RunRecordBatch): void {
    if (!this.ready) return;
    const directory = path.resolve(batch.runDirectory);
    if (!this.runDirectories.includes(directory)) return;
    const runId = this.runIds.get(directory) ?? batch.runId;
    for (const seed of batch.seeds) {
      if (seed.restart) this.appends.restartSeed(directory, runId, seed.condition, seed.seed);
      this.appends.addRecords(directory, runId, seed.condition, seed.seed, seed.records);
      if (seed.status) this.appends.setStatus(directory, runId, seed.condition, seed.seed, seed.status.status, seed.status.message);
    }
    for (const event of batch.events) this.appends.addEvent(directory, runId, event);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    const delay = this.appends.delayUntilFlush(Date.now());
    if (delay === undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const batches = this.appends.take(Date.now());
      if (batches.length > 0) this.post({ type: 'append', runs: batches.map(({ runId, seeds, events }) => ({ runId, seeds, events })) });
      if (this.appends.hasPending) this.scheduleFlush();
    }, delay);
  }

  /** Sends status changes and removals of the runs shown. */
  private onCatalogChange(): void {
    const removed: string[] = [];
    for (const directory of this.runDirectories) {
      const entry = this.services.runs.get(directory);
      if (!entry) {
        if (!fs.existsSync(directory)) removed.push(directory);
        continue;
      }
      if (this.shownStatuses.get(directory) === entry.status) continue;
      this.shownStatuses.set(directory, entry.status);
      // Read here, once per change of status, upgraded like the snapshot's (src/shared/runFormatUpgrade.ts).
      const summary = readSummary(directory);
      this.post({
        type: 'runStatus',
        runId: this.runIds.get(directory) ?? entry.runId,
        status: entry.status,
        ...(entry.endTime !== undefined ? { endTime: entry.endTime } : {}),
        ...(summary ? { summary } : {}),
      });
    }
    if (removed.length === 0) return;
    for (const directory of removed) {
      this.post({ type: 'runRemoved', runId: this.runIds.get(directory) ?? path.basename(directory) });
      this.appends.forgetRun(directory);
      this.shownStatuses.delete(directory);
    }
    this.runDirectories = this.runDirectories.filter((directory) => !removed.includes(directory));
    this.panel.title = this.title();
  }

  /** The folder of a run id: among the runs shown, then in the runs folders, then remembered from an earlier session. */
  private resolveRunId(runId: string): string | undefined {
    for (const [directory, id] of this.runIds) if (id === runId) return directory;
    return this.services.runs.runs.find((run) => run.runId === runId)?.runDirectory ?? this.memory.recall(runId);
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isWebviewMessage(message)) {
      this.services.log.warn('dashboard: ignored a malformed message from the webview.');
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.services.log.error(`dashboard: ${message.type} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async handle(message: WebviewToHostMessage): Promise<void> {
    switch (message.type) {
      case 'ready': {
        if (message.protocolVersion !== WEBVIEW_PROTOCOL_VERSION) {
          this.services.log.warn(`dashboard: the webview speaks protocol ${message.protocolVersion}, the extension ${WEBVIEW_PROTOCOL_VERSION}; reload the window.`);
        }
        if (this.runDirectories.length === 0 && message.runIds && message.runIds.length > 0) {
          // A panel revived after a reload: show what the page showed before.
          const directories = message.runIds.map((runId) => this.resolveRunId(runId)).filter((directory): directory is string => directory !== undefined && fs.existsSync(directory));
          this.setRuns(directories);
        }
        this.ready = true;
        this.sendSnapshot();
        return;
      }
      case 'requestRun': {
        const directory = this.resolveRunId(message.runId);
        if (directory) this.setRuns([directory]);
        else void vscode.window.showWarningMessage(`Grokking Lab: run ${message.runId} was not found in the runs folder.`);
        return;
      }
      case 'selectRuns': {
        const directories = message.runIds.map((runId) => this.resolveRunId(runId)).filter((directory): directory is string => directory !== undefined);
        if (directories.length > 0) this.setRuns(directories);
        return;
      }
      case 'saveFile':
        await this.saveFile(message);
        return;
      case 'openRunFolder': {
        const directory = this.resolveRunId(message.runId);
        if (!directory) return;
        const uri = vscode.Uri.file(directory);
        // Inside the workspace the Explorer is the place; outside it, the OS file manager (as Reveal Run Folder does).
        await vscode.commands.executeCommand(vscode.workspace.getWorkspaceFolder(uri) ? 'revealInExplorer' : 'revealFileInOS', uri);
        return;
      }
      case 'log': {
        const line = `dashboard: ${message.message}`;
        if (message.level === 'error') this.services.log.error(line);
        else if (message.level === 'warn') this.services.log.warn(line);
        else if (message.level === 'info') this.services.log.info(line);
        else this.services.log.debug(line);
        return;
      }
      default:
        unreachable(message);
    }
  }

  /** Asks where to save an export from the webview, next to the first run shown by default. */
  private async saveFile(message: SaveFileMessage): Promise<void> {
    const folder = this.runDirectories[0] ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.file(path.join(folder, message.fileName)) : undefined,
      filters: SAVE_FILTERS[message.mime],
      title: 'Grokking Lab: Save Export',
      saveLabel: 'Save',
    });
    if (!uri) return;
    const content = message.dataBase64 !== undefined ? Buffer.from(message.dataBase64, 'base64') : Buffer.from(message.text, 'utf8');
    await vscode.workspace.fs.writeFile(uri, content);
    this.services.log.info(`dashboard: saved ${uri.fsPath}`);
  }
}
