// @ts-check
// Builds the native kernel module (native/: Node-API C over OpenBLAS) with node-gyp, offline: the headers come from
// the running Node's own installation (--nodedir), node-gyp from npm's bundled copy. Where a C compiler, OpenBLAS or
// the headers are missing it prints one line saying the native backend is unavailable and exits 0: the lab then runs
// on wasm. Skips when the module is newer than its sources (--force rebuilds). PRECOND_LAB_NO_NATIVE=1 skips it.
// Usage: node scripts/build-native.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const DIR = 'native';
const OUT = join(DIR, 'build', 'Release', 'precond_native.node');
const force = process.argv.includes('--force');

/**
 * @param {string} why
 * @returns {never}
 */
function unavailable(why) {
  console.log(`native backend unavailable: ${why} (the lab runs on wasm; see docs/benchmarks.md)`);
  process.exit(0);
}

if (process.env.PRECOND_LAB_NO_NATIVE === '1') unavailable('PRECOND_LAB_NO_NATIVE=1');

/** @param {string} p */
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const sources = [join(DIR, 'binding.gyp'), ...readdirSync(join(DIR, 'src')).map((f) => join(DIR, 'src', f))];
if (!force && mtime(OUT) > Math.max(...sources.map(mtime))) process.exit(0);

// headers of this Node (Debian's nodejs-dev or the official tarball layout): include/node/node_api.h
const nodedir = resolve(dirname(process.execPath), '..');
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h')))
  unavailable(`no Node headers under ${nodedir}/include/node (node-gyp would download them)`);

// node-gyp: npm's copy (npm tells scripts where it is), else the one installed beside this Node's npm
const gypCandidates = [
  process.env.npm_config_node_gyp,
  join(nodedir, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
const gyp = /** @type {string | undefined} */ (gypCandidates[0]);
if (!gyp) unavailable('node-gyp not found (it ships with npm)');

// a C compiler that links OpenBLAS's cblas_sgemm
const cc = process.env.CC || 'cc';
const tmp = mkdtempSync(join(tmpdir(), 'precond-native-'));
try {
  const src = join(tmp, 'probe.c');
  writeFileSync(
    src,
    'extern void cblas_sgemm(int,int,int,int,int,int,float,const float*,int,const float*,int,float,float*,int);\n' +
      'int main(void){float a=1,b=1,c=0;cblas_sgemm(101,111,111,1,1,1,1.f,&a,1,&b,1,0.f,&c,1);return c==1.f?0:1;}\n',
  );
  const probe = spawnSync(cc, [src, '-o', join(tmp, 'probe'), '-lopenblas'], { encoding: 'utf8' });
  if (probe.error) unavailable(`no C compiler (${cc}: ${probe.error.message})`);
  if (probe.status !== 0)
    unavailable(`OpenBLAS does not link (${(probe.stderr || '').trim().split('\n').pop()}); install libopenblas-dev`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// two builds at once (two terminals) would delete each other's objects: one builds, the other waits for it
const LOCK = join(DIR, '.build-lock');
/** @param {number} ms */
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
for (let waited = 0; ; waited += 500) {
  try {
    mkdirSync(LOCK);
    break;
  } catch {
    if (waited > 180_000 || Date.now() - mtime(LOCK) > 300_000) {
      rmSync(LOCK, { recursive: true, force: true }); // a build that died holding it
      continue;
    }
    sleep(500);
  }
}
/** @param {string[]} args */
const gypRun = (args) =>
  spawnSync(process.execPath, [gyp, ...args, `--nodedir=${nodedir}`, '--loglevel=warn'], {
    cwd: DIR,
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
let r;
try {
  if (!force && mtime(OUT) > Math.max(...sources.map(mtime)))
    r = undefined; // built while this one waited
  else {
    r = gypRun(['configure']);
    if (r.status === 0) r = gypRun(['build']);
  }
} finally {
  rmSync(LOCK, { recursive: true, force: true });
}
if (!r) process.exit(0);
if (r.status !== 0 || !existsSync(OUT)) {
  const err = `${r.stderr || ''}${r.stdout || ''}`.split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`;
  unavailable(`node-gyp failed: ${err.trim().slice(0, 300)}`);
}
console.log(`native: built ${OUT}`);
