// WebAssembly SIMD kernels for M two-layer ReLU regressors f(x) = W2 . relu(W1 x + b1) + b2, one model per call.
// Rule (one GD step): e_i = 2 (f_i - y_i) / n, delta_ij = e_i W2_j [z_ij > 0],
//   gW1 = (sum_i delta_i x_i^T + l2 W1) diag(precond), gb1 = sum_i delta_i, gW2 = sum_i e_i relu(z_i) + l2 W2,
//   gb2 = sum_i e_i; theta <- theta - lr g for all four tensors.
// The caller owns the memory layout (all pointers are byte offsets, 16-byte aligned, f32 unless noted). Sizes are
// padded: h (units) to a multiple of 16 with zero units, which stay zero; d2 (input dims) to a multiple of 2 with
// zero inputs; n to a multiple of 4 (train) or 8 (test) with mask-0 points.
//   Model: w1 [h/8][d2][8] (8 consecutive units per input dim), b1 and w2 [h], b2 one f32, prec [d2].
//   Train set, twice: xa [n/4][d2][4][4] and xb [n][d2][4] (every x_ik splatted to 4 lanes); y, mask [n].
//   Test set: x [n/8][d][8] (8 points per block, real d), y, mask [n].
//   Scratch: z [h/8][n][8] (train pre-activations), e [n], delta [h/16][n][16], fold [(h + 4) (d + 1)].

import { addWide, madd, relu, sum64 } from './simd';

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * Folds W2 into the first layer for evaluation, as relu(z) W2_j = sign(W2_j) relu(|W2_j| z): writes |W2_j| w_j and
 * |W2_j| b1_j of the units whose W2_j has the given sign (NaN counts as positive) to fw ([m/4][d][4]) and fb,
 * padded with zero units to a multiple of 4; returns the number m of units written.
 */
function foldGroup(negative: bool, w1: usize, b1: usize, w2: usize, h: i32, d: i32, d2: i32, fw: usize, fb: usize): i32 {
  const blk = <usize>d << 4;
  const srcBlk = <usize>d2 << 5;
  let m = 0;
  for (let j = 0; j < h; j++) {
    const c = load<f32>(w2 + (<usize>j << 2));
    if (negative ? !(c < 0) : !(c > 0 || c != c)) continue; // units with W2_j = 0 add nothing
    const a = abs(c);
    const src = w1 + (<usize>j >> 3) * srcBlk + ((<usize>j & 7) << 2);
    const dst = fw + (<usize>m >> 2) * blk + ((<usize>m & 3) << 2);
    for (let k: usize = 0; k < <usize>d; k++) store<f32>(dst + (k << 4), a * load<f32>(src + (k << 5)));
    store<f32>(fb + (<usize>m << 2), a * load<f32>(b1 + (<usize>j << 2)));
    m++;
  }
  for (; m & 3; m++) {
    const dst = fw + (<usize>m >> 2) * blk + ((<usize>m & 3) << 2);
    for (let k: usize = 0; k < blk; k += 16) store<f32>(dst + k, 0);
    store<f32>(fb + (<usize>m << 2), 0);
  }
  return m;
}

/**
 * Sum of squared errors over the packed test set. W2 is folded into W1 first (scratch: (h + 4) * (d + 1) floats at
 * fold), which leaves one add per unit instead of a multiply-add. Fused: for each block of 8 points and 4 units the
 * 8 x 4 pre-activations live in registers and go through relu into the outputs at once.
 */
export function evalSSE(w1: usize, b1: usize, w2: usize, b2: f32, x: usize, y: usize, mask: usize, n: i32, h: i32, d: i32, d2: i32, fold: usize): f64 {
  const fb = fold + <usize>(h + 4) * (<usize>d << 2);
  const hPos = foldGroup(false, w1, b1, w2, h, d, d2, fold, fb);
  const hAll = hPos + foldGroup(true, w1, b1, w2, h, d, d2, fold + <usize>hPos * (<usize>d << 2), fb + (<usize>hPos << 2));
  const xStride = <usize>d << 5;
  const vb2 = f32x4.splat(b2);
  let sse = f64x2.splat(0);
  for (let p = 0; p < n; p += 8) {
    const xb = x + (<usize>p >> 3) * xStride;
    const xe = xb + xStride;
    let o0 = f32x4.splat(0);
    let o1 = f32x4.splat(0);
    let wp = fold;
    for (let u = 0; u < hAll; u += 4) {
      if (u == hPos) {
        // from here on the units count negatively: o becomes -(sum of positives), then gains the negatives
        o0 = f32x4.neg(o0);
        o1 = f32x4.neg(o1);
      }
      const bu = fb + (<usize>u << 2);
      let s = v128.load32_splat(bu, 0);
      let a00 = s, a01 = s;
      s = v128.load32_splat(bu, 4);
      let a10 = s, a11 = s;
      s = v128.load32_splat(bu, 8);
      let a20 = s, a21 = s;
      s = v128.load32_splat(bu, 12);
      let a30 = s, a31 = s;
      for (let xp = xb; xp < xe; xp += 32, wp += 16) {
        const x0 = v128.load(xp, 0);
        const x1 = v128.load(xp, 16);
        s = v128.load32_splat(wp, 0);
        a00 = madd(a00, s, x0);
        a01 = madd(a01, s, x1);
        s = v128.load32_splat(wp, 4);
        a10 = madd(a10, s, x0);
        a11 = madd(a11, s, x1);
        s = v128.load32_splat(wp, 8);
        a20 = madd(a20, s, x0);
        a21 = madd(a21, s, x1);
        s = v128.load32_splat(wp, 12);
        a30 = madd(a30, s, x0);
        a31 = madd(a31, s, x1);
      }
      o0 = f32x4.add(o0, f32x4.add(f32x4.add(relu(a00), relu(a10)), f32x4.add(relu(a20), relu(a30))));
      o1 = f32x4.add(o1, f32x4.add(f32x4.add(relu(a01), relu(a11)), f32x4.add(relu(a21), relu(a31))));
    }
    if (hPos == hAll) {
      o0 = f32x4.neg(o0);
      o1 = f32x4.neg(o1);
    }
    const yp = y + (<usize>p << 2);
    const mp = mask + (<usize>p << 2);
    const d0 = f32x4.mul(f32x4.sub(f32x4.sub(vb2, o0), v128.load(yp, 0)), v128.load(mp, 0));
    const d1 = f32x4.mul(f32x4.sub(f32x4.sub(vb2, o1), v128.load(yp, 16)), v128.load(mp, 16));
    sse = addWide(sse, f32x4.add(f32x4.mul(d0, d0), f32x4.mul(d1, d1)));
  }
  return sum64(sse);
}

/**
 * Forward pass over the train set, 4 points x 8 units at a time (lanes = units): stores the pre-activations in z and
 * e_i = scale (f_i - y_i) mask_i; returns the sum of squared errors.
 */
export function trainForward(w1: usize, b1: usize, w2: usize, b2: f32, xa: usize, y: usize, mask: usize, n: i32, h: i32, d2: i32, z: usize, e: usize, scale: f32): f64 {
  const xStride = <usize>d2 << 6;
  const zStride = <usize>n << 5;
  let sse: f64 = 0;
  for (let p = 0; p < n; p += 4) {
    const xb = xa + (<usize>p >> 2) * xStride;
    const xe = xb + xStride;
    let f0 = f32x4.splat(0), f1 = f32x4.splat(0), f2 = f32x4.splat(0), f3 = f32x4.splat(0);
    let wp = w1;
    let zp = z + (<usize>p << 5);
    for (let u = 0; u < h; u += 8) {
      const bu = b1 + (<usize>u << 2);
      const lo = v128.load(bu, 0);
      const hi = v128.load(bu, 16);
      let a0 = lo, a1 = lo, a2 = lo, a3 = lo;
      let c0 = hi, c1 = hi, c2 = hi, c3 = hi;
      for (let xp = xb; xp < xe; xp += 64, wp += 32) {
        const wl = v128.load(wp, 0);
        const wh = v128.load(wp, 16);
        let s = v128.load(xp, 0);
        a0 = madd(a0, wl, s);
        c0 = madd(c0, wh, s);
        s = v128.load(xp, 16);
        a1 = madd(a1, wl, s);
        c1 = madd(c1, wh, s);
        s = v128.load(xp, 32);
        a2 = madd(a2, wl, s);
        c2 = madd(c2, wh, s);
        s = v128.load(xp, 48);
        a3 = madd(a3, wl, s);
        c3 = madd(c3, wh, s);
      }
      v128.store(zp, a0, 0);
      v128.store(zp, c0, 16);
      v128.store(zp, a1, 32);
      v128.store(zp, c1, 48);
      v128.store(zp, a2, 64);
      v128.store(zp, c2, 80);
      v128.store(zp, a3, 96);
      v128.store(zp, c3, 112);
      zp += zStride;
      const wu = w2 + (<usize>u << 2);
      const vl = v128.load(wu, 0);
      const vh = v128.load(wu, 16);
      f0 = madd(madd(f0, relu(a0), vl), relu(c0), vh);
      f1 = madd(madd(f1, relu(a1), vl), relu(c1), vh);
      f2 = madd(madd(f2, relu(a2), vl), relu(c2), vh);
      f3 = madd(madd(f3, relu(a3), vl), relu(c3), vh);
    }
    const yp = y + (<usize>p << 2);
    const mp = mask + (<usize>p << 2);
    const ep = e + (<usize>p << 2);
    const r0 = (hsum(f0) + b2 - load<f32>(yp, 0)) * load<f32>(mp, 0);
    const r1 = (hsum(f1) + b2 - load<f32>(yp, 4)) * load<f32>(mp, 4);
    const r2 = (hsum(f2) + b2 - load<f32>(yp, 8)) * load<f32>(mp, 8);
    const r3 = (hsum(f3) + b2 - load<f32>(yp, 12)) * load<f32>(mp, 12);
    store<f32>(ep, scale * r0, 0);
    store<f32>(ep, scale * r1, 4);
    store<f32>(ep, scale * r2, 8);
    store<f32>(ep, scale * r3, 12);
    sse += <f64>r0 * r0 + <f64>r1 * r1 + <f64>r2 * r2 + <f64>r3 * r3;
  }
  return sse;
}

/** delta, gb1 and gW2 of 16 units (4 vectors at u) from z and e; updates b1 and W2 of those units. */
function deltaBlock(b1: usize, w2: usize, n: i32, z: usize, e: usize, delta: usize, lr: v128, l2: v128): void {
  const zero = f32x4.splat(0);
  const v0 = v128.load(w2, 0), v1 = v128.load(w2, 16), v2 = v128.load(w2, 32), v3 = v128.load(w2, 48);
  let g0 = zero, g1 = zero, g2 = zero, g3 = zero;
  let q0 = zero, q1 = zero, q2 = zero, q3 = zero;
  const zHalf = <usize>n << 5;
  let zp = z;
  let dp = delta;
  const ee = e + (<usize>n << 2);
  for (let ep = e; ep < ee; ep += 4, zp += 32, dp += 64) {
    const ev = v128.load32_splat(ep);
    let zv = v128.load(zp, 0);
    let dv = v128.and(f32x4.mul(ev, v0), f32x4.gt(zv, zero));
    v128.store(dp, dv, 0);
    g0 = f32x4.add(g0, dv);
    q0 = madd(q0, ev, relu(zv));
    zv = v128.load(zp, 16);
    dv = v128.and(f32x4.mul(ev, v1), f32x4.gt(zv, zero));
    v128.store(dp, dv, 16);
    g1 = f32x4.add(g1, dv);
    q1 = madd(q1, ev, relu(zv));
    zv = v128.load(zp + zHalf, 0);
    dv = v128.and(f32x4.mul(ev, v2), f32x4.gt(zv, zero));
    v128.store(dp, dv, 32);
    g2 = f32x4.add(g2, dv);
    q2 = madd(q2, ev, relu(zv));
    zv = v128.load(zp + zHalf, 16);
    dv = v128.and(f32x4.mul(ev, v3), f32x4.gt(zv, zero));
    v128.store(dp, dv, 48);
    g3 = f32x4.add(g3, dv);
    q3 = madd(q3, ev, relu(zv));
  }
  v128.store(b1, f32x4.sub(v128.load(b1, 0), f32x4.mul(lr, g0)), 0);
  v128.store(b1, f32x4.sub(v128.load(b1, 16), f32x4.mul(lr, g1)), 16);
  v128.store(b1, f32x4.sub(v128.load(b1, 32), f32x4.mul(lr, g2)), 32);
  v128.store(b1, f32x4.sub(v128.load(b1, 48), f32x4.mul(lr, g3)), 48);
  v128.store(w2, f32x4.sub(v0, f32x4.mul(lr, madd(q0, l2, v0))), 0);
  v128.store(w2, f32x4.sub(v1, f32x4.mul(lr, madd(q1, l2, v1))), 16);
  v128.store(w2, f32x4.sub(v2, f32x4.mul(lr, madd(q2, l2, v2))), 32);
  v128.store(w2, f32x4.sub(v3, f32x4.mul(lr, madd(q3, l2, v3))), 48);
}

/** W1 <- W1 - lr (g + l2 W1) prec for 4 unit vectors g0..g3 of 16 units at one input dim. */
@inline function updateW1(w: usize, half: usize, g0: v128, g1: v128, g2: v128, g3: v128, pk: v128, lr: v128, l2: v128): void {
  let v = v128.load(w, 0);
  v128.store(w, f32x4.sub(v, f32x4.mul(lr, f32x4.mul(madd(g0, l2, v), pk))), 0);
  v = v128.load(w, 16);
  v128.store(w, f32x4.sub(v, f32x4.mul(lr, f32x4.mul(madd(g1, l2, v), pk))), 16);
  v = v128.load(w + half, 0);
  v128.store(w + half, f32x4.sub(v, f32x4.mul(lr, f32x4.mul(madd(g2, l2, v), pk))), 0);
  v = v128.load(w + half, 16);
  v128.store(w + half, f32x4.sub(v, f32x4.mul(lr, f32x4.mul(madd(g3, l2, v), pk))), 16);
}

/**
 * Backward pass and preconditioned GD update, from the z and e left by trainForward; b2 is a pointer here.
 * gW1 = delta^T x runs over 16 units x 2 input dims at a time.
 */
export function trainBackward(w1: usize, b1: usize, w2: usize, b2: usize, prec: usize, xb: usize, n: i32, h: i32, d2: i32, z: usize, e: usize, delta: usize, lr: f32, l2: f32): void {
  const vlr = f32x4.splat(lr);
  const vl2 = f32x4.splat(l2);
  const row = <usize>d2 << 4;
  const wBlk = <usize>d2 << 5;
  const dEnd = delta + (<usize>n << 6);
  for (let u = 0; u < h; u += 16) {
    deltaBlock(b1 + (<usize>u << 2), w2 + (<usize>u << 2), n, z + (<usize>u >> 3) * (<usize>n << 5), e, delta, vlr, vl2);
    const w = w1 + (<usize>u >> 3) * wBlk;
    for (let k: usize = 0; k < row; k += 32) {
      const zero = f32x4.splat(0);
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      let xp = xb + k;
      for (let dp = delta; dp < dEnd; dp += 64, xp += row) {
        const t0 = v128.load(dp, 0);
        const t1 = v128.load(dp, 16);
        const t2 = v128.load(dp, 32);
        const t3 = v128.load(dp, 48);
        let s = v128.load(xp, 0);
        a0 = madd(a0, t0, s);
        a1 = madd(a1, t1, s);
        a2 = madd(a2, t2, s);
        a3 = madd(a3, t3, s);
        s = v128.load(xp, 16);
        c0 = madd(c0, t0, s);
        c1 = madd(c1, t1, s);
        c2 = madd(c2, t2, s);
        c3 = madd(c3, t3, s);
      }
      const kk = k >> 4;
      updateW1(w + (kk << 5), wBlk, a0, a1, a2, a3, v128.load32_splat(prec + (kk << 2)), vlr, vl2);
      updateW1(w + (kk << 5) + 32, wBlk, c0, c1, c2, c3, v128.load32_splat(prec + (kk << 2) + 4), vlr, vl2);
    }
  }
  let gb2: f64 = 0;
  for (let p: usize = 0; p < <usize>n << 2; p += 4) gb2 += load<f32>(e + p);
  store<f32>(b2, <f32>(<f64>load<f32>(b2) - <f64>lr * gb2));
}

export { heapBase } from './simd';
