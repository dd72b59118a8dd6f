/**
 * The interface every compute engine implements (wasm kernels, tfjs, the plain TypeScript
 * reference). The trainer drives it; diagnostics read its buffers. One engine = one model, one
 * dataset, one optimiser state, for one seed.
 *
 * Order per row e (docs/science.md §4): evaluate() on the model after e steps gives row e's train and
 * test metrics and caches the training forward pass; step() then uses that cache for step e + 1.
 */
import type { MlpRunConfig } from '../shared/config/types';
import type { Dataset } from './data';
import type { Parameters } from './parameters';

export interface SplitMetrics {
  /** Mean loss over the split (class-centred MSE or cross-entropy, docs/science.md §3), accumulated in float64. */
  loss: number;
  /** Share of the split whose output argmax equals the label. */
  accuracy: number;
}

export interface Evaluation {
  train: SplitMetrics;
  test: SplitMetrics;
}

export interface TrainingEngine {
  /** Engine name as recorded in run.json (`wasm`, `tfjs`, `reference`). */
  readonly name: string;
  /** Backend detail, e.g. `simd-1-thread`, `tfjs-node`, `cpu`. */
  readonly backend: string;
  /**
   * Forward pass on the training and test splits with the current parameters. Caches the training
   * activations and output gradient for step(). Mutates the engine's activation buffers only.
   */
  evaluate(): Evaluation;
  /**
   * One full-batch optimiser step using the gradients of the last evaluate(). Mutates the
   * parameters and optimiser state; afterwards the update buffers hold ΔW and ΔV of this step.
   */
  step(): void;
  /** Current Wᵀ, (2M × K) row-major (see parameters.ts). A view: valid until the next step(). */
  firstLayerTransposed(): Float32Array;
  /** Current V, (M × K) row-major. A view: valid until the next step(). */
  secondLayer(): Float32Array;
  /** ΔWᵀ of the last step = W after − W before, (2M × K). A view, overwritten by the next step(). */
  firstLayerUpdate(): Float32Array;
  /** ΔV of the last step, (M × K). A view, overwritten by the next step(). */
  secondLayerUpdate(): Float32Array;
  /**
   * dL/dWᵀ of the last step(), (2M × K): the gradient of the mean training loss (full batch) at the
   * parameters of the evaluate() before it, from the step's own backward pass. **Without** the
   * weight-decay term: η·W is the optimiser's addition (coupled L2), not part of ∇_W L, which is
   * what docs/science.md §8 takes the SVD of. A view, valid until the next evaluate() or step().
   * Throws unless the engine was created with `keepFirstLayerGradient`, or before the first step().
   */
  firstLayerGradient(): Float32Array;
  /** Hidden activations F = σ(Z) of the training split from the last evaluate(), (n_train × K). */
  trainHidden(): Float32Array;
  /** Outputs o = V σ(W x) of the training split from the last evaluate(), (n_train × M). */
  trainOutput(): Float32Array;
  /** Releases memory, threads and tensors. */
  dispose(): void;
}

export interface EngineOptions {
  config: MlpRunConfig;
  dataset: Dataset;
  initial: Parameters;
  /**
   * Keep each step's first-layer loss gradient for firstLayerGradient() (the gradient-direction
   * diagnostic, docs/science.md §8). Default false: then the engines keep nothing and do no extra work.
   */
  keepFirstLayerGradient?: boolean;
}
