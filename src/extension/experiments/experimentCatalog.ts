/**
 * Every `*.grok.yaml` of the workspace, parsed by the engine's config module
 * (src/shared/config/parse.ts), kept current as files are created, changed, deleted or edited
 * (debounced), with each file's problems published as Diagnostics (line and column, in the
 * Problems panel, without any YAML extension). An invalid file keeps its valid experiments; the
 * other files are unaffected.
 */
import * as vscode from 'vscode';
import { fileSizeProblem, parseExperimentFile } from '../../shared/config/parse';
import type { ConfigProblem, ResolvedExperiment } from '../../shared/config/types';
import { Emitter, type Event } from '../../shared/event';
import { Disposable, toDisposable } from '../../shared/lifecycle';

/** The glob of experiment files. */
export const EXPERIMENT_FILE_GLOB = '**/*.grok.yaml';

/** One experiment file as last parsed. */
export interface ExperimentFile {
  uri: vscode.Uri;
  /** Path relative to its workspace folder (with the folder's name in a multi-root workspace). */
  label: string;
  /** Experiments without problems, in file order. */
  experiments: ResolvedExperiment[];
  /** Every problem of the file, by position. */
  problems: ConfigProblem[];
  /** Set when the file could not be read at all. */
  readError?: string;
}

/** The source of a diagnostic, shown in the Problems panel. */
export const DIAGNOSTIC_SOURCE = 'Grokking Lab';

function isExperimentFile(uri: vscode.Uri): boolean {
  return uri.path.endsWith('.grok.yaml');
}

/** The editor range of a problem: 1-based line/column → 0-based positions; at least one character wide. */
export function problemRange(problem: ConfigProblem): vscode.Range {
  const start = new vscode.Position(Math.max(0, problem.position.line - 1), Math.max(0, problem.position.column - 1));
  const end = problem.end ? new vscode.Position(Math.max(0, problem.end.line - 1), Math.max(0, problem.end.column - 1)) : start;
  return end.isAfter(start) ? new vscode.Range(start, end) : new vscode.Range(start, start.translate(0, 1));
}

export class ExperimentCatalog extends Disposable {
  private readonly files = new Map<string, ExperimentFile>();
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('grokking-lab'));
  private readonly _onDidChange = this._register(new Emitter<void>());
  private readonly pending = new Set<string>();
  private debounce?: NodeJS.Timeout;
  private scanned = false;

  /** The files or their experiments changed. */
  readonly onDidChange: Event<void> = this._onDidChange.event;
  /** Resolves after the first scan of the workspace. */
  readonly ready: Promise<void>;

  constructor(private readonly debounceMs = 250) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(EXPERIMENT_FILE_GLOB));
    this._register(watcher.onDidCreate((uri) => this.schedule(uri)));
    this._register(watcher.onDidChange((uri) => this.schedule(uri)));
    this._register(watcher.onDidDelete((uri) => this.schedule(uri)));
    // Unsaved edits count too: diagnostics follow the text being typed, not only the saved file.
    this._register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (isExperimentFile(event.document.uri) && event.contentChanges.length > 0) this.schedule(event.document.uri);
      }),
    );
    this._register(vscode.workspace.onDidCloseTextDocument((document) => isExperimentFile(document.uri) && this.schedule(document.uri)));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()));
    this._register(toDisposable(() => clearTimeout(this.debounce)));
    this.ready = this.refresh();
  }

  /** Whether the first scan has finished. */
  get isScanned(): boolean {
    return this.scanned;
  }

  /** Every experiment file, by label. */
  get all(): readonly ExperimentFile[] {
    return [...this.files.values()].sort((left, right) => left.label.localeCompare(right.label));
  }

  /** Every valid experiment with its file, in file then file order. */
  get experiments(): { file: ExperimentFile; experiment: ResolvedExperiment }[] {
    return this.all.flatMap((file) => file.experiments.map((experiment) => ({ file, experiment })));
  }

  /** The file of this uri, if it is known. */
  get(uri: vscode.Uri): ExperimentFile | undefined {
    return this.files.get(uri.toString());
  }

  /** Scans the workspace again and re-parses every file. */
  async refresh(): Promise<void> {
    const uris = await vscode.workspace.findFiles(EXPERIMENT_FILE_GLOB);
    const found = new Set(uris.map((uri) => uri.toString()));
    for (const key of [...this.files.keys()]) {
      if (!found.has(key)) this.remove(key);
    }
    await Promise.all(uris.map((uri) => this.load(uri)));
    this.scanned = true;
    this._onDidChange.fire();
  }

  /** Parses one file now (used after writing a new file, so that it shows without waiting for the watcher). */
  async reload(uri: vscode.Uri): Promise<ExperimentFile | undefined> {
    await this.load(uri);
    this._onDidChange.fire();
    return this.get(uri);
  }

  private schedule(uri: vscode.Uri): void {
    this.pending.add(uri.toString());
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.processPending(), this.debounceMs);
  }

  private async processPending(): Promise<void> {
    const uris = [...this.pending].map((key) => vscode.Uri.parse(key));
    this.pending.clear();
    await Promise.all(uris.map((uri) => this.load(uri)));
    if (!this.isDisposed) this._onDidChange.fire();
  }

  private remove(key: string): void {
    this.files.delete(key);
    this.diagnostics.delete(vscode.Uri.parse(key));
  }

  private async load(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === key);
    let text: string;
    // Unsaved edits win (diagnostics follow the typing); otherwise the file on disk is the truth
    // (a closed editor's document can linger after its file was deleted).
    if (open && !open.isClosed && open.isDirty) text = open.getText();
    else {
      try {
        // A file past limits.fileBytes is refused unread, as the CLI does (src/shared/config/parse.ts, fileSizeProblem).
        const tooLarge = fileSizeProblem(vscode.workspace.asRelativePath(uri), (await vscode.workspace.fs.stat(uri)).size);
        if (tooLarge) throw new Error(tooLarge);
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      } catch (error) {
        if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') {
          this.remove(key);
          return;
        }
        this.files.set(key, { uri, label: vscode.workspace.asRelativePath(uri), experiments: [], problems: [], readError: (error as Error).message });
        return;
      }
    }
    if (this.isDisposed) return;
    const label = vscode.workspace.asRelativePath(uri);
    const parsed = parseExperimentFile(label, text);
    this.files.set(key, { uri, label, experiments: parsed.experiments, problems: parsed.problems });
    this.diagnostics.set(
      uri,
      parsed.problems.map((problem) => {
        const diagnostic = new vscode.Diagnostic(problemRange(problem), problem.message, vscode.DiagnosticSeverity.Error);
        diagnostic.source = DIAGNOSTIC_SOURCE;
        return diagnostic;
      }),
    );
  }
}
