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
 * the random directions and the ratios) takes flattened vectors and a SensitivityProbe, so another
 * model family can reuse it; DirectionSensitivity, drawProbes and inputGradient are this MLP's A(v).
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
import type { Activation, GradientSedConfig, Operation } from '../../shared/config/types';
import type { EpochRecord } from '../../shared/runFormat';
import { median } from '../../shared/statistics';
import { label } from '../data';
import { activationDerivative } from '../model';
import { RandomStream } from '../random';
import { compileKernel, KernelInstance, roundUp } from '../wasmKernels';
import { RollingGram } from './rollingGram';
import { symmetricEigen } from './symmetricEigen';

/** How many leading singular values of the gradient window a row reports. */
export const REPORTED_SINGULAR_VALUES = 5;

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

/**
 * A random unit direction of `length` entries: i.i.d. standard normals (Box–Muller, both outputs of
 * each pair of uniforms), normalised in float64. Advances `random`.
 */
export function randomUnitDirection(random: RandomStream, length: number): Float64Array {
  const direction = new Float64Array(length);
  for (let index = 0; index < length; index += 2) {
    let u = 0;
    while (u === 0) u = random.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * random.next();
    direction[index] = radius * Math.cos(angle);
    if (index + 1 < length) direction[index + 1] = radius * Math.sin(angle);
  }
  let squares = 0;
  for (let index = 0; index < length; index++) squares += direction[index] * direction[index];
  const scale = 1 / Math.sqrt(squares);
  for (let index = 0; index < length; index++) direction[index] *= scale;
  return direction;
}

/** The leading right singular directions of a window. */
export interface SingularDirections {
  /** Every singular value s_k = √max(λ_k, 0) of the held window, descending. */
  singularValues: Float64Array;
  /** Unit v_k = Xᵀu_k / ‖Xᵀu_k‖ for the leading `count` k with λ_k > 0, in order (sign arbitrary). */
  vectors: Float64Array[];
}

/**
 * The top right singular vectors of the stacked window X (rows = the held vectors, oldest first)
 * from the eigenvectors of its Gram, accumulated in float64: v_k = Σ_i u_k[i] X_i, normalised
 * (‖Xᵀu_k‖ = s_k in exact arithmetic; normalising absorbs the Gram's float32-product rounding).
 * Does not change the window.
 */
export function topRightSingularVectors(window: RollingGram, count: number): SingularDirections {
  const size = window.count;
  const { values, vectors: eigenvectors } = symmetricEigen(window.gram(size), size, { vectors: true });
  const singularValues = values.map((value) => Math.sqrt(Math.max(value, 0)));
  const vectors: Float64Array[] = [];
  for (let k = 0; k < Math.min(count, size); k++) {
    if (!(values[k] > 0)) break;
    const vector = new Float64Array(window.length);
    for (let row = 0; row < size; row++) {
      const coefficient = (eigenvectors as Float64Array)[row * size + k];
      const held = window.heldUpdate(row, size);
      for (let index = 0; index < vector.length; index++) vector[index] += coefficient * held[index];
    }
    let squares = 0;
    for (let index = 0; index < vector.length; index++) squares += vector[index] * vector[index];
    if (!(squares > 0)) break;
    const scale = 1 / Math.sqrt(squares);
    for (let index = 0; index < vector.length; index++) vector[index] *= scale;
    vectors.push(vector);
  }
  return { singularValues, vectors };
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

/** The record fields of docs/science.md §8 (see EpochRecord). */
export type GradientSedFields = Pick<EpochRecord,
  | 'gradientSedRatios' | 'updateSedRatios' | 'gradientSingularValues'
  | 'gradientSedSensitivities' | 'updateSedSensitivities' | 'randomSedSensitivityMedian'>;

/**
 * What the tracker needs of a model: A(v), the sensitivity of its learned function to a unit
 * direction v of the tracked parameter vector, at the parameters of the row being evaluated.
 * `DirectionSensitivity` is this MLP's (its input gradient μ_x); another model family brings its own.
 */
export interface SensitivityProbe {
  sensitivity(direction: ArrayLike<number>, epsilon: number): number;
}

export interface GradientSedTrackerOptions {
  config: GradientSedConfig;
  /** Entries of the tracked flattened parameter vector (for this MLP, Wᵀ: 2MK). */
  length: number;
  /** The run's seed: the random directions come from its `gradient-sed-directions` stream. */
  seed: number;
}

/**
 * Per-seed state of the diagnostic, model-agnostic: the two windows of flattened vectors (≈ 2 × 23 MB
 * at the defaults) and the random-direction stream. Feed it after every step (push); ask isDue(t)
 * at row t and, if so, evaluate() with the tracked parameters of row t and a probe set to them.
 */
export class GradientSedTracker {
  private readonly config: GradientSedConfig;
  private readonly gradients: RollingGram;
  private readonly updates: RollingGram;
  private readonly directions: RandomStream;

  constructor(options: GradientSedTrackerOptions) {
    const { config, length } = options;
    if (!Number.isInteger(config.vectors) || config.vectors < 1 || config.vectors >= config.window) {
      throw new Error(`gradient-SED vectors must be an integer in [1, window), got ${config.vectors} with window ${config.window}`);
    }
    if (!Number.isInteger(config.every) || config.every < 1) throw new Error(`gradient-SED every must be a positive integer, got ${config.every}`);
    if (!(config.epsilonScale > 0)) throw new Error(`gradient-SED epsilonScale must be positive, got ${config.epsilonScale}`);
    if (!Number.isInteger(config.directions) || config.directions < 1) throw new Error(`gradient-SED directions must be a positive integer, got ${config.directions}`);
    this.config = config;
    this.gradients = new RollingGram(length, config.window);
    this.updates = new RollingGram(length, config.window);
    this.directions = new RandomStream(options.seed, 'gradient-sed-directions');
  }

  /** Gradients held (= updates held). */
  get held(): number {
    return this.gradients.count;
  }

  /**
   * Adds step t's loss gradient and update of the tracked parameters (both copied, `length`
   * entries; for this MLP dL/dWᵀ and ΔWᵀ), which makes the windows those of row t.
   */
  push(gradient: Float32Array, update: Float32Array): void {
    this.gradients.push(gradient);
    this.updates.push(update);
  }

  /** Whether row `epoch` gets the fields: a positive multiple of `every` whose windows hold at least `vectors` steps. */
  isDue(epoch: number): boolean {
    return epoch > 0 && epoch % this.config.every === 0 && this.held >= this.config.vectors;
  }

  /**
   * The fields of the current row: singular directions of both windows, A of each and of `directions`
   * fresh random unit directions (by `probe`, which must be set to the row's parameters), and the
   * ratios, with ε = epsilonScale · ‖parameters‖. Ratios are left out when the median is 0.
   * Advances the random-direction stream.
   *
   * @param parameters the tracked parameter vector of row t (for this MLP, Wᵀ)
   */
  evaluate(parameters: Float32Array, probe: SensitivityProbe): GradientSedFields {
    let squares = 0;
    for (let index = 0; index < parameters.length; index++) squares += parameters[index] * parameters[index];
    const epsilon = this.config.epsilonScale * Math.sqrt(squares);
    const gradientDirections = topRightSingularVectors(this.gradients, this.config.vectors);
    const updateDirections = topRightSingularVectors(this.updates, this.config.vectors);
    const gradientSensitivities = gradientDirections.vectors.map((vector) => probe.sensitivity(vector, epsilon));
    const updateSensitivities = updateDirections.vectors.map((vector) => probe.sensitivity(vector, epsilon));
    const randomSensitivities: number[] = [];
    for (let index = 0; index < this.config.directions; index++) {
      randomSensitivities.push(probe.sensitivity(randomUnitDirection(this.directions, this.gradients.length), epsilon));
    }
    const baseline = median(randomSensitivities) as number;
    const fields: GradientSedFields = {
      gradientSingularValues: Array.from(gradientDirections.singularValues.subarray(0, REPORTED_SINGULAR_VALUES)),
      gradientSedSensitivities: gradientSensitivities,
      updateSedSensitivities: updateSensitivities,
      randomSedSensitivityMedian: baseline,
    };
    if (baseline > 0) {
      fields.gradientSedRatios = gradientSensitivities.map((value) => value / baseline);
      fields.updateSedRatios = updateSensitivities.map((value) => value / baseline);
    }
    return fields;
  }
}
