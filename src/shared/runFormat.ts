/**
 * The run folder format: the interface between every producer (CLI, extension, cluster job) and
 * every viewer. Version 1. Layout of `<runs folder>/<experiment>/<run id>/`:
 *
 *   run.json                      RunManifest, written atomically (temporary file + rename)
 *   events.jsonl                  one RunEvent per line, appended by every worker
 *   summary.json                  RunSummary, written atomically at the end
 *   <condition>/seed-<n>.jsonl    one EpochRecord per line (rows 0…E), appended and flushed each epoch
 *   <condition>/seed-<n>.status.json  SeedStatusFile, written atomically on start and at the end
 *   <condition>/seed-<n>.log      the worker's own log (stderr)
 *
 * Read and written only through src/runs/runFolder.ts. Field names are part of the format
 * (docs/run-format.md); new fields may be added, none renamed.
 */

import type { GridValue, ResolvedCondition, RunConfig } from './config/types';

export const RUN_FORMAT_VERSION = 1;

/**
 * One epoch row: the model after `epoch` optimiser steps, evaluated before step epoch + 1
 * (docs/science.md §4). Optional fields are absent when undefined (e.g. before 3 updates).
 */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  /** λ₁…λ₅ of the rolling Gram G = ΔᵀΔ of the last w first-layer updates (eigenvalues = squared singular values), descending. */
  eigenvalues?: number[];
  /** s_k = √λ_k, the singular values of the stacked updates (Xu's σ_k), descending. */
  singularValues?: number[];
  /** g(t) = λ₂/λ₃ of the rolling Gram. */
  gap23?: number;
  /** s(t) = [ln max(g(t),1e-6) − ln max(g(t−lag),1e-6)] / lag, per epoch. */
  gapSlope?: number;
  /** Number of λ_k that carry 99 % of Σλ in the rolling window. */
  effectiveRank?: number;
  /** λ₁…λ₅ of the rolling Gram of second-layer updates ΔV (reported, not used by the detector). */
  secondLayerEigenvalues?: number[];
  /** λ₂/λ₃ of the second-layer Gram. */
  secondLayerGap23?: number;
  /** Frobenius norm of the first-layer weights W. */
  weightNorm: number;
  /** Frobenius norm of the second-layer weights V. */
  secondLayerNorm?: number;
  /** Spectral edge (docs/science.md §7; σ_j are singular values of the window, √λ): weighted gap position k* (1-based). */
  kStar?: number;
  /** Plain argmax_j σ_j/σ_{j+1} (1-based). */
  kStarPlain?: number;
  /** R = σ_{k*}/σ_{k*+1}. */
  edgeRatio?: number;
  /** g₂₃ = σ₂² − σ₃² of the spectral-edge window. */
  g23?: number;
  /** 𝒜 = ‖G(t) − G(t−1)‖_F / (lr · (σ_{k*} − σ_{k*+1})²): our MLP analogue of arXiv 2603.28964's adiabatic parameter. */
  adiabatic?: number;
  /** ‖G_F‖_F with G_F = P₁⊥(Y − F Vᵀ) V, the back-propagated gradient of Li₂ (docs/science.md §9), on the training set. */
  gradientFNorm?: number;
  /** Cosine between consecutive first-layer updates ΔW_t, ΔW_{t−1}. */
  updateCosine?: number;
  /** Cosine between consecutive second-layer updates ΔV_t, ΔV_{t−1}. */
  secondLayerUpdateCosine?: number;
  /**
   * Gradient-direction SED (docs/science.md §8; an adaptation of arXiv 2604.25143 to this MLP — the
   * paper used Transformers), present only on the rows where it is computed (`diagnostics.gradientSed`:
   * enabled, every `every` epochs). R_k = A(v_k) / median_j A(r_j) for the leading right singular
   * vectors v_k of the window of the last w full-batch loss gradients ∇_W L (steps max(1, t−w+1)…t,
   * as §5's window), descending s_k; A(v) = mean over the probes of ‖(μ_x(W + εv) − μ_x(W − εv)) / 2ε‖²,
   * μ_x = ∂ŷ_y/∂x. A vector whose singular value is 0 is left out (the list is then shorter); both
   * ratio lists are absent when the median is 0.
   */
  gradientSedRatios?: number[];
  /** The same R_k for the window of the last w first-layer updates ΔW (update-SED; adaptation of arXiv 2604.25143 to this MLP). */
  updateSedRatios?: number[];
  /** s_1…s_5 (singular values, √ of the Gram's eigenvalues) of the gradient window, descending (adaptation of arXiv 2604.25143 to this MLP). */
  gradientSingularValues?: number[];
  /** A(v_k) of the gradient window's vectors, in squared (output per unit input)/(unit weight) (adaptation of arXiv 2604.25143 to this MLP). */
  gradientSedSensitivities?: number[];
  /** A(v_k) of the update window's vectors (adaptation of arXiv 2604.25143 to this MLP). */
  updateSedSensitivities?: number[];
  /** median_j A(r_j) over the random unit directions: the denominator of both R_k (adaptation of arXiv 2604.25143 to this MLP). */
  randomSedSensitivityMedian?: number;
  /**
   * A multitask Transformer's metrics per operation (head), in the config's order (docs/science.md
   * §12.3). The row's trainAcc and testAcc are then the smallest over the heads (every head must pass
   * a milestone) and its losses the sums (the training objective).
   */
  operations?: OperationMetrics[];
  /** Wall-clock milliseconds this row took (training step + diagnostics; for a Transformer, every step since the last record and the evaluation). */
  milliseconds?: number;
}

/** One head's metrics in a multitask Transformer's record. */
export interface OperationMetrics {
  operation: string;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
}

/** Milestones of docs/science.md §4. */
export type MilestoneName = 'memorized' | 'grok50' | 'grok95' | 'grok99';

interface EventBase {
  condition: string;
  seed: number;
  /** Epoch (row) the event is about. */
  epoch: number;
  /** ISO time the event was written. */
  time?: string;
}

export interface DetectorFiredEvent extends EventBase {
  type: 'detectorFired';
  gap23: number;
  gapSlope: number;
}

export interface MilestoneEvent extends EventBase {
  type: 'milestone';
  milestone: MilestoneName;
}

/** Theorem-6 check at a checkpoint (docs/science.md §6). */
export interface RepulsionEvent extends EventBase {
  type: 'repulsion';
  /** False for η = 0 (B is singular): then every statistic below is absent. */
  applicable: boolean;
  /** Why the check does not apply, in a plain sentence. */
  reason?: string;
  weightDecay: number;
  pairs: number;
  /** Share of the top pairs with B_jl < 0. */
  fractionNegative?: number;
  /** Same share among the top pairs whose cosine is positive. */
  fractionNegativePositiveCos?: number;
  /** Share of pairs with sign(B_jl) = −sign(f̃_jᵀ P_{η,−jl} f̃_l), computed by the exact closed form: 1 up to rounding. */
  signMatch?: number;
  /** The sign-match as computed in the arXiv 2605.08119 code (`woodbury_B`, 1/η² slip): for reproducing its figure. */
  publishedSignMatch?: number;
  /** Distribution of B_jl over the pairs: quantiles 0, 0.25, 0.5, 0.75, 1. */
  couplingQuantiles?: number[];
  /** Distribution of B_jl/√(B_jj B_ll) over the pairs: quantiles 0, 0.25, 0.5, 0.75, 1. */
  normalizedCouplingQuantiles?: number[];
  /** The pairs themselves: [j, l, cos, B_jl, B_jl/√(B_jj B_ll)]. */
  pairList?: [number, number, number, number, number][];
  /** Diagonality of F̃ᵀF̃: mean |off-diagonal| / mean |diagonal| (Li₂, docs/science.md §9). */
  diagonality?: number;
  /** Milliseconds the check took. */
  milliseconds: number;
}

/** Per-unit Fourier content of the first-layer weights (docs/science.md §9). */
export interface FourierEvent extends EventBase {
  type: 'fourier';
  /** Dominant frequency (1…(M−1)/2) of each hidden unit's input weights. */
  dominantFrequencies: number[];
  /** Share of each unit's non-constant power at its dominant frequency. */
  dominantPowerShare: number[];
  /** Number of distinct dominant frequencies among units whose dominant share ≥ 0.5. */
  distinctFrequencies: number;
  /** Units per frequency 1…(M−1)/2 (index 0 is frequency 1), counting units whose dominant share ≥ 0.5. */
  frequencyHistogram: number[];
  /** Energy E(w_j) = ½‖Ỹᵀσ(X w_j)‖² per unit: quantiles 0, 0.25, 0.5, 0.75, 1. */
  energyQuantiles: number[];
}

export type SeedStatus = 'queued' | 'running' | 'completed' | 'diverged' | 'failed' | 'cancelled' | 'interrupted';

export interface SeedFinishedEvent extends EventBase {
  type: 'seedFinished';
  status: SeedStatus;
  message?: string;
}

export type RunEvent = DetectorFiredEvent | MilestoneEvent | RepulsionEvent | FourierEvent | SeedFinishedEvent;

export interface SeedStatusFile {
  condition: string;
  seed: number;
  status: SeedStatus;
  /** Last epoch row written. */
  lastEpoch: number;
  epochs: number;
  message?: string;
  startTime: string;
  endTime?: string;
  pid?: number;
  host?: string;
}

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

/** One condition of a run as run.json records it: its resolved config and, for a grid point, its grid values. */
export interface ManifestCondition {
  name: string;
  configHash: string;
  config: RunConfig;
  /** For a grid point: the value of each grid key, by dotted path (`optimizer.weightDecay`). */
  gridPoint?: Record<string, GridValue>;
  /** For a grid point of an experiment that also has named conditions: that condition's name. */
  baseCondition?: string;
}

/** What run.json records of a resolved condition (the same for every producer). */
export function manifestCondition(condition: ResolvedCondition): ManifestCondition {
  return {
    name: condition.name,
    configHash: condition.configHash,
    config: condition.config,
    ...(condition.gridPoint ? { gridPoint: condition.gridPoint } : {}),
    ...(condition.baseCondition ? { baseCondition: condition.baseCondition } : {}),
  };
}

export interface RunManifest {
  formatVersion: number;
  runId: string;
  experiment: string;
  description?: string;
  /** The experiment file, relative to the working directory of the producer when possible. */
  file: string;
  seeds: number[];
  conditions: ManifestCondition[];
  /** Hash of all conditions' hashes, in order. */
  configHash: string;
  engine: { name: string; threads: number; backend?: string };
  versions: { grokkingLab: string; node: string; [name: string]: string };
  git?: { commit: string; dirty: boolean };
  startTime: string;
  endTime?: string;
  status: RunStatus;
  /** Who produced the run: `cli`, `extension`, … */
  producer: string;
  /** The machine of the producer (of the last one, after a resume). */
  host?: string;
  /**
   * Process id of the producer on `host` (the CLI, or VS Code's extension host). While run.json
   * says `running`, a viewer on the same host that finds no such process knows at once that the run
   * was abandoned (src/runs/runFolderReader.ts realRunState).
   */
  pid?: number;
}

export interface SeedSummary {
  condition: string;
  seed: number;
  status: SeedStatus;
  epochs: number;
  /** First epoch with train accuracy = 1. */
  memorizedEpoch: number | null;
  grokEpoch50: number | null;
  grokEpoch95: number | null;
  grokEpoch99: number | null;
  detectorEpoch: number | null;
  /** detectorEpoch − grokEpoch99 (negative: the detector fired before grokking). */
  detectorLead: number | null;
  /** Median g(t) over the late-stage epochs. */
  lateGap: number | null;
  finalTrainAcc: number | null;
  finalTestAcc: number | null;
}

export interface ConditionSummary {
  condition: string;
  seedCount: number;
  firedCount: number;
  grokkedCount: number;
  detectorEpochMedian: number | null;
  /** [25th, 75th] percentile of the fire epoch over seeds that fired. */
  detectorEpochIqr: [number, number] | null;
  grokEpoch99Median: number | null;
  lateGapMedian: number | null;
}

export interface RunSummary {
  formatVersion: number;
  runId: string;
  seeds: SeedSummary[];
  conditions: ConditionSummary[];
  /** For each ordered pair of conditions (a, b): lateGapMedian(a) / lateGapMedian(b). */
  separation: { numerator: string; denominator: string; ratio: number | null }[];
}
