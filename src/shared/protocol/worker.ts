/**
 * Worker → parent protocol (Node IPC, `process.send`). Every message carries the run id, condition
 * and seed, so that a parent can drop late messages of a cancelled run. The run folder is the
 * durable record; these messages are the live copy of what the worker just wrote.
 */
import type { EpochRecord, RunEvent, SeedStatus } from '../runFormat';

interface WorkerMessageBase {
  runId: string;
  condition: string;
  seed: number;
}

export type WorkerMessage =
  | (WorkerMessageBase & { type: 'started'; pid: number; engine: string; backend?: string })
  | (WorkerMessageBase & { type: 'record'; record: EpochRecord })
  | (WorkerMessageBase & { type: 'event'; event: RunEvent })
  | (WorkerMessageBase & { type: 'finished'; status: SeedStatus; message?: string; lastEpoch: number });

/** What the parent gives a worker (as a JSON file whose path is the worker's argument). */
export interface WorkerAssignment {
  runId: string;
  /** The run folder: <runs folder>/<experiment>/<run id>. */
  runDirectory: string;
  condition: string;
  seed: number;
  config: import('../config/types').RunConfig;
}
