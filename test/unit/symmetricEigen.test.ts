import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { symmetricEigen, symmetricEigenvalues } from '../../src/training/diagnostics/symmetricEigen';
import { RandomStream } from '../../src/training/random';

function randomSymmetric(size: number, random: RandomStream): Float64Array {
  const matrix = new Float64Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let column = row; column < size; column++) {
      const value = random.nextGaussian();
      matrix[row * size + column] = value;
      matrix[column * size + row] = value;
    }
  }
  return matrix;
}

/** A random orthogonal matrix: Gram–Schmidt on Gaussian columns (row-major, columns orthonormal). */
function randomOrthogonal(size: number, random: RandomStream): Float64Array {
  const q = new Float64Array(size * size);
  for (let column = 0; column < size; column++) {
    const vector = Array.from({ length: size }, () => random.nextGaussian());
    for (let pass = 0; pass < 2; pass++) {
      for (let previous = 0; previous < column; previous++) {
        let projection = 0;
        for (let row = 0; row < size; row++) projection += vector[row] * q[row * size + previous];
        for (let row = 0; row < size; row++) vector[row] -= projection * q[row * size + previous];
      }
    }
    const norm = Math.hypot(...vector);
    for (let row = 0; row < size; row++) q[row * size + column] = vector[row] / norm;
  }
  return q;
}

/** Q diag(λ) Qᵀ. */
function compose(q: Float64Array, lambdas: number[]): Float64Array {
  const size = lambdas.length;
  const matrix = new Float64Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += q[row * size + k] * lambdas[k] * q[column * size + k];
      matrix[row * size + column] = sum;
    }
  }
  return matrix;
}

function frobenius(matrix: Float64Array): number {
  let sum = 0;
  for (const value of matrix) sum += value * value;
  return Math.sqrt(sum);
}

/** Checks A v_k = λ_k v_k, VᵀV = I, Σλ = trace, descending order, relative to ‖A‖_F. */
function checkDecomposition(matrix: Float64Array, size: number, tolerance = 1e-10): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, size, { vectors: true });
  assert.ok(vectors);
  const scale = Math.max(frobenius(matrix), 1e-300);
  for (let k = 1; k < size; k++) assert.ok(values[k - 1] >= values[k], 'eigenvalues must be descending');
  for (let k = 0; k < size; k++) {
    for (let row = 0; row < size; row++) {
      let product = 0;
      for (let column = 0; column < size; column++) product += matrix[row * size + column] * vectors[column * size + k];
      assert.ok(Math.abs(product - values[k] * vectors[row * size + k]) <= tolerance * scale,
        `A v ≠ λ v at eigenpair ${k}, row ${row}`);
    }
  }
  for (let left = 0; left < size; left++) {
    for (let right = 0; right < size; right++) {
      let product = 0;
      for (let row = 0; row < size; row++) product += vectors[row * size + left] * vectors[row * size + right];
      assert.ok(Math.abs(product - (left === right ? 1 : 0)) <= 1e-12, `VᵀV ≠ I at (${left}, ${right})`);
    }
  }
  let trace = 0;
  let sum = 0;
  for (let k = 0; k < size; k++) {
    trace += matrix[k * size + k];
    sum += values[k];
  }
  assert.ok(Math.abs(trace - sum) <= 1e-12 * scale * size, 'Σλ ≠ trace');
  return values;
}

describe('symmetricEigen', () => {
  it('returns the sorted diagonal of a diagonal matrix', () => {
    const values = checkDecomposition(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 7]), 3);
    assert.deepEqual(Array.from(values), [7, 3, -1]);
  });

  it('matches the closed form of a 2×2 matrix', () => {
    const [a, b, d] = [2.5, -1.25, 0.75];
    const values = checkDecomposition(Float64Array.from([a, b, b, d]), 2);
    const mean = (a + d) / 2;
    const radius = Math.sqrt(((a - d) / 2) ** 2 + b * b);
    assert.ok(Math.abs(values[0] - (mean + radius)) < 1e-14);
    assert.ok(Math.abs(values[1] - (mean - radius)) < 1e-14);
  });

  it('recovers known eigenvalues of Q diag(λ) Qᵀ, including tiny and negative ones', () => {
    const random = new RandomStream(7, 'eigen-known');
    const lambdas = [50, 20, 3, 1, 0.5, 1e-3, 1e-6, -2, -0.25, 0];
    const q = randomOrthogonal(lambdas.length, random);
    const values = checkDecomposition(compose(q, lambdas), lambdas.length);
    const expected = [...lambdas].sort((left, right) => right - left);
    for (let k = 0; k < expected.length; k++) assert.ok(Math.abs(values[k] - expected[k]) < 1e-12 * 50, `λ_${k}`);
  });

  it('handles repeated eigenvalues', () => {
    const random = new RandomStream(8, 'eigen-repeated');
    const lambdas = [4, 4, 4, 1, 1, -3];
    const q = randomOrthogonal(lambdas.length, random);
    const values = checkDecomposition(compose(q, lambdas), lambdas.length);
    assert.deepEqual(Array.from(values, (value) => Math.round(value * 1e9) / 1e9), [4, 4, 4, 1, 1, -3]);
  });

  it('handles the zero matrix and the empty matrix', () => {
    const values = checkDecomposition(new Float64Array(16), 4);
    assert.deepEqual(Array.from(values), [0, 0, 0, 0]);
    assert.equal(symmetricEigen(new Float64Array(0), 0).values.length, 0);
  });

  it('decomposes random symmetric matrices of several sizes', () => {
    const random = new RandomStream(9, 'eigen-random');
    for (const size of [1, 3, 5, 20, 60]) checkDecomposition(randomSymmetric(size, random), size);
  });

  it('decomposes a rank-deficient Gram matrix like the rolling window', () => {
    const random = new RandomStream(10, 'eigen-gram');
    const size = 20;
    const rank = 4;
    const length = 50;
    const rows = Array.from({ length: rank }, () => Array.from({ length }, () => random.nextGaussian()));
    const updates = Array.from({ length: size }, () => {
      const mix = rows.map(() => random.nextGaussian());
      return Array.from({ length }, (_, index) => mix.reduce((sum, weight, r) => sum + weight * rows[r][index], 0));
    });
    const gram = new Float64Array(size * size);
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) gram[i * size + j] = updates[i].reduce((s, x, k) => s + x * updates[j][k], 0);
    const values = checkDecomposition(gram, size);
    for (let k = rank; k < size; k++) assert.ok(Math.abs(values[k]) < 1e-10 * values[0], `λ_${k} should vanish`);
    assert.ok(values[rank - 1] > 1e-3 * values[0]);
  });

  it('does not mutate its input and agrees with the eigenvalues-only path', () => {
    const random = new RandomStream(11, 'eigen-input');
    const matrix = randomSymmetric(8, random);
    const copy = Float64Array.from(matrix);
    const full = symmetricEigen(matrix, 8, { vectors: true });
    assert.deepEqual(matrix, copy);
    assert.deepEqual(symmetricEigenvalues(matrix, 8), full.values);
    assert.throws(() => symmetricEigen(matrix, 7));
  });
});
