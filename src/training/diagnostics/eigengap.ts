/**
 * The rolling eigengap of parameter updates and the lock-in detector (docs/science.md §5, arXiv
 * 2605.08119), plus the per-row spectral fields that come from the same windows: energy rank,
 * update cosines, the second-layer spectrum, and the spectral-edge quantities of §7.
 *
 * Conventions (docs/science.md §5): λ₁ ≥ λ₂ ≥ … are the **eigenvalues of the window Gram** G = ΔᵀΔ
 * (squared singular values of the stacked updates; Xu's paper calls them σ_k); s_k = √λ_k are the
 * singular values. Row t's window holds the updates of steps max(1, t − w + 1) … t; row 0 has none.
 */
import type { DetectorConfig, EigengapConfig, SpectralEdgeConfig } from '../../shared/config/types';
import type { EpochRecord } from '../../shared/runFormat';
import { eigenvalueRatio } from '../../shared/spectrumRank';
import { RollingGram } from './rollingGram';
import { spectralEdge, type SpectralEdgeFields } from './spectralEdge';
import { symmetricEigenvalues } from './symmetricEigen';

/** How many leading eigenvalues a row reports. */
export const REPORTED_EIGENVALUES = 5;
/** Share of Σλ that the energy rank (the records' `effectiveRank`) must carry. */
export const EFFECTIVE_RANK_SHARE = 0.99;
/** Floor of g inside the logarithm of the slope (arXiv 2605.08119 code): ln max(g, 1e-6). */
export const GAP_FLOOR = 1e-6;
/** Fewest updates for which the spectrum and g = λ₂/λ₃ are reported. */
export const MINIMUM_UPDATES_FOR_GAP = 3;

/** g = λ₂/λ₃ of descending eigenvalues; undefined with fewer than 3 values or λ₃ ≤ 0. */
export function gapRatio(eigenvalues: ArrayLike<number>): number | undefined {
  return eigenvalueRatio(eigenvalues, 2);
}

/** s = [ln max(g, 1e-6) − ln max(g_lagged, 1e-6)] / lag, per epoch; undefined when either gap is. */
export function gapSlope(gap: number | undefined, laggedGap: number | undefined, lag: number): number | undefined {
  if (gap === undefined || laggedGap === undefined) return undefined;
  return (Math.log(Math.max(gap, GAP_FLOOR)) - Math.log(Math.max(laggedGap, GAP_FLOOR))) / lag;
}

/**
 * The energy rank (recorded as `effectiveRank`): the smallest k such that λ₁ + … + λ_k ≥ 99 % of Σλ
 * (descending eigenvalues, negatives counted as 0, being rounding noise of a PSD Gram); undefined
 * when Σλ ≤ 0. Not the "rank" of arXiv 2605.08119, which is where the largest gap λ_j/λ_{j+1} sits
 * (src/shared/spectrumRank.ts).
 */
export function effectiveRank(eigenvalues: ArrayLike<number>, share = EFFECTIVE_RANK_SHARE): number | undefined {
  let total = 0;
  for (let index = 0; index < eigenvalues.length; index++) total += Math.max(eigenvalues[index], 0);
  if (!(total > 0)) return undefined;
  let cumulative = 0;
  for (let index = 0; index < eigenvalues.length; index++) {
    cumulative += Math.max(eigenvalues[index], 0);
    if (cumulative >= share * total) return index + 1;
  }
  return eigenvalues.length;
}

/**
 * The lock-in detector, fed one gap per row in order (row 0 first): s(t) uses g(t − lag), and the
 * detector fires at the first t ≥ warmup with s(t) > threshold (strictly), once.
 */
export class LockInDetector {
  private readonly config: DetectorConfig;
  private readonly gaps: (number | undefined)[] = [];
  private fired: number | null = null;
  private latestFired = false;

  constructor(config: DetectorConfig) {
    if (!Number.isInteger(config.lag) || config.lag < 1) throw new Error(`detector lag must be a positive integer, got ${config.lag}`);
    this.config = config;
  }

  /** Epoch at which the detector fired, or null. */
  get firedEpoch(): number | null {
    return this.fired;
  }

  /** Whether it fired at the latest observed row. */
  get firedNow(): boolean {
    return this.latestFired;
  }

  /** Records g(t) for the next row t and returns s(t) (undefined before t = lag or when a gap is undefined). */
  observe(gap: number | undefined): number | undefined {
    const epoch = this.gaps.length;
    this.gaps.push(gap);
    const { lag, threshold, warmup } = this.config;
    const slope = epoch >= lag ? gapSlope(gap, this.gaps[epoch - lag], lag) : undefined;
    this.latestFired = this.fired === null && epoch >= warmup && slope !== undefined && slope > threshold;
    if (this.latestFired) this.fired = epoch;
    return slope;
  }
}

/** The fields of one EpochRecord that the tracker fills; absent when undefined. */
export type EigengapRowFields = Pick<EpochRecord,
  | 'eigenvalues' | 'singularValues' | 'gap23' | 'gapSlope' | 'effectiveRank'
  | 'secondLayerEigenvalues' | 'secondLayerGap23' | 'updateCosine' | 'secondLayerUpdateCosine'>
  & SpectralEdgeFields;

/** The spectrum fields of the secondary update's window (eigenvalues and g); absent when undefined. */
function secondarySpectrum(window: RollingGram, size: number): EigengapRowFields {
  const fields: EigengapRowFields = {};
  const held = Math.min(window.count, size);
  if (held >= MINIMUM_UPDATES_FOR_GAP) {
    const eigenvalues = symmetricEigenvalues(window.gram(held), held);
    fields.secondLayerEigenvalues = Array.from(eigenvalues.subarray(0, REPORTED_EIGENVALUES));
    const gap = gapRatio(eigenvalues);
    if (gap !== undefined) fields.secondLayerGap23 = gap;
  }
  return fields;
}

export interface EigengapTrackerOptions {
  eigengap: EigengapConfig;
  /**
   * Entries of the flattened update whose spectrum the detector watches (for this MLP ΔWᵀ of the
   * first layer, 2MK: the records' `eigenvalues`, `gap23`, `updateCosine` and the spectral edge).
   */
  updateLength: number;
  /**
   * Entries of a second flattened update reported beside it (for this MLP ΔV, MK: the records'
   * `secondLayerEigenvalues`, `secondLayerGap23`, `secondLayerUpdateCosine`). Absent: none.
   */
  secondaryUpdateLength?: number;
  /** Spectral-edge quantities (docs/science.md §7): computed on the newest `window` updates when enabled. */
  spectralEdge: SpectralEdgeConfig;
  /** Learning rate of the optimiser, for the adiabatic parameter. */
  learningRate: number;
}

/**
 * Per-seed tracker of the rolling spectra. It is fed flattened parameter updates and knows nothing
 * of the model. Feed it once per optimiser step (push); after step t it holds row t's fields. One
 * RollingGram per update: its ring holds max(w, spectral-edge window) updates (at least 2, for the
 * update cosine), and each window is the newest sub-window of it.
 */
export class EigengapTracker {
  private readonly eigengapWindow: number;
  private readonly edgeWindow: number | undefined;
  private readonly learningRate: number;
  private readonly primary: RollingGram;
  private readonly secondary: RollingGram | undefined;
  private readonly detector: LockInDetector;
  private previousEdgeGram: Float64Array | undefined;
  private fields: EigengapRowFields = {};

  /** Allocates the rings (≈ 35 MB for both of this MLP at the defaults) and records row 0 (no updates, no fields). */
  constructor(options: EigengapTrackerOptions) {
    const { eigengap, spectralEdge: edge } = options;
    if (!Number.isInteger(eigengap.window) || eigengap.window < 1) throw new Error(`eigengap window must be a positive integer, got ${eigengap.window}`);
    if (edge.enabled && (!Number.isInteger(edge.window) || edge.window < 1)) throw new Error(`spectral-edge window must be a positive integer, got ${edge.window}`);
    this.eigengapWindow = eigengap.window;
    this.edgeWindow = edge.enabled ? edge.window : undefined;
    this.learningRate = options.learningRate;
    const capacity = Math.max(this.eigengapWindow, this.edgeWindow ?? 0, 2);
    this.primary = new RollingGram(options.updateLength, capacity);
    this.secondary = options.secondaryUpdateLength === undefined ? undefined : new RollingGram(options.secondaryUpdateLength, capacity);
    this.detector = new LockInDetector(eigengap.detector);
    this.detector.observe(undefined);
  }

  /** The row the current fields describe: the number of steps pushed. */
  get epoch(): number {
    return this.primary.pushed;
  }

  /** Fields of the current row (a fresh object each push; do not mutate). */
  get row(): EigengapRowFields {
    return this.fields;
  }

  /** Whether the detector fired at the current row (write one detectorFired event then). */
  get firedNow(): boolean {
    return this.detector.firedNow;
  }

  /** Epoch at which the detector fired, or null. */
  get firedEpoch(): number | null {
    return this.detector.firedEpoch;
  }

  /**
   * Adds the updates of step t (flattened; copied, not kept; `secondaryUpdate` exactly when the
   * tracker was made with a secondaryUpdateLength) and computes row t's fields. Returns them (also
   * available as `row`).
   */
  push(update: Float32Array, secondaryUpdate?: Float32Array): EigengapRowFields {
    if ((secondaryUpdate === undefined) !== (this.secondary === undefined)) {
      throw new Error(`EigengapTracker.push: ${this.secondary ? 'expected' : 'did not expect'} a secondary update`);
    }
    this.primary.push(update);
    if (secondaryUpdate) this.secondary?.push(secondaryUpdate);
    const fields: EigengapRowFields = {};

    const size = Math.min(this.primary.count, this.eigengapWindow);
    const gram = this.primary.gram(size);
    const eigenvalues = symmetricEigenvalues(gram, size);
    if (size >= MINIMUM_UPDATES_FOR_GAP) {
      const leading = Array.from(eigenvalues.subarray(0, REPORTED_EIGENVALUES));
      fields.eigenvalues = leading;
      fields.singularValues = leading.map((value) => Math.sqrt(Math.max(value, 0)));
    }
    const gap = size >= MINIMUM_UPDATES_FOR_GAP ? gapRatio(eigenvalues) : undefined;
    if (gap !== undefined) fields.gap23 = gap;
    const slope = this.detector.observe(gap);
    if (slope !== undefined) fields.gapSlope = slope;
    const rank = effectiveRank(eigenvalues);
    if (rank !== undefined) fields.effectiveRank = rank;
    // Fields in the order the records have always had (a run's rows stay byte-identical).
    if (this.secondary) Object.assign(fields, secondarySpectrum(this.secondary, this.eigengapWindow));
    const cosine = this.primary.latestCosine();
    if (cosine !== undefined) fields.updateCosine = cosine;
    const secondaryCosine = this.secondary?.latestCosine();
    if (secondaryCosine !== undefined) fields.secondLayerUpdateCosine = secondaryCosine;

    if (this.edgeWindow !== undefined) {
      const edgeSize = Math.min(this.primary.count, this.edgeWindow);
      const edgeGram = edgeSize === size ? gram : this.primary.gram(edgeSize);
      Object.assign(fields, spectralEdge({
        gram: edgeGram,
        size: edgeSize,
        previousGram: this.previousEdgeGram,
        learningRate: this.learningRate,
        eigenvalues: edgeSize === size ? eigenvalues : undefined,
      }));
      this.previousEdgeGram = edgeGram;
    }

    this.fields = fields;
    return fields;
  }
}
