// The committed studies in examples/: every file parses without problems, says in its header what it
// reproduces and how to run it, and expands to the intended (condition, seed) jobs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatProblem, parseExperimentFile } from '../../src/shared/config/parse';
import type { ResolvedExperiment } from '../../src/shared/config/types';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

const examples = path.resolve(__dirname, '..', '..', 'examples');
const range = (count: number) => Array.from({ length: count }, (_, index) => index);

/** Each example's one experiment: its name, its number of (condition, seed) jobs and its seeds. */
const expected: Record<string, { experiment: string; jobs: number; seeds: number[] }> = {
  'lockin.grok.yaml': { experiment: 'lockin-square', jobs: 30, seeds: range(15) },
  'quickstart.grok.yaml': { experiment: 'quickstart', jobs: 2, seeds: [0] },
  'relu.grok.yaml': { experiment: 'lockin-relu', jobs: 30, seeds: range(15) },
  // 2 conditions (grok, control) × 4 windows × 3 seeds: the control is included (see the file).
  'window-sweep.grok.yaml': { experiment: 'window-sweep', jobs: 24, seeds: range(3) },
  'weight-decay-sweep.grok.yaml': { experiment: 'weight-decay-sweep', jobs: 25, seeds: range(5) },
  // 3 moduli × 4 train fractions × 5 seeds (the authors' seeds, see the file).
  'modulus-sweep.grok.yaml': { experiment: 'modulus-sweep', jobs: 180, seeds: range(15) },
  // Transformer (docs/science.md §12): 4 operations × 2 weight decays × the reference's 3 seeds.
  'transformer-grokking.grok.yaml': { experiment: 'transformer-grokking', jobs: 24, seeds: [42, 137, 2024] },
  'transformer-tritask.grok.yaml': { experiment: 'transformer-tritask', jobs: 6, seeds: [42, 137, 2024] },
  // The five intervention modes × the reference's 3 seeds.
  'transformer-intervention.grok.yaml': { experiment: 'transformer-intervention', jobs: 15, seeds: [42, 137, 2024] },
  // Update-SED vs gradient-SED: add and multiply × the reference's 3 seeds.
  'transformer-sed.grok.yaml': { experiment: 'transformer-sed', jobs: 6, seeds: [42, 137, 2024] },
};

function load(name: string): { text: string; experiment: ResolvedExperiment } {
  const text = fs.readFileSync(path.join(examples, name), 'utf8');
  const result = parseExperimentFile(`examples/${name}`, text);
  assert.deepEqual(result.problems, [], result.problems.map(formatProblem).join('\n'));
  assert.equal(result.experiments.length, 1);
  return { text, experiment: result.experiments[0] };
}

describe('examples/*.grok.yaml', () => {
  const files = fs.readdirSync(examples).filter((name) => name.endsWith('.grok.yaml')).sort();

  it('are exactly the studies listed here', () => {
    assert.deepEqual(files, Object.keys(expected).sort());
  });

  for (const name of files) {
    it(`${name} parses without problems into its jobs, with a header saying what it is and how to run it`, () => {
      const { text, experiment } = load(name);
      const want = expected[name];
      assert.equal(experiment.name, want.experiment);
      assert.deepEqual(experiment.seeds, want.seeds);
      assert.equal(experiment.conditions.length * experiment.seeds.length, want.jobs);
      const header = text.slice(0, text.indexOf('\nexperiments:'));
      assert.ok(header.split('\n').every((line) => line.startsWith('#')), 'the file starts with a comment block');
      assert.match(header, /arXiv \d{4}\.\d{5}/, 'the header names the paper it reproduces');
      assert.ok(header.includes(`Run it with:  grokking-lab run examples/${name}`), 'the header says how to run it');
    });
  }

  it('relu.grok.yaml is the x² study with ReLU and 800 epochs', () => {
    const relu = load('relu.grok.yaml').experiment;
    const lockin = load('lockin.grok.yaml').experiment;
    assert.deepEqual(
      relu.conditions.map((condition) => [condition.name, condition.config.optimizer.weightDecay, mlpConfigOf(condition.config).model.activation, mlpConfigOf(condition.config).epochs]),
      [
        ['grok', 2e-4, 'relu', 800],
        ['control', 0, 'relu', 800],
      ],
    );
    // Apart from the activation, the length and what follows from the length, the same study.
    const [reluGrok] = relu.conditions;
    const [squareGrok] = lockin.conditions;
    assert.deepEqual(
      { ...reluGrok.config, model: mlpConfigOf(squareGrok.config).model, epochs: mlpConfigOf(squareGrok.config).epochs, diagnostics: mlpConfigOf(squareGrok.config).diagnostics },
      squareGrok.config,
    );
    assert.deepEqual(mlpConfigOf(reluGrok.config).diagnostics.repulsion.checkpoints, [50, 100, 175, 250, 300, 400, 600, 800]);
    assert.deepEqual(reluGrok.config.diagnostics.eigengap.lateStage, [400, 800]);
    assert.deepEqual(reluGrok.config.diagnostics.eigengap.detector, squareGrok.config.diagnostics.eigengap.detector);
  });

  it('window-sweep.grok.yaml varies only the eigengap window, for the grokking and the control condition', () => {
    const sweep = load('window-sweep.grok.yaml').experiment;
    const [reference] = load('lockin.grok.yaml').experiment.conditions;
    assert.deepEqual(sweep.grid, [{ path: 'diagnostics.eigengap.window', label: 'window', values: [5, 10, 20, 30] }]);
    for (const condition of sweep.conditions) {
      const window = condition.config.diagnostics.eigengap.window;
      const weightDecay = condition.baseCondition === 'grok' ? 2e-4 : 0;
      assert.equal(condition.name, `${condition.baseCondition}_window-${window}`);
      assert.deepEqual(condition.config, {
        ...reference.config,
        optimizer: { ...reference.config.optimizer, weightDecay },
        diagnostics: { ...mlpConfigOf(reference.config).diagnostics, eigengap: { ...reference.config.diagnostics.eigengap, window } },
      });
    }
    // At w = 20 the grok condition is the reference study's grok condition.
    assert.equal(sweep.conditions.find((condition) => condition.name === 'grok_window-20')?.configHash, reference.configHash);
  });

  it('weight-decay-sweep.grok.yaml runs the five weight decays for 600 epochs', () => {
    const sweep = load('weight-decay-sweep.grok.yaml').experiment;
    assert.deepEqual(
      sweep.conditions.map((condition) => [condition.name, condition.config.optimizer.weightDecay, mlpConfigOf(condition.config).epochs]),
      [
        ['weightDecay-1e-5', 1e-5, 600],
        ['weightDecay-5e-5', 5e-5, 600],
        ['weightDecay-1e-4', 1e-4, 600],
        ['weightDecay-2e-4', 2e-4, 600],
        ['weightDecay-5e-4', 5e-4, 600],
      ],
    );
  });

  it('modulus-sweep.grok.yaml crosses three moduli with four train fractions', () => {
    const sweep = load('modulus-sweep.grok.yaml').experiment;
    const cells = sweep.conditions.map((condition) => [condition.config.task.modulus, condition.gridPoint?.['task.trainFraction'], condition.config.task.trainSize, mlpConfigOf(condition.config).epochs]);
    const fractions = [0.1, 0.2, 0.3, 0.5];
    const epochs: Record<number, number> = { 41: 400, 71: 600, 127: 1000 };
    assert.deepEqual(
      cells,
      [41, 71, 127].flatMap((modulus) => fractions.map((fraction) => [modulus, fraction, Math.round(fraction * modulus * modulus), epochs[modulus]])),
    );
    assert.ok(sweep.conditions.every((condition) => condition.config.optimizer.weightDecay === 2e-4 && mlpConfigOf(condition.config).model.activation === 'square'));
  });
});
