/**
 * The rolling Gram G = ΔᵀΔ of the last `capacity` flattened parameter updates (docs/science.md §5, arXiv
 * 2605.08119), kept **incrementally**: each push copies the new update into its ring slot inside
 * the window.wasm memory and computes only its dot products with the updates held, i.e. one new
 * row and column of G. Nothing is ever rebuilt from scratch.
 *
 * Entries of G are float64 dot products of float32 updates (see src/kernels/window.ts for the
 * accumulation). G[i][j] is the dot of the i-th and j-th held updates, so its eigenvalues are the
 * squared singular values of the stacked updates.
 */
import { compileKernel, KernelInstance, roundUp } from '../wasmKernels';

interface WindowKernelExports {
  dotsWithSlots(target: number, ring: number, strideBytes: number, slotCount: number, length: number, out: number): void;
  combineSlots(ring: number, strideBytes: number, slotCount: number, length: number, coefficients: number, out: number): void;
}

/** The buffers of dotsWith() and combine(), reserved when a window is built with `{ products: true }`. */
interface ProductBuffers {
  /** A vector whose dots with the held rows are wanted (stride floats, zero-padded). */
  targetBytesOffset: number;
  target: Float32Array;
  /** One float64 coefficient per slot. */
  coefficientsBytesOffset: number;
  coefficients: Float64Array;
  /** The combination (stride float64). */
  combinationBytesOffset: number;
  combination: Float64Array;
}

/** Slots start on cache-line boundaries and are padded with zeros to whole SIMD vectors. */
const SLOT_ALIGNMENT_FLOATS = 16;

export class RollingGram {
  /** Number of float32 entries of each update (P). */
  readonly length: number;
  /** Number of updates the ring holds (its capacity; a diagnostic's window is the newest `last` of them). */
  readonly capacity: number;
  private readonly kernel: WindowKernelExports;
  /** Floats between the starts of consecutive slots (length rounded up, zero-padded). */
  private readonly strideFloats: number;
  private readonly outputBytesOffset: number;
  private readonly ringBytesOffset: number;
  private readonly floats: Float32Array;
  private readonly outputs: Float64Array;
  /** Dot products by physical slot: entries[a · capacity + b] = ⟨slot a, slot b⟩. */
  private readonly entries: Float64Array;
  /** Updates pushed since construction. */
  private pushes = 0;
  private readonly products: ProductBuffers | undefined;

  /**
   * Allocates the ring (capacity × length float32, about 23 MB at 20 × 290 816) in a new instance
   * of window.wasm with its own memory; with `products`, also the buffers of dotsWith() and
   * combine() (12 bytes per entry).
   */
  constructor(length: number, capacity: number, options: { products?: boolean } = {}) {
    if (!Number.isInteger(length) || length < 1) throw new Error(`RollingGram: update length must be a positive integer, got ${length}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`RollingGram: capacity must be a positive integer, got ${capacity}`);
    this.length = length;
    this.capacity = capacity;
    this.strideFloats = roundUp(length, SLOT_ALIGNMENT_FLOATS);
    const instance = new KernelInstance<WindowKernelExports>(compileKernel('window', 'plain').module, 'window.wasm');
    this.kernel = instance.exports;
    // Fresh pages are zero, so the padding after each slot's `length` floats stays zero and adds
    // nothing to the dots.
    // One reserve() for every buffer: each call lays its buffers out from the instance's base.
    const productSizes = options.products ? [this.strideFloats * 4, capacity * 8, this.strideFloats * 8] : [];
    const [outputBytesOffset, ringBytesOffset, ...productOffsets] = instance.reserve(capacity * 8, capacity * this.strideFloats * 4, ...productSizes);
    this.outputBytesOffset = outputBytesOffset;
    this.ringBytesOffset = ringBytesOffset;
    const [targetBytesOffset, coefficientsBytesOffset, combinationBytesOffset] = productOffsets;
    const products = options.products ? { targetBytesOffset, coefficientsBytesOffset, combinationBytesOffset } : undefined;
    // Views are made once the memory has its final size (reserve may grow it).
    this.floats = instance.f32(0, instance.memory.buffer.byteLength / 4);
    this.outputs = instance.f64(this.outputBytesOffset, capacity);
    this.entries = new Float64Array(capacity * capacity);
    this.products = products && {
      ...products,
      target: instance.f32(products.targetBytesOffset, this.strideFloats),
      coefficients: instance.f64(products.coefficientsBytesOffset, capacity),
      combination: instance.f64(products.combinationBytesOffset, this.strideFloats),
    };
  }

  /** Updates currently held: min(pushes, capacity). */
  get count(): number {
    return Math.min(this.pushes, this.capacity);
  }

  /** Updates pushed since construction (including those that left the ring). */
  get pushed(): number {
    return this.pushes;
  }

  /**
   * Adds an update (copied; `update` is not kept or mutated), replacing the oldest when the ring is
   * full, and computes its dot products with every held update (including itself): O(capacity · P).
   */
  push(update: Float32Array): void {
    if (update.length !== this.length) throw new Error(`RollingGram.push: expected ${this.length} entries, got ${update.length}`);
    const slot = this.pushes % this.capacity;
    const slotFloatOffset = this.ringBytesOffset / 4 + slot * this.strideFloats;
    this.floats.set(update, slotFloatOffset);
    this.pushes++;
    // Held slots are always 0 … count − 1 (the ring fills in order, then wraps).
    const held = this.count;
    this.kernel.dotsWithSlots(slotFloatOffset * 4, this.ringBytesOffset, this.strideFloats * 4, held, this.strideFloats, this.outputBytesOffset);
    const w = this.capacity;
    for (let other = 0; other < held; other++) {
      const value = this.outputs[other];
      this.entries[slot * w + other] = value;
      this.entries[other * w + slot] = value;
    }
  }

  /** Physical slot of the update with logical index `index` among the `last` newest (0 = oldest). */
  private slotOf(index: number, last: number): number {
    return (this.pushes - last + index) % this.capacity;
  }

  /**
   * The Gram of the `last` newest updates (default: all held), (last × last) row-major float64,
   * ordered oldest → newest: entry (i, j) = ⟨Δ_i, Δ_j⟩. A new array; `last` is clamped to count.
   */
  gram(last: number = this.count): Float64Array {
    const size = Math.max(0, Math.min(Math.floor(last), this.count));
    const result = new Float64Array(size * size);
    const w = this.capacity;
    for (let i = 0; i < size; i++) {
      const slotI = this.slotOf(i, size);
      for (let j = 0; j < size; j++) result[i * size + j] = this.entries[slotI * w + this.slotOf(j, size)];
    }
    return result;
  }

  /**
   * The held update with logical index `index` among the `last` newest (0 = oldest, the order of
   * gram(last)): a view of its `length` float32 entries in the ring, valid until the next push().
   * Do not mutate it: the Gram's entries are its dot products. For singular vectors Xᵀu/s
   * (docs/science.md §8).
   */
  heldUpdate(index: number, last: number = this.count): Float32Array {
    const size = Math.min(Math.floor(last), this.count);
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new Error(`RollingGram.heldUpdate: index ${index} is not among the ${size} newest updates held`);
    const start = this.ringBytesOffset / 4 + this.slotOf(index, size) * this.strideFloats;
    return this.floats.subarray(start, start + this.length);
  }

  /**
   * X·v: the float64 dots of `vector` (length entries) with the `last` newest held updates, oldest
   * first (the order of gram(last)), by window.wasm (float32 products summed in float64 as the
   * Gram's). A new array. Needs `{ products: true }` at construction.
   */
  dotsWith(vector: Float32Array, last: number = this.count): Float64Array {
    const products = this.productBuffers();
    if (vector.length !== this.length) throw new Error(`RollingGram.dotsWith: expected ${this.length} entries, got ${vector.length}`);
    const size = Math.max(0, Math.min(Math.floor(last), this.count));
    products.target.set(vector);
    this.kernel.dotsWithSlots(products.targetBytesOffset, this.ringBytesOffset, this.strideFloats * 4, this.count, this.strideFloats, this.outputBytesOffset);
    return Float64Array.from({ length: size }, (_, index) => this.outputs[this.slotOf(index, size)]);
  }

  /**
   * Xᵀa: Σ_i coefficients[i] · (the i-th of the `coefficients.length` newest held updates, oldest
   * first), in float64, by window.wasm. Returns a view of `length` numbers, valid until the next
   * combine(). Needs `{ products: true }` at construction.
   */
  combine(coefficients: ArrayLike<number>): Float64Array {
    const products = this.productBuffers();
    const size = coefficients.length;
    if (size > this.count) throw new Error(`RollingGram.combine: ${size} coefficients for ${this.count} held updates`);
    products.coefficients.fill(0);
    for (let index = 0; index < size; index++) products.coefficients[this.slotOf(index, size)] = coefficients[index];
    this.kernel.combineSlots(this.ringBytesOffset, this.strideFloats * 4, this.count, this.strideFloats, products.coefficientsBytesOffset, products.combinationBytesOffset);
    return products.combination.subarray(0, this.length);
  }

  private productBuffers(): ProductBuffers {
    if (!this.products) throw new Error('this RollingGram was built without { products: true }');
    return this.products;
  }

  /** ⟨Δ_newest, Δ_previous⟩, or undefined with fewer than two updates held. */
  latestDot(): number | undefined {
    if (this.count < 2) return undefined;
    return this.entries[this.slotOf(1, 2) * this.capacity + this.slotOf(0, 2)];
  }

  /** ‖Δ‖² of the update `age` steps old (0 = newest), or undefined if not held. */
  squaredNorm(age = 0): number | undefined {
    if (!Number.isInteger(age) || age < 0 || age >= this.count) return undefined;
    const slot = this.slotOf(this.count - 1 - age, this.count);
    return this.entries[slot * this.capacity + slot];
  }

  /**
   * Cosine between the newest and the previous update, from the Gram's entries; undefined with
   * fewer than two updates or when either is zero.
   */
  latestCosine(): number | undefined {
    const dot = this.latestDot();
    const newest = this.squaredNorm(0);
    const previous = this.squaredNorm(1);
    if (dot === undefined || newest === undefined || previous === undefined || newest <= 0 || previous <= 0) return undefined;
    return dot / Math.sqrt(newest * previous);
  }
}
