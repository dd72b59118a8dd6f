// Rolling-window kernels (docs/science.md §5): dot products of the newest flattened update with every
// update held in the ring, for the incremental Gram G = ΔᵀΔ. Built to dist/kernels/window.wasm with
// its own memory; the ring and the output live in that memory and are laid out by
// src/training/diagnostics/rollingGram.ts (and by gradientSed.ts's DirectionSensitivity for the
// gradient-direction probe of §8), through src/training/wasmKernels.ts; and the combination Xᵀa of
// the held rows (combineSlots) for the Transformer's gradient projection (docs/science.md §12.5).
//
// Precision: products and short partial sums in f32x4 (the data are float32 anyway), promoted to
// float64 every CHUNK_BYTES so that no f32 accumulator sums more than 32 products per lane. The
// rounding error of a dot is then ~1e-7 of a 32-term partial sum, random across chunks, instead of
// growing with the length (P = 290 816 at the defaults).

/** Bytes of one f32 accumulation chunk: 128 floats = 32 f32x4 products per accumulator lane. */
const CHUNK_BYTES: usize = 512;

/** total (f64x2) += the four f32 lanes of `partial`, promoted to f64. */
@inline function addPromoted(total: v128, partial: v128): v128 {
  const low = f64x2.promote_low_f32x4(partial);
  const high = f64x2.promote_low_f32x4(v128.shuffle<f32>(partial, partial, 2, 3, 0, 1));
  return f64x2.add(total, f64x2.add(low, high));
}

@inline function sumLanes(total: v128): f64 {
  return f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1);
}

/**
 * out[s] = Σ_i target[i] · slot_s[i] (f64) for s = 0 … slotCount − 1, where slot s starts at
 * ring + s · strideBytes. `length` is the number of floats, a multiple of 4 (the caller pads each
 * slot with zeros); every pointer is 16-byte aligned. Four slots share each load of the target.
 */
export function dotsWithSlots(target: usize, ring: usize, strideBytes: usize, slotCount: i32, length: i32, out: usize): void {
  const end = <usize>length << 2;
  let slot = 0;
  for (; slot + 4 <= slotCount; slot += 4) {
    const base0 = ring + <usize>slot * strideBytes;
    const base1 = base0 + strideBytes;
    const base2 = base1 + strideBytes;
    const base3 = base2 + strideBytes;
    let total0 = f64x2.splat(0), total1 = f64x2.splat(0), total2 = f64x2.splat(0), total3 = f64x2.splat(0);
    let offset: usize = 0;
    while (offset < end) {
      const chunkEnd = min(end, offset + CHUNK_BYTES);
      let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), sum2 = f32x4.splat(0), sum3 = f32x4.splat(0);
      for (; offset < chunkEnd; offset += 16) {
        const x = v128.load(target + offset);
        sum0 = f32x4.add(sum0, f32x4.mul(x, v128.load(base0 + offset)));
        sum1 = f32x4.add(sum1, f32x4.mul(x, v128.load(base1 + offset)));
        sum2 = f32x4.add(sum2, f32x4.mul(x, v128.load(base2 + offset)));
        sum3 = f32x4.add(sum3, f32x4.mul(x, v128.load(base3 + offset)));
      }
      total0 = addPromoted(total0, sum0);
      total1 = addPromoted(total1, sum1);
      total2 = addPromoted(total2, sum2);
      total3 = addPromoted(total3, sum3);
    }
    const destination = out + (<usize>slot << 3);
    store<f64>(destination, sumLanes(total0));
    store<f64>(destination, sumLanes(total1), 8);
    store<f64>(destination, sumLanes(total2), 16);
    store<f64>(destination, sumLanes(total3), 24);
  }
  for (; slot < slotCount; slot++) {
    store<f64>(out + (<usize>slot << 3), dot(target, ring + <usize>slot * strideBytes, length));
  }
}

/** Σ_i a[i] · b[i] in f64 over `length` floats (a multiple of 4), 16-byte aligned pointers (the slots after the last group of 4). */
function dot(a: usize, b: usize, length: i32): f64 {
  const end = <usize>length << 2;
  let total = f64x2.splat(0);
  let offset: usize = 0;
  while (offset < end) {
    const chunkEnd = min(end, offset + CHUNK_BYTES);
    // Two accumulators so that consecutive adds do not wait on each other.
    let sumEven = f32x4.splat(0), sumOdd = f32x4.splat(0);
    for (; offset + 32 <= chunkEnd; offset += 32) {
      sumEven = f32x4.add(sumEven, f32x4.mul(v128.load(a + offset), v128.load(b + offset)));
      sumOdd = f32x4.add(sumOdd, f32x4.mul(v128.load(a + offset, 16), v128.load(b + offset, 16)));
    }
    for (; offset < chunkEnd; offset += 16) {
      sumEven = f32x4.add(sumEven, f32x4.mul(v128.load(a + offset), v128.load(b + offset)));
    }
    total = addPromoted(total, f32x4.add(sumEven, sumOdd));
  }
  return sumLanes(total);
}

/**
 * out[i] = Σ_s coefficients[s] · slot_s[i] (f64) for i < length: a combination Xᵀa of the held rows,
 * for the projection onto a window's top singular directions (projectOntoTopSingularSpace,
 * src/training/diagnostics/sedWindows.ts). `coefficients` holds slotCount f64; `out` holds `length`
 * f64; `length` is a multiple of 4; pointers 16-byte aligned. Each float is promoted to f64 before
 * its product, so the sum is a float64 combination of the float32 rows.
 */
export function combineSlots(ring: usize, strideBytes: usize, slotCount: i32, length: i32, coefficients: usize, out: usize): void {
  const end = <usize>length << 2;
  // Chunk by chunk (CHUNK_BYTES of each row, 1 KiB of output), so that each row is read in order and
  // the output chunk stays in cache while every row adds to it.
  for (let start: usize = 0; start < end; start += CHUNK_BYTES) {
    const chunkEnd = min(end, start + CHUNK_BYTES);
    for (let offset = start; offset < chunkEnd; offset += 16) {
      v128.store(out + (offset << 1), f64x2.splat(0));
      v128.store(out + (offset << 1), f64x2.splat(0), 16);
    }
    for (let slot = 0; slot < slotCount; slot++) {
      const c = f64x2.splat(load<f64>(coefficients + (<usize>slot << 3)));
      const row = ring + <usize>slot * strideBytes;
      for (let offset = start; offset < chunkEnd; offset += 16) {
        const x = v128.load(row + offset);
        const destination = out + (offset << 1);
        v128.store(destination, f64x2.add(v128.load(destination), f64x2.mul(c, f64x2.promote_low_f32x4(x))));
        v128.store(destination, f64x2.add(v128.load(destination, 16), f64x2.mul(c, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)))), 16);
      }
    }
  }
}
