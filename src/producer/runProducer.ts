/**
 * The producer core (docs/architecture.md §1): runs every (condition, seed) of a run as its own
 * worker process (dist/worker.js, src/training/worker.ts), at most `maxConcurrentSeeds` at once over
 * all its runs, the rest in one queue, and writes the run folder the one way every producer does
 * (docs/run-format.md): run.json, the assignment files, the status of every seed a worker could not
 * write itself (queued, failed, cancelled, interrupted), summary.json and the run's final status.
 * It also finishes an interrupted run in its own folder ({@link RunProducer.resume}).
 *
 * The producers are thin adapters on it: the command line (src/cli/runCommand.ts) and the
 * extension (src/extension/runs/runManager.ts) choose what to run and show progress; a cluster
 * producer can be one too. Its events are raw (every worker message, every status change) and
 * adapters batch or throttle them for their display. No timers but the workers' grace periods, no
 * `vscode` import.
 */
import path from 'node:path';
import type { ResolvedCondition, ResolvedExperiment, RunConfig } from '../shared/config/types';
import { Emitter, type Event } from '../shared/event';
import { Disposable } from '../shared/lifecycle';
import type { WorkerAssignment, WorkerMessage } from '../shared/protocol/worker';
import type { RunManifest, RunStatus, SeedStatus } from '../shared/runFormat';
import { clearSeeds, createRunFolder, hostName, readManifest, readSeedStatus, seedAssignmentPath, writeJsonAtomic, writeManifest, writeSeedStatus } from '../runs/runFolder';
import { isProcessAlive } from '../runs/runFolderReader';
import { isSeedFinished, isSeedMissing, type SeedState } from '../runs/status';
import { exitedSeedStatus, gitState, newRunManifest, terminalRunStatus, writeRunSummary } from './runLaunch';
import { WorkerProcess, workerEnvironment, type WorkerExit } from './workerProcess';
import { lastRowOf } from '../shared/config/modelKind';

/** Where a producer logs launches, exits and failures (a `vscode.LogOutputChannel` fits). */
export interface RunLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What the producer needs from its host. */
export interface RunProducerOptions {
  /** dist/worker.js. */
  workerScript: string;
  /** Executable that runs the worker script as Node (see WorkerLaunch.execPath). */
  execPath: string;
  /** Environment of the workers; default: this process's with ELECTRON_RUN_AS_NODE=1. */
  env?: NodeJS.ProcessEnv;
  /** The current limit of workers running at once (read each time a worker could start). */
  maxConcurrentSeeds: () => number;
  /** Who writes the runs, as run.json records it: `cli`, `extension`, … */
  producer: string;
  /** Versions recorded in run.json (`grokkingLab`, `node`, `vscode`, …). */
  versions: RunManifest['versions'];
  log: RunLog;
  /**
   * What stopping a run as `interrupted` means for the seeds' messages ("VS Code closed" gives
   * "VS Code closed at epoch 12", "VS Code closed before it started").
   */
  closingReason?: string;
  /** Milliseconds between SIGTERM and SIGKILL when stopping a worker (default 5 s). */
  graceMs?: number;
}

/** What to run: conditions and seeds as the adapter resolved them (overrides applied). */
export interface LaunchRequest {
  experiment: Pick<ResolvedExperiment, 'name' | 'description'>;
  conditions: readonly ResolvedCondition[];
  seeds: readonly number[];
  /** Absolute runs folder; the run goes to `<runsFolder>/<experiment>/<run id>`. */
  runsFolder: string;
  /** The experiment file as recorded in run.json (relative to its workspace or working folder when possible). */
  file: string;
  /** Folder of the experiment file, for the git commit and dirty flag recorded in run.json. */
  fileDirectory: string;
}

/** Why a run was stopped: by the user (cancelled) or because its producer is closing (interrupted). */
export type StopReason = Extract<RunStatus, 'cancelled' | 'interrupted'>;

/** A read-only view of a run the producer is running. */
export interface ActiveRunView {
  runId: string;
  runDirectory: string;
  experiment: string;
  startTime: string;
  /** Set once Stop (or shutdown) was asked for. */
  stopReason?: StopReason;
  /** The seeds this launch runs (a resumed run: only the missing ones), in launch order. */
  seeds: readonly SeedState[];
  /** Resolves with the run's terminal status once every worker has exited and summary.json is written. */
  finished: Promise<RunStatus>;
}

/** A worker's message, after the producer took it into the seed's state. */
export interface SeedReport {
  run: ActiveRunView;
  seed: SeedState;
  message: WorkerMessage;
}

/** A seed's status changed (queued, started, ended); `restarted` when a resumed run starts it over. */
export interface SeedChange {
  run: ActiveRunView;
  seed: SeedState;
  restarted: boolean;
}

/** A detector fire reported live by a worker. */
export interface DetectorAlert {
  runId: string;
  runDirectory: string;
  experiment: string;
  condition: string;
  seed: number;
  epoch: number;
  gap23: number;
  gapSlope: number;
}

interface Job {
  run: ActiveRun;
  condition: string;
  config: RunConfig;
  seed: number;
  state: SeedState;
  worker?: WorkerProcess;
}

interface ActiveRun {
  view: ActiveRunView;
  manifest: RunManifest;
  jobs: Job[];
  resolveFinished: (status: RunStatus) => void;
}

/** A seed of a run to start: its condition's name and config. */
interface SeedToRun {
  condition: string;
  config: RunConfig;
  seed: number;
}

export class RunProducer extends Disposable {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly queue: Job[] = [];
  private runningWorkers = 0;
  private readonly graceMs: number;

  private readonly _onDidReport = this._register(new Emitter<SeedReport>());
  private readonly _onDidChangeSeed = this._register(new Emitter<SeedChange>());
  private readonly _onDidFireDetector = this._register(new Emitter<DetectorAlert>());
  private readonly _onDidEndRun = this._register(new Emitter<{ run: ActiveRunView; status: RunStatus }>());

  /** Every message of a worker of an active run (started, record, event, finished), unbatched. */
  readonly onDidReport: Event<SeedReport> = this._onDidReport.event;
  /** A seed was queued, started or ended (its state carries the status and message). */
  readonly onDidChangeSeed: Event<SeedChange> = this._onDidChangeSeed.event;
  /** A worker reported the first detector fire of a seed. */
  readonly onDidFireDetector: Event<DetectorAlert> = this._onDidFireDetector.event;
  /** A run ended (its folder is complete: statuses, summary.json, run.json). */
  readonly onDidEndRun: Event<{ run: ActiveRunView; status: RunStatus }> = this._onDidEndRun.event;

  constructor(private readonly options: RunProducerOptions) {
    super();
    this.graceMs = options.graceMs ?? 5000;
  }

  /** The runs being run, in launch order. */
  get activeRuns(): readonly ActiveRunView[] {
    return [...this.runs.values()].map((run) => run.view);
  }

  /** The active run in this folder, if any. */
  activeRun(runDirectory: string): ActiveRunView | undefined {
    return this.runs.get(path.resolve(runDirectory))?.view;
  }

  /** Number of workers running now. */
  get workerCount(): number {
    return this.runningWorkers;
  }

  /** Process ids of the workers running now. */
  get workerPids(): number[] {
    return [...this.runs.values()].flatMap((run) => run.jobs.flatMap((job) => (job.worker?.pid !== undefined && !job.worker.hasExited ? [job.worker.pid] : [])));
  }

  /**
   * Starts a new run: creates its folder (never one that exists), writes run.json and a `queued`
   * status per seed, and queues one worker per (condition, seed). Resolves once the run is
   * registered (not when it ends: see `finished`). Throws a RunFolderError (src/runs/runFolder.ts)
   * when the folder cannot be made.
   */
  async launch(request: LaunchRequest): Promise<ActiveRunView> {
    this.assertUsable();
    const { experiment, conditions, seeds } = request;
    if (conditions.length === 0) throw new Error(`Experiment "${experiment.name}" has no condition to run.`);
    if (seeds.length === 0) throw new Error(`Experiment "${experiment.name}" has no seed to run.`);
    const planned = newRunManifest({
      experiment,
      conditions,
      seeds,
      file: request.file,
      versions: this.options.versions,
      git: await gitState(request.fileDirectory),
      producer: this.options.producer,
    });
    const { runDirectory, manifest } = createRunFolder(request.runsFolder, experiment.name, planned);
    const toRun = conditions.flatMap((condition) => seeds.map((seed) => ({ condition: condition.name, config: condition.config, seed })));
    const run = this.register(runDirectory, manifest, toRun, false);
    this.options.log.info(
      `Run ${manifest.runId} of "${experiment.name}" started: ${conditions.length} condition(s) × ${seeds.length} seed(s), engine ${manifest.engine.name} → ${runDirectory}`,
    );
    return run.view;
  }

  /**
   * Finishes a run that did not complete, in its own folder: starts again every seed that has no
   * result (src/runs/status.ts isSeedMissing), with the run's own saved configuration. Their old
   * rows, status and events are removed first; the other seeds are kept, and summary.json is
   * rewritten over all seeds at the end. Throws when the run is active here, has no readable
   * run.json, has a seed whose worker still runs on this machine, or has nothing missing.
   */
  async resume(runDirectory: string): Promise<ActiveRunView> {
    this.assertUsable();
    const directory = path.resolve(runDirectory);
    if (this.runs.has(directory)) throw new Error('This run is still running: stop it or wait for it to end first.');
    const manifest = readManifest(directory);
    if (!manifest) throw new Error(`${directory} has no readable run.json: it cannot be resumed.`);
    const missing: SeedToRun[] = [];
    for (const condition of manifest.conditions) {
      for (const seed of manifest.seeds) {
        const written = readSeedStatus(directory, condition.name, seed);
        // A worker on this machine that outlived its producer (it stops when its parent dies, after its epoch): wait for it.
        if (written?.status === 'running' && written.pid !== undefined && written.host === hostName() && isProcessAlive(written.pid)) {
          throw new Error(`${condition.name}/seed-${seed} of this run is still being trained (worker pid ${written.pid}): stop it or wait for it to end first.`);
        }
        if (isSeedMissing(written?.status ?? 'queued')) missing.push({ condition: condition.name, config: condition.config, seed });
      }
    }
    if (missing.length === 0) throw new Error('Every seed of this run has a result: there is nothing to re-run.');

    clearSeeds(directory, missing);
    const { endTime: _endTime, ...running } = manifest;
    // The resuming producer is the one whose liveness now tells whether the run still runs.
    const restarted: RunManifest = { ...running, status: 'running', host: hostName(), pid: process.pid };
    writeManifest(directory, restarted);
    const run = this.register(directory, restarted, missing, true);
    this.options.log.info(`Run ${manifest.runId} of "${manifest.experiment}": resuming ${missing.length} seed(s) → ${directory}`);
    return run.view;
  }

  /**
   * Stops a run: its queued seeds never start (status cancelled or interrupted), its workers get
   * SIGTERM (SIGKILL after the grace period). Resolves when the run folder is complete.
   */
  async stop(runDirectory: string, reason: StopReason = 'cancelled'): Promise<RunStatus | undefined> {
    const run = this.runs.get(path.resolve(runDirectory));
    if (!run) return undefined;
    if (!run.view.stopReason) {
      run.view.stopReason = reason;
      this.options.log.info(`Run ${run.view.runId}: stopping (${reason}).`);
      // Say so in run.json at once: if this process dies before the workers end, the folder
      // still tells the truth. The end of the run rewrites it with the end time.
      this.tryWrite(() => writeManifest(run.view.runDirectory, { ...run.manifest, status: reason, endTime: new Date().toISOString() }));
      for (const job of [...this.queue]) {
        if (job.run === run) this.skipQueuedJob(job, reason);
      }
      for (const job of run.jobs) void job.worker?.stop();
    }
    return run.view.finished;
  }

  /** Stops every run (see {@link stop}); resolves when all their folders are complete. */
  async stopAll(reason: StopReason = 'cancelled'): Promise<void> {
    await Promise.all([...this.runs.keys()].map((directory) => this.stop(directory, reason)));
  }

  /** Stops every run as interrupted (the producer is closing) and waits for the folders to be complete. */
  async shutdown(): Promise<void> {
    await this.stopAll('interrupted');
  }

  override dispose(): void {
    // A synchronous dispose cannot wait: stopping continues in the background (hosts await shutdown() first).
    void this.stopAll('interrupted');
    super.dispose();
  }

  private assertUsable(): void {
    if (this.isDisposed) throw new Error('Grokking Lab is shutting down: no new run can start.');
  }

  private register(runDirectory: string, manifest: RunManifest, seeds: readonly SeedToRun[], restart: boolean): ActiveRun {
    let resolveFinished!: (status: RunStatus) => void;
    const finished = new Promise<RunStatus>((resolve) => (resolveFinished = resolve));
    const view: ActiveRunView = { runId: manifest.runId, runDirectory, experiment: manifest.experiment, startTime: manifest.startTime, seeds: [], finished };
    const run: ActiveRun = { view, manifest, jobs: [], resolveFinished };
    run.jobs = seeds.map(({ condition, config, seed }) => ({
      run,
      condition,
      config,
      seed,
      state: { condition, seed, status: 'queued', epoch: -1, epochs: lastRowOf(config) },
    }));
    view.seeds = run.jobs.map((job) => job.state);
    this.runs.set(runDirectory, run);
    const queuedAt = new Date().toISOString();
    for (const job of run.jobs) {
      writeSeedStatus(runDirectory, { condition: job.condition, seed: job.seed, status: 'queued', lastEpoch: -1, epochs: lastRowOf(job.config), startTime: queuedAt });
      this._onDidChangeSeed.fire({ run: view, seed: job.state, restarted: restart });
    }
    this.queue.push(...run.jobs);
    this.pump();
    return run;
  }

  /** Starts queued jobs while there is room under the concurrency limit. */
  private pump(): void {
    while (!this.isDisposed && this.queue.length > 0 && this.runningWorkers < Math.max(1, this.options.maxConcurrentSeeds())) {
      const job = this.queue.shift() as Job;
      this.start(job);
    }
  }

  private skipQueuedJob(job: Job, reason: StopReason): void {
    const index = this.queue.indexOf(job);
    if (index >= 0) this.queue.splice(index, 1);
    const message = reason === 'interrupted' ? `${this.closingReason} before it started` : 'cancelled before it started';
    this.endJob(job, reason, message, new Date().toISOString());
  }

  private get closingReason(): string {
    return this.options.closingReason ?? 'its producer closed';
  }

  private start(job: Job): void {
    const { run } = job;
    const runDirectory = run.view.runDirectory;
    const assignment: WorkerAssignment = { runId: run.view.runId, runDirectory, condition: job.condition, seed: job.seed, config: job.config };
    const assignmentFile = seedAssignmentPath(runDirectory, job.condition, job.seed);
    try {
      writeJsonAtomic(assignmentFile, assignment);
    } catch (error) {
      this.endJob(job, 'failed', `cannot write ${assignmentFile}: ${(error as Error).message}`, new Date().toISOString());
      return;
    }
    const worker = new WorkerProcess({
      workerScript: this.options.workerScript,
      assignmentFile,
      execPath: this.options.execPath,
      env: this.options.env ?? workerEnvironment(),
      cwd: runDirectory,
      graceMs: this.graceMs,
    });
    job.worker = worker;
    this.runningWorkers += 1;
    job.state.status = 'running';
    job.state.startTime = new Date().toISOString();
    this._onDidChangeSeed.fire({ run: run.view, seed: job.state, restarted: false });
    worker.onDidReport((message) => this.onWorkerMessage(job, message));
    void worker.exited.then((exit) => this.onWorkerExit(job, exit));
    this.options.log.info(`${this.label(job)}: worker ${worker.pid ?? '(not started)'} started.`);
  }

  private label(job: Job): string {
    return `${job.run.view.experiment} ${job.run.view.runId} ${job.condition}/seed-${job.seed}`;
  }

  private onWorkerMessage(job: Job, message: WorkerMessage): void {
    const { run } = job;
    // Every message names its run and seed; anything else (a stale worker) is dropped.
    if (message.runId !== run.view.runId || message.condition !== job.condition || message.seed !== job.seed) return;
    switch (message.type) {
      case 'started':
        this.options.log.info(`${this.label(job)}: engine ${message.engine}${message.backend ? ` (${message.backend})` : ''}.`);
        break;
      case 'record':
        job.state.epoch = message.record.epoch;
        break;
      case 'event': {
        const { event } = message;
        if (event.type === 'detectorFired' && job.state.detectorEpoch === undefined) {
          job.state.detectorEpoch = event.epoch;
          this.options.log.info(`${this.label(job)}: detector fired at epoch ${event.epoch} (λ₂/λ₃ ${event.gap23.toFixed(2)}, slope ${event.gapSlope.toFixed(3)}).`);
          this._onDidFireDetector.fire({
            runId: run.view.runId,
            runDirectory: run.view.runDirectory,
            experiment: run.view.experiment,
            condition: job.condition,
            seed: job.seed,
            epoch: event.epoch,
            gap23: event.gap23,
            gapSlope: event.gapSlope,
          });
        } else if (event.type === 'milestone' && event.milestone === 'grok99' && job.state.grokEpoch === undefined) {
          job.state.grokEpoch = event.epoch;
        }
        break;
      }
      case 'finished':
        job.state.status = message.status;
        job.state.message = message.message;
        job.state.epoch = Math.max(job.state.epoch, message.lastEpoch);
        break;
      default: {
        const unknown: never = message;
        this.options.log.warn(`Unknown worker message ${JSON.stringify(unknown)}`);
        return;
      }
    }
    this._onDidReport.fire({ run: run.view, seed: job.state, message });
    if (message.type === 'finished') this._onDidChangeSeed.fire({ run: run.view, seed: job.state, restarted: false });
  }

  private onWorkerExit(job: Job, exit: WorkerExit): void {
    this.runningWorkers -= 1;
    job.worker?.dispose();
    job.worker = undefined;
    const runDirectory = job.run.view.runDirectory;
    let written;
    try {
      written = readSeedStatus(runDirectory, job.condition, job.seed);
    } catch {
      written = undefined;
    }
    // The worker's `finished` message, when it sent one, is its own word on how it ended.
    const reported = isSeedFinished(job.state.status) ? { status: job.state.status, message: job.state.message } : undefined;
    const decided = exitedSeedStatus({ written, reported, stopReason: job.run.view.stopReason, exit, lastEpoch: job.state.epoch, closingReason: this.closingReason });
    if (decided.write) {
      this.endJob(job, decided.status, decided.message, written?.startTime ?? job.state.startTime, decided.lastEpoch);
    } else {
      job.state.status = decided.status;
      job.state.message = decided.message;
      job.state.epoch = decided.lastEpoch;
      this.logSeedEnd(job);
    }
    this.pump();
    this.maybeFinishRun(job.run);
  }

  /** Writes the final status of a seed that the worker did not (or could not) write. */
  private endJob(job: Job, status: SeedStatus, message: string | undefined, startTime: string | undefined, lastEpoch = job.state.epoch): void {
    const runDirectory = job.run.view.runDirectory;
    this.tryWrite(() =>
      writeSeedStatus(runDirectory, {
        condition: job.condition,
        seed: job.seed,
        status,
        lastEpoch,
        epochs: lastRowOf(job.config),
        startTime: startTime ?? job.run.view.startTime,
        endTime: new Date().toISOString(),
        ...(message !== undefined ? { message } : {}),
      }),
    );
    job.state.status = status;
    job.state.message = message;
    job.state.epoch = lastEpoch;
    this._onDidChangeSeed.fire({ run: job.run.view, seed: job.state, restarted: false });
    this.logSeedEnd(job);
    if (!job.worker) this.maybeFinishRun(job.run);
  }

  /** Runs a write the run can do without (a full disk must not stop the others from ending): logs a failure, which names the file. */
  private tryWrite(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.options.log.error((error as Error).message);
    }
  }

  private logSeedEnd(job: Job): void {
    const { status, message } = job.state;
    const line = `${this.label(job)}: ${status}${message ? `: ${message}` : ''}.`;
    if (status === 'failed') this.options.log.error(line);
    else if (status === 'diverged') this.options.log.warn(line);
    else this.options.log.info(line);
  }

  private maybeFinishRun(run: ActiveRun): void {
    if (!this.runs.has(run.view.runDirectory)) return;
    if (run.jobs.some((job) => !isSeedFinished(job.state.status) || job.worker)) return;
    this.runs.delete(run.view.runDirectory);
    const runDirectory = run.view.runDirectory;
    const { manifest } = run;
    let status: RunStatus;
    try {
      // The summary covers every seed of the run, also those a resumed run did not touch.
      const known = new Map(run.jobs.map((job) => [`${job.condition}/${job.seed}`, job.state.status]));
      const { seeds } = writeRunSummary(runDirectory, manifest, (condition, seed) => known.get(`${condition}/${seed}`));
      status = terminalRunStatus(seeds.map((seed) => seed.status), run.view.stopReason);
      writeManifest(runDirectory, { ...manifest, status, endTime: new Date().toISOString() });
    } catch (error) {
      status = run.view.stopReason ?? 'failed';
      this.options.log.error((error as Error).message);
      this.tryWrite(() => writeManifest(runDirectory, { ...manifest, status, endTime: new Date().toISOString() }));
    }
    this.options.log.info(`Run ${manifest.runId} of "${manifest.experiment}" ended: ${status}.`);
    run.resolveFinished(status);
    this._onDidEndRun.fire({ run: run.view, status });
  }
}
