/**
 * The extension's run manager: the producer core (src/producer/runProducer.ts) with what VS Code
 * needs on top. It picks the conditions and applies the `grokkingLab.engine` setting, records
 * `extension` as the producer and "VS Code closed" as what interrupts a run, and turns the core's
 * raw events into what the views consume: live output batched per run (`onDidRecord`, at most ten
 * batches a second, src/extension/batching.ts) and a throttled `onDidChange`. Detector fires and
 * run ends pass through at once.
 *
 * No `vscode` import: settings and logging come in as functions, so that the manager is tested
 * under plain Node with real workers (test/unit/extensionRunManager.test.ts).
 */
import { RecordBatcher, Throttle, type RunRecordBatch } from '../batching';
import type { EngineName, ResolvedExperiment } from '../../shared/config/types';
import { Emitter, type Event } from '../../shared/event';
import { Disposable } from '../../shared/lifecycle';
import type { RunManifest, RunStatus } from '../../shared/runFormat';
import { overrideConditions, selectConditions } from '../../producer/runLaunch';
import { RunProducer, type ActiveRunView, type DetectorAlert, type RunLog, type SeedChange, type SeedReport, type StopReason } from '../../producer/runProducer';

export type { ActiveRunView, DetectorAlert, RunLog, StopReason } from '../../producer/runProducer';

/** What the manager needs from its host. */
export interface RunManagerOptions {
  /** dist/worker.js. */
  workerScript: string;
  /** Executable that runs the worker script as Node (see WorkerLaunch.execPath). */
  execPath: string;
  /** Environment of the workers; default: this process's with ELECTRON_RUN_AS_NODE=1. */
  env?: NodeJS.ProcessEnv;
  /** The current limit of workers running at once (read each time a worker could start). */
  maxConcurrentSeeds: () => number;
  /** Versions recorded in run.json (`grokkingLab`, `node`, `vscode`, …). */
  versions: RunManifest['versions'];
  log: RunLog;
  /** Milliseconds between SIGTERM and SIGKILL when stopping a worker (default 5 s). */
  graceMs?: number;
  /** Minimum milliseconds between two record batches (default 100: ten a second). */
  recordIntervalMs?: number;
  /** Minimum milliseconds between two `onDidChange` events (default 250). */
  changeIntervalMs?: number;
}

/** What to run, as the extension's commands know it. */
export interface LaunchRequest {
  experiment: ResolvedExperiment;
  /** Names of the conditions to run (default: all, in the experiment's order). */
  conditions?: readonly string[];
  /** Absolute runs folder; the run goes to `<runsFolder>/<experiment>/<run id>`. */
  runsFolder: string;
  /** The experiment file as recorded in run.json (relative to its workspace folder when possible). */
  file: string;
  /** Folder of the experiment file, for the git commit and dirty flag recorded in run.json. */
  fileDirectory: string;
  /** Engine to use instead of the file's (the `grokkingLab.engine` setting, when set). */
  engine?: EngineName;
}

export class RunManager extends Disposable {
  private readonly producer: RunProducer;
  private readonly batcher: RecordBatcher;
  private readonly changes: Throttle;
  private flushTimer?: NodeJS.Timeout;
  private changeTimer?: NodeJS.Timeout;

  private readonly _onDidRecord = this._register(new Emitter<RunRecordBatch>());
  private readonly _onDidChange = this._register(new Emitter<void>());

  /** New records, events and seed statuses of active runs: one batch per run per flush, at most ten flushes a second. */
  readonly onDidRecord: Event<RunRecordBatch> = this._onDidRecord.event;
  /** Something about the active runs changed (a seed started, advanced or ended): throttled. */
  readonly onDidChange: Event<void> = this._onDidChange.event;
  /** A worker reported the first detector fire of a seed. */
  readonly onDidFireDetector: Event<DetectorAlert>;
  /** A run ended (its folder is complete: statuses, summary.json, run.json). */
  readonly onDidEndRun: Event<{ run: ActiveRunView; status: RunStatus }>;

  constructor(options: RunManagerOptions) {
    super();
    this.producer = this._register(
      new RunProducer({
        workerScript: options.workerScript,
        execPath: options.execPath,
        ...(options.env ? { env: options.env } : {}),
        maxConcurrentSeeds: options.maxConcurrentSeeds,
        producer: 'extension',
        versions: options.versions,
        log: options.log,
        closingReason: 'VS Code closed',
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      }),
    );
    this.batcher = new RecordBatcher(options.recordIntervalMs);
    this.changes = new Throttle(options.changeIntervalMs ?? 250);
    this.onDidFireDetector = this.producer.onDidFireDetector;
    this.onDidEndRun = this.producer.onDidEndRun;
    this._register(this.producer.onDidReport((report) => this.onReport(report)));
    this._register(this.producer.onDidChangeSeed((change) => this.onSeedChange(change)));
    this._register(
      this.producer.onDidEndRun(() => {
        this.flush();
        this.requestChange();
      }),
    );
  }

  /** The runs being run, in launch order. */
  get activeRuns(): readonly ActiveRunView[] {
    return this.producer.activeRuns;
  }

  /** The active run in this folder, if any. */
  activeRun(runDirectory: string): ActiveRunView | undefined {
    return this.producer.activeRun(runDirectory);
  }

  /** Number of workers running now. */
  get workerCount(): number {
    return this.producer.workerCount;
  }

  /** Process ids of the workers running now. */
  get workerPids(): number[] {
    return this.producer.workerPids;
  }

  /** Starts a new run of the chosen conditions (all by default) with the engine setting applied; see RunProducer.launch. */
  async launch(request: LaunchRequest): Promise<ActiveRunView> {
    const conditions = overrideConditions(selectConditions(request.experiment, request.conditions), { engine: request.engine });
    return this.producer.launch({
      experiment: request.experiment,
      conditions,
      seeds: request.experiment.seeds,
      runsFolder: request.runsFolder,
      file: request.file,
      fileDirectory: request.fileDirectory,
    });
  }

  /** Re-Run Missing Seeds: finishes a run in its own folder (RunProducer.resume). */
  async rerunMissingSeeds(runDirectory: string): Promise<ActiveRunView> {
    return this.producer.resume(runDirectory);
  }

  /** Stops a run (RunProducer.stop); resolves when its folder is complete. */
  async stop(runDirectory: string, reason: StopReason = 'cancelled'): Promise<RunStatus | undefined> {
    const stopping = this.producer.stop(runDirectory, reason);
    this.requestChange();
    return stopping;
  }

  /** Stops every run; resolves when all their folders are complete. */
  async stopAll(reason: StopReason = 'cancelled'): Promise<void> {
    const stopping = this.producer.stopAll(reason);
    this.requestChange();
    await stopping;
  }

  /** Stops every run as interrupted (VS Code is closing) and waits for the folders to be complete. */
  async shutdown(): Promise<void> {
    await this.producer.shutdown();
    this.flush();
  }

  override dispose(): void {
    clearTimeout(this.flushTimer);
    clearTimeout(this.changeTimer);
    super.dispose();
  }

  private onReport({ run, message }: SeedReport): void {
    switch (message.type) {
      case 'record':
        this.batcher.addRecords(run.runDirectory, run.runId, message.condition, message.seed, [message.record]);
        break;
      case 'event':
        this.batcher.addEvent(run.runDirectory, run.runId, message.event);
        break;
      case 'started':
      case 'finished':
        // Their status reaches the views through onDidChangeSeed.
        break;
      default: {
        const unknown: never = message;
        throw new Error(`unknown worker message ${JSON.stringify(unknown)}`);
      }
    }
    this.scheduleFlush();
    this.requestChange();
  }

  private onSeedChange({ run, seed, restarted }: SeedChange): void {
    if (restarted) this.batcher.restartSeed(run.runDirectory, run.runId, seed.condition, seed.seed);
    this.batcher.setStatus(run.runDirectory, run.runId, seed.condition, seed.seed, seed.status, seed.message);
    this.scheduleFlush();
    this.requestChange();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.isDisposed) return;
    const delay = this.batcher.delayUntilFlush(Date.now());
    if (delay === undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, delay);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const batch of this.batcher.take(Date.now())) this._onDidRecord.fire(batch);
  }

  private requestChange(): void {
    if (this.changeTimer !== undefined || this.isDisposed) return;
    const delay = this.changes.request(Date.now());
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      if (this.changes.fire(Date.now())) this._onDidChange.fire();
    }, delay);
  }
}
