// Spike-preserving decimation: an isolated spike survives a 50-fold reduction, the size is bounded,
// x stays increasing, gaps stay gaps, and seeds decimated together keep shared epochs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord } from '../../src/shared/runFormat';
import type { Series } from '../../src/shared/dashboard/series';
import { decimateAlignedRecords, decimateSeries, decimationIndices } from '../../src/shared/dashboard/decimate';

/** Deterministic noise in [0, 1) (a linear congruential generator), so failures reproduce. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

/** A loss-like curve: slow decay plus noise, one point per epoch. */
function curve(length: number, seed: number): Series {
  const random = noise(seed);
  const x = Array.from({ length }, (_, epoch) => epoch);
  return { x, y: x.map((epoch) => 1 / (1 + epoch / 1000) + 0.01 * random()) };
}

function assertStrictlyIncreasing(values: readonly number[]): void {
  for (let index = 1; index < values.length; index++) assert.ok(values[index] > values[index - 1], `x[${index}] = ${values[index]} after ${values[index - 1]}`);
}

/** Every kept point is one of the original points, unchanged. */
function assertSubset(kept: Series, source: Series): void {
  const byX = new Map(source.x.map((x, index) => [x, source.y[index]]));
  kept.x.forEach((x, index) => assert.equal(kept.y[index], byX.get(x), `point at x = ${x}`));
}

function row(epoch: number, fields: Partial<EpochRecord> = {}): EpochRecord {
  return { epoch, trainLoss: 1, trainAcc: 0, testLoss: 1, testAcc: 0, weightNorm: 1, ...fields };
}

describe('decimation', () => {
  it('keeps an isolated spike and dip when reducing to 1/50 of the points', () => {
    const source = curve(100_000, 7);
    const [spike, dip] = [54_321, 77_777];
    source.y[spike] = 100;
    source.y[dip] = -5;
    // The fixture is meaningful: a plain stride would miss both.
    assert.ok(spike % 50 !== 0 && dip % 50 !== 0);
    const result = decimateSeries(source, 2_000);
    assert.equal(result.sourceCount, 100_000);
    assert.ok(result.x.length <= 2_000, `${result.x.length} points`);
    assert.ok(result.x.length >= 1_000, `${result.x.length} points: the budget should be used`);
    assert.ok(result.x.includes(spike) && result.y[result.x.indexOf(spike)] === 100);
    assert.ok(result.x.includes(dip) && result.y[result.x.indexOf(dip)] === -5);
    assert.equal(result.x[0], 0);
    assert.equal(result.x.at(-1), 99_999);
    assertStrictlyIncreasing(result.x);
    assertSubset(result, source);
  });

  it('keeps each bucket’s extremes: every point has a kept point at least as high, and one as low, within a bucket', () => {
    const source = curve(20_000, 3);
    const result = decimateSeries(source, 400);
    // One column keeps at most 2 points per bucket plus the ends, so there are at least (kept − 2)/2
    // buckets, each at most this wide.
    const bucketWidth = (19_999 * 2) / (result.x.length - 2);
    let start = 0;
    source.x.forEach((x, index) => {
      const value = source.y[index] as number;
      while (result.x[start] < x - bucketWidth) start++;
      let above = false;
      let below = false;
      for (let kept = start; kept < result.x.length && result.x[kept] <= x + bucketWidth; kept++) {
        above ||= (result.y[kept] as number) >= value;
        below ||= (result.y[kept] as number) <= value;
      }
      assert.ok(above && below, `point at x = ${x} is outside the kept envelope`);
    });
  });

  it('preserves gaps exactly: the value before, a null inside, the value after', () => {
    const source = curve(50_000, 11);
    for (let index = 1_000; index < 2_000; index++) source.y[index] = null;
    for (let index = 30_000; index < 30_003; index++) source.y[index] = null;
    source.y[49_999] = null; // a seed that ends in a gap
    const result = decimateSeries(source, 500);
    assert.ok(result.x.length <= 500);
    assertStrictlyIncreasing(result.x);
    assertSubset(result, source);
    for (const [before, firstNull, after] of [
      [999, 1_000, 2_000],
      [29_999, 30_000, 30_003],
    ]) {
      const at = (x: number) => result.x.indexOf(x);
      assert.ok(at(before) >= 0 && at(firstNull) === at(before) + 1 && at(after) === at(firstNull) + 1, `gap ${firstNull}: kept ${result.x.slice(at(before), at(before) + 3)}`);
      assert.equal(result.y[at(firstNull)], null);
    }
    assert.equal(result.y.at(-1), null);
    // No gap is invented: nulls are exactly those of the three gaps.
    assert.equal(result.y.filter((value) => value === null).length, 3);
  });

  it('returns short series unchanged and keeps gap boundaries even beyond the budget', () => {
    assert.deepEqual(decimateSeries({ x: [0, 1, 2], y: [1, null, 3] }, 2), { x: [0, 1, 2], y: [1, null, 3], sourceCount: 3 });
    assert.deepEqual(decimateSeries({ x: [], y: [] }, 10), { x: [], y: [], sourceCount: 0 });
    // Every other point is a gap: every point is a gap boundary, so all are kept (gaps win over the size).
    const alternating = { x: Array.from({ length: 1_000 }, (_, index) => index), y: Array.from({ length: 1_000 }, (_, index) => (index % 2 ? null : index)) };
    assert.equal(decimateSeries(alternating, 100).x.length, 1_000);
  });

  it('keeps the extremes of every column when several share x', () => {
    const x = Array.from({ length: 10_000 }, (_, index) => index);
    const flat = x.map(() => 1);
    const withSpike = x.map((index) => (index === 4_321 ? 9 : 1));
    const withDip = x.map((index) => (index === 8_765 ? -9 : 1));
    const indices = decimationIndices(x, [flat, withSpike, withDip], 100);
    assert.ok(indices.includes(4_321) && indices.includes(8_765) && indices.includes(0) && indices.includes(9_999));
    assert.ok(indices.length <= 100);
    assertStrictlyIncreasing(indices);
  });

  it('decimates seeds together on shared epochs, keeping each seed’s spikes and last row', () => {
    const random = noise(5);
    const seedRecords = [10_000, 10_000, 6_000].map((length, seed) =>
      Array.from({ length }, (_, epoch) =>
        row(epoch, {
          testAcc: Math.min(1, epoch / 5_000) * (0.99 + 0.01 * random()),
          gap23: seed === 1 && epoch === 7_777 ? 50 : 2 + random(),
          eigenvalues: epoch < 3 ? undefined : [3 + random(), 2, 1, 0.5, 0.25],
        }),
      ),
    );
    const result = decimateAlignedRecords(seedRecords, 500, ['testAcc', 'gap23', 'eigenvalues[1]']);
    assert.equal(result.decimated, true);
    for (const [index, records] of result.records.entries()) {
      assert.ok(records.length <= 500, `seed ${index}: ${records.length} rows`);
      assertStrictlyIncreasing(records.map((record) => record.epoch));
      assert.equal(records.at(-1), seedRecords[index].at(-1), `seed ${index} keeps its last row`);
      assert.equal(records[0], seedRecords[index][0]);
      // The leading gap of λ₁ (absent before 3 updates) is kept: epoch 0 is in it, epoch 3 ends it.
      assert.ok(records.some((record) => record.epoch === 3), `seed ${index} keeps epoch 3`);
    }
    assert.ok(result.records[1].some((record) => record.epoch === 7_777 && record.gap23 === 50));
    // Shared epochs: where seeds overlap they hold exactly the same epochs, so aggregation stays exact.
    const epochsOf = (records: EpochRecord[], below: number) => records.filter((record) => record.epoch < below).map((record) => record.epoch);
    assert.deepEqual(epochsOf(result.records[0], 10_000), epochsOf(result.records[1], 10_000));
    assert.deepEqual(epochsOf(result.records[0], 6_000), epochsOf(result.records[2], 6_000));
  });

  it('leaves seeds that fit alone', () => {
    const seeds = [[row(0), row(1)], [row(0)], []];
    const result = decimateAlignedRecords(seeds, 10);
    assert.equal(result.decimated, false);
    assert.deepEqual(result.records, seeds);
  });
});
