/**
 * The dashboard's state: the runs the panel shows, built from the host's `snapshot` and extended by
 * its `append`, `runStatus` and `runRemoved` messages (src/shared/protocol/webview.ts). Pure and
 * DOM-free, so the webview only draws and this is tested in Node.
 *
 * Appends are idempotent by (run, condition, seed, epoch) and by event identity, so a resent batch
 * changes nothing; appends for runs not shown (late messages of a run switched away from) are
 * dropped. Every change reports which charts are stale, so the webview redraws only those.
 *
 * Memory stays bounded on long live runs: when a seed holds more than `maxRecordsPerSeed` rows, the
 * run's seeds are decimated together to half that (decimate.ts: spikes, ends and gaps kept, on epochs
 * shared by the seeds) and the seeds say so in `decimation`.
 */
import type {
  AppendMessage,
  HostToWebviewMessage,
  RunAppend,
  RunRemovedMessage,
  RunSnapshot,
  RunStatusMessage,
  SeedAppend,
  SeedSnapshot,
  SnapshotMessage,
} from '../shared/protocol/webview';
import { unreachable } from '../shared/protocol/webview';
import type { EpochRecord, RunEvent, RunManifest, RunStatus, RunSummary } from '../shared/runFormat';
import { decimateAlignedRecords } from '../shared/dashboard/decimate';
import type { DashboardChart } from '../shared/dashboard/series';
import { DASHBOARD_CHARTS, RECORD_CHARTS } from '../shared/dashboard/series';
import { lastRowOf } from '../shared/config/modelKind';

/**
 * One seed as the store holds it: exactly the snapshot's shape (records in increasing epoch order,
 * no duplicate epochs, `decimation` when they are a thinned subset). Read-only for consumers:
 * change it only through the store. (Not the run views' `SeedState` of src/runs/status.ts, a seed's
 * status and progress without its records.)
 */
export type DashboardSeed = SeedSnapshot;

/** One run as the store holds it. Read-only for consumers. */
export interface RunState {
  runId: string;
  manifest: RunManifest | null;
  status: RunStatus;
  /** ISO end time, once known. */
  endTime?: string;
  /** Seeds in manifest order (conditions, then seed numbers). */
  seeds: DashboardSeed[];
  /** Events in arrival order, each once. */
  events: RunEvent[];
  summary: RunSummary | null;
}

/** What a message changed. */
export interface DashboardChange {
  /** Charts to redraw, in {@link DASHBOARD_CHARTS} order. */
  charts: DashboardChart[];
  /** Runs whose state changed. */
  runIds: string[];
  /** Whether the set of runs shown changed (a snapshot or a removal): legends and layout need rebuilding. */
  runsChanged: boolean;
  /** Records and events received but not applied: duplicates, or for runs not shown. */
  ignored: number;
}

/** Options of {@link DashboardStore}. */
export interface DashboardStoreOptions {
  /** Most rows a seed may hold before the run's seeds are decimated to half of it. Default 20 000. */
  maxRecordsPerSeed?: number;
}

/** Identity of an event, for idempotent appends: a milestone is per name, the others per type and epoch. */
function eventKey(event: RunEvent): string {
  const detail = event.type === 'milestone' ? event.milestone : '';
  return `${event.type}\u0000${event.condition}\u0000${event.seed}\u0000${event.epoch}\u0000${detail}`;
}

/** Charts an event affects (its markers, checkpoint plots or the table). */
function chartsOfEvent(event: RunEvent): DashboardChart[] {
  switch (event.type) {
    case 'detectorFired':
      return ['gap', 'detectorSlope', 'eigenvalues', 'summary', 'seeds'];
    case 'milestone':
      return ['accuracy', 'summary'];
    case 'repulsion':
      return ['repulsion', 'coupling'];
    case 'fourier':
      return ['fourier'];
    case 'seedFinished':
      return ['summary', 'seeds'];
    default:
      return unreachable(event);
  }
}

/** Index of the first record with epoch ≥ `epoch` (records sorted by epoch). */
function lowerBound(records: readonly EpochRecord[], epoch: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (records[middle].epoch < epoch) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Sorted by epoch, first occurrence of each epoch kept. */
function normalizedRecords(records: readonly EpochRecord[]): EpochRecord[] {
  const sorted = [...records].sort((left, right) => left.epoch - right.epoch);
  return sorted.filter((record, index) => index === 0 || record.epoch !== sorted[index - 1].epoch);
}

interface StoredRun extends RunState {
  eventKeys: Set<string>;
  /** Rows each seed has at its source (on disk), keyed by condition and seed: more than `records.length` once decimated. */
  sourceCounts: Map<string, number>;
}

function seedKey(condition: string, seed: number): string {
  return `${condition}\u0000${seed}`;
}

/** Collects a change while a message is applied. */
class ChangeCollector {
  readonly charts = new Set<DashboardChart>();
  readonly runIds = new Set<string>();
  runsChanged = false;
  ignored = 0;

  mark(runId: string, charts: readonly DashboardChart[]): void {
    this.runIds.add(runId);
    for (const chart of charts) this.charts.add(chart);
  }

  result(): DashboardChange {
    return {
      charts: DASHBOARD_CHARTS.filter((chart) => this.charts.has(chart)),
      runIds: [...this.runIds],
      runsChanged: this.runsChanged,
      ignored: this.ignored,
    };
  }
}

/** The runs shown by a dashboard panel; see the module comment. */
export class DashboardStore {
  private readonly _runs = new Map<string, StoredRun>();
  private readonly _listeners = new Set<(change: DashboardChange) => void>();
  private readonly _maxRecordsPerSeed: number;

  constructor(options: DashboardStoreOptions = {}) {
    this._maxRecordsPerSeed = Math.max(4, options.maxRecordsPerSeed ?? 20_000);
  }

  /** The runs shown, in the snapshot's order. */
  get runs(): readonly RunState[] {
    return [...this._runs.values()];
  }

  /** One run, or undefined when it is not shown. */
  run(runId: string): RunState | undefined {
    return this._runs.get(runId);
  }

  /** Calls `listener` after every message that changed something; dispose the result to stop. */
  onDidChange(listener: (change: DashboardChange) => void): { dispose(): void } {
    this._listeners.add(listener);
    return { dispose: () => this._listeners.delete(listener) };
  }

  /** Applies any host message (after {@link isHostMessage} accepted it). */
  applyMessage(message: HostToWebviewMessage): DashboardChange {
    switch (message.type) {
      case 'snapshot':
        return this.applySnapshot(message);
      case 'append':
        return this.applyAppend(message);
      case 'runStatus':
        return this.applyRunStatus(message);
      case 'runRemoved':
        return this.applyRunRemoved(message);
      default:
        return unreachable(message);
    }
  }

  /** Replaces every run with the snapshot's: everything is stale. */
  applySnapshot(message: SnapshotMessage): DashboardChange {
    const change = new ChangeCollector();
    this._runs.clear();
    for (const snapshot of message.runs) {
      this._runs.set(snapshot.runId, this._storedRun(snapshot));
      change.mark(snapshot.runId, DASHBOARD_CHARTS);
    }
    change.runsChanged = true;
    // A snapshot that shows nothing still makes every chart stale (they must be emptied).
    for (const chart of DASHBOARD_CHARTS) change.charts.add(chart);
    return this._emit(change);
  }

  /** Adds new rows, events and statuses; duplicates and runs not shown are ignored (and counted). */
  applyAppend(message: AppendMessage): DashboardChange {
    const change = new ChangeCollector();
    for (const runAppend of message.runs) {
      const run = this._runs.get(runAppend.runId);
      if (!run) {
        change.ignored += runAppend.events.length + runAppend.seeds.reduce((total, seed) => total + seed.records.length, 0);
        continue;
      }
      this._appendToRun(run, runAppend, change);
    }
    return this._emit(change);
  }

  /** A run's new status (and its final summary when given). */
  applyRunStatus(message: RunStatusMessage): DashboardChange {
    const change = new ChangeCollector();
    const run = this._runs.get(message.runId);
    if (run) {
      run.status = message.status;
      if (message.endTime !== undefined) run.endTime = message.endTime;
      if (message.summary !== undefined) run.summary = message.summary;
      change.mark(run.runId, ['summary', 'seeds']);
    }
    return this._emit(change);
  }

  /** Drops a deleted run. */
  applyRunRemoved(message: RunRemovedMessage): DashboardChange {
    const change = new ChangeCollector();
    if (this._runs.delete(message.runId)) {
      change.mark(message.runId, DASHBOARD_CHARTS);
      change.runsChanged = true;
    }
    return this._emit(change);
  }

  private _storedRun(snapshot: RunSnapshot): StoredRun {
    const eventKeys = new Set<string>();
    const events = snapshot.events.filter((event) => {
      const key = eventKey(event);
      if (eventKeys.has(key)) return false;
      eventKeys.add(key);
      return true;
    });
    const sourceCounts = new Map<string, number>();
    const seeds = snapshot.seeds.map((seed): DashboardSeed => {
      const records = normalizedRecords(seed.records);
      sourceCounts.set(seedKey(seed.condition, seed.seed), seed.decimation?.sourceRecordCount ?? records.length);
      const state: DashboardSeed = { condition: seed.condition, seed: seed.seed, status: seed.status, epochs: seed.epochs, records };
      if (seed.message !== undefined) state.message = seed.message;
      if (seed.decimation) state.decimation = { ...seed.decimation };
      return state;
    });
    return { runId: snapshot.runId, manifest: snapshot.manifest, status: snapshot.status, seeds, events, summary: snapshot.summary, eventKeys, sourceCounts };
  }

  private _appendToRun(run: StoredRun, runAppend: RunAppend, change: ChangeCollector): void {
    let needsCompaction = false;
    for (const seedAppend of runAppend.seeds) {
      const seed = this._seedOf(run, seedAppend, change);
      if (this._appendToSeed(run, seed, seedAppend, change)) change.mark(run.runId, [...RECORD_CHARTS, 'summary', 'seeds']);
      if (seed.records.length > this._maxRecordsPerSeed) needsCompaction = true;
    }
    for (const event of runAppend.events) {
      const key = eventKey(event);
      if (run.eventKeys.has(key)) {
        change.ignored++;
        continue;
      }
      run.eventKeys.add(key);
      run.events.push(event);
      change.mark(run.runId, chartsOfEvent(event));
    }
    if (needsCompaction) this._compact(run);
  }

  /** The seed an append is for, created (status running) when the run did not list it yet. */
  private _seedOf(run: StoredRun, seedAppend: SeedAppend, change: ChangeCollector): DashboardSeed {
    const existing = run.seeds.find((seed) => seed.condition === seedAppend.condition && seed.seed === seedAppend.seed);
    if (existing) return existing;
    const config = run.manifest?.conditions.find((condition) => condition.name === seedAppend.condition)?.config;
    const epochs = config ? lastRowOf(config) : 0;
    const seed: DashboardSeed = { condition: seedAppend.condition, seed: seedAppend.seed, status: 'running', epochs, records: [] };
    run.seeds.push(seed);
    run.sourceCounts.set(seedKey(seed.condition, seed.seed), 0);
    const conditionOrder = run.manifest?.conditions.map((condition) => condition.name) ?? [];
    const rank = (condition: string) => {
      const index = conditionOrder.indexOf(condition);
      return index < 0 ? conditionOrder.length : index;
    };
    run.seeds.sort((left, right) => rank(left.condition) - rank(right.condition) || left.condition.localeCompare(right.condition) || left.seed - right.seed);
    change.mark(run.runId, ['seeds', 'summary']);
    return seed;
  }

  /** Applies one seed's append; returns whether any row changed. */
  private _appendToSeed(run: StoredRun, seed: DashboardSeed, seedAppend: SeedAppend, change: ChangeCollector): boolean {
    const key = seedKey(seed.condition, seed.seed);
    let rowsChanged = false;
    if (seedAppend.restart) {
      rowsChanged = seed.records.length > 0;
      seed.records = [];
      delete seed.decimation;
      run.sourceCounts.set(key, 0);
    }
    for (const record of seedAppend.records) {
      const records = seed.records;
      const last = records.at(-1);
      let accepted = false;
      if (!last || record.epoch > last.epoch) {
        records.push(record);
        accepted = true;
      } else if (!seed.decimation) {
        // An earlier row that is missing is put in its place; one already held is a duplicate.
        const position = lowerBound(records, record.epoch);
        if (records[position].epoch !== record.epoch) {
          records.splice(position, 0, record);
          accepted = true;
        }
      }
      // In a decimated seed a missing earlier row was dropped on purpose (or is a duplicate): ignored.
      if (accepted) {
        run.sourceCounts.set(key, (run.sourceCounts.get(key) ?? 0) + 1);
        rowsChanged = true;
      } else {
        change.ignored++;
      }
    }
    if (seed.decimation && rowsChanged) seed.decimation = { ...seed.decimation, sourceRecordCount: run.sourceCounts.get(key) ?? seed.records.length };
    if (seedAppend.status) {
      seed.status = seedAppend.status.status;
      if (seedAppend.status.message !== undefined) seed.message = seedAppend.status.message;
      else delete seed.message;
      change.mark(run.runId, ['seeds', 'summary']);
    }
    return rowsChanged;
  }

  /** Decimates the run's seeds together to half the limit (see the module comment). */
  private _compact(run: StoredRun): void {
    const result = decimateAlignedRecords(
      run.seeds.map((seed) => seed.records),
      Math.floor(this._maxRecordsPerSeed / 2),
    );
    run.seeds.forEach((seed, index) => {
      const kept = result.records[index];
      if (kept.length === seed.records.length) return;
      seed.records = kept;
      seed.decimation = { sourceRecordCount: run.sourceCounts.get(seedKey(seed.condition, seed.seed)) ?? kept.length, method: 'minMaxBuckets' };
    });
  }

  private _emit(change: ChangeCollector): DashboardChange {
    const result = change.result();
    if (result.charts.length > 0 || result.runsChanged) for (const listener of [...this._listeners]) listener(result);
    return result;
  }
}
