// Seed aggregation: median and numpy-linear IQR per epoch over the seeds with a value, hand-computed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateSeries } from '../../src/webview/aggregate';

describe('seed aggregation', () => {
  // Four seeds of different lengths (a running seed is shorter), with a gap in the first.
  const seeds = [
    { x: [0, 1, 2, 3], y: [1, 2, null, 4] },
    { x: [0, 1, 2], y: [3, 6, 5] },
    { x: [0, 1], y: [5, 10] },
    { x: [0, 1, 5], y: [7, null, null] },
  ];

  it('takes median and IQR over the seeds that have a value at each epoch', () => {
    // Epoch 0: [1, 3, 5, 7] → median 4; q25 at position 0.75 → 1 + 2·0.75 = 2.5; q75 at 2.25 → 5 + 2·0.25 = 5.5.
    // Epoch 1: [2, 6, 10] (seed 3 has a gap) → median 6; q25 at 0.5 → 4; q75 at 1.5 → 8.
    // Epoch 2: [5] (seed 0 has a gap, seeds 2 and 3 ended) → 5 throughout. Epoch 3: [4].
    // Epoch 5: only a gap → no statistics, count 0.
    assert.deepEqual(aggregateSeries(seeds), {
      x: [0, 1, 2, 3, 5],
      median: [4, 6, 5, 4, null],
      lower: [2.5, 4, 5, 4, null],
      upper: [5.5, 8, 5, 4, null],
      count: [4, 3, 1, 1, 0],
    });
  });

  it('leaves a gap where fewer seeds than asked have a value', () => {
    const aggregate = aggregateSeries(seeds, { minimumCount: 2 });
    assert.deepEqual(aggregate.median, [4, 6, null, null, null]);
    assert.deepEqual(aggregate.lower, [2.5, 4, null, null, null]);
    assert.deepEqual(aggregate.count, [4, 3, 1, 1, 0]);
  });

  it('handles no seeds, one seed and misaligned epochs', () => {
    assert.deepEqual(aggregateSeries([]), { x: [], median: [], lower: [], upper: [], count: [] });
    assert.deepEqual(aggregateSeries([{ x: [3, 7], y: [0.25, 0.5] }]), { x: [3, 7], median: [0.25, 0.5], lower: [0.25, 0.5], upper: [0.25, 0.5], count: [1, 1] });
    // Epochs are merged in increasing order whatever the order of the series.
    assert.deepEqual(aggregateSeries([{ x: [4], y: [1] }, { x: [2, 4], y: [3, 5] }]).x, [2, 4]);
    assert.deepEqual(aggregateSeries([{ x: [4], y: [1] }, { x: [2, 4], y: [3, 5] }]).median, [3, 3]);
  });
});
