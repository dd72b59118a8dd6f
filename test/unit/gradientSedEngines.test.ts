// The first-layer loss gradient that the engines keep for the gradient-direction diagnostic
// (docs/science.md §8, `keepFirstLayerGradient` / `firstLayerGradient()`): the reference engine's
// against central differences of an independent float64 loss (weight decay excluded), the wasm
// (both SIMD builds, 1 and 2 threads, padded and unpadded K) and tfjs engines' against the
// reference step by step. That keeping it changes nothing else, and the misuse it refuses, are part
// of the engine contract (test/unit/engineContract.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activation, LossName, OptimizerName } from '../../src/shared/config/types';
import type { Split } from '../../src/training/data';
import type { EngineOptions, TrainingEngine } from '../../src/training/engine';
import { ReferenceEngine } from '../../src/training/engines/reference';
import { createTfjsEngine } from '../../src/training/engines/tfjs';
import { createWasmEngine } from '../../src/training/engines/wasm';
import type { SimdChoice } from '../../src/training/wasmKernels';
import { engineTestOptions } from './engineFixtures';
import { centralDifference } from './numericFixtures';

interface Problem {
  modulus: number;
  hidden: number;
  trainSize: number;
  activation: Activation;
  loss?: LossName;
  optimizer?: OptimizerName;
  threads?: 1 | 2;
}

/** Options with a large weight decay (0.1), so that a gradient that included η·W would be visibly wrong. */
function optionsOf(problem: Problem, keepFirstLayerGradient: boolean): EngineOptions {
  const optimizer = problem.optimizer ?? 'adam';
  const options = engineTestOptions(
    {
      modulus: problem.modulus,
      hidden: problem.hidden,
      trainSize: problem.trainSize,
      activation: problem.activation,
      loss: problem.loss ?? 'mse',
      optimizer: { name: optimizer, lr: optimizer === 'sgd' ? 0.05 : 0.01, weightDecay: 0.1 },
      epochs: 10,
      threads: problem.threads,
    },
    5,
  );
  return { ...options, keepFirstLayerGradient };
}

// ---- An independent float64 loss (docs/science.md §3), no code shared with the engines ----

function sigma64(activation: Activation, z: number): number {
  if (activation === 'square') return z * z;
  if (activation === 'relu') return Math.max(z, 0);
  return z / (1 + Math.exp(-z));
}

function loss64(W: Float64Array, V: Float64Array, split: Split, modulus: number, hidden: number, activation: Activation, loss: LossName): number {
  let total = 0;
  for (let i = 0; i < split.size; i++) {
    const output = new Float64Array(modulus);
    for (let k = 0; k < hidden; k++) {
      const h = sigma64(activation, W[split.a[i] * hidden + k] + W[(modulus + split.b[i]) * hidden + k]);
      for (let c = 0; c < modulus; c++) output[c] += h * V[c * hidden + k];
    }
    if (loss === 'mse') {
      const mean = output.reduce((sum, value) => sum + value, 0) / modulus;
      for (let c = 0; c < modulus; c++) total += (output[c] - mean - ((c === split.y[i] ? 1 : 0) - 1 / modulus)) ** 2;
    } else {
      const max = Math.max(...output);
      total += max + Math.log(output.reduce((sum, value) => sum + Math.exp(value - max), 0)) - output[split.y[i]];
    }
  }
  return total / split.size;
}

/** Largest |a − b| relative to max |b|, and ‖a − b‖ / ‖b‖. */
function differences(actual: Float32Array, expected: Float32Array): { element: number; norm: number } {
  assert.equal(actual.length, expected.length);
  let largest = 0;
  let scale = 0;
  let differenceSquares = 0;
  let squares = 0;
  for (let index = 0; index < expected.length; index++) {
    const difference = Math.abs(actual[index] - expected[index]);
    largest = Math.max(largest, difference);
    scale = Math.max(scale, Math.abs(expected[index]));
    differenceSquares += difference * difference;
    squares += expected[index] * expected[index];
  }
  return { element: largest / scale, norm: Math.sqrt(differenceSquares / squares) };
}

/**
 * Gradient agreement with the reference, per step: both compute the same float32 numbers, the
 * kernels with float32 sums in SIMD lanes, and the trajectories drift apart by rounding over the
 * steps. Largest differences observed over these configurations and 8 steps: 1.5e-5 elementwise
 * (relative to the largest entry), 2.2e-6 in norm; bounds 2e-4 and 2e-5.
 */
const GRADIENT_ELEMENT_TOLERANCE = 2e-4;
const GRADIENT_NORM_TOLERANCE = 2e-5;
const STEPS = 8;

/** Steps the engine and the reference side by side and compares firstLayerGradient() after each step. */
async function compareWithReference(label: string, problem: Problem, create: (options: EngineOptions) => Promise<TrainingEngine>): Promise<void> {
  const options = optionsOf(problem, true);
  const reference = new ReferenceEngine(options);
  const engine = await create(options);
  try {
    for (let step = 1; step <= STEPS; step++) {
      reference.evaluate();
      engine.evaluate();
      reference.step();
      engine.step();
      const { element, norm } = differences(engine.firstLayerGradient(), reference.firstLayerGradient());
      assert.ok(element <= GRADIENT_ELEMENT_TOLERANCE, `${label} step ${step}: elementwise ${element.toExponential(2)}`);
      assert.ok(norm <= GRADIENT_NORM_TOLERANCE, `${label} step ${step}: norm ${norm.toExponential(2)}`);
    }
  } finally {
    engine.dispose();
  }
}

const ACTIVATIONS: Activation[] = ['square', 'relu', 'silu'];

describe('first-layer loss gradient of the reference engine', () => {
  for (const activation of ACTIVATIONS) {
    for (const loss of ['mse', 'crossEntropy'] as const) {
      it(`equals central differences of the float64 loss without weight decay, at step 3 (${activation}, ${loss})`, () => {
        const problem: Problem = { modulus: 5, hidden: 8, trainSize: 12, activation, loss };
        const options = optionsOf(problem, true);
        const { modulus, hidden } = { modulus: 5, hidden: 8 };
        const engine = new ReferenceEngine(options);
        for (let step = 0; step < 2; step++) {
          engine.evaluate();
          engine.step();
        }
        // The parameters at which step 3 takes its gradient.
        const W = Float64Array.from(engine.firstLayerTransposed());
        const V = Float64Array.from(engine.secondLayer());
        engine.evaluate();
        engine.step();
        const analytic = engine.firstLayerGradient();
        const lossAt = (): number => loss64(W, V, options.dataset.train, modulus, hidden, activation, loss);
        const numeric = Array.from(W, (_, index) => centralDifference(W, index, 1e-5, lossAt));
        const scale = Math.max(...numeric.map(Math.abs));
        assert.ok(scale > 1e-4, `gradient too small for a meaningful check (${scale})`);
        let decayDistance = 0;
        for (let index = 0; index < numeric.length; index++) {
          // float32 storage of Z, H, O and dL/dO limits agreement to ~1e-7 of the gradient's scale.
          assert.ok(Math.abs(analytic[index] - numeric[index]) <= 2e-5 * scale, `[${index}]: ${analytic[index]} vs ${numeric[index]}`);
          decayDistance = Math.max(decayDistance, Math.abs(0.1 * W[index]));
        }
        // The weight-decay term η·W (η = 0.1) would have been far outside that tolerance.
        assert.ok(decayDistance > 100 * 2e-5 * scale, `decay term ${decayDistance} vs tolerance ${2e-5 * scale}`);
      });
    }
  }

  it('is the gradient of the evaluate() before the step (the same as gradients() then)', () => {
    const options = optionsOf({ modulus: 7, hidden: 10, trainSize: 20, activation: 'silu' }, true);
    const engine = new ReferenceEngine(options);
    engine.evaluate();
    const before = engine.gradients().firstLayer;
    engine.step();
    assert.deepEqual(engine.firstLayerGradient(), before);
  });
});

describe('first-layer loss gradient of the wasm engine against the reference', () => {
  for (const activation of ACTIVATIONS) {
    for (const simd of ['relaxed', 'plain'] as SimdChoice[]) {
      it(`${activation}, ${simd} SIMD, M = 13, K = 36 (padded), 1 thread`, () =>
        compareWithReference(`${activation}/${simd}`, { modulus: 13, hidden: 36, trainSize: 67, activation }, (options) => createWasmEngine(options, { simd })));
    }
    it(`${activation}, M = 11, K = 32 (unpadded), 2 threads`, () =>
      compareWithReference(`${activation}/2 threads`, { modulus: 11, hidden: 32, trainSize: 67, activation, threads: 2 }, (options) => createWasmEngine(options)));
  }
  it('more than 4 K-panels and 256 training rows, cross-entropy, SGD (M = 23, K = 84)', () =>
    compareWithReference('square/sgd/ce', { modulus: 23, hidden: 84, trainSize: 301, activation: 'square', loss: 'crossEntropy', optimizer: 'sgd' }, (options) => createWasmEngine(options)));
});

describe('first-layer loss gradient of the tfjs engine (autodiff) against the reference', () => {
  for (const activation of ACTIVATIONS) {
    it(`${activation}, M = 13, K = 36`, () =>
      compareWithReference(`tfjs ${activation}`, { modulus: 13, hidden: 36, trainSize: 67, activation }, (options) => createTfjsEngine(options)));
  }
});
