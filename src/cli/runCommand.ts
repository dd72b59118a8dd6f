/**
 * `grokking-lab run`: every (condition, seed) of an experiment as its own worker process, at most
 * `jobs` at once, with a live progress display, and the summary at the end. Ctrl-C stops every
 * worker after its current epoch and keeps what was written.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedCondition, ResolvedExperiment, RunConfig } from '../shared/config/types';
import { formatProblem, parseExperimentFile } from '../shared/config/parse';
import type { RunManifest, SeedStatus } from '../shared/runFormat';
import type { WorkerAssignment, WorkerMessage } from '../shared/protocol/worker';
import { readSeedStatus, writeJsonAtomic, writeManifest, writeSeedStatus } from '../runs/runFolder';
import { newRunManifest, terminalRunStatus, withConfig, workerExitMessage, writeRunSummary } from '../producer/runLaunch';
import { EXIT_CODES, UserError, type RunArguments } from './arguments';
import { ProgressDisplay, type SeedProgress } from './progress';
import { renderRunSummary } from './summaryTable';
import { WorkerProcess } from './workerProcess';
import packageJson from '../../package.json';

/** Reads and validates the experiment file, or throws a UserError listing every problem. */
export function loadExperiments(file: string): ResolvedExperiment[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: no such file.` : `${file}: cannot read it (${code ?? (error as Error).message}).`);
  }
  const parsed = parseExperimentFile(file, text);
  if (parsed.problems.length > 0) {
    throw new UserError(parsed.problems.map(formatProblem).join('\n'));
  }
  return parsed.experiments;
}

function selectExperiment(file: string, experiments: ResolvedExperiment[], name?: string): ResolvedExperiment {
  if (experiments.length === 0) throw new UserError(`${file}: defines no experiment.`);
  const names = experiments.map((experiment) => experiment.name).join(', ');
  if (name === undefined) {
    if (experiments.length === 1) return experiments[0];
    throw new UserError(`${file} defines ${experiments.length} experiments (${names}): choose one with --experiment NAME.`);
  }
  const found = experiments.find((experiment) => experiment.name === name);
  if (!found) throw new UserError(`${file} has no experiment "${name}"; it has: ${names}.`);
  return found;
}

/** Applies the command-line overrides to a resolved condition and re-hashes it. */
function applyOverrides(condition: ResolvedCondition, options: RunArguments): ResolvedCondition {
  if (options.epochs === undefined && options.engine === undefined && options.threads === undefined) return condition;
  const config: RunConfig = structuredClone(condition.config);
  if (options.epochs !== undefined) {
    config.epochs = options.epochs;
    // Checkpoints past the shortened run cannot happen; say nothing, they are simply not reached.
    config.diagnostics.repulsion.checkpoints = config.diagnostics.repulsion.checkpoints.filter((epoch) => epoch <= config.epochs);
    config.diagnostics.li2.checkpoints = config.diagnostics.li2.checkpoints.filter((epoch) => epoch <= config.epochs);
  }
  if (options.engine !== undefined) config.engine.name = options.engine;
  if (options.threads !== undefined) config.engine.threads = options.threads;
  return withConfig(condition, config);
}

function gitState(directory: string): RunManifest['git'] {
  try {
    const run = (args: string[]) => execFileSync('git', args, { cwd: directory, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return { commit: run(['rev-parse', 'HEAD']), dirty: run(['status', '--porcelain']).length > 0 };
  } catch {
    return undefined;
  }
}

interface Job {
  condition: ResolvedCondition;
  seed: number;
  progress: SeedProgress;
  worker?: WorkerProcess;
}

export async function runCommand(options: RunArguments): Promise<number> {
  const experiment = selectExperiment(options.file, loadExperiments(options.file), options.experiment);
  let conditions = experiment.conditions;
  if (options.conditions) {
    const unknown = options.conditions.filter((name) => !conditions.some((condition) => condition.name === name));
    if (unknown.length > 0) {
      throw new UserError(`Experiment "${experiment.name}" has no condition ${unknown.map((name) => `"${name}"`).join(', ')}; it has: ${conditions.map((condition) => condition.name).join(', ')}.`);
    }
    conditions = conditions.filter((condition) => options.conditions?.includes(condition.name));
  }
  conditions = conditions.map((condition) => applyOverrides(condition, options));
  const seeds = options.seeds ?? experiment.seeds;
  const jobsAtOnce = options.jobs ?? Math.max(1, os.availableParallelism());

  const manifest = newRunManifest({
    experiment,
    conditions,
    seeds,
    file: path.relative(process.cwd(), path.resolve(options.file)) || options.file,
    versions: { grokkingLab: packageJson.version, node: process.version },
    git: gitState(path.dirname(path.resolve(options.file))),
    producer: 'cli',
  });
  const { runId } = manifest;
  const runDirectory = path.resolve(options.out, experiment.name, runId);
  fs.mkdirSync(runDirectory, { recursive: true });
  writeManifest(runDirectory, manifest);

  const jobs: Job[] = conditions.flatMap((condition) =>
    seeds.map((seed) => ({
      condition,
      seed,
      progress: { condition: condition.name, seed, status: 'queued' as SeedStatus, epoch: -1, epochs: condition.config.epochs },
    })),
  );
  for (const job of jobs) {
    writeSeedStatus(runDirectory, {
      condition: job.condition.name,
      seed: job.seed,
      status: 'queued',
      lastEpoch: -1,
      epochs: job.condition.config.epochs,
      startTime: manifest.startTime,
    });
  }
  const display = new ProgressDisplay(
    jobs.map((job) => job.progress),
    { quiet: options.quiet, interactive: Boolean(process.stdout.isTTY), header: `${experiment.name} → ${runDirectory}` },
  );

  let cancelled = false;
  const onSignal = () => {
    if (cancelled) return;
    cancelled = true;
    display.note('Stopping: every worker finishes its current epoch; what was written is kept.');
    for (const job of jobs) job.worker?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runJob = async (job: Job) => {
    const assignment: WorkerAssignment = { runId, runDirectory, condition: job.condition.name, seed: job.seed, config: job.condition.config };
    const assignmentFile = path.join(runDirectory, job.condition.name, `seed-${job.seed}.assignment.json`);
    writeJsonAtomic(assignmentFile, assignment);
    job.progress.status = 'running';
    display.update();
    const onMessage = (message: WorkerMessage) => {
      if (message.runId !== runId) return;
      switch (message.type) {
        case 'started':
          job.progress.engine = `${message.engine}${message.backend ? ` (${message.backend})` : ''}`;
          break;
        case 'record':
          job.progress.epoch = message.record.epoch;
          job.progress.testAcc = message.record.testAcc;
          job.progress.trainAcc = message.record.trainAcc;
          job.progress.gap23 = message.record.gap23;
          break;
        case 'event':
          if (message.event.type === 'detectorFired') {
            job.progress.detectorEpoch = message.event.epoch;
            display.note(`${job.condition.name}/seed-${job.seed}: detector fired at epoch ${message.event.epoch} (gap λ₂/λ₃ ${message.event.gap23.toFixed(2)}, slope ${message.event.gapSlope.toFixed(3)})`);
          } else if (message.event.type === 'milestone' && message.event.milestone === 'grok99') {
            job.progress.grokEpoch = message.event.epoch;
          }
          break;
        case 'finished':
          job.progress.status = message.status;
          job.progress.message = message.message;
          break;
        default: {
          const unknown: never = message;
          throw new Error(`unknown worker message ${JSON.stringify(unknown)}`);
        }
      }
      display.update();
    };
    job.worker = new WorkerProcess(assignmentFile, onMessage);
    const exit = await job.worker.exited;
    job.worker = undefined;
    const written = readSeedStatus(runDirectory, job.condition.name, job.seed);
    if (!written || written.status === 'running' || written.status === 'queued') {
      // The worker died without recording its end (killed, out of memory): record it for it.
      const message = workerExitMessage(exit);
      writeSeedStatus(runDirectory, {
        condition: job.condition.name,
        seed: job.seed,
        status: cancelled ? 'cancelled' : 'failed',
        // The worker's own status file is written at start and end only; the rows it sent tell how far it got.
        lastEpoch: Math.max(written?.lastEpoch ?? -1, job.progress.epoch),
        epochs: job.condition.config.epochs,
        startTime: written?.startTime ?? manifest.startTime,
        endTime: new Date().toISOString(),
        message,
      });
      job.progress.status = cancelled ? 'cancelled' : 'failed';
      job.progress.message = message;
    } else {
      job.progress.status = written.status;
      job.progress.message = written.message;
    }
    if (job.progress.status === 'failed' || job.progress.status === 'diverged') {
      display.note(`${job.condition.name}/seed-${job.seed}: ${job.progress.status}: ${job.progress.message ?? ''}`);
    }
    display.update();
  };

  const queue = [...jobs];
  const lanes = Array.from({ length: Math.min(jobsAtOnce, jobs.length) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (cancelled) {
        job.progress.status = 'cancelled';
        writeSeedStatus(runDirectory, {
          condition: job.condition.name,
          seed: job.seed,
          status: 'cancelled',
          lastEpoch: -1,
          epochs: job.condition.config.epochs,
          startTime: manifest.startTime,
          endTime: new Date().toISOString(),
          message: 'cancelled before it started',
        });
        continue;
      }
      await runJob(job);
    }
  });
  await Promise.all(lanes);
  display.finish();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const { summary } = writeRunSummary(runDirectory, manifest);
  const statuses = jobs.map((job) => job.progress.status);
  const runStatus = terminalRunStatus(statuses, cancelled ? 'cancelled' : undefined);
  writeManifest(runDirectory, { ...manifest, status: runStatus, endTime: new Date().toISOString() });

  process.stdout.write(`\n${renderRunSummary(summary, manifest.conditions)}\n\nRun folder: ${runDirectory}\n`);
  if (cancelled) return EXIT_CODES.cancelled;
  return statuses.every((status) => status === 'completed') ? EXIT_CODES.success : EXIT_CODES.seedsFailed;
}
