// The contract of src/training/engine.ts, written once and run against every engine: the reference
// (plain TypeScript), wasm on one thread and on two, and tfjs. What each engine computes is checked
// against the reference or independent float64 definitions in its own file (referenceEngine,
// wasmEngine, tfjsEngine, engineAgreement, gradientSedEngines); here, what every engine promises:
// ΔW = W after − W before, the caller's arrays untouched, determinism, the cached forward pass,
// the order of calls, the kept gradient, dispose().
//
// Sizes are deliberately awkward for the kernels: M = 7 (not a multiple of 8), K = 12 (not a
// multiple of 16: the wasm engine's unpadded copies), n_train = 20.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activation, OptimizerName } from '../../src/shared/config/types';
import { makeDataset } from '../../src/training/data';
import type { EngineOptions, TrainingEngine } from '../../src/training/engine';
import { ReferenceEngine } from '../../src/training/engines/reference';
import { createTfjsEngine } from '../../src/training/engines/tfjs';
import { createWasmEngine } from '../../src/training/engines/wasm';
import { engineTestOptions } from './engineFixtures';

interface EngineUnderTest {
  label: string;
  /** The `name` it must report. */
  name: string;
  threads: 1 | 2;
  create(options: EngineOptions): Promise<TrainingEngine>;
}

const ENGINES: EngineUnderTest[] = [
  { label: 'reference', name: 'reference', threads: 1, create: async (options) => new ReferenceEngine(options) },
  { label: 'wasm, 1 thread', name: 'wasm', threads: 1, create: (options) => createWasmEngine(options) },
  { label: 'wasm, 2 threads', name: 'wasm', threads: 2, create: (options) => createWasmEngine(options) },
  { label: 'tfjs', name: 'tfjs', threads: 1, create: (options) => createTfjsEngine(options) },
];

const MODULUS = 7;
const HIDDEN = 12;
const TRAIN_SIZE = 20;

function optionsFor(engine: EngineUnderTest, problem: { activation?: Activation; optimizer?: OptimizerName; seed?: number; keepFirstLayerGradient?: boolean } = {}): EngineOptions {
  const optimizer = problem.optimizer ?? 'adamw';
  const options = engineTestOptions({
    modulus: MODULUS,
    hidden: HIDDEN,
    trainSize: TRAIN_SIZE,
    activation: problem.activation ?? 'relu',
    loss: 'mse',
    optimizer: { name: optimizer, lr: optimizer === 'sgd' ? 0.05 : 0.01, weightDecay: 0.01 },
    epochs: 5,
    threads: engine.threads,
  }, problem.seed ?? 3);
  return { ...options, keepFirstLayerGradient: problem.keepFirstLayerGradient };
}

/** Runs `body` on a fresh engine and disposes it whatever happens. */
async function withEngine<T>(engine: EngineUnderTest, options: EngineOptions, body: (created: TrainingEngine) => T | Promise<T>): Promise<T> {
  const created = await engine.create(options);
  try {
    return await body(created);
  } finally {
    created.dispose();
  }
}

for (const engine of ENGINES) {
  describe(`engine contract: ${engine.label}`, () => {
    it('names itself and its backend', () => withEngine(engine, optionsFor(engine), (created) => {
      assert.equal(created.name, engine.name);
      assert.equal(typeof created.backend, 'string');
      assert.ok(created.backend.length > 0);
      if (engine.name === 'wasm') assert.match(created.backend, engine.threads === 2 ? /2-threads$/ : /1-thread$/);
    }));

    it('exposes views of the documented shapes', () => withEngine(engine, optionsFor(engine), (created) => {
      created.evaluate();
      assert.equal(created.firstLayerTransposed().length, 2 * MODULUS * HIDDEN);
      assert.equal(created.secondLayer().length, MODULUS * HIDDEN);
      assert.equal(created.trainHidden().length, TRAIN_SIZE * HIDDEN);
      assert.equal(created.trainOutput().length, TRAIN_SIZE * MODULUS);
      created.step();
      assert.equal(created.firstLayerUpdate().length, 2 * MODULUS * HIDDEN);
      assert.equal(created.secondLayerUpdate().length, MODULUS * HIDDEN);
    }));

    it('reports ΔW = W after − W before and ΔV likewise (float32 differences), and most parameters move', () => withEngine(engine, optionsFor(engine), (created) => {
      for (let step = 1; step <= 3; step++) {
        created.evaluate();
        const firstBefore = created.firstLayerTransposed().slice();
        const secondBefore = created.secondLayer().slice();
        created.step();
        const layers = [
          ['ΔWᵀ', created.firstLayerTransposed(), firstBefore, created.firstLayerUpdate()],
          ['ΔV', created.secondLayer(), secondBefore, created.secondLayerUpdate()],
        ] as const;
        for (const [label, after, before, update] of layers) {
          let moved = 0;
          for (let q = 0; q < after.length; q++) {
            assert.equal(update[q], Math.fround(after[q] - before[q]), `${label}[${q}] of step ${step}`);
            if (update[q] !== 0) moved++;
          }
          assert.ok(moved > after.length / 2, `${label} of step ${step}: only ${moved} of ${after.length} entries moved`);
        }
      }
    }));

    it('never mutates the caller\'s initial parameters or dataset', async () => {
      const options = optionsFor(engine);
      const copies = {
        first: options.initial.firstLayerTransposed.slice(),
        second: options.initial.secondLayer.slice(),
        splits: [options.dataset.train, options.dataset.test].map((split) => [split.a.slice(), split.b.slice(), split.y.slice()]),
      };
      await withEngine(engine, options, (created) => {
        for (let step = 0; step < 3; step++) {
          created.evaluate();
          created.trainHidden();
          created.step();
        }
        assert.notDeepEqual(created.firstLayerTransposed(), copies.first, 'the engine trained');
      });
      assert.deepEqual(options.initial.firstLayerTransposed, copies.first);
      assert.deepEqual(options.initial.secondLayer, copies.second);
      assert.deepEqual([options.dataset.train, options.dataset.test].map((split) => [split.a, split.b, split.y]), copies.splits);
    });

    it('is deterministic: two engines from the same seed give bit-identical rows, updates and weights', async () => {
      const options = optionsFor(engine, { activation: 'silu', optimizer: 'adam', seed: 5 });
      const run = (): Promise<{ rows: unknown[]; updates: Float32Array[]; weights: Float32Array[] }> => withEngine(engine, options, (created) => {
        const rows: unknown[] = [];
        const updates: Float32Array[] = [];
        for (let step = 0; step < 5; step++) {
          rows.push(created.evaluate());
          created.step();
          updates.push(created.firstLayerUpdate().slice(), created.secondLayerUpdate().slice());
        }
        rows.push(created.evaluate());
        return { rows, updates, weights: [created.firstLayerTransposed().slice(), created.secondLayer().slice()] };
      });
      const first = await run();
      const second = await run();
      assert.deepStrictEqual(second, first);
      assert.notDeepStrictEqual(first.rows[0], first.rows[5], 'training changes the rows');
    });

    it('caches the training forward pass: trainOutput() = trainHidden() · Vᵀ, before and after step()', () => withEngine(engine, optionsFor(engine, { activation: 'square' }), (created) => {
      created.evaluate();
      const check = (when: string, V: Float32Array): void => {
        const H = created.trainHidden();
        const O = created.trainOutput();
        let largest = 0;
        for (let i = 0; i < TRAIN_SIZE; i++) {
          for (let c = 0; c < MODULUS; c++) {
            let sum = 0;
            let scale = 0;
            for (let k = 0; k < HIDDEN; k++) {
              sum += H[i * HIDDEN + k] * V[c * HIDDEN + k];
              scale += Math.abs(H[i * HIDDEN + k] * V[c * HIDDEN + k]);
            }
            // float32 storage and float32 sums in some engines: a few ulps of the terms' magnitude.
            assert.ok(Math.abs(O[i * MODULUS + c] - sum) <= 1e-6 * scale + 1e-12, `${when}: O[${i}][${c}] = ${O[i * MODULUS + c]}, H·Vᵀ = ${sum}`);
            largest = Math.max(largest, Math.abs(sum));
          }
        }
        assert.ok(largest > 0, `${when}: the outputs are not all zero`);
      };
      const V = created.secondLayer().slice();
      check('after evaluate()', V);
      created.step();
      // H and O still describe the evaluate() before the step (the V of that evaluate()).
      check('after step()', V);
    }));

    it('refuses step() without a fresh evaluate()', () => withEngine(engine, optionsFor(engine), (created) => {
      assert.throws(() => created.step(), /evaluate\(\)/);
      created.evaluate();
      created.step();
      assert.throws(() => created.step(), /evaluate\(\)/);
      created.evaluate();
      created.step();
    }));

    it('keeps the step\'s first-layer gradient only when asked, only until the next evaluate(), and keeping it changes nothing else', async () => {
      const kept = await engine.create(optionsFor(engine, { keepFirstLayerGradient: true }));
      const plain = await engine.create(optionsFor(engine, { keepFirstLayerGradient: false }));
      try {
        assert.throws(() => kept.firstLayerGradient(), /step\(\)/);
        for (let step = 1; step <= 3; step++) {
          assert.deepStrictEqual(kept.evaluate(), plain.evaluate(), `row ${step - 1}`);
          assert.throws(() => kept.firstLayerGradient(), /step\(\)/);
          kept.step();
          plain.step();
          const gradient = kept.firstLayerGradient();
          assert.equal(gradient.length, 2 * MODULUS * HIDDEN);
          assert.ok(gradient.some((value) => value !== 0), 'the gradient is not zero');
          assert.throws(() => plain.firstLayerGradient(), /keepFirstLayerGradient/);
          assert.deepStrictEqual(kept.firstLayerUpdate(), plain.firstLayerUpdate(), `ΔWᵀ of step ${step}`);
          assert.deepStrictEqual(kept.secondLayerUpdate(), plain.secondLayerUpdate(), `ΔV of step ${step}`);
        }
      } finally {
        kept.dispose();
        plain.dispose();
      }
    });

    it('rejects options that describe different problems', async () => {
      const options = optionsFor(engine);
      const wider = { ...options, config: { ...options.config, model: { ...options.config.model, hidden: HIDDEN + 1 } } };
      await assert.rejects(async () => (await engine.create(wider)).dispose(), /hidden/);
      await assert.rejects(async () => (await engine.create({ ...options, dataset: makeDataset('add', MODULUS - 1, TRAIN_SIZE, 1) })).dispose(), /modulus/);
    });

    it('refuses work after dispose(), and dispose() twice is harmless', async () => {
      const created = await engine.create(optionsFor(engine));
      created.evaluate();
      created.dispose();
      created.dispose();
      assert.throws(() => created.evaluate(), /dispose/);
      assert.throws(() => created.step(), /dispose/);
    });
  });
}
