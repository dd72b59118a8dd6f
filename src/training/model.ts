/**
 * Pure math of the two-layer network (docs/science.md §2–4), shared by the engines for their small
 * element-wise parts: activations and their derivatives, the two losses with their output
 * gradient, and the optimiser updates (torch semantics) on Float32Array.
 *
 * Precision convention: storage is float32; each element is computed in float64 (JS numbers) from
 * float32 inputs and rounded once when it is stored. Loss sums are float64.
 */
import type { Activation, LossName, OptimizerConfig } from '../shared/config/types';
import type { EngineOptions, SplitMetrics } from './engine';

/** Logistic function s(z) = 1 / (1 + e^{−z}). */
function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** σ(z) for one pre-activation: square z², relu max(z, 0), silu z·s(z) (docs/science.md §2). */
export function activationValue(activation: Activation, z: number): number {
  switch (activation) {
    case 'square':
      return z * z;
    case 'relu':
      return z > 0 ? z : 0;
    case 'silu':
      return z * logistic(z);
    default: {
      const unknown: never = activation;
      throw new Error(`unknown activation ${String(unknown)}`);
    }
  }
}

/** σ'(z): square 2z, relu 1[z > 0] (0 at z = 0, as torch), silu s(z)(1 + z(1 − s(z))). */
export function activationDerivative(activation: Activation, z: number): number {
  switch (activation) {
    case 'square':
      return 2 * z;
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'silu': {
      const s = logistic(z);
      return s * (1 + z * (1 - s));
    }
    default: {
      const unknown: never = activation;
      throw new Error(`unknown activation ${String(unknown)}`);
    }
  }
}

/**
 * hidden[q] = σ(preactivation[q]) for every q < preactivation.length. Mutates `hidden` only;
 * `hidden` may be the same array as `preactivation` (in-place activation).
 */
export function applyActivation(activation: Activation, preactivation: Float32Array, hidden: Float32Array): void {
  const length = preactivation.length;
  switch (activation) {
    case 'square':
      for (let q = 0; q < length; q++) {
        const z = preactivation[q];
        hidden[q] = z * z;
      }
      return;
    case 'relu':
      for (let q = 0; q < length; q++) {
        const z = preactivation[q];
        hidden[q] = z > 0 ? z : 0;
      }
      return;
    case 'silu':
      for (let q = 0; q < length; q++) hidden[q] = activationValue('silu', preactivation[q]);
      return;
    default: {
      const unknown: never = activation;
      throw new Error(`unknown activation ${String(unknown)}`);
    }
  }
}

/**
 * Back-propagation through σ: gradient[q] ← gradient[q] · σ'(preactivation[q]), turning dL/dH
 * into dL/dZ in place. Mutates `gradient` only.
 */
export function multiplyByActivationDerivative(activation: Activation, preactivation: Float32Array, gradient: Float32Array): void {
  const length = preactivation.length;
  switch (activation) {
    case 'square':
      for (let q = 0; q < length; q++) gradient[q] = gradient[q] * (2 * preactivation[q]);
      return;
    case 'relu':
      for (let q = 0; q < length; q++) if (!(preactivation[q] > 0)) gradient[q] = 0;
      return;
    case 'silu':
      for (let q = 0; q < length; q++) gradient[q] = gradient[q] * activationDerivative('silu', preactivation[q]);
      return;
    default: {
      const unknown: never = activation;
      throw new Error(`unknown activation ${String(unknown)}`);
    }
  }
}

/**
 * Loss and accuracy of one split from its outputs O (rows × classes, row-major), and optionally
 * the output gradient dL/dO of the mean loss over these rows (docs/science.md §3):
 *  - `mse` (class-centred, as coded by Tian, arXiv 2509.21519, and Xu, arXiv 2605.08119):
 *    R = (O − mean_c O) − (onehot(y) − 1/M); loss = (1/n) Σ_i Σ_c R² (no ½); dL/dO = (2/n) R.
 *    (The exact gradient is (2/n)(R − mean_c R); mean_c R = 0 because both terms are centred.)
 *  - `crossEntropy`: loss = −(1/n) Σ_i log softmax(O_i)_{y_i} (log-sum-exp with the row maximum
 *    subtracted); dL/dO = (softmax(O) − onehot(y)) / n.
 * The loss is summed in float64. Accuracy is the share of rows whose first maximal output is the
 * label. Mutates `outputGradient` (rows × classes) when it is given; nothing else.
 */
export function lossAndAccuracy(
  loss: LossName,
  output: Float32Array,
  labels: Int32Array,
  rows: number,
  classes: number,
  outputGradient?: Float32Array,
): SplitMetrics {
  if (output.length < rows * classes || labels.length < rows) throw new Error('lossAndAccuracy: output or labels too short');
  let lossSum = 0;
  let correct = 0;
  const gradientScale = rows > 0 ? 1 / rows : 0;
  for (let row = 0; row < rows; row++) {
    const offset = row * classes;
    const label = labels[row];
    let best = output[offset];
    let bestClass = 0;
    let outputSum = 0;
    for (let c = 0; c < classes; c++) {
      const value = output[offset + c];
      if (value > best) {
        best = value;
        bestClass = c;
      }
      outputSum += value;
    }
    if (bestClass === label) correct++;
    if (loss === 'mse') {
      const outputMean = outputSum / classes;
      const targetOffset = 1 / classes;
      for (let c = 0; c < classes; c++) {
        const residual = output[offset + c] - outputMean - ((c === label ? 1 : 0) - targetOffset);
        lossSum += residual * residual;
        if (outputGradient) outputGradient[offset + c] = 2 * gradientScale * residual;
      }
    } else if (loss === 'crossEntropy') {
      let exponentialSum = 0;
      for (let c = 0; c < classes; c++) exponentialSum += Math.exp(output[offset + c] - best);
      const logSumExp = best + Math.log(exponentialSum);
      lossSum += logSumExp - output[offset + label];
      if (outputGradient) {
        for (let c = 0; c < classes; c++) {
          const probability = Math.exp(output[offset + c] - logSumExp);
          outputGradient[offset + c] = gradientScale * (probability - (c === label ? 1 : 0));
        }
      }
    } else {
      const unknown: never = loss;
      throw new Error(`unknown loss ${String(unknown)}`);
    }
  }
  return { loss: rows > 0 ? lossSum / rows : Number.NaN, accuracy: rows > 0 ? correct / rows : Number.NaN };
}

/**
 * Optimiser state of one parameter tensor: `first` is Adam's first moment m or SGD's momentum
 * buffer; `second` is Adam's second moment v (length 0 for SGD). Both start at zero.
 */
export interface OptimizerMoments {
  first: Float32Array;
  second: Float32Array;
}

/** Zeroed optimiser state for a parameter tensor of `size` elements. */
export function createOptimizerMoments(config: OptimizerConfig, size: number): OptimizerMoments {
  return { first: new Float32Array(size), second: new Float32Array(config.name === 'sgd' ? 0 : size) };
}

/**
 * One optimiser step on one parameter tensor θ with gradient g, torch semantics (docs/science.md §4),
 * `step` = t ≥ 1 (the number of this step, shared by all tensors of the model):
 *  - adam (torch.optim.Adam, coupled L2): g ← g + wd·θ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 *    θ ← θ − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε);
 *  - adamw (torch.optim.AdamW, decoupled): θ ← θ(1 − lr·wd), then the adam update without wd;
 *  - sgd (torch.optim.SGD, dampening 0, coupled L2): g ← g + wd·θ; buf ← μ·buf + g (buf = g at
 *    t = 1); θ ← θ − lr·buf.
 * Each element is computed in float64 from the float32 inputs; θ, m, v and buf are rounded to
 * float32 when stored. Mutates `parameter`, `moments`, and `update` (if given) which receives the
 * float32 difference θ_after − θ_before.
 */
export function applyOptimizerStep(
  config: OptimizerConfig,
  step: number,
  parameter: Float32Array,
  gradient: Float32Array,
  moments: OptimizerMoments,
  update?: Float32Array,
): void {
  if (!(step >= 1)) throw new Error(`optimiser step counter must start at 1, got ${step}`);
  const length = parameter.length;
  if (gradient.length !== length || moments.first.length !== length) throw new Error('applyOptimizerStep: size mismatch');
  const { lr, weightDecay } = config;
  const first = moments.first;
  switch (config.name) {
    case 'adam':
    case 'adamw': {
      const second = moments.second;
      if (second.length !== length) throw new Error('applyOptimizerStep: Adam needs a second moment');
      const [beta1, beta2] = config.betas;
      const stepSize = lr / (1 - beta1 ** step);
      const secondCorrectionRoot = Math.sqrt(1 - beta2 ** step);
      const coupledDecay = config.name === 'adam' ? weightDecay : 0;
      const decoupledFactor = config.name === 'adamw' ? 1 - lr * weightDecay : 1;
      const eps = config.eps;
      for (let q = 0; q < length; q++) {
        const before = parameter[q];
        // AdamW: torch applies θ.mul_(1 − lr·wd) and stores it before the Adam update.
        const decayed = decoupledFactor === 1 ? before : Math.fround(before * decoupledFactor);
        const g = gradient[q] + coupledDecay * before;
        // Read back after each store: the stored (float32-rounded) value is what torch keeps.
        first[q] = beta1 * first[q] + (1 - beta1) * g;
        second[q] = beta2 * second[q] + (1 - beta2) * g * g;
        parameter[q] = decayed - (stepSize * first[q]) / (Math.sqrt(second[q]) / secondCorrectionRoot + eps);
        if (update) update[q] = parameter[q] - before;
      }
      return;
    }
    case 'sgd': {
      const momentum = config.momentum;
      for (let q = 0; q < length; q++) {
        const before = parameter[q];
        const g = gradient[q] + weightDecay * before;
        first[q] = step === 1 ? g : momentum * first[q] + g;
        parameter[q] = before - lr * first[q];
        if (update) update[q] = parameter[q] - before;
      }
      return;
    }
    default: {
      const unknown: never = config.name;
      throw new Error(`unknown optimiser ${String(unknown)}`);
    }
  }
}

/** Sizes of a problem, checked once by every engine's constructor. */
export interface ProblemShape {
  /** M: classes and operand range. */
  modulus: number;
  /** K: hidden width. */
  hidden: number;
  trainSize: number;
  testSize: number;
}

/**
 * Checks that the config, dataset and initial parameters describe the same problem (modulus,
 * hidden width, array lengths, operand and label ranges) and returns its shape. Throws a plain
 * sentence otherwise. Mutates nothing.
 */
export function checkEngineOptions(options: EngineOptions): ProblemShape {
  const { config, dataset, initial } = options;
  const modulus = dataset.modulus;
  const hidden = initial.hidden;
  if (initial.modulus !== modulus || config.task.modulus !== modulus) {
    throw new Error(`modulus mismatch: dataset ${modulus}, parameters ${initial.modulus}, config ${config.task.modulus}`);
  }
  if (config.model.hidden !== hidden) throw new Error(`hidden width mismatch: parameters ${hidden}, config ${config.model.hidden}`);
  if (initial.firstLayerTransposed.length !== 2 * modulus * hidden) throw new Error('first layer must be (2M × K)');
  if (initial.secondLayer.length !== modulus * hidden) throw new Error('second layer must be (M × K)');
  for (const split of [dataset.train, dataset.test]) {
    if (split.a.length !== split.size || split.b.length !== split.size || split.y.length !== split.size) {
      throw new Error('split arrays must have `size` elements');
    }
    for (let row = 0; row < split.size; row++) {
      const a = split.a[row];
      const b = split.b[row];
      const y = split.y[row];
      if (!(a >= 0 && a < modulus && b >= 0 && b < modulus && y >= 0 && y < modulus)) {
        throw new Error(`pair ${row} out of range for modulus ${modulus}`);
      }
    }
  }
  if (dataset.train.size === 0) throw new Error('the training split is empty');
  return { modulus, hidden, trainSize: dataset.train.size, testSize: dataset.test.size };
}
