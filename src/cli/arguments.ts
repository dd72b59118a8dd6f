/** Command-line parsing for `grokking-lab`: small and strict, every mistake a one-line UserError. */
import type { EngineName } from '../shared/config/types';

/** An error caused by the user's input: printed as one line, never with a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_CODES.usage,
  ) {
    super(message);
  }
}

/** Documented exit codes (README, `grokking-lab --help`). */
export const EXIT_CODES = {
  /** Every seed completed. */
  success: 0,
  /** An internal error (a bug): please report it. */
  internal: 1,
  /** Bad command line, unreadable file or invalid experiment file. */
  usage: 2,
  /** The run finished but at least one seed failed or diverged. */
  seedsFailed: 3,
  /** Stopped by Ctrl-C / SIGTERM; what was written is kept. */
  cancelled: 130,
} as const;

export interface RunArguments {
  command: 'run';
  /** The experiment file; undefined with `--resume`. */
  file?: string;
  /** `--resume RUN_DIR`: finish the missing seeds of this run, in its folder, with its own configuration. */
  resume?: string;
  experiment?: string;
  conditions?: string[];
  seeds?: number[];
  epochs?: number;
  jobs?: number;
  out: string;
  engine?: EngineName;
  threads?: 1 | 2;
  quiet: boolean;
}

export interface ValidateArguments {
  command: 'validate';
  files: string[];
}

/** What `report` prints to stdout: aligned tables (default), Markdown or the report's JSON. */
export type ReportFormat = 'text' | 'markdown' | 'json';

export interface ReportArguments {
  command: 'report';
  /** A run folder, or an experiment folder (its newest run is reported). */
  runDirectory: string;
  format: ReportFormat;
  /** Where to write the self-contained HTML report, when asked. */
  html?: string;
}

export type CliArguments = RunArguments | ValidateArguments | ReportArguments | { command: 'help' } | { command: 'version' };

export const DEFAULT_RUNS_FOLDER = '.grokking-lab/runs';

/** Parses `0-4`, `0,3,7` or `0-2,9` into sorted unique non-negative integers. */
export function parseSeedList(text: string): number[] {
  const seeds = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match) throw new UserError(`--seeds: "${part}" is not a seed or a range like 0-4.`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) throw new UserError(`--seeds: the range "${part}" ends before it starts.`);
    if (to - from > 10000) throw new UserError(`--seeds: the range "${part}" has more than 10000 seeds.`);
    for (let seed = from; seed <= to; seed++) seeds.add(seed);
  }
  return [...seeds].sort((left, right) => left - right);
}

function positiveInteger(option: string, text: string | undefined, maximum: number): number {
  if (text === undefined) throw new UserError(`${option} needs a value.`);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > maximum) {
    throw new UserError(`${option} must be an integer from 1 to ${maximum}, got "${text}".`);
  }
  return value;
}

export function parseArguments(argv: readonly string[]): CliArguments {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'version' || command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'validate') {
    if (rest.length === 0) throw new UserError('validate needs at least one experiment file.');
    const unknown = rest.find((argument) => argument.startsWith('-'));
    if (unknown) throw new UserError(`validate: unknown option ${unknown}.`);
    return { command: 'validate', files: rest };
  }
  if (command === 'report') return parseReportArguments(rest);
  if (command !== 'run') throw new UserError(`Unknown command "${command}". Commands: run, validate, report, help, version.`);
  const parsed: RunArguments = { command: 'run', out: DEFAULT_RUNS_FOLDER, quiet: false };
  const files: string[] = [];
  /** Options given, to refuse those that mean nothing with --resume. */
  const given = new Set<string>();
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index];
    const [option, inlineValue] = argument.startsWith('--') && argument.includes('=') ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    // The next argument is the value, unless it is the next option (`--out --quiet` lacks a folder).
    const value = () => {
      if (inlineValue !== undefined) return inlineValue;
      const next = rest[index + 1];
      if (next === undefined || next.startsWith('--')) return undefined;
      index += 1;
      return next;
    };
    if (option.startsWith('--')) given.add(option);
    switch (option) {
      case '--resume': {
        const folder = value();
        if (!folder) throw new UserError('--resume needs a run folder (<runs folder>/<experiment>/<run id>).');
        parsed.resume = folder;
        break;
      }
      case '--experiment': {
        const name = value();
        if (!name) throw new UserError('--experiment needs a name.');
        parsed.experiment = name;
        break;
      }
      case '--condition': {
        const names = value();
        if (!names) throw new UserError('--condition needs a name (or several, comma-separated).');
        parsed.conditions = names.split(',').map((name) => name.trim()).filter(Boolean);
        break;
      }
      case '--seeds': {
        const list = value();
        if (!list) throw new UserError('--seeds needs a list such as 0-4 or 0,3,7.');
        parsed.seeds = parseSeedList(list);
        break;
      }
      case '--epochs':
      case '--steps':
        // One override of the run's length: epochs for an MLP, steps for a Transformer (docs/science.md §12.3).
        parsed.epochs = positiveInteger(argument, value(), 10_000_000);
        break;
      case '--jobs':
        parsed.jobs = positiveInteger('--jobs', value(), 256);
        break;
      case '--out': {
        const folder = value();
        if (!folder) throw new UserError('--out needs a folder.');
        parsed.out = folder;
        break;
      }
      case '--engine': {
        const engine = value();
        if (engine !== 'wasm' && engine !== 'tfjs') throw new UserError(`--engine must be wasm or tfjs, got "${engine ?? ''}".`);
        parsed.engine = engine;
        break;
      }
      case '--threads': {
        const threads = positiveInteger('--threads', value(), 2);
        parsed.threads = threads as 1 | 2;
        break;
      }
      case '--quiet':
        parsed.quiet = true;
        break;
      default:
        if (argument.startsWith('-')) throw new UserError(`run: unknown option ${argument}. See grokking-lab --help.`);
        files.push(argument);
    }
  }
  if (parsed.resume !== undefined) {
    // A resumed run keeps what it was started with: its file, conditions, seeds, config and folder.
    const meaningless = ['--experiment', '--condition', '--seeds', '--epochs', '--steps', '--out', '--engine', '--threads'].filter((option) => given.has(option));
    if (files.length > 0 || meaningless.length > 0) {
      throw new UserError(`run --resume continues a run with its own experiment, conditions, seeds and configuration: drop ${[...files, ...meaningless].join(', ')}.`);
    }
    return parsed;
  }
  if (files.length !== 1) throw new UserError(files.length === 0 ? 'run needs an experiment file (or --resume RUN_DIR).' : 'run takes one experiment file.');
  parsed.file = files[0];
  return parsed;
}

function parseReportArguments(rest: readonly string[]): ReportArguments {
  const folders: string[] = [];
  let html: string | undefined;
  const formats = new Set<Exclude<ReportFormat, 'text'>>();
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index];
    const [option, inlineValue] = argument.startsWith('--') && argument.includes('=') ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    switch (option) {
      case '--html': {
        const file = inlineValue ?? rest[++index];
        if (!file || (inlineValue === undefined && file.startsWith('-'))) throw new UserError('--html needs a file to write, e.g. --html report.html.');
        html = file;
        break;
      }
      case '--json':
        formats.add('json');
        break;
      case '--markdown':
        formats.add('markdown');
        break;
      default:
        if (argument.startsWith('-')) throw new UserError(`report: unknown option ${argument}. See grokking-lab --help.`);
        folders.push(argument);
    }
  }
  if (formats.size > 1) throw new UserError('report: choose one of --json and --markdown.');
  if (folders.length !== 1) throw new UserError(folders.length === 0 ? 'report needs a run folder (<runs folder>/<experiment>/<run id>).' : 'report takes one run folder.');
  const [format = 'text'] = [...formats];
  return { command: 'report', runDirectory: folders[0], format, ...(html !== undefined ? { html } : {}) };
}

export const HELP_TEXT = `grokking-lab — train and diagnose the two-layer network of the grokking papers

Usage:
  grokking-lab run FILE [options]     run an experiment of a *.grok.yaml file
  grokking-lab run --resume RUN_DIR   finish the seeds of an interrupted run, in its folder
  grokking-lab validate FILE...       check experiment files; print every problem
  grokking-lab report RUN_DIR [options]
                                      the tables of a run (per condition and seed); an
                                      experiment folder reports its newest run
  grokking-lab help | version

Options of run:
  --experiment NAME   which experiment of the file (needed when it defines several)
  --condition NAMES   only these conditions (comma-separated)
  --seeds LIST        only these seeds: 0-4, 0,3,7 or 0-2,9
  --epochs N          override the number of epochs (of steps for a Transformer)
  --steps N           the same as --epochs
  --jobs N            at most N worker processes at once (default: the number of cores)
  --out DIR           runs folder (default ${DEFAULT_RUNS_FOLDER})
  --engine NAME       wasm (default) or tfjs
  --threads N         threads of the wasm engine: 1 (default) or 2
  --quiet             no live progress, only the summary
  --resume RUN_DIR    instead of FILE: run again, in RUN_DIR, every seed without a result
                      (queued, failed, cancelled, interrupted), with the run's own configuration
                      (--jobs and --quiet apply)

Options of report:
  --html FILE         also write a self-contained HTML report with the dashboard's charts
                      (works offline: Plotly and the data are inlined)
  --markdown          print the tables as Markdown (GitHub tables) instead
  --json              print the report's numbers as JSON instead

Exit codes:
  0    success (run: every seed completed; report: whatever the run's seeds did)
  1    internal error (a bug: please report it)
  2    bad command line, unreadable or invalid experiment file, missing run folder
  3    the run finished but a seed failed or diverged
  130  stopped by Ctrl-C, SIGTERM or SIGHUP (everything written so far is kept)
`;
