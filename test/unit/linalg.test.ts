// The float64 kernels of linalg.wasm (through LinalgKernels, src/training/diagnostics/linalgKernels.ts) against the plain TypeScript
// reference and against matrices with known factors. Needs dist/kernels/linalg.wasm: `node esbuild.js` first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addToDiagonal, centreColumns, cholesky, forwardSubstitution, gaussJordanInverse, gramOfColumns, gramOfRows, multiply, transpose,
} from '../../src/training/diagnostics/linalgReference';
import { availableLinalgBuilds, linalgKernels } from '../../src/training/diagnostics/linalgKernels';
import { repulsionCheckDetailed, type RepulsionForm } from '../../src/training/diagnostics/repulsion';
import { RandomStream } from '../../src/training/random';

/** Sizes around the 4-wide tiles and the 64-wide Cholesky blocks. */
const SIZES = [1, 2, 3, 5, 17, 63, 65, 130];
/** linalg.wasm (plain SIMD) and, when built, linalg-relaxed.wasm (fused multiply-add): each is checked. */
const BUILDS = availableLinalgBuilds();

function maxAbs(values: ArrayLike<number>): number {
  let maximum = 0;
  for (let index = 0; index < values.length; index++) maximum = Math.max(maximum, Math.abs(values[index]));
  return maximum;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let maximum = 0;
  for (let index = 0; index < a.length; index++) maximum = Math.max(maximum, Math.abs(a[index] - b[index]));
  return maximum;
}

/** A lower-triangular matrix with small integer entries and positive diagonal: LLᵀ is exact in float64. */
function integerFactor(size: number): Float64Array {
  const factor = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < i; j++) factor[i * size + j] = ((7 * i + 3 * j) % 5) - 2;
    factor[i * size + i] = 2 + (i % 3);
  }
  return factor;
}

/** A random SPD matrix XXᵀ/width + shift·I (size × size). */
function randomSpd(size: number, random: RandomStream, shift = 0.5): Float64Array {
  const width = size + 3;
  const x = new Float64Array(size * width);
  for (let index = 0; index < x.length; index++) x[index] = random.nextGaussian();
  const gram = gramOfRows(x, size, width);
  for (let index = 0; index < gram.length; index++) gram[index] /= width;
  return addToDiagonal(gram, size, shift);
}

function randomActivations(rows: number, columns: number, random: RandomStream): Float32Array {
  const values = new Float32Array(rows * columns);
  for (let index = 0; index < values.length; index++) {
    const z = random.nextSymmetric(1) + random.nextSymmetric(1);
    values[index] = z * z;
  }
  return values;
}

describe('linalg.wasm builds', () => {
  it('the plain SIMD build is loadable (the relaxed-SIMD build is checked too when built)', () => {
    assert.ok(BUILDS.includes('plain'), `available builds: ${BUILDS.join(', ') || 'none'}; run \`node esbuild.js\``);
  });
});

describe('linalgReference', () => {
  it('cholesky recovers a known integer factor and gaussJordanInverse inverts', () => {
    const size = 9;
    const factor = integerFactor(size);
    const a = multiply(factor, transpose(factor, size, size), size, size, size);
    const outcome = cholesky(a, size);
    assert.ok('factor' in outcome);
    assert.ok(maxAbsDifference(outcome.factor, factor) <= 1e-13 * maxAbs(factor));
    const inverse = gaussJordanInverse(a, size);
    const product = multiply(a, inverse, size, size, size);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) assert.ok(Math.abs(product[i * size + j] - (i === j ? 1 : 0)) <= 1e-10);
    }
  });

  it('forwardSubstitution solves L x = b', () => {
    const size = 6;
    const factor = integerFactor(size);
    const x = Float64Array.from([1, -2, 0.5, 3, -1, 2]);
    const b = multiply(factor, x, size, size, 1);
    assert.ok(maxAbsDifference(forwardSubstitution(factor, size, b), x) <= 1e-13);
  });
});

for (const build of BUILDS) describe(`LinalgKernels.cholesky (blocked, wasm, ${build} SIMD)`, () => {
  const kernels = linalgKernels(build);

  for (const size of SIZES) {
    it(`recovers a known factor and LLᵀ = A to 1e-12 (size ${size})`, () => {
      const factor = integerFactor(size);
      const a = multiply(factor, transpose(factor, size, size), size, size, size);
      const outcome = kernels.cholesky(a, size);
      assert.ok('factor' in outcome, 'factorisation failed');
      assert.ok(maxAbsDifference(outcome.factor, factor) <= 1e-12 * maxAbs(factor), `factor error ${maxAbsDifference(outcome.factor, factor)}`);
    });

    it(`factors a random SPD matrix like the reference (size ${size})`, () => {
      const random = new RandomStream(size, 'linalg-spd');
      const a = randomSpd(size, random);
      const outcome = kernels.cholesky(a, size);
      assert.ok('factor' in outcome);
      const product = multiply(outcome.factor, transpose(outcome.factor, size, size), size, size, size);
      assert.ok(maxAbsDifference(product, a) <= 1e-12 * maxAbs(a), `|LLᵀ − A| = ${maxAbsDifference(product, a)}`);
      const reference = cholesky(a, size);
      assert.ok('factor' in reference);
      assert.ok(maxAbsDifference(outcome.factor, reference.factor) <= 1e-12 * maxAbs(reference.factor));
    });
  }

  for (const [size, pivot] of [[1, 0], [17, 16], [130, 0], [130, 70], [130, 129]]) {
    it(`reports the first non-positive pivot (size ${size}, pivot ${pivot})`, () => {
      const factor = integerFactor(size);
      const a = multiply(factor, transpose(factor, size, size), size, size, size);
      // The pivot of row p becomes L_pp² − (L_pp² + 1) = −1.
      a[pivot * size + pivot] -= factor[pivot * size + pivot] ** 2 + 1;
      assert.deepEqual(kernels.cholesky(a, size), { failedPivot: pivot });
      assert.deepEqual(cholesky(a, size), { failedPivot: pivot });
    });
  }

  for (const [pivots, border] of [[4, 1], [8, 3], [64, 5], [68, 17], [132, 2], [128, 65]]) {
    it(`bordered factorisation: border rows are forward solves, trailing block the Schur complement (${pivots} pivots, ${border} border rows)`, () => {
      const random = new RandomStream(pivots * 100 + border, 'linalg-border');
      const size = pivots + border;
      const a = randomSpd(pivots, random);
      const matrix = new Float64Array(size * size);
      for (let i = 0; i < pivots; i++) matrix.set(a.subarray(i * pivots, (i + 1) * pivots), i * size);
      const rightHandSides: Float64Array[] = [];
      for (let r = 0; r < border; r++) {
        const b = new Float64Array(pivots);
        for (let i = 0; i < pivots; i++) b[i] = random.nextGaussian();
        rightHandSides.push(b);
        matrix.set(b, (pivots + r) * size);
        for (let c = 0; c <= r; c++) matrix[(pivots + r) * size + pivots + c] = c === r ? 3 : 0.25;
      }
      const outcome = kernels.cholesky(matrix, size, pivots);
      assert.ok('factor' in outcome);
      const reference = cholesky(a, pivots);
      assert.ok('factor' in reference);
      const solutions = rightHandSides.map((b) => forwardSubstitution(reference.factor, pivots, b));
      for (let r = 0; r < border; r++) {
        const row = outcome.factor.subarray((pivots + r) * size, (pivots + r) * size + pivots);
        assert.ok(maxAbsDifference(row, solutions[r]) <= 1e-11 * (1 + maxAbs(solutions[r])), `solve of border row ${r}`);
        for (let c = 0; c <= r; c++) {
          const expected = (c === r ? 3 : 0.25) - solutions[r].reduce((sum, value, index) => sum + value * solutions[c][index], 0);
          const actual = outcome.factor[(pivots + r) * size + pivots + c];
          assert.ok(Math.abs(actual - expected) <= 1e-10 * (1 + Math.abs(expected)), `Schur complement (${r}, ${c}): ${actual} vs ${expected}`);
        }
      }
    });
  }
});

for (const build of BUILDS) describe(`LinalgKernels triangular kernels (${build} SIMD)`, () => {
  const kernels = linalgKernels(build);
  for (const size of [1, 3, 17, 65]) {
    it(`lowerInverseRows gives the columns of L⁻¹ (size ${size})`, () => {
      const random = new RandomStream(size, 'linalg-inverse');
      const outcome = cholesky(randomSpd(size, random), size);
      assert.ok('factor' in outcome);
      const rows = kernels.lowerInverseRows(outcome.factor, size);
      for (let a = 0; a < size; a++) {
        const e = new Float64Array(size);
        e[a] = 1;
        const expected = forwardSubstitution(outcome.factor, size, e);
        assert.ok(maxAbsDifference(rows.subarray(a * size, (a + 1) * size), expected) <= 1e-12 * maxAbs(expected));
      }
    });

    it(`lowerRightProduct gives (Lᵀx)ᵀ for several right-hand sides (size ${size})`, () => {
      const random = new RandomStream(size, 'linalg-product');
      const outcome = cholesky(randomSpd(size, random), size);
      assert.ok('factor' in outcome);
      const count = 6;
      const x = new Float64Array(count * size);
      for (let index = 0; index < x.length; index++) x[index] = random.nextGaussian();
      const expected = multiply(x, outcome.factor, count, size, size);
      const actual = kernels.lowerRightProduct(x, count, outcome.factor, size);
      assert.ok(maxAbsDifference(actual, expected) <= 1e-12 * (1 + maxAbs(expected)));
    });
  }
});

for (const build of BUILDS) describe(`LinalgKernels.centredGram (blocked, wasm, ${build} SIMD)`, () => {
  const kernels = linalgKernels(build);
  for (const [rows, columns] of [[1, 1], [1, 5], [2, 3], [5, 17], [17, 5], [63, 65], [130, 63], [65, 130]]) {
    it(`F̃ᵀF̃ and F̃F̃ᵀ match naive loops (${rows} × ${columns})`, () => {
      const random = new RandomStream(rows * 1000 + columns, 'linalg-gram');
      const matrix = randomActivations(rows, columns, random);
      const centred = centreColumns(matrix, rows, columns);
      const byColumns = gramOfColumns(centred, rows, columns);
      const byRows = gramOfRows(centred, rows, columns);
      const scale = 1e-13 * (1 + maxAbs(byColumns));
      assert.ok(maxAbsDifference(kernels.centredGram(matrix, rows, columns, 'columns'), byColumns) <= scale);
      assert.ok(maxAbsDifference(kernels.centredGram(matrix, rows, columns, 'rows'), byRows) <= 1e-13 * (1 + maxAbs(byRows)));
    });
  }
});

for (const build of BUILDS) describe(`B entries of the repulsion check against a Gauss–Jordan inverse (${build} SIMD)`, () => {
  const cases: [number, number, number, number][] = [
    // samples, units, weight decay, pairs
    [12, 7, 0.1, 21],
    [6, 9, 0.01, 36],
    [17, 5, 1e-3, 10],
    [63, 65, 2e-3, 150],
    [130, 63, 1e-2, 200],
    [65, 130, 5e-3, 300],
  ];
  for (const [samples, units, weightDecay, pairs] of cases) {
    for (const form of ['features', 'samples'] as RepulsionForm[]) {
      it(`${form} form: B_jl, B_jj, B_ll of every kept pair (n ${samples}, K ${units}, η ${weightDecay})`, () => {
        const random = new RandomStream(samples * 1000 + units, 'linalg-coupling');
        const hidden = randomActivations(samples, units, random);
        const details = repulsionCheckDetailed({ hidden, samples, units, weightDecay, pairs }, { form, simd: build });
        assert.equal(details.form, form);
        assert.equal(details.implementation, 'wasm');
        assert.equal(details.simd, build);
        assert.equal(details.pairs.length, Math.min(pairs, (units * (units - 1)) / 2));
        const centred = centreColumns(hidden, samples, units);
        const inverse = gaussJordanInverse(addToDiagonal(gramOfColumns(centred, samples, units), units, weightDecay), units);
        const scale = maxAbs(inverse);
        for (const pair of details.pairs) {
          assert.ok(Math.abs(pair.coupling - inverse[pair.j * units + pair.l]) <= 1e-10 * scale, `B_${pair.j},${pair.l}: ${pair.coupling} vs ${inverse[pair.j * units + pair.l]}`);
          assert.ok(Math.abs(pair.couplingJJ - inverse[pair.j * units + pair.j]) <= 1e-10 * scale);
          assert.ok(Math.abs(pair.couplingLL - inverse[pair.l * units + pair.l]) <= 1e-10 * scale);
        }
      });
    }
  }
});
