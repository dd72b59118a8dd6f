import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LossName } from '../../src/shared/config/types';
import { gradientFNorm, gradientFNormReference, lossResidual, unitEnergies, type GradientFNormOptions } from '../../src/training/diagnostics/li2';
import { availableLinalgBuilds } from '../../src/training/diagnostics/linalgKernels';
import { RandomStream } from '../../src/training/random';

function randomArray(length: number, random: RandomStream, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => scale * random.nextGaussian());
}

function randomLabels(samples: number, classes: number, random: RandomStream): Int32Array {
  return Int32Array.from({ length: samples }, () => random.nextInt(classes));
}

/** The losses of docs/science.md §3, in float64: class-centred MSE (mean over samples, sum over classes) and cross-entropy. */
function lossValue(output: Float64Array, labels: Int32Array, classes: number, loss: LossName): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = Array.from(output.subarray(i * classes, (i + 1) * classes));
    if (loss === 'mse') {
      const mean = row.reduce((sum, value) => sum + value, 0) / classes;
      row.forEach((value, c) => { total += (value - mean - ((c === labels[i] ? 1 : 0) - 1 / classes)) ** 2; });
    } else {
      const maximum = Math.max(...row);
      const logPartition = maximum + Math.log(row.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
      total += logPartition - row[labels[i]];
    }
  }
  return total / labels.length;
}

describe('lossResidual', () => {
  for (const [loss, factor] of [['mse', -2], ['crossEntropy', -1]] as const) {
    it(`is ${-factor === 2 ? '−n/2' : '−n'} × ∂loss/∂o for ${loss} (finite differences)`, () => {
      const random = new RandomStream(1, `residual-${loss}`);
      const [samples, classes] = [6, 5];
      const output = randomArray(samples * classes, random);
      const labels = randomLabels(samples, classes, random);
      const residual = lossResidual(output, labels, loss);
      const point = Float64Array.from(output);
      const step = 1e-5;
      for (let index = 0; index < point.length; index++) {
        const saved = point[index];
        point[index] = saved + step;
        const up = lossValue(point, labels, classes, loss);
        point[index] = saved - step;
        const down = lossValue(point, labels, classes, loss);
        point[index] = saved;
        const derivative = (up - down) / (2 * step);
        assert.ok(Math.abs(derivative - (factor / samples) * residual[index]) < 1e-7, `entry ${index}`);
      }
    });
  }
});

describe('gradientFNorm', () => {
  /** Direct ‖P₁⊥ R V‖_F: forms the n × K product. */
  function directNorm(output: Float32Array, labels: Int32Array, v: Float32Array, loss: LossName): number {
    const samples = labels.length;
    const classes = output.length / samples;
    const hidden = v.length / classes;
    const residual = lossResidual(output, labels, loss);
    const centred = new Float64Array(residual.length);
    for (let c = 0; c < classes; c++) {
      let mean = 0;
      for (let i = 0; i < samples; i++) mean += residual[i * classes + c];
      mean /= samples;
      for (let i = 0; i < samples; i++) centred[i * classes + c] = residual[i * classes + c] - mean;
    }
    let sum = 0;
    for (let i = 0; i < samples; i++) {
      for (let k = 0; k < hidden; k++) {
        let entry = 0;
        for (let c = 0; c < classes; c++) entry += centred[i * classes + c] * v[c * hidden + k];
        sum += entry * entry;
      }
    }
    return Math.sqrt(sum);
  }

  /** Every path: the plain reference and the kernel on each available linalg.wasm build. */
  const PATHS: { label: string; options: GradientFNormOptions }[] = [
    { label: 'reference', options: { implementation: 'reference' } },
    ...availableLinalgBuilds().map((simd) => ({ label: `linalg.wasm (${simd})`, options: { simd } })),
  ];

  it('runs on the plain build at least (the kernel is tested, not skipped)', () => {
    assert.ok(PATHS.some((path) => path.options.simd === 'plain'), JSON.stringify(PATHS));
  });

  for (const path of PATHS) {
    for (const loss of ['mse', 'crossEntropy'] as const) {
      it(`matches the direct n × K computation (${loss}, ${path.label})`, () => {
        const random = new RandomStream(2, `gf-${loss}`);
        const [samples, classes, hidden] = [40, 7, 13];
        const output = randomArray(samples * classes, random, 0.3);
        const labels = randomLabels(samples, classes, random);
        const v = randomArray(classes * hidden, random, 0.5);
        const expected = directNorm(output, labels, v, loss);
        assert.ok(expected > 0);
        assert.ok(Math.abs(gradientFNorm(output, labels, v, loss, path.options) / expected - 1) < 1e-10);
      });
    }

    it(`vanishes when the residual is the same for every sample (P₁⊥ removes it; ${path.label})`, () => {
      // Every sample has the same label and output: R has identical rows, so P₁⊥ R = 0.
      const [samples, classes, hidden] = [5, 3, 4];
      const output = new Float32Array(samples * classes);
      for (let i = 0; i < samples; i++) output.set([0.2, -0.1, 0.4], i * classes);
      const v = Float32Array.from({ length: classes * hidden }, (_, index) => index - 3);
      assert.ok(gradientFNorm(output, new Int32Array(samples).fill(1), v, 'mse', path.options) < 1e-12);
    });
  }

  for (const simd of availableLinalgBuilds()) {
    it(`the kernel (${simd}) agrees with the plain reference to 12 digits at awkward and default-like sizes, and mutates nothing`, () => {
      // M not a multiple of the 4-class strips, K and n odd, n beyond one residual chunk; the last
      // is the default workload's shape (M = 71, K = 2048, n = 2016).
      for (const [samples, classes, hidden, seed] of [[3, 2, 1, 1], [37, 5, 19, 2], [301, 13, 9, 3], [2016, 71, 2048, 4]]) {
        for (const loss of ['mse', 'crossEntropy'] as const) {
          const random = new RandomStream(seed, `gf-kernel-${loss}`);
          const output = randomArray(samples * classes, random, 0.5);
          const labels = randomLabels(samples, classes, random);
          const v = randomArray(classes * hidden, random, 0.05);
          const [outputCopy, labelsCopy, vCopy] = [output.slice(), labels.slice(), v.slice()];
          const expected = gradientFNormReference(output, labels, v, loss);
          const actual = gradientFNorm(output, labels, v, loss, { simd });
          assert.ok(Math.abs(actual / expected - 1) < 1e-12, `M ${classes}, K ${hidden}, n ${samples}, ${loss}: ${actual} vs ${expected}`);
          // A second call reuses the arena: the same number.
          assert.equal(gradientFNorm(output, labels, v, loss, { simd }), actual);
          assert.deepEqual([output, labels, v], [outputCopy, labelsCopy, vCopy]);
        }
      }
    });
  }

  it('rejects inconsistent shapes before choosing a path, and in the reference path called on its own', () => {
    for (const norm of [gradientFNorm, gradientFNormReference]) {
      assert.throws(() => norm(new Float32Array(10), new Int32Array(3), new Float32Array(6), 'mse'), /n × M/);
      assert.throws(() => norm(new Float32Array(9), new Int32Array(3), new Float32Array(7), 'mse'), /multiple of M/);
    }
  });
});

describe('unitEnergies', () => {
  it('matches ½‖Ỹᵀ F_{:,j}‖² with an explicit Ỹ = onehot − 1/M', () => {
    const random = new RandomStream(3, 'energies');
    const [samples, classes, hidden] = [30, 5, 9];
    const hiddenValues = Float32Array.from({ length: samples * hidden }, () => random.nextGaussian() ** 2);
    const labels = randomLabels(samples, classes, random);
    const energies = unitEnergies(hiddenValues, labels, classes);
    assert.equal(energies.length, hidden);
    for (let j = 0; j < hidden; j++) {
      let expected = 0;
      for (let c = 0; c < classes; c++) {
        let projection = 0;
        for (let i = 0; i < samples; i++) projection += ((labels[i] === c ? 1 : 0) - 1 / classes) * hiddenValues[i * hidden + j];
        expected += projection * projection;
      }
      expected *= 0.5;
      assert.ok(Math.abs(energies[j] - expected) <= 1e-12 * Math.max(1, expected), `unit ${j}`);
    }
  });

  it('is zero for a unit whose activation does not depend on the class', () => {
    // Balanced labels (each class twice) and a constant column: each class sum equals 1/M of the total.
    const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const hiddenValues = Float32Array.from([1, 5, 1, 6, 1, 7, 1, 5, 1, 6, 1, 7]); // K = 2: column 0 constant
    const energies = unitEnergies(hiddenValues, labels, 3);
    assert.equal(energies[0], 0);
    // Column 1: class sums (10, 12, 14), total 36: ½((10−12)² + 0 + (14−12)²) = 4.
    assert.ok(Math.abs(energies[1] - 4) < 1e-12);
    assert.throws(() => unitEnergies(hiddenValues, Int32Array.from([0, 1, 2, 0, 1, 3]), 3));
  });
});
