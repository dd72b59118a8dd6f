// The training epoch of the two-layer network (docs/science.md §1–4) in WebAssembly SIMD: gather +
// activation + output product (forward), the losses, and per K-panel the backward pass fused
// with the optimiser. Layouts, the kernel list and the thread split are in ./README.md; the
// TypeScript side (src/training/engines/wasm.ts) allocates every buffer and fills `Layout`.
//
// Built four times by esbuild.js: plain SIMD or with relaxed SIMD (fused multiply-add in the
// products), each with its own memory or importing a shared one (the two-thread engine).

import { expVector, madd } from './simd';

// ---------------------------------------------------------------------------------------------
// The layout block: byte addresses of every buffer and the sizes, written by wasm.ts. Every
// field is 4 bytes, in this order (SCALAR_FIELDS and BUFFER_FIELDS in wasm.ts mirror it).

@unmanaged
class Layout {
  /** M: classes. */
  modulus: i32;
  /** M rounded up to a multiple of 8: row length of the output buffers. */
  paddedModulus: i32;
  /** K: hidden width. */
  hidden: i32;
  /** K rounded up to a multiple of 16: row length of the parameter buffers. */
  paddedHidden: i32;
  trainRows: i32;
  /** Training rows rounded up to a multiple of 4; the padding rows are zero. */
  trainRowsPadded: i32;
  testRows: i32;
  testRowsPadded: i32;
  /** 0 square, 1 relu, 2 silu. */
  activation: i32;
  /** 0 class-centred MSE, 1 cross-entropy. */
  loss: i32;
  /** 0 adam, 1 adamw, 2 sgd. */
  optimizer: i32;
  /** 1 on the first optimiser step (SGD initialises its momentum buffer with the gradient). */
  firstStep: i32;
  learningRate: f32;
  weightDecay: f32;
  beta1: f32;
  beta2: f32;
  /** 1 − β₁ and 1 − β₂, rounded from float64 (not computed from the rounded β). */
  oneMinusBeta1: f32;
  oneMinusBeta2: f32;
  eps: f32;
  /** lr / (1 − β₁ᵗ). */
  stepSize: f32;
  /** √(1 − β₂ᵗ). */
  secondCorrectionRoot: f32;
  /** 1 − lr·wd (AdamW's decoupled decay factor). */
  decoupledFactor: f32;
  momentum: f32;
  /** Results of the loss kernels: correctly classified rows. */
  trainCorrect: i32;
  testCorrect: i32;
  // Parameters and optimiser state, row-major with rows of paddedHidden floats.
  firstLayer: usize;
  secondLayer: usize;
  firstLayerFirstMoment: usize;
  firstLayerSecondMoment: usize;
  secondLayerFirstMoment: usize;
  secondLayerSecondMoment: usize;
  firstLayerUpdate: usize;
  secondLayerUpdate: usize;
  /**
   * Vᵀ by blocks of 8 classes: element (k, c) at ((c >> 3)·paddedHidden + k)·8 + (c & 7), so the
   * forward product streams one block contiguously. Classes ≥ M are zero.
   */
  secondLayerTransposed: usize;
  /** V by K-panels: panel p holds rows c < M of V[:, 16p … 16p+15], (panels × M × 16). */
  secondLayerPanels: usize;
  /**
   * Wᵀ of the last evaluate(), copied by step() before the optimiser changes it, so that
   * trainHidden() after a step() can still recompute H of that evaluate().
   */
  firstLayerSnapshot: usize;
  /** Outputs, (rowsPadded × paddedModulus) row-major. */
  trainOutputs: usize;
  testOutputs: usize;
  /** Training outputs (trainRows × M) row-major: the engine's trainOutput() view. */
  trainOutputsCompact: usize;
  /** dL/dO by row pairs: element (i, c) at ((i >> 1)·paddedModulus + c)·2 + (i & 1). */
  outputGradientRowPairs: usize;
  /** dL/dO by column pairs: element (i, c) at ((c >> 1)·trainRowsPadded + i)·2 + (c & 1). */
  outputGradientColumnPairs: usize;
  /** Operands and labels (i32, rowsPadded long, padding zero). */
  trainA: usize;
  trainB: usize;
  trainY: usize;
  testA: usize;
  testB: usize;
  testY: usize;
  /** H of the training split, (trainRows × K) row-major, filled on request (copyHiddenRows). */
  hiddenRows: usize;
  /** Per thread (0, 1): 16 rows of σ(Z), as 4 groups of 4 rows interleaved (4 × paddedHidden × 4). */
  rowScratch0: usize;
  rowScratch1: usize;
  /** Per thread: H = σ(Z) of one K-panel for every training row, (trainRowsPadded × 16); padding rows zero. */
  hiddenPanel0: usize;
  hiddenPanel1: usize;
  /** Per thread: σ'(Z) of one K-panel, same layout. */
  derivativePanel0: usize;
  derivativePanel1: usize;
  /** Per thread: dL/dWᵀ of one group of 4 K-panels, (2M × 64). */
  firstGradientPanel0: usize;
  firstGradientPanel1: usize;
  /** Per thread: dL/dV of one group of 4 K-panels, (paddedModulus × 64). */
  secondGradientPanel0: usize;
  secondGradientPanel1: usize;
  /**
   * dL/dWᵀ of the step, (2M × paddedHidden) row-major, without the weight-decay term, for the
   * gradient-direction diagnostic (docs/science.md §8); 0 when the engine does not keep it (no copy).
   */
  firstLayerGradient: usize;
}

/** Floats per K-panel: one 64-byte cache line per row. */
const PANEL: i32 = 16;
const PANEL_BYTES: usize = 64;
/** The forward pass gathers 4 groups of 4 rows before the products. */
const ROW_GROUPS: i32 = 4;
/**
 * The optimiser runs once per group of 4 K-panels (64 columns, 256 contiguous bytes per parameter
 * row), so that it streams whole 256-byte runs of Wᵀ, V, their moments and updates instead of one
 * 64-byte line per row and panel.
 */
const OPTIMIZER_GROUP: i32 = 4;
const GROUP_BYTES: usize = 256;
/** Training rows per block of the dV product (16 KB of one H panel). */
const GRADIENT_ROW_BLOCK: i32 = 256;

// ---------------------------------------------------------------------------------------------
// Arithmetic helpers.

/** Logistic s(z) = 1 / (1 + e^{−z}) per lane. */
// @ts-ignore: decorator
@inline function logisticVector(z: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expVector(f32x4.neg(z))));
}

/** σ(z): 0 square z², 1 relu max(z, 0), 2 silu z·s(z). */
// @ts-ignore: decorator
@inline function activate(z: v128, activation: i32): v128 {
  if (activation == 0) return f32x4.mul(z, z);
  if (activation == 1) return f32x4.max(z, f32x4.splat(0));
  return f32x4.mul(z, logisticVector(z));
}

/** σ'(z): square 2z, relu 1[z > 0] (0 at z = 0), silu s(z)(1 + z(1 − s(z))). */
// @ts-ignore: decorator
@inline function activationDerivative(z: v128, activation: i32): v128 {
  if (activation == 0) return f32x4.add(z, z);
  if (activation == 1) return v128.and(f32x4.gt(z, f32x4.splat(0)), f32x4.splat(1.0));
  const s = logisticVector(z);
  return f32x4.mul(s, f32x4.add(f32x4.splat(1.0), f32x4.mul(z, f32x4.sub(f32x4.splat(1.0), s))));
}

// ---------------------------------------------------------------------------------------------
// Forward pass: rows of one split, 16 at a time (four groups of four).

/**
 * Z = Wᵀ[a_i] + Wᵀ[M + b_i] for four rows (rows ≥ rowCount give zeros) and H = σ(Z), written
 * interleaved into the scratch: scratch[4k + r] = H[row0 + r, k].
 */
function gatherFourRows(L: Layout, operandsA: usize, operandsB: usize, row0: i32, rowCount: i32, scratch: usize): void {
  // One specialised loop per activation (the inlined copies fold the activation tests away).
  const activation = L.activation;
  if (activation == 0) gatherFourRowsFor(L, operandsA, operandsB, row0, rowCount, scratch, 0);
  else if (activation == 1) gatherFourRowsFor(L, operandsA, operandsB, row0, rowCount, scratch, 1);
  else gatherFourRowsFor(L, operandsA, operandsB, row0, rowCount, scratch, 2);
}

// @ts-ignore: decorator
@inline function gatherFourRowsFor(L: Layout, operandsA: usize, operandsB: usize, row0: i32, rowCount: i32, scratch: usize,
  activation: i32): void {
  const rowBytes = <usize>L.paddedHidden << 2;
  const firstLayer = L.firstLayer, modulus = L.modulus;
  // Source rows; a missing row (beyond rowCount) reads row 0's and is masked to zero below.
  const valid = min(4, rowCount - row0);
  const a0 = firstLayer + <usize>load<i32>(operandsA + (<usize>row0 << 2)) * rowBytes;
  const b0 = firstLayer + <usize>(modulus + load<i32>(operandsB + (<usize>row0 << 2))) * rowBytes;
  const a1 = valid > 1 ? firstLayer + <usize>load<i32>(operandsA + (<usize>(row0 + 1) << 2)) * rowBytes : a0;
  const b1 = valid > 1 ? firstLayer + <usize>(modulus + load<i32>(operandsB + (<usize>(row0 + 1) << 2))) * rowBytes : b0;
  const a2 = valid > 2 ? firstLayer + <usize>load<i32>(operandsA + (<usize>(row0 + 2) << 2)) * rowBytes : a0;
  const b2 = valid > 2 ? firstLayer + <usize>(modulus + load<i32>(operandsB + (<usize>(row0 + 2) << 2))) * rowBytes : b0;
  const a3 = valid > 3 ? firstLayer + <usize>load<i32>(operandsA + (<usize>(row0 + 3) << 2)) * rowBytes : a0;
  const b3 = valid > 3 ? firstLayer + <usize>(modulus + load<i32>(operandsB + (<usize>(row0 + 3) << 2))) * rowBytes : b0;
  const keep1 = valid > 1 ? i32x4.splat(-1) : i32x4.splat(0);
  const keep2 = valid > 2 ? i32x4.splat(-1) : i32x4.splat(0);
  const keep3 = valid > 3 ? i32x4.splat(-1) : i32x4.splat(0);
  for (let offset: usize = 0; offset < rowBytes; offset += 16) {
    const z0 = f32x4.add(v128.load(a0 + offset), v128.load(b0 + offset));
    const z1 = v128.and(f32x4.add(v128.load(a1 + offset), v128.load(b1 + offset)), keep1);
    const z2 = v128.and(f32x4.add(v128.load(a2 + offset), v128.load(b2 + offset)), keep2);
    const z3 = v128.and(f32x4.add(v128.load(a3 + offset), v128.load(b3 + offset)), keep3);
    const h0 = activate(z0, activation), h1 = activate(z1, activation);
    const h2 = activate(z2, activation), h3 = activate(z3, activation);
    // 4 × 4 transpose: t_l = (h0[l], h1[l], h2[l], h3[l]). σ(0) = 0 for every activation, so the
    // masked rows are zero.
    const low01 = v128.shuffle<f32>(h0, h1, 0, 4, 1, 5), high01 = v128.shuffle<f32>(h0, h1, 2, 6, 3, 7);
    const low23 = v128.shuffle<f32>(h2, h3, 0, 4, 1, 5), high23 = v128.shuffle<f32>(h2, h3, 2, 6, 3, 7);
    const target = scratch + (offset << 2);
    v128.store(target, v128.shuffle<f32>(low01, low23, 0, 1, 4, 5));
    v128.store(target, v128.shuffle<f32>(low01, low23, 2, 3, 6, 7), 16);
    v128.store(target, v128.shuffle<f32>(high01, high23, 0, 1, 4, 5), 32);
    v128.store(target, v128.shuffle<f32>(high01, high23, 2, 3, 6, 7), 48);
  }
}

/**
 * O[4 rows, 8 classes] = S · Vᵀ-block for one group of four interleaved scratch rows and one
 * block of 8 classes: 8 accumulators, inner loop over k with two Vᵀ loads and four splats. 8 + 2 +
 * 4 = 14 of the 16 xmm registers V8 has on x64: larger register blocks (or unrolling the k loop)
 * make V8 hoist the splats and spill accumulators, which measured slower.
 */
function multiplyFourRows(scratch: usize, transposedBlock: usize, depth: i32, outputs: usize, outputRowBytes: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let left = scratch, right = transposedBlock;
  const end = scratch + (<usize>depth << 4);
  while (left < end) {
    const b0 = v128.load(right), b1 = v128.load(right, 16);
    const a0 = v128.load32_splat(left), a1 = v128.load32_splat(left, 4);
    const a2 = v128.load32_splat(left, 8), a3 = v128.load32_splat(left, 12);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
    c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
    right += 32;
    left += 16;
  }
  v128.store(outputs, c00); v128.store(outputs, c01, 16);
  v128.store(outputs + outputRowBytes, c10); v128.store(outputs + outputRowBytes, c11, 16);
  v128.store(outputs + 2 * outputRowBytes, c20); v128.store(outputs + 2 * outputRowBytes, c21, 16);
  v128.store(outputs + 3 * outputRowBytes, c30); v128.store(outputs + 3 * outputRowBytes, c31, 16);
}

/**
 * Forward pass of rows [rowStart, rowEnd) of a split (0 train, 1 test); rowStart is a multiple
 * of 4 and rowEnd ≤ rowsPadded. Writes the split's outputs (rows × paddedModulus) only: H is not
 * stored (the backward pass recomputes it panel by panel). `thread` selects the row scratch.
 */
export function forwardRows(layout: usize, split: i32, rowStart: i32, rowEnd: i32, thread: i32): void {
  const L = changetype<Layout>(layout);
  const train = split == 0;
  const rowCount = train ? L.trainRows : L.testRows;
  const operandsA = train ? L.trainA : L.testA, operandsB = train ? L.trainB : L.testB;
  const outputs = train ? L.trainOutputs : L.testOutputs;
  const scratch = thread == 0 ? L.rowScratch0 : L.rowScratch1;
  const depth = L.paddedHidden, groupBytes = <usize>depth << 4;
  const blocks = L.paddedModulus >> 3, blockBytes = <usize>depth << 5;
  const outputRowBytes = <usize>L.paddedModulus << 2;
  const last = min(rowEnd, rowCount);
  // 16 rows at a time: each 8-class block of Vᵀ (32·K bytes) is streamed once per 16 rows and
  // reused from cache by the four groups.
  for (let row0 = rowStart; row0 < last; row0 += 4 * ROW_GROUPS) {
    const groups = min(ROW_GROUPS, (last - row0 + 3) >> 2);
    for (let group = 0; group < groups; group++) {
      gatherFourRows(L, operandsA, operandsB, row0 + 4 * group, rowCount, scratch + <usize>group * groupBytes);
    }
    for (let block = 0; block < blocks; block++) {
      const transposedBlock = L.secondLayerTransposed + <usize>block * blockBytes;
      for (let group = 0; group < groups; group++) {
        multiplyFourRows(scratch + <usize>group * groupBytes, transposedBlock, depth,
          outputs + <usize>(row0 + 4 * group) * outputRowBytes + (<usize>block << 5), outputRowBytes);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Losses (docs/science.md §3), float64 sums; run on one thread.

/**
 * Loss of one split from its outputs (same formulas and summation order as model.ts
 * lossAndAccuracy): the class-centred MSE of Tian's and Xu's code (arXiv 2509.21519,
 * 2605.08119), R = (O − mean_c O) − (onehot(y) − 1/M), loss = mean_i Σ_c R², dL/dO = (2/n) R; or
 * cross-entropy with dL/dO = (softmax − onehot)/n. Counts the rows whose first maximal output is
 * the label. For the training split also writes dL/dO into both pair layouts and the compact
 * outputs. Returns the mean loss; the count goes to trainCorrect / testCorrect.
 */
function splitLoss(L: Layout, train: bool): f64 {
  const rows = train ? L.trainRows : L.testRows;
  const outputs = train ? L.trainOutputs : L.testOutputs;
  const labels = train ? L.trainY : L.testY;
  const modulus = L.modulus, paddedModulus = L.paddedModulus, rowsPadded = L.trainRowsPadded;
  const scale: f64 = 1.0 / <f64>rows;
  const targetOffset: f64 = 1.0 / <f64>modulus;
  const rowPairs = L.outputGradientRowPairs, columnPairs = L.outputGradientColumnPairs;
  const compact = L.trainOutputsCompact;
  let lossSum: f64 = 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const row = outputs + ((<usize>i * paddedModulus) << 2);
    const label = load<i32>(labels + (<usize>i << 2));
    let best = load<f32>(row);
    let bestClass = 0;
    let outputSum: f64 = 0;
    for (let c = 0; c < modulus; c++) {
      const value = load<f32>(row + (<usize>c << 2));
      if (value > best) { best = value; bestClass = c; }
      outputSum += <f64>value;
    }
    if (bestClass == label) correct++;
    const rowPairBase = rowPairs + ((<usize>(i >> 1) * paddedModulus * 2 + (i & 1)) << 2);
    const columnPairBase = columnPairs + ((<usize>i * 2) << 2);
    if (L.loss == 0) {
      const outputMean = outputSum / <f64>modulus;
      for (let c = 0; c < modulus; c++) {
        const value = <f64>load<f32>(row + (<usize>c << 2));
        const residual = value - outputMean - ((c == label ? 1.0 : 0.0) - targetOffset);
        lossSum += residual * residual;
        if (train) {
          const gradient = <f32>(2.0 * scale * residual);
          store<f32>(rowPairBase + ((<usize>c * 2) << 2), gradient);
          store<f32>(columnPairBase + ((<usize>(c >> 1) * rowsPadded * 2 + (c & 1)) << 2), gradient);
        }
      }
    } else {
      const maximum = <f64>best;
      let exponentialSum: f64 = 0;
      for (let c = 0; c < modulus; c++) exponentialSum += Math.exp(<f64>load<f32>(row + (<usize>c << 2)) - maximum);
      const logSumExp = maximum + Math.log(exponentialSum);
      lossSum += logSumExp - <f64>load<f32>(row + (<usize>label << 2));
      if (train) {
        for (let c = 0; c < modulus; c++) {
          const probability = Math.exp(<f64>load<f32>(row + (<usize>c << 2)) - logSumExp);
          const gradient = <f32>(scale * (probability - (c == label ? 1.0 : 0.0)));
          store<f32>(rowPairBase + ((<usize>c * 2) << 2), gradient);
          store<f32>(columnPairBase + ((<usize>(c >> 1) * rowsPadded * 2 + (c & 1)) << 2), gradient);
        }
      }
    }
    if (train) memory.copy(compact + ((<usize>i * modulus) << 2), row, <usize>modulus << 2);
  }
  if (train) L.trainCorrect = correct; else L.testCorrect = correct;
  return rows > 0 ? lossSum * scale : NaN;
}

/** Training loss; also dL/dO (both pair layouts), the compact outputs and L.trainCorrect. */
export function trainLoss(layout: usize): f64 {
  return splitLoss(changetype<Layout>(layout), true);
}

/** Test loss; the count of correct rows goes to L.testCorrect. */
export function testLoss(layout: usize): f64 {
  return splitLoss(changetype<Layout>(layout), false);
}

// ---------------------------------------------------------------------------------------------
// Backward pass and optimiser, one K-panel (16 hidden units) at a time.

/**
 * H = σ(Z) and σ'(Z) of K-panel `panel` for every training row, recomputed from Wᵀ (`weights`)
 * exactly as the forward pass computed them (same float32 operations, so bit-identical), into
 * (rows × 16) buffers, which stay in L2. At the defaults recomputing costs about 2 ms per epoch;
 * storing H and σ'(Z) of the whole split in the forward pass instead cost about 10 ms (33 MB
 * written, then read back).
 */
function gatherPanel(L: Layout, weights: usize, panel: i32, hidden: usize, derivative: usize): void {
  // One specialised loop per activation (the inlined copies fold the activation tests away).
  const activation = L.activation;
  if (activation == 0) gatherPanelFor(L, weights, panel, hidden, derivative, 0);
  else if (activation == 1) gatherPanelFor(L, weights, panel, hidden, derivative, 1);
  else gatherPanelFor(L, weights, panel, hidden, derivative, 2);
}

// @ts-ignore: decorator
@inline function gatherPanelFor(L: Layout, weights: usize, panel: i32, hidden: usize, derivative: usize, activation: i32): void {
  const rows = L.trainRows, modulus = L.modulus;
  const rowBytes = <usize>L.paddedHidden << 2;
  const base = weights + <usize>panel * PANEL_BYTES;
  const secondBase = base + <usize>modulus * rowBytes;
  const operandsA = L.trainA, operandsB = L.trainB;
  for (let i = 0; i < rows; i++) {
    const a = base + <usize>load<i32>(operandsA + (<usize>i << 2)) * rowBytes;
    const b = secondBase + <usize>load<i32>(operandsB + (<usize>i << 2)) * rowBytes;
    const h = hidden + <usize>i * PANEL_BYTES, d = derivative + <usize>i * PANEL_BYTES;
    for (let lane: usize = 0; lane < PANEL_BYTES; lane += 16) {
      const z = f32x4.add(v128.load(a + lane), v128.load(b + lane));
      if (activation == 2) {
        // silu: one exponential for σ and σ' (the same operations as activate and
        // activationDerivative, so the values are identical).
        const sigmoid = logisticVector(z);
        v128.store(h + lane, f32x4.mul(z, sigmoid));
        v128.store(d + lane, f32x4.mul(sigmoid, f32x4.add(f32x4.splat(1.0), f32x4.mul(z, f32x4.sub(f32x4.splat(1.0), sigmoid)))));
      } else {
        v128.store(h + lane, activate(z, activation));
        v128.store(d + lane, activationDerivative(z, activation));
      }
    }
  }
}

/**
 * dV[:, panel] = dOᵀ H[:, panel]: register block of 2 classes × 16 units (8 accumulators), inner
 * loop over the training rows (two splats of dO, four loads of one 64-byte H row). Rows go in
 * blocks of 256 so that the block's H (16 KB) stays in L1 while all class pairs pass over it; the
 * accumulators are stored and reloaded between blocks, which keeps the summation order.
 */
function secondLayerGradientPanel(L: Layout, hidden: usize, gradient: usize): void {
  const rowsPadded = L.trainRowsPadded, paddedModulus = L.paddedModulus;
  const pairStride = <usize>rowsPadded << 3;
  for (let row0 = 0; row0 < rowsPadded; row0 += GRADIENT_ROW_BLOCK) {
    const rows = <usize>min(GRADIENT_ROW_BLOCK, rowsPadded - row0);
    const first = row0 == 0;
    for (let c = 0; c < paddedModulus; c += 2) {
      const out = gradient + <usize>c * GROUP_BYTES, outNext = out + GROUP_BYTES;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
      if (!first) {
        c00 = v128.load(out); c01 = v128.load(out, 16); c02 = v128.load(out, 32); c03 = v128.load(out, 48);
        c10 = v128.load(outNext); c11 = v128.load(outNext, 16); c12 = v128.load(outNext, 32); c13 = v128.load(outNext, 48);
      }
      let left = L.outputGradientColumnPairs + <usize>(c >> 1) * pairStride + (<usize>row0 << 3);
      const end = left + (rows << 3);
      let right = hidden + <usize>row0 * PANEL_BYTES;
      while (left < end) {
        const a0 = v128.load32_splat(left), a1 = v128.load32_splat(left, 4);
        let b = v128.load(right);
        c00 = madd(a0, b, c00); c10 = madd(a1, b, c10);
        b = v128.load(right, 16);
        c01 = madd(a0, b, c01); c11 = madd(a1, b, c11);
        b = v128.load(right, 32);
        c02 = madd(a0, b, c02); c12 = madd(a1, b, c12);
        b = v128.load(right, 48);
        c03 = madd(a0, b, c03); c13 = madd(a1, b, c13);
        left += 8;
        right += PANEL_BYTES;
      }
      v128.store(out, c00); v128.store(out, c01, 16); v128.store(out, c02, 32); v128.store(out, c03, 48);
      v128.store(outNext, c10); v128.store(outNext, c11, 16); v128.store(outNext, c12, 32); v128.store(outNext, c13, 48);
    }
  }
}

/** row[0 … 15] += value (four vectors). */
// @ts-ignore: decorator
@inline function addToPanelRow(row: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  v128.store(row, f32x4.add(v128.load(row), v0));
  v128.store(row, f32x4.add(v128.load(row, 16), v1), 16);
  v128.store(row, f32x4.add(v128.load(row, 32), v2), 32);
  v128.store(row, f32x4.add(v128.load(row, 48), v3), 48);
}

/**
 * dWᵀ[:, panel]: dZ = (dO V[:, panel]) ⊙ σ'(Z) for two rows at a time (register block of 2 rows ×
 * 16 units, inner loop over the M classes), scatter-added to rows a_i and M + b_i of the panel
 * gradient in row order (docs/science.md §1: the transpose of the gather).
 */
function firstLayerGradientPanel(L: Layout, panel: i32, derivative: usize, gradient: usize): void {
  const modulus = L.modulus, paddedModulus = L.paddedModulus;
  const rows = L.trainRows;
  for (let row = 0; row < 2 * modulus; row++) memory.fill(gradient + <usize>row * GROUP_BYTES, 0, PANEL_BYTES);
  const weights = L.secondLayerPanels + <usize>panel * <usize>modulus * PANEL_BYTES;
  const weightsEnd = weights + <usize>modulus * PANEL_BYTES;
  const pairRowBytes = <usize>paddedModulus << 3;
  const operandsA = L.trainA, operandsB = L.trainB;
  const secondOffset = <usize>modulus * GROUP_BYTES;
  for (let i = 0; i < rows; i += 2) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
    let left = L.outputGradientRowPairs + <usize>(i >> 1) * pairRowBytes;
    let right = weights;
    while (right < weightsEnd) {
      const b0 = v128.load(right), b1 = v128.load(right, 16), b2 = v128.load(right, 32), b3 = v128.load(right, 48);
      let a = v128.load32_splat(left);
      c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
      a = v128.load32_splat(left, 4);
      c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
      left += 8;
      right += PANEL_BYTES;
    }
    const d0 = derivative + <usize>i * PANEL_BYTES;
    c00 = f32x4.mul(c00, v128.load(d0)); c01 = f32x4.mul(c01, v128.load(d0, 16));
    c02 = f32x4.mul(c02, v128.load(d0, 32)); c03 = f32x4.mul(c03, v128.load(d0, 48));
    const rowA0 = gradient + <usize>load<i32>(operandsA + (<usize>i << 2)) * GROUP_BYTES;
    const rowB0 = gradient + secondOffset + <usize>load<i32>(operandsB + (<usize>i << 2)) * GROUP_BYTES;
    addToPanelRow(rowA0, c00, c01, c02, c03);
    addToPanelRow(rowB0, c00, c01, c02, c03);
    if (i + 1 < rows) {
      c10 = f32x4.mul(c10, v128.load(d0, 64)); c11 = f32x4.mul(c11, v128.load(d0, 80));
      c12 = f32x4.mul(c12, v128.load(d0, 96)); c13 = f32x4.mul(c13, v128.load(d0, 112));
      const rowA1 = gradient + <usize>load<i32>(operandsA + (<usize>(i + 1) << 2)) * GROUP_BYTES;
      const rowB1 = gradient + secondOffset + <usize>load<i32>(operandsB + (<usize>(i + 1) << 2)) * GROUP_BYTES;
      addToPanelRow(rowA1, c10, c11, c12, c13);
      addToPanelRow(rowB1, c10, c11, c12, c13);
    }
  }
}

/**
 * Optimiser step (torch semantics, docs/science.md §4; same formulas as model.ts applyOptimizerStep)
 * on `width` bytes of columns from byte offset columnOffset, for `rows` rows of a parameter (row
 * stride rowBytes); the gradient rows are GROUP_BYTES apart in `gradient`. Writes θ, the moments
 * and the update θ_after − θ_before.
 */
function optimizerColumns(L: Layout, parameter: usize, firstMoment: usize, secondMoment: usize, update: usize,
  gradient: usize, rows: i32, rowBytes: usize, columnOffset: usize, width: usize): void {
  const kind = L.optimizer;
  const weightDecay = f32x4.splat(L.weightDecay);
  if (kind == 2) {
    const momentum = f32x4.splat(L.momentum), learningRate = f32x4.splat(L.learningRate);
    const firstStep = L.firstStep != 0;
    for (let row = 0; row < rows; row++) {
      const base = <usize>row * rowBytes + columnOffset;
      const gradientRow = gradient + <usize>row * GROUP_BYTES;
      for (let lane: usize = 0; lane < width; lane += 16) {
        const at = base + lane;
        const before = v128.load(parameter + at);
        const g = f32x4.add(v128.load(gradientRow + lane), f32x4.mul(weightDecay, before));
        const buffer = firstStep ? g : f32x4.add(f32x4.mul(momentum, v128.load(firstMoment + at)), g);
        v128.store(firstMoment + at, buffer);
        const after = f32x4.sub(before, f32x4.mul(learningRate, buffer));
        v128.store(parameter + at, after);
        v128.store(update + at, f32x4.sub(after, before));
      }
    }
    return;
  }
  const decoupled = kind == 1;
  const coupledDecay = decoupled ? f32x4.splat(0) : weightDecay;
  const decoupledFactor = f32x4.splat(L.decoupledFactor);
  const beta1 = f32x4.splat(L.beta1), beta2 = f32x4.splat(L.beta2);
  const oneMinusBeta1 = f32x4.splat(L.oneMinusBeta1), oneMinusBeta2 = f32x4.splat(L.oneMinusBeta2);
  const stepSize = f32x4.splat(L.stepSize), correctionRoot = f32x4.splat(L.secondCorrectionRoot), eps = f32x4.splat(L.eps);
  for (let row = 0; row < rows; row++) {
    const base = <usize>row * rowBytes + columnOffset;
    const gradientRow = gradient + <usize>row * GROUP_BYTES;
    for (let lane: usize = 0; lane < width; lane += 16) {
      const at = base + lane;
      const before = v128.load(parameter + at);
      const decayed = decoupled ? f32x4.mul(before, decoupledFactor) : before;
      const g = f32x4.add(v128.load(gradientRow + lane), f32x4.mul(coupledDecay, before));
      const m = f32x4.add(f32x4.mul(beta1, v128.load(firstMoment + at)), f32x4.mul(oneMinusBeta1, g));
      const v = f32x4.add(f32x4.mul(beta2, v128.load(secondMoment + at)), f32x4.mul(oneMinusBeta2, f32x4.mul(g, g)));
      v128.store(firstMoment + at, m);
      v128.store(secondMoment + at, v);
      const denominator = f32x4.add(f32x4.div(f32x4.sqrt(v), correctionRoot), eps);
      const after = f32x4.sub(decayed, f32x4.div(f32x4.mul(stepSize, m), denominator));
      v128.store(parameter + at, after);
      v128.store(update + at, f32x4.sub(after, before));
    }
  }
}

/**
 * Vᵀ rows and the V panel of K-panel `panel` from V (after the optimiser changed it, or at start).
 * Vᵀ columns ≥ M stay zero.
 */
function refreshSecondLayerPanel(L: Layout, panel: i32): void {
  const modulus = L.modulus;
  const rowBytes = <usize>L.paddedHidden << 2;
  const panelOffset = <usize>panel * PANEL_BYTES;
  const panels = L.secondLayerPanels + <usize>panel * <usize>modulus * PANEL_BYTES;
  const depth = <usize>L.paddedHidden;
  for (let c = 0; c < modulus; c++) {
    const source = L.secondLayer + <usize>c * rowBytes + panelOffset;
    memory.copy(panels + <usize>c * PANEL_BYTES, source, PANEL_BYTES);
    const transposed = L.secondLayerTransposed + ((<usize>(c >> 3) * depth + <usize>(panel * PANEL)) << 5) + (<usize>(c & 7) << 2);
    for (let k = 0; k < PANEL; k++) store<f32>(transposed + (<usize>k << 5), load<f32>(source + (<usize>k << 2)));
  }
}

/** Vᵀ and the V panels for K-panels [panelStart, panelEnd) (used once after loading V). */
export function refreshSecondLayer(layout: usize, panelStart: i32, panelEnd: i32): void {
  const L = changetype<Layout>(layout);
  for (let panel = panelStart; panel < panelEnd; panel++) refreshSecondLayerPanel(L, panel);
}

/**
 * Backward pass and optimiser step for K-panels [panelStart, panelEnd), from the cached dL/dO.
 * Per panel: H and σ'(Z) recomputed, dV and dWᵀ of its 16 hidden units into the thread's gradient
 * block; per group of 4 panels: the group's dWᵀ columns copied to firstLayerGradient (when kept),
 * the optimiser on those columns of Wᵀ and V, then Vᵀ and the V panels refreshed. Panels are
 * independent, so two threads take disjoint ranges.
 */
export function backwardPanels(layout: usize, panelStart: i32, panelEnd: i32, thread: i32): void {
  const L = changetype<Layout>(layout);
  const hidden = thread == 0 ? L.hiddenPanel0 : L.hiddenPanel1;
  const derivative = thread == 0 ? L.derivativePanel0 : L.derivativePanel1;
  const firstGradient = thread == 0 ? L.firstGradientPanel0 : L.firstGradientPanel1;
  const secondGradient = thread == 0 ? L.secondGradientPanel0 : L.secondGradientPanel1;
  const rowBytes = <usize>L.paddedHidden << 2;
  for (let groupStart = panelStart; groupStart < panelEnd; groupStart += OPTIMIZER_GROUP) {
    const groupEnd = min(panelEnd, groupStart + OPTIMIZER_GROUP);
    for (let panel = groupStart; panel < groupEnd; panel++) {
      const slot = <usize>(panel - groupStart) * PANEL_BYTES;
      // Wᵀ's columns of this panel are still those of the forward pass: only this group's
      // optimiser step below changes them.
      gatherPanel(L, L.firstLayer, panel, hidden, derivative);
      secondLayerGradientPanel(L, hidden, secondGradient + slot);
      firstLayerGradientPanel(L, panel, derivative, firstGradient + slot);
    }
    const columnOffset = <usize>groupStart * PANEL_BYTES, width = <usize>(groupEnd - groupStart) * PANEL_BYTES;
    if (L.firstLayerGradient != 0) {
      // The raw loss gradient: the optimiser adds the decay to its own copy of each value.
      for (let row = 0; row < 2 * L.modulus; row++) {
        memory.copy(L.firstLayerGradient + <usize>row * rowBytes + columnOffset, firstGradient + <usize>row * GROUP_BYTES, width);
      }
    }
    optimizerColumns(L, L.firstLayer, L.firstLayerFirstMoment, L.firstLayerSecondMoment, L.firstLayerUpdate,
      firstGradient, 2 * L.modulus, rowBytes, columnOffset, width);
    optimizerColumns(L, L.secondLayer, L.secondLayerFirstMoment, L.secondLayerSecondMoment, L.secondLayerUpdate,
      secondGradient, L.modulus, rowBytes, columnOffset, width);
    for (let panel = groupStart; panel < groupEnd; panel++) refreshSecondLayerPanel(L, panel);
  }
}

/**
 * H of the training split, (trainRows × K) row-major, into hiddenRows: recomputed from Wᵀ with the
 * forward pass's float32 operations (fromSnapshot = 0: the current Wᵀ, valid before step(); 1: the
 * snapshot step() took). Uses thread 0's row scratch as a one-row buffer.
 */
export function copyHiddenRows(layout: usize, fromSnapshot: i32): void {
  const L = changetype<Layout>(layout);
  const activation = L.activation;
  if (activation == 0) copyHiddenRowsFor(L, fromSnapshot != 0, 0);
  else if (activation == 1) copyHiddenRowsFor(L, fromSnapshot != 0, 1);
  else copyHiddenRowsFor(L, fromSnapshot != 0, 2);
}

// @ts-ignore: decorator
@inline function copyHiddenRowsFor(L: Layout, fromSnapshot: bool, activation: i32): void {
  const hidden = L.hidden, rows = L.trainRows, modulus = L.modulus;
  const rowBytes = <usize>L.paddedHidden << 2, targetRowBytes = <usize>hidden << 2;
  const weights = fromSnapshot ? L.firstLayerSnapshot : L.firstLayer;
  const buffer = L.rowScratch0;
  for (let i = 0; i < rows; i++) {
    const a = weights + <usize>load<i32>(L.trainA + (<usize>i << 2)) * rowBytes;
    const b = weights + <usize>(modulus + load<i32>(L.trainB + (<usize>i << 2))) * rowBytes;
    for (let offset: usize = 0; offset < rowBytes; offset += 16) {
      v128.store(buffer + offset, activate(f32x4.add(v128.load(a + offset), v128.load(b + offset)), activation));
    }
    memory.copy(L.hiddenRows + <usize>i * targetRowBytes, buffer, targetRowBytes);
  }
}

/** Size of the layout block in bytes (the engine checks its field list against it). */
export function layoutBytes(): usize {
  return offsetof<Layout>();
}

/** First byte after the module's static data: the TypeScript side allocates above it. */
export function heapBase(): usize {
  return __heap_base;
}
