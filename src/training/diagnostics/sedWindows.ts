/**
 * The model-agnostic half of the gradient-direction SED (arXiv 2604.25143; docs/science.md §8 for
 * the MLP, §12.6 for the Transformer) and of the Transformer's rank-k gradient projection (§12.5):
 * the leading right singular directions of a rolling window of flattened vectors (v_k = Xᵀu_k/s_k
 * from the eigenvectors u_k of its incrementally kept Gram, src/training/diagnostics/rollingGram.ts),
 * the projection onto their span, random unit directions, and GradientSedTracker (the two windows,
 * their singular directions, the random baseline and the ratios R_k). What depends on the model is
 * the SensitivityProbe A(v): the MLP's is in ./gradientSed.ts, the Transformer's in
 * src/training/transformer/sed.ts.
 */
import type { GradientSedConfig } from '../../shared/config/types';
import type { EpochRecord } from '../../shared/runFormat';
import { median } from '../../shared/statistics';
import { RandomStream } from '../random';
import { RollingGram } from './rollingGram';
import { symmetricEigen } from './symmetricEigen';

/** How many leading singular values of the gradient window a row reports. */
export const REPORTED_SINGULAR_VALUES = 5;

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


/**
 * The part of `vector` in the span of the top `rank` right singular vectors of the window X (rows =
 * the held vectors), P·g = Σ_k v_k (v_kᵀg), written to `into` (window.length numbers); returns how
 * many directions were used. With v_k = Xᵀu_k/s_k (u_k, λ_k = s_k² the eigenpairs of the Gram XXᵀ),
 * P·g = Xᵀa with a = Σ_k u_k (u_kᵀ X g)/λ_k: two passes over the window in window.wasm (X·g and Xᵀa,
 * RollingGram.dotsWith and combine: the window must be built with `{ products: true }`), and no
 * singular vector is formed. A direction whose λ_k is not above `relativeFloor`·λ_1 is left out: a
 * window of fewer independent vectors than `rank` has fewer directions, and the Gram's entries are
 * sums of float32 products, so a λ_k below about 1e-7·λ_1 is rounding, not a direction.
 * Does not change the window or `vector`.
 */
export function projectOntoTopSingularSpace(window: RollingGram, rank: number, vector: Float32Array, into: Float64Array, relativeFloor = 1e-6): number {
  const size = window.count;
  if (vector.length !== window.length || into.length !== window.length) throw new Error(`projectOntoTopSingularSpace: expected ${window.length} entries, got ${vector.length} and ${into.length}`);
  into.fill(0);
  if (size === 0) return 0;
  const { values, vectors: eigenvectors } = symmetricEigen(window.gram(size), size, { vectors: true });
  const u = eigenvectors as Float64Array;
  const dots = window.dotsWith(vector, size);
  const coefficients = new Float64Array(size);
  let used = 0;
  for (let k = 0; k < Math.min(rank, size); k++) {
    if (!(values[k] > relativeFloor * values[0])) break;
    let along = 0;
    for (let row = 0; row < size; row++) along += u[row * size + k] * dots[row];
    for (let row = 0; row < size; row++) coefficients[row] += (u[row * size + k] * along) / values[k];
    used++;
  }
  if (used > 0) into.set(window.combine(coefficients));
  return used;
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
  /** Entries of the tracked flattened parameter vector (for the MLP, Wᵀ: 2MK; for the Transformer, its attention weights). */
  length: number;
  /** The run's seed: the random directions come from its `directionsStream` stream. */
  seed: number;
  /** Name of the random-direction stream; default `gradient-sed-directions`. */
  directionsStream?: string;
}

/**
 * Per-seed state of the diagnostic, model-agnostic: the two windows of flattened vectors (≈ 2 × 23 MB
 * at the MLP's defaults) and the random-direction stream. The MLP feeds it after every step (push),
 * asks isDue(t) at row t and, if so, calls evaluate() with the tracked parameters of row t and a
 * probe set to them; the Transformer pushes at its SED checkpoints and keeps its own schedule
 * (src/training/transformer/sed.ts).
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
    this.directions = new RandomStream(options.seed, options.directionsStream ?? 'gradient-sed-directions');
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
