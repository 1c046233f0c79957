// WebAssembly SIMD objective of one two-layer ReLU regressor f(x) = W2 . relu(W1 x + b1) + b2 (Experiments 1 and 3,
// Mlp2 with loss 'mse' and one output): loss sum_i (f_i - y_i)^2, gradient, and the exact Hessian-vector product
// along v by the R-operator (Pearlmutter 1994) with the ReLU mask frozen, as src/lab/models/mlp2.ts computes them:
//   z = W1 x + b1, a = relu(z), e = scale (f - y)  (scale = 2 / n: the loss is the mean, dL/df = e);
//   v = (V1, c1, V2, c2): Rz = V1 x + c1, ra = Rz [z > 0], Rf = W2 . ra + V2 . a + c2, re = scale Rf;
//   dz = e W2 [z > 0], Rdz = (re W2 + e V2) [z > 0];
//   g:  W1 dz x^T, b1 dz, W2 e a, b2 e;   Hv: W1 Rdz x^T, b1 Rdz, W2 re a + e ra, b2 re   (summed over points).
// Float32 storage and products; sums over points run per unit in float32 lanes, the output f (a sum over units)
// and the point sums of b2 and the loss in float64. Built twice: plain SIMD, and relaxed SIMD (fused multiply-add).
// The caller owns the memory layout (pointers are byte offsets, 16-byte aligned). Sizes are padded with zeros:
// hP (units) to a multiple of 8, dP (inputs) to a multiple of 2, nP (points) to a multiple of 2 (e = 0 there).
//   Parameters, packed (theta, v, and the outputs g, hv): W1 [hP/8][dP][8] (8 consecutive units per input),
//   b1 [hP], W2 [hP], b2 (one f32, 16 bytes); flat order (PyTorch): W1 [h][d], b1 [h], W2 [h], b2.
//   Data: x [nP][dP], y [nP]. Scratch: a, ra [hP/8][nP][8], e, re [nP], dz [nP][16] (dz and Rdz of 8 units).

import { addWide, madd, relu, sum64 } from './simd';

/** Byte offsets of b1, W2 and b2 in a packed parameter block. */
@inline function offB1(hP: i32, dP: i32): usize {
  return (<usize>hP * <usize>dP) << 2;
}

/** Flat (PyTorch order) parameters at src into the packed block at dst; padding entries are left as they are. */
export function pack(src: usize, dst: usize, h: i32, d: i32, hP: i32, dP: i32): void {
  const blk = <usize>dP << 5;
  for (let j = 0; j < h; j++) {
    const row = src + ((<usize>j * <usize>d) << 2);
    const to = dst + (<usize>j >> 3) * blk + ((<usize>j & 7) << 2);
    for (let k = 0; k < d; k++) store<f32>(to + (<usize>k << 5), load<f32>(row + (<usize>k << 2)));
  }
  const s = src + ((<usize>h * <usize>d) << 2);
  const t = dst + offB1(hP, dP);
  memory.copy(t, s, <usize>h << 2);
  memory.copy(t + (<usize>hP << 2), s + (<usize>h << 2), <usize>h << 2);
  store<f32>(t + (<usize>hP << 3), load<f32>(s + (<usize>h << 3)));
}

/** The packed block at src back into flat order at dst (h d + 2 h + 1 floats). */
export function unpack(src: usize, dst: usize, h: i32, d: i32, hP: i32, dP: i32): void {
  const blk = <usize>dP << 5;
  for (let j = 0; j < h; j++) {
    const row = dst + ((<usize>j * <usize>d) << 2);
    const from = src + (<usize>j >> 3) * blk + ((<usize>j & 7) << 2);
    for (let k = 0; k < d; k++) store<f32>(row + (<usize>k << 2), load<f32>(from + (<usize>k << 5)));
  }
  const t = dst + ((<usize>h * <usize>d) << 2);
  const s = src + offB1(hP, dP);
  memory.copy(t, s, <usize>h << 2);
  memory.copy(t + (<usize>h << 2), s + (<usize>hP << 2), <usize>h << 2);
  store<f32>(t + (<usize>h << 3), load<f32>(s + (<usize>hP << 3)));
}

/**
 * Hidden layer, 8 units x 2 points per step: a = relu(W1 x + b1) and (with hvp) ra = (V1 x + c1) [z > 0], stored
 * at [unit block][point][8].
 */
@inline function hidden(hvp: bool, w: usize, v: usize, x: usize, nP: i32, hP: i32, dP: i32, a: usize, ra: usize): void {
  const zero = f32x4.splat(0);
  const wBlk = <usize>dP << 5;
  const xRow = <usize>dP << 2;
  const aBlk = <usize>nP << 5;
  const b1 = offB1(hP, dP);
  const dv = v - w;
  const xEnd = x + <usize>nP * xRow;
  for (let u: usize = 0; u < <usize>hP; u += 8) {
    const wb = w + (u >> 3) * wBlk;
    const we = wb + wBlk;
    const bw = w + b1 + (u << 2);
    let ap = a + (u >> 3) * aBlk;
    let rp = ra + (u >> 3) * aBlk;
    for (let xp = x; xp < xEnd; xp += xRow << 1, ap += 64, rp += 64) {
      let z0l = v128.load(bw, 0);
      let z0h = v128.load(bw, 16);
      let z1l = z0l, z1h = z0h;
      let r0l = zero, r0h = zero, r1l = zero, r1h = zero;
      if (hvp) {
        r0l = v128.load(bw + dv, 0);
        r0h = v128.load(bw + dv, 16);
        r1l = r0l;
        r1h = r0h;
      }
      let xq = xp;
      for (let wp = wb; wp < we; wp += 32, xq += 4) {
        const wl = v128.load(wp, 0);
        const wh = v128.load(wp, 16);
        const s0 = v128.load32_splat(xq, 0);
        const s1 = v128.load32_splat(xq + xRow, 0);
        z0l = madd(z0l, wl, s0);
        z0h = madd(z0h, wh, s0);
        z1l = madd(z1l, wl, s1);
        z1h = madd(z1h, wh, s1);
        if (hvp) {
          const vl = v128.load(wp + dv, 0);
          const vh = v128.load(wp + dv, 16);
          r0l = madd(r0l, vl, s0);
          r0h = madd(r0h, vh, s0);
          r1l = madd(r1l, vl, s1);
          r1h = madd(r1h, vh, s1);
        }
      }
      v128.store(ap, relu(z0l), 0);
      v128.store(ap, relu(z0h), 16);
      v128.store(ap, relu(z1l), 32);
      v128.store(ap, relu(z1h), 48);
      if (hvp) {
        v128.store(rp, v128.and(r0l, f32x4.gt(z0l, zero)), 0);
        v128.store(rp, v128.and(r0h, f32x4.gt(z0h, zero)), 16);
        v128.store(rp, v128.and(r1l, f32x4.gt(z1l, zero)), 32);
        v128.store(rp, v128.and(r1h, f32x4.gt(z1h, zero)), 48);
      }
    }
  }
}

/**
 * Outputs f and Rf of 2 points per step (float64 sums over units), then e = scale (f - y), re = scale Rf for the n
 * real points (0 on padding); the b2 entries of g and hv get scale sum (f - y) and scale sum Rf. Returns the SSE.
 */
@inline function outputs(hvp: bool, w: usize, v: usize, a: usize, ra: usize, y: usize, n: i32, nP: i32, hP: i32, dP: i32, scale: f64, e: usize, re: usize, g: usize, hv: usize): f64 {
  const oW2 = offB1(hP, dP) + (<usize>hP << 2);
  const oB2 = oW2 + (<usize>hP << 2);
  const w2 = w + oW2;
  const dv = v - w;
  const aBlk = <usize>nP << 5;
  const aEnd = a + (<usize>hP >> 3) * aBlk;
  const b2 = <f64>load<f32>(w + oB2);
  const c2 = hvp ? <f64>load<f32>(v + oB2) : 0;
  let sse: f64 = 0, sr: f64 = 0, srf: f64 = 0;
  for (let p = 0; p < nP; p += 2) {
    let f0 = f64x2.splat(0), f1 = f0, q0 = f0, q1 = f0;
    let wp = w2;
    const off = <usize>p << 5;
    for (let ap = a + off; ap < aEnd; ap += aBlk, wp += 32) {
      const wl = v128.load(wp, 0);
      const wh = v128.load(wp, 16);
      const a0l = v128.load(ap, 0);
      const a0h = v128.load(ap, 16);
      const a1l = v128.load(ap, 32);
      const a1h = v128.load(ap, 48);
      f0 = addWide(f0, madd(f32x4.mul(wl, a0l), wh, a0h));
      f1 = addWide(f1, madd(f32x4.mul(wl, a1l), wh, a1h));
      if (hvp) {
        const rp = ap - a + ra;
        const vl = v128.load(wp + dv, 0);
        const vh = v128.load(wp + dv, 16);
        q0 = addWide(q0, madd(madd(madd(f32x4.mul(wl, v128.load(rp, 0)), wh, v128.load(rp, 16)), vl, a0l), vh, a0h));
        q1 = addWide(q1, madd(madd(madd(f32x4.mul(wl, v128.load(rp, 32)), wh, v128.load(rp, 48)), vl, a1l), vh, a1h));
      }
    }
    for (let i = 0; i < 2; i++) {
      const pi = <usize>(p + i) << 2;
      if (p + i < n) {
        const r = (i == 0 ? sum64(f0) : sum64(f1)) + b2 - <f64>load<f32>(y + pi);
        sse += r * r;
        sr += r;
        store<f32>(e + pi, <f32>(scale * r));
        if (hvp) {
          const rf = (i == 0 ? sum64(q0) : sum64(q1)) + c2;
          srf += rf;
          store<f32>(re + pi, <f32>(scale * rf));
        }
      } else {
        store<f32>(e + pi, 0);
        if (hvp) store<f32>(re + pi, 0);
      }
    }
  }
  store<f32>(g + oB2, <f32>(scale * sr));
  if (hvp) store<f32>(hv + oB2, <f32>(scale * srf));
  return sse;
}

/** Gradient (and Hv) of W2, b1 and W1, one block of 8 units at a time, from a, ra, e and re. */
@inline function backward(hvp: bool, w: usize, v: usize, a: usize, ra: usize, x: usize, e: usize, re: usize, nP: i32, hP: i32, dP: i32, dz: usize, g: usize, hv: usize): void {
  const zero = f32x4.splat(0);
  const oB1 = offB1(hP, dP);
  const oW2 = oB1 + (<usize>hP << 2);
  const wBlk = <usize>dP << 5;
  const aBlk = <usize>nP << 5;
  const xRow = <usize>dP << 2;
  const eEnd = e + (<usize>nP << 2);
  const dEnd = dz + (<usize>nP << 6);
  const dre = re - e;
  const dra = ra - a;
  for (let u: usize = 0; u < <usize>hP; u += 8) {
    const ab = a + (u >> 3) * aBlk;
    // W2: sum e a, and sum re a + e ra
    let gl = zero, gh = zero, hl = zero, hh = zero;
    let ap = ab;
    for (let ep = e; ep < eEnd; ep += 4, ap += 32) {
      const es = v128.load32_splat(ep);
      const al = v128.load(ap, 0);
      const ah = v128.load(ap, 16);
      gl = madd(gl, es, al);
      gh = madd(gh, es, ah);
      if (hvp) {
        const rs = v128.load32_splat(ep + dre);
        hl = madd(madd(hl, rs, al), es, v128.load(ap + dra, 0));
        hh = madd(madd(hh, rs, ah), es, v128.load(ap + dra, 16));
      }
    }
    const u4 = u << 2;
    v128.store(g + oW2 + u4, gl, 0);
    v128.store(g + oW2 + u4, gh, 16);
    if (hvp) {
      v128.store(hv + oW2 + u4, hl, 0);
      v128.store(hv + oW2 + u4, hh, 16);
    }
    // dz = e W2 [z > 0] and Rdz = (re W2 + e V2) [z > 0] into the scratch; b1: their sums
    const w2l = v128.load(w + oW2 + u4, 0);
    const w2h = v128.load(w + oW2 + u4, 16);
    const v2l = hvp ? v128.load(v + oW2 + u4, 0) : zero;
    const v2h = hvp ? v128.load(v + oW2 + u4, 16) : zero;
    gl = zero;
    gh = zero;
    hl = zero;
    hh = zero;
    ap = ab;
    let dp = dz;
    for (let ep = e; ep < eEnd; ep += 4, ap += 32, dp += 64) {
      const es = v128.load32_splat(ep);
      const ml = f32x4.gt(v128.load(ap, 0), zero);
      const mh = f32x4.gt(v128.load(ap, 16), zero);
      const dl = v128.and(f32x4.mul(es, w2l), ml);
      const dh = v128.and(f32x4.mul(es, w2h), mh);
      v128.store(dp, dl, 0);
      v128.store(dp, dh, 16);
      gl = f32x4.add(gl, dl);
      gh = f32x4.add(gh, dh);
      if (hvp) {
        const rs = v128.load32_splat(ep + dre);
        const sl = v128.and(madd(f32x4.mul(rs, w2l), es, v2l), ml);
        const sh = v128.and(madd(f32x4.mul(rs, w2h), es, v2h), mh);
        v128.store(dp, sl, 32);
        v128.store(dp, sh, 48);
        hl = f32x4.add(hl, sl);
        hh = f32x4.add(hh, sh);
      }
    }
    v128.store(g + oB1 + u4, gl, 0);
    v128.store(g + oB1 + u4, gh, 16);
    if (hvp) {
      v128.store(hv + oB1 + u4, hl, 0);
      v128.store(hv + oB1 + u4, hh, 16);
    }
    // W1: sum dz x^T and sum Rdz x^T, 8 units x 2 inputs per pass over the points
    const gb = g + (u >> 3) * wBlk;
    const hb = hv + (u >> 3) * wBlk;
    for (let k: usize = 0; k < <usize>dP; k += 2) {
      let g0l = zero, g0h = zero, g1l = zero, g1h = zero;
      let h0l = zero, h0h = zero, h1l = zero, h1h = zero;
      let xp = x + (k << 2);
      for (let q = dz; q < dEnd; q += 64, xp += xRow) {
        const dl = v128.load(q, 0);
        const dh = v128.load(q, 16);
        const s0 = v128.load32_splat(xp, 0);
        const s1 = v128.load32_splat(xp, 4);
        g0l = madd(g0l, dl, s0);
        g0h = madd(g0h, dh, s0);
        g1l = madd(g1l, dl, s1);
        g1h = madd(g1h, dh, s1);
        if (hvp) {
          const sl = v128.load(q, 32);
          const sh = v128.load(q, 48);
          h0l = madd(h0l, sl, s0);
          h0h = madd(h0h, sh, s0);
          h1l = madd(h1l, sl, s1);
          h1h = madd(h1h, sh, s1);
        }
      }
      const at = k << 5;
      v128.store(gb + at, g0l, 0);
      v128.store(gb + at, g0h, 16);
      v128.store(gb + at, g1l, 32);
      v128.store(gb + at, g1h, 48);
      if (hvp) {
        v128.store(hb + at, h0l, 0);
        v128.store(hb + at, h0h, 16);
        v128.store(hb + at, h1l, 32);
        v128.store(hb + at, h1h, 48);
      }
    }
  }
}

/** Sum of squared errors at the packed w; the packed gradient of the loss with dL/df_i = scale (f_i - y_i) into g. */
export function lossGrad(w: usize, x: usize, y: usize, n: i32, nP: i32, hP: i32, dP: i32, scale: f64, a: usize, e: usize, dz: usize, g: usize): f64 {
  hidden(false, w, w, x, nP, hP, dP, a, a);
  const sse = outputs(false, w, w, a, a, y, n, nP, hP, dP, scale, e, e, g, g);
  backward(false, w, w, a, a, x, e, e, nP, hP, dP, dz, g, g);
  return sse;
}

/** lossGrad plus the packed Hessian-vector product along the packed v, into hv. */
export function lossGradHvp(w: usize, v: usize, x: usize, y: usize, n: i32, nP: i32, hP: i32, dP: i32, scale: f64, a: usize, ra: usize, e: usize, re: usize, dz: usize, g: usize, hv: usize): f64 {
  hidden(true, w, v, x, nP, hP, dP, a, ra);
  const sse = outputs(true, w, v, a, ra, y, n, nP, hP, dP, scale, e, re, g, hv);
  backward(true, w, v, a, ra, x, e, re, nP, hP, dP, dz, g, hv);
  return sse;
}

export { heapBase } from './simd';
