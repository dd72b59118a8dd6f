/**
 * Host ↔ webview protocol of the dashboard panel (docs/architecture.md §3, "Boundaries are typed protocols").
 *
 * The conversation: the webview posts `ready` first (and again after every reload, since a webview
 * without `retainContextWhenHidden` is rebuilt when shown); the host sends nothing before it, then one
 * `snapshot` with the full state of the runs shown, then `append` batches (at most about 10 a second,
 * whatever the number of seeds: the host buffers per run and seed and flushes on a timer), plus
 * `runStatus` and `runRemoved` when those happen (src/extension/batching.ts collects the batches).
 * Both sides end their `switch` on `type` with {@link unreachable}, so a new message type is a
 * compile error wherever it is not handled.
 *
 * Messages cross a trust boundary as JSON: each side checks what it receives with
 * {@link isWebviewMessage} / {@link isHostMessage} before using it. The record and event payloads
 * follow the run folder format (src/shared/runFormat.ts) and are checked for shape, not for every
 * optional field: consumers treat a missing or non-finite number as a gap.
 */
import type { EpochRecord, RunEvent, RunManifest, RunStatus, RunSummary, SeedStatus } from '../runFormat';
import { RUN_TIME_UNITS, type RunTimeUnit } from '../timeUnit';

/**
 * Version of this protocol; `ready` and `snapshot` carry it, and a mismatch means a stale webview
 * bundle. 2: a run's snapshot says what its rows count (`timeUnit`: epochs, or steps of a Transformer).
 */
export const WEBVIEW_PROTOCOL_VERSION = 2;

// ─── Webview → host ────────────────────────────────────────────────────────────────────────────

/** First message of a (re)loaded webview: the host replies with a `snapshot`. */
export interface ReadyMessage {
  type: 'ready';
  /** {@link WEBVIEW_PROTOCOL_VERSION} of the webview bundle. */
  protocolVersion: number;
  /** Runs the webview was showing before a reload (from its persisted state), so the host can restore them; absent on a first load. */
  runIds?: string[];
}

/** Show one run (replaces what the panel shows). */
export interface RequestRunMessage {
  type: 'requestRun';
  /** Run id (the run folder's name). */
  runId: string;
}

/** Compare two or more runs on shared axes (replaces what the panel shows). */
export interface SelectRunsMessage {
  type: 'selectRuns';
  /** Distinct run ids, at least two, in the order of the legend. */
  runIds: string[];
}

/** MIME types the webview may ask the host to save: chart exports (PNG, SVG) and data exports (CSV, JSON). */
export const SAVE_FILE_MIME_TYPES = ['image/png', 'image/svg+xml', 'text/csv', 'application/json'] as const;
export type SaveFileMimeType = (typeof SAVE_FILE_MIME_TYPES)[number];

interface SaveFileBase {
  type: 'saveFile';
  /** Suggested file name for the save dialog: a base name without any path separator or `..` (the user picks the folder). */
  fileName: string;
  /** Content type; the host derives the dialog's filter from it. */
  mime: SaveFileMimeType;
}

/**
 * Save a file the webview produced (export happens in the webview, with Plotly; writing to disk needs
 * the host, which shows a save dialog). Exactly one of `dataBase64` and `text` is present.
 */
export type SaveFileMessage =
  | (SaveFileBase & {
      /** Binary content (PNG), base64-encoded without a `data:` prefix. */
      dataBase64: string;
      text?: never;
    })
  | (SaveFileBase & {
      /** Text content (SVG, CSV, JSON), written as UTF-8. */
      text: string;
      dataBase64?: never;
    });

/** Reveal a run's folder in the operating system's file manager. */
export interface OpenRunFolderMessage {
  type: 'openRunFolder';
  /** Run id of a run the panel shows. */
  runId: string;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A line for the "Grokking Lab" log output channel (webview errors are otherwise invisible). */
export interface LogMessage {
  type: 'log';
  level: LogLevel;
  /** One plain sentence; the host prefixes it with "dashboard:". */
  message: string;
}

/** Every message the webview posts to the host. */
export type WebviewToHostMessage = ReadyMessage | RequestRunMessage | SelectRunsMessage | SaveFileMessage | OpenRunFolderMessage | LogMessage;

// ─── Host → webview ────────────────────────────────────────────────────────────────────────────

/** What the host knows of how a seed's records were thinned before sending (long runs only). */
export interface RecordDecimation {
  /** Number of records the seed has on disk; `records` holds fewer. */
  sourceRecordCount: number;
  /** How they were chosen: src/shared/dashboard/decimate.ts keeps every bucket's minimum and maximum of every metric, the first and last rows and every gap boundary, on epochs shared by the run's seeds. */
  method: 'minMaxBuckets';
}

/** One seed of a run in a snapshot. */
export interface SeedSnapshot {
  /** Condition name (`default` when the experiment has none). */
  condition: string;
  /** Seed number. */
  seed: number;
  /** Current status; `queued` before its worker started. */
  status: SeedStatus;
  /** Why a seed failed, diverged or was cancelled, in a plain sentence. */
  message?: string;
  /** The last row it is set to run: E epochs of an MLP (records are rows 0…E), or the steps of a Transformer. */
  epochs: number;
  /**
   * Epoch rows in increasing epoch order (a Transformer's are keyed by step: their `epoch` is the step). For long runs these may be a decimated subset (then
   * `decimation` says so and how many rows exist); later `append`s carry every new row.
   */
  records: EpochRecord[];
  /** Present when `records` is a decimated subset of the rows on disk. */
  decimation?: RecordDecimation;
}

/** The full state of one run shown by the panel. */
export interface RunSnapshot {
  /** Run id (the run folder's name). */
  runId: string;
  /** The run's manifest (run.json), or null for a folder without one (e.g. a producer killed before writing it). */
  manifest: RunManifest | null;
  /** The run's status (the manifest's, or the host's better knowledge for a live run). */
  status: RunStatus;
  /**
   * What the run's rows count, for every word the dashboard shows (axis titles, tables, notes):
   * `epoch` (MLPs), `step` (Transformers) or `mixed`, decided by the host from run.json or the
   * assignment files (src/shared/timeUnit.ts). Since protocol version 2.
   */
  timeUnit: RunTimeUnit;
  /** Every seed of every condition, in manifest order (conditions, then seeds). */
  seeds: SeedSnapshot[];
  /** Every event of events.jsonl so far (detector fires, milestones, checkpoints, seed ends), in file order. */
  events: RunEvent[];
  /** summary.json, written when the run ends; null before. */
  summary: RunSummary | null;
}

/** The full state of the panel: sent after every `ready`, and when the runs shown change. */
export interface SnapshotMessage {
  type: 'snapshot';
  /** {@link WEBVIEW_PROTOCOL_VERSION} of the host. */
  protocolVersion: number;
  /** The runs shown: one, or several for a comparison (legend order). May be empty (nothing selected yet). */
  runs: RunSnapshot[];
  /** A seed to bring forward (e.g. the one whose detector just fired, from the alert's Open Dashboard). */
  focus?: SeedFocus;
}

/** One seed of one run shown. */
export interface SeedFocus {
  runId: string;
  condition: string;
  seed: number;
}

/** A status change of one seed. */
export interface SeedStatusUpdate {
  status: SeedStatus;
  /** Plain-sentence reason for failed, diverged, cancelled. */
  message?: string;
}

/** New rows (and possibly a status change) of one seed since the last message. */
export interface SeedAppend {
  condition: string;
  seed: number;
  /** New epoch rows in increasing epoch order; rows already received (same epoch) are ignored by the webview, so resending is harmless. */
  records: EpochRecord[];
  /** The seed's new status, when it changed. */
  status?: SeedStatusUpdate;
  /** True when the seed was started again from epoch 0 (re-run): `records` replace the seed's rows instead of extending them. */
  restart?: boolean;
}

/** What changed in one run since the last message. */
export interface RunAppend {
  /** Run id; appends for runs the panel does not show are dropped (late messages of a run switched away from). */
  runId: string;
  /** Per-seed changes; seeds without changes are absent. */
  seeds: SeedAppend[];
  /** New events in file order; an event already received (same type, condition, seed, epoch and milestone) is ignored. */
  events: RunEvent[];
}

/**
 * A batch of everything new since the last message, for one or more runs and seeds. The host
 * collects per run and seed and flushes at most about ten times a second, so the message rate does
 * not grow with the number of seeds.
 */
export interface AppendMessage {
  type: 'append';
  /** One entry per run with changes. */
  runs: RunAppend[];
}

/** A run changed status (e.g. it ended); carries summary.json when the run wrote it. */
export interface RunStatusMessage {
  type: 'runStatus';
  runId: string;
  status: RunStatus;
  /** ISO end time, when the run ended. */
  endTime?: string;
  /** The final summary (summary.json), when it exists. */
  summary?: RunSummary;
}

/** A run shown by the panel was deleted (its folder is gone). */
export interface RunRemovedMessage {
  type: 'runRemoved';
  runId: string;
}

/** Every message the host posts to the webview. Theme colours need none: the webview reads `--vscode-*` CSS variables. */
export type HostToWebviewMessage = SnapshotMessage | AppendMessage | RunStatusMessage | RunRemovedMessage;

/** Ends an exhaustive `switch` over a union: a missing case makes `value` not `never`, a compile error. */
export function unreachable(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}

// ─── Boundary checks ───────────────────────────────────────────────────────────────────────────

type JsonObject = Record<string, unknown>;

const SEED_STATUSES: readonly SeedStatus[] = ['queued', 'running', 'completed', 'diverged', 'failed', 'cancelled', 'interrupted'];
const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'failed', 'cancelled', 'interrupted'];
const EVENT_TYPES: readonly RunEvent['type'][] = ['detectorFired', 'milestone', 'repulsion', 'fourier', 'seedFinished'];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isOptional(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || check(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isOneOf<T extends string>(values: readonly T[]) {
  return (value: unknown): value is T => typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isArrayOf<T>(value: unknown, check: (item: unknown) => item is T): value is T[];
function isArrayOf(value: unknown, check: (item: unknown) => boolean): boolean;
function isArrayOf(value: unknown, check: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(check);
}

function isRunId(value: unknown): value is string {
  return isNonEmptyString(value);
}

/** A file name the host may offer in a save dialog: no folders, no parent references, no control characters. */
function isPlainFileName(value: unknown): value is string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  return isNonEmptyString(value) && value.length <= 255 && !/[/\\\u0000-\u001f]/.test(value) && value !== '.' && !value.includes('..');
}

function isEpochRecord(value: unknown): value is EpochRecord {
  // Only the key is required to be sound: every other field is optional for a viewer (a missing or
  // non-finite value is drawn as a gap), and checking ~25 fields of every row would cost more than it protects.
  return isObject(value) && isNonNegativeInteger(value.epoch);
}

function isRunEvent(value: unknown): value is RunEvent {
  return (
    isObject(value) &&
    isOneOf(EVENT_TYPES)(value.type) &&
    typeof value.condition === 'string' &&
    isNonNegativeInteger(value.seed) &&
    isNonNegativeInteger(value.epoch)
  );
}

function isRunManifest(value: unknown): value is RunManifest {
  return (
    isObject(value) &&
    isRunId(value.runId) &&
    typeof value.experiment === 'string' &&
    isArrayOf(value.seeds, isNonNegativeInteger) &&
    isArrayOf(value.conditions, (condition) => isObject(condition) && typeof condition.name === 'string' && isObject(condition.config)) &&
    isOneOf(RUN_STATUSES)(value.status)
  );
}

function isRunSummary(value: unknown): value is RunSummary {
  return isObject(value) && isRunId(value.runId) && Array.isArray(value.seeds) && Array.isArray(value.conditions) && Array.isArray(value.separation);
}

function isSeedSnapshot(value: unknown): value is SeedSnapshot {
  return (
    isObject(value) &&
    typeof value.condition === 'string' &&
    isNonNegativeInteger(value.seed) &&
    isOneOf(SEED_STATUSES)(value.status) &&
    isOptional(value.message, (message) => typeof message === 'string') &&
    isNonNegativeInteger(value.epochs) &&
    isArrayOf(value.records, isEpochRecord) &&
    isOptional(
      value.decimation,
      (decimation) => isObject(decimation) && isNonNegativeInteger(decimation.sourceRecordCount) && decimation.method === 'minMaxBuckets',
    )
  );
}

function isRunSnapshot(value: unknown): value is RunSnapshot {
  return (
    isObject(value) &&
    isRunId(value.runId) &&
    (value.manifest === null || isRunManifest(value.manifest)) &&
    isOneOf(RUN_STATUSES)(value.status) &&
    isOneOf(RUN_TIME_UNITS)(value.timeUnit) &&
    isArrayOf(value.seeds, isSeedSnapshot) &&
    isArrayOf(value.events, isRunEvent) &&
    (value.summary === null || isRunSummary(value.summary))
  );
}

function isSeedStatusUpdate(value: unknown): value is SeedStatusUpdate {
  return isObject(value) && isOneOf(SEED_STATUSES)(value.status) && isOptional(value.message, (message) => typeof message === 'string');
}

function isSeedAppend(value: unknown): value is SeedAppend {
  return (
    isObject(value) &&
    typeof value.condition === 'string' &&
    isNonNegativeInteger(value.seed) &&
    isArrayOf(value.records, isEpochRecord) &&
    isOptional(value.status, isSeedStatusUpdate) &&
    isOptional(value.restart, (restart) => typeof restart === 'boolean')
  );
}

function isRunAppend(value: unknown): value is RunAppend {
  return isObject(value) && isRunId(value.runId) && isArrayOf(value.seeds, isSeedAppend) && isArrayOf(value.events, isRunEvent);
}

/** Whether an untrusted value (a message event's data in the host) is a well-formed {@link WebviewToHostMessage}. */
export function isWebviewMessage(value: unknown): value is WebviewToHostMessage {
  if (!isObject(value) || typeof value.type !== 'string') return false;
  const type = value.type as WebviewToHostMessage['type'];
  switch (type) {
    case 'ready':
      return isNonNegativeInteger(value.protocolVersion) && isOptional(value.runIds, (runIds) => isArrayOf(runIds, isRunId));
    case 'requestRun':
    case 'openRunFolder':
      return isRunId(value.runId);
    case 'selectRuns':
      return isArrayOf(value.runIds, isRunId) && value.runIds.length >= 2 && new Set(value.runIds).size === value.runIds.length;
    case 'saveFile': {
      const hasData = typeof value.dataBase64 === 'string';
      const hasText = typeof value.text === 'string';
      return (
        isPlainFileName(value.fileName) &&
        isOneOf(SAVE_FILE_MIME_TYPES)(value.mime) &&
        hasData !== hasText &&
        (hasData ? value.text === undefined && /^[A-Za-z0-9+/]*={0,2}$/.test(value.dataBase64 as string) : value.dataBase64 === undefined)
      );
    }
    case 'log':
      return isOneOf(LOG_LEVELS)(value.level) && typeof value.message === 'string';
    default:
      // Unknown types are refused, not an exhaustiveness error: the value is untrusted input.
      return false;
  }
}

/** Whether an untrusted value (a `message` event's data in the webview) is a well-formed {@link HostToWebviewMessage}. */
export function isHostMessage(value: unknown): value is HostToWebviewMessage {
  if (!isObject(value) || typeof value.type !== 'string') return false;
  const type = value.type as HostToWebviewMessage['type'];
  switch (type) {
    case 'snapshot':
      return (
        isNonNegativeInteger(value.protocolVersion) &&
        isArrayOf(value.runs, isRunSnapshot) &&
        isOptional(value.focus, (focus) => isObject(focus) && isRunId(focus.runId) && typeof focus.condition === 'string' && isNonNegativeInteger(focus.seed))
      );
    case 'append':
      return isArrayOf(value.runs, isRunAppend);
    case 'runStatus':
      return (
        isRunId(value.runId) &&
        isOneOf(RUN_STATUSES)(value.status) &&
        isOptional(value.endTime, (endTime) => typeof endTime === 'string') &&
        isOptional(value.summary, isRunSummary)
      );
    case 'runRemoved':
      return isRunId(value.runId);
    default:
      return false;
  }
}
