// The native backend's bench (`node dist/bench.js native`): OpenBLAS sgemm on the OOD shapes in GFLOP/s, and one OOD
// run (Figure 2 shape, GD, 100 steps, evaluation every 10) in CPU seconds, each side by side with numpy doing the
// same arithmetic in float32 on one thread, both with the core type they ran with. When the environment sets
// OPENBLAS_CORETYPE the bench runs its own measurement twice: as set, and in a child process with it unset (OpenBLAS
// reads it when the library loads). Nothing else changes it.
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/lab/backend';
import { loadNative } from '../src/lab/native/addon';
import { oodContext, trainOodRun } from '../src/lab/experiments/ood';
import { DEFAULT_OOD_SETTINGS } from '../src/shared/config';
import { clock, timeMs } from './benchUtil';

const NUMPY = String.raw`
import sys, json, time, os
import numpy as np
a = json.loads(sys.argv[1])
core = 'unknown'
try:
    import ctypes, glob, numpy
    libs = glob.glob(os.path.join(os.path.dirname(numpy.__file__), '..', 'numpy.libs', '*openblas*.so*'))
    for lib in libs:
        l = ctypes.CDLL(lib)
        for name in ('scipy_openblas_get_corename64_', 'openblas_get_corename64_', 'openblas_get_corename'):
            f = getattr(l, name, None)
            if f:
                f.restype = ctypes.c_char_p; core = f().decode(); break
except Exception as e:
    core = 'unknown (%s)' % e
cfg = np.show_config(mode='dicts')['Build Dependencies']['blas']
blas = '%s %s' % (cfg.get('name'), cfg.get('version'))
rng = np.random.default_rng(0)
out = {'blas': blas, 'core': core}
def tm(f, budget=1.0):
    f(); t0 = time.process_time(); n = 0
    while time.process_time() - t0 < budget: f(); n += 1
    return (time.process_time() - t0) / n
h, d, n = a['h'], a['d'], a['n']
W = rng.standard_normal((h, d), dtype=np.float32); XT = rng.standard_normal((d, n), dtype=np.float32)
C = rng.standard_normal((h, n), dtype=np.float32); X = np.ascontiguousarray(XT.T)
out['fwd'] = 2*h*d*n / tm(lambda: W @ XT) / 1e9
out['grad'] = 2*h*d*n / tm(lambda: C @ X) / 1e9
# one OOD run: 784-h-10 ReLU, softmax cross-entropy, GD; forward on every split at each evaluation
def split(m):
    return rng.random((m, d), dtype=np.float32), rng.integers(0, 10, m)
tr = split(n); evals = [split(m) for m in a['evalSizes']]
W1 = (rng.random((h, d), dtype=np.float32) - 0.5) / 14; b1 = np.zeros(h, np.float32)
W2 = (rng.random((10, h), dtype=np.float32) - 0.5) / 8; b2 = np.zeros(10, np.float32)
def fwd(x):
    z = x @ W1.T + b1; a1 = np.maximum(z, 0); return z, a1, a1 @ W2.T + b2
t0 = time.process_time()
for step in range(a['steps'] + 1):
    if step % a['evalEvery'] == 0 or step == a['steps']:
        for x, y in [tr] + evals: fwd(x)[2].argmax(1)
    if step == a['steps']: break
    x, y = tr
    z, a1, o = fwd(x)
    o = o - o.max(1, keepdims=True); p = np.exp(o); p /= p.sum(1, keepdims=True)
    g = p; g[np.arange(n), y] -= 1; g /= n
    gW2 = g.T @ a1; gb2 = g.sum(0); dz = (g @ W2) * (z > 0); gW1 = dz.T @ x; gb1 = dz.sum(0)
    W1 -= 0.1 * gW1; b1 -= 0.1 * gb1; W2 -= 0.1 * gW2; b2 -= 0.1 * gb2
out['oodRun'] = time.process_time() - t0
print(json.dumps(out))
`;

function numpy(args: object, env: NodeJS.ProcessEnv): Record<string, number | string> | string {
  const r = spawnSync('python3', ['-c', NUMPY, JSON.stringify(args)], {
    encoding: 'utf8',
    env: { ...env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
  });
  if (r.error) return `python3 not found (${r.error.message})`;
  if (r.status !== 0) return `numpy unavailable: ${(r.stderr || '').trim().split('\n').pop()}`;
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

/** Measures in this process and prints the rows; `label` says which core-type setting it ran under. */
export async function nativeBench(label: string): Promise<void> {
  const { addon, problem } = loadNative();
  if (!addon) {
    console.log(`native: ${problem}`);
    return;
  }
  await initBackend('native');
  addon.setThreads(1);
  const info = addon.info();
  const settings = { ...DEFAULT_OOD_SETTINGS, steps: 100, evalEvery: 10 };
  const ctx = oodContext(settings, 42, 'native');
  const [h, d, n] = [settings.hidden, 784, ctx.data.train.n];
  const W = Float32Array.from({ length: h * d }, () => Math.random() - 0.5);
  const XT = Float32Array.from({ length: d * n }, () => Math.random());
  const C = Float32Array.from({ length: h * n }, () => Math.random() - 0.5);
  const X = Float32Array.from({ length: n * d }, () => Math.random());
  const out = new Float32Array(h * n);
  const g = new Float32Array(h * d);
  const flops = 2 * h * d * n;
  const fwd = flops / timeMs(() => addon.sgemm(false, false, h, n, d, 1, W, d, XT, n, 0, out, n), 1000, 2) / 1e6;
  const grad = flops / timeMs(() => addon.sgemm(false, false, h, d, n, 1, C, n, X, d, 0, g, d), 1000, 2) / 1e6;
  const elapsed = clock();
  const cpu0 = process.cpuUsage();
  const res = await trainOodRun(
    ctx,
    { id: 'gd', optimizer: 'gd' },
    { record: () => {}, progress: () => {}, shouldStop: () => false },
  );
  const c = process.cpuUsage(cpu0);
  const run = (c.user + c.system) / 1e6;
  void elapsed;
  const evalSizes = [ctx.data.val.n, ctx.data.left.n, ctx.data.right.n];
  const np = numpy({ h, d, n, steps: 100, evalEvery: 10, evalSizes }, process.env);
  console.log(`\nnative backend, ${label}: OpenBLAS core ${info.coreType}, C kernels ${info.isa}, 1 thread`);
  console.log(`  OOD shapes (h ${h}, d ${d}, n ${n}; ${evalSizes.join('/')} val/left/right at each evaluation):`);
  console.log(`  sgemm forward  W X^T  ${fwd.toFixed(0)} GFLOP/s   gradient dZ^T X  ${grad.toFixed(0)} GFLOP/s`);
  console.log(`  OOD run (GD, 100 steps, eval every 10): ${run.toFixed(2)} s CPU (status ${res.status})`);
  if (typeof np === 'string') console.log(`  numpy: ${np}`);
  else {
    console.log(
      `  numpy (${np.blas}, core ${np.core}, 1 thread): sgemm forward ${(np.fwd as number).toFixed(0)}, gradient ` +
        `${(np.grad as number).toFixed(0)} GFLOP/s; OOD run ${(np.oodRun as number).toFixed(2)} s CPU; ` +
        `native / numpy = ${(run / (np.oodRun as number)).toFixed(2)}`,
    );
  }
}

/** Runs the native rows as the environment is, and again with OPENBLAS_CORETYPE unset when it is set. */
export async function nativeRows(benchJs: string): Promise<void> {
  const set = process.env.OPENBLAS_CORETYPE;
  await nativeBench(set ? `OPENBLAS_CORETYPE=${set} (as set)` : 'OPENBLAS_CORETYPE unset');
  if (set) {
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    const r = spawnSync(process.execPath, [benchJs, 'native-child'], { encoding: 'utf8', env });
    process.stdout.write(r.stdout);
    if (r.status !== 0) console.log(`  (unset run failed: ${r.stderr.trim().split('\n').pop()})`);
  }
}
