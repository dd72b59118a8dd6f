// New Experiment File writes a template that must stay a valid experiment file, under a name
// that does not overwrite anything.
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentFile } from '../../src/shared/config/parse';
import { EXPERIMENT_TEMPLATE, EXPERIMENT_TEMPLATE_FILE_NAME, uniqueExperimentFileName } from '../../src/extension/experiments/experimentTemplate';

describe('experiment file template', () => {
  it('parses without a problem, and matches examples/quickstart.grok.yaml', () => {
    const template = parseExperimentFile(EXPERIMENT_TEMPLATE_FILE_NAME, EXPERIMENT_TEMPLATE);
    assert.deepEqual(template.problems, []);
    const example = path.resolve(__dirname, '..', '..', 'examples', 'quickstart.grok.yaml');
    const quickstart = parseExperimentFile(example, fs.readFileSync(example, 'utf8'));
    assert.deepEqual(
      template.experiments.map((experiment) => [experiment.name, experiment.seeds, experiment.conditions.map((condition) => [condition.name, condition.configHash])]),
      quickstart.experiments.map((experiment) => [experiment.name, experiment.seeds, experiment.conditions.map((condition) => [condition.name, condition.configHash])]),
      'the template is the quick start with comments: same resolved configurations',
    );
  });
  it('is a *.grok.yaml name that never overwrites an existing file', () => {
    assert.equal(uniqueExperimentFileName(new Set()), 'experiment.grok.yaml');
    assert.equal(uniqueExperimentFileName(new Set(['experiment.grok.yaml'])), 'experiment-2.grok.yaml');
    assert.equal(uniqueExperimentFileName(new Set(['experiment.grok.yaml', 'experiment-2.grok.yaml'])), 'experiment-3.grok.yaml');
  });
});
