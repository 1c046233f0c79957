// The two extension packages (scripts/package-vsix.mjs): the universal .vsix carries the WebAssembly kernels and no
// native module; the linux-x64 .vsix carries the prebuilt module where node-gyp-build looks for it, and an unpacked
// copy of it trains on the native backend with no local build (the loader finds the prebuilt binary), while the
// universal one refuses --backend native with one line and trains on wasm. Both are packed from the dist/ that
// `npm run build` made (--skip-build); the platform one needs the native module built (CI builds it; elsewhere that
// part skips with the reason). About a minute: vsce reads every runtime dependency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNative } from '../../src/lab/native/addon';

const repo = path.resolve(__dirname, '../../..');
const inCi = process.env.PRECOND_LAB_CI === '1';
const native = loadNative();
const platform = `${process.platform}-${process.arch}`;
const hasUnzip = spawnSync('unzip', ['-v'], { encoding: 'utf8' }).status === 0;
// outside CI a machine without unzip skips (CI installs it, so there it fails instead)
const noUnzip = !hasUnzip && !inCi ? 'unzip is not installed (apt-get install unzip)' : false;
const noNative =
  platform !== 'linux-x64'
    ? `the platform package is linux-x64 only (this is ${platform})`
    : noUnzip
      ? noUnzip
      : !native.addon && !inCi
        ? `native module not built here: ${native.problem}`
        : false;

function pack(outDir: string, target?: string): string {
  const args = ['scripts/package-vsix.mjs', '--skip-build', '--out-dir', outDir];
  if (target) args.push('--target', target);
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const file = path.join(outDir, target ? `preconditioning-lab-${target}.vsix` : 'preconditioning-lab.vsix');
  assert.ok(fs.existsSync(file), file);
  return file;
}

/** The entry names of a .vsix, from `unzip -l`. */
function entries(vsix: string): string[] {
  const r = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

function unpack(vsix: string, dir: string): string {
  const r = spawnSync('unzip', ['-q', vsix, '-d', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return path.join(dir, 'extension');
}

/** A 30-step quick fig1-cov run with the unpacked extension's own CLI; returns the run record. */
function trainWith(ext: string, backend: string, out: string) {
  const env = { ...process.env };
  delete env.PRECOND_LAB_NATIVE;
  const args = ['run', 'fig1-cov', '--quick', '--p', '0', '--case', 'high', '--steps', '30', '--workers', '1'];
  const r = spawnSync(
    process.execPath,
    [path.join(ext, 'dist', 'cli.js'), ...args, '--backend', backend, '--out', out],
    {
      encoding: 'utf8',
      env,
    },
  );
  const runs = path.join(out, 'fig1-cov-quick', 'runs');
  const ids = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
  const run = ids.length ? JSON.parse(fs.readFileSync(path.join(runs, ids[0], 'run.json'), 'utf8')) : undefined;
  return { status: r.status, stderr: r.stderr, run };
}

test(
  'universal .vsix: WebAssembly kernels, no native module; --backend native is refused in one line',
  { skip: noUnzip },
  () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-vsix-u-'));
    try {
      const vsix = pack(tmp);
      const names = entries(vsix);
      assert.ok(names.includes('extension/dist/extension.js') && names.includes('extension/dist/cli.js'));
      assert.ok(
        names.includes('extension/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
      );
      assert.deepEqual(
        names.filter((n) => n.startsWith('extension/native/')),
        [],
        'nothing of native/ (sources, build, prebuilds)',
      );
      assert.deepEqual(
        names.filter((n) => n.endsWith('.node')),
        [],
        'no platform binaries at all (msgpackr, under bullmq, runs without its optional msgpackr-extract)',
      );
      assert.doesNotMatch(fs.readFileSync(vsix).toString('latin1'), /TargetPlatform=/, 'not platform-specific');
      const ext = unpack(vsix, tmp);
      // the listing's README has no relative link a Marketplace page could not resolve (the repository's has some)
      const relative = /\]\((?![a-z][a-z0-9+.-]*:|#)[^)\s]+\)/gi;
      const source = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
      assert.ok((source.match(relative) ?? []).length > 0, 'the source README links docs/ relatively');
      const listed = fs.readFileSync(path.join(ext, 'readme.md'), 'utf8').replace(/```[\s\S]*?```|`[^`\n]*`/g, '');
      assert.deepEqual(listed.match(relative) ?? [], [], 'relative links left in the packaged README');
      assert.match(listed, /\(in the source repository\)/);
      const refused = trainWith(ext, 'native', path.join(tmp, 'out-native'));
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /--backend native: cannot load: .*not built/);
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
      const wasm = trainWith(ext, 'auto', path.join(tmp, 'out-auto'));
      assert.equal(wasm.status, 0, wasm.stderr);
      assert.equal(wasm.run.backend, 'wasm');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);

test(
  'linux-x64 .vsix: the prebuilt module where node-gyp-build finds it, and it trains on native',
  { skip: noNative },
  () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-vsix-p-'));
    try {
      const vsix = pack(tmp, 'linux-x64');
      const names = entries(vsix);
      const nativeFiles = names.filter((n) => n.startsWith('extension/native/'));
      assert.deepEqual(nativeFiles, ['extension/native/prebuilds/linux-x64/precond_native.napi.node'], 'one binary');
      assert.deepEqual(
        names.filter((n) => n.endsWith('.node')),
        nativeFiles,
        'no other binary',
      );
      assert.ok(
        names.includes('extension/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
      );
      const manifest = spawnSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }).stdout;
      assert.match(manifest, /TargetPlatform="linux-x64"/);
      const ext = unpack(vsix, tmp);
      assert.equal(fs.existsSync(path.join(ext, 'native', 'build')), false, 'no local build in the package');
      const r = trainWith(ext, 'native', path.join(tmp, 'out'));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.run.backend, 'native');
      assert.match(r.run.kernel, /^native \(OpenBLAS \S+ core /);
      assert.ok(Number.isFinite(r.run.final.testMSE));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);
