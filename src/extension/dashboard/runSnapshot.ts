/**
 * Run folders → the dashboard's `snapshot` payload (src/shared/protocol/webview.ts), read through
 * src/runs/runFolder.ts (the one module that reads run folders). No `vscode` import.
 *
 * A snapshot must stay a reasonable message whatever the run's length: the rows of all runs shown
 * are capped by a budget, and a run whose seeds exceed their share is decimated with the
 * spike-preserving min/max buckets of src/shared/dashboard/decimate.ts on epochs shared by its
 * seeds (so medians stay exact); the seeds say so (`decimation`), and later appends carry every
 * new row. A 400-epoch study of 30 seeds (12 000 rows) is sent whole.
 */
import path from 'node:path';
import { decimateAlignedRecords } from '../../shared/dashboard/decimate';
import type { RunSnapshot, SeedSnapshot } from '../../shared/protocol/webview';
import type { RunStatus, SeedStatus } from '../../shared/runFormat';
import { readRun, type RunContents } from '../../runs/runFolder';
import { lastRowOf } from '../../shared/config/modelKind';

/** Most epoch rows one snapshot carries over every seed of every run shown (rows are ~0.9 kB of JSON). */
export const SNAPSHOT_RECORD_BUDGET = 40_000;
/** A seed keeps at least this many rows, however many seeds share the budget. */
export const MINIMUM_RECORDS_PER_SEED = 1_000;

/** Rows each seed may keep when `seedCount` seeds share the budget. */
export function recordsPerSeed(seedCount: number, budget = SNAPSHOT_RECORD_BUDGET): number {
  return Math.max(MINIMUM_RECORDS_PER_SEED, Math.floor(budget / Math.max(1, seedCount)));
}

/** What the host knows better than the files: the live statuses of a run (the Runs view's, which also detects dead workers). */
export interface KnownRunState {
  status: RunStatus;
  seeds: readonly { condition: string; seed: number; status: SeedStatus; message?: string }[];
}

/** The snapshot of one run read from disk, with its seeds thinned to `maxRecordsPerSeed` rows when longer. */
export function snapshotOfRun(contents: RunContents, maxRecordsPerSeed: number, known?: KnownRunState): RunSnapshot {
  const { manifest } = contents;
  const knownSeeds = new Map(known?.seeds.map((seed) => [`${seed.condition}/${seed.seed}`, seed]) ?? []);
  const epochsOf = new Map(manifest?.conditions.map((condition) => [condition.name, lastRowOf(condition.config)]) ?? []);
  const thinned = decimateAlignedRecords(
    contents.seeds.map((seed) => seed.records),
    maxRecordsPerSeed,
  );
  const runStatus: RunStatus = known?.status ?? manifest?.status ?? 'interrupted';
  const seeds = contents.seeds.map((seed, index): SeedSnapshot => {
    const live = knownSeeds.get(`${seed.condition}/${seed.seed}`);
    const message = live ? live.message : seed.status?.message;
    const records = thinned.records[index];
    // Without a status file, rows mean the seed started: running while its run is, else cut short.
    const fromRows: SeedStatus = seed.records.length === 0 ? 'queued' : runStatus === 'running' ? 'running' : 'interrupted';
    return {
      condition: seed.condition,
      seed: seed.seed,
      status: live?.status ?? seed.status?.status ?? fromRows,
      ...(message !== undefined ? { message } : {}),
      epochs: seed.status?.epochs ?? epochsOf.get(seed.condition) ?? 0,
      records,
      ...(records.length < seed.records.length ? { decimation: { sourceRecordCount: seed.records.length, method: 'minMaxBuckets' as const } } : {}),
    };
  });
  return {
    runId: manifest?.runId ?? path.basename(contents.directory),
    manifest: manifest ?? null,
    status: runStatus,
    seeds,
    events: contents.events,
    summary: contents.summary ?? null,
  };
}

/**
 * Snapshots of several runs (a comparison), sharing one row budget. `known` gives the host's live
 * state of a run folder, when it has one.
 */
export function readRunSnapshots(runDirectories: readonly string[], known: (runDirectory: string) => KnownRunState | undefined, budget = SNAPSHOT_RECORD_BUDGET): RunSnapshot[] {
  const contents = runDirectories.map((directory) => readRun(directory));
  const seedCount = contents.reduce((total, run) => total + run.seeds.length, 0);
  const perSeed = recordsPerSeed(seedCount, budget);
  return contents.map((run) => snapshotOfRun(run, perSeed, known(run.directory)));
}
