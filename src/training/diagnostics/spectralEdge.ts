/**
 * Spectral-edge quantities of arXiv 2603.28964 (docs/science.md §7), with the definitions of the
 * author's replication code (skydancerosel/multitask-grokking, spectral/thesis_table7_replication.py,
 * `gram_stats` and `analyze_run`).
 *
 * **Convention:** here σ_j are the **singular values** of the window matrix X (rows = the last
 * updates, default 10), i.e. σ_j = √λ_j with λ_j the eigenvalues of the window Gram G = XXᵀ —
 * the opposite of docs/science.md §5, where Xu's σ_k name the Gram's eigenvalues themselves.
 */
import type { EpochRecord } from '../../shared/runFormat';
import { eigenvalueRatio, largestGapPosition } from '../../shared/spectrumRank';
import { symmetricEigenvalues } from './symmetricEigen';

/** σ_j = √max(λ_j, 0) for Gram eigenvalues λ_j (negative λ are rounding noise of a PSD matrix). Order is kept. */
export function singularValuesFromEigenvalues(eigenvalues: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: eigenvalues.length }, (_, index) => Math.sqrt(Math.max(eigenvalues[index], 0)));
}

export interface SpectralEdgePosition {
  /** Weighted gap position k* = argmax_j (σ_j/Σσ)(σ_j/σ_{j+1}), 1-based. */
  kStar: number;
  /** Plain gap position argmax_j σ_j/σ_{j+1}, 1-based. */
  kStarPlain: number;
  /** R = σ_{k*}/σ_{k*+1}. */
  edgeRatio: number;
  /** σ_{k*} − σ_{k*+1}, the gap entering the adiabatic parameter. */
  edgeGap: number;
}

/**
 * k*, the plain k* and R from singular values σ₁ ≥ σ₂ ≥ … (descending). j runs over 1…r−1 with
 * σ_{j+1} > 0 (a zero σ_{j+1} makes the ratio infinite: such j are skipped); Σσ sums all r values.
 * Ties go to the smallest j, as numpy's argmax. Undefined when no j qualifies (fewer than two
 * values, or σ₂ = 0).
 */
export function spectralEdgePosition(singularValues: ArrayLike<number>): SpectralEdgePosition | undefined {
  const count = singularValues.length;
  let total = 0;
  for (let index = 0; index < count; index++) total += singularValues[index];
  let kStar = 0;
  let bestWeighted = -Infinity;
  for (let j = 1; j < count; j++) {
    const ratio = eigenvalueRatio(singularValues, j);
    if (ratio === undefined) continue;
    const weighted = (singularValues[j - 1] / total) * ratio;
    if (weighted > bestWeighted) {
      bestWeighted = weighted;
      kStar = j;
    }
  }
  if (kStar === 0) return undefined;
  return {
    kStar,
    // The plain argmax is the largest-gap position (the same for σ as for λ = σ²).
    kStarPlain: largestGapPosition(singularValues) as number,
    edgeRatio: singularValues[kStar - 1] / singularValues[kStar],
    edgeGap: singularValues[kStar - 1] - singularValues[kStar],
  };
}

/** g₂₃ = σ₂² − σ₃² (= λ₂ − λ₃ of the Gram, negatives clamped to 0); undefined with fewer than 3 values. */
export function subleadingGap(singularValues: ArrayLike<number>): number | undefined {
  if (singularValues.length < 3) return undefined;
  return singularValues[1] * singularValues[1] - singularValues[2] * singularValues[2];
}

/**
 * Our MLP analogue of arXiv 2603.28964's adiabatic parameter (the paper's exact ΔG, η and g are not
 * public): 𝒜 = ‖G(t) − G(t−1)‖_F / (lr · g²), with the two window Grams compared entrywise, both
 * ordered oldest → newest (so a full window compares the shifted windows), and g = σ_{k*} − σ_{k*+1}.
 * Undefined unless both Grams have the same size and lr · g² > 0.
 */
export function adiabaticParameter(
  gram: ArrayLike<number>,
  previousGram: ArrayLike<number> | undefined,
  learningRate: number,
  edgeGap: number,
): number | undefined {
  if (!previousGram || previousGram.length !== gram.length || gram.length === 0) return undefined;
  const denominator = learningRate * edgeGap * edgeGap;
  if (!(denominator > 0)) return undefined;
  let sum = 0;
  for (let index = 0; index < gram.length; index++) {
    const difference = gram[index] - previousGram[index];
    sum += difference * difference;
  }
  return Math.sqrt(sum) / denominator;
}

export type SpectralEdgeFields = Pick<EpochRecord, 'kStar' | 'kStarPlain' | 'edgeRatio' | 'g23' | 'adiabatic'>;

export interface SpectralEdgeInput {
  /** The window Gram, (size × size) row-major, oldest → newest. */
  gram: Float64Array;
  size: number;
  /** The previous row's window Gram (same ordering), for 𝒜. */
  previousGram?: Float64Array;
  /** The optimiser's learning rate, for 𝒜. */
  learningRate: number;
  /** Eigenvalues of `gram`, descending, if already computed. */
  eigenvalues?: ArrayLike<number>;
}

/**
 * The spectral-edge fields of one row (docs/science.md §7); a field is absent when undefined (k*, R
 * need two nonzero singular values; g₂₃ needs three updates; 𝒜 needs two same-size windows).
 * Pure: mutates nothing.
 */
export function spectralEdge(input: SpectralEdgeInput): SpectralEdgeFields {
  const { gram, size } = input;
  if (gram.length !== size * size) throw new Error(`spectralEdge: expected a ${size}×${size} Gram`);
  const eigenvalues = input.eigenvalues ?? symmetricEigenvalues(gram, size);
  const singularValues = singularValuesFromEigenvalues(eigenvalues);
  const fields: SpectralEdgeFields = {};
  const position = spectralEdgePosition(singularValues);
  if (position) {
    fields.kStar = position.kStar;
    fields.kStarPlain = position.kStarPlain;
    fields.edgeRatio = position.edgeRatio;
  }
  const g23 = subleadingGap(singularValues);
  if (g23 !== undefined) fields.g23 = g23;
  if (position) {
    const adiabatic = adiabaticParameter(gram, input.previousGram, input.learningRate, position.edgeGap);
    if (adiabatic !== undefined) fields.adiabatic = adiabatic;
  }
  return fields;
}
