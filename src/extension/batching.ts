/**
 * Batching of live worker output for viewers: records, events and seed status changes are
 * collected per run and per seed and handed out together, at most once per interval, so that a
 * viewer receives about ten batches a second whatever the number of seeds (issue 3: "records reach
 * the dashboard within a second of being written, batched").
 *
 * Pure and timer-free: the caller owns the clock. It calls {@link RecordBatcher.delayUntilFlush}
 * to know when to come back and {@link RecordBatcher.take} then; tests drive it with plain numbers.
 */
import type { EpochRecord, RunEvent, SeedStatus } from '../shared/runFormat';
import type { RunAppend, SeedAppend } from '../shared/protocol/webview';

/** New output of one run since the last batch: the dashboard protocol's {@link RunAppend}, plus where the run lives. */
export interface RunRecordBatch extends RunAppend {
  /** The run folder (`<runs folder>/<experiment>/<run id>`). */
  runDirectory: string;
}

/** Default minimum time between two flushes: ten a second. */
export const DEFAULT_FLUSH_INTERVAL_MS = 100;

interface PendingRun {
  runId: string;
  runDirectory: string;
  /** Per `condition/seed`, in the order the seeds first had output. */
  seeds: Map<string, SeedAppend>;
  events: RunEvent[];
}

/**
 * Collects output per run and seed, and decides when it may be flushed: never sooner than
 * `intervalMs` after the previous flush, and at once when the previous flush is older than that.
 */
export class RecordBatcher {
  private readonly pending = new Map<string, PendingRun>();
  private lastFlushTime = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs = DEFAULT_FLUSH_INTERVAL_MS) {}

  /** Adds epoch rows of a seed (in epoch order). */
  addRecords(runDirectory: string, runId: string, condition: string, seed: number, records: readonly EpochRecord[]): void {
    if (records.length === 0) return;
    this.seedOf(runDirectory, runId, condition, seed).records.push(...records);
  }

  /** Adds an event (detector fire, milestone, checkpoint, seed end) of a run, in file order. */
  addEvent(runDirectory: string, runId: string, event: RunEvent): void {
    this.runOf(runDirectory, runId).events.push(event);
  }

  /** Records a status change of a seed; a later change in the same batch replaces an earlier one. */
  setStatus(runDirectory: string, runId: string, condition: string, seed: number, status: SeedStatus, message?: string): void {
    this.seedOf(runDirectory, runId, condition, seed).status = message === undefined ? { status } : { status, message };
  }

  /**
   * Marks a seed as started again from epoch 0 (a re-run): rows collected before for it are
   * dropped, and the batch tells viewers to replace the seed's rows rather than extend them.
   */
  restartSeed(runDirectory: string, runId: string, condition: string, seed: number): void {
    const pending = this.seedOf(runDirectory, runId, condition, seed);
    pending.records = [];
    pending.restart = true;
  }

  /** Forgets everything pending for a run (a deleted run: nobody should draw it any more). */
  forgetRun(runDirectory: string): void {
    this.pending.delete(runDirectory);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Milliseconds to wait before {@link take} may be called at `now`: 0 when a flush is due, the
   * rest of the interval when the previous flush was recent, undefined when nothing is pending.
   */
  delayUntilFlush(now: number): number | undefined {
    if (!this.hasPending) return undefined;
    return Math.max(0, this.lastFlushTime + this.intervalMs - now);
  }

  /**
   * Hands out everything pending, one batch per run in the order runs first had output, and
   * remembers `now` as the time of this flush. Empty when nothing is pending (and then the flush
   * time is not moved, so the next output may go out at once).
   */
  take(now: number): RunRecordBatch[] {
    if (!this.hasPending) return [];
    const batches = [...this.pending.values()].map((run) => ({
      runId: run.runId,
      runDirectory: run.runDirectory,
      seeds: [...run.seeds.values()],
      events: run.events,
    }));
    this.pending.clear();
    this.lastFlushTime = now;
    return batches;
  }

  private runOf(runDirectory: string, runId: string): PendingRun {
    let run = this.pending.get(runDirectory);
    if (!run) {
      run = { runId, runDirectory, seeds: new Map(), events: [] };
      this.pending.set(runDirectory, run);
    }
    return run;
  }

  private seedOf(runDirectory: string, runId: string, condition: string, seed: number): SeedAppend {
    const run = this.runOf(runDirectory, runId);
    const key = `${condition}/${seed}`;
    let pending = run.seeds.get(key);
    if (!pending) {
      pending = { condition, seed, records: [] };
      run.seeds.set(key, pending);
    }
    return pending;
  }
}

/**
 * Decides when a throttled notification ("something changed") may fire: at once when the last one
 * is older than the interval, else at the end of the interval; several requests in between make
 * one notification. Pure; the caller owns the timer.
 */
export class Throttle {
  private lastFireTime = Number.NEGATIVE_INFINITY;
  private requested = false;

  constructor(private readonly intervalMs: number) {}

  /** Notes that something changed; returns the delay after which {@link fire} should be called. */
  request(now: number): number {
    this.requested = true;
    return Math.max(0, this.lastFireTime + this.intervalMs - now);
  }

  /** True when a notification is due at `now` (then it counts as fired); false when nothing was requested. */
  fire(now: number): boolean {
    if (!this.requested) return false;
    this.requested = false;
    this.lastFireTime = now;
    return true;
  }
}
