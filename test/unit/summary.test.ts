// Milestones, detector epoch, late-stage gap and aggregates, on hand-built record series.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord } from '../../src/shared/runFormat';
import { MILESTONE_NAMES, detectorEpoch, isComparablePair, lateStageGap, milestoneEpochs, sedRatioPeak, summarizeRun, summarizeSeed } from '../../src/shared/summary';
import { interquartileRange, median, quantile } from '../../src/shared/statistics';

function series(length: number, row: (epoch: number) => Partial<EpochRecord>): EpochRecord[] {
  return Array.from({ length }, (_, epoch) => ({ epoch, trainLoss: 1, trainAcc: 0, testLoss: 1, testAcc: 0, weightNorm: 1, ...row(epoch) }));
}

describe('statistics', () => {
  it('interpolates quantiles like numpy', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.deepEqual(interquartileRange([10, 20, 30, 40, 50]), [20, 40]);
    assert.equal(median([]), null);
  });
});

describe('summaries', () => {
  const records = series(401, (epoch) => ({
    trainAcc: epoch >= 30 ? 1 : epoch / 30,
    testAcc: epoch < 150 ? 0.01 : Math.min(1, 0.01 + (epoch - 150) * 0.01),
    gap23: epoch >= 3 ? 1 + epoch / 100 : undefined,
    gapSlope: epoch === 90 || epoch === 120 || epoch === 121 ? 0.05 : 0.001,
  }));

  it('finds the first epoch of each milestone', () => {
    // testAcc = 0.01 + (e − 150)·0.01 reaches 0.5 at e = 199, 0.95 at e = 244, 0.98 at e = 247, 0.99 at e = 248.
    assert.deepEqual(milestoneEpochs(records), { memorized: 30, grok50: 199, grok95: 244, grok98: 247, grok99: 248 });
    // In display order, grok ≥ 0.98 between 0.95 and 0.99.
    assert.deepEqual(MILESTONE_NAMES, ['memorized', 'grok50', 'grok95', 'grok98', 'grok99']);
  });

  it('puts the grok ≥ 0.98 milestone in every seed summary: 0.98 itself counts, 0.979 does not', () => {
    const steps = [0.5, 0.979, 0.98, 0.995].map((testAcc, index) => ({ epoch: index * 100, trainLoss: 1, trainAcc: 1, testLoss: 1, testAcc, weightNorm: 1 }));
    const seed = summarizeSeed({ condition: 'single', seed: 0, status: 'completed', records: steps, detector: undefined, lateStage: undefined });
    assert.deepEqual([seed.grokEpoch50, seed.grokEpoch95, seed.grokEpoch98, seed.grokEpoch99], [0, 100, 200, 300]);
    // Written after grokEpoch95, as summary.json lists it.
    assert.deepEqual(Object.keys(seed).slice(4, 9), ['memorizedEpoch', 'grokEpoch50', 'grokEpoch95', 'grokEpoch98', 'grokEpoch99']);
  });

  it('fires the detector only after the warm-up and strictly above the threshold', () => {
    assert.equal(detectorEpoch(records, 0.04, 100), 120);
    assert.equal(detectorEpoch(records, 0.04, 50), 90);
    assert.equal(detectorEpoch(records, 0.05, 0), null);
  });

  it('takes the median gap over the late stage, inclusive', () => {
    // gap = 1 + e/100 over 200…400: median at e = 300.
    assert.equal(lateStageGap(records, 200, 400), 4);
    assert.equal(lateStageGap(records.slice(0, 3), 0, 400), null);
  });

  it('aggregates seeds per condition and the separation of the late gaps', () => {
    const grok = summarizeSeed({ condition: 'grok', seed: 0, status: 'completed', records, detector: { threshold: 0.04, warmup: 100 }, lateStage: [200, 400] });
    assert.equal(grok.detectorLead, 120 - 248);
    const flat = series(401, () => ({ gap23: 2, gapSlope: 0 }));
    const controls = [0, 1].map((seed) =>
      summarizeSeed({ condition: 'control', seed, status: 'completed', records: flat, detector: { threshold: 0.04, warmup: 100 }, lateStage: [200, 400] }),
    );
    const summary = summarizeRun('run', ['grok', 'control'], [grok, ...controls]);
    assert.deepEqual(summary.conditions.map((condition) => [condition.condition, condition.seedCount, condition.firedCount]), [['grok', 1, 1], ['control', 2, 0]]);
    assert.equal(summary.conditions[1].detectorEpochIqr, null);
    assert.deepEqual(summary.separation.find((pair) => pair.numerator === 'grok')?.ratio, 4 / 2);
  });
});

describe('which separations are listed', () => {
  it('lists every pair without a grid, and with a grid only named conditions at the same grid point', () => {
    assert.equal(isComparablePair({}, {}), true);
    assert.equal(isComparablePair(undefined, {}), true, 'a condition missing from run.json is compared as before');
    const grok5 = { gridPoint: { 'diagnostics.eigengap.window': 5 } };
    const control5 = { gridPoint: { 'diagnostics.eigengap.window': 5 } };
    const control10 = { gridPoint: { 'diagnostics.eigengap.window': 10 } };
    assert.equal(isComparablePair(grok5, control5), true);
    assert.equal(isComparablePair(grok5, control10), false);
    assert.equal(isComparablePair(grok5, {}), false);
    // Key order does not matter, values do.
    assert.equal(isComparablePair({ gridPoint: { a: 1, b: 'x' } }, { gridPoint: { b: 'x', a: 1 } }), true);
    assert.equal(isComparablePair({ gridPoint: { a: 1, b: 'x' } }, { gridPoint: { a: 1, b: 'y' } }), false);
  });
});

describe('the gradient-direction SED peak R̄ (arXiv 2604.25143)', () => {
  const row = (epoch: number, extra: Partial<EpochRecord>): EpochRecord => ({ epoch, trainLoss: 1, trainAcc: 0, testLoss: 1, testAcc: 0, weightNorm: 1, ...extra });

  it('is the largest mean of R₁…R₃ over the rows that have three, at the step the values describe', () => {
    const records = [
      row(0, {}),
      row(100, { gradientSedRatios: [30, 3, 3], updateSedRatios: [2, 1, 0] }),
      row(200, { gradientSedRatios: [20, 20, 2], updateSedRatios: [4, 2, 3], gradientSedStep: 50 }),
      // Two ratios (a zero singular value): left out, though its mean is larger.
      row(300, { gradientSedRatios: [100, 90] }),
    ];
    assert.deepEqual(sedRatioPeak(records, 'gradientSedRatios'), { value: 14, epoch: 50 });
    assert.deepEqual(sedRatioPeak(records, 'updateSedRatios'), { value: 3, epoch: 50 });
    assert.deepEqual(sedRatioPeak(records, 'gradientSedRatios', { count: 2 }), { value: 95, epoch: 300 });
    assert.equal(sedRatioPeak([row(0, {})], 'gradientSedRatios'), null);
  });

  it('reads one operation of a multitask record', () => {
    const operation = (name: string, ratios: number[]) => ({ operation: name, trainLoss: 1, trainAcc: 0, testLoss: 1, testAcc: 0, gradientSedRatios: ratios });
    const records = [
      row(100, { operations: [operation('add', [3, 3, 3]), operation('multiply', [9, 9, 9])] }),
      row(200, { operations: [operation('add', [6, 6, 6]), operation('multiply', [1, 1, 1])] }),
    ];
    assert.deepEqual(sedRatioPeak(records, 'gradientSedRatios', { operation: 'add' }), { value: 6, epoch: 200 });
    assert.deepEqual(sedRatioPeak(records, 'gradientSedRatios', { operation: 'multiply' }), { value: 9, epoch: 100 });
    assert.equal(sedRatioPeak(records, 'gradientSedRatios'), null);
  });
});
