// Float32 curvature pairs of L-BFGS kept in a WebAssembly SIMD module's memory (../wasm/asm/twoLoop.ts), with the
// two-loop recursion's inner loops running there: float64 accumulation as in the JS loops, four lanes at a time
// (several times faster on the OOD shape: docs/engine-notes.md). Sums are taken in a different order than in JS,
// so results agree to float64 rounding, not bitwise.
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
