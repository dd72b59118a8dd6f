/**
 * Run folder → report, for the command line (`grokking-lab report`) and the extension ("Export
 * Report"): finds the run folder a path means, reads it through runFolder.ts, gives every seed and
 * the run their real status, and writes the self-contained HTML report. The numbers and the
 * rendering are pure (src/shared/report/); this module only reads and writes files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compareRunsNewestFirst } from './status';
import type { RunEvent, SeedStatus } from '../shared/runFormat';
import { reportChartData } from '../shared/report/chartData';
import { renderHtmlReport } from '../shared/report/html';
import type { ReportInput, ReportSeedInput, RunReport } from '../shared/report/model';
import { buildRunReport } from '../shared/report/model';
import { reportDocument } from '../shared/report/tables';
import { RUN_EVENTS, RUN_MANIFEST, modifiedTime, readManifest, readRun, readAssignedConfigs, seedRecordsPath, seedStatusPath, subfolders } from './runFolder';
import packageJson from '../../package.json';
import { realRunState, type SeedOnDisk } from './runFolderReader';

/** A problem with what the user asked for (a missing folder, an unwritable file): its message is one line naming the path. */
export class RunReportError extends Error {}

/** The two scripts the HTML report inlines, and where they are built. */
export const REPORT_ASSET_FILES = { plotly: 'plotly.min.js', page: 'report.js' } as const;

function isDirectory(candidate: string): boolean {
  try {
    return fs.statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a folder is a run folder: it has run.json, or condition folders holding `seed-<n>.jsonl`. */
export function isRunFolder(directory: string): boolean {
  if (fs.existsSync(path.join(directory, RUN_MANIFEST))) return true;
  return subfolders(directory).some((condition) => {
    try {
      return fs.readdirSync(condition).some((name) => /^seed-\d+\.jsonl$/.test(name));
    } catch {
      return false;
    }
  });
}

/** The run folders directly in a folder, newest first (by start time, else run id). */
function runsIn(directory: string): string[] {
  return subfolders(directory)
    .filter(isRunFolder)
    .map((runDirectory) => ({ runDirectory, runId: path.basename(runDirectory), startTime: readManifest(runDirectory)?.startTime }))
    .sort(compareRunsNewestFirst)
    .map((run) => run.runDirectory);
}

/** The run folder a path means, and a sentence for the user when it is not the path itself. */
export interface ResolvedRunFolder {
  runDirectory: string;
  /** Set when the path was an experiment folder and its newest run was chosen. */
  note: string | null;
}

/**
 * The run folder to report: the path itself when it is one; the newest run when it is an
 * experiment folder (`<runs folder>/<experiment>`), with a note saying so. A runs folder, a missing
 * path or anything else is a {@link RunReportError} that says what to pass.
 */
export function resolveRunFolder(candidate: string): ResolvedRunFolder {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(candidate);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunReportError(code === 'ENOENT' ? `${candidate}: no such folder.` : `${candidate}: cannot read it (${code}).`);
  }
  if (!stats.isDirectory()) throw new RunReportError(`${candidate}: not a folder; pass a run folder (<runs folder>/<experiment>/<run id>).`);
  try {
    fs.readdirSync(candidate);
  } catch (error) {
    throw new RunReportError(`${candidate}: cannot read it (${(error as NodeJS.ErrnoException).code}).`);
  }
  if (isRunFolder(candidate)) return { runDirectory: candidate, note: null };
  const runs = runsIn(candidate);
  if (runs.length > 0) {
    const newest = runs[0];
    const note =
      runs.length === 1
        ? `${candidate} is an experiment folder; reporting its run ${path.basename(newest)}.`
        : `${candidate} is an experiment folder with ${runs.length} runs; reporting the newest, ${path.basename(newest)} (pass another run folder to report it).`;
    return { runDirectory: newest, note };
  }
  const experiments = subfolders(candidate).filter((folder) => runsIn(folder).length > 0);
  if (experiments.length > 0) {
    const example = runsIn(experiments[0])[0];
    throw new RunReportError(
      `${candidate} is a runs folder (experiments: ${experiments.map((folder) => path.basename(folder)).join(', ')}); pass a run folder such as ${example}.`,
    );
  }
  throw new RunReportError(`${candidate}: not a run folder (no run.json and no <condition>/seed-<n>.jsonl).`);
}

/** The last seedFinished event of each seed. */
function finishedEvents(events: readonly RunEvent[]): Map<string, { status: SeedStatus; message?: string }> {
  const finished = new Map<string, { status: SeedStatus; message?: string }>();
  for (const event of events) {
    if (event.type === 'seedFinished') finished.set(`${event.condition}/${event.seed}`, { status: event.status, ...(event.message ? { message: event.message } : {}) });
  }
  return finished;
}

/**
 * Everything the report is computed from, with the real statuses: the rules of the Runs view
 * (src/runs/status.ts): a `running` seed whose worker is gone, or a `running` run nobody has
 * written to for ABANDONED_AFTER_MS (30 s), is interrupted.
 *
 * @param now Current time in milliseconds.
 */
export function readReportInput(runDirectory: string, now = Date.now()): ReportInput {
  const contents = readRun(runDirectory);
  const finished = finishedEvents(contents.events);
  let lastWrite = Math.max(modifiedTime(path.join(runDirectory, RUN_MANIFEST)), modifiedTime(path.join(runDirectory, RUN_EVENTS)));
  const onDisk = contents.seeds.map((seed): SeedOnDisk => {
    lastWrite = Math.max(lastWrite, modifiedTime(seedStatusPath(runDirectory, seed.condition, seed.seed)), modifiedTime(seedRecordsPath(runDirectory, seed.condition, seed.seed)));
    // Without a status file: its end event, else rows mean it started.
    const fallback = finished.get(`${seed.condition}/${seed.seed}`) ?? { status: seed.records.length > 0 ? 'running' : 'queued' };
    return { ...(seed.status ? { file: seed.status } : {}), fallback };
  });
  const real = realRunState({ manifest: contents.manifest, seeds: onDisk, active: false, quietForMs: now - lastWrite });
  const seeds = contents.seeds.map((seed, index): ReportSeedInput => {
    const { status, message } = real.seeds[index];
    return { condition: seed.condition, seed: seed.seed, status, ...(message !== undefined ? { message } : {}), records: seed.records, skippedRows: seed.skippedRows };
  });
  return {
    runId: contents.manifest?.runId ?? path.basename(runDirectory),
    manifest: contents.manifest ?? null,
    ...(contents.manifest ? {} : { assignedConfigs: readAssignedConfigs(runDirectory, contents.seeds) }),
    status: real.status,
    seeds,
    skippedEvents: contents.skippedEvents,
    events: contents.events,
    summary: contents.summary ?? null,
  };
}

/** The report of a run folder (see {@link resolveRunFolder} for what the path may be). */
export function readRunReport(runDirectory: string): RunReport {
  return buildRunReport(readReportInput(runDirectory));
}

/** Reads the two scripts the HTML inlines; a {@link RunReportError} naming the missing file when the build has not made them. */
export function readReportScripts(assetsDirectory: string): { plotly: string; page: string } {
  const read = (name: string) => {
    const file = path.join(assetsDirectory, name);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      throw new RunReportError(`${file} is missing: the HTML report inlines it (npm run build makes it).`);
    }
  };
  return { plotly: read(REPORT_ASSET_FILES.plotly), page: read(REPORT_ASSET_FILES.page) };
}

/** The HTML report of a run (its report and what it was computed from), as a string. */
export function htmlReportOf(report: RunReport, input: ReportInput, assetsDirectory: string, generatedAt = new Date().toISOString()): string {
  return renderHtmlReport({
    document: reportDocument(report),
    chartData: reportChartData(input),
    scripts: readReportScripts(assetsDirectory),
    generatedAt,
    generator: `Grokking Lab ${packageJson.version}`,
  });
}

/**
 * Writes the self-contained HTML report of a run folder to `outputFile` (a temporary file, then a
 * rename, so a reader never sees half a report) and returns the report's numbers. For "Export
 * Report" in VS Code: `assetsDirectory` is the folder holding plotly.min.js and report.js (the
 * extension's `dist/`). Synchronous. Throws {@link RunReportError} (one-line message naming the
 * path) for a missing run folder, missing assets or an unwritable output file.
 */
export function writeHtmlReport(runDirectory: string, outputFile: string, assetsDirectory: string): RunReport {
  if (!isDirectory(runDirectory)) throw new RunReportError(`${runDirectory}: no such folder.`);
  const input = readReportInput(runDirectory);
  const report = buildRunReport(input);
  const html = htmlReportOf(report, input, assetsDirectory);
  const temporary = `${outputFile}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(temporary, html);
    fs.renameSync(temporary, outputFile);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunReportError(`${outputFile}: cannot write it (${code === 'ENOENT' ? 'its folder does not exist' : code}).`);
  }
  return report;
}
