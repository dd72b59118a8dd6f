/**
 * The linear-algebra driver of linalg.wasm (src/kernels/linalg.ts): float64 blocked Gram products,
 * a blocked left-looking Cholesky and triangular operations on packed strips, for the Theorem-6
 * check (repulsion.ts, docs/science.md §6) and Li₂'s ‖G_F‖ (li2.ts, §9). It owns the process-wide
 * instances of the two builds (relaxed SIMD with the plain fallback, wasmKernels.ts), the blocking
 * parameters and the drivers that call the kernels slice by slice; what is computed from the
 * results belongs to its callers. Every operation is checked against plain TypeScript
 * (linalgReference.ts, li2.ts) in test/unit/linalg.test.ts and li2.test.ts.
 */
import type { LossName } from '../../shared/config/types';
import { compileKernel, KernelInstance, LOSS_CODE, roundUp, type SimdBuild, type SimdChoice } from '../wasmKernels';

/** The exports of linalg.wasm (src/kernels/linalg.ts). Addresses and sizes are byte offsets / counts. */
export interface LinalgExports {
  gramTiles(packed: number, stripBytes: number, c: number, ldc: number, rowStrip: number, stripStart: number, stripEnd: number, firstStep: number, steps: number, mode: number): void;
  columnSums(source: number, columns: number, rowStart: number, rowEnd: number, sums: number): void;
  centredColumnSquares(source: number, columns: number, rowStart: number, rowEnd: number, means: number, squares: number): void;
  packColumnStrips(source: number, rows: number, columns: number, means: number, destination: number, stripStart: number, stripEnd: number): void;
  packRowStrips(source: number, rows: number, columns: number, means: number, destination: number, stripStart: number, stripEnd: number): void;
  packColumnStrips32(source: number, rows: number, columns: number, means: number, destination: number, stripStart: number, stripEnd: number): void;
  scanLowerPairs(g: number, ldg: number, rowStart: number, rowEnd: number, inverseNorms: number, heap: number, capacity: number, state: number): void;
  cosineBlocks(packed: number, rows: number, rowBlock: number, blockStart: number, blockEnd: number, size: number, inverseNorms: number, heap: number, capacity: number, state: number, scratch: number): void;
  choleskyPanel(a: number, ld: number, first: number, width: number, rowStart: number, rowEnd: number): number;
  packPanel(a: number, ld: number, rowStart: number, rowEnd: number, column: number, width: number, destination: number, stripBytes: number, stripStart: number, stripEnd: number): void;
  solvePackedPanel(packed: number, stripBytes: number, width: number, stripStart: number, stripEnd: number, l: number, ld: number, first: number): void;
  unpackPanel(packed: number, stripBytes: number, width: number, stripStart: number, stripEnd: number, a: number, ld: number, rowStart: number, rowEnd: number, column: number): void;
  permutedLowerCopy(g: number, ldg: number, a: number, lda: number, permutation: number, rowStart: number, rowEnd: number, shift: number): void;
  lowerInverseRows(l: number, ld: number, offset: number, size: number, x: number, ldx: number, rowStart: number, rowEnd: number): void;
  gatherCentredColumns(source: number, rows: number, columns: number, means: number, indices: number, first: number, last: number, destination: number, ldd: number): void;
  packLowerColumns(l: number, ld: number, rows: number, destination: number, stripBytes: number, stripStart: number, stripEnd: number): void;
  productTiles(a: number, aStripBytes: number, b: number, bStripBytes: number, c: number, ldc: number, rowStrip: number, stripStart: number, stripEnd: number, firstStep: number, steps: number, mode: number): void;
  lossResidualStrips(outputs: number, labels: number, classes: number, loss: number, rowStart: number, rowEnd: number, packed: number, stripBytes: number, sums: number): void;
  centreStrips(packed: number, stripBytes: number, strips: number, means: number, rowStart: number, rowEnd: number): void;
  lowerTraceProduct(a: number, b: number, ld: number, size: number): number;
}

const MODE_STORE = 0;
const MODE_ADD = 1;
const MODE_SUBTRACT = 2;
/** Bytes per step of a packed strip of 4 float64 (or 8 float32). */
export const STEP_BYTES = 32;
/** Gram-type products: steps per pass, so that the row strip's slice (512 × 32 B = 16 KB) stays in L1 … */
const GRAM_STEP_BLOCK = 512;
/** … and column strips per panel (64 slices of 16 KB, from L2/L3): the best of 32, 64 and 128 measured. */
const GRAM_PANEL_STRIPS = 64;
/** Cholesky block-column width (a multiple of 4). */
const CHOLESKY_BLOCK = 64;
/** Rows per call of the row-wise kernels (small enough that V8's optimised code takes over early). */
export const ROW_CHUNK = 64;
/** Rows per call of the memory-bound streaming kernels (column sums), for the same reason. */
const STREAM_ROW_CHUNK = 16;

/**
 * Steps allocated per strip of the packed factor: pivots + 2, so that strips are not a power of two
 * bytes apart (64 KB at 2048 pivots would put every strip's step p in the same L2 set).
 */
export function packedFactorStepCount(pivots: number): number {
  return pivots + 2;
}


/** The process-wide instance of each choice, or why it could not be loaded; `auto` shares the instance of the build it chose. */
const sharedKernels = new Map<SimdChoice, LinalgKernels | Error>();

function loadLinalgKernels(choice: SimdChoice): LinalgKernels | Error {
  let loaded = sharedKernels.get(choice);
  if (loaded === undefined) {
    try {
      // compileKernel holds the relaxed-to-plain fallback of `auto` (src/training/wasmKernels.ts).
      const { module, simd } = compileKernel('linalg', choice);
      const named = sharedKernels.get(simd);
      loaded = named instanceof LinalgKernels ? named : new LinalgKernels(module, simd);
      sharedKernels.set(simd, loaded);
    } catch (error) {
      loaded = error instanceof Error ? error : new Error(String(error));
    }
    sharedKernels.set(choice, loaded);
  }
  return loaded;
}

/** The process-wide instance of a build (`auto`: relaxed if it loads, else plain), or undefined. */
export function tryLinalgKernels(choice: SimdChoice): LinalgKernels | undefined {
  const loaded = loadLinalgKernels(choice);
  return loaded instanceof LinalgKernels ? loaded : undefined;
}

/**
 * The process-wide linalg.wasm instance (`auto`: the relaxed-SIMD build if available, else plain).
 * Throws, with the reason, if the requested build cannot be loaded (`npm run build` builds linalg.wasm).
 */
export function linalgKernels(choice: SimdChoice = 'auto'): LinalgKernels {
  const loaded = loadLinalgKernels(choice);
  if (loaded instanceof Error) throw new Error(`linalg.wasm (${choice}) could not be loaded: ${loaded.message} (\`npm run build\` builds it)`);
  return loaded;
}

/**
 * The instance a diagnostic asked for: with `auto`, whatever loads (undefined when nothing does: the
 * caller takes its plain TypeScript path); a named build must load (it throws otherwise).
 */
export function linalgKernelsFor(simd: SimdChoice): LinalgKernels | undefined {
  return simd === 'auto' ? tryLinalgKernels('auto') : linalgKernels(simd);
}

/** The linalg.wasm builds this process can load (for tests that check each). */
export function availableLinalgBuilds(): SimdBuild[] {
  return (['plain', 'relaxed'] as SimdBuild[]).filter((choice) => tryLinalgKernels(choice) !== undefined);
}

/** Rows per call of the residual kernels, and V's strips per call of its packing (tier-up, as ROW_CHUNK). */
const RESIDUAL_ROW_CHUNK = 256;
const WEIGHT_STRIP_CHUNK = 4;

/**
 * Float64 blocked linear algebra on one instance of linalg.wasm with its own memory, which is a
 * scratch arena: every operation lays out its buffers from its base (reserve), growing it when
 * needed (it never shrinks), so views and offsets are valid only within one operation. The blocked
 * drivers work on arena offsets (for the Theorem-6 forms of repulsion.ts); the whole-matrix
 * operations and gradientFNorm copy typed arrays in and out.
 */
export class LinalgKernels extends KernelInstance<LinalgExports> {
  /** Which build this instance runs. */
  readonly simd: SimdBuild;

  constructor(module: WebAssembly.Module, simd: SimdBuild) {
    super(module, `linalg.wasm (${simd})`);
    this.simd = simd;
  }

  // ---- blocked drivers (offsets into the arena) ----

  /** Column means of the float32 matrix at `source` into `means` (float64, zeroed first). */
  columnMeans(source: number, rows: number, columns: number, means: number): void {
    this.f64(means, columns).fill(0);
    for (let row = 0; row < rows; row += STREAM_ROW_CHUNK) this.exports.columnSums(source, columns, row, Math.min(rows, row + STREAM_ROW_CHUNK), means);
    const view = this.f64(means, columns);
    for (let j = 0; j < columns; j++) view[j] /= rows;
  }

  /**
   * Lower 4 × 4 tiles (b ≤ a) of C (∘)= XᵀX over rows strips a ∈ [rowStart, rowEnd) and column strips
   * b ∈ [columnStart, columnEnd), for X in packed strips (stripBytes apart) and steps [0, steps):
   * blocked by GRAM_STEP_BLOCK steps and GRAM_PANEL_STRIPS column strips. The first step block uses
   * `firstMode`, the others `laterMode` (store then add for a Gram, subtract throughout for an update).
   */
  private tileProducts(
    packed: number, stripBytes: number, c: number, ldc: number,
    rowStart: number, rowEnd: number, columnStart: number, columnEnd: number, steps: number, firstMode: number, laterMode: number,
  ): void {
    for (let first = 0; first < steps; first += GRAM_STEP_BLOCK) {
      const count = Math.min(GRAM_STEP_BLOCK, steps - first);
      const mode = first === 0 ? firstMode : laterMode;
      for (let panel = columnStart; panel < columnEnd; panel += GRAM_PANEL_STRIPS) {
        const panelEnd = Math.min(columnEnd, panel + GRAM_PANEL_STRIPS);
        for (let row = Math.max(rowStart, panel); row < rowEnd; row++) {
          this.exports.gramTiles(packed, stripBytes, c, ldc, row, panel, Math.min(panelEnd, row + 1), first, count, mode);
        }
      }
    }
  }

  /**
   * Lower 4 × 4 tiles of XᵀX into C (ldc floats per row) for X in packed strips (`strips` strips of
   * `steps` steps). Tiles on the diagonal are whole; rows and columns of the padding strips are
   * written too (as Gram entries of the zero padding).
   */
  gram(packed: number, stripBytes: number, strips: number, steps: number, c: number, ldc: number): void {
    this.tileProducts(packed, stripBytes, c, ldc, 0, strips, 0, strips, steps, MODE_STORE, MODE_ADD);
  }

  /**
   * In-place left-looking blocked Cholesky of the lower-stored symmetric A (size × size, ld floats per
   * row, roundUp(size, 4) rows and columns allocated) for its first `pivots` pivots (a multiple
   * of 4 unless pivots = size). For each block column [first, first + CHOLESKY_BLOCK): subtract the
   * products of the finished columns (a Gram-type product over `first` steps of the packed L), factor
   * the diagonal block, then solve the rows below it on packed strips, which go into the packed L
   * (`packed`: roundUp(size, 4)/4 strips of 4 rows × packedFactorStepCount(pivots) steps) and back
   * into A. Afterwards rows < pivots hold L, the border rows (≥ pivots) hold
   * A₂₁L₁₁⁻ᵀ and the trailing block the Schur complement A₂₂ − L₂₁L₂₁ᵀ (lower). Returns −1, or the
   * first row whose pivot is not positive.
   */
  choleskyInPlace(a: number, ld: number, size: number, pivots: number, packed: number): number {
    if (pivots < size && pivots % 4 !== 0) throw new Error(`choleskyInPlace: ${pivots} pivots of ${size} rows is not a multiple of 4`);
    const strips = Math.ceil(size / 4);
    const stripBytes = packedFactorStepCount(pivots) * STEP_BYTES;
    for (let first = 0; first < pivots; first += CHOLESKY_BLOCK) {
      const width = Math.min(CHOLESKY_BLOCK, pivots - first);
      const end = first + width;
      this.tileProducts(packed, stripBytes, a, ld, first / 4, strips, first / 4, Math.ceil(end / 4), first, MODE_SUBTRACT, MODE_SUBTRACT);
      const failed = this.exports.choleskyPanel(a, ld, first, width, first, end);
      if (failed !== 0) return failed - 1;
      if (end >= size) continue;
      const below = Math.ceil((size - end) / 4);
      const destination = packed + (end / 4) * stripBytes + first * STEP_BYTES;
      for (let strip = 0; strip < below; strip += ROW_CHUNK) {
        const stripEnd = Math.min(below, strip + ROW_CHUNK);
        this.exports.packPanel(a, ld, end, size, first, width, destination, stripBytes, strip, stripEnd);
        this.exports.solvePackedPanel(destination, stripBytes, width, strip, stripEnd, a, ld, first);
        this.exports.unpackPanel(destination, stripBytes, width, strip, stripEnd, a, ld, end, size, first);
      }
    }
    if (pivots < size) this.tileProducts(packed, stripBytes, a, ld, pivots / 4, strips, pivots / 4, strips, pivots, MODE_SUBTRACT, MODE_SUBTRACT);
    return -1;
  }

  /**
   * Vᵀ = LᵀX (rows × count, ldv floats per row, roundUp(rows, 4) rows allocated) for the lower-
   * triangular L (rows × rows, ld floats per row) and the right-hand sides X given as rows of length
   * `rows` (count of them, ldx floats apart): both operands packed (`packedRhs`: ceil(count/4) · rows
   * · 32 bytes; `packedColumns`: roundUp(rows, 4) · rows · 8 bytes), then a Gram-type product.
   */
  lowerTransposeProduct(
    l: number, ld: number, rows: number, x: number, ldx: number, count: number, packedRhs: number, packedColumns: number, v: number, ldv: number,
  ): void {
    const stripBytes = rows * STEP_BYTES;
    const rhsStrips = Math.ceil(count / 4);
    const columnStrips = Math.ceil(rows / 4);
    for (let strip = 0; strip < rhsStrips; strip += ROW_CHUNK) {
      this.exports.packPanel(x, ldx, 0, count, 0, rows, packedRhs, stripBytes, strip, Math.min(rhsStrips, strip + ROW_CHUNK));
    }
    for (let strip = 0; strip < columnStrips; strip += 8) {
      this.exports.packLowerColumns(l, ld, rows, packedColumns, stripBytes, strip, Math.min(columnStrips, strip + 8));
    }
    this.f64(v, roundUp(rows, 4) * ldv).fill(0);
    // Step k meets column strip q only for 4q ≤ k (L is lower): later strips are skipped per block.
    for (let first = 0; first < rows; first += GRAM_STEP_BLOCK) {
      const steps = Math.min(GRAM_STEP_BLOCK, rows - first);
      const activeStrips = Math.ceil((first + steps) / 4);
      for (let strip = 0; strip < activeStrips; strip++) {
        this.exports.productTiles(packedColumns, stripBytes, packedRhs, stripBytes, v, ldv, strip, 0, rhsStrips, first, steps, MODE_ADD);
      }
    }
  }

  // ---- Li₂ (docs/science.md §9) ----

  /**
   * ‖G_F‖_F = ‖P₁⊥ R V‖_F of Li₂ (docs/science.md §9) as √tr(R̃ᵀR̃ · VVᵀ), in float64: the residual
   * R and its centring by lossResidualStrips / centreStrips, both M × M Grams by the blocked Gram
   * kernels (R̃ over samples, V over hidden units), the trace by lowerTraceProduct. The inputs are
   * copied into the arena; nothing is allocated per call but a few views. Mutates nothing of the
   * caller's. The plain reference is li2.ts's gradientFNormReference.
   *
   * @param trainOutput o (samples × classes), row-major
   * @param labels y, length samples
   * @param secondLayer V (classes × hidden), row-major
   */
  gradientFNorm(trainOutput: Float32Array, labels: Int32Array, secondLayer: Float32Array, classes: number, hidden: number, loss: LossName): number {
    const samples = labels.length;
    const strips = Math.ceil(classes / 4);
    const width = 4 * strips;
    const residualStripBytes = samples * STEP_BYTES;
    const weightStripBytes = hidden * STEP_BYTES;
    const [outputs, labelBuffer, weights, zeros, means, packedResidual, packedWeights, residualGram, weightGram] = this.reserve(
      samples * classes * 4, samples * 4, classes * hidden * 4, hidden * 8, width * 8,
      strips * residualStripBytes, strips * weightStripBytes, width * width * 8, width * width * 8,
    );
    this.f32(outputs, samples * classes).set(trainOutput);
    this.i32(labelBuffer, samples).set(labels);
    this.f32(weights, classes * hidden).set(secondLayer);
    // P₁⊥: the class means over samples, summed in row order (as the reference), then subtracted.
    const classMeans = this.f64(means, width);
    classMeans.fill(0);
    for (let row = 0; row < samples; row += RESIDUAL_ROW_CHUNK) {
      this.exports.lossResidualStrips(outputs, labelBuffer, classes, LOSS_CODE[loss], row, Math.min(samples, row + RESIDUAL_ROW_CHUNK), packedResidual, residualStripBytes, means);
    }
    for (let c = 0; c < classes; c++) classMeans[c] /= samples;
    for (let row = 0; row < samples; row += RESIDUAL_ROW_CHUNK) {
      this.exports.centreStrips(packedResidual, residualStripBytes, strips, means, row, Math.min(samples, row + RESIDUAL_ROW_CHUNK));
    }
    this.gram(packedResidual, residualStripBytes, strips, samples, residualGram, width);
    // V's rows packed as they are: packRowStrips centres by `means`, here zero.
    this.f64(zeros, hidden).fill(0);
    for (let strip = 0; strip < strips; strip += WEIGHT_STRIP_CHUNK) {
      this.exports.packRowStrips(weights, classes, hidden, zeros, packedWeights, strip, Math.min(strips, strip + WEIGHT_STRIP_CHUNK));
    }
    this.gram(packedWeights, weightStripBytes, strips, hidden, weightGram, width);
    return Math.sqrt(Math.max(this.exports.lowerTraceProduct(residualGram, weightGram, width, classes), 0));
  }

  // ---- whole-matrix operations on typed arrays (copied in and out), for tests and tools ----

  /**
   * G = F̃ᵀF̃ (`columns`: columns × columns) or F̃F̃ᵀ (`rows`: rows × rows) of the column-centred
   * float32 matrix F (rows × columns), by the blocked float64 kernels; returned full (symmetric).
   */
  centredGram(matrix: Float32Array, rows: number, columns: number, side: 'columns' | 'rows'): Float64Array {
    const size = side === 'columns' ? columns : rows;
    const width = roundUp(size, 4);
    const strips = width / 4;
    const steps = side === 'columns' ? rows : columns;
    const [source, means, packed, gram] = this.reserve(rows * columns * 4, roundUp(columns, 4) * 8, strips * steps * STEP_BYTES, width * width * 8);
    this.f32(source, rows * columns).set(matrix);
    this.columnMeans(source, rows, columns, means);
    if (side === 'columns') this.exports.packColumnStrips(source, rows, columns, means, packed, 0, strips);
    else this.exports.packRowStrips(source, rows, columns, means, packed, 0, strips);
    this.gram(packed, steps * STEP_BYTES, strips, steps, gram, width);
    const lower = this.f64(gram, width * width);
    const full = new Float64Array(size * size);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j <= i; j++) {
        full[i * size + j] = lower[i * width + j];
        full[j * size + i] = lower[i * width + j];
      }
    }
    return full;
  }

  /**
   * Blocked Cholesky of the symmetric A (size × size, lower triangle read) for its first `pivots`
   * pivots (default all). Returns the lower-triangular result (size × size, zeros above the diagonal
   * in the factored columns): rows < pivots hold L₁₁, border rows hold L₂₁ = A₂₁L₁₁⁻ᵀ (i.e. forward
   * solves of the border rows), and the trailing block the Schur complement A₂₂ − L₂₁L₂₁ᵀ (lower).
   */
  cholesky(matrix: Float64Array, size: number, pivots = size): { factor: Float64Array } | { failedPivot: number } {
    const ld = roundUp(size, 4) + 4;
    const [a, packed] = this.reserve(ld * ld * 8, Math.ceil(size / 4) * packedFactorStepCount(pivots) * STEP_BYTES);
    const view = this.f64(a, ld * ld);
    view.fill(0);
    for (let i = 0; i < size; i++) view.set(matrix.subarray(i * size, i * size + i + 1), i * ld);
    const failed = this.choleskyInPlace(a, ld, size, pivots, packed);
    if (failed >= 0) return { failedPivot: failed };
    const result = this.f64(a, ld * ld);
    const factor = new Float64Array(size * size);
    for (let i = 0; i < size; i++) factor.set(result.subarray(i * ld, i * ld + i + 1), i * size);
    return { factor };
  }

  /**
   * X with rows X[a] = T⁻¹e_a (a column of T⁻¹ stored as a row; zero before a) for the lower-
   * triangular T (size × size). Then (TTᵀ)⁻¹[a][b] = X[a]·X[b].
   */
  lowerInverseRows(lower: Float64Array, size: number): Float64Array {
    const [l, x] = this.reserve(size * size * 8, size * size * 8);
    this.f64(l, size * size).set(lower);
    this.exports.lowerInverseRows(l, size, 0, size, x, size, 0, size);
    return Float64Array.from(this.f64(x, size * size));
  }

  /**
   * Y = X L for right-hand sides X (count × size, one per row) and lower-triangular L (size × size),
   * i.e. rows (Lᵀx)ᵀ. Returns Y (count × size).
   */
  lowerRightProduct(rowsOfX: Float64Array, count: number, lower: Float64Array, size: number): Float64Array {
    const ld = roundUp(size, 4) + 4;
    const ldv = roundUp(count, 4) + 4;
    const [x, l, packedRhs, packedColumns, v] = this.reserve(
      count * size * 8, size * ld * 8, Math.ceil(count / 4) * size * STEP_BYTES, roundUp(size, 4) * size * 8, roundUp(size, 4) * ldv * 8,
    );
    this.f64(x, count * size).set(rowsOfX);
    const lView = this.f64(l, size * ld);
    lView.fill(Number.NaN); // the upper part must not be read
    for (let i = 0; i < size; i++) lView.set(lower.subarray(i * size, i * size + i + 1), i * ld);
    this.lowerTransposeProduct(l, ld, size, x, size, count, packedRhs, packedColumns, v, ldv);
    const vView = this.f64(v, roundUp(size, 4) * ldv);
    const result = new Float64Array(count * size);
    for (let r = 0; r < count; r++) for (let i = 0; i < size; i++) result[r * size + i] = vView[i * ldv + r];
    return result;
  }

}
