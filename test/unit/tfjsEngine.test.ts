// The TensorFlow.js engine (autodiff gradients, tfjs float32 ops) against the reference engine
// (hand-derived gradients, plain TypeScript) from the same initial weights and split: gradients,
// loss and accuracy trajectories for every activation × optimiser, and tensor bookkeeping. The
// contract every engine keeps (ΔW, inputs untouched, determinism, call order) is engineContract.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Activation, LossName, OptimizerName, MlpRunConfig } from '../../src/shared/config/types';
import type { Evaluation } from '../../src/training/engine';
import { makeDataset, type Dataset } from '../../src/training/data';
import { ReferenceEngine } from '../../src/training/engines/reference';
import { createTfjsEngine, loadTensorflow, type TfjsEngine, type TfjsFirstLayer } from '../../src/training/engines/tfjs';
import { initialParameters, type Parameters } from '../../src/training/parameters';
import { engineTestConfig } from './engineFixtures';

interface Problem {
  activation: Activation;
  optimizer: OptimizerName;
  loss?: LossName;
  modulus?: number;
  hidden?: number;
  trainSize?: number;
  seed?: number;
}

function makeConfig(problem: Problem): MlpRunConfig {
  // Learning rates large enough that 25 epochs move the model visibly (accuracies change).
  const lr = problem.optimizer === 'sgd' ? 0.05 : 0.01;
  const config = engineTestConfig({
    modulus: problem.modulus ?? 11,
    hidden: problem.hidden ?? 32,
    trainSize: problem.trainSize ?? 60,
    activation: problem.activation,
    loss: problem.loss ?? 'mse',
    optimizer: { name: problem.optimizer, lr, weightDecay: 0.01 },
    epochs: 25,
  });
  return { ...config, engine: { name: 'tfjs', threads: 1 } };
}

function setUp(problem: Problem): { config: MlpRunConfig; dataset: Dataset; initial: Parameters } {
  const config = makeConfig(problem);
  const seed = problem.seed ?? 1;
  return {
    config,
    dataset: makeDataset('add', config.task.modulus, config.task.trainSize, seed),
    initial: initialParameters(config.task.modulus, config.model.hidden, seed),
  };
}

function relativeDifference(x: number, y: number): number {
  return Math.abs(x - y) / Math.max(Math.abs(y), 1e-30);
}

const EPOCHS = 25;

/**
 * Runs both engines for EPOCHS steps and compares rows 0…EPOCHS. Losses: relative 1e-5 (both are
 * float32 computations of the same numbers in a different order; the largest difference observed
 * over these configurations is 4e-7, so the bound leaves a 25× margin for other platforms or
 * tfjs-node). Accuracy: equal, except that at most one row per split may differ by one sample — an
 * argmax between two outputs closer than their float32 disagreement (~1e-7 relative) could flip;
 * none did in the observed runs.
 */
async function compareTrajectories(problem: Problem, firstLayer?: TfjsFirstLayer): Promise<void> {
  const options = setUp(problem);
  const reference = new ReferenceEngine(options);
  const tfjs = await createTfjsEngine({ ...options, firstLayer });
  try {
    const rows: Array<[Evaluation, Evaluation]> = [];
    for (let epoch = 0; epoch <= EPOCHS; epoch++) {
      rows.push([reference.evaluate(), tfjs.evaluate()]);
      if (epoch < EPOCHS) {
        reference.step();
        tfjs.step();
      }
    }
    const label = `${problem.activation}/${problem.optimizer}/${problem.loss ?? 'mse'}/${tfjs.firstLayerForm}`;
    for (const split of ['train', 'test'] as const) {
      const size = split === 'train' ? options.dataset.train.size : options.dataset.test.size;
      let accuracyMismatches = 0;
      rows.forEach(([expected, actual], epoch) => {
        const difference = relativeDifference(actual[split].loss, expected[split].loss);
        assert.ok(difference < 1e-5, `${label} epoch ${epoch} ${split} loss: tfjs ${actual[split].loss} vs reference ${expected[split].loss}`);
        const samples = Math.round(Math.abs(actual[split].accuracy - expected[split].accuracy) * size);
        if (samples > 0) accuracyMismatches++;
        assert.ok(samples <= 1, `${label} epoch ${epoch} ${split} accuracy differs by ${samples} samples`);
      });
      assert.ok(accuracyMismatches <= 1, `${label} ${split} accuracy differs in ${accuracyMismatches} rows`);
    }
    // The comparison is not vacuous: training moved the loss.
    const [first] = rows[0];
    const [last] = rows[EPOCHS];
    assert.ok(relativeDifference(last.train.loss, first.train.loss) > 0.05, `${label}: training moves the train loss`);
  } finally {
    tfjs.dispose();
  }
}

describe('tfjs engine', () => {
  before(async () => {
    await loadTensorflow();
  });

  it('runs on a backend it names', async () => {
    const { backend } = await loadTensorflow();
    const engine = await createTfjsEngine(setUp({ activation: 'square', optimizer: 'adam' }));
    try {
      assert.equal(engine.name, 'tfjs');
      assert.equal(engine.backend, backend);
      assert.ok(backend === 'cpu' || backend === 'tfjs-node');
      assert.equal(engine.firstLayerForm, backend === 'cpu' ? 'oneHot' : 'gather');
    } finally {
      engine.dispose();
    }
  });

  for (const firstLayer of ['gather', 'oneHot'] as const) {
    for (const loss of ['mse', 'crossEntropy'] as const) {
      it(`autodiff gradients equal the hand-derived reference gradients (${firstLayer}, ${loss}, every activation)`, async () => {
        for (const activation of ['square', 'relu', 'silu'] as const) {
          const options = setUp({ activation, optimizer: 'adam', loss, seed: 4 });
          // Larger second-layer weights: outputs and gradients well away from zero.
          for (let q = 0; q < options.initial.secondLayer.length; q++) options.initial.secondLayer[q] *= 4;
          const reference = new ReferenceEngine(options);
          const tfjs = await createTfjsEngine({ ...options, firstLayer });
          try {
            reference.evaluate();
            tfjs.evaluate();
            const expected = reference.gradients();
            const actual = tfjs.gradients();
            for (const key of ['firstLayer', 'secondLayer'] as const) {
              let squaredError = 0;
              let squaredNorm = 0;
              for (let q = 0; q < expected[key].length; q++) {
                squaredError += (actual[key][q] - expected[key][q]) ** 2;
                squaredNorm += expected[key][q] ** 2;
              }
              assert.ok(squaredNorm > 0);
              const relative = Math.sqrt(squaredError / squaredNorm);
              assert.ok(relative < 1e-5, `${activation} ${key}: relative gradient difference ${relative}`);
            }
          } finally {
            tfjs.dispose();
          }
        }
      });
    }
  }

  for (const activation of ['square', 'relu', 'silu'] as const) {
    for (const optimizer of ['adam', 'adamw', 'sgd'] as const) {
      it(`follows the reference trajectory for ${EPOCHS} epochs (${activation}, ${optimizer}, weight decay 0.01)`, async () => {
        await compareTrajectories({ activation, optimizer });
      });
    }
  }

  it(`follows the reference trajectory with cross-entropy (silu, adamw)`, async () => {
    await compareTrajectories({ activation: 'silu', optimizer: 'adamw', loss: 'crossEntropy' });
  });

  it('follows the reference trajectory with the gather first layer (square, adam)', async () => {
    await compareTrajectories({ activation: 'square', optimizer: 'adam' }, 'gather');
  });

  it('one-hot matMul and gather first layers give bit-identical forward passes', async () => {
    const options = setUp({ activation: 'relu', optimizer: 'adam' });
    const viaGather = await createTfjsEngine({ ...options, firstLayer: 'gather' });
    const viaOneHot = await createTfjsEngine({ ...options, firstLayer: 'oneHot' });
    try {
      assert.deepStrictEqual(viaOneHot.evaluate(), viaGather.evaluate());
      assert.deepStrictEqual(viaOneHot.trainHidden(), viaGather.trainHidden());
      assert.deepStrictEqual(viaOneHot.trainOutput(), viaGather.trainOutput());
    } finally {
      viaGather.dispose();
      viaOneHot.dispose();
    }
  });

  describe('tensor bookkeeping', () => {
    let engine: TfjsEngine | undefined;
    after(() => engine?.dispose());

    it('keeps the tensor count constant across epochs and releases everything on dispose()', async () => {
      const { tf } = await loadTensorflow();
      const baseline = tf.memory().numTensors;
      engine = await createTfjsEngine(setUp({ activation: 'silu', optimizer: 'adam', loss: 'crossEntropy' }));
      const counts: number[] = [];
      for (let epoch = 0; epoch < 6; epoch++) {
        engine.evaluate();
        engine.trainHidden();
        engine.step();
        engine.firstLayerUpdate();
        counts.push(tf.memory().numTensors);
      }
      // Epoch 1 creates the optimiser state and the first update; from then on nothing accumulates.
      assert.deepEqual(counts.slice(1), counts.slice(1).map(() => counts[1]), `tensor counts per epoch: ${counts.join(', ')}`);
      engine.dispose();
      engine = undefined;
      assert.equal(tf.memory().numTensors, baseline);
    });
  });
});
