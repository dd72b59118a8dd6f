/**
 * The word for a run's time, decided once for every view. An MLP trains by full-batch epochs and a
 * Transformer by minibatch steps, and a run's rows, milestones, detector fires and progress are
 * counted in that unit (src/shared/config/modelKind.ts `timeUnitOf`, docs/run-format.md §3). Every text
 * a user reads takes its word from here: the CLI's progress and tables, the report, the dashboard's
 * axes, tables, notes and CSV columns, the Runs view and the status bar (docs/product.md §2.7).
 *
 * A run whose conditions are all MLPs says "epoch", all Transformers "step". A run with both (a
 * condition may set `model.kind`), or a dashboard comparing runs of both, says "epoch/step": its
 * numbers are epochs for the MLP conditions and steps for the Transformer ones, and one axis or
 * column holds both. A run folder whose settings are unknown (no run.json, no assignment file) says
 * "epoch", the unit of every run written before the Transformer existed. Pure.
 */
import { timeUnitOf, type TimeUnit } from './config/modelKind';
import type { RunConfig } from './config/types';
import type { ManifestCondition } from './runFormat';

/** The time unit of a run or of runs shown together: `mixed` when some count epochs and others steps. */
export type RunTimeUnit = TimeUnit | 'mixed';

/** Every {@link RunTimeUnit}, for the checks at a boundary (src/shared/protocol/webview.ts). */
export const RUN_TIME_UNITS: readonly RunTimeUnit[] = ['epoch', 'step', 'mixed'];

/** The unit of several runs or conditions: theirs when they agree, `mixed` when they do not, `epoch` when there are none. */
export function combineTimeUnits(units: Iterable<RunTimeUnit>): RunTimeUnit {
  let combined: RunTimeUnit | undefined;
  for (const unit of units) {
    if (combined === undefined) combined = unit;
    else if (combined !== unit) return 'mixed';
  }
  return combined ?? 'epoch';
}

/**
 * The time unit of a run, from its manifest's conditions (run.json) or from a list of configs (a
 * run folder without run.json: its assignment files' configs). A damaged condition without a
 * config counts for nothing; with no config at all the unit is `epoch` (see the module comment).
 */
export function runTimeUnit(source: { readonly conditions: readonly Pick<ManifestCondition, 'config'>[] } | readonly RunConfig[] | null | undefined): RunTimeUnit {
  if (source === null || source === undefined) return 'epoch';
  const configs: readonly unknown[] = 'conditions' in source ? (Array.isArray(source.conditions) ? source.conditions.map((condition) => condition?.config) : []) : source;
  return combineTimeUnits(configs.filter((config): config is RunConfig => typeof config === 'object' && config !== null).map(timeUnitOf));
}

/**
 * What one condition's rows count: its config's unit when the manifest lists it, else `fallback` (the
 * run's unit, e.g. from a producer that knows it before run.json can be read).
 */
export function conditionTimeUnit(source: { readonly conditions: readonly Pick<ManifestCondition, 'name' | 'config'>[] } | null | undefined, condition: string, fallback: RunTimeUnit): RunTimeUnit {
  const config: unknown = source?.conditions.find((entry) => entry?.name === condition)?.config;
  return typeof config === 'object' && config !== null ? timeUnitOf(config as RunConfig) : fallback;
}

/** The words of a time unit. */
export interface TimeWords {
  unit: RunTimeUnit;
  /** "epoch", "step", "epoch/step". */
  singular: string;
  /** "epochs", "steps", "epochs/steps". */
  plural: string;
  /** "Epoch", "Step", "Epoch/step": at the start of a sentence or a column title. */
  title: string;
  /** "Epochs", "Steps", "Epochs/steps". */
  titlePlural: string;
}

const WORDS: Record<RunTimeUnit, TimeWords> = {
  epoch: { unit: 'epoch', singular: 'epoch', plural: 'epochs', title: 'Epoch', titlePlural: 'Epochs' },
  step: { unit: 'step', singular: 'step', plural: 'steps', title: 'Step', titlePlural: 'Steps' },
  mixed: { unit: 'mixed', singular: 'epoch/step', plural: 'epochs/steps', title: 'Epoch/step', titlePlural: 'Epochs/steps' },
};

/** The words of a unit (`timeWords('step').plural` is "steps"). */
export function timeWords(unit: RunTimeUnit): TimeWords {
  return WORDS[unit];
}

/** A count with its unit: "1 epoch", "400 epochs", "10000 steps". */
export function countOf(count: number, words: TimeWords): string {
  return `${count} ${count === 1 ? words.singular : words.plural}`;
}
