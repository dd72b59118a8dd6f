// The two rank readings of the update spectrum (src/shared/spectrumRank.ts) on eigenvalue lists whose
// ratios are worked out by hand in the comments: the largest-gap position j* (arXiv 2605.08119's
// "rank"), λ₁/λ₂, and their late-stage summaries per seed and per condition, next to the recorded
// energy rank. λ are eigenvalues of the update Gram (squared singular values), descending.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EpochRecord } from '../../src/shared/runFormat';
import type { SeedRankReadings } from '../../src/shared/spectrumRank';
import {
  conditionRankReadings,
  eigenvalueRatio,
  largestGapPosition,
  lateStageRankReadings,
  recordLargestGapPosition,
  recordLeadingRatio,
} from '../../src/shared/spectrumRank';
import { mode } from '../../src/shared/statistics';

function row(epoch: number, fields: Partial<EpochRecord> = {}): EpochRecord {
  return { epoch, trainLoss: 1, trainAcc: 1, testLoss: 1, testAcc: 1, weightNorm: 1, ...fields };
}

describe('eigenvalueRatio', () => {
  it('is λ_j/λ_{j+1} for a 1-based j', () => {
    assert.equal(eigenvalueRatio([8, 4, 1], 1), 2);
    assert.equal(eigenvalueRatio([8, 4, 1], 2), 4);
  });

  it('is undefined without a positive λ_{j+1} or outside the list', () => {
    assert.equal(eigenvalueRatio([8, 0, 0], 1), undefined);
    assert.equal(eigenvalueRatio([8, 4, -1e-17], 2), undefined);
    assert.equal(eigenvalueRatio([8, 4, 1], 3), undefined);
    assert.equal(eigenvalueRatio([8, 4, 1], 0), undefined);
    assert.equal(eigenvalueRatio([], 1), undefined);
  });
});

describe('largestGapPosition', () => {
  it('finds the papers’ readings: rank-2 for σ = x², rank-1 for ReLU', () => {
    // x²-like: λ₁/λ₂ = 78300/290 = 270, λ₂/λ₃ = 290, then 2 and 2 → j* = 2.
    assert.equal(largestGapPosition([78300, 290, 1, 0.5, 0.25]), 2);
    // ReLU-like: λ₁/λ₂ = 10, λ₂/λ₃ = 2.2, λ₃/λ₄ = 1/0.9 ≈ 1.11, λ₄/λ₅ = 1.125 → j* = 1.
    assert.equal(largestGapPosition([22, 2.2, 1, 0.9, 0.8]), 1);
  });

  it('reaches the third and fourth gaps', () => {
    // 1/0.9 ≈ 1.11, 0.9/0.8 = 1.125, 0.8/0.01 = 80, 0.01/0.005 = 2 → 3.
    assert.equal(largestGapPosition([1, 0.9, 0.8, 0.01, 0.005]), 3);
    // …, 0.7/0.001 = 700 → 4.
    assert.equal(largestGapPosition([1, 0.9, 0.8, 0.7, 0.001]), 4);
  });

  it('gives a tie to the smaller j', () => {
    // Every ratio is 2.
    assert.equal(largestGapPosition([8, 4, 2, 1, 0.5]), 1);
    // 9/3 = 3 = 3/1, then 2 and 1.25: j = 1 and 2 tie.
    assert.equal(largestGapPosition([9, 3, 1, 0.5, 0.4]), 1);
    // 2, then 8/1 = 8 = 1/0.125 (exact in binary), then 1.25: j = 2 and 3 tie.
    assert.equal(largestGapPosition([16, 8, 1, 0.125, 0.1]), 2);
  });

  it('skips a zero λ_{j+1} (an infinite ratio) and needs two positive values', () => {
    // Only j = 1 has a positive λ_{j+1}: 4/2 = 2, although λ₂/λ₃ = 2/0 is infinite.
    assert.equal(largestGapPosition([4, 2, 0, 0, 0]), 1);
    // 1/0.5 = 2, 0.5/0.001 = 500; λ₄ = λ₅ = 0 are skipped.
    assert.equal(largestGapPosition([1, 0.5, 0.001, 0, 0]), 2);
    // A negative rounding residue of the PSD Gram counts as not positive.
    assert.equal(largestGapPosition([4, 2, -1e-15]), 1);
    assert.equal(largestGapPosition([5, 0, 0, 0, 0]), undefined);
    assert.equal(largestGapPosition([0, 0]), undefined);
  });

  it('takes short lists', () => {
    assert.equal(largestGapPosition([4, 2]), 1);
    assert.equal(largestGapPosition([4]), undefined);
    assert.equal(largestGapPosition([]), undefined);
  });
});

describe('per-row readings', () => {
  it('read the recorded λ₁…λ₅ and are undefined when a row has none', () => {
    const recorded = row(7, { eigenvalues: [12, 4, 1, 0.5, 0.25] });
    // 12/4 = 3 < 4/1 = 4 → j* = 2; λ₁/λ₂ = 3.
    assert.equal(recordLargestGapPosition(recorded), 2);
    assert.equal(recordLeadingRatio(recorded), 3);
    assert.equal(recordLargestGapPosition(row(1)), undefined);
    assert.equal(recordLeadingRatio(row(1)), undefined);
    assert.equal(recordLeadingRatio(row(2, { eigenvalues: [6, 0, 0] })), undefined);
  });
});

describe('mode', () => {
  it('is the most frequent value with its count, a tie to the smaller value', () => {
    assert.deepEqual(mode([2, 1, 2]), { value: 2, count: 2 });
    assert.deepEqual(mode([2, 1, 2, 1]), { value: 1, count: 2 });
    assert.deepEqual(mode([3]), { value: 3, count: 1 });
    assert.equal(mode([]), null);
  });
});

describe('lateStageRankReadings', () => {
  // Late stage 5…9 (inclusive). Rows 4 and 10 lie outside it and would change every reading.
  const records: EpochRecord[] = [
    row(4, { eigenvalues: [1, 0.5, 0.001, 0.0005, 0.0001], effectiveRank: 9 }),
    // 40/4 = 10 > 4/1 = 4 → j* = 1, λ₁/λ₂ = 10.
    row(5, { eigenvalues: [40, 4, 1, 0.5, 0.25], effectiveRank: 1 }),
    // 12/4 = 3 < 4 → j* = 2, λ₁/λ₂ = 3.
    row(6, { eigenvalues: [12, 4, 1, 0.5, 0.25], effectiveRank: 2 }),
    // 20/4 = 5 > 4 → j* = 1, λ₁/λ₂ = 5.
    row(7, { eigenvalues: [20, 4, 1, 0.5, 0.25], effectiveRank: 1 }),
    // No eigenvalues, no energy rank (a row of an old or partial file).
    row(8),
    // One positive eigenvalue: no j*, no λ₁/λ₂; its energy rank counts.
    row(9, { eigenvalues: [6, 0, 0, 0, 0], effectiveRank: 3 }),
    row(10, { eigenvalues: [1, 0.5, 0.001, 0.0005, 0.0001], effectiveRank: 9 }),
  ];

  it('takes the mode of j* with its share of the rows that have one, and the medians', () => {
    const readings = lateStageRankReadings(records, 5, 9);
    // j* over rows 5, 6, 7: 1, 2, 1 → mode 1 in 2 of 3 rows.
    assert.equal(readings.largestGapPosition, 1);
    assert.equal(readings.largestGapShare, 2 / 3);
    // λ₁/λ₂ 10, 3, 5 → median 5.
    assert.equal(readings.leadingRatio, 5);
    // Energy ranks 1, 2, 1, 3 → sorted 1, 1, 2, 3 → median 1.5.
    assert.equal(readings.energyRank, 1.5);
  });

  it('is null throughout without late-stage rows', () => {
    assert.deepEqual(lateStageRankReadings(records, 20, 30), { energyRank: null, leadingRatio: null, largestGapPosition: null, largestGapShare: null });
    assert.deepEqual(lateStageRankReadings([], 0, 10), { energyRank: null, leadingRatio: null, largestGapPosition: null, largestGapShare: null });
  });
});

describe('conditionRankReadings', () => {
  const seed = (largestGapPosition: number | null, leadingRatio: number | null, energyRank: number | null): SeedRankReadings => ({
    largestGapPosition,
    largestGapShare: largestGapPosition === null ? null : 1,
    leadingRatio,
    energyRank,
  });

  it('gives the most common seed j* with its seeds, and medians over seeds', () => {
    const readings = conditionRankReadings([seed(2, 300, 1), seed(2, 200, 1), seed(1, 100, 2), seed(null, null, null)]);
    assert.deepEqual(readings.largestGapPosition, { position: 2, seeds: 2 });
    // λ₁/λ₂ 100, 200, 300 → median 200, q25 = 150, q75 = 250; energy ranks 1, 1, 2 → 1 (1–1.5).
    assert.deepEqual(readings.leadingRatio, { median: 200, iqr: [150, 250], count: 3 });
    assert.deepEqual(readings.energyRank, { median: 1, iqr: [1, 1.5], count: 3 });
  });

  it('breaks a tie between positions toward the smaller j, and has none without seeds', () => {
    assert.deepEqual(conditionRankReadings([seed(2, 1, 1), seed(1, 1, 1)]).largestGapPosition, { position: 1, seeds: 1 });
    assert.deepEqual(conditionRankReadings([seed(null, null, null)]).largestGapPosition, { position: null, seeds: 0 });
    assert.deepEqual(conditionRankReadings([]).energyRank, { median: null, iqr: null, count: 0 });
  });
});
