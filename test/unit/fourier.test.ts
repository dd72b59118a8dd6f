import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fourierContent, frequencyCount, unitSpectra } from '../../src/training/diagnostics/fourier';
import { RandomStream } from '../../src/training/random';

/** Wᵀ (2M × K) with unit j's weights for operand a given by first(j, a) and for operand b by second(j, b). */
function weights(modulus: number, hidden: number, first: (unit: number, a: number) => number,
  second: (unit: number, b: number) => number = () => 0): Float32Array {
  const transposed = new Float32Array(2 * modulus * hidden);
  for (let unit = 0; unit < hidden; unit++) {
    for (let a = 0; a < modulus; a++) {
      transposed[a * hidden + unit] = first(unit, a);
      transposed[(modulus + a) * hidden + unit] = second(unit, a);
    }
  }
  return transposed;
}

const wave = (modulus: number, frequency: number, index: number, phase = 0): number =>
  Math.cos((2 * Math.PI * frequency * index) / modulus + phase);

describe('unitSpectra', () => {
  it('matches a brute-force DFT of both operands, folded over ±f', () => {
    const random = new RandomStream(1, 'fourier-dft');
    for (const modulus of [7, 10, 13]) {
      const hidden = 3;
      const transposed = Float32Array.from({ length: 2 * modulus * hidden }, () => random.nextGaussian());
      const { power, nonConstantPower, frequencies } = unitSpectra(transposed, modulus, hidden);
      assert.equal(frequencies, frequencyCount(modulus));
      for (let unit = 0; unit < hidden; unit++) {
        let allFrequencies = 0;
        for (let f = 1; f < modulus; f++) {
          let sum = 0;
          for (const offset of [0, modulus]) {
            let re = 0, im = 0;
            for (let a = 0; a < modulus; a++) {
              const x = transposed[(offset + a) * hidden + unit];
              re += x * Math.cos((2 * Math.PI * f * a) / modulus);
              im -= x * Math.sin((2 * Math.PI * f * a) / modulus);
            }
            sum += re * re + im * im;
          }
          allFrequencies += sum;
          if (f <= frequencies) {
            // p(f) = |X(f)|² + |X(M − f)|², and |X(M − f)| = |X(f)| for real weights.
            let mirrored = 0;
            for (const offset of [0, modulus]) {
              let re = 0, im = 0;
              for (let a = 0; a < modulus; a++) {
                const x = transposed[(offset + a) * hidden + unit];
                re += x * Math.cos((2 * Math.PI * (modulus - f) * a) / modulus);
                im -= x * Math.sin((2 * Math.PI * (modulus - f) * a) / modulus);
              }
              mirrored += re * re + im * im;
            }
            assert.ok(Math.abs(power[unit * frequencies + f - 1] - (sum + mirrored)) < 1e-9 * (sum + mirrored + 1));
          }
        }
        assert.ok(Math.abs(nonConstantPower[unit] - allFrequencies) < 1e-9 * allFrequencies, `Parseval, M ${modulus}`);
      }
    }
  });
});

describe('fourierContent', () => {
  for (const modulus of [71, 12, 9]) {
    it(`finds the frequency of pure waves with share ≈ 1 (M ${modulus})`, () => {
      const frequencies = frequencyCount(modulus);
      const hidden = 2 * frequencies + 1;
      const frequencyOf = (unit: number): number => 1 + (unit % frequencies);
      const transposed = weights(modulus, hidden,
        (unit, a) => 0.3 + wave(modulus, frequencyOf(unit), a, 0.7 * unit),
        (unit, b) => 0.5 * wave(modulus, frequencyOf(unit), b, -0.4 * unit));
      const result = fourierContent(transposed, modulus, hidden, new Float64Array(hidden));
      assert.deepEqual(result.dominantFrequencies, Array.from({ length: hidden }, (_, unit) => frequencyOf(unit)));
      for (const share of result.dominantPowerShare) assert.ok(Math.abs(share - 1) < 1e-6, `share ${share}`);
      assert.equal(result.distinctFrequencies, frequencies);
      const expectedHistogram = new Array(frequencies).fill(2);
      expectedHistogram[0] = 3;
      assert.deepEqual(result.frequencyHistogram, expectedHistogram);
    });
  }

  it('gives the share of the dominant frequency in mixtures', () => {
    const modulus = 11;
    // Unit 0: amplitude 1 at f = 2 (operand a) and 0.6 at f = 5 (operand b): share 1/1.36.
    // Unit 1: equal amplitudes at f = 1, 3, 4 (share 1/3, not counted); ties go to the lowest f.
    // Unit 2: amplitude 0.9 at f = 4, 1 at f = 3 on the same operand: dominant 3, share 1/1.81.
    // Unit 3: constant weights: no non-constant power, share 0.
    const transposed = weights(modulus, 4,
      (unit, a) => [wave(modulus, 2, a), wave(modulus, 1, a) + wave(modulus, 3, a, 1), 0.9 * wave(modulus, 4, a, 2) + wave(modulus, 3, a), 2][unit],
      (unit, b) => [0.6 * wave(modulus, 5, b, 0.3), wave(modulus, 4, b), 0, -1][unit]);
    const result = fourierContent(transposed, modulus, 4, Float64Array.from([1, 2, 3, 4]));
    assert.deepEqual(result.dominantFrequencies, [2, 1, 3, 1]);
    const expectedShares = [1 / 1.36, 1 / 3, 1 / 1.81, 0];
    result.dominantPowerShare.forEach((share, unit) => assert.ok(Math.abs(share - expectedShares[unit]) < 1e-6, `unit ${unit}: ${share}`));
    assert.deepEqual(result.frequencyHistogram, [0, 1, 1, 0, 0]);
    assert.equal(result.distinctFrequencies, 2);
    assert.deepEqual(result.energyQuantiles, [1, 1.75, 2.5, 3.25, 4]);
  });

  it('counts the Nyquist power of an even modulus in the denominator only', () => {
    // M = 10: cos(2π·2a/10) has folded power M²/2; 0.5·(−1)^a has Nyquist power (0.5 M)² = M²/4: share 2/3.
    const modulus = 10;
    const transposed = weights(modulus, 1, (_, a) => wave(modulus, 2, a) + 0.5 * (a % 2 === 0 ? 1 : -1));
    const result = fourierContent(transposed, modulus, 1, [0]);
    assert.deepEqual(result.dominantFrequencies, [2]);
    assert.ok(Math.abs(result.dominantPowerShare[0] - 2 / 3) < 1e-6);
    assert.equal(result.frequencyHistogram.length, 4);
  });

  it('rejects mismatched shapes', () => {
    assert.throws(() => fourierContent(new Float32Array(10), 5, 2, [0]));
    assert.throws(() => unitSpectra(new Float32Array(9), 5, 1));
    assert.throws(() => unitSpectra(new Float32Array(4), 2, 1));
  });
});
