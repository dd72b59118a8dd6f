/**
 * What the Runs view and the status bar say about runs and seeds: status icons, descriptions
 * ("epoch 120/300 · ETA 2 min", "step 1200/10000" for a Transformer, "grokked at 160", "detector
 * fired at 120", "failed: …") and the ETA. The time word is the run's (src/shared/timeUnit.ts). What
 * a status means is src/runs/status.ts. Pure, so the tree (./runsTree.ts) only maps these to VS Code
 * objects.
 */
import type { RunManifest, RunStatus, SeedStatus } from '../../shared/runFormat';
import type { SeedState } from '../../runs/status';
import { plural } from '../../shared/text';
import { type RunTimeUnit, conditionTimeUnit, countOf, timeWords } from '../../shared/timeUnit';

/** A codicon id and an optional theme colour id, mapped to `vscode.ThemeIcon` by the tree. */
export interface StatusIcon {
  id: string;
  color?: string;
}

/**
 * Estimated milliseconds until a running seed finishes, from its pace so far: rows 0…epoch took
 * `now − startTime`; rows epoch+1…epochs remain. Undefined before the first row or without a start time.
 */
export function estimateRemainingMs(seed: Pick<SeedState, 'epoch' | 'epochs' | 'startTime'>, now: number): number | undefined {
  if (seed.startTime === undefined || seed.epoch < 0) return undefined;
  const start = Date.parse(seed.startTime);
  if (!Number.isFinite(start)) return undefined;
  const elapsed = Math.max(0, now - start);
  const remainingRows = Math.max(0, seed.epochs - seed.epoch);
  return (elapsed / (seed.epoch + 1)) * remainingRows;
}

/** A duration for people: "< 1 s", "45 s", "3 min", "1 h 20 min". */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 1) return '< 1 s';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** The icons a run and a seed show for the same state. */
const SHARED_STATUS_ICONS: Record<Exclude<RunStatus, 'completed'>, StatusIcon> = {
  running: { id: 'loading~spin' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  cancelled: { id: 'circle-slash' },
  interrupted: { id: 'debug-disconnect', color: 'list.warningForeground' },
};

/** The icon of a seed: its status, and for finished seeds whether it grokked or the detector fired. */
export function seedIcon(seed: Pick<SeedState, 'status' | 'grokEpoch' | 'detectorEpoch'>): StatusIcon {
  switch (seed.status) {
    case 'queued':
      return { id: 'clock' };
    case 'completed':
      if (seed.grokEpoch !== undefined) return { id: 'pass-filled', color: 'testing.iconPassed' };
      if (seed.detectorEpoch !== undefined) return { id: 'pulse', color: 'charts.yellow' };
      return { id: 'circle-large-outline' };
    case 'diverged':
      return { id: 'flame', color: 'list.warningForeground' };
    case 'running':
    case 'failed':
    case 'cancelled':
    case 'interrupted':
      return SHARED_STATUS_ICONS[seed.status];
    default: {
      const unknown: never = seed.status;
      throw new Error(`unknown seed status ${String(unknown)}`);
    }
  }
}

function milestones(seed: Pick<SeedState, 'grokEpoch' | 'detectorEpoch'>): string[] {
  const parts: string[] = [];
  if (seed.grokEpoch !== undefined) parts.push(`grokked at ${seed.grokEpoch}`);
  if (seed.detectorEpoch !== undefined) parts.push(`detector fired at ${seed.detectorEpoch}`);
  return parts;
}

/**
 * What a seed's rows count: its condition's unit (epochs of an MLP, steps of a Transformer) when
 * run.json says, else the run's.
 */
export function seedTimeUnit(run: { manifest?: RunManifest; timeUnit: RunTimeUnit }, condition: string): RunTimeUnit {
  return conditionTimeUnit(run.manifest, condition, run.timeUnit);
}

/** The one-line description of a seed next to its label ("epoch 120/300 · ETA 2 min"; `unit`: what its rows count, {@link seedTimeUnit}). */
export function describeSeed(seed: SeedState, now: number, unit: RunTimeUnit): string {
  const words = timeWords(unit);
  const reached = `${words.singular} ${Math.max(seed.epoch, 0)}`;
  switch (seed.status) {
    case 'queued':
      return 'queued';
    case 'running': {
      if (seed.epoch < 0) return 'starting';
      const remaining = estimateRemainingMs(seed, now);
      return [
        `${words.singular} ${seed.epoch}/${seed.epochs}`,
        ...(remaining === undefined ? [] : [`ETA ${formatDuration(remaining)}`]),
        ...milestones(seed),
      ].join(' · ');
    }
    case 'completed': {
      const parts = milestones(seed);
      return parts.length > 0 ? parts.join(' · ') : `completed, not grokked (${countOf(seed.epochs, words)})`;
    }
    case 'diverged':
    case 'failed':
      return [`${seed.status}: ${seed.message ?? `at ${reached}`}`, ...milestones(seed)].join(' · ');
    case 'cancelled':
    case 'interrupted':
      if (seed.epoch < 0) return `${seed.status} before it started`;
      return [`${seed.status} at ${reached}`, ...milestones(seed)].join(' · ');
    default: {
      const unknown: never = seed.status;
      throw new Error(`unknown seed status ${String(unknown)}`);
    }
  }
}

/** Counts of seeds by status, and what a run or condition line says about them. */
export interface SeedTally {
  total: number;
  byStatus: Record<SeedStatus, number>;
  grokked: number;
  fired: number;
  /** Lowest epoch among running seeds (the slowest one), or undefined when none runs. */
  slowestRunningEpoch?: number;
  /** Largest ETA among running seeds, when known for all of them. */
  remainingMs?: number;
}

export function tallySeeds(seeds: readonly SeedState[], now: number): SeedTally {
  const byStatus: Record<SeedStatus, number> = { queued: 0, running: 0, completed: 0, diverged: 0, failed: 0, cancelled: 0, interrupted: 0 };
  let slowestRunningEpoch: number | undefined;
  let remainingMs: number | undefined;
  let remainingKnown = true;
  for (const seed of seeds) {
    byStatus[seed.status] += 1;
    if (seed.status === 'running') {
      slowestRunningEpoch = Math.min(slowestRunningEpoch ?? Number.POSITIVE_INFINITY, Math.max(seed.epoch, 0));
      const remaining = estimateRemainingMs(seed, now);
      if (remaining === undefined) remainingKnown = false;
      else remainingMs = Math.max(remainingMs ?? 0, remaining);
    }
  }
  return {
    total: seeds.length,
    byStatus,
    grokked: seeds.filter((seed) => seed.grokEpoch !== undefined).length,
    fired: seeds.filter((seed) => seed.detectorEpoch !== undefined).length,
    slowestRunningEpoch,
    // Queued seeds have no pace yet: an ETA over only the running ones would be too early.
    remainingMs: remainingKnown && byStatus.queued === 0 ? remainingMs : undefined,
  };
}

/** The description of a condition of a run: "grokked 2/3 · fired 3/3", or its progress while it runs. */
export function describeCondition(seeds: readonly SeedState[], now: number): string {
  const tally = tallySeeds(seeds, now);
  const parts: string[] = [];
  const finished = tally.total - tally.byStatus.queued - tally.byStatus.running;
  if (finished < tally.total) parts.push(`${finished}/${tally.total} done`);
  parts.push(`grokked ${tally.grokked}/${tally.total}`, `fired ${tally.fired}/${tally.total}`);
  const failed = tally.byStatus.failed + tally.byStatus.diverged;
  if (failed > 0) parts.push(`${failed} failed or diverged`);
  return parts.join(' · ');
}

/** A start time for a list of runs, in local time: "2026-11-22 23:59". */
export function formatStartTime(isoTime: string | undefined): string | undefined {
  if (isoTime === undefined) return undefined;
  const time = new Date(isoTime);
  if (Number.isNaN(time.getTime())) return undefined;
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

/** The description of a run next to its experiment name (`timeUnit`: what its rows count, src/shared/timeUnit.ts). */
export function describeRun(run: { status: RunStatus; startTime?: string; seeds: readonly SeedState[]; timeUnit: RunTimeUnit }, now: number): string {
  const tally = tallySeeds(run.seeds, now);
  const parts: string[] = [];
  const started = formatStartTime(run.startTime);
  if (started) parts.push(started);
  if (run.status === 'running') {
    const finished = tally.total - tally.byStatus.queued - tally.byStatus.running;
    parts.push(`${finished}/${tally.total} seeds done`);
    if (tally.slowestRunningEpoch !== undefined) parts.push(`${timeWords(run.timeUnit).singular} ${tally.slowestRunningEpoch}`);
    if (tally.remainingMs !== undefined) parts.push(`ETA ${formatDuration(tally.remainingMs)}`);
  } else {
    parts.push(run.status, `${tally.total} seeds`);
    if (tally.total > 0) parts.push(`grokked ${tally.grokked}/${tally.total}`, `fired ${tally.fired}/${tally.total}`);
  }
  return parts.join(' · ');
}

/** The icon of a run from its status. */
export function runIcon(status: RunStatus): StatusIcon {
  switch (status) {
    case 'completed':
      return { id: 'beaker' };
    case 'running':
    case 'failed':
    case 'cancelled':
    case 'interrupted':
      return SHARED_STATUS_ICONS[status];
    default: {
      const unknown: never = status;
      throw new Error(`unknown run status ${String(unknown)}`);
    }
  }
}


/**
 * The status-bar text while runs are active: `$(sync~spin) 2 runs · 4 seeds · epoch 120`, with the
 * number of seeds training now and the epoch of the slowest of them ("queued" when none has started);
 * `step 1200` for Transformer runs, `epoch/step` when runs of both train (`unit`, src/shared/timeUnit.ts).
 */
export function activeRunsStatusText(runCount: number, runningSeeds: number, slowestEpoch: number | undefined, unit: RunTimeUnit): string {
  const parts = [plural(runCount, 'run'), runningSeeds > 0 ? plural(runningSeeds, 'seed') : 'queued'];
  if (slowestEpoch !== undefined) parts.push(`${timeWords(unit).singular} ${slowestEpoch}`);
  return `$(sync~spin) ${parts.join(' · ')}`;
}
