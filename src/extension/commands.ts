/**
 * The one list of the extension's command ids, with their titles, icons and command-palette
 * visibility, plus the view and context-key ids that `package.json` refers to. Code registers and
 * calls commands through these names; test/unit/commands.test.ts checks this list against
 * `package.json` both ways, so a command cannot be contributed without code or coded without
 * being contributed.
 */

/** The category every command shows under in the palette ("Grokking Lab: Run Grokking Experiment"). */
export const COMMAND_CATEGORY = 'Grokking Lab';

/** What `package.json` contributes for one command. */
export interface CommandDescriptor {
  /** Command id, `grokkingLab.<verb><Object>`. */
  readonly id: string;
  /** Title Case label, shown after the category in the palette and as the tooltip of icon buttons. */
  readonly title: string;
  /** Codicon of the command when it is shown as a button (view title, inline actions). */
  readonly icon?: `$(${string})`;
  /**
   * `when` clause of its `menus.commandPalette` entry: `'false'` hides a context-only command from
   * the palette; absent means always listed.
   */
  readonly paletteWhen?: string;
}

/** Context keys the extension sets with `setContext`, used in `when` clauses of package.json. */
export const CONTEXT_KEYS = {
  /** True while at least one run launched from this window has a worker or a queued seed. */
  hasActiveRuns: 'grokkingLab.hasActiveRuns',
  /** True when the runs folder holds at least one run. */
  hasRuns: 'grokkingLab.hasRuns',
} as const;

/** The activity-bar container and its two tree views. */
export const VIEW_IDS = {
  container: 'grokking-lab',
  experiments: 'grokkingLab.experiments',
  runs: 'grokkingLab.runs',
} as const;

/**
 * `contextValue`s of tree items, which `view/item/context` menus match with `viewItem == …` or
 * `viewItem =~ /…/`. A run item's value says whether it is active and whether it has seeds to
 * re-run, e.g. `run.active`, `run.foreign` or `run.idle.incomplete`.
 */
export const TREE_ITEM_CONTEXTS = {
  experimentFile: 'experimentFile',
  experimentFileWithProblems: 'experimentFile.problems',
  experimentProblem: 'experimentProblem',
  experiment: 'experiment',
  condition: 'condition',
  experimentSeed: 'experimentSeed',
  runActive: 'run.active',
  /** Running, but written by another process (the CLI, another window, a cluster job): it cannot be stopped or deleted from here. */
  runForeign: 'run.foreign',
  runIdleComplete: 'run.idle.complete',
  runIdleIncomplete: 'run.idle.incomplete',
  runCondition: 'runCondition',
  runSeed: 'runSeed',
} as const;

const hasRuns = CONTEXT_KEYS.hasRuns;
const hasActiveRuns = CONTEXT_KEYS.hasActiveRuns;

/** Every command of the extension (docs/product.md §2.1). */
export const COMMANDS = {
  runExperiment: { id: 'grokkingLab.runExperiment', title: 'Run Grokking Experiment', icon: '$(play)' },
  stopRun: { id: 'grokkingLab.stopRun', title: 'Stop Run', icon: '$(debug-stop)', paletteWhen: hasActiveRuns },
  stopAllRuns: { id: 'grokkingLab.stopAllRuns', title: 'Stop All Runs', icon: '$(stop-circle)', paletteWhen: hasActiveRuns },
  openDashboard: { id: 'grokkingLab.openDashboard', title: 'Open Dashboard', icon: '$(graph-line)', paletteWhen: hasRuns },
  showRunLogs: { id: 'grokkingLab.showRunLogs', title: 'Show Run Logs', icon: '$(output)', paletteWhen: hasRuns },
  revealRunFolder: { id: 'grokkingLab.revealRunFolder', title: 'Reveal Run Folder', icon: '$(folder-opened)', paletteWhen: hasRuns },
  exportRun: { id: 'grokkingLab.exportRun', title: 'Export Run (CSV/JSON)', icon: '$(export)', paletteWhen: hasRuns },
  exportReport: { id: 'grokkingLab.exportReport', title: 'Export Report', icon: '$(file-code)', paletteWhen: hasRuns },
  compareRuns: { id: 'grokkingLab.compareRuns', title: 'Compare Runs', icon: '$(diff-multiple)', paletteWhen: hasRuns },
  newExperimentFile: { id: 'grokkingLab.newExperimentFile', title: 'New Experiment File', icon: '$(new-file)' },
  rerunMissingSeeds: { id: 'grokkingLab.rerunMissingSeeds', title: 'Re-run Missing Seeds', icon: '$(debug-rerun)', paletteWhen: hasRuns },
  deleteRun: { id: 'grokkingLab.deleteRun', title: 'Delete Run', icon: '$(trash)', paletteWhen: 'false' },
  openExperiment: { id: 'grokkingLab.openExperiment', title: 'Open Experiment File', icon: '$(go-to-file)', paletteWhen: 'false' },
  refreshExperiments: { id: 'grokkingLab.refreshExperiments', title: 'Refresh Experiments', icon: '$(refresh)', paletteWhen: 'false' },
  refreshRuns: { id: 'grokkingLab.refreshRuns', title: 'Refresh Runs', icon: '$(refresh)', paletteWhen: 'false' },
} as const satisfies Record<string, CommandDescriptor>;

/** The name of a command in {@link COMMANDS}. */
export type CommandName = keyof typeof COMMANDS;

/** A command id of the extension. */
export type CommandId = (typeof COMMANDS)[CommandName]['id'];

/** Every command, in the order of {@link COMMANDS} (which is the order of package.json). */
export const COMMAND_LIST: readonly CommandDescriptor[] = Object.values(COMMANDS);

/** Settings of the extension (`contributes.configuration`), by name. */
export const SETTINGS = {
  runsFolder: 'grokkingLab.runsFolder',
  maxConcurrentSeeds: 'grokkingLab.maxConcurrentSeeds',
  engine: 'grokkingLab.engine',
  detectorNotifications: 'grokkingLab.notifications.detector',
  openDashboardOnRun: 'grokkingLab.dashboard.openOnRun',
} as const;
