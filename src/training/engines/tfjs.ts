/**
 * The TensorFlow.js engine: the model of docs/science.md §1–4 in tfjs ops, with the gradients from
 * tfjs **autodiff** (tf.valueAndGrads), not from our hand-derived backward pass. That makes it
 * the independent check of the reference and wasm engines' gradients, and the optional
 * native/GPU path when @tensorflow/tfjs-node is installed.
 *
 * Backend: `require('@tensorflow/tfjs-node')` first (an optional dependency whose install
 * downloads libtensorflow, so it is usually absent); otherwise @tensorflow/tfjs-core with the
 * pure-JS `cpu` backend. `backend` records which one ran.
 *
 * Numerics: everything in float32 tensors. The optimiser update is written here in tfjs ops with
 * torch semantics (model.ts documents the rules): tf.train.adam has the same ε placement
 * (m̂/(√v̂ + ε)) but no weight decay, keeps β₁ᵗ, β₂ᵗ as running float32 products and defaults ε to
 * the backend's epsilon, so it is not used. Losses and accuracies are computed on the JS side in
 * float64 from the outputs read back (tfjs reduces in float32; docs/performance.md §4.2).
 *
 * First layer: a gather of rows of Wᵀ on tfjs-node. On the cpu backend the gradient of tf.gather
 * (UnsortedSegmentSum, one masked full-size pass per input row of Wᵀ) took ~100 s per call at
 * M = 71, K = 512, so there the training forward pass uses the equivalent one-hot matMul X·Wᵀ (X
 * has two ones per row; the values are bit-identical to the gather, the autodiff gradient is Xᵀ·dZ).
 * The test forward pass needs no gradient and always gathers.
 *
 * tfjs is loaded only inside createTfjsEngine (dynamic import), so the wasm path never loads it.
 */
import type * as TensorflowCore from '@tensorflow/tfjs-core';
import type { Activation, LossName } from '../../shared/config/types';
import type { Split } from '../data';
import type { EngineOptions, Evaluation, SplitMetrics, TrainingEngine } from '../engine';
import { checkEngineOptions, lossAndAccuracy, type ProblemShape } from '../model';
import type { ParameterGradients } from './reference';

type Tensorflow = typeof TensorflowCore;
type Tensor = TensorflowCore.Tensor;
type Scalar = TensorflowCore.Scalar;

/** Which tfjs backend runs the engine. */
export type TfjsBackend = 'tfjs-node' | 'cpu';

/** How the first layer is expressed for autodiff: tf.gather of Wᵀ rows, or a one-hot matMul. */
export type TfjsFirstLayer = 'gather' | 'oneHot';

export interface TfjsEngineOptions extends EngineOptions {
  /** First-layer form. Default: `gather` on tfjs-node, `oneHot` on the cpu backend (see the file comment). */
  firstLayer?: TfjsFirstLayer;
}

interface LoadedTensorflow {
  tf: Tensorflow;
  backend: TfjsBackend;
}

let loadingTensorflow: Promise<LoadedTensorflow> | undefined;

/**
 * Loads tfjs once per process: tfjs-node when it loads, else tfjs-core + the cpu backend + the
 * gradient registrations. Sets tfjs's global backend (process-wide state of tfjs).
 */
export function loadTensorflow(): Promise<LoadedTensorflow> {
  loadingTensorflow ??= (async (): Promise<LoadedTensorflow> => {
    try {
      // `require`, not import(): an optional package that is usually not installed (so it has no
      // types to resolve); the bundler leaves it external (esbuild.js); a failure is caught here.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const nodeModule: unknown = require('@tensorflow/tfjs-node');
      const tf = nodeModule as Tensorflow;
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return { tf, backend: 'tfjs-node' };
      }
    } catch {
      // Not installed, or libtensorflow missing: fall back to the pure-JS cpu backend.
    }
    const tf: Tensorflow = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    // tfjs-core's Node build ships no gradient definitions (the @tensorflow/tfjs union package
    // bundles them); this side-effect module registers them in tfjs's global registry. It is ES
    // module source with extensionless imports, so it must go through the bundler or the tsx loader
    // (`require` lets both resolve it as CommonJS; Node's ESM loader rejects the extensionless imports).
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-core/dist/register_all_gradients');
    } catch (error) {
      throw new Error(
        'tfjs gradients are unavailable: @tensorflow/tfjs-core/dist/register_all_gradients must be bundled ' +
          `(it cannot be required from node_modules by plain Node): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    // PROD silences the "install tfjs-node" banner of the cpu backend; `backend` records the choice.
    tf.env().set('PROD', true);
    if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
    await tf.ready();
    return { tf, backend: 'cpu' };
  })();
  return loadingTensorflow;
}

/** Creates the tfjs engine (loads tfjs on first use). */
export async function createTfjsEngine(options: TfjsEngineOptions): Promise<TfjsEngine> {
  const { tf, backend } = await loadTensorflow();
  return new TfjsEngine(tf, backend, options);
}

/** Constant inputs of one split: gather indices or the one-hot matrix, and the labels. */
interface SplitInputs {
  size: number;
  labels: Int32Array;
  /** Rows a_i of Wᵀ (gather form). */
  firstRows?: Tensor;
  /** Rows M + b_i of Wᵀ (gather form). */
  secondRows?: Tensor;
  /** X (n × 2M) with ones at a_i and M + b_i (one-hot form). */
  oneHot?: Tensor;
}

interface OptimizerTensors {
  /** Adam's m or SGD's momentum buffer; undefined before the first step. */
  first?: Tensor;
  /** Adam's v. */
  second?: Tensor;
}

/** New tensors of one optimiser step (a type alias, so that tf.tidy accepts it as a TensorContainer). */
type TensorUpdate = {
  parameter: Tensor;
  first: Tensor;
  second?: Tensor;
  update: Tensor;
};

/** The tfjs engine (see the file comment). Owns its tensors; dispose() releases them. */
export class TfjsEngine implements TrainingEngine {
  readonly name = 'tfjs';
  readonly backend: TfjsBackend;
  readonly firstLayerForm: TfjsFirstLayer;

  private readonly tf: Tensorflow;
  private readonly options: EngineOptions;
  private readonly shape: ProblemShape;
  private readonly activation: Activation;
  private readonly loss: LossName;
  private readonly trainInputs: SplitInputs;
  private readonly testInputs: SplitInputs;
  /** onehot(y) − 1/M (mse) or onehot(y) (cross-entropy), (n_train × M). */
  private readonly trainTargets: Tensor;

  private firstWeights: Tensor;
  private secondWeights: Tensor;
  private readonly firstMoments: OptimizerTensors = {};
  private readonly secondMoments: OptimizerTensors = {};
  private stepCount = 0;

  /** Gradients of the last evaluate(); undefined once step() has used them. */
  private gradientFirst?: Tensor;
  private gradientSecond?: Tensor;
  /** H of the last evaluate(), kept until the next evaluate(). */
  private hidden?: Tensor;
  private hiddenValues?: Float32Array;
  private outputValues: Float32Array;
  private updateFirst?: Tensor;
  private updateSecond?: Tensor;
  private firstWeightsValues?: Float32Array;
  private secondWeightsValues?: Float32Array;
  private updateFirstValues?: Float32Array;
  private updateSecondValues?: Float32Array;
  /** dL/dWᵀ of the last step, read back only when the engine keeps it (keepFirstLayerGradient). */
  private lastStepFirstGradient?: Float32Array;
  private disposed = false;

  /** Use createTfjsEngine. Copies the initial parameters and the dataset into tensors. */
  constructor(tf: Tensorflow, backend: TfjsBackend, options: TfjsEngineOptions) {
    this.shape = checkEngineOptions(options);
    this.tf = tf;
    this.backend = backend;
    this.options = options;
    this.firstLayerForm = options.firstLayer ?? (backend === 'tfjs-node' ? 'gather' : 'oneHot');
    this.activation = options.config.model.activation;
    this.loss = options.config.loss;
    const { modulus: M, hidden: K } = this.shape;
    // Copies: tensor constructors may keep the array they are given (the cpu backend does).
    this.firstWeights = tf.tensor2d(Float32Array.from(options.initial.firstLayerTransposed), [2 * M, K], 'float32');
    this.secondWeights = tf.tensor2d(Float32Array.from(options.initial.secondLayer), [M, K], 'float32');
    this.trainInputs = this.makeInputs(options.dataset.train, this.firstLayerForm);
    // The test pass needs no gradient, so it always gathers (same values as the one-hot matMul).
    this.testInputs = this.makeInputs(options.dataset.test, 'gather');
    const n = this.shape.trainSize;
    const targets = new Float32Array(n * M).fill(this.loss === 'mse' ? -1 / M : 0);
    for (let row = 0; row < n; row++) targets[row * M + options.dataset.train.y[row]] += 1;
    this.trainTargets = tf.tensor2d(targets, [n, M], 'float32');
    this.outputValues = new Float32Array(n * M);
  }

  /**
   * Train forward pass with autodiff (caches the gradients and H for step()), then the test
   * forward pass. Losses and accuracies are computed in float64 from the outputs read back.
   */
  evaluate(): Evaluation {
    this.requireAlive();
    const tf = this.tf;
    this.releaseEvaluation();
    this.lastStepFirstGradient = undefined;
    let hidden: Tensor | undefined;
    let output: Tensor | undefined;
    const objective = (first: Tensor, second: Tensor): Scalar => {
      const activations = this.activate(this.preactivation(first, this.trainInputs));
      const outputs = tf.matMul(activations, second, false, true);
      hidden = tf.keep(activations);
      output = tf.keep(outputs);
      return this.lossTensor(outputs);
    };
    const { value, grads } = tf.valueAndGrads(objective)([this.firstWeights, this.secondWeights]);
    value.dispose();
    this.gradientFirst = grads[0];
    this.gradientSecond = grads[1];
    if (!hidden || !output) throw new Error('tfjs did not run the forward pass');
    this.hidden = hidden;
    this.outputValues = Float32Array.from(output.dataSync() as Float32Array);
    output.dispose();
    const { modulus: M } = this.shape;
    const train = lossAndAccuracy(this.loss, this.outputValues, this.trainInputs.labels, this.trainInputs.size, M);
    return { train, test: this.testMetrics() };
  }

  /** Copies of the autodiff gradients dL/dWᵀ, dL/dV (no weight decay) of the last evaluate(). */
  gradients(): ParameterGradients {
    this.requireFresh('gradients()');
    const first = this.gradientFirst as Tensor;
    const second = this.gradientSecond as Tensor;
    return { firstLayer: Float32Array.from(first.dataSync() as Float32Array), secondLayer: Float32Array.from(second.dataSync() as Float32Array) };
  }

  /**
   * One optimiser step (torch semantics, tfjs float32 ops) with the gradients of the last
   * evaluate(); keeps ΔWᵀ and ΔV as float32 differences. Replaces the parameter and state tensors.
   */
  step(): void {
    this.requireFresh('step()');
    const gradientFirst = this.gradientFirst as Tensor;
    const gradientSecond = this.gradientSecond as Tensor;
    this.stepCount++;
    // A copy read back before the tensor is disposed; only when asked for (it costs a read-back).
    this.lastStepFirstGradient = this.options.keepFirstLayerGradient ? Float32Array.from(gradientFirst.dataSync() as Float32Array) : undefined;
    const first = this.tf.tidy(() => this.optimizerUpdate(this.firstWeights, gradientFirst, this.firstMoments));
    const second = this.tf.tidy(() => this.optimizerUpdate(this.secondWeights, gradientSecond, this.secondMoments));
    this.tf.dispose([gradientFirst, gradientSecond, this.firstWeights, this.secondWeights]);
    this.gradientFirst = undefined;
    this.gradientSecond = undefined;
    this.firstWeights = first.parameter;
    this.secondWeights = second.parameter;
    this.replaceMoments(this.firstMoments, first);
    this.replaceMoments(this.secondMoments, second);
    if (this.updateFirst) this.updateFirst.dispose();
    if (this.updateSecond) this.updateSecond.dispose();
    this.updateFirst = first.update;
    this.updateSecond = second.update;
    this.firstWeightsValues = undefined;
    this.secondWeightsValues = undefined;
    this.updateFirstValues = undefined;
    this.updateSecondValues = undefined;
  }

  /** Wᵀ read back (read-only: on the cpu backend this is the tensor's own storage). */
  firstLayerTransposed(): Float32Array {
    this.requireAlive();
    this.firstWeightsValues ??= this.firstWeights.dataSync() as Float32Array;
    return this.firstWeightsValues;
  }

  /** V read back (read-only). */
  secondLayer(): Float32Array {
    this.requireAlive();
    this.secondWeightsValues ??= this.secondWeights.dataSync() as Float32Array;
    return this.secondWeightsValues;
  }

  /** ΔWᵀ of the last step (zeros before the first step). */
  firstLayerUpdate(): Float32Array {
    this.requireAlive();
    this.updateFirstValues ??= this.updateFirst
      ? (this.updateFirst.dataSync() as Float32Array)
      : new Float32Array(2 * this.shape.modulus * this.shape.hidden);
    return this.updateFirstValues;
  }

  /** ΔV of the last step (zeros before the first step). */
  secondLayerUpdate(): Float32Array {
    this.requireAlive();
    this.updateSecondValues ??= this.updateSecond
      ? (this.updateSecond.dataSync() as Float32Array)
      : new Float32Array(this.shape.modulus * this.shape.hidden);
    return this.updateSecondValues;
  }

  /** dL/dWᵀ of the last step() (autodiff, no weight decay): a copy read back by step(). */
  firstLayerGradient(): Float32Array {
    this.requireAlive();
    if (!this.options.keepFirstLayerGradient) throw new Error('TfjsEngine.firstLayerGradient() needs an engine created with keepFirstLayerGradient');
    if (!this.lastStepFirstGradient) throw new Error('TfjsEngine.firstLayerGradient() needs a step() since the last evaluate()');
    return this.lastStepFirstGradient;
  }

  /** H of the last evaluate(), read back on first use. */
  trainHidden(): Float32Array {
    this.requireAlive();
    if (!this.hidden) throw new Error('TfjsEngine.trainHidden() needs an evaluate() first');
    this.hiddenValues ??= this.hidden.dataSync() as Float32Array;
    return this.hiddenValues;
  }

  /** O of the last evaluate() (a copy read back by evaluate()). */
  trainOutput(): Float32Array {
    return this.outputValues;
  }

  /** Disposes every tensor the engine owns. The engine is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const owned: Tensor[] = [this.firstWeights, this.secondWeights, this.trainTargets];
    for (const inputs of [this.trainInputs, this.testInputs]) {
      for (const tensor of [inputs.firstRows, inputs.secondRows, inputs.oneHot]) if (tensor) owned.push(tensor);
    }
    for (const moments of [this.firstMoments, this.secondMoments]) {
      if (moments.first) owned.push(moments.first);
      if (moments.second) owned.push(moments.second);
    }
    for (const tensor of [this.gradientFirst, this.gradientSecond, this.hidden, this.updateFirst, this.updateSecond]) {
      if (tensor) owned.push(tensor);
    }
    this.tf.dispose(owned);
  }

  private makeInputs(split: Split, form: TfjsFirstLayer): SplitInputs {
    const tf = this.tf;
    const M = this.shape.modulus;
    const inputs: SplitInputs = { size: split.size, labels: Int32Array.from(split.y) };
    if (split.size === 0) return inputs;
    if (form === 'gather') {
      inputs.firstRows = tf.tensor1d(Int32Array.from(split.a), 'int32');
      inputs.secondRows = tf.tensor1d(Int32Array.from(split.b, (b) => M + b), 'int32');
    } else {
      const oneHot = new Float32Array(split.size * 2 * M);
      for (let row = 0; row < split.size; row++) {
        oneHot[row * 2 * M + split.a[row]] = 1;
        oneHot[row * 2 * M + M + split.b[row]] = 1;
      }
      inputs.oneHot = tf.tensor2d(oneHot, [split.size, 2 * M], 'float32');
    }
    return inputs;
  }

  /** Z (n × K) = Wᵀ[a_i] + Wᵀ[M + b_i], as a gather or as X·Wᵀ. */
  private preactivation(firstWeights: Tensor, inputs: SplitInputs): Tensor {
    const tf = this.tf;
    if (inputs.oneHot) return tf.matMul(inputs.oneHot, firstWeights);
    if (!inputs.firstRows || !inputs.secondRows) throw new Error('split has no inputs');
    return tf.add(tf.gather(firstWeights, inputs.firstRows), tf.gather(firstWeights, inputs.secondRows));
  }

  private activate(preactivation: Tensor): Tensor {
    const tf = this.tf;
    switch (this.activation) {
      case 'square':
        return tf.square(preactivation);
      case 'relu':
        return tf.relu(preactivation);
      case 'silu':
        return tf.mul(preactivation, tf.sigmoid(preactivation));
      default: {
        const unknown: never = this.activation;
        throw new Error(`unknown activation ${String(unknown)}`);
      }
    }
  }

  /** The mean training loss as a tfjs scalar, for autodiff only (its value is not reported). */
  private lossTensor(outputs: Tensor): Scalar {
    const tf = this.tf;
    const n = this.trainInputs.size;
    switch (this.loss) {
      case 'mse': {
        const centred = tf.sub(outputs, tf.mean(outputs, 1, true));
        return tf.div(tf.sum<Scalar>(tf.square(tf.sub(centred, this.trainTargets))), n);
      }
      case 'crossEntropy':
        return tf.neg(tf.div(tf.sum<Scalar>(tf.mul(tf.logSoftmax(outputs), this.trainTargets)), n));
      default: {
        const unknown: never = this.loss;
        throw new Error(`unknown loss ${String(unknown)}`);
      }
    }
  }

  private testMetrics(): SplitMetrics {
    const M = this.shape.modulus;
    const size = this.testInputs.size;
    if (size === 0) return lossAndAccuracy(this.loss, new Float32Array(0), this.testInputs.labels, 0, M);
    const tf = this.tf;
    const output = tf.tidy(() =>
      tf.matMul(this.activate(this.preactivation(this.firstWeights, this.testInputs)), this.secondWeights, false, true),
    );
    const values = output.dataSync() as Float32Array;
    const metrics = lossAndAccuracy(this.loss, values, this.testInputs.labels, size, M);
    output.dispose();
    return metrics;
  }

  /**
   * The update rules of model.ts applyOptimizerStep in tfjs float32 ops. Returns new tensors (to be
   * kept by the caller's tidy); reads, never disposes, the current ones.
   */
  private optimizerUpdate(parameter: Tensor, gradient: Tensor, moments: OptimizerTensors): TensorUpdate {
    const tf = this.tf;
    const { name, lr, weightDecay, betas, eps, momentum } = this.options.config.optimizer;
    const t = this.stepCount;
    if (name === 'sgd') {
      const g = weightDecay !== 0 ? tf.add(gradient, tf.mul(parameter, weightDecay)) : gradient;
      // torch: the momentum buffer starts as a copy of the first gradient.
      const buffer = t === 1 || !moments.first ? tf.clone(g) : tf.add(tf.mul(moments.first, momentum), g);
      const next = tf.sub(parameter, tf.mul(buffer, lr));
      return { parameter: next, first: buffer, update: tf.sub(next, parameter) };
    }
    const [beta1, beta2] = betas;
    // adamw: torch multiplies θ by (1 − lr·wd) before the Adam update; adam adds wd·θ to g.
    const decayed = name === 'adamw' && weightDecay !== 0 ? tf.mul(parameter, 1 - lr * weightDecay) : parameter;
    const g = name === 'adam' && weightDecay !== 0 ? tf.add(gradient, tf.mul(parameter, weightDecay)) : gradient;
    const firstMoment = moments.first ? tf.add(tf.mul(moments.first, beta1), tf.mul(g, 1 - beta1)) : tf.mul(g, 1 - beta1);
    const gradientSquared = tf.square(g);
    const secondMoment = moments.second
      ? tf.add(tf.mul(moments.second, beta2), tf.mul(gradientSquared, 1 - beta2))
      : tf.mul(gradientSquared, 1 - beta2);
    const denominator = tf.add(tf.div(tf.sqrt(secondMoment), Math.sqrt(1 - beta2 ** t)), eps);
    const next = tf.sub(decayed, tf.mul(tf.div(firstMoment, denominator), lr / (1 - beta1 ** t)));
    return { parameter: next, first: firstMoment, second: secondMoment, update: tf.sub(next, parameter) };
  }

  private replaceMoments(moments: OptimizerTensors, next: TensorUpdate): void {
    if (moments.first) moments.first.dispose();
    if (moments.second) moments.second.dispose();
    moments.first = next.first;
    moments.second = next.second;
  }

  /** Disposes what the previous evaluate() kept (the gradients if no step() used them, and H). */
  private releaseEvaluation(): void {
    for (const tensor of [this.gradientFirst, this.gradientSecond, this.hidden]) if (tensor) tensor.dispose();
    this.gradientFirst = undefined;
    this.gradientSecond = undefined;
    this.hidden = undefined;
    this.hiddenValues = undefined;
  }

  private requireAlive(): void {
    if (this.disposed) throw new Error('TfjsEngine used after dispose()');
  }

  private requireFresh(caller: string): void {
    this.requireAlive();
    if (!this.gradientFirst || !this.gradientSecond) {
      throw new Error(`TfjsEngine.${caller} needs a fresh evaluate(): call evaluate() before each step()`);
    }
  }
}
