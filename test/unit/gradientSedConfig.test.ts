// The `diagnostics.gradientSed` block of experiment files (docs/science.md §8): defaults, overrides per
// condition, the bounds with their line and column, the cross-key rule vectors < window, and the
// emitted JSON Schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grokJsonSchemaText } from '../../src/shared/config/jsonSchema';
import { formatProblem, parseExperimentFile, type ParseResult } from '../../src/shared/config/parse';
import type { GradientSedConfig } from '../../src/shared/config/types';
import { mlpConfigOf } from '../../src/shared/config/modelKind';

const file = 'sed.grok.yaml';

function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function parse(text: string): ParseResult {
  return parseExperimentFile(file, text);
}

function gradientSedOf(text: string, condition = 'default'): GradientSedConfig | undefined {
  const result = parse(text);
  assert.deepEqual(result.problems.map(formatProblem), []);
  const config = result.experiments[0].conditions.find((entry) => entry.name === condition)?.config;
  return config && mlpConfigOf(config).diagnostics.gradientSed;
}

/** The one problem of `text`, which must be at the first occurrence of `token` in line `line`. */
function onlyProblem(text: string, line: number, token: string): string {
  const result = parse(text);
  assert.equal(result.problems.length, 1, result.problems.map(formatProblem).join('\n'));
  const [problem] = result.problems;
  const column = text.split('\n')[line - 1].indexOf(token) + 1;
  assert.ok(column > 0, `"${token}" is not in line ${line}`);
  assert.deepEqual(problem.position, { line, column });
  assert.deepEqual(result.experiments, []);
  return problem.message;
}

describe('diagnostics.gradientSed in experiment files', () => {
  it('is off by default, with the values of docs/science.md §8 and every 10 epochs', () => {
    assert.deepEqual(gradientSedOf('experiments: { quick: { epochs: 50 } }\n'), {
      enabled: false,
      window: 20,
      vectors: 3,
      directions: 20,
      probes: 1024,
      epsilonScale: 0.005,
      every: 10,
    });
  });

  it('takes every key, and conditions override single keys', () => {
    const text = yaml(
      'experiments:',
      '  sed:',
      '    diagnostics:',
      '      gradientSed: { enabled: true, window: 8, vectors: 2, directions: 5, probes: 64, epsilonScale: 0.01, every: 4 }',
      '    conditions:',
      '      base: {}',
      '      sparse: { diagnostics: { gradientSed: { every: 50 } } }',
    );
    const base = { enabled: true, window: 8, vectors: 2, directions: 5, probes: 64, epsilonScale: 0.01, every: 4 };
    assert.deepEqual(gradientSedOf(text, 'base'), base);
    assert.deepEqual(gradientSedOf(text, 'sparse'), { ...base, every: 50 });
  });

  it('reports out-of-range values at the value', () => {
    const cases: [string, string, string][] = [
      ['window: 2', '2', '"window" must be an integer ≥ 3, got 2.'],
      ['window: 201', '201', '"window" must be at most 200'],
      ['vectors: 0', '0', '"vectors" must be an integer ≥ 1, got 0.'],
      ['directions: 0', '0', '"directions" must be an integer ≥ 1, got 0.'],
      ['directions: 1001', '1001', '"directions" must be at most 1000'],
      ['probes: 0', '0', '"probes" must be an integer ≥ 1, got 0.'],
      ['probes: 100001', '100001', '"probes" must be at most 100000'],
      ['epsilonScale: 0', '0', '"epsilonScale" must be a number > 0, got 0.'],
      ['every: 0', '0', '"every" must be an integer ≥ 1, got 0.'],
      ['every: 2.5', '2.5', '"every" must be an integer from 1 to 1000000, got 2.5.'],
      ['enabled: yes', 'yes', '"enabled" must be true or false, got "yes".'],
    ];
    for (const [entry, token, message] of cases) {
      const text = yaml('experiments:', '  x:', `    diagnostics: { gradientSed: { ${entry} } }`);
      const valueColumn = `    diagnostics: { gradientSed: { ${entry.split(':')[0]}: `.length;
      const result = parse(text);
      assert.equal(result.problems.length, 1, `${entry}: ${result.problems.map(formatProblem).join('\n')}`);
      assert.deepEqual(result.problems[0].position, { line: 3, column: valueColumn + 1 }, `${entry} (token ${token})`);
      assert.ok(result.problems[0].message.includes(message), `${entry}: ${result.problems[0].message}`);
    }
  });

  it('rejects unknown keys', () => {
    assert.match(onlyProblem(yaml('experiments:', '  x:', '    diagnostics: { gradientSed: { vector: 3 } }'), 3, 'vector'), /vector/);
  });

  it('requires vectors < window, reported at the key that was written', () => {
    const vectors = onlyProblem(yaml('experiments:', '  x:', '    diagnostics: { gradientSed: { vectors: 20 } }'), 3, '20');
    assert.equal(vectors, 'The gradient-SED "vectors" (20) must be less than its "window" (20): a window of w gradients has at most w singular vectors.');
    const window = onlyProblem(yaml('experiments:', '  x:', '    diagnostics: { gradientSed: { window: 3 } }'), 3, '3');
    assert.match(window, /"vectors" \(3\) must be less than its "window" \(3\)/);
    // A condition that shrinks the window below the experiment's vectors.
    const text = yaml(
      'experiments:',
      '  x:',
      '    diagnostics: { gradientSed: { vectors: 5 } }',
      '    conditions:',
      '      small: { diagnostics: { gradientSed: { window: 5 } } }',
    );
    const result = parse(text);
    assert.equal(result.problems.length, 1, result.problems.map(formatProblem).join('\n'));
    assert.equal(result.problems[0].position.line, 3);
    assert.equal(gradientSedOf(yaml('experiments:', '  x:', '    diagnostics: { gradientSed: { window: 4, vectors: 3 } }'))?.vectors, 3);
  });

  it('is in the emitted JSON Schema with its defaults and bounds', () => {
    const schema = JSON.parse(grokJsonSchemaText()) as { definitions: Record<string, { properties: Record<string, unknown> }> };
    const block = schema.definitions.diagnostics.properties.gradientSed as { properties: Record<string, Record<string, unknown>>; additionalProperties: boolean };
    assert.equal(block.additionalProperties, false);
    assert.deepEqual(Object.keys(block.properties), ['enabled', 'window', 'vectors', 'directions', 'probes', 'epsilonScale', 'every']);
    assert.equal(block.properties.enabled.default, false);
    assert.equal(block.properties.window.minimum, 3);
    assert.equal(block.properties.epsilonScale.exclusiveMinimum, 0);
    assert.equal(block.properties.every.default, 10);
    assert.equal(block.properties.probes.default, 1024);
  });
});
