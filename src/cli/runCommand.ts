/**
 * `grokking-lab run`: the command line's adapter on the producer core (src/producer/runProducer.ts).
 * It picks the experiment, conditions, seeds and overrides from the command line (or, with
 * `--resume RUN_DIR`, finishes the missing seeds of an interrupted run in its own folder), shows
 * live progress, and prints the summary at the end, in epochs or steps as the run's models count
 * (src/shared/timeUnit.ts). Ctrl-C, SIGTERM and SIGHUP stop every worker after its current epoch
 * (or step) and keep what was written.
 */
import os from 'node:os';
import path from 'node:path';
import type { ResolvedExperiment } from '../shared/config/types';
import { formatProblem, parseExperimentFile } from '../shared/config/parse';
import type { RunStatus } from '../shared/runFormat';
import { RunFolderError, readManifest, readSummary } from '../runs/runFolder';
import { overrideConditions, selectConditions, summarizeRunFolder, workerScriptPath } from '../producer/runLaunch';
import { RunProducer, type ActiveRunView, type RunLog } from '../producer/runProducer';
import { EXIT_CODES, UserError, type RunArguments } from './arguments';
import { readExperimentFile } from './experimentFile';
import { ProgressDisplay, type SeedProgress } from './progress';
import { conditionTimeUnit, timeWords } from '../shared/timeUnit';
import { renderRunSummary } from './summaryTable';
import packageJson from '../../package.json';

/** Signals that stop a run like Ctrl-C: a closed terminal (SIGHUP) must not leave seeds `running`. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Reads and validates the experiment file, or throws a UserError listing every problem. */
export function loadExperiments(file: string): ResolvedExperiment[] {
  const parsed = parseExperimentFile(file, readExperimentFile(file));
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

/** A producer error the user can act on (a run folder that cannot be made, a run that cannot be resumed) as a UserError. */
async function asUserError<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof RunFolderError) throw new UserError(error.message);
    throw error;
  }
}

/** Starts the run the arguments describe: a new one, or the rest of an interrupted one (`--resume`). */
async function startRun(producer: RunProducer, options: RunArguments): Promise<ActiveRunView> {
  if (options.resume !== undefined) {
    const runDirectory = path.resolve(options.resume);
    if (!readManifest(runDirectory)) throw new UserError(`${options.resume}: not a run folder with a readable run.json; --resume needs <runs folder>/<experiment>/<run id>.`);
    try {
      return await producer.resume(runDirectory);
    } catch (error) {
      throw new UserError(`--resume ${options.resume}: ${(error as Error).message}`);
    }
  }
  const file = options.file as string;
  const experiment = selectExperiment(file, loadExperiments(file), options.experiment);
  let conditions;
  try {
    conditions = selectConditions(experiment, options.conditions);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  return asUserError(() =>
    producer.launch({
      experiment,
      conditions: overrideConditions(conditions, { epochs: options.epochs, engine: options.engine, threads: options.threads }),
      seeds: options.seeds ?? experiment.seeds,
      runsFolder: path.resolve(options.out),
      file: path.relative(process.cwd(), path.resolve(file)) || file,
      fileDirectory: path.dirname(path.resolve(file)),
    }),
  );
}

export async function runCommand(options: RunArguments): Promise<number> {
  const jobsAtOnce = options.jobs ?? Math.max(1, os.availableParallelism());
  let display: ProgressDisplay | undefined;
  const warnings: string[] = [];
  const warn = (text: string) => (display ? display.warn(text) : warnings.push(text));
  // Launches and exits are the run folder's business (each seed has its log); problems are shown.
  const log: RunLog = { info: () => undefined, warn, error: warn };
  const producer = new RunProducer({
    workerScript: workerScriptPath(),
    execPath: process.execPath,
    maxConcurrentSeeds: () => jobsAtOnce,
    producer: 'cli',
    versions: { grokkingLab: packageJson.version, node: process.version },
    log,
    closingReason: 'the command line stopped',
  });
  try {
    const run = await startRun(producer, options);
    // Each seed counts in its condition's unit: epochs of an MLP, steps of a Transformer.
    const started = readManifest(run.runDirectory);
    const progress = new Map(run.seeds.map((seed): [string, SeedProgress] => [`${seed.condition}/${seed.seed}`, { ...seed, timeUnit: conditionTimeUnit(started, seed.condition, run.timeUnit) }]));
    display = new ProgressDisplay([...progress.values()], { quiet: options.quiet, interactive: Boolean(process.stdout.isTTY), header: `${run.experiment} → ${run.runDirectory}` });
    for (const text of warnings.splice(0)) display.warn(text);
    const shown = display;
    const progressOf = (condition: string, seed: number) => progress.get(`${condition}/${seed}`) as SeedProgress;

    producer.onDidChangeSeed(({ seed }) => {
      const entry = progressOf(seed.condition, seed.seed);
      entry.status = seed.status;
      entry.epoch = seed.epoch;
      entry.message = seed.message;
      // A seed's failure reaches the terminal once, through the producer's log (RunLog.error/warn).
      shown.update();
    });
    producer.onDidReport(({ seed, message }) => {
      const entry = progressOf(seed.condition, seed.seed);
      if (message.type === 'started') {
        entry.engine = `${message.engine}${message.backend ? ` (${message.backend})` : ''}`;
      } else if (message.type === 'record') {
        entry.epoch = message.record.epoch;
        entry.testAcc = message.record.testAcc;
        entry.trainAcc = message.record.trainAcc;
        entry.gap23 = message.record.gap23;
      } else if (message.type === 'event' && message.event.type === 'detectorFired') {
        entry.detectorEpoch = message.event.epoch;
        shown.note(`${seed.condition}/seed-${seed.seed}: detector fired at ${timeWords(entry.timeUnit).singular} ${message.event.epoch} (gap λ₂/λ₃ ${message.event.gap23.toFixed(2)}, slope ${message.event.gapSlope.toFixed(3)})`);
      } else if (message.type === 'event' && message.event.type === 'milestone' && message.event.milestone === 'grok99') {
        entry.grokEpoch = message.event.epoch;
      }
      shown.update();
    });

    let stopped = false;
    const onSignal = () => {
      if (stopped) return;
      stopped = true;
      shown.note(`Stopping: every worker finishes its current ${timeWords(run.timeUnit).singular}; what was written is kept.`);
      void producer.stop(run.runDirectory, 'cancelled');
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    let status: RunStatus;
    try {
      status = await run.finished;
    } finally {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    }
    display.finish();

    const manifest = readManifest(run.runDirectory);
    // summary.json, or when it could not be written (a full disk) the same summary from the rows.
    const summary = readSummary(run.runDirectory) ?? (manifest && summarizeRunFolder(run.runDirectory, manifest, (condition, seed) => progress.get(`${condition}/${seed}`)?.status).summary);
    if (summary) process.stdout.write(`\n${renderRunSummary(summary, manifest?.conditions ?? [])}\n`);
    process.stdout.write(`\nRun folder: ${run.runDirectory}\n`);
    if (status === 'cancelled' || status === 'interrupted') return EXIT_CODES.cancelled;
    return status === 'completed' && summary?.seeds.every((seed) => seed.status === 'completed') ? EXIT_CODES.success : EXIT_CODES.seedsFailed;
  } finally {
    producer.dispose();
  }
}
