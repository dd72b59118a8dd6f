/**
 * The training worker: one process per (condition, seed). Usage: `node dist/worker.js ASSIGNMENT.json`
 * where the file holds a WorkerAssignment (src/shared/protocol/worker.ts). It appends each epoch
 * row to <condition>/seed-<n>.jsonl, events to events.jsonl, keeps <condition>/seed-<n>.status.json
 * current, and — when started with an IPC channel — sends the same rows and events to its parent.
 *
 * Exit codes: 0 completed, 3 diverged (NaN/Inf loss), 130 cancelled (SIGINT/SIGTERM), 1 failed.
 * A failure prints one line to stderr; whatever was written stays readable. When the run folder
 * cannot be written any more (a full disk), the worker still tells its parent how it ended and
 * exits: its parent records what it can (src/producer/runLaunch.ts exitedSeedStatus).
 */
import type { RunEvent, SeedStatus, SeedStatusFile } from '../shared/runFormat';
import type { WorkerAssignment, WorkerMessage } from '../shared/protocol/worker';
import {
  LineAppender,
  RUN_EVENTS,
  hostName,
  readWorkerAssignment,
  recordRow,
  seedLogPath,
  seedRecordsPath,
  writeSeedStatus,
} from '../runs/runFolder';
import { isTransformerConfig, lastRowOf, timeUnitOf } from '../shared/config/modelKind';
import { trainSeed, type TrainSeedOptions } from './trainer';
import { trainTransformerSeed } from './transformer/trainer';
import path from 'node:path';

export const WORKER_EXIT_CODES: Record<SeedStatus, number> = {
  completed: 0,
  failed: 1,
  diverged: 3,
  cancelled: 130,
  interrupted: 130,
  queued: 1,
  running: 1,
};

/** Sends a message to the parent when there is one; resolves once it is handed to the channel. */
function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send && process.connected) process.send(message, undefined, {}, () => resolve());
    else resolve();
  });
}

async function main(): Promise<number> {
  const assignmentFile = process.argv[2];
  if (!assignmentFile) {
    process.stderr.write('usage: worker ASSIGNMENT.json\n');
    return 1;
  }
  let assignment: WorkerAssignment;
  try {
    assignment = readWorkerAssignment(assignmentFile);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const { runId, runDirectory, condition, seed, config } = assignment;
  const identity = { runId, condition, seed };
  const records = new LineAppender(seedRecordsPath(runDirectory, condition, seed));
  const events = new LineAppender(path.join(runDirectory, RUN_EVENTS));
  const log = new LineAppender(seedLogPath(runDirectory, condition, seed));
  const writeLog = (line: string) => log.appendText(`${new Date().toISOString()} ${line}`);
  const status: SeedStatusFile = {
    condition,
    seed,
    status: 'running',
    lastEpoch: -1,
    epochs: lastRowOf(config),
    startTime: new Date().toISOString(),
    pid: process.pid,
    host: hostName(),
  };
  writeSeedStatus(runDirectory, status);

  const abort = new AbortController();
  const stop = (signal: string) => {
    abort.abort();
    try {
      writeLog(`received ${signal}: stopping after the current epoch`);
    } catch {
      // A full disk: stopping matters more than the log line.
    }
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A parent that dies without signalling closes the IPC channel: stop rather than train unobserved.
  process.on('disconnect', () => stop('disconnect'));

  const emitEvent = (event: RunEvent) => {
    const stamped = { ...event, time: new Date().toISOString() };
    events.appendJson(stamped);
    void send({ ...identity, type: 'event', event: stamped });
  };

  let finalStatus: SeedStatus = 'failed';
  let message: string | undefined;
  // After a write failed (a full disk), the end is written where it still can be: each step on its own.
  const attempt = (write: () => void) => {
    try {
      write();
    } catch {
      // The failure is already the seed's message; the parent records the end if this could not.
    }
  };
  try {
    writeLog(`start: run ${runId}, condition ${condition}, seed ${seed}, engine ${config.engine.name}`);
    const unit = timeUnitOf(config);
    const common: Omit<TrainSeedOptions, 'config'> = {
      condition,
      seed,
      signal: abort.signal,
      onStart: (engine, backend) => {
        writeLog(`engine ${engine} (${backend})`);
        void send({ ...identity, type: 'started', pid: process.pid, engine, backend });
      },
      onRecord: (record) => {
        records.appendJson(recordRow(record, unit));
        status.lastEpoch = record.epoch;
        void send({ ...identity, type: 'record', record });
      },
      onEvent: emitEvent,
      log: writeLog,
    };
    const result = isTransformerConfig(config) ? await trainTransformerSeed({ ...common, config }) : await trainSeed({ ...common, config });
    finalStatus = result.status;
    message = result.message;
  } catch (error) {
    finalStatus = 'failed';
    message = (error as Error).message ?? String(error);
    attempt(() => writeLog(`failed: ${(error as Error).stack ?? message}`));
  }
  status.status = finalStatus;
  status.message = message;
  status.endTime = new Date().toISOString();
  attempt(() => writeSeedStatus(runDirectory, status));
  attempt(() => emitEvent({ type: 'seedFinished', condition, seed, epoch: Math.max(status.lastEpoch, 0), status: finalStatus, message }));
  await send({ ...identity, type: 'finished', status: finalStatus, message, lastEpoch: status.lastEpoch });
  attempt(() => writeLog(`finished: ${finalStatus}${message ? ` (${message})` : ''}`));
  for (const file of [records, events, log]) attempt(() => file.close());
  if (finalStatus !== 'completed' && message) {
    process.stderr.write(`condition ${condition}, seed ${seed}: ${finalStatus}: ${message}\n`);
  }
  return WORKER_EXIT_CODES[finalStatus];
}

main()
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      process.stderr.write(`worker failed: ${error.message}\n`);
      process.exitCode = 1;
    },
  )
  .finally(() => {
    // Let the IPC channel flush its last messages, then leave even if a handle lingers: an open
    // channel would keep this process, and its parent waiting for it, alive for good. Our own
    // disconnect is no parent leaving.
    process.removeAllListeners('disconnect');
    if (process.connected) process.disconnect();
  });
