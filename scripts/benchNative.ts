// The native backend's bench (`node dist/bench.js native`): OpenBLAS sgemm on the OOD shapes in GFLOP/s, and one OOD
// run (Figure 2 shape, GD and AdaHessian, 100 steps, evaluation every 10) in CPU seconds, medians of three runs
// alternating with numpy doing the same arithmetic in float32 on one thread, both with the core type they ran with. When the environment sets
// OPENBLAS_CORETYPE the bench runs its own measurement twice: as set, and in a child process with it unset (OpenBLAS
// reads it when the library loads). Nothing else changes it.
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/lab/backend';
import { loadNative } from '../src/lab/native/addon';
import { oodContext, trainOodRun } from '../src/lab/experiments/ood';
import { DEFAULT_OOD_SETTINGS } from '../src/shared/config';
import { timeMs } from './benchUtil';

/** The OOD runs timed side by side with numpy (the same arithmetic there, float32, one thread). */
const OOD_OPTIMIZERS = ['gd', 'adahessian'] as const;
/** Alternating repetitions of the OOD runs (ours, then numpy's). */
const REPS = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

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
# one OOD run: 784-h-10 ReLU, softmax cross-entropy, GD or AdaHessian (k = 1: one Rademacher probe, the exact
# Hessian-vector product by the R-operator, decoupled weight decay); forward on every split at each evaluation
def split(m):
    return rng.random((m, d), dtype=np.float32), rng.integers(0, 10, m)
tr = split(n); evals = [split(m) for m in a['evalSizes']]
def ood_run(opt):
    W1 = (rng.random((h, d), dtype=np.float32) - 0.5) / 14; b1 = np.zeros(h, np.float32)
    W2 = (rng.random((10, h), dtype=np.float32) - 0.5) / 8; b2 = np.zeros(10, np.float32)
    P = [W1, b1, W2, b2]
    M = [np.zeros_like(t) for t in P]; V = [np.zeros_like(t) for t in P]
    lr, b1m, b2m, eps, wd = 0.01, 0.9, 0.999, 1e-16, 1e-4
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
        g = p.copy(); g[np.arange(n), y] -= 1; g /= n
        mask = z > 0
        gW2 = g.T @ a1; gb2 = g.sum(0); dz = (g @ W2) * mask; gW1 = dz.T @ x; gb1 = dz.sum(0)
        G = [gW1, gb1, gW2, gb2]
        if opt == 'gd':
            for t, gt in zip(P, G): t -= 0.1 * gt
            continue
        Z = [(rng.integers(0, 2, t.shape) * 2 - 1).astype(np.float32) for t in P]
        ra = (x @ Z[0].T + Z[1]) * mask
        ro = ra @ W2.T + a1 @ Z[2].T + Z[3]
        rdo = p * (ro - (p * ro).sum(1, keepdims=True)) / n
        rdz = (rdo @ W2 + g @ Z[2]) * mask
        H = [rdz.T @ x, rdz.sum(0), rdo.T @ a1 + g.T @ ra, rdo.sum(0)]
        t1 = step + 1
        for t, gt, zt, ht, m, v in zip(P, G, Z, H, M, V):
            m *= b1m; m += (1 - b1m) * gt
            v *= b2m; v += (1 - b2m) * (zt * ht) ** 2
            t *= 1 - lr * wd
            t -= (lr / (1 - b1m ** t1)) * m / (np.sqrt(v / (1 - b2m ** t1)) + eps)
    return time.process_time() - t0
for opt in a['optimizers']:
    out['oodRun.' + opt] = ood_run(opt)
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
  // ours and numpy's alternately, REPS times each, and their medians: one pair of runs on a shared 2-core machine
  // swings by 20% either way, the medians of alternating runs much less
  const runs: Record<string, { cpu: number[]; status: string }> = {};
  const theirs: Record<string, number[]> = {};
  const evalSizes = [ctx.data.val.n, ctx.data.left.n, ctx.data.right.n];
  let np: Record<string, number | string> | string = 'not run';
  for (let rep = 0; rep < REPS; rep++) {
    for (const optimizer of OOD_OPTIMIZERS) {
      const cpu0 = process.cpuUsage();
      const res = await trainOodRun(
        ctx,
        { id: optimizer, optimizer },
        { record: () => {}, progress: () => {}, shouldStop: () => false },
      );
      const c = process.cpuUsage(cpu0);
      (runs[optimizer] ??= { cpu: [], status: res.status }).cpu.push((c.user + c.system) / 1e6);
    }
    np = numpy({ h, d, n, steps: 100, evalEvery: 10, evalSizes, optimizers: OOD_OPTIMIZERS }, process.env);
    if (typeof np === 'string') break;
    for (const optimizer of OOD_OPTIMIZERS) (theirs[optimizer] ??= []).push(np[`oodRun.${optimizer}`] as number);
  }
  console.log(`\nnative backend, ${label}: OpenBLAS core ${info.coreType}, C kernels ${info.isa}, 1 thread`);
  console.log(`  OOD shapes (h ${h}, d ${d}, n ${n}; ${evalSizes.join('/')} val/left/right at each evaluation):`);
  console.log(`  sgemm forward  W X^T  ${fwd.toFixed(0)} GFLOP/s   gradient dZ^T X  ${grad.toFixed(0)} GFLOP/s`);
  if (typeof np === 'string') console.log(`  numpy: ${np}`);
  else {
    console.log(
      `  numpy (${np.blas}, core ${np.core}, 1 thread): sgemm forward ${(np.fwd as number).toFixed(0)}, gradient ` +
        `${(np.grad as number).toFixed(0)} GFLOP/s`,
    );
  }
  for (const optimizer of OOD_OPTIMIZERS) {
    const { cpu, status } = runs[optimizer];
    const ours = median(cpu);
    const ref = theirs[optimizer] ? median(theirs[optimizer]) : undefined;
    console.log(
      `  OOD run (${optimizer}, 100 steps, eval every 10), median of ${cpu.length} alternating with numpy: native ` +
        `${ours.toFixed(2)} s CPU (${status}; ${cpu.map((x) => x.toFixed(2)).join(' ')})` +
        (ref === undefined
          ? ''
          : `, numpy ${ref.toFixed(2)} s CPU (${theirs[optimizer].map((x) => x.toFixed(2)).join(' ')}), ` +
            `native / numpy = ${(ours / ref).toFixed(2)}`),
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
