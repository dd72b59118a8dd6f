// Records and events → chart series: gaps stay gaps, vector components are 1-based, markers come from
// events, repulsion and B_jl from checkpoints, and log axes say what they cannot show.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord, RepulsionEvent, RunEvent } from '../../src/shared/runFormat';
import {
  DASHBOARD_CHARTS,
  METRICS,
  couplingDistribution,
  describeMetric,
  detectorMarkers,
  forLogAxis,
  hasValues,
  metricSeries,
  repulsionSeries,
} from '../../src/shared/dashboard/series';

function row(epoch: number, fields: Partial<EpochRecord> = {}): EpochRecord {
  return { epoch, trainLoss: 1, trainAcc: 0, testLoss: 2, testAcc: 0, weightNorm: 1, ...fields };
}

function repulsion(condition: string, seed: number, epoch: number, fields: Partial<RepulsionEvent> = {}): RepulsionEvent {
  return { type: 'repulsion', condition, seed, epoch, applicable: true, weightDecay: 2e-4, pairs: 3, milliseconds: 5, ...fields };
}

describe('dashboard series', () => {
  it('reads scalar fields and 1-based vector components, null when absent or not finite', () => {
    const records = [
      row(0),
      row(1, { eigenvalues: [5, 4, 3, 2, 1], gap23: 4 / 3, kStar: 2 }),
      row(2, { eigenvalues: [5, 4], gap23: Number.NaN }),
      // A diverged value written as JSON becomes null; the type says number but the viewer must cope.
      { ...row(3), trainLoss: null as unknown as number, gap23: Number.POSITIVE_INFINITY },
    ];
    assert.deepEqual(metricSeries(records, 'eigenvalues[1]'), { x: [0, 1, 2, 3], y: [null, 5, 5, null] });
    assert.deepEqual(metricSeries(records, 'eigenvalues[3]').y, [null, 3, null, null]);
    assert.deepEqual(metricSeries(records, 'eigenvalues[5]').y, [null, 1, null, null]);
    assert.deepEqual(metricSeries(records, 'gap23').y, [null, 4 / 3, null, null]);
    assert.deepEqual(metricSeries(records, 'trainLoss').y, [1, 1, 1, null]);
    assert.deepEqual(metricSeries(records, 'kStar').y, [null, 2, null, null]);
    // Zero is a value, not a gap.
    assert.deepEqual(metricSeries([row(0, { testAcc: 0 })], 'testAcc').y, [0]);
    assert.equal(hasValues(metricSeries(records.slice(0, 1), 'gap23')), false);
  });

  it('lists every metric once, with a label and a chart', () => {
    assert.equal(new Set(METRICS).size, METRICS.length);
    for (const required of ['trainAcc', 'testAcc', 'trainLoss', 'testLoss', 'gap23', 'gapSlope', 'effectiveRank', 'kStar', 'edgeRatio', 'g23', 'adiabatic', 'gradientFNorm', 'updateCosine', 'weightNorm', 'eigenvalues[1]', 'eigenvalues[5]']) {
      assert.ok(METRICS.includes(required as (typeof METRICS)[number]), required);
    }
    for (const metric of METRICS) {
      const description = describeMetric(metric);
      assert.ok(description.label.length > 0);
      assert.ok(DASHBOARD_CHARTS.includes(description.chart));
    }
    assert.equal(describeMetric('eigenvalues[2]').label, 'λ₂');
    // The record field keeps its name; its label says which rank it is (not arXiv 2605.08119's largest-gap position).
    assert.equal(describeMetric('effectiveRank').label, 'energy rank (99 % of Σλ)');
  });

  it('takes detector markers from events, the first fire per seed', () => {
    const events: RunEvent[] = [
      { type: 'detectorFired', condition: 'grok', seed: 1, epoch: 140, gap23: 3, gapSlope: 0.05 },
      { type: 'milestone', condition: 'grok', seed: 0, epoch: 248, milestone: 'grok99' },
      { type: 'detectorFired', condition: 'grok', seed: 0, epoch: 120, gap23: 2.5, gapSlope: 0.06 },
      { type: 'detectorFired', condition: 'grok', seed: 1, epoch: 130, gap23: 2.9, gapSlope: 0.045 },
      { type: 'milestone', condition: 'grok', seed: 0, epoch: 30, milestone: 'memorized' },
    ];
    assert.deepEqual(detectorMarkers(events), [
      { condition: 'grok', seed: 0, epoch: 120, gap23: 2.5, gapSlope: 0.06 },
      { condition: 'grok', seed: 1, epoch: 130, gap23: 2.9, gapSlope: 0.045 },
    ]);
  });

  it('plots repulsion statistics over checkpoints, with gaps where the check does not apply', () => {
    const events: RunEvent[] = [
      repulsion('grok', 0, 100, { fractionNegative: 0.6, signMatch: 1, publishedSignMatch: 0.7 }),
      repulsion('grok', 0, 50, { fractionNegative: 0.5, signMatch: 1, publishedSignMatch: 0.8 }),
      repulsion('grok', 1, 50, { fractionNegative: 0.9 }),
      repulsion('grok', 0, 175, { applicable: false, reason: 'η = 0' }),
    ];
    assert.deepEqual(repulsionSeries(events, 'grok', 0, 'fractionNegative'), { condition: 'grok', seed: 0, statistic: 'fractionNegative', x: [50, 100, 175], y: [0.5, 0.6, null] });
    assert.deepEqual(repulsionSeries(events, 'grok', 0, 'publishedSignMatch').y, [0.8, 0.7, null]);
    assert.deepEqual(repulsionSeries(events, 'grok', 1, 'signMatch'), { condition: 'grok', seed: 1, statistic: 'signMatch', x: [50], y: [null] });
    assert.deepEqual(repulsionSeries(events, 'control', 0, 'signMatch').x, []);
  });

  it('takes the B_jl distribution from the latest applicable checkpoint, from pairs or recorded quantiles', () => {
    const events: RunEvent[] = [
      repulsion('grok', 0, 50, { pairList: [[0, 1, 0.9, -4, -0.4], [0, 2, 0.8, -2, -0.2], [1, 2, -0.5, 1, 0.1], [2, 3, 0.7, 3, 0.3], [1, 3, 0.6, -1, -0.1]] }),
      repulsion('grok', 0, 100, { couplingQuantiles: [-9, -3, -1, 0, 2], normalizedCouplingQuantiles: [-0.9, -0.3, -0.1, 0, 0.2] }),
      repulsion('grok', 0, 175, { applicable: false }),
    ];
    // Latest applicable is 100 (175 does not apply): no pairs, so the recorded quantiles.
    assert.deepEqual(couplingDistribution(events, 'grok', 0), { condition: 'grok', seed: 0, epoch: 100, values: [], quantiles: [-9, -3, -1, 0, 2] });
    assert.deepEqual(couplingDistribution(events, 'grok', 0, { normalized: true })?.quantiles, [-0.9, -0.3, -0.1, 0, 0.2]);
    // At epoch 60 the latest is 50, with pairs: B_jl = [-4, -2, 1, 3, -1], sorted [-4, -2, -1, 1, 3].
    assert.deepEqual(couplingDistribution(events, 'grok', 0, { atEpoch: 60 }), { condition: 'grok', seed: 0, epoch: 50, values: [-4, -2, 1, 3, -1], quantiles: [-4, -2, -1, 1, 3] });
    assert.deepEqual(couplingDistribution(events, 'grok', 0, { atEpoch: 60, normalized: true })?.values, [-0.4, -0.2, 0.1, 0.3, -0.1]);
    assert.equal(couplingDistribution(events, 'grok', 0, { atEpoch: 10 }), null);
    assert.equal(couplingDistribution([repulsion('control', 0, 50, { applicable: false })], 'control', 0), null);
  });

  it('prepares series for log axes, counting the points that cannot be shown', () => {
    const series = { x: [0, 1, 2, 3, 4], y: [0.5, 0, null, -1, 2] };
    assert.deepEqual(forLogAxis(series), { x: [0, 1, 2, 3, 4], y: [0.5, null, null, null, 2], droppedCount: 2, drawable: true });
    assert.deepEqual(forLogAxis({ x: [0, 1], y: [0, -3] }), { x: [0, 1], y: [null, null], droppedCount: 2, drawable: false });
    // Log-x: epoch 0 cannot be shown; a gap at epoch 0 is not counted as a lost value.
    assert.deepEqual(forLogAxis(series, 'x'), { x: [1, 2, 3, 4], y: [0, null, -1, 2], droppedCount: 1, drawable: true });
    assert.equal(forLogAxis({ x: [0, 1], y: [null, 3] }, 'x').droppedCount, 0);
  });
});
