// Float32 curvature pairs of L-BFGS kept in a WebAssembly SIMD module's memory (../wasm/asm/twoLoop.ts), with the
// two-loop recursion's inner loops running there: float64 accumulation as in the JS loops, four lanes at a time
// (several times faster on the OOD shape: docs/engine-notes.md). Sums are taken in a different order than in JS,
// so results agree to float64 rounding, not bitwise.
// On the native backend, NativeLbfgs below keeps the pairs in one Float32Array and runs the recursion, and the other
// vector passes of an L-BFGS iteration, in the native module (native/src/lbfgs.c).
import type { NativeAddon } from '../native/addon';
import twoLoopBytes from '../wasm/build/twoLoop.wasm';
import { instantiate, moduleCache, type ExportKinds } from '../wasm/modules';

interface TwoLoopExports {
  memory: WebAssembly.Memory;
  dot32(u: number, out: number, n: number): number;
  axpyDot32(out: number, c: number, u: number, next: number, n: number): number;
}

const TWO_LOOP_EXPORTS: ExportKinds<TwoLoopExports> = { memory: 'memory', dot32: 'function', axpyDot32: 'function' };

/** One build, plain SIMD: its float64 loops have no float32 multiply-add for relaxed SIMD to fuse. */
const twoLoopModule = moduleCache({ simd: twoLoopBytes });

const PAGE = 65536;
const align16 = (b: number): number => Math.ceil(b / 16) * 16;

/** Pair slots grow on demand; one instance (one linear memory) per history. */
export class WasmPairStore {
  private readonly ex: TwoLoopExports;
  private readonly outPtr: number;
  private readonly pairBytes: number;
  private readonly base: number;
  private slots = 0;

  private constructor(
    readonly n: number,
    module: WebAssembly.Module,
  ) {
    this.ex = instantiate(module, TWO_LOOP_EXPORTS);
    this.outPtr = 1024; // the module uses no static data; keep clear of address 0, which means "no pointer"
    this.pairBytes = align16(4 * n);
    this.base = align16(this.outPtr + 8 * n);
    this.ensure(this.base);
  }

  static create(n: number): WasmPairStore | null {
    const m = twoLoopModule('simd');
    return m ? new WasmPairStore(n, m) : null; // no WebAssembly SIMD in this runtime: the JS loops stay in use
  }

  private ensure(bytes: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (bytes > have) this.ex.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** Byte offsets of slot i's s and y. */
  private sPtr(slot: number): number {
    return this.base + 2 * slot * this.pairBytes;
  }
  private yPtr(slot: number): number {
    return this.sPtr(slot) + this.pairBytes;
  }

  /** Stores the pair in slot (rounded to float32). */
  set(slot: number, s: Float64Array, y: Float64Array): void {
    if (slot >= this.slots) {
      this.ensure(this.sPtr(slot + 1));
      this.slots = slot + 1;
    }
    const buf = this.ex.memory.buffer;
    new Float32Array(buf, this.sPtr(slot), this.n).set(s);
    new Float32Array(buf, this.yPtr(slot), this.n).set(y);
  }

  /**
   * out = -H g by the two-loop recursion over the slots in order (oldest first), with rho per slot and H0 = hDiag I;
   * alpha is scratch of at least order.length entries.
   */
  direction(
    g: ArrayLike<number>,
    out: Float64Array,
    order: readonly number[],
    rho: readonly number[],
    hDiag: number,
    alpha: Float64Array,
  ): void {
    const { n, ex, outPtr } = this;
    const m = order.length;
    const q = new Float64Array(ex.memory.buffer, outPtr, n);
    for (let k = 0; k < n; k++) q[k] = -g[k];
    if (m === 0) {
      for (let k = 0; k < n; k++) q[k] *= hDiag;
    } else {
      let d = ex.dot32(this.sPtr(order[m - 1]), outPtr, n);
      for (let j = m - 1; j >= 0; j--) {
        const a = d * rho[order[j]];
        alpha[j] = a;
        d = ex.axpyDot32(outPtr, -a, this.yPtr(order[j]), j > 0 ? this.sPtr(order[j - 1]) : 0, n);
      }
      for (let k = 0; k < n; k++) q[k] *= hDiag;
      d = ex.dot32(this.yPtr(order[0]), outPtr, n);
      for (let j = 0; j < m; j++) {
        const c = alpha[j] - d * rho[order[j]];
        d = ex.axpyDot32(outPtr, c, this.sPtr(order[j]), j < m - 1 ? this.yPtr(order[j + 1]) : 0, n);
      }
    }
    out.set(q);
  }
}

/**
 * The native backend's L-BFGS state: capacity + 1 float32 pair slots in one JS-owned Float32Array (slot i's s at
 * 2 i n, its y at (2 i + 1) n), the slots in use oldest first, and one free slot that the next pair is computed
 * into, so that a pair failing the curvature test overwrites nothing in use and an accepted one is never copied.
 * Besides the recursion it exposes the other fused passes of an iteration (pair, move, penalty); each call leaves
 * its side results in `stats`.
 */
export class NativeLbfgs {
  readonly pairs: Float32Array;
  readonly stats = new Float64Array(3);
  private readonly rho: Float64Array;
  /** Per slot: s^T y with s of the pair before it (the recursion's two-pairs-per-pass correction). */
  private readonly cross: Float64Array;
  private readonly ring: number[] = [];
  private readonly order: Int32Array;
  private free = 0;

  private constructor(
    readonly n: number,
    readonly capacity: number,
    private readonly addon: NativeAddon,
  ) {
    this.pairs = new Float32Array((capacity + 1) * 2 * n);
    this.rho = new Float64Array(capacity + 1);
    this.cross = new Float64Array(capacity + 1);
    this.order = new Int32Array(capacity);
  }

  /**
   * The store when the module is given (nativeOf: the objective computes natively) and has these kernels, else
   * null; null too when the pairs array cannot be allocated (its untouched pages cost nothing, but a huge history may exceed
   * the typed-array limit: the wasm or JS store, which grow on demand, then take over).
   */
  static create(n: number, capacity: number, addon: NativeAddon | null): NativeLbfgs | null {
    if (!addon || typeof addon.lbfgsDirection !== 'function') return null;
    try {
      return new NativeLbfgs(n, capacity, addon);
    } catch (e) {
      if (e instanceof RangeError) return null; // "Array buffer allocation failed" / "Invalid typed array length"
      throw e;
    }
  }

  get length(): number {
    return this.ring.length;
  }

  clear(): void {
    this.ring.length = 0;
    this.free = 0;
  }

  /** The newest pair's slot, -1 when none. */
  private get newest(): number {
    return this.ring.length ? this.ring[this.ring.length - 1] : -1;
  }

  /**
   * Makes the free slot the newest pair with rho = 1 / ys and its cross product with the previous newest (the
   * oldest's slot becomes free when full).
   */
  private accept(ys: number, cross: number): void {
    if (this.capacity === 0) return; // no pair is kept (the JS history's behaviour): H0 alone
    const slot = this.free;
    this.rho[slot] = 1 / ys;
    this.cross[slot] = cross;
    if (this.ring.length === this.capacity) this.free = this.ring.shift() as number;
    else this.free = this.ring.length + 1; // slots fill in order until the ring first wraps
    this.ring.push(slot);
  }

  /** Stores the pair (rounded to float32) as the newest; the caller has checked y^T s > 0. */
  push(s: ArrayLike<number>, y: ArrayLike<number>, ys: number): void {
    const { n, free, pairs, newest } = this;
    pairs.subarray(2 * free * n, (2 * free + 1) * n).set(s);
    pairs.subarray((2 * free + 1) * n, (2 * free + 2) * n).set(y);
    let cross = 0;
    if (newest >= 0) {
      const [ps, y32] = [2 * newest * n, (2 * free + 1) * n];
      for (let k = 0; k < n; k++) cross += pairs[ps + k] * pairs[y32 + k];
    }
    this.accept(ys, cross);
  }

  /**
   * The pair of the last move, s = t d and y = g - prevG, computed into the free slot, kept when y^T s > minYs;
   * sets prevG = g. Returns y^T s and y^T y (from the float64 values) in stats, and whether the pair was kept.
   */
  pushFrom(g: Float64Array, prevG: Float64Array, d: Float64Array, t: number, minYs: number): boolean {
    this.addon.lbfgsPair(g, prevG, d, t, this.pairs, this.n, this.free, this.newest, this.stats);
    const ys = this.stats[0];
    if (!(ys > minYs)) return false;
    this.accept(ys, this.stats[2]);
    return true;
  }

  /** out = -H g with H0 = hDiag I; stats[0] = g . out, stats[1] = max |out|. */
  direction(g: Float64Array, out: Float64Array, hDiag: number, alpha: Float64Array): void {
    const m = this.ring.length;
    for (let j = 0; j < m; j++) this.order[j] = this.ring[j];
    const { pairs, n, order, rho, cross, stats } = this;
    this.addon.lbfgsDirection(pairs, n, order, m, rho, cross, hDiag, g, out, alpha, stats);
  }

  /** theta += t d. */
  move(theta: Float32Array, d: Float64Array, t: number): void {
    this.addon.lbfgsMove(theta, d, t, this.n);
  }

  /** g = grad + 2 wd theta; returns sum theta^2; stats[0] = max |g|. */
  penalty(grad: Float32Array, theta: Float32Array, wd: number, g: Float64Array): number {
    return this.addon.lbfgsPenalty(grad, theta, wd, g, this.n, this.stats);
  }
}
