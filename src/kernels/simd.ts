// Float32 SIMD helpers shared by the kernels (imported, and inlined, by epoch.ts and
// transformer.ts; not a build entry of its own). See ./README.md, "Builds".

/**
 * The constants of expCore, read with load32_splat (one instruction) from this static table: V8
 * 11.3 has no constant pool for SIMD and builds every splatted constant from a general register
 * in three instructions, which made constant-heavy loops (the GELU) twice as long.
 */
const EXP_CONSTANTS: usize = memory.data<f32>([
  -87.0, 88.0, 1.44269504088896341, 12582912.0, 0.693359375, -2.12194440e-4,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  1.0, reinterpret<f32>(127 - 0x4B400000),
], 16);

/** a·b + c. Fused (one rounding) in the relaxed-SIMD build; two roundings otherwise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * e^(x + low) per lane, float32, about 1 ulp: Cody–Waite reduction x = n·ln2 + r (|r| ≤ ln2/2) and
 * the degree-7 minimax polynomial of Cephes' expf; 2ⁿ is built in the exponent bits. x is clamped
 * to [−87, 88] so that 2ⁿ stays a normal number: beyond, it returns e^−87 ≈ 1.6e−38 or e^88 ≈
 * 1.7e38. With `withLow` (a compile-time constant), the small correction `low` (|low| ≪ 1) is added
 * to the reduced argument r, after the exact reduction: e^(x + low) without rounding x + low to
 * float32 first, whose error would be |x|·2⁻²⁴ relative (the GELU's e^(−z²/2) needs that).
 * Cheap forms on purpose: pmin/pmax (one instruction each; wasm's min/max need a NaN fix-up
 * sequence) and the 1.5·2²³ trick for rounding to an integer and reading it from the bits
 * (instead of nearest and trunc_sat, which V8 lowers to several instructions).
 */
// @ts-ignore: decorator
@inline function expCore(x: v128, low: v128, withLow: bool): v128 {
  const c = EXP_CONSTANTS;
  const clamped = f32x4.pmin(f32x4.pmax(x, v128.load32_splat(c)), v128.load32_splat(c, 4));
  // t = n + 1.5·2²³ with n = round-to-nearest-even(x·log2 e); its low mantissa bits hold n.
  const magic = v128.load32_splat(c, 12);
  const shifted = f32x4.add(f32x4.mul(clamped, v128.load32_splat(c, 8)), magic);
  const n = f32x4.sub(shifted, magic);
  let r = f32x4.sub(clamped, f32x4.mul(n, v128.load32_splat(c, 16)));
  r = f32x4.sub(r, f32x4.mul(n, v128.load32_splat(c, 20)));
  if (withLow) r = f32x4.add(r, low);
  let p = v128.load32_splat(c, 24);
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(c, 28));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(c, 32));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(c, 36));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(c, 40));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(c, 44));
  const one = v128.load32_splat(c, 48);
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), one);
  // bits(shifted) = 0x4B400000 + n, so bits − 0x4B400000 + 127 is n's biased exponent.
  const scale = i32x4.shl(i32x4.add(shifted, v128.load32_splat(c, 52)), 23);
  return f32x4.mul(p, scale);
}

/** e^x per lane (expCore): silu's logistic (epoch.ts), the softmaxes of transformer.ts. */
// @ts-ignore: decorator
@inline export function expVector(x: v128): v128 {
  return expCore(x, x, false);
}

/** e^(x + low) per lane for a small correction `low` (expCore): the GELU's e^(−z²/2) with z² split exactly. */
// @ts-ignore: decorator
@inline export function expSumVector(x: v128, low: v128): v128 {
  return expCore(x, low, true);
}
