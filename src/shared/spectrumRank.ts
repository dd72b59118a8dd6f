/**
 * Two readings of the "rank" of the rolling update spectrum, computed from the recorded rows (so old
 * run folders get them too), for the report and the dashboard's summary alike.
 *
 * Convention (docs/science.md §5): λ₁ ≥ λ₂ ≥ … are the eigenvalues of the Gram G = ΔᵀΔ of the last w
 * first-layer updates, i.e. the squared singular values of the stacked updates; a row records λ₁…λ₅.
 *
 * - **Largest-gap position** j* = argmax_j λ_j/λ_{j+1}: where the spectrum breaks. This is the
 *   "rank" of arXiv 2605.08119 ("rank-2" with σ = x², "effectively rank-1" with ReLU).
 * - **Energy rank**: how many λ_k carry 99 % of Σλ (the records' `effectiveRank`, computed in
 *   training over all w eigenvalues of the window).
 *
 * They answer different questions and can disagree: with σ = x² λ₁ alone carries 99 % of Σλ
 * (energy rank 1) while the largest ratio is λ₂/λ₃ (j* = 2). Pure.
 */
import type { EpochRecord } from './runFormat';
import { type SeedStatistic, median, mode, seedStatistic } from './statistics';
import { lateStageValues } from './summary';
import type { TimeWords } from './timeUnit';

/**
 * λ_j/λ_{j+1} for a 1-based j of descending eigenvalues; undefined when λ_{j+1} is missing or not
 * positive (a zero λ_{j+1} would make the ratio infinite).
 */
export function eigenvalueRatio(eigenvalues: ArrayLike<number>, j: number): number | undefined {
  if (j < 1 || j >= eigenvalues.length || !(eigenvalues[j] > 0)) return undefined;
  return eigenvalues[j - 1] / eigenvalues[j];
}

/**
 * The largest-gap position j* = argmax_j λ_j/λ_{j+1} (1-based) of descending values, over the j
 * whose λ_{j+1} > 0; ties go to the smaller j. Undefined unless two values are positive. Scale-free,
 * so it serves eigenvalues and singular values alike (the argmax is the same for σ = √λ).
 */
export function largestGapPosition(values: ArrayLike<number>): number | undefined {
  let position: number | undefined;
  let largest = -Infinity;
  for (let j = 1; j < values.length; j++) {
    const ratio = eigenvalueRatio(values, j);
    // Strictly larger: the first (smaller) j keeps a tie.
    if (ratio !== undefined && ratio > largest) {
      largest = ratio;
      position = j;
    }
  }
  return position;
}

/** The recorded λ₁…λ₅ of a row, or undefined (fewer than 3 updates, or not an array in an old file). */
function recordedEigenvalues(record: EpochRecord): readonly number[] | undefined {
  return Array.isArray(record.eigenvalues) ? record.eigenvalues : undefined;
}

/** j* of a row's recorded λ₁…λ₅ (j = 1…4), or undefined. */
export function recordLargestGapPosition(record: EpochRecord): number | undefined {
  const eigenvalues = recordedEigenvalues(record);
  return eigenvalues && largestGapPosition(eigenvalues);
}

/** λ₁/λ₂ of a row, or undefined when λ₂ ≤ 0 or absent. */
export function recordLeadingRatio(record: EpochRecord): number | undefined {
  const eigenvalues = recordedEigenvalues(record);
  return eigenvalues && eigenvalueRatio(eigenvalues, 1);
}

/** One seed's readings over the late-stage epochs; null where no late-stage row has the quantity. */
export interface SeedRankReadings {
  /** Median energy rank (number of λ_k carrying 99 % of Σλ; the records' `effectiveRank`). */
  energyRank: number | null;
  /** Median λ₁/λ₂. (The median λ₂/λ₃ is the late-stage gap, `lateGap`.) */
  leadingRatio: number | null;
  /** Most frequent largest-gap position j* (ties to the smaller j): arXiv 2605.08119's "rank". */
  largestGapPosition: number | null;
  /** Share of the late-stage rows with a j* whose j* equals `largestGapPosition`. */
  largestGapShare: number | null;
}

/**
 * A seed's readings over its late stage, or every reading null when the late stage is unknown (a
 * run folder that does not say how it was configured).
 */
export function seedRankReadings(records: readonly EpochRecord[], lateStage: readonly [number, number] | undefined): SeedRankReadings {
  if (!lateStage) return { energyRank: null, leadingRatio: null, largestGapPosition: null, largestGapShare: null };
  return lateStageRankReadings(records, lateStage[0], lateStage[1]);
}

/** The readings of one seed from its rows with from ≤ epoch ≤ to. */
export function lateStageRankReadings(records: readonly EpochRecord[], from: number, to: number): SeedRankReadings {
  const positions = lateStageValues(records, from, to, recordLargestGapPosition);
  const common = mode(positions);
  return {
    energyRank: median(lateStageValues(records, from, to, (record) => record.effectiveRank)),
    leadingRatio: median(lateStageValues(records, from, to, recordLeadingRatio)),
    largestGapPosition: common?.value ?? null,
    largestGapShare: common ? common.count / positions.length : null,
  };
}

/** A condition's readings over its seeds. */
export interface ConditionRankReadings {
  /** Median and IQR over seeds of the seeds' median energy rank. */
  energyRank: SeedStatistic;
  /** Median and IQR over seeds of the seeds' median λ₁/λ₂. */
  leadingRatio: SeedStatistic;
  /** The most common per-seed j* (ties to the smaller j) and the number of seeds whose j* it is; null and 0 when no seed has one. */
  largestGapPosition: { position: number | null; seeds: number };
}

/** The readings of a condition from those of its seeds. */
export function conditionRankReadings(seeds: readonly SeedRankReadings[]): ConditionRankReadings {
  const common = mode(seeds.flatMap((seed) => (seed.largestGapPosition === null ? [] : [seed.largestGapPosition])));
  return {
    energyRank: seedStatistic(seeds.map((seed) => seed.energyRank)),
    leadingRatio: seedStatistic(seeds.map((seed) => seed.leadingRatio)),
    largestGapPosition: { position: common?.value ?? null, seeds: common?.count ?? 0 },
  };
}

/**
 * What the two readings are, in plain sentences for the notes under the tables (report and
 * dashboard), so that both say the same; in the run's time words (epochs, or steps of a Transformer).
 */
export function rankReadingNotes(words: TimeWords): string[] {
  const { singular: time, plural: times } = words;
  return [
    `Largest-gap position j*: in each ${time} the j (1–4) with the largest ratio λ_j/λ_{j+1} of the recorded λ₁…λ₅ (ties to the smaller j); per seed its most frequent value over the late-stage ${times} and the share of those ${times}, per condition the most common seed value and how many seeds have it. This is the "rank" of arXiv 2605.08119 ("rank-2" with σ = x², "effectively rank-1" with ReLU).`,
    `Energy rank: how many λ_k (of all w in the window) carry 99 % of Σλ (the records' effectiveRank), per seed its median over the late-stage ${times}. The two readings can disagree: with σ = x² the largest gap sits at j = 2 while λ₁ alone carries 99 % of Σλ (energy rank 1); with ReLU the gap sits at j = 1 while the energy spreads over many λ_k.`,
  ];
}
