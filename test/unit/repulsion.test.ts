// The Theorem-6 check (docs/science.md §6): the sign-rule identities against explicit projectors, the
// published computation against a literal re-implementation, and the check's statistics.
// Needs dist/kernels/linalg.wasm: `node esbuild.js` first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fiveNumberSummary } from '../../src/shared/statistics';
import {
  addToDiagonal, centreColumns, gaussJordanInverse, gramOfColumns, gramOfRows, identity, multiply, transpose,
} from '../../src/training/diagnostics/linalgReference';
import { availableLinalgBuilds } from '../../src/training/diagnostics/linalgKernels';
import {
  publishedResidual, repulsionCheck, repulsionCheckDetailed, type RepulsionInput, type RepulsionOptions,
} from '../../src/training/diagnostics/repulsion';
import { RandomStream } from '../../src/training/random';

/** Every path: both forms on each available linalg.wasm build, and the plain TypeScript reference. */
const PATHS: { label: string; options: RepulsionOptions }[] = [
  ...availableLinalgBuilds().flatMap((simd) => (['features', 'samples'] as const).map((form) => ({ label: `${form} (${simd} SIMD)`, options: { form, simd } }))),
  { label: 'reference', options: { implementation: 'reference' } },
];

function randomActivations(rows: number, columns: number, seed: number): Float32Array {
  const random = new RandomStream(seed, 'repulsion-test');
  const values = new Float32Array(rows * columns);
  for (let index = 0; index < values.length; index++) {
    const z = random.nextSymmetric(1) + random.nextSymmetric(1);
    values[index] = z * z;
  }
  return values;
}

/** Column j of a row-major (rows × columns) matrix. */
function column(matrix: Float64Array, rows: number, columns: number, j: number): Float64Array {
  const result = new Float64Array(rows);
  for (let i = 0; i < rows; i++) result[i] = matrix[i * columns + j];
  return result;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index] * b[index];
  return sum;
}

/** The matrix without the listed columns. */
function withoutColumns(matrix: Float64Array, rows: number, columns: number, dropped: number[]): { matrix: Float64Array; columns: number } {
  const kept = [...Array(columns).keys()].filter((j) => !dropped.includes(j));
  const result = new Float64Array(rows * kept.length);
  for (let i = 0; i < rows; i++) kept.forEach((j, index) => { result[i * kept.length + index] = matrix[i * columns + j]; });
  return { matrix: result, columns: kept.length };
}

/** P = I − X(XᵀX + ηI)⁻¹Xᵀ (rows × rows), explicitly. */
function projector(x: Float64Array, rows: number, columns: number, eta: number): Float64Array {
  const inner = gaussJordanInverse(addToDiagonal(gramOfColumns(x, rows, columns), columns, eta), columns);
  const hat = multiply(multiply(x, inner, rows, columns, columns), transpose(x, rows, columns), rows, columns, rows);
  const result = identity(rows);
  for (let index = 0; index < result.length; index++) result[index] -= hat[index];
  return result;
}

/**
 * Tolerance for a value computed through an explicit projector: the subtraction I − X(…)⁻¹Xᵀ loses
 * about κ·eps·‖u‖‖v‖ in absolute terms, with κ = (tr F̃ᵀF̃ + η)/η the condition number bound.
 */
function projectorTolerance(value: number, u: Float64Array, v: Float64Array, trace: number, eta: number): number {
  return 1e-9 * Math.abs(value) + 1e-15 * ((trace + eta) / eta) * Math.sqrt(dot(u, u) * dot(v, v));
}

function traceOf(gram: Float64Array, size: number): number {
  let sum = 0;
  for (let i = 0; i < size; i++) sum += gram[i * size + i];
  return sum;
}

/** uᵀ M v for a square M. */
function bilinear(u: Float64Array, m: Float64Array, v: Float64Array): number {
  return dot(u, multiply(m, v, u.length, u.length, 1));
}

describe('Theorem 6 sign rule: closed forms against explicit projectors (arXiv 2509.21519)', () => {
  for (const [samples, units] of [[12, 7], [6, 9]]) {
    for (const eta of [1, 0.1, 1e-3]) {
      it(`f̃_jᵀP_{η,−jl}f̃_l = −B_jl/(B_jj B_ll − B_jl²) and f̃_jᵀP_ηf̃_l = −η²B_jl for every pair (n ${samples}, K ${units}, η ${eta})`, () => {
        const centred = centreColumns(randomActivations(samples, units, samples * 31 + units), samples, units);
        const gram = gramOfColumns(centred, samples, units);
        const trace = traceOf(gram, units);
        const b = gaussJordanInverse(addToDiagonal(gram, units, eta), units);
        const full = projector(centred, samples, units, eta);
        for (let l = 1; l < units; l++) {
          for (let j = 0; j < l; j++) {
            const fj = column(centred, samples, units, j);
            const fl = column(centred, samples, units, l);
            const rest = withoutColumns(centred, samples, units, [j, l]);
            const explicit = bilinear(fj, projector(rest.matrix, samples, rest.columns, eta), fl);
            const bjl = b[j * units + l];
            const closed = -bjl / (b[j * units + j] * b[l * units + l] - bjl * bjl);
            assert.ok(Math.abs(explicit - closed) <= projectorTolerance(explicit, fj, fl, trace, eta),
              `(${j}, ${l}): projector ${explicit}, closed form ${closed}`);
            assert.equal(Math.sign(bjl), -Math.sign(explicit));
            const fullValue = bilinear(fj, full, fl);
            assert.ok(Math.abs(fullValue + eta * eta * bjl) <= projectorTolerance(fullValue, fj, fl, trace, eta),
              `(${j}, ${l}): full projector ${fullValue}, −η²B_jl ${-eta * eta * bjl}`);
          }
        }
      });
    }
  }
});

/**
 * Literal float64 re-implementation of tian_eigengap/theorem6_verify.py (arXiv 2605.08119 code):
 * B' = (1/η)I − (1/η)F̃ᵀ(F̃F̃ᵀ + ηI)⁻¹F̃(1/η) as explicit K × K, Bf = B'F̃ᵀ, P'f̃_l = f̃_l − F̃(Bf f̃_l),
 * r' = f̃_j·P'f̃_l, match = sign(B'_jl) == −sign(r').
 */
function literalPublished(centred: Float64Array, samples: number, units: number, eta: number, pairs: [number, number][]): { residuals: number[]; scales: number[]; signMatch: number } {
  const inner = gaussJordanInverse(addToDiagonal(gramOfRows(centred, samples, units), samples, eta), samples);
  const ft = transpose(centred, samples, units);
  const middle = multiply(multiply(ft, inner, units, samples, samples), centred, units, samples, units);
  const bPrime = new Float64Array(units * units);
  for (let index = 0; index < bPrime.length; index++) bPrime[index] = (1 / eta) * identity(units)[index] - (1 / eta) * middle[index] * (1 / eta);
  const bf = multiply(bPrime, ft, units, units, samples);
  const residuals: number[] = [];
  const scales: number[] = [];
  let matches = 0;
  for (const [j, l] of pairs) {
    const fj = column(centred, samples, units, j);
    const fl = column(centred, samples, units, l);
    const projected = multiply(centred, multiply(bf, fl, units, samples, 1), samples, units, 1);
    const penalised = fl.map((value, i) => value - projected[i]);
    residuals.push(dot(fj, penalised));
    scales.push(Math.abs(dot(fj, fl)) + Math.sqrt(dot(fj, fj) * dot(projected, projected)));
    if (Math.sign(bPrime[j * units + l]) === -Math.sign(residuals[residuals.length - 1])) matches++;
  }
  return { residuals, scales, signMatch: matches / pairs.length };
}

/** Top pairs j < l by |cos| from explicitly normalised columns, as the published code ranks them. */
function literalTopPairs(centred: Float64Array, samples: number, units: number, count: number): [number, number][] {
  const gram = gramOfColumns(centred, samples, units);
  const norms = [...Array(units).keys()].map((j) => Math.max(Math.sqrt(gram[j * units + j]), 1e-30));
  const all: { score: number; j: number; l: number }[] = [];
  for (let j = 0; j < units; j++) for (let l = j + 1; l < units; l++) all.push({ score: Math.abs(gram[j * units + l] / (norms[j] * norms[l])), j, l });
  return all.sort((a, b) => b.score - a.score).slice(0, count).map(({ j, l }) => [j, l]);
}

describe('repulsionCheck', () => {
  const cases: [number, number, number, number][] = [
    // samples, units, weight decay, pairs
    [12, 7, 0.1, 12],
    [6, 9, 1e-3, 20],
    [40, 33, 2e-4, 30],
    [50, 70, 1e-3, 60],
  ];
  for (const [samples, units, weightDecay, pairs] of cases) {
    const hidden = randomActivations(samples, units, samples * 7 + units);
    const input: RepulsionInput = { hidden, samples, units, weightDecay, pairs };
    const centred = centreColumns(hidden, samples, units);
    const trace = traceOf(gramOfColumns(centred, samples, units), units);
    const b = gaussJordanInverse(addToDiagonal(gramOfColumns(centred, samples, units), units, weightDecay), units);

    for (const { label, options } of PATHS) {
      it(`${label}: pairs, exact residuals and statistics (n ${samples}, K ${units}, η ${weightDecay})`, () => {
        const details = repulsionCheckDetailed(input, options);
        const result = details.result;
        assert.equal(result.applicable, true);
        assert.deepEqual(details.pairs.map((pair) => [pair.j, pair.l]), literalTopPairs(centred, samples, units, pairs));
        for (const pair of details.pairs) {
          const fj = column(centred, samples, units, pair.j);
          const fl = column(centred, samples, units, pair.l);
          assert.ok(Math.abs(pair.cosine - dot(fj, fl) / Math.sqrt(dot(fj, fj) * dot(fl, fl))) <= 1e-12);
          const rest = withoutColumns(centred, samples, units, [pair.j, pair.l]);
          const explicit = bilinear(fj, projector(rest.matrix, samples, rest.columns, weightDecay), fl);
          assert.ok(Math.abs(pair.exactResidual - explicit) <= projectorTolerance(explicit, fj, fl, trace, weightDecay),
            `(${pair.j}, ${pair.l}): ${pair.exactResidual} vs ${explicit}`);
          const bjl = b[pair.j * units + pair.l];
          const closed = -bjl / (b[pair.j * units + pair.j] * b[pair.l * units + pair.l] - bjl * bjl);
          assert.ok(Math.abs(pair.exactResidual - closed) <= 1e-6 * Math.abs(closed), `(${pair.j}, ${pair.l}): ${pair.exactResidual} vs ${closed}`);
        }
        const couplings = details.pairs.map((pair) => b[pair.j * units + pair.l]);
        const normalized = details.pairs.map((pair) => b[pair.j * units + pair.l] / Math.sqrt(b[pair.j * units + pair.j] * b[pair.l * units + pair.l]));
        assert.equal(result.pairs, pairs);
        assert.equal(result.fractionNegative, couplings.filter((value) => value < 0).length / pairs);
        const positive = details.pairs.map((pair, index) => [pair.cosine, couplings[index]]).filter(([cosine]) => cosine > 0);
        assert.equal(result.fractionNegativePositiveCos, positive.filter(([, coupling]) => coupling < 0).length / positive.length);
        assert.equal(result.signMatch, 1);
        const scale = Math.max(...couplings.map(Math.abs));
        result.couplingQuantiles?.forEach((value, index) => assert.ok(Math.abs(value - fiveNumberSummary(couplings)[index]) <= 1e-9 * scale));
        result.normalizedCouplingQuantiles?.forEach((value, index) => assert.ok(Math.abs(value - fiveNumberSummary(normalized)[index]) <= 1e-9));
        assert.equal(result.pairList?.length, pairs);
        result.pairList?.forEach(([j, l, cosine, coupling, normal], index) => {
          assert.deepEqual([j, l, cosine, coupling], [details.pairs[index].j, details.pairs[index].l, details.pairs[index].cosine, details.pairs[index].coupling]);
          assert.ok(Math.abs(normal - normalized[index]) <= 1e-9);
        });
        // Diagonality of F̃ᵀF̃ over all K² entries (the samples form ranks in float32).
        const gram = gramOfColumns(centred, samples, units);
        let offDiagonal = 0;
        let diagonal = 0;
        for (let j = 0; j < units; j++) {
          for (let l = 0; l < units; l++) {
            if (j === l) diagonal += Math.abs(gram[j * units + l]);
            else offDiagonal += Math.abs(gram[j * units + l]);
          }
        }
        const expected = (offDiagonal / (units * units - units)) / (diagonal / units);
        assert.ok(Math.abs((result.diagonality as number) - expected) <= (options.form === 'samples' ? 1e-5 : 1e-12) * expected);
      });

      it(`${label}: publishedSignMatch and residuals match a literal re-implementation of the arXiv 2605.08119 code (n ${samples}, K ${units}, η ${weightDecay})`, () => {
        const details = repulsionCheckDetailed(input, options);
        const pairList = details.pairs.map((pair): [number, number] => [pair.j, pair.l]);
        const literal = literalPublished(centred, samples, units, weightDecay, pairList);
        details.pairs.forEach((pair, index) => {
          assert.ok(Math.abs(pair.publishedResidual - literal.residuals[index]) <= 1e-8 * literal.scales[index],
            `(${pair.j}, ${pair.l}): ${pair.publishedResidual} vs literal ${literal.residuals[index]}`);
        });
        assert.equal(details.result.publishedSignMatch, literal.signMatch);
      });
    }
  }

  it('publishedResidual is G_jl − (GB′G)_jl with B′ = B/η + (1/η − 1/η²)I', () => {
    const samples = 9;
    const units = 5;
    const eta = 0.03;
    const centred = centreColumns(randomActivations(samples, units, 5), samples, units);
    const gram = gramOfColumns(centred, samples, units);
    const b = gaussJordanInverse(addToDiagonal(gram, units, eta), units);
    const bPrime = b.map((value, index) => value / eta + (index % (units + 1) === 0 ? 1 / eta - 1 / (eta * eta) : 0));
    const gbg = multiply(multiply(gram, bPrime, units, units, units), gram, units, units, units);
    const square = multiply(gram, gram, units, units, units);
    for (let j = 0; j < units; j++) {
      for (let l = j + 1; l < units; l++) {
        const expected = gram[j * units + l] - gbg[j * units + l];
        const actual = publishedResidual(gram[j * units + l], square[j * units + l], b[j * units + l], eta);
        assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.abs(square[j * units + l]) / (eta * eta));
      }
    }
  });

  it('does not apply when the weight decay is 0, and computes nothing', () => {
    const result = repulsionCheck({ hidden: randomActivations(8, 6, 1), samples: 8, units: 6, weightDecay: 0, pairs: 5 });
    assert.equal(result.applicable, false);
    assert.match(result.reason ?? '', /weight decay is 0/);
    for (const key of ['fractionNegative', 'fractionNegativePositiveCos', 'signMatch', 'publishedSignMatch', 'couplingQuantiles', 'normalizedCouplingQuantiles', 'pairList', 'diagonality']) {
      assert.equal(key in result, false, key);
    }
    assert.equal(result.weightDecay, 0);
  });

  for (const { label, options } of PATHS) {
    it(`${label}: a failed Cholesky gives applicable: false naming the pivot, not an exception`, () => {
      // η < 0 large enough that F̃ᵀF̃ + ηI and F̃F̃ᵀ + ηI are indefinite from the first pivot on.
      const details = repulsionCheckDetailed({ hidden: randomActivations(10, 8, 2), samples: 10, units: 8, weightDecay: -100, pairs: 6 }, options);
      assert.equal(details.result.applicable, false);
      assert.match(details.result.reason ?? '', /Cholesky .* failed at pivot 0/);
      assert.equal('fractionNegative' in details.result, false);
    });

    it(`${label}: non-finite activations give applicable: false`, () => {
      const hidden = randomActivations(10, 8, 3);
      hidden[17] = Number.NaN;
      const result = repulsionCheckDetailed({ hidden, samples: 10, units: 8, weightDecay: 1e-3, pairs: 6 }, options).result;
      assert.equal(result.applicable, false);
      assert.match(result.reason ?? '', /non-finite/);
    });

    it(`${label}: a zero column has cosine 0 with every unit and all pairs are kept when fewer exist`, () => {
      const samples = 9;
      const units = 6;
      const hidden = randomActivations(samples, units, 4);
      for (let i = 0; i < samples; i++) hidden[i * units + 2] = 0.5; // a constant unit: zero after centring
      const details = repulsionCheckDetailed({ hidden, samples, units, weightDecay: 1e-2, pairs: 100 }, options);
      assert.equal(details.result.pairs, 15);
      const withDead = details.pairs.filter((pair) => pair.j === 2 || pair.l === 2);
      assert.equal(withDead.length, 5);
      for (const pair of withDead) {
        assert.equal(pair.cosine, 0);
        assert.ok(Math.abs(pair.coupling) <= 1e-12 * Math.abs(pair.couplingJJ));
      }
      assert.deepEqual(details.pairs.slice(-5).map((pair) => pair.cosine), [0, 0, 0, 0, 0]);
    });
  }

  it('needs two units', () => {
    const result = repulsionCheck({ hidden: new Float32Array([1, 2, 3]), samples: 3, units: 1, weightDecay: 1e-3, pairs: 5 });
    assert.equal(result.applicable, false);
  });

  it('rejects inconsistent shapes', () => {
    assert.throws(() => repulsionCheck({ hidden: new Float32Array(10), samples: 3, units: 4, weightDecay: 1e-3, pairs: 5 }), /expected samples/);
  });
});
