/**
 * The one module that reads and writes run folders (format: src/shared/runFormat.ts). Writers
 * append whole lines with single write() calls on O_APPEND descriptors, so concurrent workers can
 * share events.jsonl and a crash never leaves half a line except possibly the last one, which
 * readers skip. JSON documents are written to a temporary file and renamed into place.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withDefaults } from '../shared/config/defaults';
import type { WorkerAssignment } from '../shared/protocol/worker';
import type { TimeUnit } from '../shared/config/modelKind';
import type { EpochRecord, RunEvent, RunManifest, RunSummary, SeedStatusFile } from '../shared/runFormat';
import { upgradeRunManifest, type StoredRunManifest } from '../shared/runFormatUpgrade';
import { decodeJsonLines, isJsonObject, type RowCheck } from './jsonLines';

export const RUN_MANIFEST = 'run.json';
export const RUN_SUMMARY = 'summary.json';
export const RUN_EVENTS = 'events.jsonl';
/** The run's files whose change means its state changed (a run appearing, a seed starting or ending), as a glob for file watchers. */
export const RUN_STATE_FILES_GLOB = `{${RUN_MANIFEST},${RUN_SUMMARY},*.status.json}`;

export function seedRecordsPath(runDirectory: string, condition: string, seed: number): string {
  return path.join(runDirectory, condition, `seed-${seed}.jsonl`);
}
export function seedStatusPath(runDirectory: string, condition: string, seed: number): string {
  return path.join(runDirectory, condition, `seed-${seed}.status.json`);
}
export function seedLogPath(runDirectory: string, condition: string, seed: number): string {
  return path.join(runDirectory, condition, `seed-${seed}.log`);
}
/** What the producer asked a seed's worker to run (src/shared/protocol/worker.ts WorkerAssignment). */
export function seedAssignmentPath(runDirectory: string, condition: string, seed: number): string {
  return path.join(runDirectory, condition, `seed-${seed}.assignment.json`);
}

/** A run folder that cannot be made or written: the message is one line naming the path. */
export class RunFolderError extends Error {}

/** How many run ids a new run tries before giving up on a folder that keeps existing. */
const RUN_FOLDER_ATTEMPTS = 50;

/**
 * Creates the folder of a new run, `<runsFolder>/<experiment>/<run id>`, exclusively: a folder that
 * exists already (another run started in the same second drew the same id) is never shared: the run
 * takes a new id. Writes run.json into it and returns the folder and the manifest as written (its
 * run id may differ from the planned one). Throws {@link RunFolderError} when the runs folder cannot
 * be made or written (a file in its place, no permission, a full disk).
 */
export function createRunFolder(runsFolder: string, experiment: string, planned: RunManifest): { runDirectory: string; manifest: RunManifest } {
  const experimentFolder = path.resolve(runsFolder, experiment);
  try {
    fs.mkdirSync(experimentFolder, { recursive: true });
  } catch (error) {
    throw new RunFolderError(`cannot make the runs folder ${experimentFolder}: ${describeFileError(error)}.`);
  }
  let manifest = planned;
  for (let attempt = 0; attempt < RUN_FOLDER_ATTEMPTS; attempt++) {
    const runDirectory = path.join(experimentFolder, manifest.runId);
    try {
      fs.mkdirSync(runDirectory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        manifest = { ...manifest, runId: newRunId(new Date(manifest.startTime)) };
        continue;
      }
      throw new RunFolderError(`cannot make the run folder ${runDirectory}: ${describeFileError(error)}.`);
    }
    writeManifest(runDirectory, manifest);
    return { runDirectory, manifest };
  }
  throw new RunFolderError(`${experimentFolder}: ${RUN_FOLDER_ATTEMPTS} run ids in a row were taken; is something creating folders there?`);
}

/** A file-system error as a few words: "not a folder (ENOTDIR)", "no space left on the disk (ENOSPC)". */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOTDIR: 'a file is in the way of a folder',
    EEXIST: 'it exists and is not a folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the disk',
    EDQUOT: 'the disk quota is exceeded',
    ENOENT: 'no such file or folder',
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  return code ?? (error as Error).message ?? String(error);
}

/** A run id that sorts by start time: `2026-11-22T23-59-01Z-3f9a`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

/** Writes JSON atomically: a temporary file in the same folder, then rename; a failed write leaves no temporary file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new RunFolderError(`cannot write ${file}: ${describeFileError(error)}`);
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * A record row: a JSON object with an integer epoch ≥ 0, or a Transformer's integer step ≥ 0, and
 * only finite numbers. A Transformer run's rows are keyed `step` on disk (docs/run-format.md §4);
 * in memory every row's time is its `epoch` field, so this check moves a row's `step` there
 * (mutating the freshly parsed row) and every reader draws both kinds alike.
 */
export function isEpochRecord(row: unknown): row is EpochRecord {
  if (!isJsonObject(row)) return false;
  if (row.epoch === undefined && Number.isInteger(row.step) && (row.step as number) >= 0) {
    const { step, ...rest } = row;
    for (const key of Object.keys(row)) delete row[key];
    Object.assign(row, { epoch: step, ...rest });
  }
  return Number.isInteger(row.epoch) && (row.epoch as number) >= 0;
}

/** A record as one line of a seed's records file: keyed `epoch`, or `step` for a Transformer run (docs/run-format.md §4). Returns a new object. */
export function recordRow(record: EpochRecord, unit: TimeUnit): Record<string, unknown> {
  if (unit === 'epoch') return { ...record };
  const { epoch, ...rest } = record;
  return { step: epoch, ...rest };
}

/** An event row: a JSON object with a type, a condition and a seed, and only finite numbers. */
export function isRunEvent(row: unknown): row is RunEvent {
  return isJsonObject(row) && typeof row.type === 'string' && typeof row.condition === 'string' && typeof row.seed === 'number';
}

/** The rows of a JSON-lines file and how many lines were skipped; a missing file has none. */
function readRows<T>(file: string, check: RowCheck<T>): { rows: T[]; skipped: number } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { rows: [], skipped: 0 };
  }
  return decodeJsonLines(text, check);
}

/** Appends lines to a file through one descriptor; each append is one write() of whole lines. */
export class LineAppender {
  private readonly descriptor: number;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.descriptor = fs.openSync(file, 'a');
  }

  /** Writes the value as one JSON line. Synchronous, so the line is in the file when this returns. */
  appendJson(value: unknown): void {
    this.write(`${JSON.stringify(value)}\n`);
  }

  appendText(text: string): void {
    this.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** One write() of whole lines; a failure (a full disk) names the file in one line. */
  private write(text: string): void {
    try {
      fs.writeSync(this.descriptor, text);
    } catch (error) {
      throw new RunFolderError(`cannot write ${this.file}: ${describeFileError(error)}`);
    }
  }

  close(): void {
    fs.closeSync(this.descriptor);
  }
}

export function writeManifest(runDirectory: string, manifest: RunManifest): void {
  writeJsonAtomic(path.join(runDirectory, RUN_MANIFEST), manifest);
}
export function writeSummary(runDirectory: string, summary: RunSummary): void {
  writeJsonAtomic(path.join(runDirectory, RUN_SUMMARY), summary);
}
export function writeSeedStatus(runDirectory: string, status: SeedStatusFile): void {
  writeJsonAtomic(seedStatusPath(runDirectory, status.condition, status.seed), status);
}

/**
 * The run's manifest as the current format, older ones upgraded (src/shared/runFormatUpgrade.ts), so
 * no viewer needs defaults of its own; undefined when run.json is missing or not JSON.
 */
/** run.json, upgraded to the current format; undefined when it is missing or damaged past reading (a viewer then treats it as missing). */
export function readManifest(runDirectory: string): RunManifest | undefined {
  const stored = readJson<StoredRunManifest>(path.join(runDirectory, RUN_MANIFEST));
  if (typeof stored !== 'object' || stored === null) return undefined;
  try {
    return upgradeRunManifest(stored);
  } catch {
    // A config whose parts are not objects (`model: null`) cannot be completed: not a readable run.json.
    return undefined;
  }
}
export function readSummary(runDirectory: string): RunSummary | undefined {
  return readJson<RunSummary>(path.join(runDirectory, RUN_SUMMARY));
}
/**
 * An assignment file (`node dist/worker.js <file>`): what a worker is asked to run. Throws a
 * RunFolderError naming the file when it cannot be read or lacks a run, a seed or a config.
 */
export function readWorkerAssignment(file: string): WorkerAssignment {
  let assignment: Partial<WorkerAssignment>;
  try {
    assignment = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<WorkerAssignment>;
  } catch (error) {
    throw new RunFolderError(`cannot read the assignment ${file}: ${error instanceof SyntaxError ? 'it is not JSON' : describeFileError(error)}`);
  }
  const { runId, runDirectory, condition, seed, config } = assignment;
  if (typeof runId !== 'string' || typeof runDirectory !== 'string' || typeof condition !== 'string' || typeof seed !== 'number' || typeof config !== 'object' || config === null) {
    throw new RunFolderError(`the assignment ${file} lacks its run id, run folder, condition, seed or config`);
  }
  // Like run.json (src/shared/runFormatUpgrade.ts): what an older run's config lacks, with its default.
  return { runId, runDirectory, condition, seed, config: withDefaults(config) };
}

/** What a seed's worker was asked to run, when its assignment file is there and complete. */
export function readSeedAssignment(runDirectory: string, condition: string, seed: number): WorkerAssignment | undefined {
  try {
    return readWorkerAssignment(seedAssignmentPath(runDirectory, condition, seed));
  } catch {
    return undefined;
  }
}
export function readSeedStatus(runDirectory: string, condition: string, seed: number): SeedStatusFile | undefined {
  return readJson<SeedStatusFile>(seedStatusPath(runDirectory, condition, seed));
}
/** A seed's epoch rows (unreadable lines skipped: see {@link readRun} for their count). */
export function readSeedRecords(runDirectory: string, condition: string, seed: number): EpochRecord[] {
  return readRows(seedRecordsPath(runDirectory, condition, seed), isEpochRecord).rows;
}
export function readEvents(runDirectory: string): RunEvent[] {
  return readRows(path.join(runDirectory, RUN_EVENTS), isRunEvent).rows;
}

/**
 * Removes what a run holds of some seeds, so that they can run again in the same folder: their
 * rows, status files and events, and the run's summary (it no longer describes the run). Only for a
 * run nobody writes to now (its producer ended): events.jsonl is rewritten, not appended to.
 */
export function clearSeeds(runDirectory: string, seeds: readonly { condition: string; seed: number }[]): void {
  const cleared = new Set(seeds.map(({ condition, seed }) => `${condition}/${seed}`));
  for (const { condition, seed } of seeds) {
    fs.rmSync(seedRecordsPath(runDirectory, condition, seed), { force: true });
    fs.rmSync(seedStatusPath(runDirectory, condition, seed), { force: true });
  }
  const eventsFile = path.join(runDirectory, RUN_EVENTS);
  if (fs.existsSync(eventsFile)) {
    const kept = readRows(eventsFile, isRunEvent).rows.filter((event) => !cleared.has(`${event.condition}/${event.seed}`));
    const temporary = `${eventsFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temporary, kept.map((event) => `${JSON.stringify(event)}\n`).join(''));
      fs.renameSync(temporary, eventsFile);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw new RunFolderError(`cannot write ${eventsFile}: ${describeFileError(error)}`);
    }
  }
  fs.rmSync(path.join(runDirectory, RUN_SUMMARY), { force: true });
}

/** One seed of a run as a viewer reads it. */
export interface SeedContents {
  condition: string;
  seed: number;
  status?: SeedStatusFile;
  records: EpochRecord[];
  /** Lines of its rows file that could not be read (cut short, garbage, non-finite numbers). */
  skippedRows: number;
}

/** Everything a viewer needs of one run. Missing parts are empty, never an exception. */
export interface RunContents {
  directory: string;
  manifest?: RunManifest;
  summary?: RunSummary;
  events: RunEvent[];
  /** Lines of events.jsonl that could not be read. */
  skippedEvents: number;
  seeds: SeedContents[];
}

export function readRun(runDirectory: string): RunContents {
  const manifest = readManifest(runDirectory);
  const seeds: RunContents['seeds'] = [];
  const conditions = manifest ? manifest.conditions.map((condition) => condition.name) : subfolders(runDirectory).map((folder) => path.basename(folder));
  for (const condition of conditions) {
    const seedNumbers = manifest ? manifest.seeds : listSeedFiles(path.join(runDirectory, condition));
    for (const seed of seedNumbers) {
      const { rows, skipped } = readRows(seedRecordsPath(runDirectory, condition, seed), isEpochRecord);
      seeds.push({ condition, seed, status: readSeedStatus(runDirectory, condition, seed), records: rows, skippedRows: skipped });
    }
  }
  const events = readRows(path.join(runDirectory, RUN_EVENTS), isRunEvent);
  return { directory: runDirectory, manifest, summary: readSummary(runDirectory), events: events.rows, skippedEvents: events.skipped, seeds };
}

/** The folders in a folder (full paths, sorted; hidden ones left out: no run, experiment or condition name starts with a dot); none when it cannot be read. */
export function subfolders(directory: string): string[] {
  try {
    return fs
      .readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => path.join(directory, entry.name))
      .sort();
  } catch {
    return [];
  }
}

/** A file's modification time in milliseconds, 0 when it does not exist. */
export function modifiedTime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function listSeedFiles(conditionDirectory: string): number[] {
  try {
    return fs
      .readdirSync(conditionDirectory)
      .flatMap((name) => {
        const match = /^seed-(\d+)\.jsonl$/.exec(name);
        return match ? [Number(match[1])] : [];
      })
      .sort((left, right) => left - right);
  } catch {
    return [];
  }
}

/** Host name recorded in manifests and status files (useful when a cluster writes the runs). */
export function hostName(): string {
  return os.hostname();
}
