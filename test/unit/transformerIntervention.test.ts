// The rank-k gradient-projection intervention (docs/science.md §12.5; src/training/transformer/
// intervention.ts) on synthetic gradients with known answers: the projection onto a window's top
// singular directions for a window built from known singular vectors; removeSed leaves the attention
// gradient orthogonal to V and keepSed inside it, with V the top right singular vectors of the
// previous projected gradients (computed here by the already-tested topRightSingularVectors); the
// first `window` steps and every other parameter untouched; random V orthonormal, fresh each step,
// reproducible from the seed; the recorded share.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InterventionConfig } from '../../src/shared/config/types';
import { RollingGram } from '../../src/training/diagnostics/rollingGram';
import { projectOntoTopSingularSpace, topRightSingularVectors } from '../../src/training/diagnostics/sedWindows';
import { RandomStream } from '../../src/training/random';
import { GradientProjection, randomOrthonormalRows } from '../../src/training/transformer/intervention';
import { gatherGroup, parameterGroup, parameterLayout } from '../../src/training/transformer/model';
import { SMALL_SHAPE } from './transformerFixtures';

const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let sum = 0;
  for (let index = 0; index < x.length; index++) sum += x[index] * y[index];
  return sum;
};
const norm = (x: ArrayLike<number>): number => Math.sqrt(dot(x, x));

/** Σ_k v_k (v_k·g) in float64. */
function projectOnto(rows: readonly ArrayLike<number>[], g: ArrayLike<number>): Float64Array {
  const result = new Float64Array(g.length);
  for (const row of rows) {
    const along = dot(row, g);
    for (let index = 0; index < g.length; index++) result[index] += along * row[index];
  }
  return result;
}

function gaussianVector(random: RandomStream, length: number, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => scale * random.nextGaussian());
}

describe('projectOntoTopSingularSpace', () => {
  it('projects onto the span of the known top right singular vectors of a window X = U S Vᵀ', () => {
    const length = 60;
    const random = new RandomStream(1, 'test');
    const right = randomOrthonormalRows(random, 5, length);
    const left = randomOrthonormalRows(random, 5, 5);
    const singular = [9, 4, 2, 0.5, 0.1];
    const window = new RollingGram(length, 5, { products: true });
    for (let row = 0; row < 5; row++) {
      const x = new Float32Array(length);
      for (let k = 0; k < 5; k++) for (let index = 0; index < length; index++) x[index] += singular[k] * left[k][row] * right[k][index];
      window.push(x);
    }
    const g = gaussianVector(random, length);
    const into = new Float64Array(length);
    assert.equal(projectOntoTopSingularSpace(window, 3, g, into), 3);
    const expected = projectOnto(right.slice(0, 3), g);
    // The window's rows are float32 (relative rounding 6e-8); a wrong subspace differs by O(|g|).
    expected.forEach((value, index) => assert.ok(Math.abs(value - into[index]) < 1e-5 * norm(g), `entry ${index}: ${into[index]} vs ${value}`));
    // A rank-2 window has 2 directions, whatever rank is asked.
    const flat = new RollingGram(length, 4, { products: true });
    for (let row = 0; row < 4; row++) flat.push(Float32Array.from(right[0], (value, index) => (row + 1) * value + (row % 2) * right[1][index]));
    assert.equal(projectOntoTopSingularSpace(flat, 3, g, into), 2);
    assert.equal(projectOntoTopSingularSpace(new RollingGram(length, 4, { products: true }), 3, g, into), 0);
    assert.ok(into.every((value) => value === 0));
  });
});

describe('randomOrthonormalRows', () => {
  it('gives orthonormal rows, fresh at each call, the same for the same stream', () => {
    const random = new RandomStream(7, 'intervention-directions');
    const first = randomOrthonormalRows(random, 3, 1000);
    const second = randomOrthonormalRows(random, 3, 1000);
    for (const rows of [first, second]) {
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(dot(rows[i], rows[j]) - (i === j ? 1 : 0)) < 1e-13, `⟨v${i}, v${j}⟩`);
    }
    assert.ok(Math.abs(dot(first[0], second[0])) < 0.2, 'a fresh draw is another direction');
    assert.deepEqual(randomOrthonormalRows(new RandomStream(7, 'intervention-directions'), 3, 1000), first);
  });
});

describe('the gradient-projection intervention', () => {
  const layout = parameterLayout(SMALL_SHAPE);
  const group = parameterGroup(layout, 'attention');
  const config = (mode: InterventionConfig['mode']): InterventionConfig => ({ mode, window: 4, rank: 2 });

  /** Steps of synthetic clipped gradients: a dominant rank-2 part plus noise in the attention weights, noise elsewhere. */
  function gradients(count: number, seed: number): Float32Array[] {
    const random = new RandomStream(seed, 'gradients');
    const dominant = randomOrthonormalRows(random, 2, group.size);
    return Array.from({ length: count }, () => {
      const gradient = gaussianVector(random, layout.size, 0.01);
      const [a, b] = [3 * random.nextGaussian(), 2 * random.nextGaussian()];
      let position = 0;
      for (const { offset, length } of group.ranges) {
        for (let index = 0; index < length; index++, position++) gradient[offset + index] += a * dominant[0][position] + b * dominant[1][position];
      }
      return gradient;
    });
  }

  for (const mode of ['removeSed', 'keepSed'] as const) {
    it(`${mode}: leaves the first window steps and every other parameter alone, then ${mode === 'removeSed' ? 'removes' : 'keeps only'} the span of the previous projected gradients’ top vectors`, () => {
      const projection = new GradientProjection({ config: config(mode), group, seed: 0 });
      // The already-tested singular vectors of a mirror of the window of projected gradients.
      const mirror = new RollingGram(group.size, 4);
      const steps = gradients(9, 1);
      steps.forEach((original, step) => {
        const gradient = Float32Array.from(original);
        const before = gatherGroup(group, original, new Float32Array(group.size));
        const basis = topRightSingularVectors(mirror, 2).vectors;
        projection.apply(gradient);
        const after = gatherGroup(group, gradient, new Float32Array(group.size));
        if (step < 4) {
          assert.deepEqual(gradient, original, `step ${step + 1} of the warm-up is untouched`);
        } else {
          const kept = projectOnto(basis, before);
          const expected = mode === 'removeSed' ? before.map((value, index) => value - kept[index]) : kept;
          const scale = norm(before);
          expected.forEach((value, index) => assert.ok(Math.abs(value - after[index]) < 1e-5 * scale, `step ${step + 1} entry ${index}: ${after[index]} vs ${value}`));
          // removeSed is orthogonal to V; keepSed is within V.
          const inside = projectOnto(basis, after);
          if (mode === 'removeSed') assert.ok(norm(inside) < 1e-5 * scale);
          else assert.ok(norm(after.map((value, index) => value - inside[index])) < 1e-5 * scale);
          // Every parameter outside the attention weights keeps its gradient.
          const inGroup = new Uint8Array(layout.size);
          for (const { offset, length } of group.ranges) inGroup.fill(1, offset, offset + length);
          gradient.forEach((value, index) => {
            if (!inGroup[index]) assert.equal(value, original[index]);
          });
        }
        mirror.push(after);
      });
      const summary = projection.takeSummary();
      assert.equal(summary.steps, 5);
      assert.equal(summary.directions, 2);
      // The dominant rank-2 part is most of each gradient and lies (mostly) in V.
      assert.ok(summary.share! > 0.5 && summary.share! <= 1, `share ${summary.share}`);
      assert.deepEqual(projection.takeSummary(), { steps: 0 });
    });
  }

  for (const mode of ['removeRandom', 'keepRandom'] as const) {
    it(`${mode}: projects with a fresh random orthonormal V from the seed's stream every step after the warm-up`, () => {
      const projection = new GradientProjection({ config: config(mode), group, seed: 5 });
      const stream = new RandomStream(5, 'intervention-directions');
      let shares = 0;
      gradients(7, 2).forEach((original, step) => {
        const gradient = Float32Array.from(original);
        projection.apply(gradient);
        if (step < 4) {
          assert.deepEqual(gradient, original);
          return;
        }
        const before = gatherGroup(group, original, new Float32Array(group.size));
        const basis = randomOrthonormalRows(stream, 2, group.size);
        const kept = projectOnto(basis, before);
        shares += norm(kept) / norm(before);
        const expected = mode === 'removeRandom' ? before.map((value, index) => value - kept[index]) : kept;
        const after = gatherGroup(group, gradient, new Float32Array(group.size));
        expected.forEach((value, index) => assert.ok(Math.abs(value - after[index]) < 1e-6 * norm(before), `step ${step + 1} entry ${index}`));
      });
      const summary = projection.takeSummary();
      assert.equal(summary.steps, 3);
      assert.ok(Math.abs(summary.share! - shares / 3) < 1e-12);
      // A random rank-2 subspace of P = 1280 holds about √(2/P) of a gradient.
      assert.ok(summary.share! < 0.3, `share ${summary.share}`);
    });
  }

  it('is deterministic: the same seed and gradients give the same result', () => {
    const run = (mode: InterventionConfig['mode'], seed: number): Float32Array[] => {
      const projection = new GradientProjection({ config: config(mode), group, seed });
      return gradients(8, 3).map((gradient) => {
        projection.apply(gradient);
        return gradient;
      });
    };
    assert.deepEqual(run('keepSed', 0), run('keepSed', 9), 'the SED modes draw nothing');
    assert.deepEqual(run('keepRandom', 1), run('keepRandom', 1));
    assert.notDeepEqual(run('keepRandom', 1), run('keepRandom', 2));
  });

  it('refuses mode none and a rank not below the window', () => {
    assert.throws(() => new GradientProjection({ config: config('none'), group, seed: 0 }), /mode none/);
    assert.throws(() => new GradientProjection({ config: { mode: 'keepSed', window: 3, rank: 3 }, group, seed: 0 }), /rank must be an integer in \[1, window\)/);
  });
});
