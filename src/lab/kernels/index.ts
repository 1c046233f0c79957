// Chooses the training kernel for a backend: the native module's C kernel on 'native'; native TensorFlow runs the
// tfjs ops; where tfjs would run on its wasm backend the hand-written SIMD module is faster, with plain TypeScript
// as the last resort.
import type { BackendName } from '../backend';
import { jsKernel } from './jsKernel';
import { nativeKernel } from './nativeKernel';
import { enableRelaxedSimd, simdAvailable, simdKernel } from './simdKernel';
import { tfjsKernel } from './tfjsKernel';
import type { Kernel, KernelName } from './types';

export const KERNELS: Readonly<Record<KernelName, Kernel>> = {
  simd: simdKernel,
  js: jsKernel,
  tfjs: tfjsKernel,
  native: nativeKernel,
};

/** Called in compute processes (runner, CLI); on Node 20 it switches on V8's relaxed SIMD for fused multiply-adds. */
export function pickKernel(backend: BackendName): Kernel {
  if (backend === 'native') return nativeKernel;
  if (backend === 'tfjs-node') return tfjsKernel;
  if (backend === 'wasm') {
    enableRelaxedSimd();
    if (simdAvailable()) return simdKernel;
  }
  return jsKernel;
}
