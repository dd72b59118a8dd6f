/**
 * Every run in the runs folders, newest first, live: a FileSystemWatcher on each runs folder
 * (run.json, status files, summary.json: a run appearing, a seed starting or ending) and, while a
 * run written by another process is running, a cheap poll of its files every couple of seconds
 * (its rows are appended every epoch, which a watcher on JSON files does not see, and watchers are
 * not reliable on every file system). Runs of this window's run manager show their live state.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { CONTEXT_KEYS, SETTINGS } from '../commands';
import { Emitter, type Event } from '../../shared/event';
import { Disposable, DisposableStore, toDisposable } from '../../shared/lifecycle';
import { compareRunsNewestFirst, type SeedState } from '../../runs/status';
import { allRunsFolders, affects } from '../settings';
import { findRunDirectories, RunFolderReader, type RunOnDisk } from '../../runs/runFolderReader';
import { RUN_MANIFEST, RUN_STATE_FILES_GLOB } from '../../runs/runFolder';
import type { RunManager } from './runManager';

/** A run as the view shows it: what is on disk, with the live state of an active run laid over it. */
export interface RunEntry extends RunOnDisk {
  /** The runs folder it was found in. */
  runsFolder: string;
  /** True when this window's run manager runs it now. */
  active: boolean;
}

export class RunCatalog extends Disposable {
  private readonly reader = new RunFolderReader();
  private readonly onDisk = new Map<string, RunOnDisk & { runsFolder: string }>();
  private readonly watchers = this._register(new DisposableStore());
  private readonly _onDidChange = this._register(new Emitter<void>());
  private readonly dirty = new Set<string>();
  private rediscover = false;
  private debounce?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private folders: string[] = [];

  /** The list of runs or something shown about them changed. */
  readonly onDidChange: Event<void> = this._onDidChange.event;

  constructor(private readonly manager: RunManager, private readonly pollIntervalMs = 2000, rediscoverIntervalMs = 10_000) {
    super();
    this._register(manager.onDidChange(() => this._onDidChange.fire()));
    this._register(manager.onDidEndRun(({ run }) => this.markDirty(run.runDirectory)));
    this._register(vscode.workspace.onDidChangeConfiguration((event) => affects(event, SETTINGS.runsFolder) && this.watchFolders()));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchFolders()));
    this._register(toDisposable(() => {
      clearTimeout(this.debounce);
      clearTimeout(this.pollTimer);
    }));
    this.watchFolders();
    // A safety net for file systems whose watchers miss events (network drives, some containers):
    // look for new run folders now and then; known runs are not re-read by it.
    const rescan = setInterval(() => {
      this.rediscover = true;
      this.schedule();
    }, rediscoverIntervalMs);
    this._register(toDisposable(() => clearInterval(rescan)));
  }

  /** The runs folders being shown. */
  get runsFolders(): readonly string[] {
    return this.folders;
  }

  /** Every run, newest first; runs this window is running carry their live seed states. */
  get runs(): RunEntry[] {
    const directories = new Set([...this.onDisk.keys(), ...this.manager.activeRuns.map((run) => run.runDirectory)]);
    return [...directories].flatMap((directory) => this.entryOf(directory) ?? []).sort(compareRunsNewestFirst);
  }

  /** The run in this folder, if shown. */
  get(runDirectory: string): RunEntry | undefined {
    return this.entryOf(path.resolve(runDirectory));
  }

  private entryOf(directory: string): RunEntry | undefined {
    const base = this.onDisk.get(directory);
    const active = this.manager.activeRun(directory);
    if (!active) return base ? { ...base, active: false } : undefined;
    // Lay the live state of this window's workers over what the files said at the last read.
    const live = new Map(active.seeds.map((seed) => [`${seed.condition}/${seed.seed}`, seed]));
    const seeds: SeedState[] = base
      ? base.seeds.map((seed) => ({ ...(live.get(`${seed.condition}/${seed.seed}`) ?? seed) }))
      : active.seeds.map((seed) => ({ ...seed }));
    return {
      runDirectory: directory,
      runId: active.runId,
      experiment: active.experiment,
      runsFolder: base?.runsFolder ?? path.dirname(path.dirname(directory)),
      ...(base?.manifest ? { manifest: base.manifest } : {}),
      timeUnit: active.timeUnit,
      status: 'running',
      startTime: active.startTime,
      conditions: base?.conditions ?? [...new Set(active.seeds.map((seed) => seed.condition))],
      seeds,
      active: true,
    };
  }

  /** Reads every runs folder again. */
  refresh(): void {
    this.rediscover = true;
    this.processNow();
  }

  /** Re-reads one run soon (after a command changed it). */
  markDirty(runDirectory: string): void {
    const directory = path.resolve(runDirectory);
    if (!this.onDisk.has(directory)) this.rediscover = true;
    this.dirty.add(directory);
    this.schedule();
  }

  private watchFolders(): void {
    this.watchers.clear();
    this.folders = allRunsFolders();
    for (const folder of this.folders) {
      // Inside a workspace folder, a pattern relative to it: VS Code's workspace watcher then sees
      // the runs folder even when it is created later (a watcher based on a missing folder sees nothing).
      const workspaceFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder));
      const relative = workspaceFolder ? path.relative(workspaceFolder.uri.fsPath, folder).split(path.sep).join('/') : '';
      const pattern =
        workspaceFolder && relative !== '' && !relative.startsWith('..')
          ? new vscode.RelativePattern(workspaceFolder, `${relative}/**/${RUN_STATE_FILES_GLOB}`)
          : new vscode.RelativePattern(vscode.Uri.file(folder), `**/${RUN_STATE_FILES_GLOB}`);
      const watcher = this.watchers.add(vscode.workspace.createFileSystemWatcher(pattern));
      const onEvent = (uri: vscode.Uri) => this.onFileEvent(folder, uri);
      this.watchers.add(watcher.onDidCreate(onEvent));
      this.watchers.add(watcher.onDidChange(onEvent));
      this.watchers.add(watcher.onDidDelete(onEvent));
    }
    this.refresh();
  }

  private onFileEvent(folder: string, uri: vscode.Uri): void {
    const relative = path.relative(folder, uri.fsPath).split(path.sep);
    // <experiment>/<run id>/run.json, …/summary.json, …/<condition>/seed-<n>.status.json
    if (relative.length < 3 || relative[0] === '..') return;
    const runDirectory = path.join(folder, relative[0], relative[1]);
    if (!this.onDisk.has(runDirectory)) this.rediscover = true;
    else if (relative.length === 3 && relative[2] === RUN_MANIFEST) this.rediscover = true;
    this.dirty.add(runDirectory);
    this.schedule();
  }

  private schedule(delay = 300): void {
    if (this.debounce !== undefined) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.processNow();
    }, delay);
  }

  private processNow(): void {
    clearTimeout(this.debounce);
    this.debounce = undefined;
    if (this.isDisposed) return;
    const now = Date.now();
    if (this.rediscover) {
      this.rediscover = false;
      const found = new Map<string, string>();
      for (const folder of this.folders) for (const directory of findRunDirectories(folder)) found.set(directory, folder);
      for (const directory of [...this.onDisk.keys()]) if (!found.has(directory)) this.onDisk.delete(directory);
      for (const [directory, folder] of found) {
        if (!this.onDisk.has(directory) || this.dirty.has(directory)) this.readRun(directory, folder, now);
      }
      this.reader.retainOnly(new Set(found.keys()));
    } else {
      for (const directory of this.dirty) {
        const known = this.onDisk.get(directory);
        if (known) this.readRun(directory, known.runsFolder, now);
      }
    }
    this.dirty.clear();
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hasRuns, this.onDisk.size > 0 || this.manager.activeRuns.length > 0);
    this._onDidChange.fire();
    this.schedulePoll();
  }

  private readRun(directory: string, runsFolder: string, now: number): void {
    try {
      this.onDisk.set(directory, { ...this.reader.read(directory, this.manager.activeRun(directory) !== undefined, now), runsFolder });
    } catch {
      this.onDisk.delete(directory);
    }
  }

  /** While a run of another process runs, re-read it every interval (its rows, its workers' liveness). */
  private schedulePoll(): void {
    if (this.pollTimer !== undefined || this.isDisposed) return;
    const isLive = (run: RunOnDisk) => run.status === 'running' && !this.manager.activeRun(run.runDirectory);
    if (![...this.onDisk.values()].some(isLive)) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      for (const run of this.onDisk.values()) if (isLive(run)) this.dirty.add(run.runDirectory);
      this.processNow();
    }, this.pollIntervalMs);
  }
}
