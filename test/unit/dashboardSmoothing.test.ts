// The smoothed overlay: TensorBoard's debiased EMA on consecutive epochs, decay by epoch distance
// across gaps and decimated points, gaps kept, raw values untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smoothSeries } from '../../src/webview/smoothing';

function assertClose(actual: readonly (number | null)[], expected: readonly (number | null)[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, index) => {
    const wanted = expected[index];
    if (wanted === null) assert.equal(value, null, `y[${index}]`);
    else assert.ok(value !== null && Math.abs(value - wanted) < 1e-12, `y[${index}] = ${value}, expected ${wanted}`);
  });
}

describe('smoothing', () => {
  it('matches TensorBoard’s debiased EMA on consecutive epochs', () => {
    // w = 0.5: m = 0.5, 1.75, 1.875; n = 1 − 0.5ᵏ = 0.5, 0.75, 0.875; m/n = 1, 7/3, 15/7.
    const series = { x: [0, 1, 2], y: [1, 3, 2] };
    const smoothed = smoothSeries(series, 0.5);
    assert.deepEqual(smoothed.x, [0, 1, 2]);
    assertClose(smoothed.y, [1, 7 / 3, 15 / 7]);
    // The raw series is not touched (the webview draws it under the overlay).
    assert.deepEqual(series, { x: [0, 1, 2], y: [1, 3, 2] });
    // w = 0.9 on [10, 0]: m = 1, 0.9; n = 0.1, 0.19 → 10, 0.9/0.19.
    assertClose(smoothSeries({ x: [5, 6], y: [10, 0] }, 0.9).y, [10, 0.9 / 0.19]);
  });

  it('keeps gaps as gaps and decays the average by the epochs they span', () => {
    // After the gap, a = 0.5³ = 0.125: m = 0.125·0.5 + 0.875·4 = 3.5625, n = 0.125·0.5 + 0.875 = 0.9375 → 3.8.
    // (TensorBoard, ignoring the spacing, would give 3: the old value would weigh as if one epoch old.)
    assertClose(smoothSeries({ x: [0, 1, 2, 3], y: [1, null, null, 4] }, 0.5).y, [1, null, null, 3.8]);
    // The same numbers when the points in between were decimated away rather than missing.
    assertClose(smoothSeries({ x: [0, 3], y: [1, 4] }, 0.5).y, [1, 3.8]);
    // A leading gap: the first value is its own average.
    assertClose(smoothSeries({ x: [0, 1, 2], y: [null, 6, 2] }, 0.5).y, [null, 6, (0.25 * 6 + 0.5 * 2) / 0.75]);
  });

  it('leaves constant series, weight 0 and empty series unchanged, and refuses weights out of range', () => {
    assert.deepEqual(smoothSeries({ x: [0, 1, 2, 3], y: [0.3, 0.3, null, 0.3] }, 0.99).y, [0.3, 0.3, null, 0.3]);
    assert.deepEqual(smoothSeries({ x: [0, 1], y: [1, 5] }, 0).y, [1, 5]);
    assert.deepEqual(smoothSeries({ x: [], y: [] }, 0.6), { x: [], y: [] });
    for (const weight of [-0.1, 1, 1.5, Number.NaN]) assert.throws(() => smoothSeries({ x: [0], y: [1] }, weight), RangeError);
  });
});
