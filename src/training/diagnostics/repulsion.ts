/**
 * Feature repulsion: the Theorem-6 check of arXiv 2509.21519 as run in arXiv 2605.08119
 * (docs/science.md §6), exactly and in float64.
 *
 * At a checkpoint, with F = σ(Z) the hidden activations of the training split (n × K) and
 * F̃ = F − column means:
 *  1. rank the pairs j < l of hidden units by |cos(f̃_j, f̃_l)| and keep the top `pairs`;
 *  2. B = (F̃ᵀF̃ + ηI)⁻¹ (η = weight decay): only B_jl, B_jj, B_ll of the kept pairs are needed, so
 *     one Cholesky factorisation and triangular solves for the at most 2·pairs columns involved;
 *  3. report the share of negative B_jl (the repulsion signature), their distribution, the
 *     diagonality of F̃ᵀF̃ (Li₂, docs/science.md §9) and the two sign-match shares below.
 *
 * Two exact forms, chosen by cost (`chooseForm`):
 *  - `features`: A = F̃ᵀF̃ + ηI (K × K). The Gram also gives every cosine and the diagonality for
 *    free. The columns of A are permuted so that the s involved units come last; then the last s
 *    columns of L⁻¹ (A = LLᵀ) are supported on the trailing s × s block L_SS alone, and
 *    B_jl = (L⁻¹e_j)·(L⁻¹e_l) costs s³/6 instead of s·K²/6.
 *  - `samples` (Woodbury): C = F̃F̃ᵀ + ηI (n × n), B_jl = δ_jl/η − (1/η)(L⁻¹f̃_j)·(L⁻¹f̃_l) with
 *    C = LLᵀ. The solves are done by factoring the bordered matrix [[C, ·], [F̃_Sᵀ, 0]] for its first
 *    n pivots only: the border rows become (L⁻¹f̃_a)ᵀ and the trailing block −(L⁻¹f̃_a)·(L⁻¹f̃_b).
 *    The cosine ranking and the diagonality need the K × K Gram anyway; it is computed in float32
 *    (ranking only) and the kept cosines are recomputed in float64.
 * At the defaults (n = 2016, K = 2048) the features form is the cheaper one by far, although the
 * samples matrix is slightly smaller, because its Gram replaces the cosine Gram.
 *
 * The sign rule is an identity (docs/science.md §6): with the 2 × 2 block of B on (j, l),
 * f̃_jᵀP_{η,−jl}f̃_l = −B_jl/(B_jj B_ll − B_jl²), so `signMatch` is 1 up to rounding.
 * `publishedSignMatch` reproduces the computation of the arXiv 2605.08119 code instead (see
 * `publishedResidual`).
 */
import type { RepulsionEvent } from '../../shared/runFormat';
import { fiveNumberSummary } from '../../shared/statistics';
import { roundUp, type SimdBuild, type SimdChoice } from '../wasmKernels';
import { centreColumns, cholesky as referenceCholesky, forwardSubstitution, gramOfColumns } from './linalgReference';
import { linalgKernelsFor, packedFactorStepCount, ROW_CHUNK, STEP_BYTES, type LinalgKernels } from './linalgKernels';

/**
 * The check's record without the event envelope (type, condition, seed, epoch, time) and without
 * `milliseconds`, which whoever writes the event measures around the call (src/training/trainer.ts).
 */
export type RepulsionResult = Omit<RepulsionEvent, 'type' | 'condition' | 'seed' | 'epoch' | 'time' | 'milliseconds'>;

export interface RepulsionInput {
  /** F = σ(Z) of the training split, (samples × units) row-major, as the engine's trainHidden(). Not mutated. */
  hidden: Float32Array;
  /** n, the number of training samples (rows of `hidden`). */
  samples: number;
  /** K, the number of hidden units (columns of `hidden`). */
  units: number;
  /** η, the weight decay of the run (the papers' η). 0 makes B singular: the check does not apply. */
  weightDecay: number;
  /** Number of top pairs by |cos| (docs/science.md §6: 200). */
  pairs: number;
}

/** Which SPD matrix is factored: F̃ᵀF̃ + ηI (`features`, K × K) or F̃F̃ᵀ + ηI (`samples`, n × n, Woodbury). */
export type RepulsionForm = 'features' | 'samples';

export interface RepulsionOptions {
  /** Default `auto`: the cheaper form by `chooseForm`. */
  form?: 'auto' | RepulsionForm;
  /**
   * Default `wasm` (linalg.wasm); with `simd: 'auto'` it falls back to `reference` (plain
   * TypeScript, K × K form, slow: seconds at K = 2048) if no linalg.wasm build can be loaded.
   */
  implementation?: 'wasm' | 'reference';
  /** linalg.wasm build for `wasm`: `auto` (default: relaxed SIMD when built and accepted, else plain) or a specific one (throws if it cannot be loaded). */
  simd?: SimdChoice;
}

/** Everything computed for one kept pair (j < l), float64. */
export interface RepulsionPair {
  j: number;
  l: number;
  /** cos(f̃_j, f̃_l), 0 if either column is zero. */
  cosine: number;
  /** B_jl. */
  coupling: number;
  /** B_jj and B_ll. */
  couplingJJ: number;
  couplingLL: number;
  /** G_jl = f̃_j·f̃_l and (G²)_jl = (F̃ᵀf̃_j)·(F̃ᵀf̃_l), G = F̃ᵀF̃. */
  gram: number;
  gramSquared: number;
  /** f̃_jᵀP_{η,−jl}f̃_l by the closed form −B_jl/(B_jj B_ll − B_jl²). */
  exactResidual: number;
  /** The residual similarity as computed in the arXiv 2605.08119 code (`publishedResidual`). */
  publishedResidual: number;
}

export interface RepulsionDetails {
  result: RepulsionResult;
  /** Absent when the check did not apply before choosing. */
  form?: RepulsionForm;
  implementation: 'wasm' | 'reference';
  /** Which linalg.wasm build ran (`relaxed`: fused multiply-add), for `wasm`. */
  simd?: SimdBuild;
  /** The kept pairs in the order of `pairList` (|cos| descending). Empty when not applicable. */
  pairs: RepulsionPair[];
}

/**
 * Runs the Theorem-6 check (docs/science.md §6) on the hidden activations of the training split.
 * Synchronous; mutates nothing of the input. Never throws for numeric reasons: η = 0, non-finite
 * activations or a failed Cholesky give `applicable: false` with a reason. Throws only for
 * inconsistent arguments (shape, pairs < 1). Uses the process-wide linalg.wasm instance, whose
 * memory grows to about 2 · K² · 8 bytes (≈ 70 MB at K = 2048) and is reused by later checks.
 */
export function repulsionCheck(input: RepulsionInput): RepulsionResult {
  return repulsionCheckDetailed(input).result;
}

/** `repulsionCheck` with the per-pair quantities and the form and build used. */
export function repulsionCheckDetailed(input: RepulsionInput, options: RepulsionOptions = {}): RepulsionDetails {
  const { hidden, samples, units, weightDecay } = input;
  if (!Number.isInteger(samples) || samples < 1 || !Number.isInteger(units) || units < 1 || hidden.length !== samples * units) {
    throw new Error(`repulsionCheck: hidden has ${hidden.length} values, expected samples (${samples}) × units (${units})`);
  }
  if (!Number.isInteger(input.pairs) || input.pairs < 1) throw new Error(`repulsionCheck: pairs must be a positive integer, got ${input.pairs}`);
  let implementation = options.implementation ?? 'wasm';
  let kernels: LinalgKernels | undefined;
  const notApplicable = (reason: string, form?: RepulsionForm): RepulsionDetails => ({
    result: { applicable: false, reason, weightDecay, pairs: input.pairs },
    form,
    implementation,
    simd: kernels?.simd,
    pairs: [],
  });
  if (weightDecay === 0) return notApplicable('weight decay is 0, so F̃ᵀF̃ + ηI is singular and B is undefined');
  if (!Number.isFinite(weightDecay)) return notApplicable(`weight decay ${weightDecay} is not a finite number`);
  if (units < 2) return notApplicable('fewer than two hidden units: there is no pair');
  const capacity = Math.min(input.pairs, (units * (units - 1)) / 2);
  if (implementation === 'wasm') {
    const simd = options.simd ?? 'auto';
    kernels = linalgKernelsFor(simd);
    if (!kernels) implementation = 'reference';
  }
  const requested = options.form ?? 'auto';
  const form: RepulsionForm = implementation === 'reference' ? 'features'
    : requested === 'auto' ? chooseForm(samples, units, capacity) : requested;
  const outcome = kernels
    ? (form === 'features' ? featuresForm(kernels, input, capacity) : samplesForm(kernels, input, capacity))
    : referenceQuantities(input, capacity);
  if ('failure' in outcome) return notApplicable(outcome.failure, form);
  const { result, pairs } = summarise(outcome, weightDecay);
  return { result, form, implementation, simd: kernels?.simd, pairs };
}

/**
 * The cheaper exact form for n samples, K units and at most 2·pairs involved units, by a flop
 * model in float64-equivalents: `features` costs K²n (Gram, lower half) + K³/3 (Cholesky);
 * `samples` costs n²K + n³/3 + 2sn² (solves of the s bordered rows, and Lᵀf̃ for the published
 * residual) + K²n/2 (the float32 cosine Gram, measured about twice as fast as float64).
 */
export function chooseForm(samples: number, units: number, pairs: number): RepulsionForm {
  const involved = Math.min(units, 2 * pairs);
  const featuresCost = units * units * samples + units ** 3 / 3;
  const samplesCost = samples * samples * units + samples ** 3 / 3 + 2 * involved * samples * samples + (units * units * samples) / 2;
  return featuresCost <= samplesCost ? 'features' : 'samples';
}

// ---- the published computation --------------------------------------------------------------------

/**
 * The residual similarity r'_jl as computed in the arXiv 2605.08119 code
 * (skydancerosel/grokking-integrability, tian_eigengap/theorem6_verify.py): `woodbury_B` returns
 * B' = (1/η)I − (1/η)F̃ᵀ(F̃F̃ᵀ + ηI)⁻¹F̃(1/η), i.e. 1/η² where the Woodbury identity has 1/η, and
 * `residual_similarity_signs` forms P'f̃_l = f̃_l − F̃B'F̃ᵀf̃_l (its approximation P_η of P_{η,−jl},
 * built from B') and r'_jl = f̃_jᵀP'f̃_l for each top pair, then counts sign(B'_jl) = −sign(r'_jl)
 * (numpy signs: 0 matches 0).
 *
 * With G = F̃ᵀF̃ and the true B: B' = B/η + (1/η − 1/η²)I (so sign B'_jl = sign B_jl for j ≠ l) and
 * GBG = G − ηI + η²B, hence for j ≠ l
 *   r'_jl = G_jl − (GB'G)_jl = (1 − 1/η)G_jl − ηB_jl + ((1 − η)/η²)(G²)_jl,
 * which is evaluated here in float64 instead of forming the K × K matrices. At small η the
 * (G²)_jl/η² term dominates (η = 2e-4, initial model, K = 2048: in all 200 top pairs), so the
 * published sign-match compares sign(B_jl) with −sign((G²)_jl) rather than testing Theorem 6.
 * (Correctly scaled, f̃_jᵀP_ηf̃_l = −η²B_jl and the match is exact.)
 */
export function publishedResidual(gram: number, gramSquared: number, coupling: number, weightDecay: number): number {
  const eta = weightDecay;
  return (1 - 1 / eta) * gram - eta * coupling + ((1 - eta) / (eta * eta)) * gramSquared;
}

// ---- statistics shared by every path ----------------------------------------------------------------

/** Pair entries produced by a form: pairs sorted as reported, with their B and G entries. */
interface PairQuantities {
  pairs: { j: number; l: number; cosine: number; coupling: number; couplingJJ: number; couplingLL: number; gram: number; gramSquared: number }[];
  /** Mean |off-diagonal| / mean |diagonal| of F̃ᵀF̃ (undefined when F̃ = 0). */
  diagonality: number | undefined;
}

type QuantitiesOutcome = PairQuantities | { failure: string };

function summarise(quantities: PairQuantities, weightDecay: number): { result: RepulsionResult; pairs: RepulsionPair[] } {
  const pairs: RepulsionPair[] = quantities.pairs.map((pair) => ({
    ...pair,
    exactResidual: -pair.coupling / (pair.couplingJJ * pair.couplingLL - pair.coupling * pair.coupling),
    publishedResidual: publishedResidual(pair.gram, pair.gramSquared, pair.coupling, weightDecay),
  }));
  const count = pairs.length;
  const negative = pairs.filter((pair) => pair.coupling < 0).length;
  const positiveCosine = pairs.filter((pair) => pair.cosine > 0);
  const signMatches = pairs.filter((pair) => Math.sign(pair.coupling) === -Math.sign(pair.exactResidual)).length;
  const publishedMatches = pairs.filter((pair) => Math.sign(pair.coupling) === -Math.sign(pair.publishedResidual)).length;
  const normalized = pairs.map((pair) => pair.coupling / Math.sqrt(pair.couplingJJ * pair.couplingLL));
  const result: RepulsionResult = {
    applicable: true,
    weightDecay,
    pairs: count,
    fractionNegative: negative / count,
    fractionNegativePositiveCos: positiveCosine.length > 0
      ? positiveCosine.filter((pair) => pair.coupling < 0).length / positiveCosine.length
      : undefined,
    signMatch: signMatches / count,
    publishedSignMatch: publishedMatches / count,
    couplingQuantiles: fiveNumberSummary(pairs.map((pair) => pair.coupling)),
    normalizedCouplingQuantiles: fiveNumberSummary(normalized),
    pairList: pairs.map((pair, index) => [pair.j, pair.l, pair.cosine, pair.coupling, normalized[index]]),
    diagonality: quantities.diagonality,
  };
  if (result.fractionNegativePositiveCos === undefined) delete result.fractionNegativePositiveCos;
  if (result.diagonality === undefined) delete result.diagonality;
  return { result, pairs };
}

/** Report order: |cos| descending, then j, then l. */
function comparePairs(a: { score: number; j: number; l: number }, b: { score: number; j: number; l: number }): number {
  return b.score - a.score || a.j - b.j || a.l - b.l;
}

function diagonalityOf(offDiagonalLowerSum: number, diagonalSum: number, units: number): number | undefined {
  if (!(diagonalSum > 0)) return undefined;
  return ((2 * offDiagonalLowerSum) / (units * units - units)) / (diagonalSum / units);
}

// ---- the reference path (plain TypeScript, K × K form, no permutation) ------------------------------

/**
 * The check's quantities by the definitions, in plain float64 TypeScript: F̃, G = F̃ᵀF̃ by naive
 * loops, all pairs ranked by |cos| (ties: earlier row l, then earlier j), A = G + ηI = LLᵀ, and
 * B_jl = (L⁻¹e_j)·(L⁻¹e_l) by forward substitution for each involved unit.
 */
function referenceQuantities(input: RepulsionInput, capacity: number): QuantitiesOutcome {
  const { samples, units, weightDecay } = input;
  for (let index = 0; index < input.hidden.length; index++) {
    if (!Number.isFinite(input.hidden[index])) return { failure: 'the hidden activations contain non-finite values' };
  }
  const centred = centreColumns(input.hidden, samples, units);
  const gram = gramOfColumns(centred, samples, units);
  const inverseNorms = new Float64Array(units);
  let diagonalSum = 0;
  let offDiagonalSum = 0;
  for (let l = 0; l < units; l++) {
    const diagonal = gram[l * units + l];
    inverseNorms[l] = diagonal > 0 ? 1 / Math.sqrt(diagonal) : 0;
    diagonalSum += Math.abs(diagonal);
  }
  // The top `capacity` by score in scan order (l, then j); an equal score never displaces an earlier pair.
  const top: { score: number; j: number; l: number }[] = [];
  for (let l = 0; l < units; l++) {
    for (let j = 0; j < l; j++) {
      offDiagonalSum += Math.abs(gram[l * units + j]);
      const score = Math.abs(gram[l * units + j]) * inverseNorms[j] * inverseNorms[l];
      if (top.length === capacity && !(score > top[top.length - 1].score)) continue;
      let position = top.length;
      while (position > 0 && top[position - 1].score < score) position--;
      top.splice(position, 0, { score, j, l });
      if (top.length > capacity) top.pop();
    }
  }
  const kept = top.sort(comparePairs);
  const a = Float64Array.from(gram);
  for (let i = 0; i < units; i++) a[i * units + i] += weightDecay;
  const factorisation = referenceCholesky(a, units);
  if ('failedPivot' in factorisation) {
    return { failure: choleskyFailure('F̃ᵀF̃ + ηI', factorisation.failedPivot, `hidden unit ${factorisation.failedPivot}`) };
  }
  const solved = new Map<number, Float64Array>();
  const solve = (unit: number): Float64Array => {
    let x = solved.get(unit);
    if (!x) {
      const e = new Float64Array(units);
      e[unit] = 1;
      x = forwardSubstitution(factorisation.factor, units, e);
      solved.set(unit, x);
    }
    return x;
  };
  const gramRow = (unit: number): Float64Array => gram.subarray(unit * units, (unit + 1) * units);
  const pairs = kept.map(({ j, l }) => ({
    j,
    l,
    cosine: gram[l * units + j] * inverseNorms[j] * inverseNorms[l],
    coupling: dotProduct(solve(j), solve(l)),
    couplingJJ: dotProduct(solve(j), solve(j)),
    couplingLL: dotProduct(solve(l), solve(l)),
    gram: gram[l * units + j],
    gramSquared: dotProduct(gramRow(j), gramRow(l)),
  }));
  return { pairs, diagonality: diagonalityOf(offDiagonalSum, diagonalSum, units) };
}

function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>, length = a.length, aOffset = 0, bOffset = 0): number {
  let sum = 0;
  for (let index = 0; index < length; index++) sum += a[aOffset + index] * b[bOffset + index];
  return sum;
}

function choleskyFailure(matrix: string, pivot: number, what: string): string {
  return `the Cholesky factorisation of ${matrix} failed at pivot ${pivot} (${what}): not positive definite in float64`;
}

// ---- the WebAssembly path: the two forms on the linalg.wasm arena (linalgKernels.ts) -------------------

/** Column blocks (of 8) per panel of the float32 cosine ranking. */
const COSINE_PANEL_BLOCKS = 8;

/**
 * A kept pair's quantities from its Gram entries and B's entries (`inverseEntry` on positions in
 * the involved units S, `position` maps a unit to its position): the part both forms share.
 */
function keptPair(
  j: number, l: number, position: Map<number, number>,
  entries: { gram: number; gramJJ: number; gramLL: number; gramSquared: number },
  inverseEntry: (a: number, b: number) => number,
): PairQuantities['pairs'][number] {
  const a = position.get(j) as number;
  const b = position.get(l) as number;
  const { gram, gramJJ, gramLL, gramSquared } = entries;
  return {
    j,
    l,
    cosine: gramJJ > 0 && gramLL > 0 ? gram / Math.sqrt(gramJJ * gramLL) : 0,
    coupling: inverseEntry(a, b),
    couplingJJ: inverseEntry(a, a),
    couplingLL: inverseEntry(b, b),
    gram,
    gramSquared,
  };
}

/** The top-pairs heap of scanLowerPairs / cosineBlocks (sorted as reported) and the absolute sums of the Gram's entries. */
function readHeap(linalg: LinalgKernels, heap: number, capacity: number, state: number): { pairs: { score: number; j: number; l: number }[]; offDiagonal: number; diagonal: number } {
  const count = linalg.i32(state, 1)[0];
  const scores = linalg.f64(heap, capacity);
  const indices = linalg.i32(heap + 8 * capacity, 2 * capacity);
  const pairs: { score: number; j: number; l: number }[] = [];
  for (let k = 0; k < count; k++) pairs.push({ score: scores[k], j: indices[2 * k], l: indices[2 * k + 1] });
  pairs.sort(comparePairs);
  const sums = linalg.f64(state + 8, 2);
  return { pairs, offDiagonal: sums[0], diagonal: sums[1] };
}

/** K × K form (see the module comment), on the linalg.wasm arena. */
function featuresForm(linalg: LinalgKernels, input: RepulsionInput, capacity: number): QuantitiesOutcome {
  const { samples: n, units: k, weightDecay } = input;
  const width = roundUp(k, 4);
  const strips = width / 4;
  const [matrixRegion, gramRegion, means, inverseNorms, heap, state, permutation, inverseRows] = linalg.reserve(
    Math.max(n * width, (width + 4) * (width + 4)) * 8, // packed F̃, later the permuted A = LLᵀ
    Math.max(width * (width + 4) * 8, n * k * 4), // a copy of F, later G = F̃ᵀF̃, later the packed L
    width * 8, width * 8, capacity * 16, 24, k * 4,
    4 * capacity * capacity * 8,
  );
  linalg.f32(gramRegion, n * k).set(input.hidden);
  linalg.columnMeans(gramRegion, n, k, means);
  if (!linalg.f64(means, k).every(Number.isFinite)) return { failure: 'the hidden activations contain non-finite values' };
  for (let strip = 0; strip < strips; strip += 2) {
    linalg.exports.packColumnStrips(gramRegion, n, k, means, matrixRegion, strip, Math.min(strips, strip + 2));
  }
  // Rows of G and A are width + 4 floats apart: power-of-two strides would map the 4 rows of a tile
  // to the same cache sets.
  const ldg = width + 4;
  linalg.gram(matrixRegion, n * STEP_BYTES, strips, n, gramRegion, ldg);

  const g = linalg.f64(gramRegion, width * ldg);
  const norms = linalg.f64(inverseNorms, k);
  for (let j = 0; j < k; j++) {
    const diagonal = g[j * ldg + j];
    norms[j] = diagonal > 0 ? 1 / Math.sqrt(diagonal) : 0;
  }
  linalg.i32(state, 6).fill(0);
  for (let row = 0; row < k; row += ROW_CHUNK) {
    linalg.exports.scanLowerPairs(gramRegion, ldg, row, Math.min(k, row + ROW_CHUNK), inverseNorms, heap, capacity, state);
  }
  const ranked = readHeap(linalg, heap, capacity, state);

  // Involved units S (ascending), placed last: π = (units not in S ascending, then S).
  const involved = [...new Set(ranked.pairs.flatMap((pair) => [pair.j, pair.l]))].sort((a, b) => a - b);
  const s = involved.length;
  const positionInS = new Map(involved.map((unit, index) => [unit, index]));
  const order = linalg.i32(permutation, k);
  let next = 0;
  for (let unit = 0; unit < k; unit++) if (!positionInS.has(unit)) order[next++] = unit;
  for (const unit of involved) order[next++] = unit;
  const gramAt = (x: number, y: number): number => (x >= y ? g[x * ldg + y] : g[y * ldg + x]);
  const gramSquared = ranked.pairs.map(({ j, l }) => {
    let sum = 0;
    for (let m = 0; m < k; m++) sum += gramAt(j, m) * gramAt(l, m);
    return sum;
  });
  const entries = ranked.pairs.map(({ j, l }) => ({ gram: gramAt(l, j), gramJJ: gramAt(j, j), gramLL: gramAt(l, l) }));
  for (let row = 0; row < k; row += ROW_CHUNK) {
    linalg.exports.permutedLowerCopy(gramRegion, ldg, matrixRegion, width + 4, permutation, row, Math.min(k, row + ROW_CHUNK), weightDecay);
  }
  // G is no longer needed: its region holds the packed L (width/4 strips × (k + 2) steps).
  const failed = linalg.choleskyInPlace(matrixRegion, width + 4, k, k, gramRegion);
  if (failed >= 0) {
    const unit = linalg.i32(permutation, k)[failed];
    return { failure: choleskyFailure('F̃ᵀF̃ + ηI', failed, `hidden unit ${unit}, in an order that puts the ${s} paired units last`) };
  }
  // Rows a of X = columns of L_SS⁻¹; B_SS = XXᵀ restricted to k ≥ max(a, b).
  for (let row = 0; row < s; row += ROW_CHUNK) {
    linalg.exports.lowerInverseRows(matrixRegion, width + 4, k - s, s, inverseRows, s, row, Math.min(s, row + ROW_CHUNK));
  }
  const x = linalg.f64(inverseRows, s * s);
  const inverseEntry = (a: number, b: number): number => {
    const from = Math.max(a, b);
    return dotProduct(x, x, s - from, a * s + from, b * s + from);
  };
  const pairs = ranked.pairs.map(({ j, l }, index) => keptPair(j, l, positionInS, { ...entries[index], gramSquared: gramSquared[index] }, inverseEntry));
  return { pairs, diagonality: diagonalityOf(ranked.offDiagonal, ranked.diagonal, k) };
}

/** n × n (Woodbury) form (see the module comment), on the linalg.wasm arena. */
function samplesForm(linalg: LinalgKernels, input: RepulsionInput, capacity: number): QuantitiesOutcome {
  const { samples: n, units: k, weightDecay: eta } = input;
  const blocks = Math.ceil(k / 8);
  const meansLength = roundUp(k, 8);
  const [hidden, means, squares, inverseNorms, heap, state, scratch, packed32] = linalg.reserve(
    n * k * 4, meansLength * 8, meansLength * 8, meansLength * 8, capacity * 16, 24, 64 * 8, blocks * n * STEP_BYTES,
  );
  linalg.f32(hidden, n * k).set(input.hidden);
  linalg.columnMeans(hidden, n, k, means);
  if (!linalg.f64(means, k).every(Number.isFinite)) return { failure: 'the hidden activations contain non-finite values' };
  linalg.f64(squares, k).fill(0);
  for (let row = 0; row < n; row += ROW_CHUNK) linalg.exports.centredColumnSquares(hidden, k, row, Math.min(n, row + ROW_CHUNK), means, squares);
  const squareView = linalg.f64(squares, k);
  const norms = linalg.f64(inverseNorms, k);
  for (let j = 0; j < k; j++) norms[j] = squareView[j] > 0 ? 1 / Math.sqrt(squareView[j]) : 0;
  for (let block = 0; block < blocks; block += 4) {
    linalg.exports.packColumnStrips32(hidden, n, k, means, packed32, block, Math.min(blocks, block + 4));
  }
  // Cosine ranking and diagonality from the float32 Gram, block by block; nothing K × K is stored.
  linalg.i32(state, 6).fill(0);
  for (let panel = 0; panel < blocks; panel += COSINE_PANEL_BLOCKS) {
    for (let row = panel; row < blocks; row++) {
      linalg.exports.cosineBlocks(packed32, n, row, panel, Math.min(panel + COSINE_PANEL_BLOCKS, row + 1), k, inverseNorms, heap, capacity, state, scratch);
    }
  }
  const ranked = readHeap(linalg, heap, capacity, state);

  const involved = [...new Set(ranked.pairs.flatMap((pair) => [pair.j, pair.l]))].sort((a, b) => a - b);
  const s = involved.length;
  const positionInS = new Map(involved.map((unit, index) => [unit, index]));
  // Samples padded to a multiple of 4 with decoupled unit pivots, so that the border starts on a strip.
  const padded = roundUp(n, 4);
  const size = padded + s;
  const ld = roundUp(size, 4) + 4;
  const sampleStrips = padded / 4;
  const rowLength = padded + 4;
  const factorStripsBytes = Math.ceil(size / 4) * packedFactorStepCount(padded) * STEP_BYTES;
  const [, , , , , , , , packed, bordered, indices, columnsOfS, packedS, products] = linalg.reserve(
    n * k * 4, meansLength * 8, meansLength * 8, meansLength * 8, capacity * 16, 24, 64 * 8, blocks * n * STEP_BYTES,
    Math.max(sampleStrips * k * STEP_BYTES, factorStripsBytes), // packed F̃ (row strips), then the packed L, then L's packed columns
    ld * ld * 8,
    s * 4,
    s * rowLength * 8,
    Math.ceil(s / 4) * n * STEP_BYTES,
    roundUp(n, 4) * (roundUp(s, 4) + 4) * 8,
  );
  for (let strip = 0; strip < sampleStrips; strip += 4) {
    linalg.exports.packRowStrips(hidden, n, k, means, packed, strip, Math.min(sampleStrips, strip + 4));
  }
  linalg.gram(packed, k * STEP_BYTES, sampleStrips, k, bordered, ld);
  const c = linalg.f64(bordered, ld * ld);
  for (let i = 0; i < padded; i++) c[i * ld + i] += i < n ? eta : 1;
  // Border rows padded + a = f̃_{S_a}ᵀ, trailing block 0: after the first `padded` pivots it holds
  // −(L⁻¹f̃_a)·(L⁻¹f̃_b).
  linalg.i32(indices, s).set(involved);
  linalg.f64(columnsOfS, s * rowLength).fill(0);
  for (let a = 0; a < s; a += ROW_CHUNK) {
    linalg.exports.gatherCentredColumns(hidden, n, k, means, indices, a, Math.min(s, a + ROW_CHUNK), columnsOfS, rowLength);
  }
  const columns = linalg.f64(columnsOfS, s * rowLength);
  const matrix = linalg.f64(bordered, ld * ld);
  for (let a = 0; a < s; a++) {
    matrix.set(columns.subarray(a * rowLength, a * rowLength + padded), (padded + a) * ld);
    matrix.fill(0, (padded + a) * ld + padded, (padded + a) * ld + padded + a + 1);
  }
  const failed = linalg.choleskyInPlace(bordered, ld, size, padded, packed);
  if (failed >= 0) return { failure: choleskyFailure('F̃F̃ᵀ + ηI', failed, `training sample ${failed}`) };
  // Published residual needs (G²)_jl = f̃_jᵀF̃F̃ᵀf̃_l = (Lᵀf̃_j)·(Lᵀf̃_l) − η f̃_j·f̃_l: V = LᵀF̃_S
  // (n × s), from the packed columns of L (in `packed`, free after the factorisation).
  const rowsOfV = roundUp(s, 4) + 4;
  linalg.lowerTransposeProduct(bordered, ld, n, columnsOfS, rowLength, s, packedS, packed, products, rowsOfV);
  const product = linalg.f64(products, roundUp(n, 4) * rowsOfV);
  const transposedDot = (a: number, b: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += product[i * rowsOfV + a] * product[i * rowsOfV + b];
    return sum;
  };
  const factor = linalg.f64(bordered, ld * ld);
  const columnView = linalg.f64(columnsOfS, s * rowLength);
  const trailing = (a: number, b: number): number => (a >= b ? factor[(padded + a) * ld + padded + b] : factor[(padded + b) * ld + padded + a]);
  const inverseEntry = (a: number, b: number): number => ((a === b ? 1 : 0) + trailing(a, b)) / eta;
  const pairs = ranked.pairs.map(({ j, l }) => {
    const a = positionInS.get(j) as number;
    const b = positionInS.get(l) as number;
    const gram = dotProduct(columnView, columnView, n, a * rowLength, b * rowLength);
    const gramJJ = dotProduct(columnView, columnView, n, a * rowLength, a * rowLength);
    const gramLL = dotProduct(columnView, columnView, n, b * rowLength, b * rowLength);
    return keptPair(j, l, positionInS, { gram, gramJJ, gramLL, gramSquared: transposedDot(a, b) - eta * gram }, inverseEntry);
  });
  return { pairs, diagonality: diagonalityOf(ranked.offDiagonal, ranked.diagonal, k) };
}
