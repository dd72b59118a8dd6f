// The two production engines against each other, directly: the wasm kernels (hand-derived
// gradients, SIMD float32) and TensorFlow.js on its CPU backend (autodiff) from the same split
// and initial weights, for every activation × optimiser, over 20+ epochs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activation, LossName, OptimizerName } from '../../src/shared/config/types';
import { createTfjsEngine } from '../../src/training/engines/tfjs';
import { createWasmEngine } from '../../src/training/engines/wasm';
import { engineTestOptions } from './engineFixtures';

const EPOCHS = 22;


/**
 * Losses agree to 2e-5 relative: both are float32 computations of the same sums in different
 * orders (SIMD lanes against tfjs's loops), and 20 Adam steps amplify rounding differences.
 * Accuracy may differ by one sample in at most one row per split (an argmax between two outputs
 * closer than the engines' float32 disagreement could flip).
 */
async function compare(activation: Activation, optimizer: OptimizerName, loss: LossName = 'mse'): Promise<void> {
  // Rates large enough that accuracies change within the compared epochs.
  const options = engineTestOptions(
    { modulus: 13, hidden: 36, trainSize: 80, activation, loss, optimizer: { name: optimizer, lr: optimizer === 'sgd' ? 0.05 : 0.01, weightDecay: 0.01 }, epochs: EPOCHS },
    2,
  );
  const config = options.config;
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
