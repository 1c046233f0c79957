// @ts-check
// Bundles the extension-host mocha suite: test/suite/index.ts and every test/suite/*.test.ts to out/test/suite/.
// Each test file is its own bundle so index.ts can hand mocha the files (mocha sets up describe/it per file).
// mocha stays external: it is resolved from node_modules next to the extension at run time.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const suite = readdirSync('test/suite')
  .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
  .map((f) => `test/suite/${f}`);

rmSync('out/test/suite', { recursive: true, force: true }); // no stale test files from renamed sources
await esbuild.build({
  entryPoints: suite,
  outdir: 'out/test/suite',
  outbase: 'test/suite',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
