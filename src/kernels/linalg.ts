// Float64 linear-algebra kernels for the Theorem-6 feature-repulsion check (docs/science.md §6;
// arXiv 2509.21519 Theorem 6, as checked in arXiv 2605.08119) and Li₂'s ‖G_F‖ (§9, at the end).
// Built to dist/kernels/linalg.wasm with its own memory. The buffers are laid out, and the blocked
// loops driven, by src/training/diagnostics/linalgKernels.ts (`LinalgKernels`); every kernel does a bounded slice of the
// work (a row range, a strip range) so that the driver calls it many times: V8 runs the first calls
// of a wasm function in its baseline compiler and only later calls get the optimised code.
//
// Layouts (all row-major, all float64 unless noted):
//  - packed strips: a matrix X (steps × columns) is stored as strips of 4 columns; strip s holds
//    X[p][4s + c] at byte offset s · stripBytes + p · 32 + c · 8 (c < 4), zero beyond the last
//    column. The Gram XᵀX is then a sum over steps p of outer products of 4-vectors, which is the
//    one micro-kernel below (`tile4x4`): 4 broadcast loads and 2 vector loads feed 8 f64x2
//    accumulators, the largest tile that fits V8's 15 usable xmm registers without spilling.
//  - symmetric matrices are stored as their lower triangle (row i, columns ≤ i) in an ld-wide array;
//    4 × 4 tiles on the diagonal are computed whole, so their upper half is also written.
//
// Multiply-adds go through `madd`/`nmadd`: fused in a build with relaxed SIMD (`--enable
// relaxed-simd`, ASC_FEATURE_RELAXED_SIMD; Node 20 runs it only behind V8's
// --experimental-wasm-relaxed-simd), one f64x2.mul + one f64x2.add otherwise. Both are float64;
// the fused form rounds once. The peak is 8 flop per cycle either way on 128-bit SIMD, but the
// fused form halves the instructions the front end has to issue (measured ≈ +20 % on `tile4x4`).

/** Bytes per step of a packed strip: 4 float64 lanes. */
const STEP_BYTES: usize = 32;
/** Steps of float32 products summed per lane before promotion to float64 (`cosineBlocks`). */
const F32_CHUNK_STEPS: i32 = 128;

/** Accumulation modes of the tile kernels: overwrite C, add to C, or subtract from C. */
const MODE_STORE: i32 = 0;
const MODE_ADD: i32 = 1;

/** a·b + c (f64x2). */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

/** c − a·b (f64x2). */
@inline function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_nmadd(a, b, c);
  return f64x2.sub(c, f64x2.mul(a, b));
}

@inline function sumLanes(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Σ_k a[k] · b[k] over `length` float64 (contiguous), two f64x2 accumulators and a scalar tail. */
@inline function dot(a: usize, b: usize, length: i32): f64 {
  const end = <usize>length << 3;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let p: usize = 0;
  for (; p + 32 <= end; p += 32) {
    s0 = madd(v128.load(a + p), v128.load(b + p), s0);
    s1 = madd(v128.load(a + p, 16), v128.load(b + p, 16), s1);
  }
  let s = sumLanes(f64x2.add(s0, s1));
  for (; p < end; p += 8) s += load<f64>(a + p) * load<f64>(b + p);
  return s;
}

@inline function writeRow(row: usize, low: v128, high: v128, mode: i32): void {
  if (mode == MODE_STORE) {
    v128.store(row, low);
    v128.store(row, high, 16);
  } else if (mode == MODE_ADD) {
    v128.store(row, f64x2.add(v128.load(row), low));
    v128.store(row, f64x2.add(v128.load(row, 16), high), 16);
  } else {
    v128.store(row, f64x2.sub(v128.load(row), low));
    v128.store(row, f64x2.sub(v128.load(row, 16), high), 16);
  }
}

/**
 * C[r][c] (∘)= Σ_{p < steps} A[p][r] · B[p][c] for r, c < 4, where A[p] and B[p] are the 4-vectors
 * at a + p·32 and b + p·32 (packed strips) and C rows are ldcBytes apart. `mode` as above.
 */
@inline function tile4x4(a: usize, b: usize, steps: i32, c: usize, ldcBytes: usize, mode: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const end = a + (<usize>steps << 5);
  let pa = a, pb = b;
  while (pa < end) {
    const y0 = v128.load(pb), y1 = v128.load(pb, 16);
    let x = v128.load64_splat(pa);
    c00 = madd(x, y0, c00); c01 = madd(x, y1, c01);
    x = v128.load64_splat(pa, 8);
    c10 = madd(x, y0, c10); c11 = madd(x, y1, c11);
    x = v128.load64_splat(pa, 16);
    c20 = madd(x, y0, c20); c21 = madd(x, y1, c21);
    x = v128.load64_splat(pa, 24);
    c30 = madd(x, y0, c30); c31 = madd(x, y1, c31);
    pa += STEP_BYTES;
    pb += STEP_BYTES;
  }
  writeRow(c, c00, c01, mode);
  writeRow(c + ldcBytes, c10, c11, mode);
  writeRow(c + 2 * ldcBytes, c20, c21, mode);
  writeRow(c + 3 * ldcBytes, c30, c31, mode);
}

/**
 * One row of 4 × 4 tiles of a Gram-type product on packed strips (the blocked SYRK / GEMM update):
 * for b in [stripStart, stripEnd), tile (rowStrip, b) of C (∘)= Σ_{p ∈ [firstStep, firstStep + steps)}
 * X[p][4·rowStrip + r] · X[p][4b + c]. The tile's top-left element is C[4·rowStrip][4b], ldc floats
 * per row. mode 0 stores, 1 adds, 2 subtracts. Used for F̃ᵀF̃ (steps = samples), F̃F̃ᵀ (steps =
 * units) and the left-looking update A[J:, J] −= L[J:, :J] L[J, :J]ᵀ of the blocked Cholesky
 * (steps = columns already factored, from the packed L).
 */
export function gramTiles(
  packed: usize, stripBytes: usize, c: usize, ldc: i32,
  rowStrip: i32, stripStart: i32, stripEnd: i32, firstStep: i32, steps: i32, mode: i32,
): void {
  const ldcBytes = <usize>ldc << 3;
  const stepOffset = <usize>firstStep << 5;
  const a = packed + <usize>rowStrip * stripBytes + stepOffset;
  const rowBase = c + (<usize>rowStrip << 2) * ldcBytes;
  for (let b = stripStart; b < stripEnd; b++) {
    tile4x4(a, packed + <usize>b * stripBytes + stepOffset, steps, rowBase + (<usize>b << 5), ldcBytes, mode);
  }
}

/**
 * `gramTiles` with two packed operands: for b in [stripStart, stripEnd), tile (rowStrip, b) of C
 * (∘)= Σ_{p ∈ [firstStep, firstStep + steps)} X[p][4·rowStrip + r] · Y[p][4b + c], X strips at
 * a + s · aStripBytes and Y strips at b + s · bStripBytes.
 */
export function productTiles(
  a: usize, aStripBytes: usize, b: usize, bStripBytes: usize, c: usize, ldc: i32,
  rowStrip: i32, stripStart: i32, stripEnd: i32, firstStep: i32, steps: i32, mode: i32,
): void {
  const ldcBytes = <usize>ldc << 3;
  const stepOffset = <usize>firstStep << 5;
  const rowOperand = a + <usize>rowStrip * aStripBytes + stepOffset;
  const rowBase = c + (<usize>rowStrip << 2) * ldcBytes;
  for (let strip = stripStart; strip < stripEnd; strip++) {
    tile4x4(rowOperand, b + <usize>strip * bStripBytes + stepOffset, steps, rowBase + (<usize>strip << 5), ldcBytes, mode);
  }
}

/**
 * sums[j] += Σ_{i ∈ [rowStart, rowEnd)} source[i · columns + j] for every column j, in float64
 * (source is float32, rows of `columns` floats).
 */
export function columnSums(source: usize, columns: i32, rowStart: i32, rowEnd: i32, sums: usize): void {
  const rowBytes = <usize>columns << 2;
  const vectorColumns = columns & ~3;
  for (let i = rowStart; i < rowEnd; i++) {
    const row = source + <usize>i * rowBytes;
    let j = 0;
    for (; j < vectorColumns; j += 4) {
      const x = v128.load(row + (<usize>j << 2));
      const out = sums + (<usize>j << 3);
      v128.store(out, f64x2.add(v128.load(out), f64x2.promote_low_f32x4(x)));
      v128.store(out, f64x2.add(v128.load(out, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1))), 16);
    }
    for (; j < columns; j++) {
      const out = sums + (<usize>j << 3);
      store<f64>(out, load<f64>(out) + <f64>load<f32>(row + (<usize>j << 2)));
    }
  }
}

/**
 * squares[j] += Σ_{i ∈ [rowStart, rowEnd)} (source[i · columns + j] − means[j])², in float64: the
 * squared column norms of F̃ without forming it.
 */
export function centredColumnSquares(source: usize, columns: i32, rowStart: i32, rowEnd: i32, means: usize, squares: usize): void {
  const rowBytes = <usize>columns << 2;
  const vectorColumns = columns & ~3;
  for (let i = rowStart; i < rowEnd; i++) {
    const row = source + <usize>i * rowBytes;
    let j = 0;
    for (; j < vectorColumns; j += 4) {
      const x = v128.load(row + (<usize>j << 2));
      const m = means + (<usize>j << 3);
      const out = squares + (<usize>j << 3);
      const low = f64x2.sub(f64x2.promote_low_f32x4(x), v128.load(m));
      const high = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), v128.load(m, 16));
      v128.store(out, f64x2.add(v128.load(out), f64x2.mul(low, low)));
      v128.store(out, f64x2.add(v128.load(out, 16), f64x2.mul(high, high)), 16);
    }
    for (; j < columns; j++) {
      const out = squares + (<usize>j << 3);
      const centred = <f64>load<f32>(row + (<usize>j << 2)) - load<f64>(means + (<usize>j << 3));
      store<f64>(out, load<f64>(out) + centred * centred);
    }
  }
}

/**
 * Centred column strips: for strips s ∈ [stripStart, stripEnd), destination strip s (at
 * destination + s · rows · 32) holds F̃[i][4s + c] = source[i][4s + c] − means[4s + c] for i < rows,
 * zero for 4s + c ≥ columns. F̃ᵀF̃ is then `gramTiles` with steps = rows.
 */
export function packColumnStrips(
  source: usize, rows: i32, columns: i32, means: usize, destination: usize, stripStart: i32, stripEnd: i32,
): void {
  const rowBytes = <usize>columns << 2;
  for (let s = stripStart; s < stripEnd; s++) {
    const first = s << 2;
    let out = destination + <usize>s * <usize>rows * STEP_BYTES;
    if (first + 4 <= columns) {
      const m0 = v128.load(means + (<usize>first << 3)), m1 = v128.load(means + (<usize>first << 3), 16);
      let input = source + (<usize>first << 2);
      for (let i = 0; i < rows; i++) {
        const x = v128.load(input);
        v128.store(out, f64x2.sub(f64x2.promote_low_f32x4(x), m0));
        v128.store(out, f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), m1), 16);
        input += rowBytes;
        out += STEP_BYTES;
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const input = source + <usize>i * rowBytes;
        for (let c = 0; c < 4; c++) {
          const j = first + c;
          store<f64>(out + (<usize>c << 3), j < columns ? <f64>load<f32>(input + (<usize>j << 2)) - load<f64>(means + (<usize>j << 3)) : 0);
        }
        out += STEP_BYTES;
      }
    }
  }
}

/**
 * Centred row strips (for F̃F̃ᵀ): for strips t ∈ [stripStart, stripEnd), destination strip t (at
 * destination + t · columns · 32) holds, at step j, the 4-vector F̃[4t + c][j] = source[4t + c][j] −
 * means[j] (zero for 4t + c ≥ rows). F̃F̃ᵀ is then `gramTiles` with steps = columns.
 */
export function packRowStrips(
  source: usize, rows: i32, columns: i32, means: usize, destination: usize, stripStart: i32, stripEnd: i32,
): void {
  const rowBytes = <usize>columns << 2;
  for (let t = stripStart; t < stripEnd; t++) {
    const out = destination + <usize>t * <usize>columns * STEP_BYTES;
    for (let c = 0; c < 4; c++) {
      const i = (t << 2) + c;
      const input = source + <usize>i * rowBytes;
      for (let j = 0; j < columns; j++) {
        store<f64>(out + <usize>j * STEP_BYTES + (<usize>c << 3), i < rows ? <f64>load<f32>(input + (<usize>j << 2)) - load<f64>(means + (<usize>j << 3)) : 0);
      }
    }
  }
}

/**
 * Float32 column strips of width 8 for the cosine ranking of the n × n form: destination strip s
 * (at destination + s · rows · 32) holds f32(source[i][8s + c] − means[8s + c]) for c < 8, zero
 * beyond the last column. The difference is taken in float64, then rounded once.
 */
export function packColumnStrips32(
  source: usize, rows: i32, columns: i32, means: usize, destination: usize, stripStart: i32, stripEnd: i32,
): void {
  const rowBytes = <usize>columns << 2;
  for (let s = stripStart; s < stripEnd; s++) {
    const first = s << 3;
    let out = destination + <usize>s * <usize>rows * STEP_BYTES;
    for (let i = 0; i < rows; i++) {
      const input = source + <usize>i * rowBytes;
      for (let c = 0; c < 8; c++) {
        const j = first + c;
        store<f32>(out + (<usize>c << 2), j < columns ? <f32>(<f64>load<f32>(input + (<usize>j << 2)) - load<f64>(means + (<usize>j << 3))) : 0);
      }
      out += STEP_BYTES;
    }
  }
}

// ---- top pairs by |cos|: a bounded min-heap in memory --------------------------------------------
// heap: `capacity` scores (f64) then `capacity` (j, l) pairs (2 × i32). state: count (i32) at +0,
// Σ|off-diagonal entries with l > j| (f64) at +8, Σ|diagonal entries| (f64) at +16.

@inline function heapScore(heap: usize, k: i32): f64 {
  return load<f64>(heap + (<usize>k << 3));
}

@inline function heapSet(heap: usize, pairs: usize, k: i32, score: f64, j: i32, l: i32): void {
  store<f64>(heap + (<usize>k << 3), score);
  store<i32>(pairs + (<usize>k << 3), j);
  store<i32>(pairs + (<usize>k << 3), l, 4);
}

@inline function heapMove(heap: usize, pairs: usize, to: i32, from: i32): void {
  store<f64>(heap + (<usize>to << 3), load<f64>(heap + (<usize>from << 3)));
  store<i64>(pairs + (<usize>to << 3), load<i64>(pairs + (<usize>from << 3)));
}

/** Keeps the `capacity` largest scores seen (ties: the first seen stays). Returns the new count. */
function offerPair(heap: usize, capacity: i32, count: i32, score: f64, j: i32, l: i32): i32 {
  const pairs = heap + (<usize>capacity << 3);
  if (count < capacity) {
    let k = count;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (heapScore(heap, parent) <= score) break;
      heapMove(heap, pairs, k, parent);
      k = parent;
    }
    heapSet(heap, pairs, k, score, j, l);
    return count + 1;
  }
  if (!(score > heapScore(heap, 0))) return count;
  let k = 0;
  for (;;) {
    const left = 2 * k + 1;
    if (left >= count) break;
    const right = left + 1;
    const child = right < count && heapScore(heap, right) < heapScore(heap, left) ? right : left;
    if (heapScore(heap, child) >= score) break;
    heapMove(heap, pairs, k, child);
    k = child;
  }
  heapSet(heap, pairs, k, score, j, l);
  return count;
}

/**
 * Scans rows l ∈ [rowStart, rowEnd) of the lower triangle of the Gram G (float64, ldg floats per
 * row): offers every pair j < l with score |G[l][j]| · inverseNorms[j] · inverseNorms[l] (= |cos|,
 * 0 for a zero-norm column) to the heap, and accumulates the absolute sums for the diagonality.
 */
export function scanLowerPairs(
  g: usize, ldg: i32, rowStart: i32, rowEnd: i32, inverseNorms: usize, heap: usize, capacity: i32, state: usize,
): void {
  const rowBytes = <usize>ldg << 3;
  let count = load<i32>(state);
  let offDiagonal = load<f64>(state, 8), diagonal = load<f64>(state, 16);
  let threshold = count == capacity ? heapScore(heap, 0) : -1.0;
  for (let l = rowStart; l < rowEnd; l++) {
    const row = g + <usize>l * rowBytes;
    const inverseL = load<f64>(inverseNorms + (<usize>l << 3));
    for (let j = 0; j < l; j++) {
      const magnitude = Math.abs(load<f64>(row + (<usize>j << 3)));
      offDiagonal += magnitude;
      const score = magnitude * inverseL * load<f64>(inverseNorms + (<usize>j << 3));
      if (score > threshold || count < capacity) {
        count = offerPair(heap, capacity, count, score, j, l);
        if (count == capacity) threshold = heapScore(heap, 0);
      }
    }
    diagonal += Math.abs(load<f64>(row + (<usize>l << 3)));
  }
  store<i32>(state, count);
  store<f64>(state, offDiagonal, 8);
  store<f64>(state, diagonal, 16);
}

/**
 * Cosine ranking in float32 for the n × n form: for column blocks b ∈ [blockStart, blockEnd) (b ≤
 * rowBlock), computes the 8 × 8 block (rowBlock, b) of F̃ᵀF̃ from float32 strips of width 8
 * (`packColumnStrips32`), with float32 products summed per lane over F32_CHUNK_STEPS steps and then
 * in float64; offers its entries below the diagonal (both indices < size) to the heap as in
 * `scanLowerPairs` and accumulates the absolute sums. scratch: 64 float64.
 */
export function cosineBlocks(
  packed: usize, rows: i32, rowBlock: i32, blockStart: i32, blockEnd: i32, size: i32,
  inverseNorms: usize, heap: usize, capacity: i32, state: usize, scratch: usize,
): void {
  const stripBytes = <usize>rows * STEP_BYTES;
  let count = load<i32>(state);
  let offDiagonal = load<f64>(state, 8), diagonal = load<f64>(state, 16);
  const rowStrip = packed + <usize>rowBlock * stripBytes;
  for (let b = blockStart; b < blockEnd; b++) {
    const columnStrip = packed + <usize>b * stripBytes;
    memory.fill(scratch, 0, 64 * 8);
    for (let half = 0; half < 2; half++) {
      const laneOffset = <usize>half << 4;
      for (let first = 0; first < rows; first += F32_CHUNK_STEPS) {
        const steps = min(F32_CHUNK_STEPS, rows - first);
        let pa = rowStrip + <usize>first * STEP_BYTES + laneOffset, pb = columnStrip + <usize>first * STEP_BYTES;
        const end = pb + <usize>steps * STEP_BYTES;
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        while (pb < end) {
          const y0 = v128.load(pb), y1 = v128.load(pb, 16);
          let x = v128.load32_splat(pa);
          c00 = f32x4.add(c00, f32x4.mul(x, y0)); c01 = f32x4.add(c01, f32x4.mul(x, y1));
          x = v128.load32_splat(pa, 4);
          c10 = f32x4.add(c10, f32x4.mul(x, y0)); c11 = f32x4.add(c11, f32x4.mul(x, y1));
          x = v128.load32_splat(pa, 8);
          c20 = f32x4.add(c20, f32x4.mul(x, y0)); c21 = f32x4.add(c21, f32x4.mul(x, y1));
          x = v128.load32_splat(pa, 12);
          c30 = f32x4.add(c30, f32x4.mul(x, y0)); c31 = f32x4.add(c31, f32x4.mul(x, y1));
          pa += STEP_BYTES;
          pb += STEP_BYTES;
        }
        const out = scratch + (<usize>half << 8);
        promoteInto(out, c00, c01);
        promoteInto(out + 64, c10, c11);
        promoteInto(out + 128, c20, c21);
        promoteInto(out + 192, c30, c31);
      }
    }
    for (let r = 0; r < 8; r++) {
      const row = (rowBlock << 3) + r;
      if (row >= size) break;
      const inverseRow = load<f64>(inverseNorms + (<usize>row << 3));
      for (let c = 0; c < 8; c++) {
        const column = (b << 3) + c;
        if (column > row || column >= size) break;
        const magnitude = Math.abs(load<f64>(scratch + (<usize>(r * 8 + c) << 3)));
        if (column == row) {
          diagonal += magnitude;
        } else {
          offDiagonal += magnitude;
          count = offerPair(heap, capacity, count, magnitude * inverseRow * load<f64>(inverseNorms + (<usize>column << 3)), column, row);
        }
      }
    }
  }
  store<i32>(state, count);
  store<f64>(state, offDiagonal, 8);
  store<f64>(state, diagonal, 16);
}

/** out[0..8) += the 8 float32 lanes of (low, high), promoted to float64. */
@inline function promoteInto(out: usize, low: v128, high: v128): void {
  v128.store(out, f64x2.add(v128.load(out), f64x2.promote_low_f32x4(low)));
  v128.store(out, f64x2.add(v128.load(out, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(low, low, 2, 3, 0, 1))), 16);
  v128.store(out, f64x2.add(v128.load(out, 32), f64x2.promote_low_f32x4(high)), 32);
  v128.store(out, f64x2.add(v128.load(out, 48), f64x2.promote_low_f32x4(v128.shuffle<f32>(high, high, 2, 3, 0, 1))), 48);
}

// ---- Cholesky ------------------------------------------------------------------------------------

/**
 * Unblocked (row-Crout) Cholesky of a block column of A = LLᵀ (lower, in place, ld floats per row):
 * for rows i ∈ [rowStart, rowEnd), columns j ∈ [first, min(i, first + width − 1)], with the
 * contributions of columns < first already subtracted:
 *   L[i][j] = (A[i][j] − Σ_{first ≤ p < j} L[i][p] L[j][p]) / L[j][j],  L[i][i] = √(A[i][i] − …).
 * The blocked driver uses it for the diagonal block only (rows below it go through `packPanel`,
 * `solvePackedPanel`, `unpackPanel`). The strict upper part of the diagonal block is set to zero.
 * Rows must be processed in order within the diagonal block. Returns 0, or i + 1 if the pivot of
 * row i is not positive (or NaN): A is not numerically positive definite.
 */
export function choleskyPanel(a: usize, ld: i32, first: i32, width: i32, rowStart: i32, rowEnd: i32): i32 {
  const rowBytes = <usize>ld << 3;
  const end = first + width;
  const base = <usize>first << 3;
  for (let i = rowStart; i < rowEnd; i++) {
    const rowI = a + <usize>i * rowBytes;
    const last = min(i, end - 1);
    for (let j = first; j <= last; j++) {
      const rowJ = a + <usize>j * rowBytes;
      const entry = rowI + (<usize>j << 3);
      const s = load<f64>(entry) - dot(rowI + base, rowJ + base, j - first);
      if (i == j) {
        if (!(s > 0)) return i + 1;
        store<f64>(entry, Math.sqrt(s));
      } else {
        store<f64>(entry, s / load<f64>(rowJ + (<usize>j << 3)));
      }
    }
    for (let j = i + 1; j < end; j++) store<f64>(rowI + (<usize>j << 3), 0);
  }
  return 0;
}

/**
 * Packs rows [rowStart, rowEnd) × columns [column, column + width) of A (ld floats per row) into
 * strips of 4 rows: strip t ∈ [stripStart, stripEnd) holds, at step p, A[rowStart + 4t + c][column + p]
 * (zero for rows ≥ rowEnd), at destination + t · stripBytes + p · 32. A block column of L in the
 * layout of `gramTiles`.
 */
export function packPanel(
  a: usize, ld: i32, rowStart: i32, rowEnd: i32, column: i32, width: i32, destination: usize, stripBytes: usize, stripStart: i32, stripEnd: i32,
): void {
  const rowBytes = <usize>ld << 3;
  for (let t = stripStart; t < stripEnd; t++) {
    const out = destination + <usize>t * stripBytes;
    for (let c = 0; c < 4; c++) {
      const i = rowStart + (t << 2) + c;
      const input = a + <usize>i * rowBytes + (<usize>column << 3);
      const lane = out + (<usize>c << 3);
      if (i < rowEnd) {
        for (let p = 0; p < width; p++) store<f64>(lane + <usize>p * STEP_BYTES, load<f64>(input + (<usize>p << 3)));
      } else {
        for (let p = 0; p < width; p++) store<f64>(lane + <usize>p * STEP_BYTES, 0);
      }
    }
  }
}

/**
 * The triangular solve of a Cholesky step on packed strips, in place: with L₁₁ the factored diagonal
 * block (rows and columns [first, first + width) of L, ld floats per row, strict upper part zero),
 * each strip t ∈ [stripStart, stripEnd) of `packed` (4 rows × width steps at packed + t · stripBytes,
 * as written by `packPanel`)
 * is replaced by X = A₂₁L₁₁⁻ᵀ, i.e. X[·][j] = (A₂₁[·][j] − Σ_{p<j} X[·][p] L₁₁[j][p]) / L₁₁[j][j]:
 * forward substitution on 4 rows at once per strip, four strips together so that each broadcast
 * L₁₁[j][p] feeds 8 independent f64x2 accumulators.
 */
export function solvePackedPanel(
  packed: usize, stripBytes: usize, width: i32, stripStart: i32, stripEnd: i32, l: usize, ld: i32, first: i32,
): void {
  const rowBytes = <usize>ld << 3;
  const diagonal = l + <usize>first * rowBytes + (<usize>first << 3);
  let t = stripStart;
  for (; t + 4 <= stripEnd; t += 4) {
    const s0 = packed + <usize>t * stripBytes, s1 = s0 + stripBytes, s2 = s1 + stripBytes, s3 = s2 + stripBytes;
    for (let j = 0; j < width; j++) {
      const offset = <usize>j * STEP_BYTES;
      let x00 = v128.load(s0 + offset), x01 = v128.load(s0 + offset, 16);
      let x10 = v128.load(s1 + offset), x11 = v128.load(s1 + offset, 16);
      let x20 = v128.load(s2 + offset), x21 = v128.load(s2 + offset, 16);
      let x30 = v128.load(s3 + offset), x31 = v128.load(s3 + offset, 16);
      const rowJ = diagonal + <usize>j * rowBytes;
      for (let p: usize = 0; p < offset; p += STEP_BYTES) {
        const factor = v128.load64_splat(rowJ + (p >> 2));
        x00 = nmadd(factor, v128.load(s0 + p), x00); x01 = nmadd(factor, v128.load(s0 + p, 16), x01);
        x10 = nmadd(factor, v128.load(s1 + p), x10); x11 = nmadd(factor, v128.load(s1 + p, 16), x11);
        x20 = nmadd(factor, v128.load(s2 + p), x20); x21 = nmadd(factor, v128.load(s2 + p, 16), x21);
        x30 = nmadd(factor, v128.load(s3 + p), x30); x31 = nmadd(factor, v128.load(s3 + p, 16), x31);
      }
      const pivot = f64x2.splat(load<f64>(rowJ + (<usize>j << 3)));
      v128.store(s0 + offset, f64x2.div(x00, pivot)); v128.store(s0 + offset, f64x2.div(x01, pivot), 16);
      v128.store(s1 + offset, f64x2.div(x10, pivot)); v128.store(s1 + offset, f64x2.div(x11, pivot), 16);
      v128.store(s2 + offset, f64x2.div(x20, pivot)); v128.store(s2 + offset, f64x2.div(x21, pivot), 16);
      v128.store(s3 + offset, f64x2.div(x30, pivot)); v128.store(s3 + offset, f64x2.div(x31, pivot), 16);
    }
  }
  for (; t < stripEnd; t++) {
    const s0 = packed + <usize>t * stripBytes;
    for (let j = 0; j < width; j++) {
      const offset = <usize>j * STEP_BYTES;
      let x00 = v128.load(s0 + offset), x01 = v128.load(s0 + offset, 16);
      const rowJ = diagonal + <usize>j * rowBytes;
      for (let p: usize = 0; p < offset; p += STEP_BYTES) {
        const factor = v128.load64_splat(rowJ + (p >> 2));
        x00 = nmadd(factor, v128.load(s0 + p), x00); x01 = nmadd(factor, v128.load(s0 + p, 16), x01);
      }
      const pivot = f64x2.splat(load<f64>(rowJ + (<usize>j << 3)));
      v128.store(s0 + offset, f64x2.div(x00, pivot)); v128.store(s0 + offset, f64x2.div(x01, pivot), 16);
    }
  }
}

/**
 * The inverse of `packPanel`: writes strips t ∈ [stripStart, stripEnd) back to rows rowStart + 4t + c
 * (< rowEnd) of A, columns [column, column + width).
 */
export function unpackPanel(
  packed: usize, stripBytes: usize, width: i32, stripStart: i32, stripEnd: i32, a: usize, ld: i32, rowStart: i32, rowEnd: i32, column: i32,
): void {
  const rowBytes = <usize>ld << 3;
  for (let t = stripStart; t < stripEnd; t++) {
    const strip = packed + <usize>t * stripBytes;
    for (let c = 0; c < 4; c++) {
      const i = rowStart + (t << 2) + c;
      if (i >= rowEnd) break;
      const out = a + <usize>i * rowBytes + (<usize>column << 3);
      const lane = strip + (<usize>c << 3);
      for (let p = 0; p < width; p++) store<f64>(out + (<usize>p << 3), load<f64>(lane + <usize>p * STEP_BYTES));
    }
  }
}

/**
 * Symmetric permutation of a lower-stored matrix: for rows p ∈ [rowStart, rowEnd), A[p][q] =
 * G[π(p)][π(q)] for q ≤ p (read from G's lower triangle), plus `shift` on the diagonal.
 * permutation: int32 π, G and A float64 with ldg and lda floats per row.
 */
export function permutedLowerCopy(
  g: usize, ldg: i32, a: usize, lda: i32, permutation: usize, rowStart: i32, rowEnd: i32, shift: f64,
): void {
  const gRowBytes = <usize>ldg << 3;
  for (let p = rowStart; p < rowEnd; p++) {
    const x = load<i32>(permutation + (<usize>p << 2));
    const rowX = g + <usize>x * gRowBytes;
    const out = a + <usize>p * (<usize>lda << 3);
    for (let q = 0; q < p; q++) {
      const y = load<i32>(permutation + (<usize>q << 2));
      const value = y <= x ? load<f64>(rowX + (<usize>y << 3)) : load<f64>(g + <usize>y * gRowBytes + (<usize>x << 3));
      store<f64>(out + (<usize>q << 3), value);
    }
    store<f64>(out + (<usize>p << 3), load<f64>(rowX + (<usize>x << 3)) + shift);
  }
}

/**
 * Columns of the inverse of a lower-triangular block, stored as rows: with T = L[offset + ·][offset + ·]
 * (size × size), row a ∈ [rowStart, rowEnd) of X (ldx floats per row) receives T⁻¹e_a by forward
 * substitution: X[a][k] = 0 for k < a, X[a][a] = 1/T[a][a], X[a][k] = −(Σ_{a ≤ p < k} T[k][p] X[a][p]) / T[k][k].
 * Then (TTᵀ)⁻¹[a][b] = Σ_{k ≥ max(a,b)} X[a][k] X[b][k].
 */
export function lowerInverseRows(l: usize, ld: i32, offset: i32, size: i32, x: usize, ldx: i32, rowStart: i32, rowEnd: i32): void {
  const rowBytes = <usize>ld << 3;
  const block = l + <usize>offset * rowBytes + (<usize>offset << 3);
  for (let a = rowStart; a < rowEnd; a++) {
    const out = x + <usize>a * (<usize>ldx << 3);
    memory.fill(out, 0, <usize>a << 3);
    store<f64>(out + (<usize>a << 3), 1 / load<f64>(block + <usize>a * rowBytes + (<usize>a << 3)));
    for (let k = a + 1; k < size; k++) {
      const rowK = block + <usize>k * rowBytes;
      const s = dot(rowK + (<usize>a << 3), out + (<usize>a << 3), k - a);
      store<f64>(out + (<usize>k << 3), -s / load<f64>(rowK + (<usize>k << 3)));
    }
  }
}

/**
 * Centred columns as rows: for a ∈ [first, last), destination[a][i] = source[i][indices[a]] −
 * means[indices[a]] for i < rows (float32 source with `columns` floats per row; float64 destination
 * with ldd floats per row; indices int32).
 */
export function gatherCentredColumns(
  source: usize, rows: i32, columns: i32, means: usize, indices: usize, first: i32, last: i32, destination: usize, ldd: i32,
): void {
  const rowBytes = <usize>columns << 2;
  for (let a = first; a < last; a++) {
    const j = load<i32>(indices + (<usize>a << 2));
    const mean = load<f64>(means + (<usize>j << 3));
    const out = destination + <usize>a * (<usize>ldd << 3);
    let input = source + (<usize>j << 2);
    for (let i = 0; i < rows; i++) {
      store<f64>(out + (<usize>i << 3), <f64>load<f32>(input) - mean);
      input += rowBytes;
    }
  }
}

/**
 * Packs the columns of a lower-triangular L (rows × rows, ld floats per row) into strips of 4
 * columns: strip q ∈ [stripStart, stripEnd) holds, at step k < rows, L[k][4q + c] (zero above the
 * diagonal and beyond the last column, whatever A stores there), at destination + q · stripBytes.
 * With the right-hand sides packed by `packPanel`, Y = XL is then `productTiles`.
 */
export function packLowerColumns(l: usize, ld: i32, rows: i32, destination: usize, stripBytes: usize, stripStart: i32, stripEnd: i32): void {
  const rowBytes = <usize>ld << 3;
  for (let q = stripStart; q < stripEnd; q++) {
    const first = q << 2;
    let out = destination + <usize>q * stripBytes;
    for (let k = 0; k < rows; k++) {
      const row = l + <usize>k * rowBytes;
      for (let c = 0; c < 4; c++) {
        const column = first + c;
        store<f64>(out + (<usize>c << 3), column <= k && column < rows ? load<f64>(row + (<usize>column << 3)) : 0);
      }
      out += STEP_BYTES;
    }
  }
}

// ---- Li₂'s ‖G_F‖ (docs/science.md §9) -------------------------------------------------------------
// ‖P₁⊥RV‖²_F = tr(R̃ᵀR̃ · VVᵀ): both M × M Grams are `gramTiles` products on packed strips of 4
// classes (R̃ with steps over samples, V with steps over hidden units, packed by `packRowStrips`), so
// the only new work is the residual, its centring and the trace. Driven by
// src/training/diagnostics/linalgKernels.ts (`gradientFNorm`); the plain reference is
// `gradientFNormReference` in src/training/diagnostics/li2.ts.

/**
 * The loss residual R = Y − Ŷ of training rows [rowStart, rowEnd) into packed strips of 4 classes:
 * R[i][c] at packed + (c >> 2)·stripBytes + i·32 + (c & 3)·8, zero for the padding classes of the
 * last strip; sums[c] += R[i][c] in row order (float64). `outputs` is float32 (rows × classes),
 * `labels` int32. loss 0: class-centred MSE, Y = onehot(y) − 1/M and Ŷ = o − mean_c(o); loss 1:
 * cross-entropy, Y = onehot(y) and Ŷ = softmax(o) (the row maximum subtracted before exp).
 * Every entry is the reference's float64 formula, evaluated in the same order (exp is
 * AssemblyScript's, not V8's: cross-entropy entries agree to rounding, not always bit for bit).
 */
export function lossResidualStrips(
  outputs: usize, labels: usize, classes: i32, loss: i32, rowStart: i32, rowEnd: i32, packed: usize, stripBytes: usize, sums: usize,
): void {
  const rowBytes = <usize>classes << 2;
  const paddedClasses = (classes + 3) & ~3;
  const share = 1.0 / <f64>classes;
  for (let i = rowStart; i < rowEnd; i++) {
    const row = outputs + <usize>i * rowBytes;
    const label = load<i32>(labels + (<usize>i << 2));
    const out = packed + (<usize>i << 5);
    if (loss == 0) {
      let mean: f64 = 0;
      for (let c = 0; c < classes; c++) mean += <f64>load<f32>(row + (<usize>c << 2));
      mean /= <f64>classes;
      for (let c = 0; c < classes; c++) {
        const value = (c == label ? 1.0 : 0.0) - share - (<f64>load<f32>(row + (<usize>c << 2)) - mean);
        store<f64>(out + <usize>(c >> 2) * stripBytes + (<usize>(c & 3) << 3), value);
        store<f64>(sums + (<usize>c << 3), load<f64>(sums + (<usize>c << 3)) + value);
      }
    } else {
      let maximum: f64 = -Infinity;
      for (let c = 0; c < classes; c++) maximum = max(maximum, <f64>load<f32>(row + (<usize>c << 2)));
      let partition: f64 = 0;
      for (let c = 0; c < classes; c++) partition += Math.exp(<f64>load<f32>(row + (<usize>c << 2)) - maximum);
      for (let c = 0; c < classes; c++) {
        const value = (c == label ? 1.0 : 0.0) - Math.exp(<f64>load<f32>(row + (<usize>c << 2)) - maximum) / partition;
        store<f64>(out + <usize>(c >> 2) * stripBytes + (<usize>(c & 3) << 3), value);
        store<f64>(sums + (<usize>c << 3), load<f64>(sums + (<usize>c << 3)) + value);
      }
    }
    for (let c = classes; c < paddedClasses; c++) store<f64>(out + <usize>(c >> 2) * stripBytes + (<usize>(c & 3) << 3), 0);
  }
}

/**
 * Subtracts means[c] from every class column c of `strips` packed strips over rows [rowStart,
 * rowEnd): P₁⊥, the centring over samples. `means` holds 4 · strips float64 (zero for padding).
 */
export function centreStrips(packed: usize, stripBytes: usize, strips: i32, means: usize, rowStart: i32, rowEnd: i32): void {
  for (let s = 0; s < strips; s++) {
    const m0 = v128.load(means + (<usize>s << 5)), m1 = v128.load(means + (<usize>s << 5), 16);
    const strip = packed + <usize>s * stripBytes;
    for (let i = rowStart; i < rowEnd; i++) {
      const at = strip + (<usize>i << 5);
      v128.store(at, f64x2.sub(v128.load(at), m0));
      v128.store(at, f64x2.sub(v128.load(at, 16), m1), 16);
    }
  }
}

/**
 * tr(AB) = Σ_{c,d} A[c][d]·B[c][d] of two symmetric size × size matrices stored as their lower
 * triangles (ld floats per row): the diagonal once, each entry below it twice.
 */
export function lowerTraceProduct(a: usize, b: usize, ld: i32, size: i32): f64 {
  const rowBytes = <usize>ld << 3;
  let diagonal: f64 = 0, below: f64 = 0;
  for (let c = 0; c < size; c++) {
    const rowA = a + <usize>c * rowBytes, rowB = b + <usize>c * rowBytes;
    for (let d = 0; d < c; d++) below += load<f64>(rowA + (<usize>d << 3)) * load<f64>(rowB + (<usize>d << 3));
    diagonal += load<f64>(rowA + (<usize>c << 3)) * load<f64>(rowB + (<usize>c << 3));
  }
  return diagonal + 2 * below;
}
