// @ts-check
// Packages the extension with vsce, offline:
//   node scripts/package-vsix.mjs                      universal .vsix: WebAssembly kernels only (native/ left out)
//   node scripts/package-vsix.mjs --target linux-x64   platform .vsix: the same plus the prebuilt native module,
//                                                       native/prebuilds/linux-x64/precond_native.napi.node, which the
//                                                       loader finds through node-gyp-build (src/lab/native/addon.ts)
// Options: --out-dir DIR (default: the repository root), --skip-build (reuse dist/ and the native build as they are),
// --base-url URL (where the repository's files are published: vsce prefixes the README's relative links with it;
// without it the listing's README has them as plain text, scripts/listingReadme.mjs, so none is broken).
// The platform package builds the module from source first (scripts/build-native.mjs --force: a C compiler and
// libopenblas-dev are needed) and refuses with one line when it cannot. The binary links the system OpenBLAS
// (libopenblas0 on Debian/Ubuntu); where that is absent it does not load and the lab runs on wasm.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listingReadme } from './listingReadme.mjs';

const TARGETS = ['linux-x64'];
const args = process.argv.slice(2);
const opt = (/** @type {string} */ name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const target = opt('--target');
const outDir = resolve(opt('--out-dir') ?? '.');
const skipBuild = args.includes('--skip-build');
const baseUrl = opt('--base-url');

/** @param {string} msg @returns {never} */
function fail(msg) {
  console.error(`package-vsix: ${msg}`);
  process.exit(1);
}

if (baseUrl !== undefined && !/^https:\/\/\S+$/.test(baseUrl))
  fail(`--base-url must be an https:// address, got '${baseUrl.slice(0, 60)}'`);
if (target !== undefined && !TARGETS.includes(target))
  fail(`--target ${target} is not supported (prebuilt native binaries exist for: ${TARGETS.join(', ')})`);
if (target && `${process.platform}-${process.arch}` !== target)
  fail(
    `--target ${target} needs a ${target} machine to build its native binary (this is ${process.platform}-${process.arch})`,
  );

/** @param {string} cmd @param {string[]} a @param {NodeJS.ProcessEnv} [env] */
function run(cmd, a, env) {
  const r = spawnSync(cmd, a, { stdio: 'inherit', env: env ?? process.env });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${a.join(' ')} exited with ${r.status}`);
}

const node = process.execPath;
if (!skipBuild) {
  run(node, ['scripts/build-wasm.mjs']);
  run(node, ['esbuild.mjs', '--production']);
  run(node, ['scripts/build-schema.mjs']);
}

const vsce = join('node_modules', '@vscode', 'vsce', 'vsce');
if (!existsSync(vsce)) fail('@vscode/vsce is not installed (npm install: it is a devDependency)');
mkdirSync(outDir, { recursive: true });
const name = JSON.parse(readFileSync('package.json', 'utf8')).name;
// The listing's README: relative links prefixed with --base-url, else written as plain text (listingReadme.mjs).
// vsce takes the readme path relative to the package root, so it is written under out/ (ignored, left out of the
// package by .vscodeignore: vsce reads it from there as the package's readme.md). The root README.md is left out
// of the package then (vsix paths are case-insensitive: README.md and readme.md would collide).
const readme = join('out', 'listing-README.md');
mkdirSync('out', { recursive: true });
writeFileSync(readme, baseUrl ? readFileSync('README.md', 'utf8') : listingReadme(readFileSync('README.md', 'utf8')));
const common = [
  'package',
  '--allow-missing-repository',
  '--readme-path',
  readme,
  ...(baseUrl ? ['--baseContentUrl', baseUrl, '--baseImagesUrl', baseUrl] : ['--no-rewrite-relative-links']),
];

/** An ignore file: .vscodeignore, the root README.md (the listing's copy replaces it), and `extra` lines. */
function ignoreFile(/** @type {string} */ dir, /** @type {string[]} */ extra) {
  const file = join(dir, '.vscodeignore');
  writeFileSync(file, [readFileSync('.vscodeignore', 'utf8'), 'README.md', ...extra, ''].join('\n'));
  return file;
}

if (!target) {
  const tmp = mkdtempSync(join(tmpdir(), 'precond-vsix-'));
  try {
    const out = join(outDir, `${name}.vsix`);
    run(node, [vsce, ...common, '--ignoreFile', ignoreFile(tmp, []), '--out', out]);
    console.log(`package-vsix: ${out} (universal: WebAssembly kernels only)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  if (!skipBuild || !existsSync(join('native', 'build', 'Release', 'precond_native.node'))) {
    const r = spawnSync(node, ['scripts/build-native.mjs', '--force'], { encoding: 'utf8' });
    process.stdout.write(r.stdout ?? '');
    if (r.status !== 0 || /unavailable/.test(r.stdout ?? ''))
      fail('the native module did not build here, so there is no binary to ship (see the line above)');
  }
  const dir = join('native', 'prebuilds', target);
  mkdirSync(dir, { recursive: true });
  const prebuilt = join(dir, 'precond_native.napi.node');
  copyFileSync(join('native', 'build', 'Release', 'precond_native.node'), prebuilt);
  // .vscodeignore leaves native/ out; the platform package takes the one binary back in
  const tmp = mkdtempSync(join(tmpdir(), 'precond-vsix-'));
  try {
    const ignore = ignoreFile(tmp, [`!${prebuilt.split('\\').join('/')}`]);
    const out = join(outDir, `${name}-${target}.vsix`);
    run(node, [vsce, ...common, '--target', target, '--ignoreFile', ignore, '--out', out]);
    console.log(`package-vsix: ${out} (${target}: native module included, WebAssembly as the fallback)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
