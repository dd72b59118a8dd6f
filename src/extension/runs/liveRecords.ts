/**
 * The live record stream the dashboard subscribes to: batches of new rows, events and seed
 * statuses per run, at most about ten a second in all. Runs this window launched come straight
 * from their workers (RunManager.onDidRecord, over IPC); runs written by another process (the
 * CLI, another window, a cluster job) are followed on disk by polling their files' ends, for as
 * long as someone follows them.
 *
 * No `vscode` import.
 */
import path from 'node:path';
import { RecordBatcher, type RunRecordBatch } from '../batching';
import { Emitter, type Event } from '../../shared/event';
import { Disposable, toDisposable, type DisposableLike } from '../../shared/lifecycle';
import type { EpochRecord, RunEvent, SeedStatus } from '../../shared/runFormat';
import { RUN_EVENTS, isEpochRecord, isRunEvent, readManifest, readSeedStatus, seedRecordsPath } from '../../runs/runFolder';
import { JsonLinesTail } from '../../runs/runFolderReader';
import type { RunManager } from './runManager';

/** Where the dashboard gets live output from. */
export interface LiveRecordSource {
  /** New output of followed or active runs: one batch per run per flush, at most ~10 flushes a second per source. */
  readonly onDidRecord: Event<RunRecordBatch>;
  /**
   * Starts following a run folder on disk until the returned disposable is disposed (reference
   * counted: several followers of one run share one reader). It reports only what is appended
   * after the call: call it before reading the run's snapshot, so that nothing falls between
   * (rows received twice carry the same epoch and are ignored by the webview).
   */
  follow(runDirectory: string): DisposableLike;
}

interface SeedFollower {
  condition: string;
  seed: number;
  tail: JsonLinesTail<EpochRecord>;
  status?: SeedStatus;
}

class RunFollower {
  readonly runId: string;
  private readonly seeds: SeedFollower[];
  private readonly events: JsonLinesTail<RunEvent>;
  references = 1;
  /** True while this window's run manager runs the folder (and streams it itself). */
  streamedByManager = false;

  constructor(readonly runDirectory: string) {
    const manifest = readManifest(runDirectory);
    this.runId = manifest?.runId ?? path.basename(runDirectory);
    const seedNumbers = manifest?.seeds ?? [];
    this.seeds = (manifest?.conditions ?? []).flatMap((condition) =>
      seedNumbers.map((seed) => ({
        condition: condition.name,
        seed,
        tail: new JsonLinesTail(seedRecordsPath(runDirectory, condition.name, seed), isEpochRecord),
        status: readSeedStatus(runDirectory, condition.name, seed)?.status,
      })),
    );
    this.events = new JsonLinesTail(path.join(runDirectory, RUN_EVENTS), isRunEvent);
    for (const seed of this.seeds) seed.tail.skipExisting();
    this.events.skipExisting();
  }

  /** Moves past everything written so far without reporting it (the manager already streamed it). */
  skipExisting(): void {
    for (const seed of this.seeds) {
      seed.tail.skipExisting();
      seed.status = readSeedStatus(this.runDirectory, seed.condition, seed.seed)?.status;
    }
    this.events.skipExisting();
  }

  /** Reads what was appended since the last poll into the batcher. */
  poll(batcher: RecordBatcher): void {
    for (const seed of this.seeds) {
      const { rows, restarted } = seed.tail.read();
      if (restarted) batcher.restartSeed(this.runDirectory, this.runId, seed.condition, seed.seed);
      batcher.addRecords(this.runDirectory, this.runId, seed.condition, seed.seed, rows);
      const status = readSeedStatus(this.runDirectory, seed.condition, seed.seed);
      if (status && status.status !== seed.status) {
        seed.status = status.status;
        batcher.setStatus(this.runDirectory, this.runId, seed.condition, seed.seed, status.status, status.message);
      }
    }
    for (const event of this.events.read().rows) batcher.addEvent(this.runDirectory, this.runId, event);
  }
}

export class LiveRecords extends Disposable implements LiveRecordSource {
  private readonly _onDidRecord = this._register(new Emitter<RunRecordBatch>());
  readonly onDidRecord: Event<RunRecordBatch> = this._onDidRecord.event;
  private readonly followers = new Map<string, RunFollower>();
  private readonly batcher = new RecordBatcher();
  private timer?: NodeJS.Timeout;

  /**
   * @param manager Runs of this window: their batches are passed on as they are, and their folders are not polled.
   * @param pollIntervalMs How often followed folders are read (default 250 ms: rows show within a second).
   */
  constructor(private readonly manager: RunManager, private readonly pollIntervalMs = 250) {
    super();
    this._register(manager.onDidRecord((batch) => this._onDidRecord.fire(batch)));
    this._register(toDisposable(() => clearTimeout(this.timer)));
  }

  follow(runDirectory: string): DisposableLike {
    const directory = path.resolve(runDirectory);
    let follower = this.followers.get(directory);
    if (follower) follower.references += 1;
    else {
      follower = new RunFollower(directory);
      this.followers.set(directory, follower);
    }
    this.schedule();
    const followed = follower;
    return toDisposable(() => {
      followed.references -= 1;
      if (followed.references === 0) {
        this.followers.delete(directory);
        this.batcher.forgetRun(directory);
      }
    });
  }

  private schedule(): void {
    if (this.timer !== undefined || this.isDisposed || this.followers.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poll();
      this.schedule();
    }, this.pollIntervalMs);
  }

  private poll(): void {
    for (const follower of this.followers.values()) {
      // The manager streams its own runs live; reading their files too would only repeat them.
      if (this.manager.activeRun(follower.runDirectory)) {
        follower.streamedByManager = true;
        continue;
      }
      try {
        if (follower.streamedByManager) {
          follower.streamedByManager = false;
          follower.skipExisting();
        } else follower.poll(this.batcher);
      } catch {
        // A folder deleted while followed: nothing more to report.
      }
    }
    for (const batch of this.batcher.take(Date.now())) this._onDidRecord.fire(batch);
  }
}
