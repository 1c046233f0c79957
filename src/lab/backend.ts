// Picks the numeric backend: the lab's native module (C kernels over OpenBLAS, src/lab/native/addon.ts) if it loads,
// else tfjs-node (native TensorFlow) if it loads, else WebAssembly SIMD, else plain JavaScript. tfjs-node is an optional dependency whose install downloads libtensorflow, so it is absent on
// offline machines; probing it must swallow every kind of error (a half-installed copy throws without a code).
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';

import type { BackendChoice, BackendName } from '../shared/protocol';
import { loadNative, nativeDescription } from './native/addon';

export type { BackendChoice, BackendName };
export { BACKEND_CHOICES } from '../shared/protocol';

export interface BackendInfo {
  name: BackendName;
  /** Human-readable account of what was tried, for logs and run records. */
  note: string;
  /** The BLAS that computes (native only): library, version, core type, threads, the C kernels' vector ISA. */
  blas?: string;
}

let active: BackendInfo | undefined;

async function tryNode(): Promise<string | undefined> {
  try {
    require('@tensorflow/tfjs-node');
    await tf.setBackend('tensorflow');
    await tf.ready();
    return undefined;
  } catch (e) {
    return `tfjs-node unavailable (${(e as Error)?.message?.split('\n')[0] ?? String(e)})`;
  }
}

function wasmDistDir(): string {
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

async function tryWasm(): Promise<string | undefined> {
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDistDir());
    if (!(await tf.setBackend('wasm'))) return 'wasm backend failed to initialise';
    await tf.ready();
    return undefined;
  } catch (e) {
    return `wasm unavailable (${(e as Error)?.message ?? String(e)})`;
  }
}

async function useCpu(): Promise<void> {
  require('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Initialises tfjs once per process; later calls return the same answer. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (active && (choice === 'auto' || choice === active.name)) return active;
  tf.enableProdMode();
  const tried: string[] = [];
  if (choice === 'auto' || choice === 'native') {
    const { addon, problem } = loadNative();
    if (addon) {
      // tfjs is not on the native path; its plain-JS backend is set so that nothing finds it uninitialised
      await useCpu();
      const blas = nativeDescription(addon);
      return (active = { name: 'native', note: `native C kernels over ${blas}`, blas });
    }
    tried.push(`native unavailable (${problem})`);
    if (choice === 'native') throw new Error(`Backend native was requested but ${problem}; use --backend auto.`);
  }
  if (choice === 'auto' || choice === 'tfjs-node') {
    const err = await tryNode();
    if (!err) return (active = { name: 'tfjs-node', note: 'native TensorFlow (tfjs-node)' });
    tried.push(err);
    if (choice === 'tfjs-node')
      throw new Error(
        `Backend tfjs-node was requested but ${err}. Install it with 'npm install @tensorflow/tfjs-node' on a ` +
          'machine with internet, or choose auto.',
      );
  }
  if (choice === 'auto' || choice === 'wasm') {
    const err = await tryWasm();
    if (!err) return (active = { name: 'wasm', note: ['WebAssembly SIMD', ...tried].join('; ') });
    tried.push(err);
    if (choice === 'wasm') throw new Error(`Backend wasm was requested but ${err}.`);
  }
  await useCpu();
  return (active = { name: 'cpu', note: ['plain JavaScript', ...tried].join('; ') });
}

export function activeBackend(): BackendInfo | undefined {
  return active;
}
