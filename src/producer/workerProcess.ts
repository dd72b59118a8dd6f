/**
 * One training worker as a child process: `node dist/worker.js ASSIGNMENT.json` with an IPC
 * channel (src/training/worker.ts). A disposable object with `onDidReport` (typed worker messages)
 * and `onDidExit`; stopping sends SIGTERM to the worker's whole process group (the worker finishes
 * its epoch, writes its status and exits) and SIGKILL after a grace period.
 *
 * No `vscode` import: the run manager that owns these is tested under plain Node with real workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Emitter, type Event } from '../shared/event';
import { Disposable } from '../shared/lifecycle';
import type { WorkerMessage } from '../shared/protocol/worker';

/** How to start a worker. */
export interface WorkerLaunch {
  /** dist/worker.js of the extension. */
  workerScript: string;
  /** The WorkerAssignment JSON file (`<run>/<condition>/seed-<n>.assignment.json`). */
  assignmentFile: string;
  /**
   * The Node executable. In VS Code the extension host's `process.execPath` is Electron (desktop)
   * or the server's Node (remote, code-server); with ELECTRON_RUN_AS_NODE=1 (see {@link workerEnvironment})
   * both run scripts as plain Node.
   */
  execPath: string;
  /** Environment of the worker. */
  env: NodeJS.ProcessEnv;
  /** Working directory (the run folder, so that nothing lands in the workspace by accident). */
  cwd: string;
  /** Milliseconds between SIGTERM and SIGKILL when stopping. */
  graceMs: number;
}

/** How a worker ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last line the worker wrote to stderr: its one-line reason when it failed. */
  lastErrorLine?: string;
  /** True when it had to be killed with SIGKILL after the grace period. */
  killed: boolean;
}

/** The environment for a worker: this process's, with Electron told to behave as Node. */
export function workerEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ELECTRON_RUN_AS_NODE: '1' };
}

function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return typeof message.type === 'string' && typeof message.runId === 'string' && typeof message.condition === 'string' && typeof message.seed === 'number';
}

export class WorkerProcess extends Disposable {
  private readonly child: ChildProcess;
  private readonly _onDidReport = this._register(new Emitter<WorkerMessage>());
  private readonly _onDidExit = this._register(new Emitter<WorkerExit>());
  private stderrTail = '';
  private killTimer?: NodeJS.Timeout;
  private killed = false;
  private exitValue?: WorkerExit;

  /** Every message the worker sends (started, record, event, finished). */
  readonly onDidReport: Event<WorkerMessage> = this._onDidReport.event;
  /** Fires once, when the process has exited. */
  readonly onDidExit: Event<WorkerExit> = this._onDidExit.event;
  /** Resolves once, when the process has exited (also after dispose). */
  readonly exited: Promise<WorkerExit>;

  constructor(private readonly launch: WorkerLaunch) {
    super();
    this.child = spawn(launch.execPath, [launch.workerScript, launch.assignmentFile], {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Its own process group, so that stopping reaches everything the worker started and
      // nothing else; and a signal to VS Code's process group does not reach the worker first.
      detached: true,
      windowsHide: true,
    });
    this.child.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) this._onDidReport.fire(message);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      const finish = (exit: WorkerExit) => {
        if (this.exitValue) return;
        clearTimeout(this.killTimer);
        this.exitValue = exit;
        resolve(exit);
        this._onDidExit.fire(exit);
      };
      this.child.on('exit', (code, signal) => {
        this.reapGroup();
        const lines = this.stderrTail.trim().split('\n').filter(Boolean);
        finish({ code, signal, lastErrorLine: lines.at(-1), killed: this.killed });
      });
      this.child.on('error', (error) => finish({ code: null, signal: null, lastErrorLine: error.message, killed: false }));
    });
  }

  /** Process id, undefined when spawning failed. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitValue !== undefined;
  }

  /**
   * Asks the worker to stop after its current epoch (SIGTERM to its process group) and kills the
   * group with SIGKILL if it has not exited after the grace period. Resolves when it has exited.
   */
  stop(): Promise<WorkerExit> {
    if (this.exitValue || this.killTimer !== undefined) return this.exited;
    this.signalGroup('SIGTERM');
    this.killTimer = setTimeout(() => {
      this.killed = true;
      this.signalGroup('SIGKILL');
    }, this.launch.graceMs);
    return this.exited;
  }

  /** Stops the worker (see {@link stop}); listeners are released once it has exited. */
  override dispose(): void {
    if (this.exitValue) {
      super.dispose();
      return;
    }
    void this.stop().then(() => super.dispose());
  }

  /** Kills what is left of the worker's process group once the worker itself has exited (orphaned grandchildren). */
  private reapGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is empty, the usual case.
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exitValue) return;
    try {
      // A negative pid signals the whole process group (the worker was spawned detached, so it leads one).
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // Already gone: its exit event reports it.
      }
    }
  }
}
