// Export Run (CSV/JSON) (src/extension/runs/runExport.ts): columns, list fields spread over numbered
// columns, quoting, missing values; the JSON keeps the whole run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordsToCsv, runToJson } from '../../src/extension/runs/runExport';
import type { EpochRecord } from '../../src/shared/runFormat';

const records: EpochRecord[] = [
  { epoch: 0, trainLoss: 1.5, trainAcc: 0.01, testLoss: 1.6, testAcc: 0.02, weightNorm: 10, milliseconds: 12 },
  { epoch: 1, trainLoss: 1.4, trainAcc: 0.02, testLoss: 1.6, testAcc: 0.02, weightNorm: 10.5, eigenvalues: [5, 4, 3], gap23: 1.33, gapSlope: Number.NaN },
];

describe('CSV export', () => {
  const csv = recordsToCsv([
    { condition: 'grok', seed: 0, status: 'completed', records },
    { condition: 'control, "η = 0"', seed: 3, records: [{ epoch: 0, trainLoss: 2, trainAcc: 0, testLoss: 2, testAcc: 0, weightNorm: 9, eigenvalues: [1, 2, 3, 4, 5] }] },
  ], 'epoch');
  const [header, ...rows] = csv.trimEnd().split('\n');

  it('has condition, seed, the main fields first, others by name, then numbered list columns', () => {
    assert.equal(
      header,
      'condition,seed,epoch,trainLoss,trainAcc,testLoss,testAcc,gap23,gapSlope,weightNorm,milliseconds,eigenvalues.1,eigenvalues.2,eigenvalues.3,eigenvalues.4,eigenvalues.5',
    );
  });
  it('writes one row per seed and epoch, empty cells for missing and non-finite values', () => {
    assert.equal(rows.length, 3);
    assert.equal(rows[0], 'grok,0,0,1.5,0.01,1.6,0.02,,,10,12,,,,,');
    assert.equal(rows[1], 'grok,0,1,1.4,0.02,1.6,0.02,1.33,,10.5,,5,4,3,,');
  });
  it('quotes cells with commas and quotes', () => {
    assert.ok(rows[2].startsWith('"control, ""η = 0""",3,0,'), rows[2]);
    assert.ok(rows[2].endsWith(',1,2,3,4,5'));
  });
  it('names the time column step for a Transformer run, and spreads a multitask row’s heads over named columns', () => {
    const head = (operation: string, testAcc: number) => ({ operation, trainLoss: 0.1, trainAcc: 1, testLoss: 0.5, testAcc });
    const multitask: EpochRecord[] = [{ epoch: 100, trainLoss: 0.2, trainAcc: 1, testLoss: 1, testAcc: 0.6, weightNorm: 30, operations: [head('add', 0.9), head('subtract', 0.6)] }];
    const [transformerHeader, transformerRow] = recordsToCsv([{ condition: 'multi', seed: 0, records: multitask }], 'step').trimEnd().split('\n');
    assert.equal(
      transformerHeader,
      'condition,seed,step,trainLoss,trainAcc,testLoss,testAcc,weightNorm,operations.add.testAcc,operations.add.testLoss,operations.add.trainAcc,operations.add.trainLoss,operations.subtract.testAcc,operations.subtract.testLoss,operations.subtract.trainAcc,operations.subtract.trainLoss',
    );
    assert.equal(transformerRow, 'multi,0,100,0.2,1,1,0.6,30,0.9,0.5,1,0.1,0.6,0.5,1,0.1');
    assert.doesNotMatch(transformerRow, /object/);
    assert.equal(recordsToCsv([{ condition: 'grok', seed: 0, records }], 'mixed').split(',')[2], 'epoch/step');
  });
});

describe('JSON export', () => {
  it('keeps manifest, summary, events and every row, and reads back', () => {
    const text = runToJson({ manifest: null, summary: null, events: [{ type: 'milestone', condition: 'grok', seed: 0, epoch: 1, milestone: 'grok50' }], seeds: [{ condition: 'grok', seed: 0, records }] });
    const parsed = JSON.parse(text);
    assert.equal(parsed.exportVersion, 1);
    assert.equal(parsed.events.length, 1);
    assert.deepEqual(parsed.seeds[0].records[1].eigenvalues, [5, 4, 3]);
  });
});
