/**
 * What the dashboard remembers across reloads (`vscode.setState`): the runs it shows and every
 * toggle the user set. Pure: the webview persists it, `ready` sends its run ids to the host, and a
 * persisted value from an older bundle is read leniently (unknown or malformed fields fall back to
 * their defaults rather than break the panel).
 */
import { MAXIMUM_SMOOTHING_WEIGHT } from './smoothing';
import type { ChartId } from './chartDefinitions';
import { CHART_IDS } from './chartDefinitions';

/** Version of the persisted shape; a different version is read field by field like any unknown value. */
export const VIEW_STATE_VERSION = 1;

/**
 * How seeds are drawn: `seeds` every seed in full; `median` the median and IQR band per condition
 * over the seeds toggled on, with every seed still drawn faintly underneath (raw data stays
 * visible); `auto` is `median` when some condition has three or more seeds shown, else `seeds`.
 */
export type SeedView = 'auto' | 'seeds' | 'median';
export const SEED_VIEWS: readonly SeedView[] = ['auto', 'seeds', 'median'];

/** Smoothing weights offered (TensorBoard's EMA weight; 0 = off, the default). */
export const SMOOTHING_CHOICES: readonly number[] = [0, 0.6, 0.8, 0.9, 0.95, 0.99];

/** The persisted view state of a dashboard panel. */
export interface DashboardViewState {
  version: typeof VIEW_STATE_VERSION;
  /** Run ids shown (legend order), sent with `ready` so a reloaded panel shows them again. */
  runIds: string[];
  /** Log scale on every epoch axis (epoch 0 cannot be shown there). */
  logX: boolean;
  /** Per-chart log-y choices the user made; a chart absent here uses its default. */
  logY: Partial<Record<ChartId, boolean>>;
  seedView: SeedView;
  /** EMA weight of the smoothed overlay, one of {@link SMOOTHING_CHOICES}; 0 = off. */
  smoothing: number;
  /** Seeds toggled off, as {@link seedToggleKey}s. */
  hiddenSeeds: string[];
  /** The coupling chart shows B_jl/√(B_jj B_ll) instead of B_jl. */
  couplingNormalized: boolean;
}

/** The state of a first load. */
export function defaultViewState(): DashboardViewState {
  return { version: VIEW_STATE_VERSION, runIds: [], logX: false, logY: {}, seedView: 'auto', smoothing: 0, hiddenSeeds: [], couplingNormalized: false };
}

/** Key of one seed of one run in {@link DashboardViewState.hiddenSeeds}. */
export function seedToggleKey(runId: string, condition: string, seed: number): string {
  return `${runId}/${condition}/${seed}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? [...new Set(value.filter((item): item is string => typeof item === 'string' && item.length > 0))] : [];
}

/** Reads a persisted value (from `getState()`, possibly of an older bundle, possibly undefined). */
export function parseViewState(value: unknown): DashboardViewState {
  const state = defaultViewState();
  if (!isObject(value)) return state;
  state.runIds = stringList(value.runIds);
  if (typeof value.logX === 'boolean') state.logX = value.logX;
  if (isObject(value.logY)) {
    for (const chart of CHART_IDS) {
      const choice = value.logY[chart];
      if (typeof choice === 'boolean') state.logY[chart] = choice;
    }
  }
  if (typeof value.seedView === 'string' && (SEED_VIEWS as readonly string[]).includes(value.seedView)) state.seedView = value.seedView as SeedView;
  if (typeof value.smoothing === 'number' && value.smoothing >= 0 && value.smoothing <= MAXIMUM_SMOOTHING_WEIGHT) state.smoothing = value.smoothing;
  state.hiddenSeeds = stringList(value.hiddenSeeds);
  if (typeof value.couplingNormalized === 'boolean') state.couplingNormalized = value.couplingNormalized;
  return state;
}

/** Whether one seed is drawn. */
export function isSeedShown(state: DashboardViewState, runId: string, condition: string, seed: number): boolean {
  return !state.hiddenSeeds.includes(seedToggleKey(runId, condition, seed));
}

/** The state with one seed toggled on or off. */
export function withSeedShown(state: DashboardViewState, key: string, shown: boolean): DashboardViewState {
  const hidden = new Set(state.hiddenSeeds);
  if (shown) hidden.delete(key);
  else hidden.add(key);
  return { ...state, hiddenSeeds: [...hidden] };
}

/**
 * The state for a new set of runs: toggles of seeds of runs no longer shown are forgotten (a
 * persisted state must not grow with every run ever opened); the other choices are kept.
 */
export function withRuns(state: DashboardViewState, runIds: readonly string[]): DashboardViewState {
  const prefixes = runIds.map((runId) => `${runId}/`);
  return { ...state, runIds: [...runIds], hiddenSeeds: state.hiddenSeeds.filter((key) => prefixes.some((prefix) => key.startsWith(prefix))) };
}
