// The Transformer's update-SED and gradient-SED (docs/science.md §12.6; src/training/transformer/sed.ts)
// with answers known independently: the fixed batch and probes drawn from every pair; A(v) against a
// literal central difference of the reference's μ_x with only the attention weights shifted; R_k on a
// constructed window whose top direction is known, with the random baseline drawn again from the
// seed's stream; then the trainer: which rows get the fields in the past and forward window
// directions, per operation in a multitask model, and the intervention's record fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDefaults } from '../../src/shared/config/defaults';
import type { TransformerGradientSedConfig, TransformerRunConfig } from '../../src/shared/config/types';
import type { EpochRecord } from '../../src/shared/runFormat';
import { median } from '../../src/shared/statistics';
import { GradientSedTracker, randomUnitDirection } from '../../src/training/diagnostics/sedWindows';
import { RandomStream } from '../../src/training/random';
import { transformerDataset } from '../../src/training/transformer/data';
import { parameterGroup, parameterLayout, POSITIONS } from '../../src/training/transformer/model';
import { ReferenceTransformerEngine, transformerCorrectLogitInputGradients } from '../../src/training/transformer/reference';
import { drawAllPairs, TransformerDirectionSensitivity } from '../../src/training/transformer/sed';
import { trainTransformerSeed } from '../../src/training/transformer/trainer';
import { perturbedParameters, SMALL_SHAPE } from './transformerFixtures';

const optimizer = { lr: 1e-3, betas: [0.9, 0.98] as [number, number], eps: 1e-8, weightDecay: 1 };

describe('the Transformer’s SED pieces', () => {
  it('draws the fixed batch and the probes with replacement from all pairs, train and test, with every head’s label', () => {
    const dataset = transformerDataset(['add', 'multiply'], 7, 18, 0);
    const drawn = drawAllPairs(dataset, 400, 0, 'gradient-sed-probes');
    const testKeys = new Set(Array.from({ length: dataset.test.size }, (_, i) => `${dataset.test.a[i]},${dataset.test.b[i]}`));
    const keys = Array.from({ length: drawn.size }, (_, i) => `${drawn.a[i]},${drawn.b[i]}`);
    assert.ok(keys.some((key) => testKeys.has(key)) && keys.some((key) => !testKeys.has(key)), 'both splits are drawn');
    assert.ok(new Set(keys).size < drawn.size, 'with replacement');
    for (let i = 0; i < drawn.size; i++) {
      assert.equal(drawn.labels[0][i], (drawn.a[i] + drawn.b[i]) % 7);
      assert.equal(drawn.labels[1][i], (drawn.a[i] * drawn.b[i]) % 7);
    }
    assert.deepEqual(drawAllPairs(dataset, 400, 0, 'gradient-sed-probes'), drawn);
    assert.notDeepEqual(drawAllPairs(dataset, 400, 0, 'gradient-sed-probes-1').a, drawn.a);
  });

  it('A(v) is the mean over the probes of ‖(μ(θ + εv) − μ(θ − εv)) / 2ε‖², only the attention weights shifted, through the chosen head', () => {
    const layout = parameterLayout(SMALL_SHAPE);
    const parameters = perturbedParameters(layout, 6);
    const engine = new ReferenceTransformerEngine({ layout, initial: parameters, optimizer, maxBatch: 8 });
    const group = parameterGroup(layout, 'attention');
    const probes = drawAllPairs(transformerDataset(['add', 'multiply'], 7, 18, 0), 12, 1, 'probes');
    const direction = randomUnitDirection(new RandomStream(2, 'direction'), group.size);
    const epsilon = 0.01;
    for (const task of [0, 1]) {
      const probe = new TransformerDirectionSensitivity(engine, group, probes, task);
      probe.setParameters(parameters);
      // Literally: shift the attention slices of a float32 copy, take μ by the pure reference function.
      const shifted = (sign: number): Float64Array => {
        const copy = Float32Array.from(parameters);
        let position = 0;
        for (const slice of layout.slices.filter((candidate) => candidate.role === 'attentionWeight')) {
          for (let index = 0; index < slice.length; index++) copy[slice.offset + index] += sign * epsilon * direction[position++];
        }
        return transformerCorrectLogitInputGradients(layout, copy, probes, task);
      };
      const plus = shifted(1);
      const minus = shifted(-1);
      let expected = 0;
      for (let i = 0; i < probes.size; i++) {
        for (let j = 0; j < POSITIONS * SMALL_SHAPE.width; j++) expected += ((plus[i * 16 + j] - minus[i * 16 + j]) / (2 * epsilon)) ** 2;
      }
      expected /= probes.size;
      const actual = probe.sensitivity(direction, epsilon);
      assert.ok(expected > 0 && Math.abs(actual - expected) < 1e-12 * expected, `head ${task}: ${actual} vs ${expected}`);
      // Linear regime: A is the squared norm of a directional derivative, so A(2v) ≈ 4 A(v).
      const doubled = probe.sensitivity(direction.map((value) => 2 * value), epsilon / 2);
      assert.ok(Math.abs(doubled / actual - 4) < 1e-6, `A(2v)/A(v) = ${doubled / actual}`);
    }
    // The engine's own parameters are untouched.
    assert.deepEqual(engine.parameters(), parameters);
  });

  it('R₁ of a window whose top direction is a known v is A(v) over the median A of the seed’s random directions', () => {
    const layout = parameterLayout({ ...SMALL_SHAPE, tasks: 1 });
    const parameters = perturbedParameters(layout, 8);
    const engine = new ReferenceTransformerEngine({ layout, initial: parameters, optimizer, maxBatch: 8 });
    const group = parameterGroup(layout, 'attention');
    const probes = drawAllPairs(transformerDataset(['add'], 7, 24, 0), 10, 2, 'probes');
    const probe = new TransformerDirectionSensitivity(engine, group, probes, 0);
    probe.setParameters(parameters);
    const config: TransformerGradientSedConfig = { enabled: true, window: 4, vectors: 1, directions: 5, probes: 10, epsilonScale: 0.005, every: 1, checkpointEvery: 1, windowDirection: 'past' };
    const tracker = new GradientSedTracker({ config, length: group.size, seed: 3, directionsStream: 'gradient-sed-directions' });
    // Every gradient of the window is a multiple of v (plus nothing else): the top right singular vector is ±v.
    const v = randomUnitDirection(new RandomStream(4, 'known'), group.size);
    for (const scale of [1, -2, 3, 0.5]) tracker.push(Float32Array.from(v, (value) => scale * value), new Float32Array(group.size).fill(1e-3));
    const attention = Float32Array.from(group.ranges.flatMap(({ offset, length }) => Array.from(parameters.subarray(offset, offset + length))));
    const fields = tracker.evaluate(attention, probe);
    let squares = 0;
    for (const value of attention) squares += value * value;
    const epsilon = 0.005 * Math.sqrt(squares);
    const stream = new RandomStream(3, 'gradient-sed-directions');
    const baseline = median(Array.from({ length: 5 }, () => probe.sensitivity(randomUnitDirection(stream, group.size), epsilon)))!;
    const expected = probe.sensitivity(v, epsilon) / baseline;
    // v is rounded to float32 in the window; A of ±v is the same (A(−v) = A(v)).
    assert.ok(Math.abs(fields.gradientSedRatios![0] - expected) < 1e-4 * expected, `R₁ ${fields.gradientSedRatios![0]} vs ${expected}`);
    assert.equal(fields.randomSedSensitivityMedian, baseline);
  });
});

describe('the Transformer trainer with the SED and the intervention', () => {
  function tinyConfig(overrides: { operations?: TransformerRunConfig['task']['operations']; windowDirection?: 'past' | 'forward'; intervention?: TransformerRunConfig['training']['intervention']['mode'] } = {}): TransformerRunConfig {
    const config = withDefaults({
      model: { kind: 'transformer', width: 8, heads: 2, feedForward: 16, layers: 2 },
      task: { operations: overrides.operations ?? ['add'], modulus: 5 },
      steps: 40,
      training: { batchSize: 16, evalEvery: 5, earlyStop: { enabled: false }, intervention: { mode: overrides.intervention ?? 'none', window: 4, rank: 2 } },
      diagnostics: {
        snapshotEvery: 10,
        eigengap: { window: 3, detector: { lag: 20, warmup: 0 } },
        spectralEdge: { window: 3 },
        gradientSed: { enabled: true, window: 4, vectors: 2, directions: 3, probes: 8, every: 10, checkpointEvery: 5, windowDirection: overrides.windowDirection ?? 'past' },
      },
    });
    (config.engine as { name: string }).name = 'reference';
    return config;
  }

  async function train(config: TransformerRunConfig, seed = 0): Promise<EpochRecord[]> {
    const records: EpochRecord[] = [];
    await trainTransformerSeed({ config, condition: 'c', seed, onRecord: (record) => records.push(record), onEvent: () => undefined });
    return records;
  }

  it('past windows: the SED fields on the rows that are multiples of every, from the first with vectors checkpoints', async () => {
    const records = await train(tinyConfig());
    // Checkpoints every 5 steps push from step 5 on: at step 10 the windows hold 2 = vectors.
    assert.deepEqual(records.filter((record) => record.gradientSedRatios).map((record) => record.epoch), [10, 20, 30, 40]);
    for (const record of records.filter((candidate) => candidate.gradientSedRatios)) {
      assert.equal(record.gradientSedRatios!.length, 2);
      assert.equal(record.updateSedRatios!.length, 2);
      assert.ok(record.randomSedSensitivityMedian! > 0);
      assert.equal(record.gradientSedStep, undefined);
    }
    assert.ok(records.every((record) => record.interventionSteps === undefined), 'mode none records nothing');
  });

  it('forward windows: step t’s values on the row of step t + window · checkpointEvery, naming t; none past the end', async () => {
    const records = await train(tinyConfig({ windowDirection: 'forward' }));
    // window 4 × checkpointEvery 5 = 20 steps: t = 0, 10, 20 are complete at 20, 30, 40; t = 30 and 40 never.
    assert.deepEqual(
      records.filter((record) => record.gradientSedRatios).map((record) => [record.epoch, record.gradientSedStep]),
      [[20, 0], [30, 10], [40, 20]],
    );
    // Not the past windows of the row they land on: the model is step t's, and the gradient window is
    // shifted by one checkpoint.
    const past = await train(tinyConfig());
    assert.notDeepEqual(records.find((record) => record.epoch === 20)!.gradientSedRatios, past.find((record) => record.epoch === 20)!.gradientSedRatios);
  });

  it('multitask: each operation’s SED on its entry of operations, with its own gradient window and probes', async () => {
    const records = await train(tinyConfig({ operations: ['add', 'multiply'] }));
    const row = records.find((record) => record.epoch === 20)!;
    assert.equal(row.gradientSedRatios, undefined);
    const [add, multiply] = row.operations!;
    assert.equal(add.gradientSedRatios!.length, 2);
    assert.equal(multiply.gradientSedRatios!.length, 2);
    assert.notDeepEqual(add.gradientSedRatios, multiply.gradientSedRatios);
    assert.notDeepEqual(add.gradientSingularValues, multiply.gradientSingularValues);
  });

  it('records what the intervention did since the previous row, and changes the training', async () => {
    const plain = await train(tinyConfig());
    for (const mode of ['removeSed', 'keepRandom'] as const) {
      const records = await train(tinyConfig({ intervention: mode }));
      // window 4: steps 1–4 are not projected; step 5 is the first, then every step.
      assert.deepEqual(records.map((record) => record.interventionSteps), [undefined, 1, 5, 5, 5, 5, 5, 5, 5]);
      for (const record of records.slice(1)) {
        assert.ok(record.interventionShare! > 0 && record.interventionShare! <= 1 + 1e-9, `share ${record.interventionShare}`);
        assert.equal(record.interventionDirections, 2);
      }
      assert.equal(records[0].trainLoss, plain[0].trainLoss, 'the same initial model');
      assert.notEqual(records.at(-1)!.trainLoss, plain.at(-1)!.trainLoss);
      // The same seed gives the same run.
      const again = await train(tinyConfig({ intervention: mode }));
      const strip = (rows: EpochRecord[]) => rows.map(({ milliseconds: _milliseconds, ...rest }) => rest);
      assert.deepEqual(strip(again), strip(records));
    }
  });
});
