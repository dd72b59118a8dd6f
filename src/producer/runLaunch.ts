/**
 * What every producer of a run folder does the same way, so that a run started from the command
 * line and one started from VS Code are written alike (docs/run-format.md): the manifest of
 * a new run, the final status of a seed whose worker died without writing it, the run's status
 * once every seed has ended, and its summary over every seed on disk. The producers keep what
 * differs: how they queue workers and how they show progress (src/cli/runCommand.ts,
 * src/extension/runs/runManager.ts).
 *
 * No `vscode` import.
 */
import { canonicalJson, sha256Hex } from '../shared/hash';
import type { ResolvedCondition, ResolvedExperiment } from '../shared/config/types';
import type { RunManifest, RunStatus, RunSummary, SeedStatus, SeedSummary } from '../shared/runFormat';
import { RUN_FORMAT_VERSION, manifestCondition } from '../shared/runFormat';
import { summarizeRun, summarizeSeed } from '../shared/summary';
import { hostName, newRunId, readSeedRecords, readSeedStatus, writeSummary } from '../runs/runFolder';

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
  };
}

/** A condition with its config replaced (e.g. `--epochs`), re-hashed, keeping its name and grid point. */
export function withConfig(condition: ResolvedCondition, config: ResolvedCondition['config']): ResolvedCondition {
  return { ...condition, config, configHash: sha256Hex(canonicalJson(config)) };
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
 * also of seeds a re-run did not touch) and writes summary.json. Returns the summary and its seeds.
 */
export function writeRunSummary(runDirectory: string, manifest: RunManifest): { summary: RunSummary; seeds: SeedSummary[] } {
  const seeds = manifest.conditions.flatMap((condition) =>
    manifest.seeds.map((seed) =>
      summarizeSeed({
        condition: condition.name,
        seed,
        status: readSeedStatus(runDirectory, condition.name, seed)?.status ?? 'queued',
        records: readSeedRecords(runDirectory, condition.name, seed),
        detector: condition.config.diagnostics.eigengap.detector,
        lateStage: condition.config.diagnostics.eigengap.lateStage,
      }),
    ),
  );
  const summary = summarizeRun(manifest.runId, manifest.conditions.map((condition) => condition.name), seeds);
  writeSummary(runDirectory, summary);
  return { summary, seeds };
}
