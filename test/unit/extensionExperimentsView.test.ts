// What the Experiments view says about experiments and conditions (src/extension/experiments/experimentsView.ts),
// on experiments parsed from real YAML: plain conditions, a bare grid, and conditions × a grid.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExperimentFile } from '../../src/shared/config/parse';
import type { ResolvedExperiment } from '../../src/shared/config/types';
import { conditionTooltip, describeConditionItem, describeExperimentSize, describeGrid } from '../../src/extension/experiments/experimentsView';

function experimentOf(...lines: string[]): ResolvedExperiment {
  const result = parseExperimentFile('view.grok.yaml', `${lines.join('\n')}\n`);
  assert.deepEqual(result.problems, []);
  return result.experiments[0];
}

const plain = experimentOf(
  'experiments:',
  '  lockin:',
  '    seeds: 15',
  '    conditions:',
  '      grok: {}',
  '      control: { optimizer: { weightDecay: 0 } }',
);
const bareGrid = experimentOf(
  'experiments:',
  '  sweep:',
  '    seeds: 5',
  '    epochs: 600',
  '    grid:',
  '      optimizer.weightDecay: [1.0e-5, 5.0e-5, 1.0e-4, 2.0e-4, 5.0e-4]',
  '      diagnostics.eigengap.window: [5, 10]',
);
const conditionsAndGrid = experimentOf(
  'experiments:',
  '  windows:',
  '    seeds: 3',
  '    conditions:',
  '      grok: {}',
  '      control: { optimizer: { weightDecay: 0 } }',
  '    grid:',
  '      diagnostics.eigengap.window: [5, 10, 20, 30]',
);

describe('Experiments view: experiments', () => {
  it('says how many conditions, grid points and seeds an experiment runs', () => {
    assert.equal(describeExperimentSize(plain), '2 conditions × 15 seeds');
    assert.equal(describeExperimentSize(bareGrid), '10 grid points × 5 seeds');
    assert.equal(describeExperimentSize(conditionsAndGrid), '2 conditions × 4 grid points × 3 seeds');
    assert.equal(describeExperimentSize(experimentOf('experiments:', '  x:', '    grid: { epochs: [10] }')), '1 grid point × 1 seed');
  });

  it('names the grid keys and their value counts', () => {
    assert.equal(describeGrid(plain), undefined);
    assert.equal(describeGrid(bareGrid), 'weightDecay (5 values) × window (2 values)');
    assert.equal(describeGrid(conditionsAndGrid), 'window (4 values)');
  });
});

describe('Experiments view: conditions', () => {
  it('describes a named condition by its configuration', () => {
    const [grok, control] = plain.conditions;
    assert.equal(describeConditionItem(plain, grok), 'add mod 71 · K 2048 square · adam wd 0.0002 · 400 epochs');
    assert.equal(describeConditionItem(plain, control), 'add mod 71 · K 2048 square · adam wd 0 · 400 epochs');
    assert.equal(
      conditionTooltip(plain, control),
      `lockin / control\nadd mod 71 · K 2048 square · adam wd 0 · 400 epochs\nconfig hash ${control.configHash.slice(0, 12)}`,
    );
  });

  it('describes a grid point by its values, with the short labels in the tree and the full keys in the tooltip', () => {
    const point = bareGrid.conditions[1];
    assert.equal(point.name, 'weightDecay-1e-5_window-10');
    assert.equal(describeConditionItem(bareGrid, point), 'weightDecay = 1e-5 · window = 10');
    assert.equal(
      conditionTooltip(bareGrid, point),
      [
        'sweep / weightDecay-1e-5_window-10',
        'grid: optimizer.weightDecay = 1e-5 · diagnostics.eigengap.window = 10',
        'add mod 71 · K 2048 square · adam wd 0.00001 · 600 epochs',
        `config hash ${point.configHash.slice(0, 12)}`,
      ].join('\n'),
    );
  });

  it('names the condition a grid point belongs to', () => {
    const point = conditionsAndGrid.conditions[5];
    assert.equal(point.name, 'control_window-10');
    assert.equal(describeConditionItem(conditionsAndGrid, point), 'window = 10');
    assert.equal(
      conditionTooltip(conditionsAndGrid, point).split('\n').slice(0, 3).join('\n'),
      'windows / control_window-10\ncondition control\ngrid: diagnostics.eigengap.window = 10',
    );
  });
});
