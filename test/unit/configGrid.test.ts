// The grid syntax of experiment files (src/shared/config/grid.ts and parse.ts): expansion order and
// names, the product with named conditions, every problem with its line and column, and the JSON
// Schema accepting and rejecting grids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import {
  formatGridValue,
  gridAxisLabels,
  gridPointIndices,
  gridPointName,
} from '../../src/shared/config/grid';
import { grokJsonSchema } from '../../src/shared/config/jsonSchema';
import { parseExperimentFile, type ParseResult } from '../../src/shared/config/parse';
import { listProblems, yaml } from './configFixtures';
import { limits, nameRule } from '../../src/shared/config/schema';
import type { ResolvedExperiment } from '../../src/shared/config/types';
import { parse as parseYaml } from 'yaml';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

const file = 'grid.grok.yaml';

function parse(text: string): ParseResult {
  return parseExperimentFile(file, text);
}


/** The 1-based column of the `occurrence`-th `token` in line `line` of `text`. */
function columnOf(text: string, line: number, token: string, occurrence = 1): number {
  const content = text.split('\n')[line - 1];
  let index = -1;
  for (let found = 0; found < occurrence; found++) {
    index = content.indexOf(token, index + 1);
    assert.ok(index >= 0, `"${token}" must occur ${occurrence} time(s) in line ${line}: ${content}`);
  }
  return index + 1;
}

/** The only experiment of a file without problems. */
function onlyExperiment(text: string): ResolvedExperiment {
  const result = parse(text);
  assert.deepEqual(result.problems, [], listProblems(result.problems));
  assert.equal(result.experiments.length, 1);
  return result.experiments[0];
}

/**
 * Asserts that the file has exactly the given problems, as [line, token, message] with the column
 * of the token's first occurrence in that line (or [line, token, occurrence, message]), and no experiment.
 */
function expectProblems(text: string, expected: ([number, string, string] | [number, string, number, string])[]): void {
  const result = parse(text);
  assert.deepEqual(
    result.problems.map((problem) => `${problem.position.line}:${problem.position.column}: ${problem.message}`),
    expected.map((entry) => {
      const [line, token] = entry;
      const occurrence = entry.length === 4 ? entry[2] : 1;
      const message = entry.length === 4 ? entry[3] : entry[2];
      return `${line}:${columnOf(text, line, token, occurrence)}: ${message}`;
    }),
  );
  assert.deepEqual(result.experiments, []);
}

describe('grid expansion', () => {
  it('expands the cartesian product in file order, the last key changing fastest, named by its values', () => {
    const experiment = onlyExperiment(
      yaml(
        'experiments:',
        '  sweep:',
        '    seeds: 3',
        '    grid:',
        '      optimizer.weightDecay: [1.0e-5, 5.0e-5, 2.0e-4]',
        '      diagnostics.eigengap.window: [5, 30]',
      ),
    );
    assert.deepEqual(
      experiment.conditions.map((condition) => condition.name),
      [
        'weightDecay-1e-5_window-5',
        'weightDecay-1e-5_window-30',
        'weightDecay-5e-5_window-5',
        'weightDecay-5e-5_window-30',
        'weightDecay-2e-4_window-5',
        'weightDecay-2e-4_window-30',
      ],
    );
    assert.deepEqual(experiment.grid, [
      { path: 'optimizer.weightDecay', label: 'weightDecay', values: [1e-5, 5e-5, 2e-4] },
      { path: 'diagnostics.eigengap.window', label: 'window', values: [5, 30] },
    ]);
    assert.deepEqual(experiment.seeds, [0, 1, 2]);
    const [first, second] = experiment.conditions;
    assert.deepEqual(first.gridPoint, { 'optimizer.weightDecay': 1e-5, 'diagnostics.eigengap.window': 5 });
    assert.equal(first.baseCondition, undefined);
    assert.equal(first.config.optimizer.weightDecay, 1e-5);
    assert.equal(first.config.diagnostics.eigengap.window, 5);
    assert.equal(second.config.diagnostics.eigengap.window, 30);
    // Everything the grid does not vary keeps the experiment's value (here docs/science.md's defaults).
    const plain = onlyExperiment('experiments: { x: {} }\n').conditions[0].config;
    assert.deepEqual(first.config, {
      ...plain,
      optimizer: { ...plain.optimizer, weightDecay: 1e-5 },
      diagnostics: { ...plain.diagnostics, eigengap: { ...plain.diagnostics.eigengap, window: 5 } },
    });
    assert.equal(new Set(experiment.conditions.map((condition) => condition.configHash)).size, 6);
  });

  it('gives the grid the last word over the base, and the base everything else', () => {
    const experiment = onlyExperiment(
      yaml(
        'experiments:',
        '  sweep:',
        '    model: { hidden: 64, activation: relu }',
        '    optimizer: { weightDecay: 1.0e-3, lr: 3.0e-3 }',
        '    grid:',
        '      optimizer.weightDecay: [0, 1.0e-4]',
      ),
    );
    assert.deepEqual(
      experiment.conditions.map((condition) => [condition.name, condition.config.optimizer.weightDecay, condition.config.optimizer.lr]),
      [
        ['weightDecay-0', 0, 3e-3],
        ['weightDecay-1e-4', 1e-4, 3e-3],
      ],
    );
    // Defaults that depend on other keys follow the merged config: ReLU's 800 epochs.
    assert.ok(experiment.conditions.every((condition) => mlpConfigOf(condition.config).model.hidden === 64 && mlpConfigOf(condition.config).epochs === 800));
  });

  it('runs every named condition × every grid point, conditions first', () => {
    const experiment = onlyExperiment(
      yaml(
        'experiments:',
        '  windows:',
        '    conditions:',
        '      grok: {}',
        '      control: { optimizer: { weightDecay: 0 } }',
        '    grid:',
        '      diagnostics.eigengap.window: [5, 10, 20]',
      ),
    );
    assert.deepEqual(
      experiment.conditions.map((condition) => [condition.name, condition.baseCondition, condition.config.optimizer.weightDecay, condition.config.diagnostics.eigengap.window]),
      [
        ['grok_window-5', 'grok', 2e-4, 5],
        ['grok_window-10', 'grok', 2e-4, 10],
        ['grok_window-20', 'grok', 2e-4, 20],
        ['control_window-5', 'control', 0, 5],
        ['control_window-10', 'control', 0, 10],
        ['control_window-20', 'control', 0, 20],
      ],
    );
    assert.deepEqual(experiment.conditions[3].gridPoint, { 'diagnostics.eigengap.window': 5 });
  });

  it('lets a grid of trainFraction replace the trainSize of the base (and the reverse)', () => {
    const fractions = onlyExperiment(
      yaml('experiments:', '  split:', '    task: { modulus: 41, trainSize: 100 }', '    grid:', '      task.trainFraction: [0.3, 0.5]'),
    );
    // round(0.3 × 1681) = 504, round(0.5 × 1681) = 841 (840.5 rounds up).
    assert.deepEqual(
      fractions.conditions.map((condition) => [condition.name, condition.config.task]),
      [
        ['trainFraction-0.3', { operation: 'add', modulus: 41, trainSize: 504 }],
        ['trainFraction-0.5', { operation: 'add', modulus: 41, trainSize: 841 }],
      ],
    );
    const sizes = onlyExperiment(yaml('experiments:', '  split:', '    task: { trainFraction: 0.4 }', '    grid:', '      task.trainSize: [1000, 3000]'));
    assert.deepEqual(
      sizes.conditions.map((condition) => condition.config.task.trainSize),
      [1000, 3000],
    );
  });

  it('recomputes trainSize from trainFraction at each modulus, with per-condition epochs', () => {
    const experiment = onlyExperiment(
      yaml(
        'experiments:',
        '  scaling:',
        '    conditions:',
        '      M41: { task: { modulus: 41 }, epochs: 400 }',
        '      M127: { task: { modulus: 127 }, epochs: 1000 }',
        '    grid:',
        '      task.trainFraction: [0.1, 0.5]',
      ),
    );
    assert.deepEqual(
      experiment.conditions.map((condition) => [condition.name, condition.config.task.modulus, condition.config.task.trainSize, mlpConfigOf(condition.config).epochs]),
      [
        // round(0.1 × 1681) = 168; round(0.5 × 1681) = 841; round(0.1 × 16129) = 1613; round(0.5 × 16129) = 8065.
        ['M41_trainFraction-0.1', 41, 168, 400],
        ['M41_trainFraction-0.5', 41, 841, 400],
        ['M127_trainFraction-0.1', 127, 1613, 1000],
        ['M127_trainFraction-0.5', 127, 8065, 1000],
      ],
    );
  });

  it('labels keys by the shortest ending of their path that no other key shares', () => {
    const experiment = onlyExperiment(
      yaml(
        'experiments:',
        '  windows:',
        '    grid:',
        '      diagnostics.eigengap.window: [5]',
        '      diagnostics.spectralEdge.window: [10]',
        '      model.activation: [square, relu]',
        '      diagnostics.li2.enabled: [false]',
      ),
    );
    assert.deepEqual(
      experiment.conditions.map((condition) => condition.name),
      [
        'eigengap.window-5_spectralEdge.window-10_activation-square_enabled-false',
        'eigengap.window-5_spectralEdge.window-10_activation-relu_enabled-false',
      ],
    );
    assert.deepEqual(gridAxisLabels(['a.b.c', 'd.b.c', 'e.c', 'f']), ['a.b.c', 'd.b.c', 'e.c', 'f']);
    assert.deepEqual(gridAxisLabels(['x.window', 'window']), ['x.window', 'window']);
    assert.deepEqual(gridAxisLabels([]), []);
  });

  it('treats an empty grid as no grid', () => {
    for (const grid of ['grid:', 'grid: {}']) {
      const experiment = onlyExperiment(yaml('experiments:', '  x:', `    ${grid}`));
      assert.deepEqual(
        experiment.conditions.map((condition) => condition.name),
        ['default'],
      );
      assert.equal(experiment.grid, undefined);
      assert.equal(experiment.conditions[0].gridPoint, undefined);
    }
  });
});

describe('grid point names', () => {
  it('writes values in the shorter of plain and exponent notation, integers in digits', () => {
    const cases: [number | string | boolean, string][] = [
      [1e-5, '1e-5'],
      [5e-5, '5e-5'],
      [1e-4, '1e-4'],
      [2e-4, '2e-4'],
      [1.5e-4, '1.5e-4'],
      [0.001, '1e-3'],
      [0.3, '0.3'],
      [0.04, '0.04'],
      [-0.04, '-0.04'],
      [0, '0'],
      [20, '20'],
      [1000, '1000'],
      [1000000, '1000000'],
      [2.5, '2.5'],
      [1e21, '1e21'],
      [1.25e-300, '1.25e-300'],
      ['crossEntropy', 'crossEntropy'],
      [true, 'true'],
    ];
    for (const [value, text] of cases) assert.equal(formatGridValue(value), text, String(value));
  });

  it('formats numbers one-to-one: every text reads back as its number and is folder-safe', () => {
    // A fixed LCG so that the test is the same on every run.
    let state = 12345;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const seen = new Map<string, number>();
    for (let index = 0; index < 5000; index++) {
      const magnitude = 10 ** Math.floor(random() * 40 - 20);
      const value = (random() < 0.1 ? -1 : 1) * Math.round(random() * 1000) * magnitude * (random() < 0.5 ? 1 : 1.37);
      const text = formatGridValue(value);
      // === rather than Object.is: -0 and 0 are one value of a grid (a duplicate if both are listed).
      assert.ok(Number(text) === value, `${value} → ${text}`);
      assert.match(`x-${text}`, new RegExp(nameRule.pattern), text);
      const earlier = seen.get(text);
      assert.ok(earlier === undefined || earlier === value, `${earlier} and ${value} both give ${text}`);
      seen.set(text, value);
    }
  });

  it('orders points as nested loops in the grid order', () => {
    assert.deepEqual(gridPointIndices([2, 3]), [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    assert.deepEqual(gridPointIndices([]), [[]]);
    assert.equal(gridPointIndices([4, 5, 3]).length, 60);
    assert.equal(gridPointName(['weightDecay', 'window'], [1e-5, 5]), 'weightDecay-1e-5_window-5');
  });

  it('never gives two conditions the same folder, even with condition names that look like grid points', () => {
    const experiment = onlyExperiment(
      yaml(
        'experiments:',
        '  tricky:',
        '    conditions:',
        '      a: {}',
        '      a_window-5: {}',
        '      window-5: {}',
        '      A.b: {}',
        '    grid:',
        '      diagnostics.eigengap.window: [5, 50]',
        '      diagnostics.eigengap.detector.threshold: [-0.04, 0.04, 0.4]',
      ),
    );
    const names = experiment.conditions.map((condition) => condition.name);
    assert.equal(names.length, 4 * 2 * 3);
    assert.equal(new Set(names.map((name) => name.toLowerCase())).size, names.length, names.join('\n'));
    for (const name of names) {
      assert.match(name, new RegExp(nameRule.pattern));
      assert.ok(name.length <= nameRule.maxLength && !name.endsWith('.'));
    }
    assert.deepEqual(names.slice(0, 3), ['a_window-5_threshold--0.04', 'a_window-5_threshold-0.04', 'a_window-5_threshold-0.4']);
    assert.ok(names.includes('a_window-5_window-5_threshold-0.4'));
    assert.ok(names.includes('window-5_window-50_threshold-0.04'));
  });
});

describe('grid problems, with their line and column', () => {
  it('reports unknown keys with the closest paths', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    grid:',
      '      weightDecay: [0]',
      '      optimizer.weightdecay: [0]',
      '      diagnostics.eigengap.windw: [5]',
      '      window: [5]',
      '      foo.bar: [1]',
      '      seeds: [1, 2]',
    );
    const result = parse(text);
    const at = (line: number, token: string) => ({ line, column: columnOf(text, line, token) });
    assert.deepEqual(
      result.problems.slice(0, 3).map((problem) => [problem.position, problem.message]),
      [
        [at(4, 'weightDecay'), 'Unknown key "weightDecay" in the grid of experiment "x". Did you mean "optimizer.weightDecay"?'],
        [at(5, 'optimizer'), 'Unknown key "optimizer.weightdecay" in the grid of experiment "x". Did you mean "optimizer.weightDecay"?'],
        [at(6, 'diagnostics'), 'Unknown key "diagnostics.eigengap.windw" in the grid of experiment "x". Did you mean "diagnostics.eigengap.window"?'],
      ],
    );
    // Every window of the schema is offered (the list grows with the diagnostics).
    assert.deepEqual(result.problems[3].position, at(7, 'window'));
    assert.match(
      result.problems[3].message,
      /^Unknown key "window" in the grid of experiment "x"\. Did you mean "diagnostics\.eigengap\.window", "diagnostics\.spectralEdge\.window"( or |, ).*\?$/,
    );
    assert.deepEqual(
      result.problems.slice(4).map((problem) => [problem.position, problem.message]),
      [
        [
          at(8, 'foo'),
          'Unknown key "foo.bar" in the grid of experiment "x". Grid keys are dotted paths to single values of the experiment, such as "optimizer.weightDecay" or "diagnostics.eigengap.window".',
        ],
        [at(9, 'seeds'), 'Unknown key "seeds" in the grid of experiment "x". Seeds are not a grid key: every condition and grid point runs with every seed of the experiment.'],
      ],
    );
    assert.deepEqual(result.experiments, []);
  });

  it('accepts only keys of single values', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    grid:',
      '      task: [1]',
      '      optimizer.betas: [[0.9, 0.99]]',
      '      diagnostics.repulsion.checkpoints: [[50]]',
    );
    expectProblems(text, [
      [4, 'task', 'Grid key "task" is a mapping; grid keys are dotted paths to single values, such as "task.operation".'],
      [5, 'optimizer', 'Grid key "optimizer.betas" is a list; a grid varies single values (vary lists with conditions).'],
      [6, 'diagnostics', 'Grid key "diagnostics.repulsion.checkpoints" is a list; a grid varies single values (vary lists with conditions).'],
    ]);
  });

  it('checks each value as the key is checked in the experiment, at its own position', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    grid:',
      '      diagnostics.eigengap.window: [5, 2, 300, 7.5]',
      '      model.activation: [square, tanh]',
      '      optimizer.weightDecay: [0, -1.0e-4]',
      '      task.trainFraction: [0.5, 1]',
      '      diagnostics.spectralEdge.enabled: [true, "no"]',
    );
    expectProblems(text, [
      [4, '2', 'Value 2 of grid key "diagnostics.eigengap.window" must be an integer ≥ 3, got 2.'],
      [4, '300', 'Value 3 of grid key "diagnostics.eigengap.window" must be at most 200 (a limit that keeps a typo from exhausting memory), got 300.'],
      [4, '7.5', 'Value 4 of grid key "diagnostics.eigengap.window" must be an integer from 3 to 200, got 7.5.'],
      [5, 'tanh', 'Value 2 of grid key "model.activation" must be one of square, relu, silu, got "tanh".'],
      [6, '-1.0e-4', 'Value 2 of grid key "optimizer.weightDecay" must be a number ≥ 0, got -1.0e-4.'],
      [7, '1]', 'Value 2 of grid key "task.trainFraction" must be a number > 0 and < 1, got 1.'],
      [8, '"no"', 'Value 2 of grid key "diagnostics.spectralEdge.enabled" must be true or false, got "no".'],
    ]);
  });

  it('wants a non-empty list of distinct values', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    grid:',
      '      loss: mse',
      '      epochs: []',
      '      model.hidden:',
      '      optimizer.weightDecay: [1.0e-4, 2.0e-4, 0.0001]',
      '      model.activation: [relu, square, relu]',
    );
    expectProblems(text, [
      [4, 'mse', 'Grid key "loss" must have a list of values to try, got "mse".'],
      [5, '[]', 'Grid key "epochs" must list at least one value.'],
      [6, 'model.hidden', 'Grid key "model.hidden" must have a list of values to try, got nothing.'],
      [7, '0.0001', 'Grid key "optimizer.weightDecay" lists 1e-4 twice (values 1 and 3).'],
      [8, 'relu', 2, 'Grid key "model.activation" lists relu twice (values 1 and 3).'],
    ]);
  });

  it('takes trainSize or trainFraction, not both', () => {
    const text = yaml('experiments:', '  x:', '    grid:', '      task.trainFraction: [0.3]', '      task.trainSize: [100]');
    expectProblems(text, [[5, 'task', 'Give either "task.trainSize" or "task.trainFraction" in the grid of experiment "x", not both.']]);
  });

  it('must be a mapping, and only in an experiment', () => {
    expectProblems(yaml('experiments:', '  x:', '    grid: 5'), [[3, '5', '"grid" must be a mapping, got 5.']]);
    expectProblems(yaml('experiments:', '  x:', '    grid: [optimizer.weightDecay]'), [[3, '[', '"grid" must be a mapping, got a list.']]);
    const result = parse(yaml('experiments:', '  x:', '    conditions:', '      c: { grid: { epochs: [5] } }'));
    assert.equal(result.problems.length, 1, listProblems(result.problems));
    assert.deepEqual(result.problems[0].position, { line: 4, column: 12 });
    assert.match(result.problems[0].message, /^Unknown key "grid" in condition "c"\. /);
  });

  it('refuses a condition that sets a key the grid varies', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    conditions:',
      '      grok: {}',
      '      control: { optimizer: { weightDecay: 0 } }',
      '      sized: { task: { trainSize: 1000 } }',
      '    grid:',
      '      optimizer.weightDecay: [1.0e-4, 2.0e-4]',
      '      task.trainFraction: [0.3]',
    );
    expectProblems(text, [
      [5, '0 }', 'Condition "control" sets "optimizer.weightDecay", which the grid varies: set it in one place.'],
      [6, '1000', 'Condition "sized" sets "task.trainSize" and the grid varies "task.trainFraction": give one of them, not both.'],
    ]);
  });

  it('bounds the number of conditions before expanding anything', () => {
    const range = (from: number, count: number) => `[${Array.from({ length: count }, (_, index) => from + index).join(', ')}]`;
    expectProblems(
      yaml('experiments:', '  x:', '    grid:', `      model.hidden: ${range(1, 40)}`, `      optimizer.lr: ${range(1, 30)}`),
      [[3, 'grid', 'The grid has 40 × 30 = 1200 points; an experiment may have at most 1000 conditions (a limit that keeps a typo from exhausting memory).']],
    );
    expectProblems(
      yaml('experiments:', '  x:', '    conditions: { a: {}, b: {} }', '    grid:', `      diagnostics.repulsion.pairs: ${range(1, 501)}`),
      [[4, 'grid', 'The grid has 501 points, which with 2 conditions make 1002; an experiment may have at most 1000 conditions (a limit that keeps a typo from exhausting memory).']],
    );
    assert.equal(limits.conditions, 1000);
    // 1000⁶ points: refused from the value counts alone (expanding them would never finish).
    const keys = ['model.hidden', 'diagnostics.repulsion.pairs', 'diagnostics.eigengap.detector.lag', 'diagnostics.eigengap.detector.warmup', 'epochs', 'task.trainSize'];
    expectProblems(yaml('experiments:', '  x:', '    grid:', ...keys.map((key) => `      ${key}: ${range(1, 1000)}`)), [
      [3, 'grid', 'The grid has 1000 × 1000 × 1000 × 1000 × 1000 × 1000 = about 1.0e+18 points; an experiment may have at most 1000 conditions (a limit that keeps a typo from exhausting memory).'],
    ]);
    expectProblems(yaml('experiments:', '  x:', '    grid:', `      model.hidden: ${range(1, 1001)}`), [
      [4, '[', 'Grid key "model.hidden" has 1001 values; it may have at most 1000 (a limit that keeps a typo from exhausting memory).'],
    ]);
  });

  it('refuses names longer than a folder name may be', () => {
    const long = 'c'.repeat(70);
    const text = yaml('experiments:', '  x:', `    conditions: { ${long}: {} }`, '    grid:', '      diagnostics.eigengap.window: [5, 10]', '      diagnostics.spectralEdge.window: [10]');
    const name = `${long}_eigengap.window-10_spectralEdge.window-10`;
    expectProblems(text, [
      [4, 'grid', `The grid's condition names would be up to ${name.length} characters long ("${name}"); names become folder names of at most 100 characters: vary fewer keys or shorten the condition names.`],
    ]);
  });

  it('reports what involves several keys at the grid value, naming the grid points it concerns', () => {
    const text = yaml('experiments:', '  x:', '    grid:', '      task.modulus: [11, 71]', '      diagnostics.eigengap.window: [5, 10]');
    expectProblems(text, [
      [
        4,
        '11',
        'The default "trainSize" 2016 needs modulus² > 2016, but modulus 11 gives 121 pairs: give "trainSize" or "trainFraction" (in conditions "modulus-11_window-5", "modulus-11_window-10").',
      ],
    ]);
    const checkpoints = yaml('experiments:', '  x:', '    diagnostics: { repulsion: { checkpoints: [50, 300] } }', '    grid:', '      epochs: [100, 400]');
    expectProblems(checkpoints, [[3, '300', 'Checkpoint 300 is after epoch 100, the last of the run (in condition "epochs-100").']]);
  });

  it('names the first three of many grid points a problem concerns', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    conditions:',
      '      small: { task: { modulus: 11 } }',
      '      big: {}',
      '    grid:',
      '      diagnostics.eigengap.window: [5, 10, 20, 30, 40]',
    );
    expectProblems(text, [
      [
        4,
        '11',
        'The default "trainSize" 2016 needs modulus² > 2016, but modulus 11 gives 121 pairs: give "trainSize" or "trainFraction" (in conditions "small_window-5", "small_window-10", "small_window-20" and 2 more).',
      ],
    ]);
  });
});

describe('grid in the JSON Schema', () => {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(grokJsonSchema());
  /** Whether the emitted JSON Schema accepts the YAML text (as the YAML extension would check it). */
  const accepts = (text: string) => validate(parseYaml(text)) === true;
  const withGrid = (...lines: string[]) => yaml('experiments:', '  x:', '    grid:', ...lines.map((line) => `      ${line}`));

  it('accepts what the parser accepts', () => {
    const texts = [
      withGrid('optimizer.weightDecay: [1.0e-5, 5.0e-5, 1.0e-4, 2.0e-4, 5.0e-4]', 'diagnostics.eigengap.window: [5, 10, 20, 30]'),
      withGrid('task.modulus: [41, 71, 127]', 'task.trainFraction: [0.3, 0.5]', 'model.activation: [square, relu]', 'diagnostics.li2.enabled: [true, false]'),
      yaml('experiments:', '  x:', '    grid:'),
    ];
    for (const text of texts) {
      assert.deepEqual(parse(text).problems, [], text);
      assert.ok(accepts(text), `${text}\n${ajv.errorsText(validate.errors)}`);
    }
  });

  it('rejects what the parser rejects for the same reason', () => {
    const texts = [
      withGrid('weightDecay: [1.0e-4]'),
      withGrid('optimizer: [1]'),
      withGrid('optimizer.betas: [[0.9, 0.99]]'),
      withGrid('epochs: []'),
      withGrid('epochs: 5'),
      withGrid('optimizer.weightDecay: [1.0e-4, 0.0001]'),
      withGrid('optimizer.weightDecay: [-1]'),
      withGrid('diagnostics.eigengap.window: [2]'),
      withGrid('diagnostics.eigengap.window: [7.5]'),
      withGrid('model.activation: [tanh]'),
      withGrid('task.trainSize: [100]', 'task.trainFraction: [0.5]'),
      yaml('experiments:', '  x:', '    grid: 5'),
    ];
    for (const text of texts) {
      assert.ok(parse(text).problems.length > 0, text);
      assert.equal(accepts(text), false, text);
    }
  });

  it('lists every single-valued key as a grid key, with its bounds', () => {
    const schema = grokJsonSchema() as { definitions: { experiment: { properties: { grid: { properties: Record<string, unknown>; additionalProperties: boolean } } } } };
    const grid = schema.definitions.experiment.properties.grid;
    assert.equal(grid.additionalProperties, false);
    assert.deepEqual(grid.properties['diagnostics.eigengap.window'], {
      type: 'array',
      description: 'Values of diagnostics.eigengap.window to try. Number w of most recent updates ΔW in the window; λ are eigenvalues of their w × w Gram. Default 20 (10 snapshot updates for a Transformer).',
      items: { type: 'integer', minimum: 3, maximum: 200 },
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
    });
    for (const key of ['task.modulus', 'task.trainFraction', 'optimizer.weightDecay', 'model.activation', 'epochs', 'loss', 'engine.threads']) {
      assert.ok(key in grid.properties, key);
    }
    for (const key of ['task', 'optimizer.betas', 'diagnostics.repulsion.checkpoints', 'seeds', 'description']) assert.ok(!(key in grid.properties), key);
  });
});
