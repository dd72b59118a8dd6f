/**
 * What every producer of a run folder decides the same way (docs/run-format.md), as plain
 * functions: the manifest of a new run, which conditions run and with which command-line or
 * settings overrides, the git state, the final status of a seed whose worker exited (whether or
 * not it wrote one), the run's status once every seed has ended, and its summary over every seed
 * on disk. src/producer/runProducer.ts drives them; no `vscode` import.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, sha256Hex } from '../shared/hash';
import type { EngineName, ResolvedCondition, ResolvedExperiment, RunConfig } from '../shared/config/types';
import type { RunManifest, RunStatus, RunSummary, SeedStatus, SeedStatusFile, SeedSummary } from '../shared/runFormat';
import { RUN_FORMAT_VERSION, manifestCondition } from '../shared/runFormat';
import { summarizeRun, summarizeSeed } from '../shared/summary';
import { hostName, newRunId, readSeedRecords, readSeedStatus, writeSummary } from '../runs/runFolder';
import { isSeedFinished } from '../runs/status';
import { isMlpConfig, isTransformerConfig, lastRowOf } from '../shared/config/modelKind';

/** What a producer knows when it starts a run. */
export interface NewRunInput {
  experiment: Pick<ResolvedExperiment, 'name' | 'description'>;
  /** The conditions to run, as resolved (and overridden) by the producer. */
  conditions: readonly ResolvedCondition[];
  seeds: readonly number[];
  /** The experiment file, as the producer names it (relative to its working directory when possible). */
  file: string;
  versions: RunManifest['versions'];
  git: RunManifest['git'];
  /** `cli`, `extension`, … */
  producer: string;
  /** Defaults to now. */
  now?: Date;
}

/** The manifest (run.json) of a run that starts now, with its new run id. */
export function newRunManifest(input: NewRunInput): RunManifest {
  const now = input.now ?? new Date();
  const engine = input.conditions[0].config.engine;
  return {
    formatVersion: RUN_FORMAT_VERSION,
    runId: newRunId(now),
    experiment: input.experiment.name,
    ...(input.experiment.description !== undefined ? { description: input.experiment.description } : {}),
    file: input.file,
    seeds: [...input.seeds],
    conditions: input.conditions.map(manifestCondition),
    configHash: sha256Hex(input.conditions.map((condition) => condition.configHash).join('\n')),
    engine: { name: engine.name, threads: engine.threads },
    versions: input.versions,
    ...(input.git ? { git: input.git } : {}),
    startTime: now.toISOString(),
    status: 'running',
    producer: input.producer,
    host: hostName(),
    pid: process.pid,
  };
}

/** A condition with its config replaced (e.g. `--epochs`), re-hashed, keeping its name and grid point. */
function withConfig(condition: ResolvedCondition, config: ResolvedCondition['config']): ResolvedCondition {
  return { ...condition, config, configHash: sha256Hex(canonicalJson(config)) };
}

/** What a producer may change of the file's conditions: the CLI's options, the extension's engine setting. */
export interface ConditionOverrides {
  /** The run's length: its epochs, or its steps for a Transformer. */
  epochs?: number;
  engine?: EngineName;
  threads?: 1 | 2;
}

/**
 * The conditions with the overrides applied and re-hashed (grid points and base conditions kept);
 * unchanged conditions are returned as they are. A shorter run drops the checkpoints it never reaches.
 */
export function overrideConditions(conditions: readonly ResolvedCondition[], overrides: ConditionOverrides): ResolvedCondition[] {
  return conditions.map((condition) => {
    const { epochs, engine, threads } = overrides;
    const current = condition.config;
    if ((epochs === undefined || epochs === lastRowOf(current)) && (engine === undefined || engine === current.engine.name) && (threads === undefined || threads === current.engine.threads)) {
      return condition;
    }
    const config: RunConfig = structuredClone(current);
    if (epochs !== undefined && isTransformerConfig(config)) {
      config.steps = epochs;
    } else if (epochs !== undefined && isMlpConfig(config)) {
      config.epochs = epochs;
      config.diagnostics.repulsion.checkpoints = config.diagnostics.repulsion.checkpoints.filter((epoch) => epoch <= epochs);
      config.diagnostics.li2.checkpoints = config.diagnostics.li2.checkpoints.filter((epoch) => epoch <= epochs);
    }
    if (engine !== undefined) config.engine.name = engine;
    if (threads !== undefined) config.engine.threads = threads;
    return withConfig(condition, config);
  });
}

/**
 * The conditions of `experiment` named in `names` (all when undefined), in the experiment's order.
 * Throws an Error naming the unknown ones and the existing ones.
 */
export function selectConditions(experiment: Pick<ResolvedExperiment, 'name' | 'conditions'>, names?: readonly string[]): ResolvedCondition[] {
  if (names === undefined) return [...experiment.conditions];
  const unknown = names.filter((name) => !experiment.conditions.some((condition) => condition.name === name));
  if (unknown.length > 0) {
    throw new Error(`Experiment "${experiment.name}" has no condition ${unknown.map((name) => `"${name}"`).join(', ')}; it has: ${experiment.conditions.map((condition) => condition.name).join(', ')}.`);
  }
  return experiment.conditions.filter((condition) => names.includes(condition.name));
}

const execFileAsync = promisify(execFile);

/** The git commit and dirty flag of the folder holding the experiment file, or undefined outside git. */
export async function gitState(directory: string): Promise<RunManifest['git']> {
  try {
    const run = async (args: string[]) => (await execFileAsync('git', args, { cwd: directory, timeout: 5000 })).stdout.trim();
    const [commit, status] = await Promise.all([run(['rev-parse', 'HEAD']), run(['status', '--porcelain'])]);
    return { commit, dirty: status.length > 0 };
  } catch {
    return undefined;
  }
}

/** dist/worker.js next to this bundle (dist/cli.js), or in dist/ of the source tree (tests run the sources). */
export function workerScriptPath(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', '..', 'dist', 'worker.js')];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error('The training worker is not built: run `npm run build` first.');
  return found;
}

/** How a worker process ended. */
export interface WorkerExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last line the worker wrote to stderr, if any. */
  lastErrorLine?: string;
}

/** The message recorded for a seed whose worker ended without writing its final status. */
export function workerExitMessage(exit: WorkerExitInfo): string {
  const reason = exit.signal ? `the worker was killed by ${exit.signal}` : `the worker exited with code ${exit.code}`;
  return exit.lastErrorLine ? `${reason}: ${exit.lastErrorLine}` : reason;
}

/** What a producer knows when a seed's worker has exited. */
export interface ExitedSeed {
  /** The status file as the worker left it (undefined when missing or unreadable). */
  written: SeedStatusFile | undefined;
  /** The final status the worker sent before it exited, when it did (its file may be unwritable: a full disk). */
  reported?: { status: SeedStatus; message?: string };
  /** Set when the producer was stopping the run. */
  stopReason: Extract<RunStatus, 'cancelled' | 'interrupted'> | undefined;
  exit: WorkerExitInfo;
  /** The last epoch row the producer saw (the worker writes its status file at start and end only). */
  lastEpoch: number;
  /** What an interruption means, e.g. "VS Code closed". */
  closingReason: string;
}

/**
 * The final status of a seed whose worker has exited, decided here for every producer:
 * - the worker wrote a final status: that one; but a worker that says cancelled because its
 *   producer was closing was interrupted (it only saw the SIGTERM);
 * - it did not, but sent it before exiting (its disk was full): the status it sent;
 * - neither (killed, out of memory): the stop reason when the run was being stopped, else
 *   failed, with the exit as the message.
 * `write` says whether the producer must write the status file itself.
 */
export function exitedSeedStatus(seed: ExitedSeed): { status: SeedStatus; message: string | undefined; lastEpoch: number; write: boolean } {
  const { written, reported, stopReason } = seed;
  const lastEpoch = Math.max(written?.lastEpoch ?? -1, seed.lastEpoch);
  const inFile = written !== undefined && isSeedFinished(written.status);
  const final = inFile ? written : reported !== undefined && isSeedFinished(reported.status) ? reported : undefined;
  if (!final) return { status: stopReason ?? 'failed', message: workerExitMessage(seed.exit), lastEpoch, write: true };
  if (stopReason === 'interrupted' && final.status === 'cancelled') {
    return { status: 'interrupted', message: `${seed.closingReason} at epoch ${Math.max(lastEpoch, 0)}`, lastEpoch, write: true };
  }
  return { status: final.status, message: final.message, lastEpoch, write: !inFile };
}

/**
 * The status of a run once every seed has ended: the stop reason when it was stopped; else failed
 * if a seed failed (a crash; a diverged seed is a result, not a failure), cancelled if a seed was,
 * interrupted if a seed never finished, completed otherwise.
 */
export function terminalRunStatus(statuses: readonly SeedStatus[], stopReason: Extract<RunStatus, 'cancelled' | 'interrupted'> | undefined): RunStatus {
  if (stopReason) return stopReason;
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('cancelled')) return 'cancelled';
  if (statuses.some((status) => status === 'interrupted' || status === 'queued' || status === 'running')) return 'interrupted';
  return 'completed';
}

/**
 * Summarises every (condition, seed) of the manifest from what is on disk (rows and status files,
 * also of seeds a resumed run did not touch), without writing anything. `knownStatus` gives the
 * status of a seed when the producer knows it better than its status file (which a full disk may
 * have kept from being written).
 */
export function summarizeRunFolder(
  runDirectory: string,
  manifest: RunManifest,
  knownStatus: (condition: string, seed: number) => SeedStatus | undefined = () => undefined,
): { summary: RunSummary; seeds: SeedSummary[] } {
  const seeds = manifest.conditions.flatMap((condition) =>
    manifest.seeds.map((seed) =>
      summarizeSeed({
        condition: condition.name,
        seed,
        status: knownStatus(condition.name, seed) ?? readSeedStatus(runDirectory, condition.name, seed)?.status ?? 'queued',
        records: readSeedRecords(runDirectory, condition.name, seed),
        detector: condition.config.diagnostics.eigengap.detector,
        lateStage: condition.config.diagnostics.eigengap.lateStage,
      }),
    ),
  );
  const summary = summarizeRun(manifest.runId, manifest.conditions.map((condition) => condition.name), seeds);
  return { summary, seeds };
}

/** {@link summarizeRunFolder}, then writes summary.json. Returns the summary and its seeds. */
export function writeRunSummary(
  runDirectory: string,
  manifest: RunManifest,
  knownStatus?: (condition: string, seed: number) => SeedStatus | undefined,
): { summary: RunSummary; seeds: SeedSummary[] } {
  const summarized = summarizeRunFolder(runDirectory, manifest, knownStatus);
  writeSummary(runDirectory, summarized.summary);
  return summarized;
}
