// Loader for the native kernel module (native/: Node-API C over OpenBLAS) through node-gyp-build (bundled): in the
// first native/ folder found from this bundle's folder upwards (dist/, dist/test/unit/, the extension's install
// folder), node-gyp-build picks the local build (native/build/Release/precond_native.node, what `npm run build`
// compiled) when there is one, else the prebuilt binary for this platform and runtime
// (native/prebuilds/<platform>-<arch>/precond_native.napi.node, shipped in the platform .vsix), else none.
// PRECOND_LAB_NATIVE names a file to use instead; PRECOND_LAB_NO_NATIVE=1 hides the module (the lab then behaves
// as on a machine without it). If the chosen file does not load (a prebuilt binary on a machine without
// libopenblas0), the other one is tried. process.dlopen loads the file the way require does for a .node file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import nodeGypBuild from 'node-gyp-build';

/** The module's exports (native/src/*.c state each function's contract; precond_native.h lists them). */
export interface NativeAddon {
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /** zT (h x n) = W (h x d) xT (d x n) + b; scratch holds h x n floats. */
  firstForward(
    w: Float32Array,
    b: Float32Array,
    xT: Float32Array,
    zT: Float64Array,
    scratch: Float32Array,
    h: number,
    d: number,
    n: number,
  ): void;
  /** out (h x d) = coefT (h x n) x (n x d); scratch holds h x n floats. */
  firstWeightGrad(
    coefT: Float64Array,
    x: Float32Array,
    out: Float32Array,
    scratch: Float32Array,
    h: number,
    n: number,
    d: number,
  ): void;
  /** firstForward, then ReLU in the same pass (maskT null) or zeroed where maskT <= 0 (the R-pass). */
  firstForwardAct(
    w: Float32Array,
    b: Float32Array,
    xT: Float32Array,
    zT: Float64Array,
    scratch: Float32Array,
    h: number,
    d: number,
    n: number,
    maskT: Float64Array | null,
  ): void;
  /**
   * The forward and R-pass first layers of an HVP as one product [W; V] xT: zT = relu(W xT + b), rzT = V xT + bv
   * where zT > 0 (else 0); wst (2h x d) and scratch (2h x n) are float32 scratch.
   */
  firstForwardPair(
    w: Float32Array,
    v: Float32Array,
    b: Float32Array,
    bv: Float32Array,
    xT: Float32Array,
    zT: Float64Array,
    rzT: Float64Array,
    wst: Float32Array,
    scratch: Float32Array,
    h: number,
    d: number,
    n: number,
  ): void;
  /** out = coefT x and out2 = coef2T x as one product; scratch 2h x n and tmp 2h x d floats. */
  firstWeightGradPair(
    coefT: Float64Array,
    coef2T: Float64Array,
    x: Float32Array,
    out: Float32Array,
    out2: Float32Array,
    scratch: Float32Array,
    tmp: Float32Array,
    h: number,
    n: number,
    d: number,
  ): void;
  /** oT (c x n) = b2 + W2 (c x h) aT (h x n) [+ V2 a2T]. */
  headForward(
    w2: Float32Array,
    b2: Float32Array,
    aT: Float64Array,
    oT: Float64Array,
    c: number,
    h: number,
    n: number,
    v2: Float32Array | null,
    a2T: Float64Array | null,
  ): void;
  /** Mean softmax cross-entropy of logits oT (c x n); with dOT, (softmax - onehot) / n, and the softmax in softT. */
  softmaxXent(
    oT: Float64Array,
    labels: Int32Array,
    c: number,
    n: number,
    dOT: Float64Array | null,
    softT: Float64Array | null,
  ): number;
  /** rdOT = softT * (rOT - sum_q softT rOT) / n: the R-operator of the cross-entropy's output gradient. */
  softmaxXentR(softT: Float64Array, rOT: Float64Array, c: number, n: number, rdOT: Float64Array): void;
  /**
   * gW2 = dOT aT^T [+ dO2T a2T^T], gb2 = row sums of dOT, dZT = (W2^T dOT [+ V2^T dO2T]) masked where aT <= 0,
   * gb1 = row sums of dZT.
   */
  headBackward(
    w2: Float32Array,
    dOT: Float64Array,
    aT: Float64Array,
    c: number,
    h: number,
    n: number,
    gW2: Float32Array,
    gb2: Float32Array,
    dZT: Float64Array,
    gb1: Float32Array,
    v2: Float32Array | null,
    dO2T: Float64Array | null,
    a2T: Float64Array | null,
  ): void;
  /** C = alpha op(A) op(B) + beta C in float64, row-major (OpenBLAS dgemm, one thread). */
  dgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    lda: number,
    b: Float64Array,
    ldb: number,
    beta: number,
    c: Float64Array,
    ldc: number,
  ): void;
  /** out[i * stride + j] = rows_i . rows_j for rows m x n (dsyrk; both triangles). */
  gram(rows: Float64Array, m: number, n: number, out: Float64Array, stride: number): void;
  /**
   * LAPACK dsyevd on the symmetric part of a (n x n): values descending, vectors[i * n + j] = component i of the
   * eigenvector of values[j] (largest-magnitude component positive). False when LAPACK does not converge.
   */
  symEig(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): boolean;
  /** Sum of squared errors of the regressor over n samples packed 16 to a block (nativeKernel.ts). */
  regSSE(
    xp: Float32Array,
    y: Float32Array,
    n: number,
    d: number,
    h: number,
    w1: Float32Array,
    b1: Float32Array,
    w2: Float32Array,
    b2: Float32Array,
  ): number;
  /** One GD step in place; returns the SSE before it. */
  regStep(
    xp: Float32Array,
    y: Float32Array,
    n: number,
    d: number,
    h: number,
    w1: Float32Array,
    b1: Float32Array,
    w2: Float32Array,
    b2: Float32Array,
    prec: Float32Array,
    lr: number,
    l2: number,
    e: Float32Array,
    g: Float64Array,
  ): number;
  /**
   * out = -H g by L-BFGS's two-loop recursion over the float32 pairs in the slots order[0..m) (oldest first; slot i's
   * s at pairs[2 i n], its y at pairs[(2 i + 1) n]), rho[slot] = 1 / y^T s, cross[slot] = s^T y with s of the slot
   * before it in order, H0 = hDiag I; alpha is scratch (>= m); stats[0] = g . out, stats[1] = max |out|
   * (native/src/lbfgs.c).
   */
  lbfgsDirection(
    pairs: Float32Array,
    n: number,
    order: Int32Array,
    m: number,
    rho: Float64Array,
    cross: Float64Array,
    hDiag: number,
    g: Float64Array,
    out: Float64Array,
    alpha: Float64Array,
    stats: Float64Array,
  ): void;
  /**
   * s = t d and y = g - prevG into pairs' slot (float32), prevG = g; stats[0] = y . s, stats[1] = y . y,
   * stats[2] = s of prevSlot . y (stored values; 0 when prevSlot is -1).
   */
  lbfgsPair(
    g: Float64Array,
    prevG: Float64Array,
    d: Float64Array,
    t: number,
    pairs: Float32Array,
    n: number,
    slot: number,
    prevSlot: number,
    stats: Float64Array,
  ): void;
  /** theta += t d. */
  lbfgsMove(theta: Float32Array, d: Float64Array, t: number, n: number): void;
  /** g = grad + 2 wd theta; returns sum theta^2; stats[0] = max |g|. */
  lbfgsPenalty(
    grad: Float32Array,
    theta: Float32Array,
    wd: number,
    g: Float64Array,
    n: number,
    stats: Float64Array,
  ): number;
  /**
   * Samples whose first largest logit is their label, the network evaluated in float32 (no float64 activations):
   * relu(W xT + b) into scratch (h x n), then W2 and b2.
   */
  accuracy(
    w: Float32Array,
    b: Float32Array,
    xT: Float32Array,
    scratch: Float32Array,
    w2: Float32Array,
    b2: Float32Array,
    labels: Int32Array,
    h: number,
    d: number,
    n: number,
    c: number,
  ): number;
  /**
   * z[i] = random() < 0.5 ? -1 : 1 drawn from an MT19937 state (624 words) at position mti, advanced in place;
   * returns the new position (native/src/optim.c; RandomState.fillSignsBy passes its state).
   */
  mtSigns(mt: Uint32Array, mti: number, z: Float32Array): number;
  /** AdaHessian's update over all parameters in place, as AdaHessian.step's loop; returns sum of squared moves. */
  adahessianUpdate(
    theta: Float32Array,
    g: Float32Array,
    z: Float32Array,
    hz: Float32Array,
    m: Float64Array,
    v: Float64Array,
    denom: Float64Array,
    stepSize: number,
    bc2: number,
    beta1: number,
    beta2: number,
    e: number,
    eps: number,
    decay: number,
  ): number;
  /** out = [min, lower median, max] of a[offset .. offset + length), as vec.ts's spread (a left unchanged). */
  spread(a: Float64Array, offset: number, length: number, out: Float64Array): void;
  /** Sum of a[i]^2 in float64 (one partial sum per vector lane). */
  sumSquares(a: Float32Array): number;
  /** theta <- theta - lr (g + wd theta) in place, as Gd.step's loop; returns the sum of squared moves. */
  gdUpdate(theta: Float32Array, g: Float32Array, lr: number, wd: number): number;
  info(): { blasConfig: string; coreType: string; isa: string; threads: number };
  /** OpenBLAS's thread count from now on; returns the count it took. */
  setThreads(n: number): number;
}

const FILE = 'precond_native.node';

const PREBUILT = 'precond_native.napi.node';

/** The first native/ folder from this bundle's folder upwards that holds a build or prebuilds. */
function nativeDir(): string | undefined {
  let dir = __dirname;
  for (let up = 0; up < 5; up++) {
    const d = path.join(dir, 'native');
    if (fs.existsSync(path.join(d, 'build', 'Release')) || fs.existsSync(path.join(d, 'prebuilds'))) return d;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Where the module would be loaded from, in order of preference (existing files only): node-gyp-build's pick first. */
export function nativeCandidates(): string[] {
  const found: string[] = [];
  const env = process.env.PRECOND_LAB_NATIVE;
  if (env) found.push(path.resolve(env));
  const dir = nativeDir();
  if (dir) {
    try {
      found.push(nodeGypBuild.path(dir));
    } catch {
      // node-gyp-build found nothing for this platform and runtime
    }
    found.push(path.join(dir, 'build', 'Release', FILE));
    found.push(path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, PREBUILT));
  }
  return [...new Set(found)].filter((f) => fs.existsSync(f));
}

let cached: { addon?: NativeAddon; problem?: string; file?: string } | undefined;

/** The loaded module, or why there is none (a message for users, never a stack trace). */
export function loadNative(): { addon?: NativeAddon; problem?: string; file?: string } {
  if (cached) return cached;
  if (process.env.PRECOND_LAB_NO_NATIVE === '1')
    return (cached = { problem: 'it is switched off (PRECOND_LAB_NO_NATIVE=1)' });
  const files = nativeCandidates();
  if (!files.length) {
    return (cached = {
      problem:
        'the native module is not built (npm run build compiles it where a C compiler and libopenblas-dev exist; ' +
        `no ${FILE} under native/build/Release and no prebuilt binary under ` +
        `native/prebuilds/${process.platform}-${process.arch})`,
    });
  }
  const errors: string[] = [];
  for (const file of files) {
    try {
      const mod = { exports: {} as NativeAddon };
      process.dlopen(mod, file);
      if (
        typeof mod.exports.sgemm !== 'function' ||
        typeof mod.exports.regStep !== 'function' ||
        typeof mod.exports.headBackward !== 'function'
      )
        throw new Error('not the lab module (missing exports)');
      return (cached = { addon: mod.exports, file });
    } catch (e) {
      errors.push(`${file}: ${((e as Error)?.message ?? String(e)).split('\n')[0]}`);
    }
  }
  return (cached = { problem: `the native module does not load (${errors.join('; ')})` });
}

/**
 * The module when an objective computes on it (its kernel is 'native', as Mlp2's is on the native backend), so that
 * an optimizer runs its own per-parameter loops there too; null otherwise (then the optimizer's TypeScript runs).
 */
export function nativeOf(objective: object): NativeAddon | null {
  if ((objective as { kernel?: string }).kernel !== 'native') return null;
  return loadNative().addon ?? null;
}

/** The module, or an Error saying why it is absent. */
export function requireNative(): NativeAddon {
  const { addon, problem } = loadNative();
  if (!addon) throw new Error(`native backend unavailable: ${problem}`);
  return addon;
}

/**
 * How the native backend computes, for run records: BLAS library and version, the core type OpenBLAS runs
 * (OPENBLAS_CORETYPE when the environment sets it: the lab honours it and never changes it), the vector ISA the C
 * kernels dispatched to, and the thread count.
 */
export function nativeDescription(addon: NativeAddon = requireNative()): string {
  const i = addon.info();
  const version = /OpenBLAS\s+\S+/.exec(i.blasConfig)?.[0] ?? i.blasConfig.split(' ')[0];
  const forced = process.env.OPENBLAS_CORETYPE ? ` (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE})` : '';
  return `${version} core ${i.coreType}${forced}, ${i.threads} thread${i.threads === 1 ? '' : 's'}, C kernels ${i.isa}`;
}
