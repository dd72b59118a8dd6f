// The wasm engine (src/kernels/epoch.ts through src/training/engines/wasm.ts) against the plain
// TypeScript reference engine, from the same initial weights and split: per-epoch losses and
// accuracies, the updates ΔWᵀ and ΔV, the cached H and O, for every activation × optimiser, both
// SIMD builds and both thread counts; the two-thread engine's shutdown. The contract every engine
// keeps (ΔW, inputs untouched, determinism, call order) is test/unit/engineContract.test.ts.
//
// Sizes are small and deliberately awkward: M = 7 and 13 (not multiples of 8), K = 10 and 36 (not
// multiples of 16, so the padded layouts and the unpadded copies are exercised), odd n_train, a
// test split not a multiple of 4; K = 32 once for the unpadded direct views; n_train = 301 and
// K = 84 once for the 256-row blocks of the dV product and the 4-panel groups of the optimiser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Activation, LossName, OptimizerName, MlpRunConfig } from '../../src/shared/config/types';
import type { Dataset } from '../../src/training/data';
import type { Evaluation } from '../../src/training/engine';
import { ReferenceEngine } from '../../src/training/engines/reference';
import { createWasmEngine, type WasmEngine } from '../../src/training/engines/wasm';
import type { Parameters } from '../../src/training/parameters';
import type { SimdChoice } from '../../src/training/wasmKernels';
import { engineTestConfig, engineTestOptions, type EngineProblem } from './engineFixtures';

interface Problem {
  activation: Activation;
  optimizer: OptimizerName;
  loss?: LossName;
  modulus?: number;
  hidden?: number;
  trainSize?: number;
  threads?: 1 | 2;
  seed?: number;
}

function engineProblem(problem: Problem): EngineProblem {
  // Learning rates large enough that 24 epochs move the model visibly (accuracies change).
  const lr = problem.optimizer === 'sgd' ? 0.05 : 0.01;
  return {
    modulus: problem.modulus ?? 13,
    hidden: problem.hidden ?? 36,
    trainSize: problem.trainSize ?? 67,
    activation: problem.activation,
    loss: problem.loss ?? 'mse',
    optimizer: { name: problem.optimizer, lr, weightDecay: 0.01 },
    epochs: EPOCHS,
    threads: problem.threads,
  };
}

function makeConfig(problem: Problem): MlpRunConfig {
  return engineTestConfig(engineProblem(problem));
}

function setUp(problem: Problem): { config: MlpRunConfig; dataset: Dataset; initial: Parameters } {
  return engineTestOptions(engineProblem(problem), problem.seed ?? 3);
}

const EPOCHS = 24;

/**
 * Loss tolerance, relative: both engines compute the same float32 numbers, the reference with
 * float64 sums rounded once, the kernels with float32 sums in SIMD lanes (and fused multiply-add in
 * the relaxed build). Each product then differs by a few float32 ulps (~1e-7 relative), and after
 * 24 steps the trajectories differ by the same order: the largest difference observed over these
 * configurations is 4e-7, so 1e-5 leaves a 25× margin.
 */
const LOSS_TOLERANCE = 1e-5;
/**
 * Update tolerance, relative to the largest |Δ| of the reference step. Adam divides by √v, so an
 * element whose gradient is tiny gets an O(lr) update that is sensitive to the ulp differences of
 * its gradient, and the trajectories drift apart by ~1e-7 per step. Largest differences observed
 * over these configurations and 24 steps: 4e-5 elementwise, 5e-6 in Frobenius norm. Bounds: 2e-3
 * elementwise, 1e-4 in norm (20× or more).
 */
const UPDATE_ELEMENT_TOLERANCE = 2e-3;
const UPDATE_NORM_TOLERANCE = 1e-4;
/**
 * Parameters, H and O (after up to 24 steps): observed at most 4.4e-6 elementwise (relative to the
 * largest entry) and 7e-7 in norm; bounds 5e-5 and 1e-5.
 */
const STATE_ELEMENT_TOLERANCE = 5e-5;
const STATE_NORM_TOLERANCE = 1e-5;

function relativeDifference(x: number, y: number): number {
  return Math.abs(x - y) / Math.max(Math.abs(y), 1e-30);
}

/** Largest |a − b| relative to max |b|, and ‖a − b‖ / ‖b‖. */
function arrayDifferences(actual: Float32Array, expected: Float32Array): { element: number; norm: number } {
  assert.equal(actual.length, expected.length, 'array lengths');
  let largestDifference = 0;
  let largestValue = 0;
  let differenceSquares = 0;
  let valueSquares = 0;
  for (let index = 0; index < expected.length; index++) {
    const difference = Math.abs(actual[index] - expected[index]);
    largestDifference = Math.max(largestDifference, difference);
    largestValue = Math.max(largestValue, Math.abs(expected[index]));
    differenceSquares += difference * difference;
    valueSquares += expected[index] * expected[index];
  }
  return {
    element: largestValue > 0 ? largestDifference / largestValue : largestDifference,
    norm: valueSquares > 0 ? Math.sqrt(differenceSquares / valueSquares) : Math.sqrt(differenceSquares),
  };
}

function assertClose(label: string, actual: Float32Array, expected: Float32Array, elementTolerance: number, normTolerance: number): void {
  const { element, norm } = arrayDifferences(actual, expected);
  assert.ok(element <= elementTolerance, `${label}: elementwise ${element.toExponential(2)} > ${elementTolerance}`);
  assert.ok(norm <= normTolerance, `${label}: norm ${norm.toExponential(2)} > ${normTolerance}`);
}

function assertEvaluationClose(label: string, actual: Evaluation, expected: Evaluation): void {
  for (const split of ['train', 'test'] as const) {
    const difference = relativeDifference(actual[split].loss, expected[split].loss);
    assert.ok(difference <= LOSS_TOLERANCE, `${label} ${split} loss ${actual[split].loss} vs ${expected[split].loss} (${difference.toExponential(2)})`);
    assert.equal(actual[split].accuracy, expected[split].accuracy, `${label} ${split} accuracy`);
  }
}

/**
 * Runs the reference and the wasm engine side by side for EPOCHS steps and compares rows 0…EPOCHS,
 * each step's ΔWᵀ and ΔV, the cached H and O at rows 0 and EPOCHS (H of row 1 also after its
 * step), and the final parameters.
 * Checks that training moved the train accuracy. Returns the (disposed) engine for its properties.
 */
async function compareWithReference(problem: Problem, simd: SimdChoice = 'auto'): Promise<WasmEngine> {
  const options = setUp(problem);
  const reference = new ReferenceEngine(options);
  const engine = await createWasmEngine(options, { simd });
  const label = `${problem.activation}/${problem.optimizer}/${problem.loss ?? 'mse'} ${engine.backend}`;
  let firstTrainAccuracy = 0;
  try {
    for (let epoch = 0; epoch <= EPOCHS; epoch++) {
      const expected = reference.evaluate();
      const actual = engine.evaluate();
      assertEvaluationClose(`${label} row ${epoch}`, actual, expected);
      if (epoch === 0) firstTrainAccuracy = expected.train.accuracy;
      if (epoch === 0 || epoch === EPOCHS) {
        assertClose(`${label} H row ${epoch}`, engine.trainHidden(), reference.trainHidden(), STATE_ELEMENT_TOLERANCE, STATE_NORM_TOLERANCE);
        assertClose(`${label} O row ${epoch}`, engine.trainOutput(), reference.trainOutput(), STATE_ELEMENT_TOLERANCE, STATE_NORM_TOLERANCE);
      }
      if (epoch === EPOCHS) {
        assert.notEqual(expected.train.accuracy, firstTrainAccuracy, `${label}: training should change the train accuracy`);
        break;
      }
      reference.step();
      engine.step();
      if (epoch === 1) {
        // H of row 1 asked for after the step (the engine recomputes it from its Wᵀ snapshot).
        assertClose(`${label} H row 1 after step`, engine.trainHidden(), reference.trainHidden(), STATE_ELEMENT_TOLERANCE, STATE_NORM_TOLERANCE);
      }
      assertClose(`${label} ΔWᵀ step ${epoch + 1}`, engine.firstLayerUpdate(), reference.firstLayerUpdate(), UPDATE_ELEMENT_TOLERANCE, UPDATE_NORM_TOLERANCE);
      assertClose(`${label} ΔV step ${epoch + 1}`, engine.secondLayerUpdate(), reference.secondLayerUpdate(), UPDATE_ELEMENT_TOLERANCE, UPDATE_NORM_TOLERANCE);
    }
    assertClose(`${label} Wᵀ`, engine.firstLayerTransposed(), reference.firstLayerTransposed(), STATE_ELEMENT_TOLERANCE, STATE_NORM_TOLERANCE);
    assertClose(`${label} V`, engine.secondLayer(), reference.secondLayer(), STATE_ELEMENT_TOLERANCE, STATE_NORM_TOLERANCE);
  } finally {
    engine.dispose();
  }
  return engine;
}

const ACTIVATIONS: Activation[] = ['square', 'relu', 'silu'];
const OPTIMIZERS: OptimizerName[] = ['adam', 'adamw', 'sgd'];

describe('wasm engine against the reference engine (1 thread)', () => {
  for (const simd of ['relaxed', 'plain'] as const) {
    for (const activation of ACTIVATIONS) {
      for (const optimizer of OPTIMIZERS) {
        it(`${activation} × ${optimizer}, ${simd} SIMD, M = 13, K = 36`, async () => {
          const engine = await compareWithReference({ activation, optimizer }, simd);
          assert.equal(engine.simd, simd);
          assert.equal(engine.threads, 1);
        });
      }
    }
  }

  it('cross-entropy, M = 7, K = 10, odd n_train', async () => {
    await compareWithReference({ activation: 'relu', optimizer: 'adam', loss: 'crossEntropy', modulus: 7, hidden: 10, trainSize: 19 });
  });

  it('more than 256 training rows and more than 4 K-panels (the blocks of dV and of the optimiser), M = 23, K = 84', async () => {
    await compareWithReference({ activation: 'square', optimizer: 'adam', modulus: 23, hidden: 84, trainSize: 301 });
    await compareWithReference({ activation: 'relu', optimizer: 'sgd', modulus: 23, hidden: 84, trainSize: 301 }, 'plain');
  });

  it('MSE at M = 7, K = 10 and at M = 11, K = 32 (unpadded views)', async () => {
    await compareWithReference({ activation: 'square', optimizer: 'adamw', modulus: 7, hidden: 10, trainSize: 21 });
    await compareWithReference({ activation: 'silu', optimizer: 'adam', modulus: 11, hidden: 32, trainSize: 50 });
  });
});

describe('wasm engine with two threads', () => {
  it('matches the reference for each activation (relaxed and plain builds)', async () => {
    await compareWithReference({ activation: 'square', optimizer: 'adam', threads: 2 });
    await compareWithReference({ activation: 'relu', optimizer: 'sgd', threads: 2 }, 'plain');
    await compareWithReference({ activation: 'silu', optimizer: 'adamw', loss: 'crossEntropy', threads: 2 });
  });

  it('gives bit-identical results to one thread (each element is computed by the same code)', async () => {
    for (const simd of ['relaxed', 'plain'] as const) {
      const one = await createWasmEngine(setUp({ activation: 'relu', optimizer: 'adam', hidden: 100, trainSize: 91 }), { simd });
      const two = await createWasmEngine(setUp({ activation: 'relu', optimizer: 'adam', hidden: 100, trainSize: 91, threads: 2 }), { simd });
      try {
        assert.equal(two.threads, 2);
        for (let epoch = 0; epoch < 12; epoch++) {
          assert.deepEqual(two.evaluate(), one.evaluate(), `row ${epoch}`);
          one.step();
          two.step();
          assert.deepEqual(two.firstLayerUpdate(), one.firstLayerUpdate(), `ΔWᵀ step ${epoch + 1}`);
          assert.deepEqual(two.secondLayerUpdate(), one.secondLayerUpdate(), `ΔV step ${epoch + 1}`);
        }
        assert.deepEqual(two.trainHidden(), one.trainHidden());
      } finally {
        one.dispose();
        two.dispose();
      }
    }
  });

  it('lets the process exit after dispose(), and without it (the thread is unref’d)', () => {
    const engineModule = path.resolve(__dirname, '../../src/training/engines/wasm.ts');
    const parametersModule = path.resolve(__dirname, '../../src/training/parameters.ts');
    const dataModule = path.resolve(__dirname, '../../src/training/data.ts');
    for (const dispose of [true, false]) {
      const program = [
        `const { createWasmEngine } = require(${JSON.stringify(engineModule)});`,
        `const { initialParameters } = require(${JSON.stringify(parametersModule)});`,
        `const { makeDataset } = require(${JSON.stringify(dataModule)});`,
        `const config = ${JSON.stringify(makeConfig({ activation: 'square', optimizer: 'adam', threads: 2 }))};`,
        'createWasmEngine({ config, dataset: makeDataset("add", 13, 67, 1), initial: initialParameters(13, 36, 1) }).then((engine) => {',
        '  engine.evaluate(); engine.step(); engine.evaluate();',
        `  ${dispose ? 'engine.dispose();' : ''}`,
        '  console.log(engine.backend);',
        '});',
      ].join('\n');
      const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', program], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(child.error, undefined, `child did not exit in time (dispose: ${dispose})`);
      assert.equal(child.status, 0, child.stderr);
      assert.match(child.stdout, /2-threads/);
    }
  });
});

describe('wasm engine specifics (the shared contract is engineContract.test.ts)', () => {
  it('rejects a thread count other than 1 or 2', async () => {
    const options = setUp({ activation: 'square', optimizer: 'adam' });
    const config = { ...options.config, engine: { name: 'wasm' as const, threads: 3 as unknown as 1 } };
    await assert.rejects(createWasmEngine({ ...options, config }), /1 or 2 threads/);
  });
});
