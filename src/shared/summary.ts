/**
 * From epoch records to the numbers of a run summary (docs/science.md §4–5, docs/run-format.md §5):
 * milestones, detector epoch, late-stage gap, per-condition aggregates and separation. Pure, so the
 * CLI, the extension and the report compute the same numbers from the same files.
 */
import { canonicalJson } from './hash';
import type { ConditionSummary, EpochRecord, ManifestCondition, MilestoneName, RunSummary, SeedStatus, SeedSummary } from './runFormat';
import { RUN_FORMAT_VERSION } from './runFormat';
import { interquartileRange, median } from './statistics';

/**
 * The test-accuracy threshold of each grok milestone: 0.5, 0.95, 0.98 (the Transformer reference's
 * early-stop threshold) and 0.99 (the grok of lead/lag and "grokked", docs/science.md §4).
 */
export const GROK_THRESHOLDS: Record<Exclude<MilestoneName, 'memorized'>, number> = { grok50: 0.5, grok95: 0.95, grok98: 0.98, grok99: 0.99 };

/**
 * The milestones, in display order: memorisation is train accuracy = 1, the others test accuracy ≥
 * their threshold. A multitask record's accuracies are its smallest head's, so every head must pass.
 */
export const MILESTONE_TESTS: Record<MilestoneName, (record: EpochRecord) => boolean> = {
  memorized: (record) => record.trainAcc >= 1,
  grok50: (record) => record.testAcc >= GROK_THRESHOLDS.grok50,
  grok95: (record) => record.testAcc >= GROK_THRESHOLDS.grok95,
  grok98: (record) => record.testAcc >= GROK_THRESHOLDS.grok98,
  grok99: (record) => record.testAcc >= GROK_THRESHOLDS.grok99,
};

/** The field of a seed summary that holds each milestone's first epoch. */
export const MILESTONE_FIELDS = {
  memorized: 'memorizedEpoch',
  grok50: 'grokEpoch50',
  grok95: 'grokEpoch95',
  grok98: 'grokEpoch98',
  grok99: 'grokEpoch99',
} as const satisfies Record<MilestoneName, keyof SeedSummary>;

export const MILESTONE_NAMES = Object.keys(MILESTONE_TESTS) as MilestoneName[];

/** First epoch at which each milestone holds, or null. */
export function milestoneEpochs(records: readonly EpochRecord[]): Record<MilestoneName, number | null> {
  const epochs: Record<MilestoneName, number | null> = { memorized: null, grok50: null, grok95: null, grok98: null, grok99: null };
  for (const record of records) {
    for (const name of MILESTONE_NAMES) {
      if (epochs[name] === null && MILESTONE_TESTS[name](record)) epochs[name] = record.epoch;
    }
  }
  return epochs;
}

/**
 * The detector rule of docs/science.md §5 applied to recorded rows: the first epoch t ≥ warmup with
 * gapSlope(t) > threshold, or null.
 */
export function detectorEpoch(records: readonly EpochRecord[], threshold: number, warmup: number): number | null {
  for (const record of records) {
    if (record.epoch >= warmup && record.gapSlope !== undefined && record.gapSlope > threshold) return record.epoch;
  }
  return null;
}

/**
 * The finite values that `read` gives for the rows with from ≤ epoch ≤ to (the late stage of
 * docs/science.md §5), in row order; rows where it gives undefined, null or a non-finite number are left out.
 */
export function lateStageValues(records: readonly EpochRecord[], from: number, to: number, read: (record: EpochRecord) => number | null | undefined): number[] {
  const values: number[] = [];
  for (const record of records) {
    if (record.epoch < from || record.epoch > to) continue;
    const value = read(record);
    if (typeof value === 'number' && Number.isFinite(value)) values.push(value);
  }
  return values;
}

/** Median of gap23 over the rows with from ≤ epoch ≤ to (docs/science.md §5 late-stage gap), or null when none has a gap. */
export function lateStageGap(records: readonly EpochRecord[], from: number, to: number): number | null {
  return median(lateStageValues(records, from, to, (record) => record.gap23));
}

export interface SeedInput {
  condition: string;
  seed: number;
  status: SeedStatus;
  records: readonly EpochRecord[];
  /**
   * Detector settings and late-stage range of this condition; undefined when unknown (a run folder
   * without run.json or assignment files): then the detector epoch and late gap are null here
   * (a viewer may still take the detector epoch from the worker's events).
   */
  detector: { threshold: number; warmup: number } | undefined;
  lateStage: readonly [number, number] | undefined;
}

export function summarizeSeed(input: SeedInput): SeedSummary {
  const milestones = milestoneEpochs(input.records);
  const fired = input.detector ? detectorEpoch(input.records, input.detector.threshold, input.detector.warmup) : null;
  const last = input.records.at(-1);
  return {
    condition: input.condition,
    seed: input.seed,
    status: input.status,
    epochs: last ? last.epoch : 0,
    memorizedEpoch: milestones.memorized,
    grokEpoch50: milestones.grok50,
    grokEpoch95: milestones.grok95,
    grokEpoch98: milestones.grok98,
    grokEpoch99: milestones.grok99,
    detectorEpoch: fired,
    detectorLead: fired !== null && milestones.grok99 !== null ? fired - milestones.grok99 : null,
    lateGap: input.lateStage ? lateStageGap(input.records, input.lateStage[0], input.lateStage[1]) : null,
    finalTrainAcc: last ? last.trainAcc : null,
    finalTestAcc: last ? last.testAcc : null,
  };
}

export function summarizeCondition(condition: string, seeds: readonly SeedSummary[]): ConditionSummary {
  const own = seeds.filter((seed) => seed.condition === condition);
  const fireEpochs = own.flatMap((seed) => (seed.detectorEpoch === null ? [] : [seed.detectorEpoch]));
  const grokEpochs = own.flatMap((seed) => (seed.grokEpoch99 === null ? [] : [seed.grokEpoch99]));
  const lateGaps = own.flatMap((seed) => (seed.lateGap === null ? [] : [seed.lateGap]));
  return {
    condition,
    seedCount: own.length,
    firedCount: fireEpochs.length,
    grokkedCount: grokEpochs.length,
    detectorEpochMedian: median(fireEpochs),
    detectorEpochIqr: interquartileRange(fireEpochs),
    grokEpoch99Median: median(grokEpochs),
    lateGapMedian: median(lateGaps),
  };
}

/** Summary of a run: per seed, per condition (in the given order) and the separation of every ordered pair of conditions. */
export function summarizeRun(runId: string, conditionOrder: readonly string[], seeds: readonly SeedSummary[]): RunSummary {
  const conditions = conditionOrder.map((condition) => summarizeCondition(condition, seeds));
  const separation: RunSummary['separation'] = [];
  for (const numerator of conditions) {
    for (const denominator of conditions) {
      if (numerator === denominator) continue;
      const ratio =
        numerator.lateGapMedian !== null && denominator.lateGapMedian !== null && denominator.lateGapMedian !== 0
          ? numerator.lateGapMedian / denominator.lateGapMedian
          : null;
      separation.push({ numerator: numerator.condition, denominator: denominator.condition, ratio });
    }
  }
  return { formatVersion: RUN_FORMAT_VERSION, runId, seeds: [...seeds], conditions, separation };
}

/**
 * Whether the separation of two conditions is worth listing. Without a grid every pair is (grok vs
 * control). With a grid only two named conditions at the same grid point are (grok_window-5 vs
 * control_window-5): across grid points the ratio mixes the setting swept with the conditions, and
 * a 4 × 2 grid would list 28 pairs. summary.json keeps every pair either way.
 */
export function isComparablePair(numerator: Pick<ManifestCondition, 'gridPoint'> | undefined, denominator: Pick<ManifestCondition, 'gridPoint'> | undefined): boolean {
  if (!numerator?.gridPoint && !denominator?.gridPoint) return true;
  if (!numerator?.gridPoint || !denominator?.gridPoint) return false;
  return canonicalJson(numerator.gridPoint) === canonicalJson(denominator.gridPoint);
}

/** A gradient-direction SED peak: the mean ratio R̄ and the step (epoch) it describes. */
export interface SedRatioPeak {
  value: number;
  epoch: number;
}

/**
 * "R̄_k peak" of arXiv 2604.25143 (docs/science.md §12.6; the author's `Rmean.max()`): the largest,
 * over the rows that have them, of the mean of R_1 … R_count of `field` (gradient-SED or update-SED),
 * with the epoch or step the values describe (a Transformer row's `gradientSedStep` when it has one,
 * forward windows, else the row's own). For a multitask Transformer, `operation` names the entry of
 * `operations` to read. A row with fewer than `count` finite ratios (a window with a zero singular
 * value) is left out: its mean would be of other directions. Null when no row counts.
 */
export function sedRatioPeak(
  records: readonly EpochRecord[],
  field: 'gradientSedRatios' | 'updateSedRatios',
  options: { count?: number; operation?: string } = {},
): SedRatioPeak | null {
  const count = options.count ?? 3;
  let peak: SedRatioPeak | null = null;
  for (const record of records) {
    const source = options.operation === undefined ? record : record.operations?.find((entry) => entry.operation === options.operation);
    const ratios = source?.[field]?.slice(0, count);
    if (!ratios || ratios.length < count || !ratios.every(Number.isFinite)) continue;
    const value = ratios.reduce((sum, ratio) => sum + ratio, 0) / count;
    if (peak === null || value > peak.value) peak = { value, epoch: record.gradientSedStep ?? record.epoch };
  }
  return peak;
}
