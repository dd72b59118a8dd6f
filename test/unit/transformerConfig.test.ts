// The Transformer in experiment files (docs/science.md §12): its defaults, the keys of the other kind
// refused at their position, the checks that involve several keys, and its data split.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRunConfig } from '../../src/shared/config/defaults';
import { isTransformerConfig, lastRowOf, timeUnitOf } from '../../src/shared/config/modelKind';
import { transformerPairCount } from '../../src/shared/config/operands';
import { formatProblem, parseExperimentFile } from '../../src/shared/config/parse';
import type { TransformerRunConfig } from '../../src/shared/config/types';
import { isEpochRecord, recordRow } from '../../src/runs/runFolder';
import { label } from '../../src/training/data';
import { MinibatchSampler, transformerDataset } from '../../src/training/transformer/data';

const file = 'transformer.grok.yaml';

function transformerConfig(text: string): TransformerRunConfig {
  const result = parseExperimentFile(file, text);
  assert.deepEqual(result.problems.map(formatProblem), []);
  const { config } = result.experiments[0].conditions[0];
  assert.ok(isTransformerConfig(config));
  return config;
}

function problems(text: string): string[] {
  return parseExperimentFile(file, text).problems.map(formatProblem);
}

describe('a Transformer experiment', () => {
  it('takes the reference’s settings by default (docs/science.md §12.1–§12.3)', () => {
    const config = transformerConfig('experiments:\n  t:\n    model: { kind: transformer }\n');
    assert.deepEqual(config.model, { kind: 'transformer', width: 128, heads: 4, feedForward: 256, layers: 2 });
    // add over 0 … 96: 97² = 9409 pairs, int(0.5 · 9409) = 4704 for training.
    assert.deepEqual(config.task, { operations: ['add'], modulus: 97, trainSize: 4704 });
    assert.equal(config.loss, 'crossEntropy');
    assert.deepEqual([config.optimizer.name, config.optimizer.lr, config.optimizer.weightDecay, config.optimizer.betas, config.optimizer.eps], ['adamw', 1e-3, 1.0, [0.9, 0.98], 1e-8]);
    assert.deepEqual(config.training, {
      batchSize: 512,
      evalEvery: 100,
      gradientClip: 1,
      earlyStop: { enabled: true, accuracy: 0.98, evaluations: 3 },
      intervention: { mode: 'none', window: 20, rank: 3 },
    });
    assert.deepEqual([config.diagnostics.snapshotEvery, config.diagnostics.parameterGroup, config.diagnostics.eigengap.window, config.diagnostics.spectralEdge.window], [100, 'attention', 10, 10]);
    // None of the MLP's keys.
    for (const key of ['epochs']) assert.ok(!(key in config), key);
    for (const key of ['hidden', 'activation']) assert.ok(!(key in config.model), key);
    for (const key of ['repulsion', 'li2']) assert.ok(!(key in config.diagnostics), key);
    // The gradient-direction SED of §12.6: the MLP's keys with every in steps, and the Transformer's own two.
    assert.deepEqual(config.diagnostics.gradientSed, { ...defaultRunConfig().diagnostics.gradientSed, every: 200, checkpointEvery: 25, windowDirection: 'past' });
    assert.equal(timeUnitOf(config), 'step');
    assert.equal(lastRowOf(config), config.steps);
  });

  it('uses operands 1 … p−1 for multiplication and for every multitask model, and splits ⌊pairs / 2⌋', () => {
    assert.equal(transformerConfig('experiments:\n  t:\n    model: { kind: transformer }\n    task: { operation: multiply }\n').task.trainSize, 4608);
    const multitask = transformerConfig('experiments:\n  t:\n    model: { kind: transformer }\n    task: { operations: [add, multiply, squares] }\n');
    assert.deepEqual(multitask.task, { operations: ['add', 'multiply', 'squares'], modulus: 97, trainSize: 4608 });
    assert.equal(transformerConfig('experiments:\n  t:\n    model: { kind: transformer }\n    task: { trainFraction: 0.3, modulus: 11 }\n').task.trainSize, Math.floor(0.3 * 121));
    assert.equal(transformerPairCount(['subtract'], 13), 169);
    assert.equal(transformerPairCount(['add', 'subtract'], 13), 144);
  });

  it('refuses the other kind’s keys at their position, and impossible combinations, in plain words', () => {
    assert.deepEqual(problems('experiments:\n  t:\n    model: { kind: transformer, hidden: 64 }\n    epochs: 10\n'), [
      `${file}:3:41: "model.hidden" applies to model kind mlp only, and this condition's model.kind is transformer: remove it.`,
      `${file}:4:13: "epochs" applies to model kind mlp only, and this condition's model.kind is transformer: remove it.`,
    ]);
    assert.deepEqual(problems('experiments:\n  t:\n    steps: 10\n'), [
      `${file}:3:12: "steps" applies to model kind transformer only, and this condition's model.kind is mlp: remove it or set model.kind: transformer.`,
    ]);
    assert.deepEqual(problems('experiments:\n  t:\n    model: { kind: transformer, width: 24, heads: 5 }\n'), [
      `${file}:3:51: The Transformer's width 24 must be a multiple of heads 5 (each head gets width / heads).`,
    ]);
    assert.deepEqual(problems('experiments:\n  t:\n    model: { kind: transformer, width: 12, feedForward: 30, heads: 4 }\n'), [
      `${file}:3:40: The Transformer's width must be a multiple of 8 on the wasm engine, got 12.`,
      `${file}:3:57: The Transformer's feedForward must be a multiple of 8 on the wasm engine, got 30.`,
    ]);
    assert.deepEqual(problems('experiments:\n  t:\n    model: { kind: transformer }\n    task: { operations: [add, multiply] }\n    diagnostics: { gradientSed: { enabled: true } }\n'), [], 'a multitask gradient-SED runs on the wasm engine');
    assert.match(problems('experiments:\n  t:\n    model: { kind: transformer }\n    optimizer: { name: adam }\n')[0], /adamw/);
    assert.match(problems('experiments:\n  t:\n    model: { kind: transformer }\n    loss: mse\n')[0], /crossEntropy/);
    assert.match(problems('experiments:\n  t:\n    model: { kind: transformer }\n    diagnostics: { snapshotEvery: 150 }\n')[0], /multiple of "evalEvery" \(100\)/);
    assert.match(problems('experiments:\n  t:\n    model: { kind: transformer }\n    diagnostics: { eigengap: { detector: { lag: 250 } } }\n')[0], /multiple of "snapshotEvery"/);
    assert.match(problems('experiments:\n  t:\n    model: { kind: transformer }\n    diagnostics: { parameterGroup: layer3 }\n')[0], /layers 0 … 1/);
    assert.match(problems('experiments:\n  t:\n    model: { kind: transformer }\n    task: { operations: [add, add] }\n')[0], /twice/);
    assert.match(problems('experiments:\n  t:\n    model: { kind: transformer }\n    task: { operation: add, operations: [add] }\n')[0], /operation/);
  });

  it('takes the intervention and the SED keys, and refuses bad values at their position in plain words', () => {
    const head = 'experiments:\n  t:\n    model: { kind: transformer }\n';
    const config = transformerConfig(
      `${head}    training: { intervention: { mode: keepSed, window: 10, rank: 2 } }\n    diagnostics: { gradientSed: { enabled: true, every: 100, checkpointEvery: 20, windowDirection: forward } }\n`,
    );
    assert.deepEqual(config.training.intervention, { mode: 'keepSed', window: 10, rank: 2 });
    assert.deepEqual([config.diagnostics.gradientSed.every, config.diagnostics.gradientSed.checkpointEvery, config.diagnostics.gradientSed.windowDirection], [100, 20, 'forward']);
    assert.deepEqual(problems(`${head}    training: { intervention: { mode: project } }\n`), [
      `${file}:4:39: "mode" must be one of none, removeSed, keepSed, removeRandom, keepRandom, got "project".`,
    ]);
    assert.deepEqual(problems(`${head}    training: { intervention: { mode: keepSed, rank: 20 } }\n`), [
      `${file}:4:54: The intervention's "rank" (20) must be less than its "window" (20): a window of w gradients has at most w singular vectors.`,
    ]);
    assert.deepEqual(problems(`${head}    training: { intervention: { window: 1 } }\n`), [`${file}:4:41: "window" must be an integer ≥ 2, got 1.`]);
    assert.deepEqual(problems(`${head}    diagnostics: { gradientSed: { windowDirection: backward } }\n`), [
      `${file}:4:52: "windowDirection" must be one of past, forward, got "backward".`,
    ]);
    // Evaluations land on rows and at checkpoints; reported at the key the file gives.
    assert.deepEqual(problems(`${head}    diagnostics: { gradientSed: { enabled: true, every: 150 } }\n`), [
      `${file}:4:57: "every" (150) must be a multiple of "evalEvery" (100): the SED values of a step are recorded on its row.`,
    ]);
    assert.deepEqual(problems(`${head}    diagnostics: { gradientSed: { enabled: true, checkpointEvery: 30 } }\n`), [
      `${file}:4:67: "every" (200) must be a multiple of "checkpointEvery" (30): the SED is evaluated at a checkpoint.`,
    ]);
    // Disabled, the cadence is not checked (the block's other keys are).
    assert.deepEqual(problems(`${head}    diagnostics: { gradientSed: { checkpointEvery: 30 } }\n`), []);
    assert.match(problems(`${head}    diagnostics: { gradientSed: { vectors: 20 } }\n`)[0], /"vectors" \(20\) must be less than its "window" \(20\)/);
    // The MLP has neither the intervention (training is the Transformer's) nor the Transformer's SED keys.
    assert.deepEqual(problems('experiments:\n  t:\n    diagnostics: { gradientSed: { windowDirection: past } }\n'), [
      `${file}:3:52: "diagnostics.gradientSed.windowDirection" applies to model kind transformer only, and this condition's model.kind is mlp: remove it or set model.kind: transformer.`,
    ]);
    const grid = parseExperimentFile(file, `${head}    grid: { training.intervention.mode: [none, removeSed, keepSed, removeRandom, keepRandom] }\n`);
    assert.deepEqual(grid.problems, []);
    assert.deepEqual(grid.experiments[0].conditions.map((condition) => condition.name), ['mode-none', 'mode-removeSed', 'mode-keepSed', 'mode-removeRandom', 'mode-keepRandom']);
  });

  it('lets a condition switch the kind, and a grid vary the Transformer’s keys', () => {
    const result = parseExperimentFile(file, 'experiments:\n  t:\n    conditions: { mlp: {}, transformer: { model: { kind: transformer } } }\n');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.experiments[0].conditions.map((condition) => condition.config.model.kind), ['mlp', 'transformer']);
    const grid = parseExperimentFile(file, 'experiments:\n  t:\n    model: { kind: transformer }\n    grid: { optimizer.weightDecay: [1.0, 0], model.layers: [1, 2] }\n');
    assert.deepEqual(grid.problems, []);
    assert.equal(grid.experiments[0].conditions.length, 4);
  });
});

describe('the Transformer’s data', () => {
  it('splits every pair of the task once, labels each head, and is the same for the same seed', () => {
    const modulus = 11;
    const dataset = transformerDataset(['multiply', 'squaresAndProduct'], modulus, 50, 3);
    assert.equal(dataset.train.size + dataset.test.size, 100);
    const seen = new Set<number>();
    for (const split of [dataset.train, dataset.test]) {
      for (let row = 0; row < split.size; row++) {
        const [a, b] = [split.a[row], split.b[row]];
        assert.ok(a >= 1 && b >= 1 && a < modulus && b < modulus);
        seen.add(a * modulus + b);
        assert.equal(split.labels[0][row], (a * b) % modulus);
        assert.equal(split.labels[1][row], (a * a + a * b + b * b) % modulus);
      }
    }
    assert.equal(seen.size, 100);
    assert.deepEqual(transformerDataset(['multiply', 'squaresAndProduct'], modulus, 50, 3), dataset);
    assert.notDeepEqual(transformerDataset(['multiply', 'squaresAndProduct'], modulus, 50, 4).train.a, dataset.train.a);
    assert.equal(label('cubeAndProduct', 5, 7, 11), (125 + 35) % 11);
    assert.equal(label('squares', 5, 7, 11), (25 + 49) % 11);
  });

  it('draws minibatches with replacement from the training pairs, reproducibly', () => {
    const dataset = transformerDataset(['add'], 7, 20, 0);
    const draws = (seed: number) => {
      const sampler = new MinibatchSampler(dataset.train, 64, seed);
      return [0, 1, 2].map(() => Array.from(sampler.next().a));
    };
    const first = draws(1);
    assert.deepEqual(draws(1), first);
    assert.notDeepEqual(draws(2), first);
    const trainOperands = new Set(Array.from(dataset.train.a));
    assert.ok(first.flat().every((a) => trainOperands.has(a)));
    // 64 draws from 20 pairs repeat some (with replacement).
    const batch = new MinibatchSampler(dataset.train, 64, 1).next();
    const keys = new Set(Array.from({ length: batch.size }, (_, row) => `${batch.a[row]},${batch.b[row]}`));
    assert.ok(keys.size < 64);
  });
});

describe('a Transformer run’s records on disk', () => {
  it('are keyed by step and read back with the step as the row’s time', () => {
    const record = { epoch: 300, trainLoss: 1, trainAcc: 0.5, testLoss: 2, testAcc: 0.25, weightNorm: 3 };
    const row = recordRow(record, 'step');
    assert.deepEqual(Object.keys(row)[0], 'step');
    assert.ok(!('epoch' in row));
    const parsed: unknown = JSON.parse(JSON.stringify(row));
    assert.ok(isEpochRecord(parsed));
    assert.deepEqual(parsed, record);
    assert.deepEqual(recordRow(record, 'epoch'), record);
    assert.ok(!isEpochRecord(JSON.parse('{"step": -1, "trainLoss": 1}')));
  });
});
