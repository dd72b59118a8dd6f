/**
 * Reading run folders for the Runs view, whoever wrote them (this window, another window, the CLI,
 * a cluster job): discovery under a runs folder, and what the view shows of each run and seed.
 * Cheap enough to repeat every couple of seconds while runs are live: finished runs are read from
 * their small JSON files (run.json, status files, summary.json); events.jsonl is followed by byte
 * offset, never re-read; of a running seed's rows only the last line is read.
 *
 * No `vscode` import (tested under plain Node on real run folders).
 */
import fs from 'node:fs';
import path from 'node:path';
import { JsonLinesDecoder, type RowCheck } from './jsonLines';
import type { RunEvent, RunManifest, RunStatus, RunSummary, SeedStatus, SeedStatusFile } from '../shared/runFormat';
import { effectiveRunStatus, effectiveSeedStatus, type SeedState } from './status';
import {
  isEpochRecord,
  isRunEvent,
  RUN_EVENTS,
  RUN_MANIFEST,
  hostName,
  modifiedTime,
  readManifest,
  readSeedStatus,
  readSummary,
  seedRecordsPath,
  seedStatusPath,
  subfolders,
} from './runFolder';
import { lastRowOf } from '../shared/config/modelKind';

/** Follows a file another process appends JSON lines to: each read returns the rows added since the last. */
export class JsonLinesTail<T> {
  private offset = 0;
  private decoder: JsonLinesDecoder<T>;
  private text = new TextDecoder('utf-8');

  /** @param check Which parsed lines are rows (isEpochRecord, isRunEvent of ./runFolder.ts). */
  constructor(
    readonly file: string,
    private readonly check: RowCheck<T>,
  ) {
    this.decoder = new JsonLinesDecoder(check);
  }

  /**
   * Rows appended since the last read. `restarted` is true when the file became shorter than what
   * was read (it was replaced, e.g. by a re-run): then `rows` are the new file's rows from the start.
   */
  read(): { rows: T[]; restarted: boolean } {
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      const restarted = this.offset > 0;
      if (restarted) this.reset();
      return { rows: [], restarted };
    }
    let restarted = false;
    if (size < this.offset) {
      this.reset();
      restarted = true;
    }
    if (size === this.offset) return { rows: [], restarted };
    const descriptor = fs.openSync(this.file, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      const bytes = fs.readSync(descriptor, buffer, 0, buffer.length, this.offset);
      this.offset += bytes;
      return { rows: this.decoder.push(this.text.decode(buffer.subarray(0, bytes), { stream: true })), restarted };
    } finally {
      fs.closeSync(descriptor);
    }
  }

  /** Moves past what the file holds now (the caller read it some other way), keeping a partial last line for the next read. */
  skipExisting(): void {
    this.read();
  }

  private reset(): void {
    this.offset = 0;
    this.decoder = new JsonLinesDecoder(this.check);
    this.text = new TextDecoder('utf-8');
  }
}

/** The epoch of the last complete row of a seed's records file, or −1; reads only the file's end. */
export function lastRecordedEpoch(file: string): number {
  let descriptor: number | undefined;
  try {
    descriptor = fs.openSync(file, 'r');
    const size = fs.fstatSync(descriptor).size;
    // Rows are ~1 KB; 64 KB holds several even with long eigenvalue lists.
    const length = Math.min(size, 65_536);
    const buffer = Buffer.alloc(length);
    fs.readSync(descriptor, buffer, 0, length, size - length);
    // The window's first line may be cut (it is then skipped) and its last one still being written.
    const decoder = new JsonLinesDecoder(isEpochRecord);
    return decoder.push(buffer.toString('utf8')).at(-1)?.epoch ?? -1;
  } catch {
    return -1;
  } finally {
    if (descriptor !== undefined) fs.closeSync(descriptor);
  }
}

/**
 * Run folders under a runs folder (`<runs folder>/<experiment>/<run id>/run.json`). Folders
 * without run.json are not runs (yet). Unordered; the view sorts them.
 */
export function findRunDirectories(runsFolder: string): string[] {
  const found: string[] = [];
  for (const experiment of subfolders(runsFolder)) {
    for (const run of subfolders(experiment)) {
      if (fs.existsSync(path.join(run, RUN_MANIFEST))) found.push(run);
    }
  }
  return found;
}

/** Whether a process with this pid exists on this machine. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the Runs view shows of one run folder. */
export interface RunOnDisk {
  runDirectory: string;
  runId: string;
  experiment: string;
  manifest?: RunManifest;
  summary?: RunSummary;
  /** The run's real status (see effectiveRunStatus). */
  status: RunStatus;
  startTime?: string;
  endTime?: string;
  /** Condition names, in manifest order. */
  conditions: string[];
  /** Every seed of every condition, in manifest order. */
  seeds: SeedState[];
}

interface FollowedEvents {
  tail: JsonLinesTail<RunEvent>;
  detectorEpochs: Map<string, number>;
  grokEpochs: Map<string, number>;
}

/** Reads run folders, keeping per run what it followed of events.jsonl. */
export class RunFolderReader {
  private readonly followed = new Map<string, FollowedEvents>();
  private readonly host = hostName();

  constructor(private readonly processAlive: (pid: number) => boolean = isProcessAlive) {}

  /**
   * Reads what the view shows of a run folder.
   * @param active True when this window's run manager runs it.
   * @param now Current time in milliseconds (for the abandoned-run rule).
   */
  read(runDirectory: string, active: boolean, now = Date.now()): RunOnDisk {
    const manifest = readManifest(runDirectory);
    const summary = readSummary(runDirectory);
    const conditions = manifest ? manifest.conditions.map((condition) => condition.name) : [];
    const epochsOf = new Map(manifest?.conditions.map((condition) => [condition.name, lastRowOf(condition.config)]) ?? []);
    const seedSummaries = new Map(summary?.seeds.map((seed) => [`${seed.condition}/${seed.seed}`, seed]) ?? []);
    const events = summary ? undefined : this.followEvents(runDirectory);

    let lastWrite = modifiedTime(path.join(runDirectory, RUN_MANIFEST));
    const files: { condition: string; seed: number; file?: SeedStatusFile }[] = [];
    for (const condition of conditions) {
      for (const seed of manifest?.seeds ?? []) {
        files.push({ condition, seed, file: readSeedStatus(runDirectory, condition, seed) });
        lastWrite = Math.max(lastWrite, modifiedTime(seedStatusPath(runDirectory, condition, seed)));
      }
    }
    // Rows of running seeds are the freshest writes of a live run.
    for (const { condition, seed, file } of files) {
      if (file?.status === 'running') lastWrite = Math.max(lastWrite, modifiedTime(seedRecordsPath(runDirectory, condition, seed)));
    }
    if (events) lastWrite = Math.max(lastWrite, modifiedTime(path.join(runDirectory, RUN_EVENTS)));
    const real = realRunState({ manifest, seeds: files, active, quietForMs: now - lastWrite, host: this.host, processAlive: this.processAlive });
    const { status } = real;

    const seeds: SeedState[] = files.map(({ condition, seed, file }, index) => {
      const key = `${condition}/${seed}`;
      const { status: seedStatus, message } = real.seeds[index];
      const fromSummary = seedSummaries.get(key);
      // A worker writes its status file at start and end only: while it runs, the last row tells the epoch.
      const wasRunning = file?.status === 'running';
      const epoch = wasRunning ? Math.max(file.lastEpoch, lastRecordedEpoch(seedRecordsPath(runDirectory, condition, seed))) : (file?.lastEpoch ?? -1);
      const grokEpoch = fromSummary ? fromSummary.grokEpoch99 : events?.grokEpochs.get(key);
      const detectorEpoch = fromSummary ? fromSummary.detectorEpoch : events?.detectorEpochs.get(key);
      return {
        condition,
        seed,
        status: seedStatus,
        epoch,
        epochs: file?.epochs ?? epochsOf.get(condition) ?? 0,
        ...(file?.startTime !== undefined && file.status !== 'queued' ? { startTime: file.startTime } : {}),
        ...(message !== undefined ? { message } : {}),
        ...(grokEpoch !== undefined && grokEpoch !== null ? { grokEpoch } : {}),
        ...(detectorEpoch !== undefined && detectorEpoch !== null ? { detectorEpoch } : {}),
      };
    });

    return {
      runDirectory,
      runId: manifest?.runId ?? path.basename(runDirectory),
      experiment: manifest?.experiment ?? path.basename(path.dirname(runDirectory)),
      ...(manifest ? { manifest } : {}),
      ...(summary ? { summary } : {}),
      status,
      ...(manifest?.startTime !== undefined ? { startTime: manifest.startTime } : {}),
      ...(manifest?.endTime !== undefined ? { endTime: manifest.endTime } : {}),
      conditions,
      seeds,
    };
  }

  /** Forgets what was followed of runs no longer listed. */
  retainOnly(runDirectories: ReadonlySet<string>): void {
    for (const directory of this.followed.keys()) {
      if (!runDirectories.has(directory)) this.followed.delete(directory);
    }
  }

  private followEvents(runDirectory: string): FollowedEvents {
    let followed = this.followed.get(runDirectory);
    if (!followed) {
      followed = { tail: new JsonLinesTail(path.join(runDirectory, RUN_EVENTS), isRunEvent), detectorEpochs: new Map(), grokEpochs: new Map() };
      this.followed.set(runDirectory, followed);
    }
    const { rows, restarted } = followed.tail.read();
    if (restarted) {
      followed.detectorEpochs.clear();
      followed.grokEpochs.clear();
    }
    for (const event of rows) {
      const key = `${event.condition}/${event.seed}`;
      if (event.type === 'detectorFired' && !followed.detectorEpochs.has(key)) followed.detectorEpochs.set(key, event.epoch);
      if (event.type === 'milestone' && event.milestone === 'grok99' && !followed.grokEpochs.has(key)) followed.grokEpochs.set(key, event.epoch);
    }
    return followed;
  }
}

/** One seed of a run as found on disk, for {@link realRunState}. */
export interface SeedOnDisk {
  /** Its status file, when readable. */
  file?: SeedStatusFile;
  /** What to assume without a status file (its seedFinished event, or `running` when it has rows); default queued. */
  fallback?: { status: SeedStatus; message?: string };
}

/** A run's real status and its seeds', with a sentence for each seed found interrupted. */
export interface RealRunState {
  status: RunStatus;
  seeds: { status: SeedStatus; message?: string }[];
}

/**
 * The statuses a run and its seeds really have, from what is on disk, decided in this one place for
 * every viewer (the Runs view, the report, the dashboard) by the rules of src/runs/status.ts: a
 * `running` seed whose worker is gone, a run whose producer is gone or that nobody wrote to for
 * ABANDONED_AFTER_MS, and the queued seeds of such a run, are interrupted.
 */
export function realRunState(input: {
  manifest: RunManifest | undefined;
  seeds: readonly SeedOnDisk[];
  /** True when this process runs it. */
  active: boolean;
  /** Milliseconds since the last write anywhere in the run folder. */
  quietForMs: number;
  host?: string;
  processAlive?: (pid: number) => boolean;
}): RealRunState {
  const host = input.host ?? hostName();
  const alive = input.processAlive ?? isProcessAlive;
  const { manifest } = input;
  const liveness = input.seeds.map(({ file }) => (file?.status === 'running' && file.pid !== undefined && file.host === host ? alive(file.pid) : undefined));
  const producerAlive = manifest?.status === 'running' && manifest.pid !== undefined && manifest.host === host ? alive(manifest.pid) : undefined;
  const base = input.seeds.map(({ file, fallback }) => file?.status ?? fallback?.status ?? 'queued');
  const status = effectiveRunStatus(
    manifest?.status,
    base.map((seedStatus, index) => effectiveSeedStatus(seedStatus, liveness[index], false)),
    input.active,
    input.quietForMs,
    producerAlive,
  );
  const abandoned = !input.active && status !== 'running' && (manifest === undefined || manifest.status === 'running');
  const seeds = input.seeds.map(({ file, fallback }, index) => {
    const real = effectiveSeedStatus(base[index], liveness[index], abandoned);
    let message = file?.message ?? fallback?.message;
    if (real === 'interrupted' && base[index] === 'running') message = `its worker${file?.pid !== undefined ? ` (pid ${file.pid})` : ''} is gone`;
    if (real === 'interrupted' && base[index] === 'queued') message = 'its run was abandoned before it started';
    return { status: real, ...(message !== undefined ? { message } : {}) };
  });
  return { status, seeds };
}
