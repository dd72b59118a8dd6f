/**
 * The plain TypeScript engine: the hand-derived forward and backward pass of docs/science.md §1–4 on
 * Float32Array, written for clarity. The tests compare every faster engine with it, and check it
 * against finite differences of an independent float64 forward pass.
 *
 * Precision (a deliberate choice): storage is float32 everywhere; every reduction — the dot
 * products of the matrix products, the scatter-add sums of the first-layer gradient, the losses —
 * is accumulated in float64 (JS numbers) and rounded once to float32 when it is stored. So each
 * stored number is the correctly rounded value of its float32 inputs up to float64 error, which is
 * what makes this engine a reference for the float32-accumulating SIMD kernels (they differ from it
 * by O(1e-7) relative per product). Element-wise results are rounded to float32 on store.
 *
 * Layouts (parameters.ts): Wᵀ (2M × K) and V (M × K), row-major; activations (n × K); outputs
 * (n × M). Every product is arranged as C = A·Bᵀ with contiguous rows (multiplyTransposed).
 */
import type { MlpRunConfig } from '../../shared/config/types';
import type { Split } from '../data';
import type { EngineOptions, Evaluation, TrainingEngine } from '../engine';
import {
  applyActivation,
  applyOptimizerStep,
  checkEngineOptions,
  createOptimizerMoments,
  lossAndAccuracy,
  multiplyByActivationDerivative,
  type OptimizerMoments,
} from '../model';

/**
 * C = A·Bᵀ: C (rows × columns) = A (rows × inner) times the transpose of B (columns × inner), all
 * row-major. Register-blocked 4 × 4 (16 float64 accumulators, 8 loads per 16 multiply-adds); each
 * entry is accumulated in float64 and rounded once into C. Mutates `product` only.
 */
export function multiplyTransposed(
  left: Float32Array,
  right: Float32Array,
  product: Float32Array,
  rows: number,
  columns: number,
  inner: number,
): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = i * inner;
    const a1 = a0 + inner;
    const a2 = a1 + inner;
    const a3 = a2 + inner;
    let j = 0;
    for (; j + 4 <= columns; j += 4) {
      const b0 = j * inner;
      const b1 = b0 + inner;
      const b2 = b1 + inner;
      const b3 = b2 + inner;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < inner; p++) {
        const x0 = left[a0 + p], x1 = left[a1 + p], x2 = left[a2 + p], x3 = left[a3 + p];
        const y0 = right[b0 + p], y1 = right[b1 + p], y2 = right[b2 + p], y3 = right[b3 + p];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let out = i * columns + j;
      product[out] = c00; product[out + 1] = c01; product[out + 2] = c02; product[out + 3] = c03;
      out += columns;
      product[out] = c10; product[out + 1] = c11; product[out + 2] = c12; product[out + 3] = c13;
      out += columns;
      product[out] = c20; product[out + 1] = c21; product[out + 2] = c22; product[out + 3] = c23;
      out += columns;
      product[out] = c30; product[out + 1] = c31; product[out + 2] = c32; product[out + 3] = c33;
    }
    for (; j < columns; j++) {
      const b0 = j * inner;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0; p < inner; p++) {
        const y = right[b0 + p];
        c0 += left[a0 + p] * y; c1 += left[a1 + p] * y; c2 += left[a2 + p] * y; c3 += left[a3 + p] * y;
      }
      product[i * columns + j] = c0;
      product[(i + 1) * columns + j] = c1;
      product[(i + 2) * columns + j] = c2;
      product[(i + 3) * columns + j] = c3;
    }
  }
  for (; i < rows; i++) {
    const a0 = i * inner;
    for (let j = 0; j < columns; j++) {
      const b0 = j * inner;
      let c = 0;
      for (let p = 0; p < inner; p++) c += left[a0 + p] * right[b0 + p];
      product[i * columns + j] = c;
    }
  }
}

/** Bᵀ (columns × rows) of A (rows × columns), row-major, in 32 × 32 tiles. Mutates `transposed` only. */
export function transpose(matrix: Float32Array, transposed: Float32Array, rows: number, columns: number): void {
  const tile = 32;
  for (let i0 = 0; i0 < rows; i0 += tile) {
    const i1 = Math.min(rows, i0 + tile);
    for (let j0 = 0; j0 < columns; j0 += tile) {
      const j1 = Math.min(columns, j0 + tile);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) transposed[j * rows + i] = matrix[i * columns + j];
      }
    }
  }
}

/**
 * The first layer as a gather (docs/science.md §1): Z_i = Wᵀ[a_i] + Wᵀ[M + b_i] for every pair of the
 * split, (n × K). Mutates `preactivation` only.
 */
export function gatherFirstLayer(
  firstLayerTransposed: Float32Array,
  split: Split,
  modulus: number,
  hidden: number,
  preactivation: Float32Array,
): void {
  for (let row = 0; row < split.size; row++) {
    const rowA = split.a[row] * hidden;
    const rowB = (modulus + split.b[row]) * hidden;
    const out = row * hidden;
    for (let k = 0; k < hidden; k++) preactivation[out + k] = firstLayerTransposed[rowA + k] + firstLayerTransposed[rowB + k];
  }
}

/** Raw loss gradients (no weight decay) of the parameters at the last evaluate(). */
export interface ParameterGradients {
  /** dL/dWᵀ, (2M × K) row-major. */
  firstLayer: Float32Array;
  /** dL/dV, (M × K) row-major. */
  secondLayer: Float32Array;
}

/** The plain TypeScript engine (see the file comment). One model, one dataset, one optimiser state. */
export class ReferenceEngine implements TrainingEngine {
  readonly name = 'reference';
  readonly backend = 'typescript';

  private readonly config: MlpRunConfig;
  private readonly train: Split;
  private readonly test: Split;
  private readonly modulus: number;
  private readonly hidden: number;

  private readonly weightsFirst: Float32Array;
  private readonly weightsSecond: Float32Array;
  private readonly updateFirst: Float32Array;
  private readonly updateSecond: Float32Array;
  private readonly momentsFirst: OptimizerMoments;
  private readonly momentsSecond: OptimizerMoments;
  private stepCount = 0;
  private readonly keepFirstLayerGradient: boolean;
  /** True while gradientFirst holds the gradient of the last step() (until the next evaluate()). */
  private lastStepGradientHeld = false;

  // Training forward cache (from evaluate()) and backward buffers.
  private readonly preactivation: Float32Array;
  private readonly hiddenActivation: Float32Array;
  private readonly output: Float32Array;
  private readonly outputGradient: Float32Array;
  private readonly outputGradientTransposed: Float32Array;
  private readonly hiddenTransposed: Float32Array;
  private readonly secondLayerTransposed: Float32Array;
  private readonly hiddenGradient: Float32Array;
  private readonly scatterSums: Float64Array;
  private readonly gradientFirst: Float32Array;
  private readonly gradientSecond: Float32Array;
  private readonly testHidden: Float32Array;
  private readonly testOutput: Float32Array;

  /** True between an evaluate() and the next step(): the cache describes the current parameters. */
  private cacheFresh = false;
  private disposed = false;
  /** True once the gradients of the cached forward pass are computed. */
  private gradientsReady = false;

  /** Copies the initial parameters (the caller's arrays are never mutated) and allocates every buffer. */
  constructor(options: EngineOptions) {
    const shape = checkEngineOptions(options);
    this.config = options.config;
    this.keepFirstLayerGradient = options.keepFirstLayerGradient ?? false;
    this.train = options.dataset.train;
    this.test = options.dataset.test;
    this.modulus = shape.modulus;
    this.hidden = shape.hidden;
    const M = shape.modulus;
    const K = shape.hidden;
    const n = shape.trainSize;
    this.weightsFirst = Float32Array.from(options.initial.firstLayerTransposed);
    this.weightsSecond = Float32Array.from(options.initial.secondLayer);
    this.updateFirst = new Float32Array(2 * M * K);
    this.updateSecond = new Float32Array(M * K);
    this.momentsFirst = createOptimizerMoments(this.config.optimizer, 2 * M * K);
    this.momentsSecond = createOptimizerMoments(this.config.optimizer, M * K);
    this.preactivation = new Float32Array(n * K);
    this.hiddenActivation = new Float32Array(n * K);
    this.output = new Float32Array(n * M);
    this.outputGradient = new Float32Array(n * M);
    this.outputGradientTransposed = new Float32Array(M * n);
    this.hiddenTransposed = new Float32Array(K * n);
    this.secondLayerTransposed = new Float32Array(K * M);
    this.hiddenGradient = new Float32Array(n * K);
    this.scatterSums = new Float64Array(2 * M * K);
    this.gradientFirst = new Float32Array(2 * M * K);
    this.gradientSecond = new Float32Array(M * K);
    this.testHidden = new Float32Array(shape.testSize * K);
    this.testOutput = new Float32Array(shape.testSize * M);
  }

  /**
   * Train forward pass (cached for step(): Z, H, O and dL/dO) and test forward pass with the
   * current parameters. Mutates the activation buffers only.
   */
  evaluate(): Evaluation {
    this.requireLive();
    const M = this.modulus;
    const K = this.hidden;
    const activation = this.config.model.activation;
    gatherFirstLayer(this.weightsFirst, this.train, M, K, this.preactivation);
    applyActivation(activation, this.preactivation, this.hiddenActivation);
    multiplyTransposed(this.hiddenActivation, this.weightsSecond, this.output, this.train.size, M, K);
    const train = lossAndAccuracy(this.config.loss, this.output, this.train.y, this.train.size, M, this.outputGradient);
    // Test split: Z is not needed after σ, so the activation runs in place.
    gatherFirstLayer(this.weightsFirst, this.test, M, K, this.testHidden);
    applyActivation(activation, this.testHidden, this.testHidden);
    multiplyTransposed(this.testHidden, this.weightsSecond, this.testOutput, this.test.size, M, K);
    const test = lossAndAccuracy(this.config.loss, this.testOutput, this.test.y, this.test.size, M);
    this.cacheFresh = true;
    this.gradientsReady = false;
    this.lastStepGradientHeld = false;
    return { train, test };
  }

  /**
   * Copies of the raw loss gradients dL/dWᵀ and dL/dV (without weight decay) at the parameters of
   * the last evaluate(). For tests and diagnostics; throws if the cache is stale.
   */
  gradients(): ParameterGradients {
    this.requireFreshCache('gradients()');
    this.computeGradients();
    return { firstLayer: this.gradientFirst.slice(), secondLayer: this.gradientSecond.slice() };
  }

  /**
   * One optimiser step with the gradients of the last evaluate(); afterwards firstLayerUpdate() and
   * secondLayerUpdate() hold θ_after − θ_before. Mutates the parameters, the optimiser state and the
   * update buffers. Throws if evaluate() was not called since the last step().
   */
  step(): void {
    this.requireLive();
    this.requireFreshCache('step()');
    this.computeGradients();
    this.stepCount++;
    const optimizer = this.config.optimizer;
    applyOptimizerStep(optimizer, this.stepCount, this.weightsFirst, this.gradientFirst, this.momentsFirst, this.updateFirst);
    applyOptimizerStep(optimizer, this.stepCount, this.weightsSecond, this.gradientSecond, this.momentsSecond, this.updateSecond);
    this.cacheFresh = false;
    this.gradientsReady = false;
    // The optimiser reads gradientFirst without changing it, so it still holds this step's dL/dWᵀ.
    this.lastStepGradientHeld = true;
  }

  firstLayerTransposed(): Float32Array {
    return this.weightsFirst;
  }

  secondLayer(): Float32Array {
    return this.weightsSecond;
  }

  firstLayerUpdate(): Float32Array {
    return this.updateFirst;
  }

  secondLayerUpdate(): Float32Array {
    return this.updateSecond;
  }

  /** dL/dWᵀ of the last step() (no weight decay): the backward buffer itself, valid until the next evaluate(). */
  firstLayerGradient(): Float32Array {
    if (!this.keepFirstLayerGradient) throw new Error('ReferenceEngine.firstLayerGradient() needs an engine created with keepFirstLayerGradient');
    if (!this.lastStepGradientHeld) throw new Error('ReferenceEngine.firstLayerGradient() needs a step() since the last evaluate()');
    return this.gradientFirst;
  }

  trainHidden(): Float32Array {
    return this.hiddenActivation;
  }

  trainOutput(): Float32Array {
    return this.output;
  }

  /**
   * Nothing to release (the buffers are ordinary garbage-collected arrays), but the engine refuses
   * work afterwards, as the others do (test/unit/engineContract.test.ts).
   */
  dispose(): void {
    this.cacheFresh = false;
    this.disposed = true;
  }

  private requireLive(): void {
    if (this.disposed) throw new Error('ReferenceEngine used after dispose()');
  }

  private requireFreshCache(caller: string): void {
    if (!this.cacheFresh) {
      throw new Error(`ReferenceEngine.${caller} needs a fresh evaluate(): call evaluate() before each step()`);
    }
  }

  /**
   * Backward pass of docs/science.md §4 from the cached dL/dO: dV = dOᵀH; dH = dO·V; dZ = dH ⊙ σ'(Z);
   * dWᵀ[a_i] += dZ_i and dWᵀ[M + b_i] += dZ_i. Mutates the backward buffers and the gradients.
   */
  private computeGradients(): void {
    if (this.gradientsReady) return;
    const M = this.modulus;
    const K = this.hidden;
    const n = this.train.size;
    // dV (M × K) = dOᵀ (M × n) · (Hᵀ (K × n))ᵀ.
    transpose(this.outputGradient, this.outputGradientTransposed, n, M);
    transpose(this.hiddenActivation, this.hiddenTransposed, n, K);
    multiplyTransposed(this.outputGradientTransposed, this.hiddenTransposed, this.gradientSecond, M, K, n);
    // dH (n × K) = dO (n × M) · (Vᵀ (K × M))ᵀ.
    transpose(this.weightsSecond, this.secondLayerTransposed, M, K);
    multiplyTransposed(this.outputGradient, this.secondLayerTransposed, this.hiddenGradient, n, K, M);
    multiplyByActivationDerivative(this.config.model.activation, this.preactivation, this.hiddenGradient);
    // Scatter-add of dZ rows: the transpose of the gather (never a one-hot matmul).
    const sums = this.scatterSums;
    sums.fill(0);
    for (let row = 0; row < n; row++) {
      const rowA = this.train.a[row] * K;
      const rowB = (M + this.train.b[row]) * K;
      const source = row * K;
      for (let k = 0; k < K; k++) {
        const value = this.hiddenGradient[source + k];
        sums[rowA + k] += value;
        sums[rowB + k] += value;
      }
    }
    this.gradientFirst.set(sums);
    this.gradientsReady = true;
  }
}
