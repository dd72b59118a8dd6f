import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultRunConfig, withDefaults } from '../../src/shared/config/defaults';
import { schemaPaths } from '../../src/shared/config/grid';
import { grokJsonSchemaText } from '../../src/shared/config/jsonSchema';
import { canonicalJson, fileSizeProblem, formatProblem, parseExperimentFile, type ParseResult } from '../../src/shared/config/parse';
import { conditionSchema, limits, type SchemaNode } from '../../src/shared/config/schema';
import { listProblems, yaml } from './configFixtures';
import type { ConfigProblem, MlpRunConfig, RunConfig } from '../../src/shared/config/types';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

const root = path.resolve(__dirname, '..', '..');
const file = 'study.grok.yaml';

function parse(text: string): ParseResult {
  return parseExperimentFile(file, text);
}


/** The 1-based column of `token` in line `line` of `text` (the token must occur once in that line). */
function columnOf(text: string, line: number, token: string): number {
  const content = text.split('\n')[line - 1];
  const index = content.indexOf(token);
  assert.ok(index >= 0 && content.indexOf(token, index + 1) < 0, `"${token}" must occur once in line ${line}: ${content}`);
  return index + 1;
}

/**
 * Asserts that the file has exactly one problem, at the start of `token` in line `line`, whose message
 * matches `message` (a string is compared whole), and that no experiment is returned.
 */
function expectOnlyProblem(text: string, line: number, token: string, message: string | RegExp): ConfigProblem {
  const result = parse(text);
  assert.equal(result.problems.length, 1, listProblems(result.problems));
  const [problem] = result.problems;
  assert.deepEqual(problem.position, { line, column: columnOf(text, line, token) }, listProblems(result.problems));
  if (typeof message === 'string') assert.equal(problem.message, message);
  else assert.match(problem.message, message);
  assert.equal(problem.file, file);
  assert.deepEqual(result.experiments, []);
  return problem;
}

function onlyConfig(text: string, condition = 'default'): MlpRunConfig {
  const result = parse(text);
  assert.deepEqual(result.problems, [], listProblems(result.problems));
  assert.equal(result.experiments.length, 1);
  const found = result.experiments[0].conditions.find((entry) => entry.name === condition);
  assert.ok(found, `condition ${condition}`);
  return mlpConfigOf(found.config);
}

describe('parseExperimentFile: defaults', () => {
  it('fills every default of docs/science.md into a minimal file', () => {
    const text = 'experiments: { quick: { epochs: 50 } }\n';
    const result = parse(text);
    assert.deepEqual(result.problems, []);
    assert.equal(result.experiments.length, 1);
    const [experiment] = result.experiments;
    assert.equal(experiment.name, 'quick');
    assert.equal(experiment.description, undefined);
    assert.deepEqual(experiment.source, { file, line: 1, column: 16 });
    assert.deepEqual(experiment.seeds, [0]);
    assert.deepEqual(
      experiment.conditions.map((condition) => condition.name),
      ['default'],
    );
    const expected: RunConfig = {
      task: { operation: 'add', modulus: 71, trainSize: 2016 },
      model: { kind: 'mlp', hidden: 2048, activation: 'square' },
      loss: 'mse',
      optimizer: { name: 'adam', lr: 0.001, weightDecay: 0.0002, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9 },
      epochs: 50,
      diagnostics: {
        eigengap: { window: 20, detector: { lag: 25, threshold: 0.04, warmup: 100 }, lateStage: [200, 400] },
        // The default checkpoints 50, 100, 175, 250, 300 without those after epoch 50.
        repulsion: { checkpoints: [50], pairs: 200 },
        spectralEdge: { enabled: true, window: 10 },
        // The repulsion checkpoints and the last epoch (here the same epoch).
        li2: { enabled: true, checkpoints: [50] },
        gradientSed: { enabled: false, window: 20, vectors: 3, directions: 20, probes: 1024, epsilonScale: 0.005, every: 10 },
      },
      engine: { name: 'wasm', threads: 1 },
    };
    assert.deepEqual(experiment.conditions[0].config, expected);
  });

  it('defaults epochs to 400 for square and 800 otherwise, per condition', () => {
    const text = yaml(
      'experiments:',
      '  activations:',
      '    conditions:',
      '      square: {}',
      '      relu: { model: { activation: relu } }',
      '      silu: { model: { activation: silu } }',
    );
    assert.equal(onlyConfig(text, 'square').epochs, 400);
    assert.equal(onlyConfig(text, 'relu').epochs, 800);
    assert.equal(onlyConfig(text, 'silu').epochs, 800);
    const relu = onlyConfig(text, 'relu').diagnostics;
    assert.deepEqual(relu.repulsion.checkpoints, [50, 100, 175, 250, 300]);
    assert.deepEqual(relu.li2.checkpoints, [50, 100, 175, 250, 300, 800]);
    // lateStage is not clipped at parse time.
    assert.deepEqual(relu.eigengap.lateStage, [200, 400]);
  });

  it('accepts an empty experiment and an empty condition', () => {
    const text = yaml('experiments:', '  plain:', '  split:', '    conditions:', '      grok:', '      control: { optimizer: { weightDecay: 0 } }');
    const result = parse(text);
    assert.deepEqual(result.problems, [], listProblems(result.problems));
    assert.deepEqual(
      result.experiments.map((experiment) => [experiment.name, experiment.conditions.map((condition) => condition.name)]),
      [
        ['plain', ['default']],
        ['split', ['grok', 'control']],
      ],
    );
  });

  it('sorts explicit checkpoints and keeps li2 checkpoints as given', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    epochs: 120',
      '    diagnostics:',
      '      repulsion: { checkpoints: [100, 0, 20] }',
      '      li2: { enabled: false, checkpoints: [120, 7] }',
    );
    const diagnostics = onlyConfig(text).diagnostics;
    assert.deepEqual(diagnostics.repulsion.checkpoints, [0, 20, 100]);
    assert.deepEqual(diagnostics.li2, { enabled: false, checkpoints: [7, 120] });
  });

  it('derives li2 checkpoints from explicit repulsion checkpoints and the last epoch', () => {
    const text = 'experiments: { x: { epochs: 90, diagnostics: { repulsion: { checkpoints: [10, 90, 40] } } } }\n';
    assert.deepEqual(onlyConfig(text).diagnostics.li2.checkpoints, [10, 40, 90]);
  });
});

describe('parseExperimentFile: conditions, seeds, task', () => {
  it('deep-merges a condition over the base: the control differs only in weight decay', () => {
    const text = yaml(
      'experiments:',
      '  study:',
      '    description: two conditions',
      '    task: { modulus: 31, trainSize: 400 }',
      '    model: { hidden: 64, activation: relu }',
      '    optimizer: { lr: 3.0e-3, weightDecay: 1.0e-3, betas: [0.8, 0.99] }',
      '    epochs: 150',
      '    diagnostics: { eigengap: { window: 12, detector: { lag: 10 } } }',
      '    conditions:',
      '      grok: {}',
      '      control: { optimizer: { weightDecay: 0 } }',
    );
    const result = parse(text);
    assert.deepEqual(result.problems, [], listProblems(result.problems));
    const [experiment] = result.experiments;
    assert.equal(experiment.description, 'two conditions');
    const [grok, control] = experiment.conditions;
    assert.equal(grok.config.optimizer.weightDecay, 1e-3);
    assert.equal(grok.config.diagnostics.eigengap.window, 12);
    assert.equal(grok.config.diagnostics.eigengap.detector.lag, 10);
    // Keys of the detector that were not written keep their defaults after the merge.
    assert.equal(grok.config.diagnostics.eigengap.detector.warmup, 100);
    assert.deepEqual(control.config, { ...grok.config, optimizer: { ...grok.config.optimizer, weightDecay: 0 } });
    assert.notEqual(control.configHash, grok.configHash);
  });

  it('lets a condition replace trainSize by trainFraction', () => {
    const text = yaml(
      'experiments:',
      '  split:',
      '    task: { modulus: 71, trainSize: 1000 }',
      '    conditions:',
      '      small: {}',
      '      forty: { task: { trainFraction: 0.4 } }',
    );
    assert.equal(onlyConfig(text, 'small').task.trainSize, 1000);
    // round(0.4 × 5041) = round(2016.4) = 2016, docs/science.md's default split.
    assert.equal(onlyConfig(text, 'forty').task.trainSize, 2016);
  });

  it('computes trainSize = round(trainFraction · modulus²)', () => {
    assert.equal(onlyConfig('experiments: { x: { task: { modulus: 23, trainFraction: 0.5 } } }\n').task.trainSize, 265);
    assert.equal(onlyConfig('experiments: { x: { task: { modulus: 10, trainFraction: 0.333 } } }\n').task.trainSize, 33);
  });

  it('expands seeds given as a count or a list', () => {
    const seedsOf = (seeds: string) => {
      const result = parse(`experiments: { x: { seeds: ${seeds} } }\n`);
      assert.deepEqual(result.problems, [], listProblems(result.problems));
      return result.experiments[0].seeds;
    };
    assert.deepEqual(seedsOf('15'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert.deepEqual(seedsOf('1'), [0]);
    assert.deepEqual(seedsOf('[7, 0, 3]'), [7, 0, 3]);
    assert.deepEqual(seedsOf('[2147483647]'), [2147483647]);
  });

  it('follows YAML anchors and aliases', () => {
    const text = yaml('experiments:', '  a: &shared', '    model: { hidden: 8 }', '  b: *shared');
    const result = parse(text);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.experiments.map((experiment) => mlpConfigOf(experiment.conditions[0].config).model.hidden),
      [8, 8],
    );
  });
});

describe('parseExperimentFile: config hash', () => {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  it('is the sha256 of the canonical JSON of the resolved config', () => {
    const [condition] = parse('experiments: { x: { epochs: 10 } }\n').experiments[0].conditions;
    assert.equal(condition.configHash, sha256(canonicalJson(condition.config)));
  });

  it('does not depend on the order or spelling of the keys, only on the resolved values', () => {
    const hashOf = (text: string) => {
      const result = parse(text);
      assert.deepEqual(result.problems, [], listProblems(result.problems));
      return result.experiments[0].conditions[0].configHash;
    };
    const reference = hashOf('experiments: { x: { model: { hidden: 64, activation: relu }, optimizer: { lr: 0.002 } } }\n');
    assert.equal(hashOf('experiments: { x: { optimizer: { lr: 2.0e-3 }, model: { activation: relu, hidden: 64 } } }\n'), reference);
    // Writing a default explicitly gives the same config as leaving it out.
    assert.equal(hashOf('experiments: { x: { model: { hidden: 64, activation: relu }, optimizer: { lr: 0.002 }, epochs: 800 } }\n'), reference);
    assert.notEqual(hashOf('experiments: { x: { model: { hidden: 64, activation: relu }, optimizer: { lr: 0.003 } } }\n'), reference);
    assert.notEqual(hashOf('experiments: { x: { model: { hidden: 65, activation: relu }, optimizer: { lr: 0.002 } } }\n'), reference);
  });
});

describe('parseExperimentFile: problems with their positions', () => {
  it('reports YAML syntax errors with their position', () => {
    // The yaml package points at the start of the wrongly indented line.
    const text = yaml('experiments:', '  x:', '    epochs: 5', '   seeds: 2');
    expectOnlyProblem(text, 4, '   seeds', 'YAML syntax error: All mapping items must start at the same column');
    const unclosed = yaml('experiments:', '  x: { epochs: [5 }');
    const result = parse(unclosed);
    assert.ok(result.problems.length >= 1);
    assert.ok(result.problems.every((problem) => problem.message.startsWith('YAML syntax error: ')), listProblems(result.problems));
    assert.equal(result.problems[0].position.line, 2);
  });

  it('reports an unclosed bracket or quote where it opens, not where the library gave up', () => {
    const unclosed = (closing: string) => `Flow sequence in block collection must be sufficiently indented and end with a ${closing}`;
    const text = yaml('experiments:', '  a:', '    epochs: [1, 2');
    const problem = expectOnlyProblem(text, 3, '[', `YAML syntax error: ${unclosed(']')} (opened here, still open at the end of the file)`);
    assert.deepEqual(problem.end, { line: 3, column: columnOf(text, 3, '[') + 1 });
    // Without the final newline the library stops on the last line, still past the "[".
    expectOnlyProblem('experiments:\n  a:\n    epochs: [1, 2', 3, '[', /^YAML syntax error: Flow sequence .* \(opened here, still open at the end of the file\)$/);
    expectOnlyProblem(
      yaml('experiments:', '  a: { epochs: 3', '  b: {}'),
      2,
      '{',
      'YAML syntax error: Flow map in block collection must be sufficiently indented and end with a } (opened here, still open at line 3, column 3)',
    );
    expectOnlyProblem(
      yaml('experiments:', '  a:', '    description: "hello', '  b:', '    epochs: 3'),
      3,
      '"',
      'YAML syntax error: Missing closing "quote (opened here, still open at the end of the file)',
    );
    expectOnlyProblem(yaml('experiments:', "  'a: {}"), 2, "'", "YAML syntax error: Missing closing 'quote (opened here, still open at the end of the file)");
    // Closed by the wrong bracket: the library gives up at the "}".
    const wrong = yaml('experiments:', '  a: [1, 2}');
    expectOnlyProblem(wrong, 2, '[', `YAML syntax error: ${unclosed(']')} (opened here, still open at line 2, column ${columnOf(wrong, 2, '}')})`);
  });

  it('reports each of several nested brackets left open at its own opening', () => {
    const text = yaml('experiments:', '  a: { b: [1, {c: "x');
    const result = parse(text);
    assert.deepEqual(
      result.problems.map((problem) => [problem.position.line, problem.position.column, problem.message.replace(/ in block collection .*\(/, ' … (')]),
      [
        [2, columnOf(text, 2, '{ b'), 'YAML syntax error: Flow map … (opened here, still open at the end of the file)'],
        [2, columnOf(text, 2, '['), 'YAML syntax error: Flow sequence … (opened here, still open at the end of the file)'],
        [2, columnOf(text, 2, '{c'), 'YAML syntax error: Flow map … (opened here, still open at the end of the file)'],
        [2, columnOf(text, 2, '"'), 'YAML syntax error: Missing closing "quote (opened here, still open at the end of the file)'],
      ],
      listProblems(result.problems),
    );
  });

  it('keeps the library position for syntax errors at their cause', () => {
    expectOnlyProblem(yaml('experiments:', '  x:', '\tepochs: 5'), 3, '\t', 'YAML syntax error: Tabs are not allowed as indentation');
    // A closed quote or bracket is not mistaken for an open one.
    expectOnlyProblem(
      yaml('experiments:', '  x: { description: "a", seeds: [1] }', '   y: {}'),
      3,
      '   y',
      'YAML syntax error: All mapping items must start at the same column',
    );
  });

  it('reports duplicate keys and several YAML documents', () => {
    expectOnlyProblem(yaml('experiments:', '  x: {}', '  x: {}'), 3, 'x', 'Duplicate key: the keys of a mapping must be unique.');
    expectOnlyProblem(yaml('experiments:', '  x: {}', '---', 'experiments: {}'), 3, '---', /one YAML document/);
  });

  it('reports an unknown key with the closest valid key', () => {
    const text = yaml('experiments:', '  x:', '    model: { hiden: 64 }');
    const problem = expectOnlyProblem(text, 3, 'hiden', 'Unknown key "hiden" in model. Did you mean "hidden"?');
    assert.deepEqual(problem.end, { line: 3, column: columnOf(text, 3, 'hiden') + 'hiden'.length });
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer:', '      weight_decay: 0'),
      4,
      'weight_decay',
      'Unknown key "weight_decay" in optimizer. Did you mean "weightDecay"?',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    conditions:', '      c: { diagnostics: { eigengap: { detector: { warmpu: 5 } } } }'),
      4,
      'warmpu',
      'Unknown key "warmpu" in diagnostics.eigengap.detector of condition "c". Did you mean "warmup"?',
    );
    // A missing "experiments" is reported too, at the same place (the start of the file's mapping).
    const misspelt = parse(yaml('experiment:', '  x: {}'));
    assert.deepEqual(
      misspelt.problems.map((problem) => [problem.position.line, problem.position.column, problem.message]),
      [
        [1, 1, 'Unknown key "experiment" in the file. Did you mean "experiments"?'],
        [1, 1, 'Missing key "experiments" in the file.'],
      ],
    );
  });

  it('suggests a key or value with two letters swapped', () => {
    expectOnlyProblem(yaml('experiments:', '  x:', '    modle: {}'), 3, 'modle', 'Unknown key "modle" in experiment "x". Did you mean "model"?');
    expectOnlyProblem(yaml('experiments:', '  x:', '    engine: { nmae: wasm }'), 3, 'nmae', 'Unknown key "nmae" in engine. Did you mean "name"?');
    expectOnlyProblem(yaml('experiments:', '  x:', '    optimizer: { rl: 0.01 }'), 3, 'rl', 'Unknown key "rl" in optimizer. Did you mean "lr"?');
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer: { name: sdg }'),
      3,
      'sdg',
      '"name" must be one of adam, adamw, sgd, got "sdg". Did you mean "sgd"?',
    );
    // One letter missing, as before.
    expectOnlyProblem(yaml('experiments:', '  x:', '    optimzer: {}'), 3, 'optimzer', 'Unknown key "optimzer" in experiment "x". Did you mean "optimizer"?');
    expectOnlyProblem(yaml('experiments:', '  x:', '    model: { activaton: relu }'), 3, 'activaton', 'Unknown key "activaton" in model. Did you mean "activation"?');
  });

  it('suggests nothing far-fetched', () => {
    // Two letters both wrong are no typo of the two-letter "lr".
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer: { xy: 1 }'),
      3,
      'xy',
      'Unknown key "xy" in optimizer. Allowed keys: name, lr, weightDecay, betas, eps, momentum.',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    model: { size: 64 }'), 3, 'size', 'Unknown key "size" in model. Allowed keys: kind, hidden, activation, width, heads, feedForward, layers.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    optimizer: { name: lion }'), 3, 'lion', '"name" must be one of adam, adamw, sgd, got "lion".');
  });

  it('lists the allowed keys when no key is close', () => {
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    engine: { backend: cpu }'),
      3,
      'backend',
      'Unknown key "backend" in engine. Allowed keys: name, threads.',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    sweep: {}'), 3, 'sweep', /^Unknown key "sweep" in experiment "x"\. Allowed keys: description, task, .*, conditions, grid\.$/);
  });

  it('reports wrong types', () => {
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    epochs: many'),
      3,
      'many',
      '"epochs" must be an integer from 1 to 1000000, got "many".',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    model: 5'), 3, '5', '"model" must be a mapping, got 5.');
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer: { betas: 0.9 }'),
      3,
      '0.9',
      '"betas" must be a list of 2 numbers, got 0.9.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer: { betas: [0.9, 0.99, 0.999] }'),
      3,
      '[0.9',
      '"betas" must be a list of 2 numbers, got a list of 3.',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    model: { hidden: 2.5 }'), 3, '2.5', '"hidden" must be an integer from 1 to 65536, got 2.5.');
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    diagnostics: { spectralEdge: { enabled: yes } }'),
      3,
      'yes',
      '"enabled" must be true or false, got "yes".',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    description: 42'), 3, '42', '"description" must be a string, got 42.');
    expectOnlyProblem(yaml('experiments:', '  x: [1, 2]'), 2, '[1', 'Experiment "x" must be a mapping, got a list.');
    // An empty value is reported at its key.
    expectOnlyProblem(yaml('experiments:', '  x:', '    epochs:'), 3, 'epochs', '"epochs" must be an integer from 1 to 1000000, got nothing.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    seeds: "3"'), 3, '"3"', '"seeds" must be an integer from 1 to 10000, or a list of integers, got "3".');
  });

  it('reports a file without experiments', () => {
    const empty = parse('');
    assert.deepEqual(
      empty.problems.map((problem) => [problem.position.line, problem.position.column, problem.message]),
      [[1, 1, 'An experiment file must be a mapping with the key "experiments", got nothing.']],
    );
    expectOnlyProblem(yaml('- experiments'), 1, '-', 'An experiment file must be a mapping with the key "experiments", got a list.');
    assert.deepEqual(parse('experiments: {}\n'), { experiments: [], problems: [] });
  });

  it('reports unknown enum values with the allowed ones', () => {
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    model: { activation: relux }'),
      3,
      'relux',
      '"activation" must be one of square, relu, silu, got "relux". Did you mean "relu"?',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    loss: l2'), 3, 'l2', '"loss" must be one of mse, crossEntropy, got "l2".');
    expectOnlyProblem(yaml('experiments:', '  x:', '    engine: { threads: 4 }'), 3, '4', '"threads" must be one of 1, 2, got 4.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    task: { operation: divide }'), 3, 'divide', /^"operation" must be one of add, subtract, multiply, squares, squaresAndProduct, cubeAndProduct, got "divide"\./);
  });

  it('accepts multiply with a non-prime modulus', () => {
    assert.equal(onlyConfig('experiments: { x: { task: { operation: multiply, modulus: 60 } } }\n').task.operation, 'multiply');
  });

  it('reports impossible model and task values', () => {
    expectOnlyProblem(yaml('experiments:', '  x:', '    model: { hidden: 0 }'), 3, '0', '"hidden" must be an integer ≥ 1, got 0.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    task: { modulus: 1 }'), 3, '1', '"modulus" must be an integer ≥ 2, got 1.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    task: { trainSize: 0 }'), 3, '0', '"trainSize" must be an integer ≥ 1, got 0.');
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    task: { modulus: 71, trainSize: 5041 }'),
      3,
      '5041',
      '"trainSize" must be less than modulus² = 5041 so that the test set is not empty, got 5041.',
    );
    for (const fraction of ['0', '1', '1.5', '-0.2']) {
      expectOnlyProblem(
        yaml('experiments:', '  x:', `    task: { trainFraction: ${fraction} }`),
        3,
        fraction,
        `"trainFraction" must be a number > 0 and < 1, got ${fraction}.`,
      );
    }
    // A fraction inside (0, 1) that rounds to no training pair or no test pair.
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    task: { modulus: 3, trainFraction: 0.05 }'),
      3,
      '0.05',
      '"trainFraction" 0.05 gives round(0.05 × 9) = 0 training pairs out of modulus² = 9; there would be none.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    task: { modulus: 3, trainFraction: 0.95 }'),
      3,
      '0.95',
      /the test set would be empty\.$/,
    );
    // Both ways of giving the split: reported at the second key.
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    task: { trainSize: 100, trainFraction: 0.5 }'),
      3,
      'trainFraction',
      'Give either "trainSize" or "trainFraction" in task, not both.',
    );
    // The default trainSize (2016) does not fit a small modulus: reported at the modulus.
    expectOnlyProblem(yaml('experiments:', '  x:', '    task: { modulus: 23 }'), 3, '23', /^The default "trainSize" 2016 needs modulus² > 2016, but modulus 23 gives 529 pairs/);
  });

  it('reports impossible optimiser values', () => {
    expectOnlyProblem(yaml('experiments:', '  x:', '    optimizer: { lr: -1.0e-3 }'), 3, '-1.0e-3', '"lr" must be a number > 0, got -1.0e-3.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    optimizer: { lr: 0 }'), 3, '0', '"lr" must be a number > 0, got 0.');
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer: { weightDecay: -2.0e-4 }'),
      3,
      '-2.0e-4',
      '"weightDecay" must be a number ≥ 0, got -2.0e-4.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer: { betas: [0.9, 1] }'),
      3,
      '1]',
      'Entry 2 of "betas" must be a number ≥ 0 and < 1, got 1.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    optimizer: { betas: [-0.1, 0.9] }'),
      3,
      '-0.1',
      'Entry 1 of "betas" must be a number ≥ 0 and < 1, got -0.1.',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    optimizer: { eps: 0 }'), 3, '0', '"eps" must be a number > 0, got 0.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    optimizer: { lr: .nan }'), 3, '.nan', '"lr" must be a number > 0, got .nan.');
  });

  it('reports impossible diagnostics values', () => {
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    diagnostics: { eigengap: { window: 2 } }'),
      3,
      '2 }',
      '"window" must be an integer ≥ 3, got 2.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    diagnostics: { spectralEdge: { window: 1 } }'),
      3,
      '1 }',
      '"window" must be an integer ≥ 3, got 1.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    diagnostics: { eigengap: { detector: { lag: 0 } } }'),
      3,
      '0 }',
      '"lag" must be an integer ≥ 1, got 0.',
    );
    expectOnlyProblem(yaml('experiments:', '  x:', '    diagnostics: { repulsion: { pairs: 0 } }'), 3, '0 }', '"pairs" must be an integer ≥ 1, got 0.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    epochs: 0'), 3, '0', '"epochs" must be an integer ≥ 1, got 0.');
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    diagnostics: { eigengap: { lateStage: [400, 200] } }'),
      3,
      '[400',
      '"lateStage" must be [from, to] with from ≤ to, got [400, 200].',
    );
  });

  it('reports checkpoints that are negative, not integers, repeated or after the last epoch', () => {
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    diagnostics: { repulsion: { checkpoints: [50, -5] } }'),
      3,
      '-5',
      'Entry 2 of "checkpoints" must be an integer ≥ 0, got -5.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    diagnostics: { repulsion: { checkpoints: [50.5] } }'),
      3,
      '50.5',
      'Entry 1 of "checkpoints" must be an integer ≥ 0, got 50.5.',
    );
    const repeated = yaml('experiments:', '  x:', '    diagnostics: { repulsion: { checkpoints: [50, 100, 50] } }');
    const result = parse(repeated);
    assert.equal(result.problems.length, 1, listProblems(result.problems));
    assert.equal(result.problems[0].message, '"checkpoints" lists 50 twice.');
    assert.deepEqual(result.problems[0].position, { line: 3, column: repeated.split('\n')[2].lastIndexOf('50') + 1 });
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    epochs: 200', '    diagnostics: { repulsion: { checkpoints: [50, 250] } }'),
      4,
      '250',
      'Checkpoint 250 is after epoch 200, the last of the run.',
    );
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    epochs: 200', '    diagnostics: { li2: { checkpoints: [201] } }'),
      4,
      '201',
      'Checkpoint 201 is after epoch 200, the last of the run.',
    );
  });

  it('names the conditions in which a checkpoint falls after the last epoch', () => {
    const text = yaml(
      'experiments:',
      '  x:',
      '    diagnostics: { repulsion: { checkpoints: [50, 300] } }',
      '    conditions:',
      '      long: {}',
      '      short: { epochs: 100 }',
    );
    expectOnlyProblem(text, 3, '300', 'Checkpoint 300 is after epoch 100, the last of the run (in condition "short").');
  });

  it('reports names that cannot be folder names at the name', () => {
    for (const name of ['../x', '.hidden', '-x', 'a/b', 'a b', '"x\\\\y"']) {
      expectOnlyProblem(yaml('experiments:', `  ${name}: {}`), 2, name, /^Experiment name ".*" is not allowed: names become folder names/);
    }
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    conditions:', '      ../escape: {}'),
      4,
      '../escape',
      'Condition name "../escape" is not allowed: names become folder names, so they must start with a letter or digit and contain only letters, digits, ".", "_" and "-".',
    );
    expectOnlyProblem(yaml('experiments:', '  nul.txt: {}'), 2, 'nul.txt', /^Experiment name "nul.txt" is reserved by Windows/);
    expectOnlyProblem(yaml('experiments:', '  v1.: {}'), 2, 'v1.', /^Experiment name "v1." must not end with "\."/);
    const longName = 'a'.repeat(101);
    expectOnlyProblem(yaml('experiments:', `  ${longName}: {}`), 2, longName, /may have at most 100 characters/);
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    conditions:', '      grok: {}', '      Grok: {}'),
      5,
      'Grok',
      /^Condition name "Grok" differs from "grok" only in letter case/,
    );
    // Allowed: letters, digits, ".", "_" and "-" after a first letter or digit.
    assert.deepEqual(parse(yaml('experiments:', '  0.lock-in_v2: {}')).problems, []);
  });

  it('says the limit when a size bound is hit', () => {
    const limitCases: [string, string, string][] = [
      ['    model: { hidden: 65537 }', '65537', '"hidden" must be at most 65536'],
      ['    task: { modulus: 1001 }', '1001', '"modulus" must be at most 1000'],
      ['    epochs: 1000001', '1000001', '"epochs" must be at most 1000000'],
      ['    seeds: 10001', '10001', '"seeds" must be at most 10000'],
      ['    diagnostics: { eigengap: { window: 201 } }', '201', '"window" must be at most 200'],
      ['    diagnostics: { repulsion: { pairs: 100001 } }', '100001', '"pairs" must be at most 100000'],
    ];
    for (const [line, token, start] of limitCases) {
      const problem = expectOnlyProblem(yaml('experiments:', '  x:', line), 3, token, new RegExp(`^${start} `));
      assert.match(problem.message, /a limit that keeps a typo from exhausting memory/);
      assert.ok(problem.message.endsWith(`got ${token}.`), problem.message);
    }
    const manySeeds = yaml('experiments:', '  x:', `    seeds: [${Array.from({ length: 10001 }, (_, index) => index).join(', ')}]`);
    expectOnlyProblem(manySeeds, 3, '[0', /^"seeds" has 10001 entries; it may have at most 10000 \(a limit/);
    expectOnlyProblem(
      yaml('experiments:', '  x:', '    seeds: [2147483648]'),
      3,
      '2147483648',
      'Entry 1 of "seeds" must be an integer ≤ 2147483647, got 2147483648.',
    );
  });

  it('reports bad seeds', () => {
    expectOnlyProblem(yaml('experiments:', '  x:', '    seeds: 0'), 3, '0', '"seeds" must be an integer ≥ 1, got 0.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    seeds: []'), 3, '[]', '"seeds" must have at least 1 entry.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    seeds: [1, -1]'), 3, '-1', 'Entry 2 of "seeds" must be an integer ≥ 0, got -1.');
    expectOnlyProblem(yaml('experiments:', '  x:', '    seeds: [4, 5, 4]'), 3, '4]', '"seeds" lists 4 twice.');
  });

  it('collects every problem of a file and keeps the valid experiments', () => {
    const text = yaml(
      'experiments:',
      '  good: { epochs: 20 }',
      '  bad:',
      '    model: { hiden: 64, activation: tanh }',
      '    optimizer: { lr: -1, weightDecay: -1 }',
      '    seeds: [1, 1]',
      '    conditions:',
      '      ../up: {}',
      '      ok: { epochs: 0 }',
      '  ../other: { epochs: -3 }',
      '  also-good:',
    );
    const result = parse(text);
    assert.deepEqual(
      result.experiments.map((experiment) => experiment.name),
      ['good', 'also-good'],
    );
    const found = result.problems.map((problem) => [problem.position.line, problem.position.column]);
    const expected: [number, number][] = [
      [4, columnOf(text, 4, 'hiden')],
      [4, columnOf(text, 4, 'tanh')],
      [5, columnOf(text, 5, '-1,')],
      [5, columnOf(text, 5, '-1 }')],
      [6, text.split('\n')[5].lastIndexOf('1') + 1],
      [8, columnOf(text, 8, '../up')],
      [9, columnOf(text, 9, '0')],
      [10, columnOf(text, 10, '../other')],
      [10, columnOf(text, 10, '-3')],
    ];
    assert.deepEqual(found, expected, listProblems(result.problems));
  });
});

describe('defaults from the schema', () => {
  it('gives every key of a condition a default for its model kind, in the schema\'s order, each one the validator accepts', () => {
    for (const kind of ['mlp', 'transformer'] as const) {
      const config: RunConfig = kind === 'mlp' ? defaultRunConfig() : withDefaults({ model: { kind } });
      // Whether every node on the path applies to this kind (a key marked `models` belongs to those kinds only).
      const appliesToKind = (leafPath: string): boolean => {
        let node: SchemaNode = conditionSchema;
        for (const key of leafPath.split('.')) {
          if (node.kind !== 'object') return true;
          node = node.properties[key];
          if (node.models && !node.models.includes(kind)) return false;
        }
        return true;
      };
      // trainFraction is another way of giving trainSize, and a Transformer's operation another way of giving operations.
      const alternatives = new Set(['task.trainFraction', kind === 'mlp' ? 'task.operations' : 'task.operation']);
      const leaves = [...schemaPaths(conditionSchema)].filter(([leafPath, node]) => node.kind !== 'object' && !alternatives.has(leafPath) && appliesToKind(leafPath));
      for (const [leafPath] of leaves) {
        const value = leafPath.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
        assert.notEqual(value, undefined, `${kind}: no default for ${leafPath}`);
      }
      assert.deepEqual(Object.keys(config), Object.keys(conditionSchema.properties).filter(appliesToKind), kind);
      // Written out in a file, the defaults are valid and resolve to themselves (same hash as an experiment that gives only the kind).
      const written = parse(JSON.stringify({ experiments: { x: config } }));
      assert.deepEqual(written.problems, [], listProblems(written.problems));
      assert.deepEqual(written.experiments[0].conditions[0].config, config);
      assert.equal(written.experiments[0].conditions[0].configHash, parse(`experiments: { x: { model: { kind: ${kind} } } }\n`).experiments[0].conditions[0].configHash);
    }
  });

  it('computes the defaults that depend on other values, and keeps what is given', () => {
    const short = withDefaults({ epochs: 120 });
    assert.deepEqual(short.diagnostics.repulsion.checkpoints, [50, 100]);
    assert.deepEqual(short.diagnostics.li2.checkpoints, [50, 100, 120]);
    assert.equal(withDefaults({ model: { activation: 'silu' } }).epochs, 800);
    const given = withDefaults({ epochs: 30, diagnostics: { repulsion: { checkpoints: [10] }, li2: { checkpoints: [] } } });
    assert.deepEqual([given.diagnostics.repulsion.checkpoints, given.diagnostics.li2.checkpoints], [[10], []]);
    // New objects and arrays: a caller may change the result.
    const first = defaultRunConfig();
    first.optimizer.betas[0] = 0;
    first.diagnostics.repulsion.checkpoints.push(999);
    assert.deepEqual(defaultRunConfig().optimizer.betas, [0.9, 0.999]);
    assert.deepEqual(defaultRunConfig().diagnostics.repulsion.checkpoints, [50, 100, 175, 250, 300]);
  });
});

describe('names and sizes that would wreck a run', () => {
  it('refuses condition names that would take the place of a file of the run folder, at the name', () => {
    for (const name of ['run.json', 'events.jsonl', 'summary.json', 'RUN.JSON', 'notes.log', 'grok.tmp', 'run.json.123.456.tmp']) {
      expectOnlyProblem(
        yaml('experiments:', '  x:', '    conditions:', `      ${name}: {}`),
        4,
        name,
        `Condition name "${name}" must not end with "${name.slice(name.lastIndexOf('.')).toLowerCase()}": condition names become folder names in the run folder, beside its files (run.json, events.jsonl, summary.json), whose endings (.json, .jsonl, .log, .tmp) are reserved.`,
      );
    }
    // An experiment's folder holds only run folders: its name cannot collide with a file.
    assert.deepEqual(parse(yaml('experiments:', '  run.json: {}')).problems, []);
    // The editor's schema says the same.
    const names = (JSON.parse(grokJsonSchemaText()) as { definitions: { experiment: { properties: { conditions: { propertyNames: { not: { pattern: string } } } } } } })
      .definitions.experiment.properties.conditions.propertyNames;
    assert.ok(['run.json', 'Summary.JSON', 'x.log', 'y.tmp', 'events.jsonl'].every((name) => new RegExp(names.not.pattern).test(name)));
    assert.ok(!['grok', 'json', 'v1.2', 'x.jsonx'].some((name) => new RegExp(names.not.pattern).test(name)));
  });

  it('refuses a description longer than limits.stringLength, at the value, without quoting it', () => {
    const description = 'x'.repeat(limits.stringLength + 1);
    const problem = expectOnlyProblem(
      yaml('experiments:', '  x:', `    description: ${description}`),
      3,
      description,
      `"description" has ${limits.stringLength + 1} characters; it may have at most ${limits.stringLength} (a limit that keeps a typo from exhausting memory).`,
    );
    assert.ok(problem.message.length < 200);
    assert.equal(parse(yaml('experiments:', '  x:', `    description: ${'x'.repeat(limits.stringLength)}`)).problems.length, 0);
  });

  it('refuses a text larger than limits.fileBytes before parsing it, with one problem naming the limit', () => {
    // Valid YAML but for its size: a comment fills it past the limit.
    const padding = (bytes: number) => `# ${'x'.repeat(bytes)}\n`;
    const text = `experiments: { x: {} }\n${padding(limits.fileBytes)}`;
    const started = performance.now();
    const result = parse(text);
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(result, {
      experiments: [],
      problems: [
        {
          file,
          position: { line: 1, column: 1 },
          message: `The file is 1 MiB (${Buffer.byteLength(text)} bytes); an experiment file may be at most 1 MiB (1048576 bytes), a limit that keeps a mistake such as a generated list from exhausting memory before anything is checked.`,
        },
      ],
    });
    // The limit is in bytes of UTF-8, as on disk: 350 000 "€" are 1 050 000 bytes.
    assert.equal(parse(`experiments: { x: {} }\n# ${'€'.repeat(350_000)}\n`).problems.length, 1);
    assert.deepEqual(parse(`experiments: { x: {} }\n# ${'€'.repeat(340_000)}\n`).problems, []);
    assert.equal(fileSizeProblem('big.grok.yaml', 50 * 2 ** 20)?.startsWith('big.grok.yaml is 50 MiB (52428800 bytes); an experiment file may be at most 1 MiB'), true);
    assert.equal(fileSizeProblem('big.grok.yaml', limits.fileBytes), undefined);
  });
});

describe('formatProblem', () => {
  it('writes file:line:column: message', () => {
    const [problem] = parse(yaml('experiments:', '  x:', '    model: { hidden: 0 }')).problems;
    assert.equal(formatProblem(problem), `${file}:3:22: "hidden" must be an integer ≥ 1, got 0.`);
  });
});

describe('examples and JSON Schema', () => {
  it('parses examples/lockin.grok.yaml without problems', () => {
    const text = fs.readFileSync(path.join(root, 'examples', 'lockin.grok.yaml'), 'utf8');
    const result = parseExperimentFile('examples/lockin.grok.yaml', text);
    assert.deepEqual(result.problems, [], listProblems(result.problems));
    assert.equal(result.experiments.length, 1);
    const [experiment] = result.experiments;
    assert.equal(experiment.name, 'lockin-square');
    assert.deepEqual(experiment.seeds, Array.from({ length: 15 }, (_, index) => index));
    assert.deepEqual(
      experiment.conditions.map((condition) => [condition.name, condition.config.optimizer.weightDecay]),
      [
        ['grok', 2e-4],
        ['control', 0],
      ],
    );
    // Every value of the reference study is docs/science.md's default.
    assert.equal(experiment.conditions[0].configHash, parse('experiments: { x: {} }\n').experiments[0].conditions[0].configHash);
  });

  it('parses examples/quickstart.grok.yaml without problems', () => {
    const text = fs.readFileSync(path.join(root, 'examples', 'quickstart.grok.yaml'), 'utf8');
    const result = parseExperimentFile('examples/quickstart.grok.yaml', text);
    assert.deepEqual(result.problems, [], listProblems(result.problems));
    const [experiment] = result.experiments;
    assert.equal(experiment.name, 'quickstart');
    assert.deepEqual(experiment.seeds, [0]);
    const [grok, control] = experiment.conditions;
    assert.deepEqual([grok.name, control.name], ['grok', 'control']);
    assert.deepEqual(grok.config.task, { operation: 'add', modulus: 71, trainSize: 2016 });
    assert.equal(mlpConfigOf(grok.config).model.hidden, 2048);
    assert.equal(mlpConfigOf(grok.config).epochs, 400);
    assert.deepEqual(grok.config.optimizer, { name: 'adam', lr: 1e-3, weightDecay: 2e-4, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9 });
    assert.deepEqual(mlpConfigOf(grok.config).diagnostics.repulsion.checkpoints, [50, 100, 175, 250, 300]);
    assert.deepEqual(grok.config.diagnostics.eigengap.detector, { lag: 25, threshold: 0.04, warmup: 100 });
    // The quick start is the papers' setting: its grok condition resolves to every default.
    assert.equal(grok.configHash, parseExperimentFile('defaults.grok.yaml', 'experiments: { x: {} }\n').experiments[0].conditions[0].configHash);
    assert.deepEqual(control.config, { ...grok.config, optimizer: { ...grok.config.optimizer, weightDecay: 0 } });
  });

  it('has a committed schemas/grok.schema.json equal to the emitted schema', () => {
    const committed = fs.readFileSync(path.join(root, 'schemas', 'grok.schema.json'), 'utf8');
    assert.equal(committed, grokJsonSchemaText(), 'Run `node scripts/emitJsonSchema.mjs` and commit the result.');
  });

  it('emits a draft-07 schema with the defaults, bounds and enums of the validator', () => {
    const schema: unknown = JSON.parse(grokJsonSchemaText());
    /** The value at `keys` inside the parsed schema. */
    const at = (...keys: string[]): unknown =>
      keys.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), schema);
    assert.equal(at('$schema'), 'http://json-schema.org/draft-07/schema#');
    assert.equal(at('additionalProperties'), false);
    assert.deepEqual(at('definitions', 'model', 'properties', 'hidden'), {
      type: 'integer',
      description: 'Hidden width K (number of hidden units).',
      minimum: 1,
      maximum: 65536,
      default: 2048,
    });
    assert.equal(at('definitions', 'model', 'additionalProperties'), false);
    assert.deepEqual(at('definitions', 'model', 'properties', 'activation', 'enum'), ['square', 'relu', 'silu']);
    assert.deepEqual(at('definitions', 'task', 'allOf'), [{ not: { required: ['trainSize', 'trainFraction'] } }, { not: { required: ['operation', 'operations'] } }]);
    assert.equal(at('definitions', 'task', 'properties', 'trainFraction', 'exclusiveMaximum'), 1);
    assert.deepEqual(at('definitions', 'optimizer', 'properties', 'betas', 'default'), [0.9, 0.999]);
    assert.deepEqual(at('definitions', 'experiment', 'properties', 'conditions', 'additionalProperties'), { $ref: '#/definitions/condition' });
    assert.equal(at('properties', 'experiments', 'propertyNames', 'pattern'), '^[A-Za-z0-9][A-Za-z0-9._-]*$');
    // Every object of the schema forbids unknown keys.
    const objects: Record<string, unknown>[] = [];
    const collect = (node: unknown) => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.type === 'object' || (Array.isArray(record.type) && record.type.includes('object'))) objects.push(record);
      Object.values(record).forEach(collect);
    };
    collect(schema);
    assert.ok(objects.length >= 10);
    for (const object of objects) assert.ok(object.additionalProperties !== undefined && object.additionalProperties !== true);
  });
});
