/**
 * The rank-k gradient-projection intervention of arXiv 2604.25143 (docs/science.md §12.5; the
 * author's `training/sed_intervention_grad.py` as read in docs/science.md §12.5). Each
 * training step, after the global clip and before AdamW, the gradient g of the attention weights
 * (the `attention` group: every layer's in_proj_weight and out_proj.weight; biases and every other
 * parameter keep their natural gradient) is replaced by
 *
 *   removeSed / removeRandom:  g − VᵀV g        keepSed / keepRandom:  VᵀV g
 *
 * with V (rank × P, orthonormal rows) either the top `rank` right singular vectors of the window of
 * the last `window` **projected** attention gradients (the SED modes: recomputed every step, the
 * modified gradient appended after the step), or a fresh random orthonormal V every step (the random
 * modes: Gram–Schmidt of Gaussian vectors from the seed's `intervention-directions` stream, the
 * reference's QR of a Gaussian P × 3 matrix). The first `window` steps are not projected (the
 * reference's warm-up; we apply it to the random modes too, so that the four modes differ in V only).
 *
 * The SED window is a RollingGram (its Gram kept incrementally, one new row per step) and the
 * projection is Xᵀa from the Gram's eigenpairs (projectOntoTopSingularSpace): two passes over the
 * window, no singular vector formed. Engine-independent: it works on the flat gradient the engine
 * exposes (engine.gradient()), so the wasm engine needs nothing for it.
 */
import type { InterventionConfig } from '../../shared/config/types';
import { RollingGram } from '../diagnostics/rollingGram';
import { projectOntoTopSingularSpace } from '../diagnostics/sedWindows';
import { RandomStream } from '../random';
import { gatherGroup, scatterGroup, type ParameterGroup } from './model';

/**
 * `length` i.i.d. standard normals by Marsaglia's polar method (a point uniform in the unit disc, one
 * logarithm and one square root per pair, no trigonometric function): the random modes draw rank · P
 * of them every step, where Box–Muller's cos and sin (randomUnitDirection) cost several times more.
 * Advances `random`.
 */
function gaussianRow(random: RandomStream, length: number): Float64Array {
  const row = new Float64Array(length);
  for (let index = 0; index < length; index += 2) {
    let u: number;
    let v: number;
    let radius: number;
    do {
      u = 2 * random.next() - 1;
      v = 2 * random.next() - 1;
      radius = u * u + v * v;
    } while (radius >= 1 || radius === 0);
    const factor = Math.sqrt((-2 * Math.log(radius)) / radius);
    row[index] = u * factor;
    if (index + 1 < length) row[index + 1] = v * factor;
  }
  return row;
}

/**
 * `rank` orthonormal vectors of `length` entries spanning as many random Gaussian directions (a
 * uniformly random rank-`rank` subspace), by modified Gram–Schmidt in float64 (one pass: independent
 * Gaussian vectors of many entries are far from dependent, |cos| ~ 1/√length, so nothing cancels).
 * Returns new float64 arrays; advances `random`.
 */
export function randomOrthonormalRows(random: RandomStream, rank: number, length: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let k = 0; k < rank; k++) {
    const row = gaussianRow(random, length);
    for (const previous of rows) {
      let dot = 0;
      for (let index = 0; index < length; index++) dot += previous[index] * row[index];
      for (let index = 0; index < length; index++) row[index] -= dot * previous[index];
    }
    let squares = 0;
    for (let index = 0; index < length; index++) squares += row[index] * row[index];
    const scale = 1 / Math.sqrt(squares);
    for (let index = 0; index < length; index++) row[index] *= scale;
    rows.push(row);
  }
  return rows;
}

/** What the projection did over the steps since the last summary (the record fields of docs/science.md §12.5). */
export interface InterventionSummary {
  /** Steps projected since the last summary (0 during the warm-up, or with mode none). */
  steps: number;
  /** Mean over those steps of ‖VᵀVg‖/‖g‖, g the clipped attention gradient before the projection. */
  share?: number;
  /** The fewest directions a step used (fewer than rank when the window spans fewer). */
  directions?: number;
}

export class GradientProjection {
  private readonly config: InterventionConfig;
  private readonly group: ParameterGroup;
  private readonly removes: boolean;
  private readonly random: boolean;
  /** The last `window` projected gradients (SED modes only). */
  private readonly window: RollingGram | undefined;
  private readonly directions: RandomStream;
  private readonly gradient: Float32Array;
  private readonly projection: Float64Array;
  private stepsSeen = 0;
  private shareSum = 0;
  private projectedSteps = 0;
  private fewestDirections = Infinity;

  constructor(options: { config: InterventionConfig; group: ParameterGroup; seed: number }) {
    const { config, group } = options;
    if (config.mode === 'none') throw new Error('GradientProjection: mode none projects nothing');
    if (!(Number.isInteger(config.rank) && config.rank >= 1 && config.rank < config.window)) {
      throw new Error(`the intervention's rank must be an integer in [1, window), got ${config.rank} with window ${config.window}`);
    }
    this.config = config;
    this.group = group;
    this.removes = config.mode === 'removeSed' || config.mode === 'removeRandom';
    this.random = config.mode === 'removeRandom' || config.mode === 'keepRandom';
    this.window = this.random ? undefined : new RollingGram(group.size, config.window, { products: true });
    this.directions = new RandomStream(options.seed, 'intervention-directions');
    this.gradient = new Float32Array(group.size);
    this.projection = new Float64Array(group.size);
  }

  /**
   * Projects the group's part of `gradient` (the engine's flat, clipped gradient) in place, once per
   * training step, and appends the result to the SED window. The first `window` calls change nothing.
   */
  apply(gradient: Float32Array): void {
    const g = gatherGroup(this.group, gradient, this.gradient);
    this.stepsSeen++;
    if (this.stepsSeen > this.config.window) {
      const used = this.random ? this.randomProjection(g) : projectOntoTopSingularSpace(this.window as RollingGram, this.config.rank, g, this.projection);
      const p = this.projection;
      let gSquares = 0;
      let pSquares = 0;
      for (let index = 0; index < g.length; index++) {
        gSquares += g[index] * g[index];
        pSquares += p[index] * p[index];
        g[index] = this.removes ? g[index] - p[index] : p[index];
      }
      scatterGroup(this.group, g, gradient);
      this.projectedSteps++;
      this.shareSum += gSquares > 0 ? Math.sqrt(pSquares / gSquares) : 0;
      this.fewestDirections = Math.min(this.fewestDirections, used);
    }
    this.window?.push(g);
  }

  /** The summary of the steps since the last call, and a fresh start for the next. */
  takeSummary(): InterventionSummary {
    const summary: InterventionSummary = { steps: this.projectedSteps };
    if (this.projectedSteps > 0) {
      summary.share = this.shareSum / this.projectedSteps;
      summary.directions = this.fewestDirections;
    }
    this.projectedSteps = 0;
    this.shareSum = 0;
    this.fewestDirections = Infinity;
    return summary;
  }

  /** VᵀVg for a fresh random orthonormal V, into this.projection. Returns rank. */
  private randomProjection(g: Float32Array): number {
    const p = this.projection;
    p.fill(0);
    for (const row of randomOrthonormalRows(this.directions, this.config.rank, g.length)) {
      let dot = 0;
      for (let index = 0; index < g.length; index++) dot += row[index] * g[index];
      for (let index = 0; index < g.length; index++) p[index] += dot * row[index];
    }
    return this.config.rank;
  }
}
