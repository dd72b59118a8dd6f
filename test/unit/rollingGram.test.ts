// Needs dist/kernels/window.wasm: `node esbuild.js` first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RollingGram } from '../../src/training/diagnostics/rollingGram';
import { RandomStream } from '../../src/training/random';

function randomUpdate(length: number, random: RandomStream, offset = 0): Float32Array {
  const update = new Float32Array(length);
  for (let index = 0; index < length; index++) update[index] = offset + random.nextGaussian();
  return update;
}

/** Reference: the dot of two float32 vectors, every product and sum in float64. */
function dot64(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index] * b[index];
  return sum;
}

/** Checks gram(last) of the rolling window against direct float64 dots of the `last` newest updates. */
function checkGram(rolling: RollingGram, history: Float32Array[], last: number): void {
  const newest = history.slice(history.length - last);
  const gram = rolling.gram(last);
  assert.equal(gram.length, last * last);
  for (let i = 0; i < last; i++) {
    for (let j = 0; j < last; j++) {
      const expected = dot64(newest[i], newest[j]);
      const scale = Math.sqrt(dot64(newest[i], newest[i]) * dot64(newest[j], newest[j]));
      assert.ok(Math.abs(gram[i * last + j] - expected) <= 1e-6 * scale,
        `G[${i}][${j}] = ${gram[i * last + j]}, expected ${expected} (last ${last}, pushes ${history.length})`);
    }
  }
}

describe('RollingGram', () => {
  for (const window of [3, 5, 20]) {
    for (const length of [37, 1001, 5003]) {
      it(`matches float64 dots through wrap-around (window ${window}, P ${length})`, () => {
        const random = new RandomStream(window * 10007 + length, 'rolling-gram');
        const rolling = new RollingGram(length, window);
        const history: Float32Array[] = [];
        const pushes = 2 * window + 3;
        for (let step = 0; step < pushes; step++) {
          const update = randomUpdate(length, random, step % 3 === 0 ? 0.5 : 0);
          rolling.push(update);
          history.push(update);
          assert.equal(rolling.count, Math.min(step + 1, window));
          assert.equal(rolling.pushed, step + 1);
          checkGram(rolling, history, rolling.count);
          checkGram(rolling, history, Math.min(2, rolling.count));
          if (rolling.count >= 3) checkGram(rolling, history, 3);
        }
      });
    }
  }

  it('gives X·v and Xᵀa of the held updates, oldest first, with the ring wrapped (dotsWith, combine)', () => {
    const random = new RandomStream(9, 'products');
    // 37 entries: not a multiple of 4, so the zero padding of each slot is exercised.
    const rolling = new RollingGram(37, 5, { products: true });
    const history: Float32Array[] = [];
    for (let push = 0; push < 8; push++) {
      history.push(randomUpdate(37, random));
      rolling.push(history[push]);
      const vector = randomUpdate(37, random);
      for (const last of [1, Math.min(push + 1, 5)]) {
        const newest = history.slice(history.length - last);
        const dots = rolling.dotsWith(vector, last);
        newest.forEach((held, i) => assert.ok(Math.abs(dots[i] - dot64(held, vector)) <= 1e-6 * Math.sqrt(dot64(held, held) * dot64(vector, vector)), `dot ${i}`));
        const coefficients = Float64Array.from({ length: last }, () => random.nextGaussian());
        const combination = rolling.combine(coefficients);
        assert.equal(combination.length, 37);
        for (let index = 0; index < 37; index++) {
          let expected = 0;
          newest.forEach((held, i) => (expected += coefficients[i] * held[index]));
          // Every float32 is promoted before its float64 product: the sums agree to float64 rounding.
          assert.ok(Math.abs(combination[index] - expected) <= 1e-12 * (1 + Math.abs(expected)), `entry ${index} (last ${last}, push ${push})`);
        }
      }
    }
    assert.throws(() => new RollingGram(4, 2).dotsWith(new Float32Array(4)), /products: true/);
  });

  it('computes highly correlated dots to float32-data accuracy', () => {
    // Adam-like updates: nearly parallel, so dots are large and their errors must stay relative.
    // A plain float32 running sum is off by ~1e-6 relative here; f64-promoted partial sums by ~3e-9.
    const random = new RandomStream(3, 'rolling-correlated');
    const length = 290_816 / 16;
    const base = randomUpdate(length, random);
    const rolling = new RollingGram(length, 4);
    const history: Float32Array[] = [];
    for (let step = 0; step < 6; step++) {
      const update = new Float32Array(length);
      for (let index = 0; index < length; index++) update[index] = 1e-3 * (base[index] + 0.01 * random.nextGaussian());
      rolling.push(update);
      history.push(update);
    }
    const gram = rolling.gram();
    const newest = history.slice(-4);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const expected = dot64(newest[i], newest[j]);
        assert.ok(Math.abs(gram[i * 4 + j] / expected - 1) < 3e-8, `relative error at (${i}, ${j})`);
      }
    }
  });

  it('reports the latest dot, norms and cosine, and copies the update', () => {
    const random = new RandomStream(4, 'rolling-latest');
    const rolling = new RollingGram(10, 3);
    assert.equal(rolling.latestDot(), undefined);
    assert.equal(rolling.latestCosine(), undefined);
    assert.equal(rolling.gram().length, 0);
    const first = randomUpdate(10, random);
    rolling.push(first);
    assert.equal(rolling.latestDot(), undefined);
    const firstNorm = dot64(first, first);
    first.fill(0); // the ring holds a copy
    assert.ok(Math.abs(rolling.squaredNorm(0)! - firstNorm) < 1e-5 * firstNorm);
    const history: Float32Array[] = [];
    for (let step = 0; step < 5; step++) {
      const update = randomUpdate(10, random);
      rolling.push(update);
      history.push(update);
      const [previous, newest] = history.length >= 2 ? history.slice(-2) : [undefined, update];
      if (previous) {
        const expectedDot = dot64(newest, previous);
        const expectedCosine = expectedDot / Math.sqrt(dot64(newest, newest) * dot64(previous, previous));
        assert.ok(Math.abs(rolling.latestDot()! - expectedDot) < 1e-5);
        assert.ok(Math.abs(rolling.latestCosine()! - expectedCosine) < 1e-6);
        assert.ok(Math.abs(rolling.squaredNorm(1)! - dot64(previous, previous)) < 1e-5);
      }
    }
    assert.equal(rolling.squaredNorm(3), undefined);
    assert.throws(() => rolling.push(new Float32Array(9)));
  });

  it('gives a zero cosine for orthogonal updates and undefined for a zero update', () => {
    const rolling = new RollingGram(8, 4);
    rolling.push(Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
    rolling.push(Float32Array.from([0, 2, 0, 0, 0, 0, 0, 0]));
    assert.equal(rolling.latestCosine(), 0);
    rolling.push(new Float32Array(8));
    assert.equal(rolling.latestCosine(), undefined);
    assert.deepEqual(Array.from(rolling.gram()), [1, 0, 0, 0, 4, 0, 0, 0, 0]);
  });
});
