/**
 * The interface of a Transformer compute engine (the fast WebAssembly one, the plain reference the
 * tests compare it with). One engine = one model's parameters, gradient and AdamW state, for one
 * seed. The trainer (./trainer.ts) drives one training step as the reference code does
 * (docs/science.md §12.3: zero_grad → forward → cross-entropy → backward → clip →
 * (intervention) → step), so each stage is its own call and the trainer may change the gradient
 * between them.
 */
import type { ParameterLayout } from './model';

/** Pairs per evaluation chunk: the reference evaluates its splits in chunks of 2048 (docs/science.md §12.3). */
export const EVALUATION_CHUNK = 2048;

/** A set of pairs (a, b) with one label per task: a minibatch, a split, or a fixed probe batch. */
export interface PairBatch {
  size: number;
  /** First operand, token of position 0. */
  a: Int32Array;
  /** Second operand, token of position 1. */
  b: Int32Array;
  /** labels[task][i] = operation_task(a[i], b[i]) mod p. One array per task (head). */
  labels: Int32Array[];
}

/** Mean cross-entropy and argmax accuracy of one head over a set of pairs. */
export interface TaskMetrics {
  loss: number;
  accuracy: number;
}

/** AdamW with decoupled weight decay on every parameter (torch.optim.AdamW, docs/science.md §12.3). */
export interface AdamWSettings {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export interface TransformerEngineOptions {
  layout: ParameterLayout;
  /** Initial flat parameters (layout.size floats); copied. */
  initial: Float32Array;
  optimizer: AdamWSettings;
  /** Largest minibatch backward() will see (the engine sizes its buffers once). */
  maxBatch: number;
}

export interface TransformerEngine {
  readonly name: string;
  readonly backend: string;
  readonly layout: ParameterLayout;
  /** The flat parameters (layout order). A view: valid until dispose(); mutated by optimizerStep(). */
  parameters(): Float32Array;
  /** The flat gradient of the last backward(). A view the caller may modify (clipping, projection) before optimizerStep(). */
  gradient(): Float32Array;
  /**
   * Forward and backward pass on `batch` (size ≤ maxBatch): gradient() becomes ∇ of Σ_task mean_i
   * CE(head_task(x_i), y_task,i) (the summed loss of the multitask reference). Returns that loss.
   * With `task`, the loss is that head's mean CE alone (the per-operation gradient-SED of
   * docs/science.md §12.6). Mutates the gradient and activation buffers only.
   */
  backward(batch: PairBatch, task?: number): number;
  /**
   * Scales gradient() in place so that its global L2 norm is at most maxNorm (torch's
   * clip_grad_norm_: factor maxNorm / (norm + 1e-6) when below 1). Returns the norm before clipping.
   */
  clipGradient(maxNorm: number): number;
  /** One AdamW step with gradient() (step counter + 1). Mutates parameters and moments. */
  optimizerStep(): void;
  /**
   * The centroid inputs of the gradient-direction SED (docs/science.md §12.6,
   * docs/science.md §12.6): for every pair x of `pairs` (any size; the engine chunks as it needs),
   * μ_x = ∂ logit_{task, y}(x) / ∂h0, the gradient of head `task`'s raw correct-class logit
   * (y = pairs.labels[task][i]) with respect to the input embeddings h0 = tok_emb + pos_emb of both
   * positions, written to into[i·2·width …] position-major (position 0's width numbers, then
   * position 1's). Taken at `parameters` (layout.size floats, e.g. the engine's own with the
   * attention weights shifted by ±εv), **not** at the engine's parameters, which it does not read or
   * change, nor its gradient or moments; mutates activation buffers and `into` only.
   * ReferenceTransformerEngine computes it in float64 (transformerCorrectLogitInputGradients), which
   * a faster engine is checked against.
   */
  correctLogitInputGradients(parameters: Float32Array, pairs: PairBatch, task: number, into: Float64Array): void;
  /** Per-task metrics on `pairs` at the current parameters, in chunks; mutates activation buffers only. */
  evaluate(pairs: PairBatch): TaskMetrics[];
  dispose(): void;
}
