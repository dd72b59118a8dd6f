/**
 * The run manager: owns every training worker this window starts. A run is every (condition,
 * seed) of an experiment, each one worker process; at most `maxConcurrentSeeds` workers run at
 * once over all runs, the rest wait in one queue. It writes the run folder the way the CLI does
 * (src/cli/runCommand.ts; format: src/shared/runFormat.ts): run.json with producer `extension`,
 * the assignment files, seed status files for seeds the workers never wrote (queued, failed,
 * cancelled, interrupted), and summary.json at the end (src/shared/summary.ts).
 *
 * Live output goes out batched (`onDidRecord`, at most ten batches a second), progress as a
 * throttled `onDidChange`, detector fires at once (`onDidFireDetector`). Every run ends in exactly
 * one terminal status: completed, failed, cancelled (Stop) or interrupted (VS Code closing).
 *
 * No `vscode` import: settings and logging come in as functions, so that the manager is tested
 * under plain Node with real workers (test/unit/extensionRunManager.test.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { RecordBatcher, Throttle, type RunRecordBatch } from '../batching';
import { configHash } from '../../shared/config/parse';
import type { EngineName, ResolvedExperiment, RunConfig } from '../../shared/config/types';
import { Emitter, type Event } from '../../shared/event';
import { Disposable } from '../../shared/lifecycle';
import type { WorkerAssignment, WorkerMessage } from '../../shared/protocol/worker';
import type { RunEvent, RunManifest, RunStatus, SeedStatus } from '../../shared/runFormat';
import { isSeedFinished, isSeedMissing, type SeedState } from '../../runs/status';
import {
  RUN_EVENTS,
  RUN_SUMMARY,
  parseJsonLines,
  readManifest,
  readSeedStatus,
  seedRecordsPath,
  seedStatusPath,
  writeJsonAtomic,
  writeManifest,
  writeSeedStatus,
} from '../../runs/runFolder';
import { newRunManifest, terminalRunStatus, workerExitMessage, writeRunSummary } from '../../producer/runLaunch';
import { WorkerProcess, workerEnvironment, type WorkerExit } from '../../producer/workerProcess';

const execFileAsync = promisify(execFile);

/** Where the manager logs launches, exits and failures (a `vscode.LogOutputChannel` fits). */
export interface RunLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

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

/** What to run. */
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

/** Why a run was stopped: by the user (cancelled) or because VS Code is closing (interrupted). */
export type StopReason = Extract<RunStatus, 'cancelled' | 'interrupted'>;

/** A read-only view of a run the manager is running. */
export interface ActiveRunView {
  runId: string;
  runDirectory: string;
  experiment: string;
  startTime: string;
  /** Set once Stop (or shutdown) was asked for. */
  stopReason?: StopReason;
  /** The seeds this launch runs (a re-run: only the missing ones), in launch order. */
  seeds: readonly SeedState[];
  /** Resolves with the run's terminal status once every worker has exited and summary.json is written. */
  finished: Promise<RunStatus>;
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

function seedKey(condition: string, seed: number): string {
  return `${condition}/${seed}`;
}

async function gitState(directory: string): Promise<RunManifest['git']> {
  try {
    const run = async (args: string[]) => (await execFileAsync('git', args, { cwd: directory, timeout: 5000 })).stdout.trim();
    const [commit, status] = await Promise.all([run(['rev-parse', 'HEAD']), run(['status', '--porcelain'])]);
    return { commit, dirty: status.length > 0 };
  } catch {
    return undefined;
  }
}

export class RunManager extends Disposable {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly queue: Job[] = [];
  private runningWorkers = 0;
  private readonly batcher: RecordBatcher;
  private readonly changes: Throttle;
  private flushTimer?: NodeJS.Timeout;
  private changeTimer?: NodeJS.Timeout;
  private readonly graceMs: number;

  private readonly _onDidRecord = this._register(new Emitter<RunRecordBatch>());
  private readonly _onDidChange = this._register(new Emitter<void>());
  private readonly _onDidFireDetector = this._register(new Emitter<DetectorAlert>());
  private readonly _onDidEndRun = this._register(new Emitter<{ run: ActiveRunView; status: RunStatus }>());

  /** New records, events and seed statuses of active runs: one batch per run per flush, at most ten flushes a second. */
  readonly onDidRecord: Event<RunRecordBatch> = this._onDidRecord.event;
  /** Something about the active runs changed (a seed started, advanced or ended): throttled. */
  readonly onDidChange: Event<void> = this._onDidChange.event;
  /** A worker reported the first detector fire of a seed. */
  readonly onDidFireDetector: Event<DetectorAlert> = this._onDidFireDetector.event;
  /** A run ended (its folder is complete: statuses, summary.json, run.json). */
  readonly onDidEndRun: Event<{ run: ActiveRunView; status: RunStatus }> = this._onDidEndRun.event;

  constructor(private readonly options: RunManagerOptions) {
    super();
    this.graceMs = options.graceMs ?? 5000;
    this.batcher = new RecordBatcher(options.recordIntervalMs);
    this.changes = new Throttle(options.changeIntervalMs ?? 250);
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
   * Starts a new run: creates its folder, writes run.json and a `queued` status per seed, and
   * queues one worker per (condition, seed). Resolves once the run is registered (not when it ends:
   * see `finished`).
   */
  async launch(request: LaunchRequest): Promise<ActiveRunView> {
    this.assertUsable();
    const { experiment } = request;
    const conditions = experiment.conditions
      .filter((condition) => request.conditions === undefined || request.conditions.includes(condition.name))
      .map((condition) => {
        if (request.engine === undefined || request.engine === condition.config.engine.name) return condition;
        const config: RunConfig = structuredClone(condition.config);
        config.engine.name = request.engine;
        return { name: condition.name, config, configHash: configHash(config) };
      });
    if (conditions.length === 0) throw new Error(`Experiment "${experiment.name}" has no condition ${(request.conditions ?? []).join(', ')}.`);

    const manifest = newRunManifest({
      experiment,
      conditions,
      seeds: experiment.seeds,
      file: request.file,
      versions: this.options.versions,
      git: await gitState(request.fileDirectory),
      producer: 'extension',
    });
    const { runId } = manifest;
    const runDirectory = path.resolve(request.runsFolder, experiment.name, runId);
    fs.mkdirSync(runDirectory, { recursive: true });
    const engine = manifest.engine;
    writeManifest(runDirectory, manifest);
    const seeds = conditions.flatMap((condition) => experiment.seeds.map((seed) => ({ condition: condition.name, config: condition.config, seed })));
    const run = this.register(runDirectory, manifest, seeds, false);
    this.options.log.info(
      `Run ${runId} of "${experiment.name}" started: ${conditions.length} condition(s) × ${experiment.seeds.length} seed(s), engine ${engine.name} → ${runDirectory}`,
    );
    return run.view;
  }

  /**
   * Starts again, in the same run folder, every seed of a finished run that has no result
   * (src/runs/status.ts isSeedMissing), with the run's own saved configuration. Their old rows,
   * status and events are removed first; other seeds are kept, and summary.json is rewritten over
   * all seeds at the end. Throws when the run is active or has no manifest, or nothing is missing.
   */
  async rerunMissingSeeds(runDirectory: string): Promise<ActiveRunView> {
    this.assertUsable();
    const directory = path.resolve(runDirectory);
    if (this.runs.has(directory)) throw new Error('This run is still running: stop it or wait for it to end first.');
    const manifest = readManifest(directory);
    if (!manifest) throw new Error(`${directory} has no readable run.json: it cannot be re-run.`);
    const missing = manifest.conditions.flatMap((condition) =>
      manifest.seeds.flatMap((seed) => {
        const status = readSeedStatus(directory, condition.name, seed)?.status ?? 'queued';
        return isSeedMissing(status) ? [{ condition: condition.name, config: condition.config, seed }] : [];
      }),
    );
    if (missing.length === 0) throw new Error('Every seed of this run has a result: there is nothing to re-run.');

    const cleared = new Set(missing.map(({ condition, seed }) => seedKey(condition, seed)));
    for (const { condition, seed } of missing) {
      fs.rmSync(seedRecordsPath(directory, condition, seed), { force: true });
      fs.rmSync(seedStatusPath(directory, condition, seed), { force: true });
    }
    const eventsFile = path.join(directory, RUN_EVENTS);
    if (fs.existsSync(eventsFile)) {
      // Nothing else writes this run now (it is not active here, and its seeds are not running):
      // rewrite events.jsonl without the events of the seeds that start over.
      const kept = parseJsonLines<RunEvent>(fs.readFileSync(eventsFile, 'utf8')).filter((event) => !cleared.has(seedKey(event.condition, event.seed)));
      const temporary = `${eventsFile}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, kept.map((event) => `${JSON.stringify(event)}\n`).join(''));
      fs.renameSync(temporary, eventsFile);
    }
    fs.rmSync(path.join(directory, RUN_SUMMARY), { force: true });
    const { endTime: _endTime, ...running } = manifest;
    writeManifest(directory, { ...running, status: 'running' });
    const run = this.register(directory, { ...running, status: 'running' }, missing, true);
    this.options.log.info(`Run ${manifest.runId} of "${manifest.experiment}": re-running ${missing.length} seed(s) → ${directory}`);
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
      writeManifest(run.view.runDirectory, { ...run.manifest, status: reason, endTime: new Date().toISOString() });
      for (const job of [...this.queue]) {
        if (job.run === run) this.skipQueuedJob(job, reason);
      }
      for (const job of run.jobs) void job.worker?.stop();
      this.requestChange();
    }
    return run.view.finished;
  }

  /** Stops every run (see {@link stop}); resolves when all their folders are complete. */
  async stopAll(reason: StopReason = 'cancelled'): Promise<void> {
    await Promise.all([...this.runs.keys()].map((directory) => this.stop(directory, reason)));
  }

  /** Stops every run as interrupted (VS Code is closing) and waits for the folders to be complete. */
  async shutdown(): Promise<void> {
    await this.stopAll('interrupted');
    this.flush();
  }

  override dispose(): void {
    // A synchronous dispose cannot wait: stopping continues in the background (deactivate awaits shutdown() first).
    void this.stopAll('interrupted');
    clearTimeout(this.flushTimer);
    clearTimeout(this.changeTimer);
    super.dispose();
  }

  private assertUsable(): void {
    if (this.isDisposed) throw new Error('Grokking Lab is shutting down: no new run can start.');
  }

  private register(runDirectory: string, manifest: RunManifest, seeds: { condition: string; config: RunConfig; seed: number }[], restart: boolean): ActiveRun {
    let resolveFinished!: (status: RunStatus) => void;
    const finished = new Promise<RunStatus>((resolve) => (resolveFinished = resolve));
    const view: ActiveRunView = { runId: manifest.runId, runDirectory, experiment: manifest.experiment, startTime: manifest.startTime, seeds: [], finished };
    const run: ActiveRun = { view, manifest, jobs: [], resolveFinished };
    run.jobs = seeds.map(({ condition, config, seed }) => ({
      run,
      condition,
      config,
      seed,
      state: { condition, seed, status: 'queued', epoch: -1, epochs: config.epochs },
    }));
    view.seeds = run.jobs.map((job) => job.state);
    this.runs.set(runDirectory, run);
    for (const job of run.jobs) {
      writeSeedStatus(runDirectory, { condition: job.condition, seed: job.seed, status: 'queued', lastEpoch: -1, epochs: job.config.epochs, startTime: new Date().toISOString() });
      if (restart) this.batcher.restartSeed(runDirectory, manifest.runId, job.condition, job.seed);
      this.batcher.setStatus(runDirectory, manifest.runId, job.condition, job.seed, 'queued');
    }
    this.queue.push(...run.jobs);
    this.scheduleFlush();
    this.requestChange();
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
    const message = reason === 'interrupted' ? 'VS Code closed before it started' : 'cancelled before it started';
    this.endJob(job, reason, message, new Date().toISOString());
  }

  private start(job: Job): void {
    const { run } = job;
    const runDirectory = run.view.runDirectory;
    const assignment: WorkerAssignment = { runId: run.view.runId, runDirectory, condition: job.condition, seed: job.seed, config: job.config };
    const assignmentFile = path.join(runDirectory, job.condition, `seed-${job.seed}.assignment.json`);
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
    this.batcher.setStatus(runDirectory, run.view.runId, job.condition, job.seed, 'running');
    this.scheduleFlush();
    this.requestChange();
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
    const runDirectory = run.view.runDirectory;
    switch (message.type) {
      case 'started':
        this.options.log.info(`${this.label(job)}: engine ${message.engine}${message.backend ? ` (${message.backend})` : ''}.`);
        break;
      case 'record':
        job.state.epoch = message.record.epoch;
        this.batcher.addRecords(runDirectory, run.view.runId, job.condition, job.seed, [message.record]);
        break;
      case 'event': {
        const { event } = message;
        this.batcher.addEvent(runDirectory, run.view.runId, event);
        if (event.type === 'detectorFired' && job.state.detectorEpoch === undefined) {
          job.state.detectorEpoch = event.epoch;
          this.options.log.info(`${this.label(job)}: detector fired at epoch ${event.epoch} (λ₂/λ₃ ${event.gap23.toFixed(2)}, slope ${event.gapSlope.toFixed(3)}).`);
          this._onDidFireDetector.fire({
            runId: run.view.runId,
            runDirectory,
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
        this.batcher.setStatus(runDirectory, run.view.runId, job.condition, job.seed, message.status, message.message);
        break;
      default: {
        const unknown: never = message;
        this.options.log.warn(`Unknown worker message ${JSON.stringify(unknown)}`);
      }
    }
    this.scheduleFlush();
    this.requestChange();
  }

  private onWorkerExit(job: Job, exit: WorkerExit): void {
    this.runningWorkers -= 1;
    job.worker?.dispose();
    job.worker = undefined;
    const runDirectory = job.run.view.runDirectory;
    const stopReason = job.run.view.stopReason;
    const written = readSeedStatus(runDirectory, job.condition, job.seed);
    const lastEpoch = Math.max(written?.lastEpoch ?? -1, job.state.epoch);
    if (!written || !isSeedFinished(written.status)) {
      // The worker died without recording its end (killed, out of memory): record it for it.
      this.endJob(job, stopReason ?? 'failed', workerExitMessage(exit), written?.startTime ?? job.state.startTime, lastEpoch);
    } else if (stopReason === 'interrupted' && written.status === 'cancelled') {
      // The worker saw a SIGTERM, so it says cancelled; the truth is that VS Code closed.
      this.endJob(job, 'interrupted', `VS Code closed at epoch ${Math.max(lastEpoch, 0)}`, written.startTime, lastEpoch);
    } else {
      job.state.status = written.status;
      job.state.message = written.message;
      job.state.epoch = lastEpoch;
      this.logSeedEnd(job);
    }
    this.pump();
    this.maybeFinishRun(job.run);
  }

  /** Writes the final status of a seed that the worker did not (or could not) write. */
  private endJob(job: Job, status: SeedStatus, message: string, startTime: string | undefined, lastEpoch = job.state.epoch): void {
    const runDirectory = job.run.view.runDirectory;
    writeSeedStatus(runDirectory, {
      condition: job.condition,
      seed: job.seed,
      status,
      lastEpoch,
      epochs: job.config.epochs,
      startTime: startTime ?? job.run.view.startTime,
      endTime: new Date().toISOString(),
      message,
    });
    job.state.status = status;
    job.state.message = message;
    job.state.epoch = lastEpoch;
    this.batcher.setStatus(runDirectory, job.run.view.runId, job.condition, job.seed, status, message);
    this.scheduleFlush();
    this.requestChange();
    this.logSeedEnd(job);
    if (!job.worker) this.maybeFinishRun(job.run);
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
      // The summary covers every seed of the run, also those a re-run did not touch.
      const { seeds } = writeRunSummary(runDirectory, manifest);
      status = terminalRunStatus(seeds.map((seed) => seed.status), run.view.stopReason);
      writeManifest(runDirectory, { ...manifest, status, endTime: new Date().toISOString() });
    } catch (error) {
      status = 'failed';
      this.options.log.error(`Run ${manifest.runId}: cannot write its summary: ${(error as Error).message}`);
    }
    this.options.log.info(`Run ${manifest.runId} of "${manifest.experiment}" ended: ${status}.`);
    this.flush();
    this.requestChange();
    run.resolveFinished(status);
    this._onDidEndRun.fire({ run: run.view, status });
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
