/**
 * Li₂ stage metrics (arXiv 2509.21519, Fig. 3; docs/science.md §9) computed from the engine's buffers:
 * the norm of the back-propagated gradient G_F and the per-unit energy E(w_j).
 * All sums are in float64; inputs are the engine's float32 views and are not mutated.
 *
 * ‖G_F‖ runs every row, so it runs in linalg.wasm (linalgKernels.ts): no per-row arrays, and 2–3 ms
 * against 30–45 ms for the plain path at the defaults on a loaded machine (docs/performance.md §3.4).
 * `gradientFNormReference` is the plain TypeScript it is checked against. Both take arrays (outputs,
 * labels, the readout V), not a model.
 */
import type { LossName } from '../../shared/config/types';
import type { SimdChoice } from '../wasmKernels';
import { linalgKernelsFor } from './linalgKernels';

/**
 * The residual R = Y − Ŷ that the loss drives to zero, (n × M) float64, for each training sample:
 *  - `mse` (class-centred MSE, docs/science.md §3): Y = onehot(y) − 1/M and Ŷ = o − mean_c(o), the
 *    output as the loss sees it (so R is exactly −n/2 × ∂loss/∂o);
 *  - `crossEntropy`: Y = onehot(y) and Ŷ = softmax(o) (R = −n × ∂loss/∂o).
 */
export function lossResidual(trainOutput: Float32Array, labels: Int32Array, loss: LossName): Float64Array {
  const samples = labels.length;
  const classes = trainOutput.length / samples;
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`lossResidual: output length ${trainOutput.length} is not n × M for n = ${samples}`);
  const residual = new Float64Array(samples * classes);
  for (let sample = 0; sample < samples; sample++) {
    const row = sample * classes;
    switch (loss) {
      case 'mse': {
        let mean = 0;
        for (let c = 0; c < classes; c++) mean += trainOutput[row + c];
        mean /= classes;
        for (let c = 0; c < classes; c++) residual[row + c] = (c === labels[sample] ? 1 : 0) - 1 / classes - (trainOutput[row + c] - mean);
        break;
      }
      case 'crossEntropy': {
        let maximum = -Infinity;
        for (let c = 0; c < classes; c++) maximum = Math.max(maximum, trainOutput[row + c]);
        let partition = 0;
        for (let c = 0; c < classes; c++) partition += Math.exp(trainOutput[row + c] - maximum);
        for (let c = 0; c < classes; c++) {
          residual[row + c] = (c === labels[sample] ? 1 : 0) - Math.exp(trainOutput[row + c] - maximum) / partition;
        }
        break;
      }
      default: {
        const unknown: never = loss;
        throw new Error(`unknown loss ${String(unknown)}`);
      }
    }
  }
  return residual;
}

/**
 * Σ_i values[first + i]·values[second + i] over `length` entries, in float64 with four partial
 * sums (independent dependency chains).
 */
function rowDot(values: Float32Array | Float64Array, first: number, second: number, length: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let index = 0;
  for (; index + 3 < length; index += 4) {
    sum0 += values[first + index] * values[second + index];
    sum1 += values[first + index + 1] * values[second + index + 1];
    sum2 += values[first + index + 2] * values[second + index + 2];
    sum3 += values[first + index + 3] * values[second + index + 3];
  }
  for (; index < length; index++) sum0 += values[first + index] * values[second + index];
  return sum0 + sum1 + sum2 + sum3;
}

export interface GradientFNormOptions {
  /** Default `wasm` (linalg.wasm, falling back to `reference` when no build loads with simd `auto`). */
  implementation?: 'wasm' | 'reference';
  /** linalg.wasm build for `wasm`: `auto` (default) or a specific one (throws if it cannot be loaded). */
  simd?: SimdChoice;
}

/** M and K of ‖G_F‖'s inputs, checked: o is n × M, V is M × K. */
function gradientShape(trainOutput: Float32Array, labels: Int32Array, secondLayer: Float32Array): { classes: number; hidden: number } {
  const classes = trainOutput.length / labels.length;
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`gradientFNorm: output length ${trainOutput.length} is not n × M for n = ${labels.length}`);
  const hidden = secondLayer.length / classes;
  if (!Number.isInteger(hidden)) throw new Error(`gradientFNorm: V has ${secondLayer.length} entries, not a multiple of M = ${classes}`);
  return { classes, hidden };
}

/**
 * ‖G_F‖_F with G_F = P₁⊥ R V (Li₂'s back-propagated gradient; docs/science.md §9): R is the loss
 * residual of `lossResidual` (n × M), P₁⊥ = I − 11ᵀ/n centres it over samples, V is (M × K).
 * Computed as √tr(R̃ᵀR̃ · VVᵀ) with two M × M matrices, O(nM² + M²K), instead of forming the
 * n × K product (O(nMK)), in linalg.wasm. Mutates nothing.
 *
 * @param trainOutput outputs o = V σ(W x) on the training split, (n × M) row-major
 * @param labels training labels y, length n
 * @param secondLayer V, (M × K) row-major
 */
export function gradientFNorm(trainOutput: Float32Array, labels: Int32Array, secondLayer: Float32Array, loss: LossName, options: GradientFNormOptions = {}): number {
  const { classes, hidden } = gradientShape(trainOutput, labels, secondLayer);
  const simd = options.simd ?? 'auto';
  const kernels = options.implementation === 'reference' ? undefined : linalgKernelsFor(simd);
  if (!kernels) return gradientFNormReference(trainOutput, labels, secondLayer, loss);
  return kernels.gradientFNorm(trainOutput, labels, secondLayer, classes, hidden, loss);
}

/**
 * The plain TypeScript ‖G_F‖ that the kernel is checked against (and the path without linalg.wasm):
 * the same trace form in float64, with R̃ stored class by class so that every entry of R̃ᵀR̃ is a dot
 * product of two contiguous rows. Allocates R and R̃ (2 × n × M float64). Mutates nothing.
 */
export function gradientFNormReference(trainOutput: Float32Array, labels: Int32Array, secondLayer: Float32Array, loss: LossName): number {
  const samples = labels.length;
  const { classes, hidden } = gradientShape(trainOutput, labels, secondLayer);
  const residual = lossResidual(trainOutput, labels, loss);
  // R̃ column by column (M × n): every entry of A = R̃ᵀR̃ is then a dot product of two contiguous
  // rows, summed in registers (accumulating A row by row writes to A n·M²/2 times: ≈ 35 ms at the
  // defaults against ≈ 20 ms).
  const centred = new Float64Array(classes * samples);
  for (let c = 0; c < classes; c++) {
    let mean = 0;
    for (let sample = 0; sample < samples; sample++) mean += residual[sample * classes + c];
    mean /= samples;
    const offset = c * samples;
    for (let sample = 0; sample < samples; sample++) centred[offset + sample] = residual[sample * classes + c] - mean;
  }
  // tr(AB) = Σ_cd A_cd B_cd with B = VVᵀ; both symmetric, so the upper triangles, off-diagonal twice.
  let trace = 0;
  for (let c = 0; c < classes; c++) {
    for (let d = c; d < classes; d++) {
      const residualDot = rowDot(centred, c * samples, d * samples, samples);
      const weightDot = rowDot(secondLayer, c * hidden, d * hidden, hidden);
      trace += (c === d ? 1 : 2) * residualDot * weightDot;
    }
  }
  return Math.sqrt(Math.max(trace, 0));
}

/**
 * Per-unit energy E(w_j) = ½‖Ỹᵀ σ(X w_j)‖² (Li₂, arXiv 2509.21519; docs/science.md §9) with
 * Ỹ = onehot(y) − 1/M (n × M) and σ(X w_j) = column j of F. Since Ỹᵀ F_{:,j} has entries
 * (Σ_{i: y_i = c} F_ij) − (1/M) Σ_i F_ij, it costs one pass over F: O(nK + MK). Mutates nothing.
 *
 * @param trainHidden F = σ(X Wᵀ) on the training split, (n × K) row-major
 * @param labels training labels y, length n
 * @param classes M
 * @returns Float64Array of length K
 */
export function unitEnergies(trainHidden: Float32Array, labels: Int32Array, classes: number): Float64Array {
  const samples = labels.length;
  const hidden = trainHidden.length / samples;
  if (!Number.isInteger(hidden)) throw new Error(`unitEnergies: F has ${trainHidden.length} entries, not n × K for n = ${samples}`);
  const classSums = new Float64Array(classes * hidden);
  for (let sample = 0; sample < samples; sample++) {
    const label = labels[sample];
    if (!(label >= 0 && label < classes)) throw new Error(`unitEnergies: label ${label} outside 0…${classes - 1}`);
    const target = label * hidden;
    const source = sample * hidden;
    for (let unit = 0; unit < hidden; unit++) classSums[target + unit] += trainHidden[source + unit];
  }
  const totals = new Float64Array(hidden);
  for (let c = 0; c < classes; c++) {
    for (let unit = 0; unit < hidden; unit++) totals[unit] += classSums[c * hidden + unit];
  }
  const energies = new Float64Array(hidden);
  for (let c = 0; c < classes; c++) {
    for (let unit = 0; unit < hidden; unit++) {
      const projection = classSums[c * hidden + unit] - totals[unit] / classes;
      energies[unit] += projection * projection;
    }
  }
  for (let unit = 0; unit < hidden; unit++) energies[unit] *= 0.5;
  return energies;
}
