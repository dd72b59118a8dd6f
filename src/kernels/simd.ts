// Float32 SIMD helpers shared by the kernels (imported, and inlined, by epoch.ts and
// transformer.ts; not a build entry of its own). See ./README.md, "Builds".

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
  const clamped = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  // t = n + 1.5·2²³ with n = round-to-nearest-even(x·log2 e); its low mantissa bits hold n.
  const shifted = f32x4.add(f32x4.mul(clamped, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0));
  const n = f32x4.sub(shifted, f32x4.splat(12582912.0));
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  if (withLow) r = f32x4.add(r, low);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  // bits(shifted) = 0x4B400000 + n, so bits − 0x4B400000 + 127 is n's biased exponent.
  const scale = i32x4.shl(i32x4.add(shifted, i32x4.splat(127 - 0x4B400000)), 23);
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
