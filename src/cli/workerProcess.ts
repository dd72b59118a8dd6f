/**
 * A training worker as a child process: `node dist/worker.js ASSIGNMENT.json` with an IPC channel.
 * Reports typed messages and one exit; stop() sends SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkerMessage } from '../shared/protocol/worker';

/** Finds dist/worker.js next to this bundle, or from the source tree (tests run the sources). */
export function workerScriptPath(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', '..', 'dist', 'worker.js')];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error('The training worker is not built: run `npm run build` first.');
  return found;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last line the worker wrote to stderr: its one-line reason when it failed. */
  lastErrorLine?: string;
}

export class WorkerProcess {
  private readonly child: ChildProcess;
  private stderrTail = '';
  private killTimer?: NodeJS.Timeout;
  readonly exited: Promise<WorkerExit>;

  constructor(assignmentFile: string, onMessage: (message: WorkerMessage) => void) {
    this.child = spawn(process.execPath, [workerScriptPath(), assignmentFile], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Own process group: Ctrl-C reaches the CLI only, which then stops workers in order.
      detached: true,
    });
    this.child.on('message', (message) => onMessage(message as WorkerMessage));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        clearTimeout(this.killTimer);
        const lines = this.stderrTail.trim().split('\n').filter(Boolean);
        resolve({ code, signal, lastErrorLine: lines.at(-1) });
      });
      this.child.on('error', (error) => resolve({ code: null, signal: null, lastErrorLine: error.message }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Asks the worker to stop after its current epoch; kills it if it has not exited after `graceMs`. */
  stop(graceMs = 10_000): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    this.killTimer = setTimeout(() => {
      if (this.child.pid !== undefined) {
        try {
          process.kill(-this.child.pid, 'SIGKILL');
        } catch {
          this.child.kill('SIGKILL');
        }
      }
    }, graceMs);
    this.killTimer.unref();
  }
}
