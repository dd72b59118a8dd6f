// Needs dist/kernels/window.wasm: `node esbuild.js` first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EigengapConfig } from '../../src/shared/config/types';
import {
  EigengapTracker,
  LockInDetector,
  effectiveRank,
  gapRatio,
  gapSlope,
  type EigengapRowFields,
} from '../../src/training/diagnostics/eigengap';
import { spectralEdge } from '../../src/training/diagnostics/spectralEdge';
import { symmetricEigenvalues } from '../../src/training/diagnostics/symmetricEigen';
import { RandomStream } from '../../src/training/random';

const detectorDefaults = { lag: 25, threshold: 0.04, warmup: 100 };

function eigengapConfig(window: number, detector = detectorDefaults): EigengapConfig {
  return { window, detector, lateStage: [200, 400] };
}

/** A vector of length `size` with the given (index, value) entries. */
function sparse(size: number, entries: [number, number][]): Float32Array {
  const vector = new Float32Array(size);
  for (const [index, value] of entries) vector[index] += value;
  return vector;
}

/** Gram of the given updates, oldest → newest, in float64. */
function directGram(updates: Float32Array[]): Float64Array {
  const size = updates.length;
  const gram = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let k = 0; k < updates[i].length; k++) sum += updates[i][k] * updates[j][k];
      gram[i * size + j] = sum;
    }
  }
  return gram;
}

/** Eigenvalues of the P×P scatter matrix Σ_s Δ_s Δ_sᵀ: the same nonzero spectrum as the Gram, by another route. */
function scatterEigenvalues(updates: Float32Array[]): Float64Array {
  const size = updates[0].length;
  const scatter = new Float64Array(size * size);
  for (const update of updates) {
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) scatter[i * size + j] += update[i] * update[j];
  }
  return symmetricEigenvalues(scatter, size);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, normA = 0, normB = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k] * b[k];
    normA += a[k] * a[k];
    normB += b[k] * b[k];
  }
  return dot / Math.sqrt(normA * normB);
}

function closeArray(actual: number[] | undefined, expected: number[], tolerance: number, label: string): void {
  assert.ok(actual, `${label} missing`);
  assert.equal(actual.length, expected.length, `${label} length`);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs(actual[k] - expected[k]) <= tolerance, `${label}[${k}] = ${actual[k]}, expected ${expected[k]}`);
  }
}

describe('gap, slope and effective rank', () => {
  it('gapRatio is λ₂/λ₃ and undefined without a positive λ₃', () => {
    assert.equal(gapRatio([9, 6, 2, 1]), 3);
    assert.equal(gapRatio([9, 6]), undefined);
    assert.equal(gapRatio([9, 6, 0]), undefined);
    assert.equal(gapRatio([9, 6, -1e-17]), undefined);
  });

  it('gapSlope follows the log-difference rule with the 1e-6 floor', () => {
    assert.equal(gapSlope(Math.E ** 2, 1, 25), (2 - 0) / 25);
    assert.ok(Math.abs(gapSlope(1, 1e-9, 10)! - (0 - Math.log(1e-6)) / 10) < 1e-15);
    assert.equal(gapSlope(undefined, 2, 25), undefined);
    assert.equal(gapSlope(2, undefined, 25), undefined);
  });

  it('effectiveRank counts the eigenvalues carrying 99 % of Σλ', () => {
    assert.equal(effectiveRank([100, 0.5, 0.5]), 1); // 100/101 = 0.990… ≥ 0.99
    assert.equal(effectiveRank([98, 1, 1]), 2);
    assert.equal(effectiveRank([1, 1, 1, 1]), 4);
    assert.equal(effectiveRank([50, 50, -1e-15]), 2);
    assert.equal(effectiveRank([0, 0]), undefined);
    assert.equal(effectiveRank([]), undefined);
  });
});

describe('LockInDetector', () => {
  /** Feeds a gap series and returns the slopes and the epochs at which firedNow was true. */
  function run(detector: LockInDetector, gaps: (number | undefined)[]): { slopes: (number | undefined)[]; fired: number[] } {
    const slopes: (number | undefined)[] = [];
    const fired: number[] = [];
    gaps.forEach((gap, epoch) => {
      slopes.push(detector.observe(gap));
      if (detector.firedNow) fired.push(epoch);
    });
    return { slopes, fired };
  }

  it('fires at the first epoch whose slope exceeds the threshold', () => {
    // g = 1 until epoch 150, then ln g rises by 0.1 per epoch: s(t) = 0.1 (t − 150)/25 for t ∈ [150, 175],
    // which first exceeds 0.04 when t − 150 > 10 (s(160) = 0.04 up to rounding, s(161) = 0.044).
    const gaps = Array.from({ length: 300 }, (_, t): number | undefined => (t < 150 ? 1 : Math.exp(0.1 * (t - 150))));
    gaps[0] = undefined;
    const detector = new LockInDetector(detectorDefaults);
    const { slopes, fired } = run(detector, gaps);
    assert.ok(detector.firedEpoch === 160 || detector.firedEpoch === 161);
    assert.deepEqual(fired, [detector.firedEpoch]);
    assert.equal(slopes[24], undefined); // t < lag
    assert.equal(slopes[25], undefined); // g(0) undefined
    assert.equal(slopes[26], 0);
    assert.ok(Math.abs(slopes[170]! - 0.08) < 1e-12);
    assert.ok(Math.abs(slopes[200]! - 0.1) < 1e-12);
  });

  it('does not fire before the warm-up even if the slope is high', () => {
    const gaps = Array.from({ length: 200 }, (_, t) => Math.exp(0.5 * t));
    const detector = new LockInDetector(detectorDefaults);
    const { slopes, fired } = run(detector, gaps);
    assert.ok(slopes[30]! > 0.04);
    assert.deepEqual(fired, [100]);
    const late = new LockInDetector({ ...detectorDefaults, warmup: 137 });
    assert.deepEqual(run(late, gaps).fired, [137]);
  });

  it('requires the slope to be strictly greater than the threshold', () => {
    const gaps = Array.from({ length: 60 }, (_, t) => (t < 30 ? 2 : 2 * Math.exp(0.7)));
    const exact = gapSlope(gaps[40], gaps[15], 25)!;
    const atThreshold = new LockInDetector({ lag: 25, threshold: exact, warmup: 0 });
    assert.equal(run(atThreshold, gaps).fired.length, 0);
    const below = new LockInDetector({ lag: 25, threshold: exact * (1 - 1e-12), warmup: 0 });
    assert.deepEqual(run(below, gaps).fired, [30]);
  });

  it('uses the configured lag', () => {
    // A single jump of ln g by 1 at epoch 50: with lag L, s(t) = 1/L for t ∈ [50, 50 + L).
    const gaps = Array.from({ length: 120 }, (_, t) => (t < 50 ? 1 : Math.E));
    for (const lag of [5, 10, 25]) {
      const detector = new LockInDetector({ lag, threshold: 0.9 / lag, warmup: 0 });
      const { slopes, fired } = run(detector, gaps);
      assert.deepEqual(fired, [50]);
      assert.ok(Math.abs(slopes[50 + lag - 1]! - 1 / lag) < 1e-15);
      assert.equal(slopes[50 + lag], 0);
    }
    const tooHigh = new LockInDetector({ lag: 10, threshold: 0.1, warmup: 0 });
    assert.equal(run(tooHigh, gaps).fired.length, 0); // s = 0.1 is not > 0.1
    assert.throws(() => new LockInDetector({ lag: 0, threshold: 0, warmup: 0 }));
  });
});

describe('EigengapTracker', () => {
  it('follows the window convention: row t holds the updates of steps max(1, t − w + 1) … t', () => {
    // Δ_s = s · e_s (orthogonal): the window Gram is diag(s²) over the steps it holds.
    const window = 4;
    const size = 64;
    const tracker = new EigengapTracker({
      eigengap: eigengapConfig(window), updateLength: size, secondaryUpdateLength: 8,
      spectralEdge: { enabled: false, window: 10 }, learningRate: 1e-3,
    });
    assert.equal(tracker.epoch, 0);
    assert.deepEqual(tracker.row, {});
    for (let t = 1; t <= 12; t++) {
      const row = tracker.push(sparse(size, [[t, t]]), sparse(8, [[t % 8, 1]]));
      assert.equal(tracker.epoch, t);
      const held = Array.from({ length: Math.min(t, window) }, (_, index) => t - index); // newest first
      const expected = held.map((step) => step * step);
      if (t < 3) {
        assert.equal(row.eigenvalues, undefined);
        assert.equal(row.gap23, undefined);
      } else {
        closeArray(row.eigenvalues, expected, 1e-9, `row ${t} eigenvalues`);
        closeArray(row.singularValues, held, 1e-9, `row ${t} singular values`);
        assert.ok(Math.abs(row.gap23! - expected[1] / expected[2]) < 1e-12);
      }
      assert.equal(row.effectiveRank, effectiveRank(expected));
      if (t === 1) assert.equal(row.updateCosine, undefined);
      else assert.equal(row.updateCosine, 0);
    }
  });

  it('reports the spectra of rank-structured updates and the update cosines', () => {
    // First layer: Δ_s = a_s e_{s mod 3}: the Gram of a window has eigenvalues Σ_{s ≡ d} a_s² (d = 0, 1, 2) and zeros.
    // Second layer: a shared direction plus a rotating one: checked against the P×P scatter matrix.
    const window = 7;
    const firstSize = 6;
    const secondSize = 5;
    const amplitude = (s: number): number => 1 + ((s * 7) % 5);
    const tracker = new EigengapTracker({
      eigengap: eigengapConfig(window), updateLength: firstSize, secondaryUpdateLength: secondSize,
      spectralEdge: { enabled: false, window: 10 }, learningRate: 1e-3,
    });
    const first: Float32Array[] = [];
    const second: Float32Array[] = [];
    for (let t = 1; t <= 20; t++) {
      first.push(sparse(firstSize, [[t % 3, amplitude(t)]]));
      second.push(sparse(secondSize, [[0, 0.5], [1 + (t % 4), 0.25 * amplitude(t)], [1 + ((t + 1) % 4), 0.125]]));
      const row: EigengapRowFields = tracker.push(first[t - 1], second[t - 1]);
      const held = Math.min(t, window);
      if (t < 3) continue;
      const sums = [0, 0, 0];
      for (let s = t - held + 1; s <= t; s++) sums[s % 3] += amplitude(s) ** 2;
      const expected = [...sums].sort((left, right) => right - left);
      const spectrum = [...expected, ...new Array(held - 3).fill(0)].slice(0, 5);
      closeArray(row.eigenvalues, spectrum, 1e-9 * expected[0], `row ${t} eigenvalues`);
      assert.ok(Math.abs(row.gap23! / (expected[1] / expected[2]) - 1) < 1e-12);
      assert.equal(row.effectiveRank, effectiveRank(expected));
      assert.equal(row.updateCosine, 0);

      const secondExpected = Array.from(scatterEigenvalues(second.slice(-held))).slice(0, Math.min(5, held));
      closeArray(row.secondLayerEigenvalues, secondExpected, 1e-6 * secondExpected[0], `row ${t} second-layer eigenvalues`);
      assert.ok(Math.abs(row.secondLayerGap23! / (secondExpected[1] / secondExpected[2]) - 1) < 1e-5);
      assert.ok(Math.abs(row.secondLayerUpdateCosine! - cosine(second[t - 1], second[t - 2])) < 1e-6);
    }
  });

  it('computes the slope over its own gap series and fires once', () => {
    const detector = { lag: 2, threshold: 0, warmup: 6 };
    const size = 12;
    const tracker = new EigengapTracker({
      eigengap: eigengapConfig(5, detector), updateLength: size, secondaryUpdateLength: 4,
      spectralEdge: { enabled: true, window: 3 }, learningRate: 1e-3,
    });
    const rows: EigengapRowFields[] = [tracker.row];
    const firedRows: number[] = [];
    for (let t = 1; t <= 30; t++) {
      // Amplitudes grow on direction 0 late in the run, so λ₂/λ₃ changes over time.
      const update = sparse(size, [[t % 4, 1 + (t % 3)], [4 + (t % 5), t > 15 ? 0.2 * t : 1]]);
      rows.push(tracker.push(update, sparse(4, [[t % 4, 1]])));
      if (tracker.firedNow) firedRows.push(t);
    }
    let expectedFire: number | null = null;
    for (let t = 0; t < rows.length; t++) {
      const lagged = t >= detector.lag ? rows[t - detector.lag].gap23 : undefined;
      const slope = t >= detector.lag ? gapSlope(rows[t].gap23, lagged, detector.lag) : undefined;
      assert.equal(rows[t].gapSlope, slope, `slope at row ${t}`);
      if (expectedFire === null && t >= detector.warmup && slope !== undefined && slope > detector.threshold) expectedFire = t;
    }
    assert.ok(expectedFire !== null, 'the synthetic series should fire');
    assert.equal(tracker.firedEpoch, expectedFire);
    assert.deepEqual(firedRows, [expectedFire]);
  });

  for (const [eigengapWindow, edgeWindow] of [[6, 3], [4, 6], [5, 5]]) {
    it(`computes the spectral edge on the newest ${edgeWindow} updates of the shared ring (eigengap window ${eigengapWindow})`, () => {
      // Δ_s = s e_s + e_0: a non-diagonal Gram (s² on the diagonal plus 1 everywhere).
      const size = 32;
      const learningRate = 2e-3;
      const tracker = new EigengapTracker({
        eigengap: eigengapConfig(eigengapWindow), updateLength: size, secondaryUpdateLength: 4,
        spectralEdge: { enabled: true, window: edgeWindow }, learningRate,
      });
      const updates: Float32Array[] = [];
      let previousEdgeGram: Float64Array | undefined;
      for (let t = 1; t <= 15; t++) {
        updates.push(sparse(size, [[t, t], [0, 1]]));
        const row = tracker.push(updates[t - 1], sparse(4, [[t % 4, 1]]));
        const edgeUpdates = updates.slice(-Math.min(t, edgeWindow));
        const edgeGram = directGram(edgeUpdates);
        const expected = spectralEdge({
          gram: edgeGram, size: edgeUpdates.length, learningRate,
          previousGram: previousEdgeGram?.length === edgeGram.length ? previousEdgeGram : undefined,
        });
        previousEdgeGram = edgeGram;
        assert.equal(row.kStar, expected.kStar, `k* at row ${t}`);
        assert.equal(row.kStarPlain, expected.kStarPlain);
        for (const key of ['edgeRatio', 'g23', 'adiabatic'] as const) {
          if (expected[key] === undefined) assert.equal(row[key], undefined, `${key} at row ${t}`);
          else assert.ok(Math.abs(row[key]! / expected[key]! - 1) < 1e-9, `${key} at row ${t}: ${row[key]} vs ${expected[key]}`);
        }
        assert.equal(row.adiabatic !== undefined, t > edgeWindow, `𝒜 needs two full windows (row ${t})`);
        const eigengapHeld = Math.min(t, eigengapWindow);
        if (t >= 3) {
          const eigenvalues = symmetricEigenvalues(directGram(updates.slice(-eigengapHeld)), eigengapHeld);
          closeArray(row.eigenvalues, Array.from(eigenvalues.subarray(0, 5)), 1e-9 * eigenvalues[0], `row ${t} eigenvalues`);
        }
      }
    });
  }

  it('rejects updates of the wrong length and bad windows', () => {
    const tracker = new EigengapTracker({
      eigengap: eigengapConfig(3), updateLength: 8, secondaryUpdateLength: 4,
      spectralEdge: { enabled: true, window: 10 }, learningRate: 1e-3,
    });
    assert.throws(() => tracker.push(new Float32Array(7), new Float32Array(4)));
    assert.throws(() => new EigengapTracker({
      eigengap: eigengapConfig(0), updateLength: 8, secondaryUpdateLength: 4,
      spectralEdge: { enabled: false, window: 10 }, learningRate: 1e-3,
    }));
  });

  it('takes flattened updates only: without a secondary update the same primary fields and no secondary ones', () => {
    // Another model family may have one tracked vector only; the primary fields must not depend on
    // the secondary update.
    const options = { eigengap: eigengapConfig(4), updateLength: 16, spectralEdge: { enabled: true, window: 3 }, learningRate: 1e-2 };
    const alone = new EigengapTracker(options);
    const paired = new EigengapTracker({ ...options, secondaryUpdateLength: 4 });
    const random = new RandomStream(9, 'tracker-alone');
    for (let t = 1; t <= 8; t++) {
      const update = Float32Array.from({ length: 16 }, () => random.nextGaussian());
      const secondary = Float32Array.from({ length: 4 }, () => random.nextGaussian());
      const row = alone.push(update);
      const pairedRow = paired.push(update, secondary);
      const secondaryKeys = ['secondLayerEigenvalues', 'secondLayerGap23', 'secondLayerUpdateCosine'] as const;
      for (const key of secondaryKeys) assert.equal(row[key], undefined, `row ${t}: ${key}`);
      const primary = { ...pairedRow };
      for (const key of secondaryKeys) delete primary[key];
      assert.deepEqual(row, primary, `row ${t}`);
      if (t >= 3) assert.ok(pairedRow.secondLayerEigenvalues !== undefined && row.gap23 !== undefined, `row ${t} has both spectra`);
    }
    assert.throws(() => alone.push(new Float32Array(16), new Float32Array(4)), /did not expect/);
    assert.throws(() => paired.push(new Float32Array(16)), /expected a secondary/);
  });
});
