// The two production engines against each other, directly: the wasm kernels (hand-derived
// gradients, SIMD float32) and TensorFlow.js on its CPU backend (autodiff) from the same split
// and initial weights, for every activation × optimiser, over 20+ epochs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activation, LossName, OptimizerName, RunConfig } from '../../src/shared/config/types';
import { makeDataset } from '../../src/training/data';
import { createTfjsEngine } from '../../src/training/engines/tfjs';
import { createWasmEngine } from '../../src/training/engines/wasm';
import { initialParameters } from '../../src/training/parameters';

const EPOCHS = 22;

function makeConfig(activation: Activation, optimizer: OptimizerName, loss: LossName): RunConfig {
  return {
    task: { operation: 'add', modulus: 13, trainSize: 80 },
    model: { hidden: 36, activation },
    loss,
    // Rates large enough that accuracies change within the compared epochs.
    optimizer: { name: optimizer, lr: optimizer === 'sgd' ? 0.05 : 0.01, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9 },
    epochs: EPOCHS,
    diagnostics: {
      eigengap: { window: 20, detector: { lag: 25, threshold: 0.04, warmup: 100 }, lateStage: [200, 400] },
      repulsion: { checkpoints: [], pairs: 200 },
      spectralEdge: { enabled: false, window: 10 },
      li2: { enabled: false, checkpoints: [] },
    },
    engine: { name: 'wasm', threads: 1 },
  };
}

/**
 * Losses agree to 2e-5 relative: both are float32 computations of the same sums in different
 * orders (SIMD lanes against tfjs's loops), and 20 Adam steps amplify rounding differences.
 * Accuracy may differ by one sample in at most one row per split (an argmax between two outputs
 * closer than the engines' float32 disagreement could flip).
 */
async function compare(activation: Activation, optimizer: OptimizerName, loss: LossName = 'mse'): Promise<void> {
  const config = makeConfig(activation, optimizer, loss);
  const seed = 2;
  const options = {
    config,
    dataset: makeDataset('add', config.task.modulus, config.task.trainSize, seed),
    initial: initialParameters(config.task.modulus, config.model.hidden, seed),
  };
  const wasm = await createWasmEngine(options);
  const tfjs = await createTfjsEngine(options);
  try {
    const accuracyFlips = { train: 0, test: 0 };
    let accuracyMoved = false;
    let firstTestAccuracy: number | undefined;
    for (let epoch = 0; epoch <= EPOCHS; epoch++) {
      const fast = wasm.evaluate();
      const autodiff = tfjs.evaluate();
      for (const split of ['train', 'test'] as const) {
        const difference = Math.abs(fast[split].loss - autodiff[split].loss) / Math.abs(autodiff[split].loss);
        assert.ok(difference < 2e-5, `${activation}/${optimizer}/${loss} epoch ${epoch} ${split} loss ${fast[split].loss} vs ${autodiff[split].loss}`);
        const size = split === 'train' ? config.task.trainSize : config.task.modulus ** 2 - config.task.trainSize;
        const samples = Math.round(Math.abs(fast[split].accuracy - autodiff[split].accuracy) * size);
        if (samples > 0) accuracyFlips[split]++;
        assert.ok(samples <= 1, `${split} accuracy differs by ${samples} samples at epoch ${epoch}`);
      }
      firstTestAccuracy ??= fast.train.accuracy;
      if (fast.train.accuracy !== firstTestAccuracy) accuracyMoved = true;
      if (epoch < EPOCHS) {
        wasm.step();
        tfjs.step();
      }
    }
    assert.ok(accuracyFlips.train <= 1 && accuracyFlips.test <= 1, JSON.stringify(accuracyFlips));
    assert.ok(accuracyMoved, 'the compared epochs should change the training accuracy');
  } finally {
    wasm.dispose();
    tfjs.dispose();
  }
}

describe('wasm engine against the tfjs engine (CPU backend)', () => {
  for (const activation of ['square', 'relu', 'silu'] as const) {
    for (const optimizer of ['adam', 'adamw', 'sgd'] as const) {
      it(`${activation} with ${optimizer}`, () => compare(activation, optimizer));
    }
  }
  it('cross-entropy (square, adam)', () => compare('square', 'adam', 'crossEntropy'));
});
