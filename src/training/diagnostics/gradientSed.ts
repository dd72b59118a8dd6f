/**
 * Gradient-direction SED (docs/science.md §8): an **adaptation to this MLP** of arXiv 2604.25143
 * ("Gradient-direction sensitivity reveals linear-centroid coupling hidden by optimizer
 * trajectories"), whose experiments use Transformers. Definitions follow the authors' code
 * (skydancerosel/grokking-integrability, `gradient_sed/diagnostics/sed_lch_gradient.py`):
 *
 *  - two rolling windows of the last w first-layer vectors, flattened like Wᵀ (P = 2MK): the
 *    full-batch loss gradients ∇_W L (gradient-SED) and the optimiser updates ΔW (update-SED, §5's
 *    window). Row t's windows hold those of steps max(1, t − w + 1) … t, as in §5, so both are
 *    aligned with the eigengap. (The authors' window also holds the gradient at the checkpoint
 *    itself, one step later than ours: the gradient of θ_t is only computed by step t + 1.)
 *  - v_k = Xᵀu_k / s_k: the top right singular vectors of the stacked window X (w × P), from the
 *    eigenvectors u_k of its Gram G = XXᵀ (kept incrementally by RollingGram), s_k = √λ_k.
 *  - A(v) = mean over probes x of ‖(μ_x(W + εv) − μ_x(W − εv)) / 2ε‖², μ_x = ∂ŷ_y/∂x the gradient of
 *    the correct class's output with respect to the one-hot input (for ŷ = V σ(W x),
 *    μ_x = W (σ'(W x) ⊙ V_y), in Wᵀ's layout μ_x[j] = Σ_k Wᵀ[j, k] σ'(z_k) V[y, k]); ε = scale · ‖W‖_F.
 *    Only W is perturbed (V stays), since the windows are first-layer vectors.
 *  - R_k = A(v_k) / median_j A(r_j) over fresh random unit directions r_j (Gaussian, normalised).
 *  - Probes: pairs (a, b) drawn uniformly **with replacement from all M² pairs** (train and test),
 *    as the authors' code does (`randint` over the whole table), once per seed; y = a ∘ b mod M.
 *    The sensitivity of the learned function is meant over the whole input domain, not only the
 *    memorised pairs.
 *
 * Split by what depends on the model: GradientSedTracker (the windows, their singular directions,
 * the random directions and the ratios, ./sedWindows.ts) takes flattened vectors and a
 * SensitivityProbe, and the Transformer reuses it (src/training/transformer/sed.ts);
 * DirectionSensitivity, drawProbes and inputGradient here are this MLP's A(v).
 *
 * Cost: A(v) is 2 · probes · 2MK multiply-adds (≈ 0.6 G at the defaults), for 2·vectors + directions
 * = 26 directions per evaluation. The central difference is computed in an exactly equivalent form
 * that needs no subtraction of μ's: with z = Wᵀ[a] + Wᵀ[M + b], d = v[a] + v[M + b] and
 * σ'_± = σ'(z ± εd),
 *   (μ(W + εv) − μ(W − εv)) / 2ε = Wᵀ·p + v·q,  p = (σ'_+ − σ'_−)/(2ε) ⊙ V_y,  q = (σ'_+ + σ'_−)/2 ⊙ V_y,
 * i.e. one (2M × 2K) matrix–vector product per probe, [Wᵀ | v]·[p; q], done by window.wasm's
 * `dotsWithSlots` (float32 SIMD products, float64 sums every 128 terms). Measured at the defaults:
 * ≈ 0.1 s per direction with the kernel against ≈ 0.55 s with the reference engine's blocked
 * TypeScript product (multiplyTransposed), so one evaluation takes ≈ 3–4 s of CPU instead of ≈ 15 s,
 * which is what makes `every: 10` usable (an epoch is ≈ 0.09 s).
 */
import type { Activation, Operation } from '../../shared/config/types';
import { label } from '../data';
import { activationDerivative } from '../model';
import { RandomStream } from '../random';
import { compileKernel, KernelInstance, roundUp } from '../wasmKernels';

/** The probe pairs: parallel arrays of operands and the label whose output μ differentiates. */
export interface ProbeSet {
  size: number;
  a: Int32Array;
  b: Int32Array;
  y: Int32Array;
}

/** The two-layer model at which μ_x is taken: Wᵀ (2M × K) and V (M × K), row-major (parameters.ts). */
export interface ModelWeights {
  modulus: number;
  hidden: number;
  activation: Activation;
  firstLayerTransposed: ArrayLike<number>;
  secondLayer: ArrayLike<number>;
}

/**
 * `count` probe pairs drawn uniformly with replacement from all modulus² pairs, from the seed's
 * `gradient-sed-probes` stream; y = (a ∘ b) mod modulus.
 */
export function drawProbes(operation: Operation, modulus: number, count: number, seed: number): ProbeSet {
  const random = new RandomStream(seed, 'gradient-sed-probes');
  const probes: ProbeSet = { size: count, a: new Int32Array(count), b: new Int32Array(count), y: new Int32Array(count) };
  for (let index = 0; index < count; index++) {
    const pair = random.nextInt(modulus * modulus);
    probes.a[index] = Math.floor(pair / modulus);
    probes.b[index] = pair % modulus;
    probes.y[index] = label(operation, probes.a[index], probes.b[index], modulus);
  }
  return probes;
}

/**
 * μ_x = ∂ŷ_y/∂x at the one-hot input of (a, b), in float64: μ[j] = Σ_k Wᵀ[j, k] σ'(z_k) V[y, k] with
 * z = Wᵀ[a] + Wᵀ[M + b]. Returns a new (2M) array.
 */
export function inputGradient(model: ModelWeights, a: number, b: number, y: number): Float64Array {
  const { modulus: M, hidden: K, activation, firstLayerTransposed: W, secondLayer: V } = model;
  const weighted = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    weighted[k] = activationDerivative(activation, W[a * K + k] + W[(M + b) * K + k]) * V[y * K + k];
  }
  const gradient = new Float64Array(2 * M);
  for (let j = 0; j < 2 * M; j++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += W[j * K + k] * weighted[k];
    gradient[j] = sum;
  }
  return gradient;
}

/** The window.wasm export used here (src/kernels/window.ts). */
interface DotKernel {
  dotsWithSlots(target: number, ring: number, strideBytes: number, slotCount: number, length: number, out: number): void;
}

/**
 * A(v) for one model and one probe set. Holds a window.wasm instance whose memory holds the block
 * [Wᵀ | v] (2M rows of 2H floats, H = K rounded up to 4, zero-padded), the per-probe vector [p; q]
 * and the 2M float64 results.
 */
export class DirectionSensitivity {
  private readonly modulus: number;
  private readonly hidden: number;
  private readonly activation: Activation;
  private readonly probes: ProbeSet;
  /** Floats per half row of the block (K rounded up to a multiple of 4). */
  private readonly half: number;
  private readonly kernel: DotKernel;
  private readonly outputOffset: number;
  private readonly targetOffset: number;
  private readonly blockOffset: number;
  private readonly block: Float32Array;
  private readonly target: Float32Array;
  private readonly outputs: Float64Array;
  /** The direction as stored in the block (float32), for d = v[a] + v[M + b]. */
  private readonly direction: Float32Array;
  private firstLayer: Float32Array | undefined;
  private secondLayer: Float32Array | undefined;

  constructor(modulus: number, hidden: number, activation: Activation, probes: ProbeSet) {
    if (probes.size < 1) throw new Error('DirectionSensitivity needs at least one probe');
    this.modulus = modulus;
    this.hidden = hidden;
    this.activation = activation;
    this.probes = probes;
    this.half = roundUp(hidden, 4);
    const rows = 2 * modulus;
    const instance = new KernelInstance<DotKernel>(compileKernel('window', 'plain').module, 'window.wasm');
    this.kernel = instance.exports;
    // Fresh pages are zero, so the padding of the block and of the probe vector is.
    [this.outputOffset, this.targetOffset, this.blockOffset] = instance.reserve(rows * 8, 2 * this.half * 4, rows * 2 * this.half * 4);
    this.outputs = instance.f64(this.outputOffset, rows);
    this.target = instance.f32(this.targetOffset, 2 * this.half);
    this.block = instance.f32(this.blockOffset, rows * 2 * this.half);
    this.direction = new Float32Array(rows * hidden);
  }

  /**
   * Sets the parameters A is taken at: copies Wᵀ (2M × K) into the block's left halves and keeps a
   * copy of V (M × K). The caller's arrays are not kept.
   */
  setParameters(firstLayerTransposed: Float32Array, secondLayer: Float32Array): void {
    const { modulus: M, hidden: K, half } = this;
    if (firstLayerTransposed.length !== 2 * M * K || secondLayer.length !== M * K) {
      throw new Error(`DirectionSensitivity.setParameters: expected ${2 * M * K} and ${M * K} entries, got ${firstLayerTransposed.length} and ${secondLayer.length}`);
    }
    for (let row = 0; row < 2 * M; row++) this.block.set(firstLayerTransposed.subarray(row * K, (row + 1) * K), row * 2 * half);
    this.firstLayer = Float32Array.from(firstLayerTransposed);
    this.secondLayer = Float32Array.from(secondLayer);
  }

  /**
   * A(v) = mean over the probes of ‖(μ_x(W + εv) − μ_x(W − εv)) / 2ε‖² for a direction v of 2MK entries
   * in Wᵀ's layout (docs/science.md §8 uses unit directions; A(cv) = c²A(v) only where μ is quadratic in W,
   * i.e. for σ = x²). The direction is rounded to float32, as the weights are.
   */
  sensitivity(direction: ArrayLike<number>, epsilon: number): number {
    const W = this.firstLayer;
    const V = this.secondLayer;
    if (!W || !V) throw new Error('DirectionSensitivity.sensitivity() needs setParameters() first');
    const { modulus: M, hidden: K, half, probes, block, outputs } = this;
    if (direction.length !== 2 * M * K) throw new Error(`DirectionSensitivity.sensitivity: expected ${2 * M * K} entries, got ${direction.length}`);
    if (!(epsilon > 0)) throw new Error(`DirectionSensitivity.sensitivity: ε must be positive, got ${epsilon}`);
    const D = this.direction;
    D.set(direction);
    for (let row = 0; row < 2 * M; row++) block.set(D.subarray(row * K, (row + 1) * K), row * 2 * half + half);
    const strideBytes = 2 * half * 4;
    let total = 0;
    for (let probe = 0; probe < probes.size; probe++) {
      this.fillProbeVector(probes.a[probe] * K, (M + probes.b[probe]) * K, probes.y[probe] * K, epsilon);
      this.kernel.dotsWithSlots(this.targetOffset, this.blockOffset, strideBytes, 2 * M, 2 * half, this.outputOffset);
      let squares = 0;
      for (let j = 0; j < 2 * M; j++) squares += outputs[j] * outputs[j];
      total += squares;
    }
    return total / probes.size;
  }

  /**
   * The probe vector [p; q] of the file comment for the probe whose rows of Wᵀ start at rowA, rowB
   * and whose class row of V starts at rowY, into the kernel's target (the padding stays zero).
   * One loop per activation so that σ' is inlined in the hot loop.
   */
  private fillProbeVector(rowA: number, rowB: number, rowY: number, epsilon: number): void {
    const W = this.firstLayer as Float32Array;
    const V = this.secondLayer as Float32Array;
    const { hidden: K, half, target, direction: D } = this;
    switch (this.activation) {
      case 'square':
        // σ'(u) = 2u: σ'_+ − σ'_− = 4εd and σ'_+ + σ'_− = 4z exactly, so p = 2d ⊙ V_y, q = 2z ⊙ V_y.
        for (let k = 0; k < K; k++) {
          const v = V[rowY + k];
          target[k] = 2 * (D[rowA + k] + D[rowB + k]) * v;
          target[half + k] = 2 * (W[rowA + k] + W[rowB + k]) * v;
        }
        return;
      case 'relu': {
        const inverseTwoEpsilon = 1 / (2 * epsilon);
        for (let k = 0; k < K; k++) {
          const z = W[rowA + k] + W[rowB + k];
          const shift = epsilon * (D[rowA + k] + D[rowB + k]);
          // 1[u > 0], 0 at u = 0 as torch (model.ts).
          const plus = z + shift > 0 ? 1 : 0;
          const minus = z - shift > 0 ? 1 : 0;
          const v = V[rowY + k];
          target[k] = (plus - minus) * inverseTwoEpsilon * v;
          target[half + k] = 0.5 * (plus + minus) * v;
        }
        return;
      }
      case 'silu': {
        const inverseTwoEpsilon = 1 / (2 * epsilon);
        for (let k = 0; k < K; k++) {
          const z = W[rowA + k] + W[rowB + k];
          const shift = epsilon * (D[rowA + k] + D[rowB + k]);
          const plus = activationDerivative('silu', z + shift);
          const minus = activationDerivative('silu', z - shift);
          const v = V[rowY + k];
          target[k] = (plus - minus) * inverseTwoEpsilon * v;
          target[half + k] = 0.5 * (plus + minus) * v;
        }
        return;
      }
      default: {
        const unknown: never = this.activation;
        throw new Error(`unknown activation ${String(unknown)}`);
      }
    }
  }
}

