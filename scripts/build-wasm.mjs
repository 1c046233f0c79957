// @ts-check
// Compiles every AssemblyScript module of src/lab/wasm/asm into src/lab/wasm/build (not committed; `npm run build`
// runs this first). Modules with a relaxed-SIMD variant are built twice: plain SIMD, and with relaxed SIMD, where
// the shared madd() may become a fused multiply-add. The flags are part of the numbers: changing them changes
// results, so they are stated once here for every module.
// Usage: node scripts/build-wasm.mjs [--force]   (without --force, skips when every output is newer than its inputs)
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SRC = 'src/lab/wasm/asm';
const OUT = 'src/lab/wasm/build';
const FLAGS = ['--optimizeLevel', '3', '--shrinkLevel', '0', '--runtime', 'stub', '--noAssert', '--initialMemory', '1'];

/** Entry file (in SRC) -> whether it also gets a relaxed-SIMD build (written as <name>-relaxed.wasm). */
const MODULES = [
  { name: 'mlp', relaxed: true },
  { name: 'regHvp', relaxed: true },
  { name: 'twoLoop', relaxed: false },
];

const builds = MODULES.flatMap(({ name, relaxed }) => [
  { src: join(SRC, `${name}.ts`), out: join(OUT, `${name}.wasm`), features: 'simd' },
  ...(relaxed
    ? [{ src: join(SRC, `${name}.ts`), out: join(OUT, `${name}-relaxed.wasm`), features: 'simd,relaxed-simd' }]
    : []),
]);

/** @param {string} path */
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
};

// Every entry may import the shared helpers, so any source (or this script) changing rebuilds everything.
const newestInput = Math.max(
  mtime(new URL(import.meta.url).pathname),
  ...readdirSync(SRC).map((f) => mtime(join(SRC, f))),
);
const upToDate = builds.every((b) => mtime(b.out) > newestInput);

if (!upToDate || process.argv.includes('--force')) {
  mkdirSync(OUT, { recursive: true });
  for (const b of builds) {
    const { error, stderr } = await asc.main([b.src, '--outFile', b.out, ...FLAGS, '--enable', b.features]);
    if (error) {
      process.stderr.write(stderr.toString());
      throw new Error(`asc failed on ${b.src} (${b.features}): ${error.message}`);
    }
  }
}
