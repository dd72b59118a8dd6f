/**
 * Fourier content of each hidden unit's input weights (Li₂, arXiv 2509.21519; docs/science.md §9): for
 * σ = x² and odd M the local maxima of the energy are single-frequency Fourier vectors, so a
 * grokked network's units each concentrate on one frequency f ∈ {1 … ⌊(M−1)/2⌋}.
 *
 * Unit j's input weights are u_j[a] = Wᵀ[a, j] (operand a) and v_j[b] = Wᵀ[M + b, j] (operand b).
 * With X(f) = Σ_a x[a] e^{−2πi f a/M}, the power of unit j at frequency f is
 * p_j(f) = |U_j(f)|² + |U_j(M−f)|² + |V_j(f)|² + |V_j(M−f)|² = 2(|U_j(f)|² + |V_j(f)|²) for
 * 1 ≤ f < M/2. Its **share** is p_j(f) over the unit's non-constant power
 * Σ_{f=1}^{M−1} (|U_j(f)|² + |V_j(f)|²) = M(‖u_j − ū_j‖² + ‖v_j − v̄_j‖²) (Parseval), which for even
 * M includes the Nyquist frequency M/2 even though M/2 is never reported as dominant.
 */
import type { FourierEvent } from '../../shared/runFormat';
import { fiveNumberSummary } from '../../shared/statistics';

/** Units whose dominant share is at least this count as single-frequency (histogram, distinct count). */
export const DOMINANT_SHARE_THRESHOLD = 0.5;

/** The FourierEvent fields that the analysis fills (the caller adds type, condition, seed, epoch). */
export type FourierFields = Omit<FourierEvent, 'type' | 'condition' | 'seed' | 'epoch' | 'time'>;

/** Number of reported frequencies ⌊(M−1)/2⌋ (frequency 0 and, for even M, M/2 excluded). */
export function frequencyCount(modulus: number): number {
  return Math.floor((modulus - 1) / 2);
}

export interface UnitSpectra {
  /** p_j(f) for f = 1 … F, (K × F) row-major: entry j·F + (f − 1). */
  power: Float64Array;
  /** Non-constant power of each unit, length K (the share's denominator). */
  nonConstantPower: Float64Array;
  frequencies: number;
}

/**
 * DFT power of every unit's input weights at frequencies 1 … ⌊(M−1)/2⌋, both operands summed.
 * O(M · F · K), vectorised over units (the rows of Wᵀ are contiguous in j). Mutates nothing.
 *
 * @param firstLayerTransposed Wᵀ, (2M × K) row-major
 */
export function unitSpectra(firstLayerTransposed: Float32Array, modulus: number, hidden: number): UnitSpectra {
  if (!Number.isInteger(modulus) || modulus < 3) throw new Error(`unitSpectra: modulus must be an integer ≥ 3, got ${modulus}`);
  if (firstLayerTransposed.length !== 2 * modulus * hidden) throw new Error(`unitSpectra: Wᵀ must be (2M × K) = ${2 * modulus * hidden} entries`);
  const frequencies = frequencyCount(modulus);
  const power = new Float64Array(hidden * frequencies);
  const real = new Float64Array(hidden);
  const imaginary = new Float64Array(hidden);
  // cos/sin of 2π m/M for m = f·a mod M: exact periodicity, no drift of the angle.
  const cosines = Float64Array.from({ length: modulus }, (_, m) => Math.cos((2 * Math.PI * m) / modulus));
  const sines = Float64Array.from({ length: modulus }, (_, m) => Math.sin((2 * Math.PI * m) / modulus));
  for (const operandOffset of [0, modulus]) {
    for (let f = 1; f <= frequencies; f++) {
      real.fill(0);
      imaginary.fill(0);
      for (let a = 0; a < modulus; a++) {
        const angle = (f * a) % modulus;
        const c = cosines[angle];
        const s = sines[angle];
        const row = (operandOffset + a) * hidden;
        for (let unit = 0; unit < hidden; unit++) {
          const weight = firstLayerTransposed[row + unit];
          real[unit] += c * weight;
          imaginary[unit] -= s * weight;
        }
      }
      for (let unit = 0; unit < hidden; unit++) {
        power[unit * frequencies + f - 1] += 2 * (real[unit] * real[unit] + imaginary[unit] * imaginary[unit]);
      }
    }
  }
  const nonConstantPower = new Float64Array(hidden);
  const means = new Float64Array(hidden);
  for (const operandOffset of [0, modulus]) {
    means.fill(0);
    for (let a = 0; a < modulus; a++) {
      const row = (operandOffset + a) * hidden;
      for (let unit = 0; unit < hidden; unit++) means[unit] += firstLayerTransposed[row + unit];
    }
    for (let unit = 0; unit < hidden; unit++) means[unit] /= modulus;
    for (let a = 0; a < modulus; a++) {
      const row = (operandOffset + a) * hidden;
      for (let unit = 0; unit < hidden; unit++) {
        const deviation = firstLayerTransposed[row + unit] - means[unit];
        nonConstantPower[unit] += modulus * deviation * deviation;
      }
    }
  }
  return { power, nonConstantPower, frequencies };
}

/**
 * The per-unit Fourier analysis of a checkpoint: dominant frequency (ties to the lowest f) and its
 * share of each unit's non-constant power (frequency 1 with share 0 for a unit with constant
 * weights), the number of distinct dominant frequencies among units with share ≥ 0.5, their
 * histogram over f = 1 … F, and the quantiles 0, ¼, ½, ¾, 1 of the given per-unit energies
 * (li2.ts `unitEnergies`). Mutates nothing.
 *
 * @param firstLayerTransposed Wᵀ, (2M × K) row-major
 * @param energies E(w_j) per unit, length K
 */
export function fourierContent(firstLayerTransposed: Float32Array, modulus: number, hidden: number, energies: ArrayLike<number>): FourierFields {
  if (energies.length !== hidden) throw new Error(`fourierContent: expected ${hidden} energies, got ${energies.length}`);
  const { power, nonConstantPower, frequencies } = unitSpectra(firstLayerTransposed, modulus, hidden);
  const dominantFrequencies: number[] = [];
  const dominantPowerShare: number[] = [];
  const frequencyHistogram: number[] = new Array<number>(frequencies).fill(0);
  for (let unit = 0; unit < hidden; unit++) {
    const total = nonConstantPower[unit];
    let best = 0;
    // Constant weights: every power is zero up to rounding noise, so report frequency 1, share 0.
    if (total > 0) {
      for (let index = 1; index < frequencies; index++) {
        if (power[unit * frequencies + index] > power[unit * frequencies + best]) best = index;
      }
    }
    const share = total > 0 ? power[unit * frequencies + best] / total : 0;
    dominantFrequencies.push(best + 1);
    dominantPowerShare.push(share);
    if (share >= DOMINANT_SHARE_THRESHOLD) frequencyHistogram[best]++;
  }
  return {
    dominantFrequencies,
    dominantPowerShare,
    distinctFrequencies: frequencyHistogram.filter((count) => count > 0).length,
    frequencyHistogram,
    energyQuantiles: fiveNumberSummary(Array.from(energies)),
  };
}
