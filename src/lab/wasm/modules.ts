// Compiling the lab's WebAssembly modules, each shipped in two builds: plain SIMD and relaxed SIMD (fused
// multiply-adds). A build compiles once; a failure is not remembered, because enableRelaxedSimd() may switch the
// feature on later in the same process.

/** 'relaxed-simd' may fuse multiply-adds (Node >= 22, Electron >= 25, or Node 20 after enableRelaxedSimd()). */
export type SimdVariant = 'relaxed-simd' | 'simd';

export const VARIANTS: readonly SimdVariant[] = ['relaxed-simd', 'simd'];

/** A compiler for one module's builds: returns undefined where this runtime lacks the variant's features. */
export function moduleCache(bytes: Record<SimdVariant, Uint8Array>): (variant: SimdVariant) => WebAssembly.Module | undefined {
  const compiled = new Map<SimdVariant, WebAssembly.Module>();
  return (variant) => {
    let mod = compiled.get(variant);
    if (!mod) {
      try {
        mod = new WebAssembly.Module(bytes[variant] as Uint8Array<ArrayBuffer>);
        compiled.set(variant, mod);
      } catch {
        // this runtime lacks the feature
      }
    }
    return mod;
  };
}
