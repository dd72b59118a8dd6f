/**
 * The one module that reads and writes run folders (format: src/shared/runFormat.ts). Writers
 * append whole lines with single write() calls on O_APPEND descriptors, so concurrent workers can
 * share events.jsonl and a crash never leaves half a line except possibly the last one, which
 * readers skip. JSON documents are written to a temporary file and renamed into place.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EpochRecord, RunEvent, RunManifest, RunSummary, SeedStatusFile } from '../shared/runFormat';

export const RUN_MANIFEST = 'run.json';
export const RUN_SUMMARY = 'summary.json';
export const RUN_EVENTS = 'events.jsonl';

export function seedRecordsPath(runDirectory: string, condition: string, seed: number): string {
  return path.join(runDirectory, condition, `seed-${seed}.jsonl`);
}
export function seedStatusPath(runDirectory: string, condition: string, seed: number): string {
  return path.join(runDirectory, condition, `seed-${seed}.status.json`);
}
export function seedLogPath(runDirectory: string, condition: string, seed: number): string {
  return path.join(runDirectory, condition, `seed-${seed}.log`);
}

/** A run id that sorts by start time: `2026-11-22T23-59-01Z-3f9a`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

/** Writes JSON atomically: a temporary file in the same folder, then rename. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temporary, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Parses JSON lines, skipping a truncated or malformed line (a writer killed mid-line). */
export function parseJsonLines<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line) as T);
    } catch {
      // A partial last line from a killed writer: skip it, keep everything before.
    }
  }
  return rows;
}

function readJsonLines<T>(file: string): T[] {
  try {
    return parseJsonLines<T>(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
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
    fs.writeSync(this.descriptor, `${JSON.stringify(value)}\n`);
  }

  appendText(text: string): void {
    fs.writeSync(this.descriptor, text.endsWith('\n') ? text : `${text}\n`);
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

export function readManifest(runDirectory: string): RunManifest | undefined {
  return readJson<RunManifest>(path.join(runDirectory, RUN_MANIFEST));
}
export function readSummary(runDirectory: string): RunSummary | undefined {
  return readJson<RunSummary>(path.join(runDirectory, RUN_SUMMARY));
}
export function readSeedStatus(runDirectory: string, condition: string, seed: number): SeedStatusFile | undefined {
  return readJson<SeedStatusFile>(seedStatusPath(runDirectory, condition, seed));
}
export function readSeedRecords(runDirectory: string, condition: string, seed: number): EpochRecord[] {
  return readJsonLines<EpochRecord>(seedRecordsPath(runDirectory, condition, seed));
}
export function readEvents(runDirectory: string): RunEvent[] {
  return readJsonLines<RunEvent>(path.join(runDirectory, RUN_EVENTS));
}

/** Everything a viewer needs of one run. Missing parts are empty, never an exception. */
export interface RunContents {
  directory: string;
  manifest?: RunManifest;
  summary?: RunSummary;
  events: RunEvent[];
  seeds: { condition: string; seed: number; status?: SeedStatusFile; records: EpochRecord[] }[];
}

export function readRun(runDirectory: string): RunContents {
  const manifest = readManifest(runDirectory);
  const seeds: RunContents['seeds'] = [];
  const conditions = manifest ? manifest.conditions.map((condition) => condition.name) : listConditionFolders(runDirectory);
  for (const condition of conditions) {
    const seedNumbers = manifest ? manifest.seeds : listSeedFiles(path.join(runDirectory, condition));
    for (const seed of seedNumbers) {
      seeds.push({
        condition,
        seed,
        status: readSeedStatus(runDirectory, condition, seed),
        records: readSeedRecords(runDirectory, condition, seed),
      });
    }
  }
  return { directory: runDirectory, manifest, summary: readSummary(runDirectory), events: readEvents(runDirectory), seeds };
}

function listConditionFolders(runDirectory: string): string[] {
  try {
    return fs
      .readdirSync(runDirectory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
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
