/**
 * Who is drawn in which colour: the runs shown are split into groups (one per run and condition),
 * each group into seeds. One rule for every chart and for the seed toggles, so a swatch in the seed
 * list has the colour of that seed's curves:
 *
 * - several groups (conditions, or runs compared): one colour per group, its seeds share it;
 * - one group drawn seed by seed: one colour per seed;
 * - the median view: one colour per group (the median is the group's line).
 *
 * Pure; colours come from the theme's palette, in order.
 */
import type { SeedFocus } from '../shared/protocol/webview';
import { type RunTimeUnit, conditionTimeUnit } from '../shared/timeUnit';
import type { DashboardSeed, RunState } from './store';
import { seriesColor, type ChartTheme } from './theme';
import type { DashboardViewState } from './viewState';
import { isSeedShown, seedToggleKey } from './viewState';

/** Line dashes given to groups on charts whose colour already encodes the quantity (λ₁…λ₅). */
const GROUP_DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'] as const;
export type GroupDash = (typeof GROUP_DASHES)[number];

/** One run and condition. */
export interface GroupStyle {
  /** `runId/condition`. */
  key: string;
  runId: string;
  condition: string;
  /** Legend label: the condition, prefixed by the run's label when several runs are shown. */
  label: string;
  color: string;
  /** Dash of the group on colour-by-quantity charts. */
  dash: GroupDash;
  /** What its rows count: the condition's unit (epochs of an MLP, steps of a Transformer), else the run's. */
  timeUnit: RunTimeUnit;
  /** Its seeds, toggled on or off. */
  seeds: SeedStyle[];
}

/** One seed of one group. */
export interface SeedStyle {
  /** {@link seedToggleKey} of the seed. */
  key: string;
  runId: string;
  condition: string;
  seed: number;
  state: DashboardSeed;
  group: GroupStyle;
  color: string;
  /** Legend and hover label: "seed 3" when seeds have their own colours, else "grok seed 3". */
  label: string;
  /** Toggled on. */
  shown: boolean;
  /** The seed the host asked to bring forward (drawn thicker). */
  focused: boolean;
}

/** The styles of one render. */
export interface SeriesStyles {
  groups: GroupStyle[];
  /** Every seed of every group, in group order. */
  seeds: SeedStyle[];
  colorBy: 'group' | 'seed';
  /** The seed view in effect (`auto` resolved). */
  seedView: 'seeds' | 'median';
  /** Label of each run shown, by run id. */
  runLabels: Map<string, string>;
}

const RUN_ID_PATTERN = /^\d{4}-(\d{2})-(\d{2})T(\d{2})-(\d{2})-\d{2}Z-([0-9a-f]+)$/;

/**
 * A short label per run: its experiment name, and when two runs shown share one, their start
 * (from the run id, `2026-11-23T00-35-36Z-feec` → `11-23 00:35 feec`) to tell them apart.
 */
export function runLabels(runs: readonly RunState[]): Map<string, string> {
  const experimentOf = (run: RunState) => run.manifest?.experiment ?? run.runId;
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(experimentOf(run), (counts.get(experimentOf(run)) ?? 0) + 1);
  return new Map(
    runs.map((run) => {
      const experiment = experimentOf(run);
      if ((counts.get(experiment) ?? 0) < 2) return [run.runId, experiment];
      const match = RUN_ID_PATTERN.exec(run.runId);
      const start = match ? `${match[1]}-${match[2]} ${match[3]}:${match[4]} ${match[5]}` : run.runId;
      return [run.runId, experiment === run.runId ? start : `${experiment} ${start}`];
    }),
  );
}

/** Computes the groups, seeds and colours of the runs shown under the view state. */
export function seriesStyles(runs: readonly RunState[], view: DashboardViewState, theme: ChartTheme, focus?: SeedFocus): SeriesStyles {
  const labels = runLabels(runs);
  const groups: GroupStyle[] = [];
  for (const run of runs) {
    const conditions = [...new Set(run.seeds.map((seed) => seed.condition))];
    for (const condition of conditions) {
      const runLabel = labels.get(run.runId) ?? run.runId;
      const conditionLabel = condition === 'default' && runs.length === 1 ? runLabel : condition;
      const label = runs.length > 1 ? (condition === 'default' ? runLabel : `${runLabel} · ${condition}`) : conditionLabel;
      const index = groups.length;
      groups.push({
        key: `${run.runId}/${condition}`,
        runId: run.runId,
        condition,
        label,
        color: seriesColor(theme, index),
        dash: GROUP_DASHES[index % GROUP_DASHES.length],
        timeUnit: conditionTimeUnit(run.manifest, condition, run.timeUnit),
        seeds: [],
      });
    }
  }
  const shownCount = (group: GroupStyle, run: RunState) => run.seeds.filter((seed) => seed.condition === group.condition && isSeedShown(view, run.runId, seed.condition, seed.seed)).length;
  const runById = new Map(runs.map((run) => [run.runId, run]));
  const seedView: 'seeds' | 'median' =
    view.seedView === 'auto' ? (groups.some((group) => shownCount(group, runById.get(group.runId) as RunState) >= 3) ? 'median' : 'seeds') : view.seedView;
  const colorBy = groups.length > 1 || seedView === 'median' ? 'group' : 'seed';

  const seeds: SeedStyle[] = [];
  for (const group of groups) {
    const run = runById.get(group.runId) as RunState;
    for (const state of run.seeds.filter((seed) => seed.condition === group.condition)) {
      const style: SeedStyle = {
        key: seedToggleKey(run.runId, state.condition, state.seed),
        runId: run.runId,
        condition: state.condition,
        seed: state.seed,
        state,
        group,
        color: colorBy === 'group' ? group.color : seriesColor(theme, seeds.length),
        label: colorBy === 'group' ? `${group.label} seed ${state.seed}` : `seed ${state.seed}`,
        shown: isSeedShown(view, run.runId, state.condition, state.seed),
        focused: focus !== undefined && focus.runId === run.runId && focus.condition === state.condition && focus.seed === state.seed,
      };
      group.seeds.push(style);
      seeds.push(style);
    }
  }
  return { groups, seeds, colorBy, seedView, runLabels: labels };
}
