/**
 * What a status means, for every producer and viewer of run folders (docs/run-format.md): which
 * seed statuses are final, which seeds still need training ("Re-run Missing Seeds", `run
 * --resume`), the status a run or seed really has when its producer or worker died, and the order
 * of runs. Pure.
 */
import type { RunStatus, SeedStatus } from '../shared/runFormat';

/** What the view knows of one seed, from its status file, its records and events, or a live worker. */
export interface SeedState {
  condition: string;
  seed: number;
  status: SeedStatus;
  /** Last epoch row written (−1 before the first). */
  epoch: number;
  /** Planned number of optimiser steps E (rows 0…E). */
  epochs: number;
  /** ISO time the worker started (absent while queued). */
  startTime?: string;
  /** Plain-sentence reason for failed, diverged, cancelled, interrupted. */
  message?: string;
  /** First epoch with test accuracy ≥ 0.99 (docs/science.md §4), if reached. */
  grokEpoch?: number;
  /** First epoch at which the lock-in detector fired, if it did. */
  detectorEpoch?: number;
}

/** Seed statuses after which nothing more will be written for the seed. */
export const FINISHED_SEED_STATUSES: readonly SeedStatus[] = ['completed', 'diverged', 'failed', 'cancelled', 'interrupted'];

export function isSeedFinished(status: SeedStatus): boolean {
  return FINISHED_SEED_STATUSES.includes(status);
}

/**
 * Whether a seed still needs training: it never ended with a result. Completed and diverged seeds
 * have one (training is deterministic per seed, so running a diverged seed again would diverge
 * again); queued, running-but-dead, failed, cancelled and interrupted seeds do not.
 */
export function isSeedMissing(status: SeedStatus): boolean {
  return status !== 'completed' && status !== 'diverged';
}

/** The seeds "Re-run Missing Seeds" starts again, in the given order. */
export function missingSeeds<T extends Pick<SeedState, 'status'>>(seeds: readonly T[]): T[] {
  return seeds.filter((seed) => isSeedMissing(seed.status));
}

/** How long a run folder whose manifest says `running` may go without any write before it counts as abandoned. */
export const ABANDONED_AFTER_MS = 30_000;

/**
 * The status a run really has. A producer that was killed (VS Code closed, the CLI killed with
 * `kill -9`, the machine rebooted) leaves `running` in run.json: such a run is `interrupted` once
 * none of its seeds still runs and its producer is known to be gone (same host, no such process),
 * or, when that cannot be checked (another host, an older run.json without `pid`), once nothing was
 * written for {@link ABANDONED_AFTER_MS}.
 *
 * @param manifestStatus The status in run.json, undefined when there is none.
 * @param seeds Effective seed statuses (see {@link effectiveSeedStatus}).
 * @param active True when this process runs it (then it is running, whatever the files say).
 * @param quietForMs Milliseconds since the last write anywhere in the run folder.
 * @param producerAlive Whether the producer's process still exists, undefined when that cannot be checked.
 */
export function effectiveRunStatus(
  manifestStatus: RunStatus | undefined,
  seeds: readonly SeedStatus[],
  active: boolean,
  quietForMs: number,
  producerAlive?: boolean,
): RunStatus {
  if (active) return 'running';
  if (manifestStatus !== undefined && manifestStatus !== 'running') return manifestStatus;
  if (seeds.some((status) => status === 'running')) return 'running';
  const stillPlanned = manifestStatus === 'running' || seeds.some((status) => status === 'queued');
  // A live producer may keep seeds queued for long behind others: quiet is not abandoned then.
  if (stillPlanned && (producerAlive === true || (producerAlive === undefined && quietForMs < ABANDONED_AFTER_MS))) return 'running';
  if (seeds.length > 0 && seeds.every((status) => status === 'completed' || status === 'diverged')) return 'completed';
  if (seeds.some((status) => status === 'failed')) return 'failed';
  return 'interrupted';
}

/**
 * The status a seed really has: a `running` status file whose worker process is known to be gone
 * (same host, no such process) is `interrupted`; a queued seed of an abandoned run too.
 *
 * @param workerAlive True or false when the worker's liveness could be checked, undefined when not
 *   (another host, no pid recorded).
 */
export function effectiveSeedStatus(status: SeedStatus, workerAlive: boolean | undefined, runAbandoned: boolean): SeedStatus {
  if (status === 'running' && (workerAlive === false || (workerAlive === undefined && runAbandoned))) return 'interrupted';
  if (status === 'queued' && runAbandoned) return 'interrupted';
  return status;
}

/** Runs newest first: by start time when both have one, else by run id (which starts with the start time). */
export function compareRunsNewestFirst(
  left: { runId: string; startTime?: string },
  right: { runId: string; startTime?: string },
): number {
  const leftTime = left.startTime === undefined ? Number.NaN : Date.parse(left.startTime);
  const rightTime = right.startTime === undefined ? Number.NaN : Date.parse(right.startTime);
  if (Number.isFinite(leftTime) && Number.isFinite(rightTime) && leftTime !== rightTime) return rightTime - leftTime;
  return right.runId < left.runId ? -1 : right.runId > left.runId ? 1 : 0;
}
