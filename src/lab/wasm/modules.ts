// Compiling and instantiating the lab's WebAssembly modules (sources in ./asm, built by scripts/build-wasm.mjs into
// ./build). A module ships in up to two builds: plain SIMD, and relaxed SIMD (fused multiply-adds). A build
// compiles once; a failure is not remembered, because enableRelaxedSimd() may switch the feature on later in the
// same process.

/** 'relaxed-simd' may fuse multiply-adds (Node >= 22, Electron >= 25, or Node 20 after enableRelaxedSimd()). */
export type SimdVariant = 'relaxed-simd' | 'simd';

/** Fastest first. */
export const VARIANTS: readonly SimdVariant[] = ['relaxed-simd', 'simd'];

/** A compiler for one module's builds: returns undefined where this runtime lacks the variant's features. */
export function moduleCache(
  bytes: Partial<Record<SimdVariant, Uint8Array>>,
): (variant: SimdVariant) => WebAssembly.Module | undefined {
  const compiled = new Map<SimdVariant, WebAssembly.Module>();
  return (variant) => {
    let mod = compiled.get(variant);
    const source = bytes[variant];
    if (!mod && source) {
      try {
        mod = new WebAssembly.Module(source as Uint8Array<ArrayBuffer>);
        compiled.set(variant, mod);
      } catch {
        // this runtime lacks the feature
      }
    }
    return mod;
  };
}

/** What each export of a module's interface T is, stated once per module and checked at instantiation. */
export type ExportKinds<T> = { readonly [K in keyof T]: T[K] extends WebAssembly.Memory ? 'memory' : 'function' };

function hasExports<T>(exports: WebAssembly.Exports, kinds: ExportKinds<T>): exports is WebAssembly.Exports & T {
  return Object.entries(kinds).every(([name, kind]) =>
    kind === 'memory' ? exports[name] instanceof WebAssembly.Memory : typeof exports[name] === 'function',
  );
}

/** A fresh instance (its own linear memory) of a module that imports nothing, typed by the exports it must have. */
export function instantiate<T>(mod: WebAssembly.Module, kinds: ExportKinds<T>): T {
  const exports = new WebAssembly.Instance(mod, {}).exports;
  if (!hasExports(exports, kinds)) {
    const missing = Object.keys(kinds).filter((name) => !(name in exports));
    throw new Error(`WebAssembly module lacks the exports ${missing.join(', ') || '(of the expected kinds)'}`);
  }
  return exports;
}
