// The training step of the small Transformer (docs/science.md §12.1 and §12.3; docs/science.md
// "§12 The Transformer") in WebAssembly SIMD, float32: the three products of a Linear layer, and the
// element-wise parts (embedding gather and scatter-add, LayerNorm, the exact-erf GELU, two-token
// multi-head attention, softmax cross-entropy, AdamW, the squared norm of the clipping). The
// TypeScript side (src/training/transformer/wasmEngine.ts) plans every buffer, passes byte addresses
// and calls each kernel on bounded slices of work (ranges of octets or panels), so that V8's
// optimised code takes over after the first calls. Layouts and the call sequence: ./README.md,
// "transformer.ts".
//
// Layouts:
//  - **octet layout** of an activation matrix (rows × columns): the rows in groups of 8, each
//    group stored column by column, 8 floats (32 bytes) per column: element (i, c) at
//    ((i >> 3)·columns + c)·32 + (i & 7)·4. One v128 holds 4 rows of one column, so every
//    row-wise operation (LayerNorm, attention, softmax) is vertical SIMD over 8 rows with no
//    horizontal reductions, and the product kernels splat nothing from the activations.
//    Rows are position-major: position 0 of samples 0…B−1 (padded to a multiple of 8), then
//    position 1 of the same samples, so a sample's two tokens sit in the same lane of octets g
//    and g + B/8, and the last layer's position-0 rows are the first half.
//  - **panels** of a weight W (out × in, PyTorch's row-major layout): for the forward product,
//    panel q holds W[4q + c][k] at (q·in + k)·16 + c·4 (outputs ≥ out are zero); for the input
//    gradient, panel q holds W[o][4q + c] at (q·out + o)·16 + c·4. Re-packed from the
//    parameters before every forward pass (≈ 0.4 ms for all of them at the defaults).
//  - for the weight gradient dW = dYᵀX the kernels transpose dY into **row octets of dYᵀ**
//    (T[og][i][lane] = dY[i][8·og + lane]) and X into panels of 4 columns over the rows
//    (P[q][i][c] = X[i][4q + c]); dW is then the same register tile as the other two products,
//    stored transposed into PyTorch's layout.
//
// Every product runs one register tile: 8 rows (2 × f32x4) × 4 columns, 8 accumulators, per step
// 2 vector loads + 4 splat loads, 8 multiply-adds (fused in the relaxed-SIMD build). Larger tiles
// spill on V8's 15 usable xmm registers (./README.md, epoch.ts).

import { expSumVector, expVector, madd } from './simd';

/** Bytes of one column of an octet (8 float32 rows). */
const OCTET_BYTES: usize = 32;
/** Bytes of one step of a 4-wide panel. */
const STEP_BYTES: usize = 16;
/** Bytes of one 4-column panel's slice of an octet: 4 columns × 32 bytes. */
const TILE_BYTES: usize = 128;

/** Epilogues of the product tile (compile-time constants: each kernel folds its own). */
const EPILOGUE_LINEAR: i32 = 0;
const EPILOGUE_INPUT_GRADIENT: i32 = 1;
const EPILOGUE_GELU: i32 = 2;

// ---------------------------------------------------------------------------------------------
// Small helpers.

/** Σ of the 4 lanes of each of a, b, c, d as one vector (a's sum in lane 0). */
// @ts-ignore: decorator
@inline function laneSums(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/**
 * 4 × 4 transpose of the vectors at source, source + sourceStride, … into destination,
 * destination + destinationStride, …: destination row j holds lane j of every source row.
 */
// @ts-ignore: decorator
@inline function transpose4(source: usize, sourceStride: usize, destination: usize, destinationStride: usize): void {
  const r0 = v128.load(source), r1 = v128.load(source + sourceStride);
  const r2 = v128.load(source + 2 * sourceStride), r3 = v128.load(source + 3 * sourceStride);
  const low01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), high01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const low23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), high23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(destination, v128.shuffle<f32>(low01, low23, 0, 1, 4, 5));
  v128.store(destination + destinationStride, v128.shuffle<f32>(low01, low23, 2, 3, 6, 7));
  v128.store(destination + 2 * destinationStride, v128.shuffle<f32>(high01, high23, 0, 1, 4, 5));
  v128.store(destination + 3 * destinationStride, v128.shuffle<f32>(high01, high23, 2, 3, 6, 7));
}

/**
 * Stores the transpose of the 4 × 4 block (r0 … r3 are columns, lanes are rows) as `count` ≤ 4 rows
 * of 4 floats, `stride` bytes apart: row j = lane j of r0 … r3.
 */
// @ts-ignore: decorator
@inline function storeTransposed(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, stride: usize, count: i32): void {
  const low01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), high01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const low23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), high23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  if (count >= 4) {
    v128.store(out, v128.shuffle<f32>(low01, low23, 0, 1, 4, 5));
    v128.store(out + stride, v128.shuffle<f32>(low01, low23, 2, 3, 6, 7));
    v128.store(out + 2 * stride, v128.shuffle<f32>(high01, high23, 0, 1, 4, 5));
    v128.store(out + 3 * stride, v128.shuffle<f32>(high01, high23, 2, 3, 6, 7));
    return;
  }
  if (count > 0) v128.store(out, v128.shuffle<f32>(low01, low23, 0, 1, 4, 5));
  if (count > 1) v128.store(out + stride, v128.shuffle<f32>(low01, low23, 2, 3, 6, 7));
  if (count > 2) v128.store(out + 2 * stride, v128.shuffle<f32>(high01, high23, 0, 1, 4, 5));
}

// ---------------------------------------------------------------------------------------------
// The exact GELU, z·Φ(z), and its derivative Φ(z) + z·φ(z).

/**
 * The GELU's constants, read with load32_splat from this static table (see simd.ts's
 * EXP_CONSTANTS: V8 builds each splatted constant in three instructions). Entries 0–9: the
 * coefficients c₀ … c₉ of p(q) ≈ (1 + 2a)·erfcx(a), q = (a − 2)/(a + 2), erfcx(a) = e^{a²}·erfc(a):
 * a degree-9 polynomial fitted (weighted least squares for relative error, float64) on q ∈ [−1,
 * 2/3], i.e. a ∈ [0, 10]; its own relative error is 1.3e−8. The substitution maps a ∈ [0, ∞) to
 * q ∈ [−1, 1), where (1 + 2a)·erfcx(a) is smooth and bounded (N. Juffa's construction for erfcf).
 * Then 1/√2, 2, 1, −1/2, −87, 1/2, 1/√(2π), and the bit mask that keeps 12 leading bits.
 */
const GELU_CONSTANTS: usize = memory.data<f32>([
  1.27697837, -0.0927639753, -0.166031390, 0.164055273, -0.0542047136,
  -0.00805960037, 0.00863327459, 0.00131372502, -0.00123188051, -0.000401717902,
  0.707106781, 2.0, 1.0, -0.5, -87.0, 0.5, 0.398942280, reinterpret<f32>(0xFFFFF000),
], 16);

/**
 * GELU and its derivative per lane, float32, branch-free, with one exponential:
 *   a = |z|/√2, erfc(a) = e^{−a²}·p(q)/(1 + 2a), Φ(z) = 1 − erfc(a)/2 for z ≥ 0, erfc(a)/2 below;
 *   φ(z) = e^{−z²/2}/√(2π).
 * e^{−z²/2} is computed from z² split exactly (z = zh + zl with zh's 12 leading bits, so zh² is
 * exact and z² = zh² + zl·(z + zh)) and expSumVector, which keeps the error of e^{−z²/2} at about
 * 1 ulp instead of z²·2⁻²⁴. Beyond z²/2 > 87 (|z| > 13.2) e^{−z²/2} is flushed to 0 (Φ is 0 or 1
 * in float32 there).
 * Accuracy, measured on 2²⁰ points of [−13, 13] against float64 (the reference's erf, and a
 * continued fraction in the negative tail; test/unit/transformerWasmEngine.test.ts): gelu relative
 * error ≤ 3.0e−7 (5 float32 ulp) wherever |z| ≥ 1e−3 and gelu is a normal float32, the far negative
 * tail included (a float32 1 + erf(z/√2) would lose all digits there); gelu absolute error ≤
 * 9.2e−8·max(1, |z|); gelu' absolute error ≤ 1.5e−7; the same bounds in both builds (the relaxed
 * one fuses the polynomial's multiply-adds).
 * Two vectors at a time, their operations interleaved: each alone is one long dependency chain
 * (two divisions, the polynomial, the exponential), and the interleaved pair ran 30 % faster than
 * two calls in a row (V8 keeps the order of the operations; the core's scheduler then has two
 * independent chains to overlap). Writes gelu(z0), gelu(z1) at out, out + 16 and gelu' at
 * derivative, derivative + 16.
 */
// @ts-ignore: decorator
@inline function geluPair(z0: v128, z1: v128, out: usize, derivative: usize): void {
  const c = GELU_CONSTANTS;
  const two = v128.load32_splat(c, 44), one = v128.load32_splat(c, 48), minusHalf = v128.load32_splat(c, 52);
  const a0 = f32x4.mul(f32x4.abs(z0), v128.load32_splat(c, 40));
  const a1 = f32x4.mul(f32x4.abs(z1), v128.load32_splat(c, 40));
  const q0 = f32x4.div(f32x4.sub(a0, two), f32x4.add(a0, two));
  const q1 = f32x4.div(f32x4.sub(a1, two), f32x4.add(a1, two));
  // Horner's scheme from c₉ down to c₀ (written out: V8 does not unroll it).
  let p0 = v128.load32_splat(c, 36), p1 = p0;
  let coefficient = v128.load32_splat(c, 32);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c, 28);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c, 24);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c, 20);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c, 16);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c, 12);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c, 8);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c, 4);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  coefficient = v128.load32_splat(c);
  p0 = madd(p0, q0, coefficient); p1 = madd(p1, q1, coefficient);
  const scaled0 = f32x4.div(p0, f32x4.add(f32x4.add(a0, a0), one));
  const scaled1 = f32x4.div(p1, f32x4.add(f32x4.add(a1, a1), one));
  // −z²/2 = −zh²/2 − zl·(z + zh)/2, the first term exact.
  const mask = v128.load32_splat(c, 68);
  const high0 = v128.and(z0, mask), high1 = v128.and(z1, mask);
  const low0 = f32x4.sub(z0, high0), low1 = f32x4.sub(z1, high1);
  const square0 = f32x4.mul(f32x4.mul(high0, high0), minusHalf);
  const square1 = f32x4.mul(f32x4.mul(high1, high1), minusHalf);
  const correction0 = f32x4.mul(f32x4.mul(low0, f32x4.add(z0, high0)), minusHalf);
  const correction1 = f32x4.mul(f32x4.mul(low1, f32x4.add(z1, high1)), minusHalf);
  const limit = v128.load32_splat(c, 56);
  const gaussian0 = v128.andnot(expSumVector(square0, correction0), f32x4.lt(square0, limit));
  const gaussian1 = v128.andnot(expSumVector(square1, correction1), f32x4.lt(square1, limit));
  const half = v128.load32_splat(c, 60);
  const tail0 = f32x4.mul(f32x4.mul(scaled0, gaussian0), half);
  const tail1 = f32x4.mul(f32x4.mul(scaled1, gaussian1), half);
  const zero = f32x4.splat(0);
  const phi0 = v128.bitselect(f32x4.sub(one, tail0), tail0, f32x4.ge(z0, zero));
  const phi1 = v128.bitselect(f32x4.sub(one, tail1), tail1, f32x4.ge(z1, zero));
  v128.store(out, f32x4.mul(z0, phi0));
  v128.store(out, f32x4.mul(z1, phi1), 16);
  const density = v128.load32_splat(c, 64);
  v128.store(derivative, f32x4.add(phi0, f32x4.mul(z0, f32x4.mul(gaussian0, density))));
  v128.store(derivative, f32x4.add(phi1, f32x4.mul(z1, f32x4.mul(gaussian1, density))), 16);
}

/** gelu and gelu' of `count` floats (a multiple of 8) at z: for the unit test of the approximation. */
export function geluValues(z: usize, count: i32, out: usize, derivative: usize): void {
  for (let offset: usize = 0; offset < (<usize>count << 2); offset += 32) {
    geluPair(v128.load(z + offset), v128.load(z + offset, 16), out + offset, derivative + offset);
  }
}

// ---------------------------------------------------------------------------------------------
// Products.

/**
 * Forward panels of W (rows × columns, row-major): panel q holds W[4q + c][k] at
 * destination + (q·columns + k)·16 + c·4, zero for 4q + c ≥ rows. Panels [panelStart, panelEnd).
 */
export function packForwardPanels(w: usize, rows: i32, columns: i32, destination: usize, panelStart: i32, panelEnd: i32): void {
  const rowBytes = <usize>columns << 2;
  const vectorColumns = columns & ~3;
  for (let q = panelStart; q < panelEnd; q++) {
    const out = destination + <usize>q * <usize>columns * STEP_BYTES;
    const first = q << 2;
    if (first + 4 <= rows && vectorColumns == columns) {
      const source = w + <usize>first * rowBytes;
      for (let k = 0; k < columns; k += 4) transpose4(source + (<usize>k << 2), rowBytes, out + (<usize>k << 4), STEP_BYTES);
      continue;
    }
    for (let c = 0; c < 4; c++) {
      const row = first + c;
      const target = out + (<usize>c << 2);
      const source = w + <usize>row * rowBytes;
      for (let k = 0; k < columns; k++) store<f32>(target + (<usize>k << 4), row < rows ? load<f32>(source + (<usize>k << 2)) : 0);
    }
  }
}

/**
 * Input-gradient panels of W (rows × columns, row-major, columns a multiple of 4): panel q holds
 * W[o][4q + c] at destination + (q·rows + o)·16 + c·4. Panels [panelStart, panelEnd).
 */
export function packInputPanels(w: usize, rows: i32, columns: i32, destination: usize, panelStart: i32, panelEnd: i32): void {
  const rowBytes = <usize>columns << 2;
  for (let q = panelStart; q < panelEnd; q++) {
    const out = destination + <usize>q * <usize>rows * STEP_BYTES;
    const source = w + (<usize>q << 4);
    for (let o = 0; o < rows; o++) v128.store(out + (<usize>o << 4), v128.load(source + <usize>o * rowBytes));
  }
}

/**
 * The register tile: for one octet of A (`x`: its step s at x + 32·s) and one panel (`p`: step s at
 * p + 16·s), acc[c] = Σ_s A[s] · P[s][c] over `steps` steps, then the epilogue `kind` writes the
 * 4 columns × 8 rows at `out` (column c at out + 32·c):
 *  - EPILOGUE_LINEAR: acc + bias[c] (if first ≠ 0: the panel's 4 biases) + residual (if second ≠ 0:
 *    the same tile of another octet-layout matrix), PyTorch's order ((X·Wᵀ + b) + residual);
 *  - EPILOGUE_INPUT_GRADIENT: acc ⊙ multiplier (if first ≠ 0: a tile), plus the tile already at
 *    `out` when `accumulate`;
 *  - EPILOGUE_GELU: z = acc + bias (first ≠ 0), then gelu(z) at out and gelu'(z) at `second`.
 */
// @ts-ignore: decorator
@inline function productTile(x: usize, p: usize, steps: i32, out: usize, first: usize, second: usize, accumulate: bool, kind: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const end = p + <usize>steps * STEP_BYTES;
  while (p < end) {
    const x0 = v128.load(x), x1 = v128.load(x, 16);
    let w = v128.load32_splat(p);
    c00 = madd(x0, w, c00); c01 = madd(x1, w, c01);
    w = v128.load32_splat(p, 4);
    c10 = madd(x0, w, c10); c11 = madd(x1, w, c11);
    w = v128.load32_splat(p, 8);
    c20 = madd(x0, w, c20); c21 = madd(x1, w, c21);
    w = v128.load32_splat(p, 12);
    c30 = madd(x0, w, c30); c31 = madd(x1, w, c31);
    x += OCTET_BYTES;
    p += STEP_BYTES;
  }
  if (kind == EPILOGUE_INPUT_GRADIENT) {
    if (first != 0) {
      c00 = f32x4.mul(c00, v128.load(first)); c01 = f32x4.mul(c01, v128.load(first, 16));
      c10 = f32x4.mul(c10, v128.load(first, 32)); c11 = f32x4.mul(c11, v128.load(first, 48));
      c20 = f32x4.mul(c20, v128.load(first, 64)); c21 = f32x4.mul(c21, v128.load(first, 80));
      c30 = f32x4.mul(c30, v128.load(first, 96)); c31 = f32x4.mul(c31, v128.load(first, 112));
    }
    if (accumulate) {
      c00 = f32x4.add(v128.load(out), c00); c01 = f32x4.add(v128.load(out, 16), c01);
      c10 = f32x4.add(v128.load(out, 32), c10); c11 = f32x4.add(v128.load(out, 48), c11);
      c20 = f32x4.add(v128.load(out, 64), c20); c21 = f32x4.add(v128.load(out, 80), c21);
      c30 = f32x4.add(v128.load(out, 96), c30); c31 = f32x4.add(v128.load(out, 112), c31);
    }
  } else if (first != 0) {
    let b = v128.load32_splat(first);
    c00 = f32x4.add(c00, b); c01 = f32x4.add(c01, b);
    b = v128.load32_splat(first, 4);
    c10 = f32x4.add(c10, b); c11 = f32x4.add(c11, b);
    b = v128.load32_splat(first, 8);
    c20 = f32x4.add(c20, b); c21 = f32x4.add(c21, b);
    b = v128.load32_splat(first, 12);
    c30 = f32x4.add(c30, b); c31 = f32x4.add(c31, b);
  }
  if (kind == EPILOGUE_LINEAR && second != 0) {
    c00 = f32x4.add(c00, v128.load(second)); c01 = f32x4.add(c01, v128.load(second, 16));
    c10 = f32x4.add(c10, v128.load(second, 32)); c11 = f32x4.add(c11, v128.load(second, 48));
    c20 = f32x4.add(c20, v128.load(second, 64)); c21 = f32x4.add(c21, v128.load(second, 80));
    c30 = f32x4.add(c30, v128.load(second, 96)); c31 = f32x4.add(c31, v128.load(second, 112));
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(out, c10, 32); v128.store(out, c11, 48);
  v128.store(out, c20, 64); v128.store(out, c21, 80);
  v128.store(out, c30, 96); v128.store(out, c31, 112);
  if (kind == EPILOGUE_GELU) {
    for (let offset: usize = 0; offset < TILE_BYTES; offset += 32) geluPair(v128.load(out + offset), v128.load(out + offset, 16), out + offset, second + offset);
  }
}

/**
 * Y = X·Wᵀ + b (+ R): octets [octetStart, octetEnd) of the octet-layout X (xColumns columns, the
 * first `steps` = in of them used), forward panels [panelStart, panelEnd) of W (in steps each), into
 * Y (yColumns columns; panel q writes columns 4q … 4q + 3). bias (4·panels floats, zero-padded) and
 * the residual R (octet layout, yColumns columns) are optional (address 0).
 */
export function linearForward(
  x: usize, xColumns: i32, steps: i32, panels: usize, panelStart: i32, panelEnd: i32,
  y: usize, yColumns: i32, octetStart: i32, octetEnd: i32, bias: usize, residual: usize,
): void {
  const xOctetBytes = <usize>xColumns * OCTET_BYTES, yOctetBytes = <usize>yColumns * OCTET_BYTES;
  const panelBytes = <usize>steps * STEP_BYTES;
  for (let g = octetStart; g < octetEnd; g++) {
    const row = x + <usize>g * xOctetBytes;
    const tileOffset = <usize>g * yOctetBytes;
    for (let q = panelStart; q < panelEnd; q++) {
      const column = <usize>q * TILE_BYTES;
      productTile(row, panels + <usize>q * panelBytes, steps, y + tileOffset + column,
        bias != 0 ? bias + (<usize>q << 4) : 0, residual != 0 ? residual + tileOffset + column : 0, false, EPILOGUE_LINEAR);
    }
  }
}

/**
 * G = gelu(X·Wᵀ + b) and D = gelu'(X·Wᵀ + b) (geluPair): as linearForward, D in the layout of G.
 * The pre-activation itself is not kept: the backward pass needs only D.
 */
export function linearForwardGelu(
  x: usize, xColumns: i32, steps: i32, panels: usize, panelStart: i32, panelEnd: i32,
  g: usize, gColumns: i32, octetStart: i32, octetEnd: i32, bias: usize, derivative: usize,
): void {
  const xOctetBytes = <usize>xColumns * OCTET_BYTES, gOctetBytes = <usize>gColumns * OCTET_BYTES;
  const panelBytes = <usize>steps * STEP_BYTES;
  for (let octet = octetStart; octet < octetEnd; octet++) {
    const row = x + <usize>octet * xOctetBytes;
    const tileOffset = <usize>octet * gOctetBytes;
    for (let q = panelStart; q < panelEnd; q++) {
      const column = <usize>q * TILE_BYTES;
      productTile(row, panels + <usize>q * panelBytes, steps, g + tileOffset + column,
        bias != 0 ? bias + (<usize>q << 4) : 0, derivative + tileOffset + column, false, EPILOGUE_GELU);
    }
  }
}

/**
 * dX (=|+=) (dY·W) (⊙ M): octets [octetStart, octetEnd) of the octet-layout dY (dyColumns columns),
 * the steps [stepStart, stepStart + steps) of it (outputs o of W), input panels [panelStart,
 * panelEnd) of W (panelSteps = out steps each) into dX (dxColumns columns). The multiplier M
 * (octet layout like dX: gelu' for the feed-forward block) is optional (address 0); `accumulate`
 * adds to dX instead of storing.
 */
export function linearInputGradient(
  dy: usize, dyColumns: i32, stepStart: i32, steps: i32, panels: usize, panelSteps: i32, panelStart: i32, panelEnd: i32,
  dx: usize, dxColumns: i32, octetStart: i32, octetEnd: i32, multiplier: usize, accumulate: bool,
): void {
  const dyOctetBytes = <usize>dyColumns * OCTET_BYTES, dxOctetBytes = <usize>dxColumns * OCTET_BYTES;
  const panelBytes = <usize>panelSteps * STEP_BYTES;
  const stepOffset = <usize>stepStart * STEP_BYTES;
  for (let g = octetStart; g < octetEnd; g++) {
    const row = dy + <usize>g * dyOctetBytes + <usize>stepStart * OCTET_BYTES;
    const tileOffset = <usize>g * dxOctetBytes;
    for (let q = panelStart; q < panelEnd; q++) {
      const column = <usize>q * TILE_BYTES;
      productTile(row, panels + <usize>q * panelBytes + stepOffset, steps, dx + tileOffset + column,
        multiplier != 0 ? multiplier + tileOffset + column : 0, 0, accumulate, EPILOGUE_INPUT_GRADIENT);
    }
  }
}

/**
 * Row octets of Yᵀ: T[og][i][lane] = Y[i][8·og + lane] (at t + (og·tRows + i)·32 + lane·4) from the
 * octet-layout Y (columns a multiple of 8), for the rows of octets [octetStart, octetEnd).
 */
export function transposeOctets(y: usize, columns: i32, t: usize, tRows: i32, octetStart: i32, octetEnd: i32): void {
  const yOctetBytes = <usize>columns * OCTET_BYTES;
  const tOctetBytes = <usize>tRows * OCTET_BYTES;
  const groups = columns >> 3;
  for (let g = octetStart; g < octetEnd; g++) {
    const source = y + <usize>g * yOctetBytes;
    const target = t + (<usize>g << 8);
    for (let og = 0; og < groups; og++) {
      // 8 columns × 8 rows: (column o, row l) at s + 32·o + 4·l goes to d + 32·l + 4·o.
      const s = source + (<usize>og << 8);
      const d = target + <usize>og * tOctetBytes;
      transpose4(s, OCTET_BYTES, d, OCTET_BYTES);
      transpose4(s + 16, OCTET_BYTES, d + 128, OCTET_BYTES);
      transpose4(s + 128, OCTET_BYTES, d + 16, OCTET_BYTES);
      transpose4(s + 144, OCTET_BYTES, d + 144, OCTET_BYTES);
    }
  }
}

/**
 * Panels of 4 columns over the rows: P[q][i][c] = X[i][4q + c] (at p + (q·pRows + i)·16 + c·4)
 * from the octet-layout X (columns a multiple of 4), for the rows of octets [octetStart, octetEnd).
 */
export function packRowPanels(x: usize, columns: i32, p: usize, pRows: i32, octetStart: i32, octetEnd: i32): void {
  const xOctetBytes = <usize>columns * OCTET_BYTES;
  const panelBytes = <usize>pRows * STEP_BYTES;
  const panels = columns >> 2;
  for (let g = octetStart; g < octetEnd; g++) {
    const source = x + <usize>g * xOctetBytes;
    const target = p + (<usize>g << 7);
    for (let q = 0; q < panels; q++) {
      const s = source + <usize>q * TILE_BYTES;
      const d = target + <usize>q * panelBytes;
      transpose4(s, OCTET_BYTES, d, STEP_BYTES);
      transpose4(s + 16, OCTET_BYTES, d + 64, STEP_BYTES);
    }
  }
}

/**
 * dW = dYᵀ·X in PyTorch's layout (rows × ldw floats, row-major), stored: dW[8·og + lane][4q + c] =
 * Σ_{i ∈ [stepStart, stepStart + steps)} T[og][i][lane] · P[q][i][c] for o-octets [ogStart, ogEnd)
 * and column panels [panelStart, panelEnd), rows ≥ `rows` not written. T (tRows steps per o-octet)
 * from transposeOctets(dY), P (pRows steps per panel) from packRowPanels(X).
 */
export function weightGradient(
  t: usize, tRows: i32, p: usize, pRows: i32, stepStart: i32, steps: i32,
  dw: usize, ldw: i32, rows: i32, ogStart: i32, ogEnd: i32, panelStart: i32, panelEnd: i32,
): void {
  const tOctetBytes = <usize>tRows * OCTET_BYTES;
  const panelBytes = <usize>pRows * STEP_BYTES;
  const ldwBytes = <usize>ldw << 2;
  for (let og = ogStart; og < ogEnd; og++) {
    const row = t + <usize>og * tOctetBytes + <usize>stepStart * OCTET_BYTES;
    const out = dw + (<usize>og << 3) * ldwBytes;
    const firstCount = min(4, rows - (og << 3)), secondCount = min(4, rows - (og << 3) - 4);
    for (let q = panelStart; q < panelEnd; q++) {
      let x = row;
      let pp = p + <usize>q * panelBytes + <usize>stepStart * STEP_BYTES;
      let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const end = pp + <usize>steps * STEP_BYTES;
      while (pp < end) {
        const x0 = v128.load(x), x1 = v128.load(x, 16);
        let w = v128.load32_splat(pp);
        c00 = madd(x0, w, c00); c01 = madd(x1, w, c01);
        w = v128.load32_splat(pp, 4);
        c10 = madd(x0, w, c10); c11 = madd(x1, w, c11);
        w = v128.load32_splat(pp, 8);
        c20 = madd(x0, w, c20); c21 = madd(x1, w, c21);
        w = v128.load32_splat(pp, 12);
        c30 = madd(x0, w, c30); c31 = madd(x1, w, c31);
        x += OCTET_BYTES;
        pp += STEP_BYTES;
      }
      // Lanes are rows o, c{k}{half} column k: transpose into rows.
      const target = out + (<usize>q << 4);
      storeTransposed(c00, c10, c20, c30, target, ldwBytes, firstCount);
      storeTransposed(c01, c11, c21, c31, target + 4 * ldwBytes, ldwBytes, secondCount);
    }
  }
}

/**
 * Bias gradient: out[8·og + lane] = Σ_{i ∈ [stepStart, stepStart + steps)} T[og][i][lane] (stored),
 * for o-octets [ogStart, ogEnd), entries ≥ `rows` not written. T from transposeOctets(dY). The two
 * halves of the step range are summed separately and then added: when they are the two positions
 * of the same samples and dY of one is the negation of the other's (the keys' gradients, dK_1 =
 * −dK_0), the sum is exactly 0, as the in_proj K bias's gradient is mathematically (softmax does
 * not change when every score of a query moves by the same q·b_K).
 */
export function rowSums(t: usize, tRows: i32, stepStart: i32, steps: i32, out: usize, rows: i32, ogStart: i32, ogEnd: i32): void {
  const tOctetBytes = <usize>tRows * OCTET_BYTES;
  const halfBytes = <usize>(steps >> 1) * OCTET_BYTES;
  for (let og = ogStart; og < ogEnd; og++) {
    const first = t + <usize>og * tOctetBytes + <usize>stepStart * OCTET_BYTES;
    const second = first + halfBytes;
    const end = first + <usize>steps * OCTET_BYTES;
    let low = f32x4.splat(0), high = low, secondLow = low, secondHigh = low;
    for (let x = first; x < second; x += OCTET_BYTES) {
      low = f32x4.add(low, v128.load(x));
      high = f32x4.add(high, v128.load(x, 16));
    }
    for (let x = second; x < end; x += OCTET_BYTES) {
      secondLow = f32x4.add(secondLow, v128.load(x));
      secondHigh = f32x4.add(secondHigh, v128.load(x, 16));
    }
    low = f32x4.add(low, secondLow);
    high = f32x4.add(high, secondHigh);
    const o = og << 3;
    const target = out + (<usize>o << 2);
    if (o + 8 <= rows) {
      v128.store(target, low);
      v128.store(target, high, 16);
    } else {
      for (let lane = 0; lane < 8 && o + lane < rows; lane++) {
        store<f32>(target + (<usize>lane << 2), lane < 4 ? laneOf(low, lane) : laneOf(high, lane - 4));
      }
    }
  }
}

/** Lane `lane` (0…3, a run-time value) of v. */
// @ts-ignore: decorator
@inline function laneOf(v: v128, lane: i32): f32 {
  return lane == 0 ? f32x4.extract_lane(v, 0) : lane == 1 ? f32x4.extract_lane(v, 1) : lane == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
}

/**
 * out[c] (=|+=) Σ_lanes partials[c][lane] for c < columns: the per-column partial sums of 8 lanes
 * (32 bytes per column) that the LayerNorm and embedding backward kernels accumulate.
 */
export function reducePartials(partials: usize, columns: i32, out: usize, accumulate: bool): void {
  let c = 0;
  for (; c + 4 <= columns; c += 4) {
    const s = partials + (<usize>c << 5);
    const sums = laneSums(
      f32x4.add(v128.load(s), v128.load(s, 16)), f32x4.add(v128.load(s, 32), v128.load(s, 48)),
      f32x4.add(v128.load(s, 64), v128.load(s, 80)), f32x4.add(v128.load(s, 96), v128.load(s, 112)));
    const target = out + (<usize>c << 2);
    v128.store(target, accumulate ? f32x4.add(v128.load(target), sums) : sums);
  }
  for (; c < columns; c++) {
    const s = partials + (<usize>c << 5);
    const v = f32x4.add(v128.load(s), v128.load(s, 16));
    const sum = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 2)) + (f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 3));
    const target = out + (<usize>c << 2);
    store<f32>(target, accumulate ? load<f32>(target) + sum : sum);
  }
}

// ---------------------------------------------------------------------------------------------
// Row gathers and scatter-adds between row-major tables and the octet layout: the embedding
// (token rows plus a position row), and the first layer's per-token rows (wasmEngine.ts, "unique
// rows"). Octet g < positionOctets holds position 0 of samples 8g … 8g + 7 (index array `a`, table
// `tableA`), octet g ≥ positionOctets position 1 of samples 8(g − positionOctets) … (index array
// `b`, table `tableB`). Index arrays are i32 and cover the padded samples.

/**
 * X[row] = table_p[index of row] (+ positionRows[p] when positionRows ≠ 0) for the octets
 * [octetStart, octetEnd) of the octet-layout X (columns a multiple of 4; table rows of `columns`
 * floats, row-major); rows of samples ≥ count are zero. The embedding is tableA = tableB = tok_emb,
 * positionRows = pos_emb.
 */
export function gatherRows(
  a: usize, b: usize, count: i32, positionOctets: i32, tableA: usize, tableB: usize, positionRows: usize,
  columns: i32, x: usize, octetStart: i32, octetEnd: i32,
): void {
  const rowBytes = <usize>columns << 2;
  const xOctetBytes = <usize>columns * OCTET_BYTES;
  for (let g = octetStart; g < octetEnd; g++) {
    const second = g >= positionOctets;
    const sampleOctet = second ? g - positionOctets : g;
    const indices = (second ? b : a) + (<usize>sampleOctet << 5);
    const valid = i32x4.splat(count - (sampleOctet << 3));
    const keepLow = i32x4.gt_s(valid, i32x4(0, 1, 2, 3)), keepHigh = i32x4.gt_s(valid, i32x4(4, 5, 6, 7));
    const table = second ? tableB : tableA;
    const position = positionRows != 0 ? positionRows + (second ? rowBytes : 0) : 0;
    const r0 = table + <usize>load<i32>(indices) * rowBytes, r1 = table + <usize>load<i32>(indices, 4) * rowBytes;
    const r2 = table + <usize>load<i32>(indices, 8) * rowBytes, r3 = table + <usize>load<i32>(indices, 12) * rowBytes;
    const r4 = table + <usize>load<i32>(indices, 16) * rowBytes, r5 = table + <usize>load<i32>(indices, 20) * rowBytes;
    const r6 = table + <usize>load<i32>(indices, 24) * rowBytes, r7 = table + <usize>load<i32>(indices, 28) * rowBytes;
    const out = x + <usize>g * xOctetBytes;
    for (let offset: usize = 0; offset < rowBytes; offset += 16) {
      const t = out + (offset << 3);
      // Rows 0–3 and 4–7 of columns offset/4 … offset/4 + 3, transposed to columns of lanes.
      const a0 = v128.load(r0 + offset), a1 = v128.load(r1 + offset), a2 = v128.load(r2 + offset), a3 = v128.load(r3 + offset);
      const b0 = v128.load(r4 + offset), b1 = v128.load(r5 + offset), b2 = v128.load(r6 + offset), b3 = v128.load(r7 + offset);
      let low01 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), high01 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
      let low23 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), high23 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
      let c0 = v128.shuffle<f32>(low01, low23, 0, 1, 4, 5), c1 = v128.shuffle<f32>(low01, low23, 2, 3, 6, 7);
      let c2 = v128.shuffle<f32>(high01, high23, 0, 1, 4, 5), c3 = v128.shuffle<f32>(high01, high23, 2, 3, 6, 7);
      low01 = v128.shuffle<f32>(b0, b1, 0, 4, 1, 5); high01 = v128.shuffle<f32>(b0, b1, 2, 6, 3, 7);
      low23 = v128.shuffle<f32>(b2, b3, 0, 4, 1, 5); high23 = v128.shuffle<f32>(b2, b3, 2, 6, 3, 7);
      let d0 = v128.shuffle<f32>(low01, low23, 0, 1, 4, 5), d1 = v128.shuffle<f32>(low01, low23, 2, 3, 6, 7);
      let d2 = v128.shuffle<f32>(high01, high23, 0, 1, 4, 5), d3 = v128.shuffle<f32>(high01, high23, 2, 3, 6, 7);
      if (position != 0) {
        let p = v128.load32_splat(position + offset);
        c0 = f32x4.add(c0, p); d0 = f32x4.add(d0, p);
        p = v128.load32_splat(position + offset, 4);
        c1 = f32x4.add(c1, p); d1 = f32x4.add(d1, p);
        p = v128.load32_splat(position + offset, 8);
        c2 = f32x4.add(c2, p); d2 = f32x4.add(d2, p);
        p = v128.load32_splat(position + offset, 12);
        c3 = f32x4.add(c3, p); d3 = f32x4.add(d3, p);
      }
      v128.store(t, v128.and(c0, keepLow)); v128.store(t, v128.and(d0, keepHigh), 16);
      v128.store(t, v128.and(c1, keepLow), 32); v128.store(t, v128.and(d1, keepHigh), 48);
      v128.store(t, v128.and(c2, keepLow), 64); v128.store(t, v128.and(d2, keepHigh), 80);
      v128.store(t, v128.and(c3, keepLow), 96); v128.store(t, v128.and(d3, keepHigh), 112);
    }
  }
}

/**
 * The transpose of gatherRows: table_p[index of row] += dX[row] for the rows of samples < count,
 * in row order (octet, then lane), from the octet-layout dX (columns a multiple of 4), and with
 * positionPartials ≠ 0 the per-position partial column sums positionPartials[p][c][lane] += dX[row][c]
 * (the same rows; reducePartials finishes them). Octets [octetStart,
 * octetEnd); `scratch` holds 8 rows × columns floats. The embedding's backward is tableA = tableB
 * = dtok_emb with the partials of dpos_emb.
 */
export function scatterAddRows(
  dx: usize, columns: i32, a: usize, b: usize, count: i32, positionOctets: i32, tableA: usize, tableB: usize,
  positionPartials: usize, scratch: usize, octetStart: i32, octetEnd: i32,
): void {
  const rowBytes = <usize>columns << 2;
  const xOctetBytes = <usize>columns * OCTET_BYTES;
  for (let g = octetStart; g < octetEnd; g++) {
    const second = g >= positionOctets;
    const sampleOctet = second ? g - positionOctets : g;
    const indices = (second ? b : a) + (<usize>sampleOctet << 5);
    const table = second ? tableB : tableA;
    const source = dx + <usize>g * xOctetBytes;
    if (positionPartials != 0) {
      const partials = positionPartials + (second ? xOctetBytes : 0);
      const valid = i32x4.splat(count - (sampleOctet << 3));
      const keepLow = i32x4.gt_s(valid, i32x4(0, 1, 2, 3)), keepHigh = i32x4.gt_s(valid, i32x4(4, 5, 6, 7));
      for (let offset: usize = 0; offset < xOctetBytes; offset += 32) {
        v128.store(partials + offset, f32x4.add(v128.load(partials + offset), v128.and(v128.load(source + offset), keepLow)));
        v128.store(partials + offset, f32x4.add(v128.load(partials + offset, 16), v128.and(v128.load(source + offset, 16), keepHigh)), 16);
      }
    }
    for (let c: usize = 0; c < <usize>columns; c += 4) {
      const s = source + (c << 5);
      transpose4(s, OCTET_BYTES, scratch + (c << 2), rowBytes);
      transpose4(s + 16, OCTET_BYTES, scratch + 4 * rowBytes + (c << 2), rowBytes);
    }
    const valid = min(8, count - (sampleOctet << 3));
    for (let lane = 0; lane < valid; lane++) {
      const row = scratch + <usize>lane * rowBytes;
      const target = table + <usize>load<i32>(indices + (<usize>lane << 2)) * rowBytes;
      for (let offset: usize = 0; offset < rowBytes; offset += 16) {
        v128.store(target + offset, f32x4.add(v128.load(target + offset), v128.load(row + offset)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// LayerNorm (biased variance, ε), rows in octet layout.

/**
 * Y = (X − mean)·rstd·γ + β per row, rstd = 1/√(var + ε), for octets [octetStart, octetEnd) of the
 * octet-layout X (columns = the normalised width); Y in the same layout. stats receives, per
 * octet, mean (8 floats) then rstd (8 floats) at stats + 64·g. Two passes (mean, then the
 * centred squares) in float32.
 */
export function layerNormForward(
  x: usize, columns: i32, gamma: usize, beta: usize, eps: f32, y: usize, stats: usize, octetStart: i32, octetEnd: i32,
): void {
  const octetBytes = <usize>columns * OCTET_BYTES;
  const inverse = f32x4.splat(<f32>1.0 / <f32>columns);
  for (let g = octetStart; g < octetEnd; g++) {
    const row = x + <usize>g * octetBytes;
    const end = row + octetBytes;
    let s0 = f32x4.splat(0), s1 = s0;
    for (let p = row; p < end; p += OCTET_BYTES) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
    }
    const mean0 = f32x4.mul(s0, inverse), mean1 = f32x4.mul(s1, inverse);
    let v0 = f32x4.splat(0), v1 = v0;
    for (let p = row; p < end; p += OCTET_BYTES) {
      const d0 = f32x4.sub(v128.load(p), mean0), d1 = f32x4.sub(v128.load(p, 16), mean1);
      v0 = f32x4.add(v0, f32x4.mul(d0, d0));
      v1 = f32x4.add(v1, f32x4.mul(d1, d1));
    }
    const e = f32x4.splat(eps), one = f32x4.splat(1.0);
    const rstd0 = f32x4.div(one, f32x4.sqrt(f32x4.add(f32x4.mul(v0, inverse), e)));
    const rstd1 = f32x4.div(one, f32x4.sqrt(f32x4.add(f32x4.mul(v1, inverse), e)));
    const s = stats + (<usize>g << 6);
    v128.store(s, mean0); v128.store(s, mean1, 16); v128.store(s, rstd0, 32); v128.store(s, rstd1, 48);
    let out = y + <usize>g * octetBytes;
    let k: usize = 0;
    for (let p = row; p < end; p += OCTET_BYTES) {
      const scale = v128.load32_splat(gamma + k), shift = v128.load32_splat(beta + k);
      v128.store(out, f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v128.load(p), mean0), rstd0), scale), shift));
      v128.store(out, f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(v128.load(p, 16), mean1), rstd1), scale), shift), 16);
      out += OCTET_BYTES;
      k += 4;
    }
  }
}

/**
 * LayerNorm backward for octets [octetStart, octetEnd): with x̂ = (x − mean)·rstd and g = dY·γ,
 *   dX = rstd·(g − mean(g) − x̂·mean(g·x̂)) + dR
 * (dR, the gradient arriving along the residual path, optional: address 0; dX may be dR or dY).
 * Accumulates dγ's and dβ's per-lane partial sums: partials[c] += dY·x̂, partials[columns + c] += dY
 * (8 lanes, 32 bytes per column; reducePartials finishes them).
 */
export function layerNormBackward(
  x: usize, columns: i32, gamma: usize, stats: usize, dy: usize, dr: usize, dx: usize, partials: usize,
  octetStart: i32, octetEnd: i32,
): void {
  const octetBytes = <usize>columns * OCTET_BYTES;
  const inverse = f32x4.splat(<f32>1.0 / <f32>columns);
  const shiftPartials = partials + octetBytes;
  for (let g = octetStart; g < octetEnd; g++) {
    const offset = <usize>g * octetBytes;
    const s = stats + (<usize>g << 6);
    const mean0 = v128.load(s), mean1 = v128.load(s, 16), rstd0 = v128.load(s, 32), rstd1 = v128.load(s, 48);
    let sumG0 = f32x4.splat(0), sumG1 = sumG0, sumGX0 = sumG0, sumGX1 = sumG0;
    for (let c: usize = 0; c < octetBytes; c += OCTET_BYTES) {
      const scale = v128.load32_splat(gamma + (c >> 3));
      const xh0 = f32x4.mul(f32x4.sub(v128.load(x + offset + c), mean0), rstd0);
      const xh1 = f32x4.mul(f32x4.sub(v128.load(x + offset + c, 16), mean1), rstd1);
      const d0 = v128.load(dy + offset + c), d1 = v128.load(dy + offset + c, 16);
      const g0 = f32x4.mul(d0, scale), g1 = f32x4.mul(d1, scale);
      sumG0 = f32x4.add(sumG0, g0); sumG1 = f32x4.add(sumG1, g1);
      sumGX0 = f32x4.add(sumGX0, f32x4.mul(g0, xh0)); sumGX1 = f32x4.add(sumGX1, f32x4.mul(g1, xh1));
      const p = partials + c, q = shiftPartials + c;
      v128.store(p, f32x4.add(v128.load(p), f32x4.mul(d0, xh0)));
      v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(d1, xh1)), 16);
      v128.store(q, f32x4.add(v128.load(q), d0));
      v128.store(q, f32x4.add(v128.load(q, 16), d1), 16);
    }
    const meanG0 = f32x4.mul(sumG0, inverse), meanG1 = f32x4.mul(sumG1, inverse);
    const meanGX0 = f32x4.mul(sumGX0, inverse), meanGX1 = f32x4.mul(sumGX1, inverse);
    for (let c: usize = 0; c < octetBytes; c += OCTET_BYTES) {
      const scale = v128.load32_splat(gamma + (c >> 3));
      const xh0 = f32x4.mul(f32x4.sub(v128.load(x + offset + c), mean0), rstd0);
      const xh1 = f32x4.mul(f32x4.sub(v128.load(x + offset + c, 16), mean1), rstd1);
      const g0 = f32x4.mul(v128.load(dy + offset + c), scale), g1 = f32x4.mul(v128.load(dy + offset + c, 16), scale);
      let r0 = f32x4.mul(f32x4.sub(f32x4.sub(g0, meanG0), f32x4.mul(xh0, meanGX0)), rstd0);
      let r1 = f32x4.mul(f32x4.sub(f32x4.sub(g1, meanG1), f32x4.mul(xh1, meanGX1)), rstd1);
      if (dr != 0) {
        r0 = f32x4.add(r0, v128.load(dr + offset + c));
        r1 = f32x4.add(r1, v128.load(dr + offset + c, 16));
      }
      v128.store(dx + offset + c, r0);
      v128.store(dx + offset + c, r1, 16);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Two-token multi-head self-attention (no mask). qkv is the in_proj output, octet layout with
// 3·width columns (Q, then K, then V); sample octet g has position 0 in octet g and position 1 in
// octet g + positionOctets. probabilities: per sample octet and head, a₀₀, a₀₁, a₁₀, a₁₁ (query
// position, key position), 8 lanes each, at probabilities + ((g·heads + h)·4 + 2p + j)·32.
// `bothQueries` = 0 computes the query of position 0 only (the last layer, whose position 1 output
// nothing reads: docs/science.md §12.1, logits from h[:, 0]).

/**
 * Attention outputs O_p = Σ_j a_pj·V_j with a_p· = softmax_j(Q_p·K_j/√headSize), per head, for
 * sample octets [octetStart, octetEnd); O in octet layout (width columns). The two-key softmax is
 * a_p0 = 1/(1 + e), a_p1 = e/(1 + e), e = exp(s_p1 − s_p0).
 */
export function attentionForward(
  qkv: usize, width: i32, heads: i32, positionOctets: i32, probabilities: usize, output: usize,
  octetStart: i32, octetEnd: i32, bothQueries: bool,
): void {
  const headSize = width / heads;
  const scale = f32x4.splat(<f32>(1.0 / Math.sqrt(<f64>headSize)));
  const qkvOctetBytes = <usize>width * 3 * OCTET_BYTES, outOctetBytes = <usize>width * OCTET_BYTES;
  const keyOffset = <usize>width * OCTET_BYTES, valueOffset = keyOffset << 1;
  const headBytes = <usize>headSize * OCTET_BYTES;
  const one = f32x4.splat(1.0);
  for (let g = octetStart; g < octetEnd; g++) {
    const row0 = qkv + <usize>g * qkvOctetBytes, row1 = qkv + <usize>(g + positionOctets) * qkvOctetBytes;
    const out0 = output + <usize>g * outOctetBytes, out1 = output + <usize>(g + positionOctets) * outOctetBytes;
    for (let h = 0; h < heads; h++) {
      const column = <usize>h * headBytes;
      const probability = probabilities + (<usize>(g * heads + h) << 7);
      for (let half: usize = 0; half < 32; half += 16) {
        const q0 = row0 + column + half, q1 = row1 + column + half;
        let s00 = f32x4.splat(0), s01 = s00, s10 = s00, s11 = s00;
        for (let d: usize = 0; d < headBytes; d += OCTET_BYTES) {
          const k0 = v128.load(q0 + keyOffset + d), k1 = v128.load(q1 + keyOffset + d);
          const a = v128.load(q0 + d);
          s00 = madd(a, k0, s00); s01 = madd(a, k1, s01);
          if (bothQueries) {
            const b = v128.load(q1 + d);
            s10 = madd(b, k0, s10); s11 = madd(b, k1, s11);
          }
        }
        const e0 = expVector(f32x4.mul(f32x4.sub(s01, s00), scale));
        const a00 = f32x4.div(one, f32x4.add(one, e0)), a01 = f32x4.mul(e0, a00);
        v128.store(probability + half, a00);
        v128.store(probability + half, a01, 32);
        let a10 = a00, a11 = a01;
        if (bothQueries) {
          const e1 = expVector(f32x4.mul(f32x4.sub(s11, s10), scale));
          a10 = f32x4.div(one, f32x4.add(one, e1)); a11 = f32x4.mul(e1, a10);
          v128.store(probability + half, a10, 64);
          v128.store(probability + half, a11, 96);
        }
        const o0 = out0 + column + half, o1 = out1 + column + half;
        for (let d: usize = 0; d < headBytes; d += OCTET_BYTES) {
          const v0 = v128.load(q0 + valueOffset + d), v1 = v128.load(q1 + valueOffset + d);
          v128.store(o0 + d, f32x4.add(f32x4.mul(a00, v0), f32x4.mul(a01, v1)));
          if (bothQueries) v128.store(o1 + d, f32x4.add(f32x4.mul(a10, v0), f32x4.mul(a11, v1)));
        }
      }
    }
  }
}

/**
 * Attention backward for sample octets [octetStart, octetEnd): from dO (octet layout, width
 * columns), the probabilities and qkv, writes dQ, dK, dV into dqkv (layout of qkv):
 *   dA_pj = dO_p·V_j, dS_p0 = −dS_p1 = a_p0·a_p1·(dA_p0 − dA_p1)/√headSize,
 *   dQ_p = dS_p0·(K_0 − K_1), dK_0 = −dK_1 = Σ_p dS_p0·Q_p, dV_j = Σ_p a_pj·dO_p.
 * With bothQueries = 0 only p = 0 contributes and dQ_1 is 0.
 */
export function attentionBackward(
  qkv: usize, width: i32, heads: i32, positionOctets: i32, probabilities: usize, outputGradient: usize, dqkv: usize,
  octetStart: i32, octetEnd: i32, bothQueries: bool,
): void {
  const headSize = width / heads;
  const scale = f32x4.splat(<f32>(1.0 / Math.sqrt(<f64>headSize)));
  const qkvOctetBytes = <usize>width * 3 * OCTET_BYTES, outOctetBytes = <usize>width * OCTET_BYTES;
  const keyOffset = <usize>width * OCTET_BYTES, valueOffset = keyOffset << 1;
  const headBytes = <usize>headSize * OCTET_BYTES;
  for (let g = octetStart; g < octetEnd; g++) {
    const offset0 = <usize>g * qkvOctetBytes, offset1 = <usize>(g + positionOctets) * qkvOctetBytes;
    const do0Row = outputGradient + <usize>g * outOctetBytes, do1Row = outputGradient + <usize>(g + positionOctets) * outOctetBytes;
    for (let h = 0; h < heads; h++) {
      const column = <usize>h * headBytes;
      const probability = probabilities + (<usize>(g * heads + h) << 7);
      for (let half: usize = 0; half < 32; half += 16) {
        const r0 = qkv + offset0 + column + half, r1 = qkv + offset1 + column + half;
        const do0 = do0Row + column + half, do1 = do1Row + column + half;
        let d00 = f32x4.splat(0), d01 = d00, d10 = d00, d11 = d00;
        for (let d: usize = 0; d < headBytes; d += OCTET_BYTES) {
          const v0 = v128.load(r0 + valueOffset + d), v1 = v128.load(r1 + valueOffset + d);
          const a = v128.load(do0 + d);
          d00 = madd(a, v0, d00); d01 = madd(a, v1, d01);
          if (bothQueries) {
            const b = v128.load(do1 + d);
            d10 = madd(b, v0, d10); d11 = madd(b, v1, d11);
          }
        }
        const a00 = v128.load(probability + half), a01 = v128.load(probability + half, 32);
        const ds0 = f32x4.mul(f32x4.mul(f32x4.mul(a00, a01), f32x4.sub(d00, d01)), scale);
        let a10 = f32x4.splat(0), a11 = a10, ds1 = a10;
        if (bothQueries) {
          a10 = v128.load(probability + half, 64); a11 = v128.load(probability + half, 96);
          ds1 = f32x4.mul(f32x4.mul(f32x4.mul(a10, a11), f32x4.sub(d10, d11)), scale);
        }
        const w0 = dqkv + offset0 + column + half, w1 = dqkv + offset1 + column + half;
        for (let d: usize = 0; d < headBytes; d += OCTET_BYTES) {
          const k0 = v128.load(r0 + keyOffset + d), k1 = v128.load(r1 + keyOffset + d);
          const keyDifference = f32x4.sub(k0, k1);
          const q0 = v128.load(r0 + d), g0 = v128.load(do0 + d);
          v128.store(w0 + d, f32x4.mul(ds0, keyDifference));
          let dk = f32x4.mul(ds0, q0);
          let dv0 = f32x4.mul(a00, g0), dv1 = f32x4.mul(a01, g0);
          if (bothQueries) {
            const q1 = v128.load(r1 + d), g1 = v128.load(do1 + d);
            v128.store(w1 + d, f32x4.mul(ds1, keyDifference));
            dk = f32x4.add(dk, f32x4.mul(ds1, q1));
            dv0 = f32x4.add(dv0, f32x4.mul(a10, g1));
            dv1 = f32x4.add(dv1, f32x4.mul(a11, g1));
          } else {
            v128.store(w1 + d, f32x4.splat(0));
          }
          v128.store(w0 + keyOffset + d, dk);
          v128.store(w1 + keyOffset + d, f32x4.neg(dk));
          v128.store(w0 + valueOffset + d, dv0);
          v128.store(w1 + valueOffset + d, dv1);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy of one head.

/**
 * For sample octets [octetStart, octetEnd) of the octet-layout logits (columns ≥ classes; columns ≥
 * classes ignored), labels (i32, padded batch): returns Σ over samples < batch of the
 * cross-entropy log Σ_c e^{l_c} − l_y, in float64 (per sample: max and Σ e^{l_c − max} in float32
 * lanes, the logarithm and the sum in float64), and adds the number of samples whose first largest
 * logit is the label to the i32 at `correct`. With gradient ≠ 0 also writes dL/dl = (softmax −
 * onehot)·scale (zero for the padding samples and columns < classes only) in the logits' layout.
 * `scratch`: 64 bytes.
 */
export function crossEntropy(
  logits: usize, columns: i32, classes: i32, labels: usize, batch: i32, scale: f32, gradient: usize,
  correct: usize, scratch: usize, octetStart: i32, octetEnd: i32,
): f64 {
  const octetBytes = <usize>columns * OCTET_BYTES;
  const classBytes = <usize>classes * OCTET_BYTES;
  let loss: f64 = 0;
  let right = 0;
  for (let g = octetStart; g < octetEnd; g++) {
    const row = logits + <usize>g * octetBytes;
    const out = gradient + <usize>g * octetBytes;
    const valid = min(8, batch - (g << 3));
    for (let half: usize = 0; half < 32; half += 16) {
      let best = v128.load(row + half);
      let bestClass = i32x4.splat(0);
      for (let c: usize = OCTET_BYTES, k = 1; c < classBytes; c += OCTET_BYTES, k++) {
        const l = v128.load(row + c + half);
        const larger = f32x4.gt(l, best);
        best = v128.bitselect(l, best, larger);
        bestClass = v128.bitselect(i32x4.splat(k), bestClass, larger);
      }
      let sum = f32x4.splat(0);
      for (let c: usize = 0; c < classBytes; c += OCTET_BYTES) {
        const e = expVector(f32x4.sub(v128.load(row + c + half), best));
        sum = f32x4.add(sum, e);
        if (gradient != 0) v128.store(out + c + half, e);
      }
      v128.store(scratch, best);
      v128.store(scratch, sum, 16);
      v128.store(scratch, bestClass, 32);
      const laneBase = <i32>(half >> 2);
      if (gradient != 0) {
        // Lanes of padding samples get zero.
        const factor = f32x4.div(f32x4.splat(scale), sum);
        const mask = i32x4.lt_s(i32x4.add(i32x4.splat(laneBase), i32x4(0, 1, 2, 3)), i32x4.splat(valid));
        const masked = v128.and(factor, mask);
        for (let c: usize = 0; c < classBytes; c += OCTET_BYTES) v128.store(out + c + half, f32x4.mul(v128.load(out + c + half), masked));
      }
      for (let lane = 0; lane < 4; lane++) {
        const l = laneBase + lane;
        if (l >= valid) break;
        const label = load<i32>(labels + (<usize>((g << 3) + l) << 2));
        const labelAddress = <usize>label * OCTET_BYTES + half + (<usize>lane << 2);
        const maximum = <f64>load<f32>(scratch + (<usize>lane << 2));
        loss += Math.log(<f64>load<f32>(scratch + 16 + (<usize>lane << 2))) + maximum - <f64>load<f32>(row + labelAddress);
        if (load<i32>(scratch + 32 + (<usize>lane << 2)) == label) right++;
        if (gradient != 0) store<f32>(out + labelAddress, load<f32>(out + labelAddress) - scale);
      }
    }
  }
  store<i32>(correct, load<i32>(correct) + right);
  return loss;
}

// ---------------------------------------------------------------------------------------------
// Optimiser and clipping, over [start, end) of flat float32 vectors.

/**
 * torch.optim.AdamW on θ[start, end) with gradient g (docs/science.md §12.3): θ ← θ·(1 −
 * lr·wd); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − stepSize·m/(√v/√(1 − β₂ᵗ) + ε),
 * stepSize = lr/(1 − β₁ᵗ). The same float32 operations as epoch.ts's AdamW (and a scalar tail
 * with the same operations).
 */
export function adamW(
  parameters: usize, gradient: usize, firstMoment: usize, secondMoment: usize, start: i32, end: i32,
  decoupledFactor: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, stepSize: f32,
  secondCorrectionRoot: f32, eps: f32,
): void {
  const decay = f32x4.splat(decoupledFactor), b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
  const c1 = f32x4.splat(oneMinusBeta1), c2 = f32x4.splat(oneMinusBeta2), size = f32x4.splat(stepSize);
  const root = f32x4.splat(secondCorrectionRoot), epsilon = f32x4.splat(eps);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2;
    const g = v128.load(gradient + at);
    const m = f32x4.add(f32x4.mul(b1, v128.load(firstMoment + at)), f32x4.mul(c1, g));
    const v = f32x4.add(f32x4.mul(b2, v128.load(secondMoment + at)), f32x4.mul(c2, f32x4.mul(g, g)));
    v128.store(firstMoment + at, m);
    v128.store(secondMoment + at, v);
    const denominator = f32x4.add(f32x4.div(f32x4.sqrt(v), root), epsilon);
    v128.store(parameters + at, f32x4.sub(f32x4.mul(v128.load(parameters + at), decay), f32x4.div(f32x4.mul(size, m), denominator)));
  }
  for (; i < end; i++) {
    const at = <usize>i << 2;
    const g = load<f32>(gradient + at);
    const m = beta1 * load<f32>(firstMoment + at) + oneMinusBeta1 * g;
    const v = beta2 * load<f32>(secondMoment + at) + oneMinusBeta2 * (g * g);
    store<f32>(firstMoment + at, m);
    store<f32>(secondMoment + at, v);
    const denominator = Mathf.sqrt(v) / secondCorrectionRoot + eps;
    store<f32>(parameters + at, load<f32>(parameters + at) * decoupledFactor - (stepSize * m) / denominator);
  }
}

/** Σ x² over x[start, end), in float64 (each square of a float32 is exact in float64). */
export function squaredNorm(x: usize, start: i32, end: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const low = f64x2.promote_low_f32x4(v), high = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(low, low));
    s1 = f64x2.add(s1, f64x2.mul(high, high));
  }
  const s = f64x2.add(s0, s1);
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < end; i++) {
    const value = <f64>load<f32>(x + (<usize>i << 2));
    sum += value * value;
  }
  return sum;
}

/** x[start, end) ·= factor (float32). */
export function scaleValues(x: usize, start: i32, end: i32, factor: f32): void {
  const f = f32x4.splat(factor);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const at = x + (<usize>i << 2);
    v128.store(at, f32x4.mul(v128.load(at), f));
  }
  for (; i < end; i++) {
    const at = x + (<usize>i << 2);
    store<f32>(at, load<f32>(at) * factor);
  }
}
