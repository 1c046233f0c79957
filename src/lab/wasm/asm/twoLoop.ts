// AssemblyScript, built by scripts/build-wasm.mjs (plain SIMD only).
// The L-BFGS two-loop recursion's inner kernels (lbfgs.ts): curvature pairs stored as float32, the direction vector
// and every accumulation in float64, as the JS loops they replace. All pointers are byte offsets into this module's
// memory, which the caller lays out and grows; n is any length (a scalar tail follows the 4-wide body).

/** u^T out, u float32, out float64. */
export function dot32(u: usize, out: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let k = 0; k < n4; k += 4) {
    const uv = v128.load(u + (<usize>k << 2));
    const u0 = f64x2.promote_low_f32x4(uv);
    const u1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(uv, uv, 2, 3, 0, 1));
    const po = out + (<usize>k << 3);
    a0 = f64x2.add(a0, f64x2.mul(u0, v128.load(po, 0)));
    a1 = f64x2.add(a1, f64x2.mul(u1, v128.load(po, 16)));
  }
  let acc = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1) + (f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1));
  for (let k = n4; k < n; k++) acc += <f64>load<f32>(u + (<usize>k << 2)) * load<f64>(out + (<usize>k << 3));
  return acc;
}

/** out += c * u, then returns next^T out (next = 0: no dot, returns 0). u and next float32, out float64. */
export function axpyDot32(out: usize, c: f64, u: usize, next: usize, n: i32): f64 {
  const cv = f64x2.splat(c);
  const n4 = n & ~3;
  if (next == 0) {
    for (let k = 0; k < n4; k += 4) {
      const uv = v128.load(u + (<usize>k << 2));
      const po = out + (<usize>k << 3);
      v128.store(po, f64x2.add(v128.load(po, 0), f64x2.mul(cv, f64x2.promote_low_f32x4(uv))), 0);
      v128.store(po, f64x2.add(v128.load(po, 16), f64x2.mul(cv, f64x2.promote_low_f32x4(v128.shuffle<f32>(uv, uv, 2, 3, 0, 1)))), 16);
    }
    for (let k = n4; k < n; k++) {
      const po = out + (<usize>k << 3);
      store<f64>(po, load<f64>(po) + c * <f64>load<f32>(u + (<usize>k << 2)));
    }
    return 0;
  }
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  for (let k = 0; k < n4; k += 4) {
    const q = <usize>k << 2;
    const uv = v128.load(u + q);
    const vv = v128.load(next + q);
    const po = out + (<usize>k << 3);
    const o0 = f64x2.add(v128.load(po, 0), f64x2.mul(cv, f64x2.promote_low_f32x4(uv)));
    const o1 = f64x2.add(v128.load(po, 16), f64x2.mul(cv, f64x2.promote_low_f32x4(v128.shuffle<f32>(uv, uv, 2, 3, 0, 1))));
    v128.store(po, o0, 0);
    v128.store(po, o1, 16);
    a0 = f64x2.add(a0, f64x2.mul(f64x2.promote_low_f32x4(vv), o0));
    a1 = f64x2.add(a1, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(vv, vv, 2, 3, 0, 1)), o1));
  }
  let acc = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1) + (f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1));
  for (let k = n4; k < n; k++) {
    const po = out + (<usize>k << 3);
    const o = load<f64>(po) + c * <f64>load<f32>(u + (<usize>k << 2));
    store<f64>(po, o);
    acc += <f64>load<f32>(next + (<usize>k << 2)) * o;
  }
  return acc;
}

/** dst (float32) = src (float64), rounded: storing a new curvature pair. */
export function storeF32(dst: usize, src: usize, n: i32): void {
  for (let k = 0; k < n; k++) store<f32>(dst + (<usize>k << 2), <f32>load<f64>(src + (<usize>k << 3)));
}
