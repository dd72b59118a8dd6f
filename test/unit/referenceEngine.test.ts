// The plain TypeScript reference engine against independent float64 computations written here:
// finite differences of a float64 forward pass for the hand-derived gradients, a literal float64
// transcription of the torch optimiser rules, known loss values. The contract every engine keeps
// (ΔW, inputs untouched, determinism, call order) is test/unit/engineContract.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activation, LossName, OptimizerName, MlpRunConfig } from '../../src/shared/config/types';
import { type Dataset, type Split } from '../../src/training/data';
import { ReferenceEngine, multiplyTransposed, transpose } from '../../src/training/engines/reference';
import type { Parameters } from '../../src/training/parameters';
import { engineTestOptions, type EngineProblem } from './engineFixtures';
import { RandomStream } from '../../src/training/random';

interface Problem {
  modulus: number;
  hidden: number;
  trainSize: number;
  activation: Activation;
  loss: LossName;
  optimizer?: Partial<MlpRunConfig['optimizer']> & { name: OptimizerName };
  seed?: number;
}

function engineProblem(problem: Problem): EngineProblem {
  return { ...problem, optimizer: problem.optimizer ?? { name: 'adam' }, epochs: 5 };
}

function setUp(problem: Problem): { config: MlpRunConfig; dataset: Dataset; initial: Parameters } {
  return engineTestOptions(engineProblem(problem), problem.seed ?? 3);
}

// ---- An independent float64 forward pass (no code shared with the engine) ----

function sigma64(activation: Activation, z: number): number {
  if (activation === 'square') return z * z;
  if (activation === 'relu') return Math.max(z, 0);
  return z / (1 + Math.exp(-z));
}

/** Mean loss and accuracy of the split, all in float64, straight from the definitions of docs/science.md §3. */
function forward64(
  firstLayerTransposed: Float64Array,
  secondLayer: Float64Array,
  split: Split,
  modulus: number,
  hidden: number,
  activation: Activation,
  loss: LossName,
): { loss: number; accuracy: number } {
  let total = 0;
  let correct = 0;
  for (let i = 0; i < split.size; i++) {
    const h = new Float64Array(hidden);
    for (let k = 0; k < hidden; k++) {
      const z = firstLayerTransposed[split.a[i] * hidden + k] + firstLayerTransposed[(modulus + split.b[i]) * hidden + k];
      h[k] = sigma64(activation, z);
    }
    const o = new Float64Array(modulus);
    for (let c = 0; c < modulus; c++) {
      let s = 0;
      for (let k = 0; k < hidden; k++) s += h[k] * secondLayer[c * hidden + k];
      o[c] = s;
    }
    let argmax = 0;
    for (let c = 1; c < modulus; c++) if (o[c] > o[argmax]) argmax = c;
    if (argmax === split.y[i]) correct++;
    if (loss === 'mse') {
      const mean = o.reduce((x, y) => x + y, 0) / modulus;
      for (let c = 0; c < modulus; c++) {
        const target = (c === split.y[i] ? 1 : 0) - 1 / modulus;
        total += (o[c] - mean - target) ** 2;
      }
    } else {
      const max = Math.max(...o);
      const logSumExp = max + Math.log(o.reduce((x, y) => x + Math.exp(y - max), 0));
      total += logSumExp - o[split.y[i]];
    }
  }
  return { loss: total / split.size, accuracy: correct / split.size };
}

const activations: Activation[] = ['square', 'relu', 'silu'];
const losses: LossName[] = ['mse', 'crossEntropy'];

describe('reference engine kernels', () => {
  it('multiplyTransposed equals a naive float64 triple loop (all remainder paths)', () => {
    const random = new RandomStream(11, 'test');
    for (const [rows, columns, inner] of [[9, 7, 5], [8, 8, 3], [1, 1, 1], [4, 6, 13], [3, 2, 0]]) {
      const left = Float32Array.from({ length: rows * inner }, () => random.nextSymmetric(1));
      const right = Float32Array.from({ length: columns * inner }, () => random.nextSymmetric(1));
      const product = new Float32Array(rows * columns).fill(Number.NaN);
      multiplyTransposed(left, right, product, rows, columns, inner);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < columns; j++) {
          let expected = 0;
          for (let p = 0; p < inner; p++) expected += left[i * inner + p] * right[j * inner + p];
          assert.equal(product[i * columns + j], Math.fround(expected), `entry (${i}, ${j}) of ${rows}×${columns}×${inner}`);
        }
      }
    }
  });

  it('transpose moves every entry', () => {
    const rows = 37;
    const columns = 70;
    const matrix = Float32Array.from({ length: rows * columns }, (_, q) => q);
    const transposed = new Float32Array(rows * columns);
    transpose(matrix, transposed, rows, columns);
    for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) assert.equal(transposed[j * rows + i], i * columns + j);
  });
});

describe('reference engine losses', () => {
  it('gives the known losses of a zero output layer: MSE 1 − 1/M, cross-entropy ln M, accuracy = share of label 0', () => {
    for (const loss of losses) {
      const { config, dataset, initial } = setUp({ modulus: 7, hidden: 6, trainSize: 20, activation: 'square', loss });
      initial.secondLayer.fill(0);
      const engine = new ReferenceEngine({ config, dataset, initial });
      const { train, test } = engine.evaluate();
      const expected = loss === 'mse' ? 1 - 1 / 7 : Math.log(7);
      assert.ok(Math.abs(train.loss - expected) < 1e-14 * expected, `${loss} train ${train.loss} vs ${expected}`);
      assert.ok(Math.abs(test.loss - expected) < 1e-14 * expected, `${loss} test ${test.loss} vs ${expected}`);
      // All outputs tie at 0: the first maximum is class 0.
      assert.equal(train.accuracy, dataset.train.y.filter((y) => y === 0).length / dataset.train.size);
      assert.equal(test.accuracy, dataset.test.y.filter((y) => y === 0).length / dataset.test.size);
    }
  });

  for (const activation of activations) {
    for (const loss of losses) {
      it(`matches an independent float64 forward pass (${activation}, ${loss})`, () => {
        const { config, dataset, initial } = setUp({ modulus: 7, hidden: 16, trainSize: 25, activation, loss });
        // Larger second-layer weights so that the outputs, and the argmax, are not all near zero.
        for (let q = 0; q < initial.secondLayer.length; q++) initial.secondLayer[q] *= 8;
        const engine = new ReferenceEngine({ config, dataset, initial });
        const result = engine.evaluate();
        const W = Float64Array.from(initial.firstLayerTransposed);
        const V = Float64Array.from(initial.secondLayer);
        for (const name of ['train', 'test'] as const) {
          const expected = forward64(W, V, dataset[name], 7, 16, activation, loss);
          const relative = Math.abs(result[name].loss - expected.loss) / expected.loss;
          assert.ok(relative < 1e-6, `${name} loss ${result[name].loss} vs float64 ${expected.loss}`);
          assert.equal(result[name].accuracy, expected.accuracy, `${name} accuracy`);
        }
      });
    }
  }
});

describe('reference engine gradients', () => {
  for (const activation of activations) {
    for (const loss of losses) {
      it(`equal central differences of the float64 loss (${activation}, ${loss})`, () => {
        const modulus = 5;
        const hidden = 8;
        const { config, dataset, initial } = setUp({ modulus, hidden, trainSize: 12, activation, loss, seed: 7 });
        for (let q = 0; q < initial.secondLayer.length; q++) initial.secondLayer[q] *= 4;
        const engine = new ReferenceEngine({ config, dataset, initial });
        engine.evaluate();
        const { firstLayer, secondLayer } = engine.gradients();
        const W = Float64Array.from(initial.firstLayerTransposed);
        const V = Float64Array.from(initial.secondLayer);
        const lossAt = (): number => forward64(W, V, dataset.train, modulus, hidden, activation, loss).loss;
        const step = 1e-5;
        const centralDifference = (parameters: Float64Array, index: number): number => {
          const saved = parameters[index];
          parameters[index] = saved + step;
          const plus = lossAt();
          parameters[index] = saved - step;
          const minus = lossAt();
          parameters[index] = saved;
          return (plus - minus) / (2 * step);
        };
        for (const [label, parameters, analytic] of [['Wᵀ', W, firstLayer], ['V', V, secondLayer]] as const) {
          const numeric = Array.from(parameters, (_, index) => centralDifference(parameters, index));
          const scale = Math.max(...numeric.map(Math.abs));
          assert.ok(scale > 1e-4, `${label}: gradient too small for a meaningful check (${scale})`);
          let squaredError = 0;
          let squaredNorm = 0;
          for (let q = 0; q < numeric.length; q++) {
            const error = analytic[q] - numeric[q];
            // float32 storage of Z, H, O and dL/dO limits agreement to ~1e-7 of the gradient's scale.
            assert.ok(Math.abs(error) <= 2e-5 * scale, `${label}[${q}]: analytic ${analytic[q]} vs numeric ${numeric[q]}`);
            squaredError += error * error;
            squaredNorm += numeric[q] * numeric[q];
          }
          assert.ok(Math.sqrt(squaredError / squaredNorm) < 1e-5, `${label}: relative error ${Math.sqrt(squaredError / squaredNorm)}`);
        }
      });
    }
  }
});

describe('reference engine optimisers', () => {
  // Literal float64 transcription of torch.optim.{Adam, AdamW, SGD}.step for one tensor (docs/science.md §4).
  interface State64 {
    first: Float64Array;
    second: Float64Array;
  }
  function literalStep(
    name: OptimizerName,
    hyper: { lr: number; weightDecay: number; beta1: number; beta2: number; eps: number; momentum: number },
    t: number,
    theta: Float64Array,
    gradient: Float64Array,
    state: State64,
  ): Float64Array {
    const next = new Float64Array(theta.length);
    for (let q = 0; q < theta.length; q++) {
      let p = theta[q];
      let g = gradient[q];
      if (name === 'sgd') {
        g = g + hyper.weightDecay * p;
        state.first[q] = t === 1 ? g : hyper.momentum * state.first[q] + g;
        next[q] = p - hyper.lr * state.first[q];
        continue;
      }
      if (name === 'adam') g = g + hyper.weightDecay * p;
      else p = p * (1 - hyper.lr * hyper.weightDecay);
      state.first[q] = hyper.beta1 * state.first[q] + (1 - hyper.beta1) * g;
      state.second[q] = hyper.beta2 * state.second[q] + (1 - hyper.beta2) * g * g;
      const mHat = state.first[q] / (1 - hyper.beta1 ** t);
      const vHat = state.second[q] / (1 - hyper.beta2 ** t);
      next[q] = p - (hyper.lr * mHat) / (Math.sqrt(vHat) + hyper.eps);
    }
    return next;
  }

  for (const name of ['adam', 'adamw', 'sgd'] as const) {
    it(`${name} follows the literal float64 update rule for 3 steps (weight decay 0.1)`, () => {
      // Large eps and small betas make eps placement and bias correction visible in the updates.
      const hyper = { lr: 0.01, weightDecay: 0.1, beta1: 0.8, beta2: 0.9, eps: 1e-3, momentum: 0.9 };
      const { config, dataset, initial } = setUp({
        modulus: 5, hidden: 8, trainSize: 12, activation: 'square', loss: 'mse',
        optimizer: { name, lr: hyper.lr, weightDecay: hyper.weightDecay, betas: [hyper.beta1, hyper.beta2], eps: hyper.eps, momentum: hyper.momentum },
      });
      const engine = new ReferenceEngine({ config, dataset, initial });
      const states = [0, 1].map((index) => {
        const size = index === 0 ? initial.firstLayerTransposed.length : initial.secondLayer.length;
        return { first: new Float64Array(size), second: new Float64Array(size) };
      });
      for (let t = 1; t <= 3; t++) {
        engine.evaluate();
        const gradients = engine.gradients();
        const before = [Float64Array.from(engine.firstLayerTransposed()), Float64Array.from(engine.secondLayer())];
        engine.step();
        const after = [engine.firstLayerTransposed(), engine.secondLayer()];
        const updates = [engine.firstLayerUpdate(), engine.secondLayerUpdate()];
        const gradientList = [gradients.firstLayer, gradients.secondLayer];
        for (let tensor = 0; tensor < 2; tensor++) {
          const expected = literalStep(name, hyper, t, before[tensor], Float64Array.from(gradientList[tensor]), states[tensor]);
          let largestUpdate = 0;
          for (let q = 0; q < expected.length; q++) {
            const expectedUpdate = expected[q] - before[tensor][q];
            largestUpdate = Math.max(largestUpdate, Math.abs(expectedUpdate));
            // Half an ulp for rounding θ (and AdamW's decayed θ) to float32, plus float32 moments.
            const tolerance = 2 ** -22 * Math.abs(before[tensor][q]) + 1e-5 * Math.abs(expectedUpdate) + 1e-12;
            assert.ok(
              Math.abs(updates[tensor][q] - expectedUpdate) <= tolerance,
              `step ${t} tensor ${tensor}[${q}]: update ${updates[tensor][q]} vs literal ${expectedUpdate}`,
            );
            assert.ok(Math.abs(after[tensor][q] - expected[q]) <= tolerance, `step ${t} tensor ${tensor}[${q}]: θ`);
          }
          assert.ok(largestUpdate > 1e-4, 'the updates are large enough to be checked');
        }
      }
    });
  }
});

describe('reference engine specifics (the shared contract is engineContract.test.ts)', () => {
  it('caches H = σ(Wᵀ[a] + Wᵀ[M + b]) computed in float64 and rounded once', () => {
    const { config, dataset, initial } = setUp({ modulus: 7, hidden: 12, trainSize: 20, activation: 'square', loss: 'mse' });
    const engine = new ReferenceEngine({ config, dataset, initial });
    engine.evaluate();
    const H = engine.trainHidden();
    const W = engine.firstLayerTransposed();
    for (let i = 0; i < 20; i++) {
      for (let k = 0; k < 12; k++) {
        const z = Math.fround(W[dataset.train.a[i] * 12 + k] + W[(7 + dataset.train.b[i]) * 12 + k]);
        assert.equal(H[i * 12 + k], Math.fround(z * z));
      }
    }
  });

  it('refuses gradients() without a fresh evaluate()', () => {
    const { config, dataset, initial } = setUp({ modulus: 5, hidden: 4, trainSize: 10, activation: 'square', loss: 'mse' });
    const engine = new ReferenceEngine({ config, dataset, initial });
    assert.throws(() => engine.gradients(), /fresh evaluate/);
    engine.evaluate();
    assert.equal(engine.gradients().firstLayer.length, 2 * 5 * 4);
    engine.step();
    assert.throws(() => engine.gradients(), /fresh evaluate/);
  });
});
