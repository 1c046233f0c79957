// SIMD helpers shared by the AssemblyScript modules (mlp.ts, regHvp.ts); all are inlined at their call sites.

/** Where the module's static data ends: callers lay out their buffers from here on. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * acc + a * b. Each module is built twice (scripts/build-wasm.mjs): plain SIMD, and relaxed SIMD, where this may
 * be one fused multiply-add.
 */
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * max(0, v) per lane as pmax(0, v) = 0 < v ? v : 0, a single maxps (f32x4.max would add NaN/-0 fix-ups).
 * NaN and -0 become +0; every finite, nonzero result is the same as with any other ReLU, and a zero's sign never
 * survives the sums it feeds, which start at +0.
 */
@inline export function relu(v: v128): v128 {
  return f32x4.pmax(f32x4.splat(0), v);
}

/** acc (f64x2) += the four lanes of t, pairwise. */
@inline export function addWide(acc: v128, t: v128): v128 {
  const hi = v128.shuffle<f32>(t, t, 2, 3, 0, 1);
  return f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(t), f64x2.promote_low_f32x4(hi)));
}

/** The sum of an f64x2's two lanes. */
@inline export function sum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}
