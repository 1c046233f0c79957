// Checks up front that the numeric backend asked for can load, so `--backend tfjs-node` on a machine without it is
// refused before any run folder is written (each runner would otherwise start, fail and mark its runs failed).
// `auto` always has plain JavaScript to fall back on, so only the tfjs-core CPU backend must be present for it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendChoice } from '../shared/protocol';
import { loadNative } from '../lab/native/addon';

const resolves = (id: string): string | undefined => {
  try {
    return require.resolve(id);
  } catch {
    return undefined;
  }
};

/** Why `choice` cannot load on this machine, or undefined when it can. */
export function backendProblem(choice: BackendChoice): string | undefined {
  if (choice === 'native') {
    // a .node that cannot load (a missing libopenblas) throws rather than aborts, so it is tried in this process
    const { problem } = loadNative();
    return problem ? `cannot load: ${problem}; use --backend auto` : undefined;
  }
  if (choice === 'tfjs-node') {
    const main = resolves('@tensorflow/tfjs-node');
    if (!main)
      return (
        "cannot load: @tensorflow/tfjs-node is not installed (install it with 'npm install " +
        "@tensorflow/tfjs-node' on a machine with internet, or use --backend auto)"
      );
    // loading the native library can abort the process on a broken install, so it is tried in a child
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(main)})`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) {
      const why =
        (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).split('\n').find((l) => /error/i.test(l)) ??
        `exit ${r.status ?? r.signal}`;
      return (
        `cannot load: @tensorflow/tfjs-node is installed but does not load (${why.trim().slice(0, 200)}); ` +
        'use --backend auto'
      );
    }
    return undefined;
  }
  if (choice === 'wasm') {
    const pkg = resolves('@tensorflow/tfjs-backend-wasm/package.json');
    if (!pkg) return 'cannot load: @tensorflow/tfjs-backend-wasm is not installed; use --backend auto';
    const dist = path.join(path.dirname(pkg), 'dist');
    const binaries = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'].filter((f) =>
      fs.existsSync(path.join(dist, f)),
    );
    if (!binaries.length)
      return `cannot load: no .wasm binary in ${dist}; reinstall @tensorflow/tfjs-backend-wasm or use --backend auto`;
    if (typeof WebAssembly !== 'object') return 'cannot load: this Node.js has no WebAssembly';
    return undefined;
  }
  // cpu, and auto's last resort
  if (!resolves('@tensorflow/tfjs-backend-cpu'))
    return 'cannot load: @tensorflow/tfjs-backend-cpu is not installed (reinstall the lab)';
  return undefined;
}
