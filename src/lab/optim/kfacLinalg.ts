// K-FAC's float64 linear algebra in one of two implementations: the TypeScript kernels (dense/products.ts gemmABt,
// dense/symmetric.ts symEig), or, when the objective runs on the native module, OpenBLAS dgemm and LAPACK dsyevd
// through it (native/src/kfac.c). Both follow symEig's convention (values descending, column j of the
// row-major vectors the unit eigenvector of values[j], its largest-magnitude component positive), so K-FAC's
// update is the same arithmetic; the native decompositions agree with the TypeScript ones to float64 rounding
// (test/unit/nativeKfac.test.ts), and take tens of milliseconds where the TypeScript solver takes seconds at 785.
import { gemmABt } from '../dense/products';
import { symEig, type SymEig } from '../dense/symmetric';
import { loadNative, type NativeAddon } from '../native/addon';

export interface KfacLinalg {
  readonly name: 'js' | 'native';
  /** c (m x n) = a (m x k) bt^T, bt n x k, all row-major. */
  gemmABt(a: Float64Array, bt: Float64Array, m: number, k: number, n: number, c: Float64Array): void;
  symEig(a: Float64Array, n: number): SymEig;
}

const JS_LINALG: KfacLinalg = { name: 'js', gemmABt, symEig };

function nativeLinalg(addon: NativeAddon): KfacLinalg {
  return {
    name: 'native',
    gemmABt: (a, bt, m, k, n, c) => addon.dgemm(false, true, m, n, k, 1, a, k, bt, k, 0, c, n),
    symEig: (a, n) => {
      const values = new Float64Array(n);
      const vectors = new Float64Array(n * n);
      if (!addon.symEig(a, n, values, vectors)) return symEig(a, n); // LAPACK did not converge: the QL solver
      return { values, vectors };
    },
  };
}

/** The native implementation where the objective computes natively and the module loads, else the TypeScript one. */
export function kfacLinalg(kernel: string | undefined): KfacLinalg {
  if (kernel !== 'native') return JS_LINALG;
  const { addon } = loadNative();
  return addon ? nativeLinalg(addon) : JS_LINALG;
}
