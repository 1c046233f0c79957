// Throughput of the Experiment 1 training kernels at the paper's shapes (dx 10, width 500, 200 train, 9800 test):
// time per step and per test evaluation for each kernel and tfjs backend that loads, for 1 and 5 models at once,
// projected to one full run (10000 steps, test MSE every step) and to the fig1-cov sweep; then the eigensolve and
// panel-view timings of benchHost.ts (kept out of the unit tests, which assert on work done). `npm run bench`.
import { loadavg } from 'node:os';
import { initBackend, type BackendName } from '../src/lab/backend';
import { KERNELS } from '../src/lab/kernels';
import { enableRelaxedSimd, simdAvailable, simdKernelFor, type SimdVariant } from '../src/lab/kernels/simdKernel';
import type { BatchSpec, Kernel, MlpParams, RegressionData } from '../src/lab/kernels/types';
import { hostTimings } from './benchHost';
import { clock, timeMs } from './benchUtil';
import { optimizerTable } from './benchOptim';
import { nativeBench, nativeRows } from './benchNative';
import { presetProjection } from './benchPresets';
import { loadNative } from '../src/lab/native/addon';
import { RandomState } from '../src/lab/rng';

const SHAPE = { dx: 10, width: 500, nTrain: 200, nTest: 9800, steps: 10000 };
/** fig1-cov: 2 cases x 5 p x 5 SNR = 50 runs, batched as 10 groups of 5 models, on 2 worker processes. */
const SWEEP = { runs: 50, workers: 2 };

/** Flops (2 per multiply-add) of one model: forward and backward of both layers on the train set. */
const stepFlops = (s = SHAPE) => 2 * s.nTrain * s.width * (2 * s.dx + 2);
/** Flops of one model's test evaluation: both layers on the test set. */
const evalFlops = (s = SHAPE) => 2 * s.nTest * s.width * (s.dx + 1);

/** Random data of the real shapes: x ~ N(0, diag(lambda)) with variances from 10 down to 0.1, a ReLU teacher. */
function benchProblem(models: number, seed = 1, s = SHAPE): { data: RegressionData; spec: BatchSpec } {
  const rng = new RandomState(seed);
  const g = () => rng.normal();
  const lambda = Array.from({ length: s.dx }, (_, k) => 10 ** (1 - (2 * k) / (s.dx - 1)));
  const inputs = (n: number) => Float32Array.from({ length: n * s.dx }, (_, i) => Math.sqrt(lambda[i % s.dx]) * g());
  const labels = (x: Float32Array) =>
    Float32Array.from({ length: x.length / s.dx }, (_, i) => Math.max(0, x[i * s.dx]) + g());
  const xTrain = inputs(s.nTrain);
  const xTest = inputs(s.nTest);
  const uniform = (n: number, fanIn: number) =>
    Float32Array.from({ length: n }, () => 0.001 * Math.sqrt(6 / fanIn) * Math.tanh(g()));
  const init = (): MlpParams => ({
    W1: uniform(s.width * s.dx, s.dx),
    b1: new Float32Array(s.width),
    W2: uniform(s.width, s.width),
    b2: new Float32Array(1),
  });
  return {
    data: { dx: s.dx, nTrain: s.nTrain, nTest: s.nTest, xTrain, yTrain: labels(xTrain), xTest, yTest: labels(xTest) },
    spec: {
      width: s.width,
      lr: 0.01,
      l2: 1e-6 / s.nTrain,
      precond: Array.from({ length: models }, (_, m) => Float32Array.from(lambda, (l) => l ** (m - 2))),
      init: Array.from({ length: models }, init),
    },
  };
}

interface BenchRow {
  kernel: string;
  backend: string;
  models: number;
  stepMs: number;
  evalMs: number;
}

/** Times one kernel's step and test evaluation (all models together). */
function timeKernel(
  kernel: Kernel,
  backend: string,
  models: number,
  budgetMs: number,
  warmup = 1,
  warmupMs = 0,
): BenchRow {
  const { data, spec } = benchProblem(models);
  const r = kernel.create(data, spec);
  const stepMs = timeMs(() => r.step(), budgetMs, warmup, warmupMs);
  const evalMs = timeMs(() => r.testMSE(), budgetMs, warmup, warmupMs);
  r.dispose();
  return { kernel: kernel.name, backend, models, stepMs, evalMs };
}

/** Seconds of one full run per model: SHAPE.steps steps with a test evaluation after each. */
const runSeconds = (r: BenchRow) => (SHAPE.steps * (r.stepMs + r.evalMs)) / r.models / 1000;
/** Minutes of the fig1-cov sweep with ideal scaling over the workers. */
const sweepMinutes = (r: BenchRow) => (runSeconds(r) * SWEEP.runs) / SWEEP.workers / 60;

function formatTable(rows: BenchRow[]): string {
  const head = ['kernel', 'backend', 'M', 'step ms', 'eval ms', 'step GF/s', 'eval GF/s', 'run s/model', 'sweep min'];
  const body = rows.map((r) => [
    r.kernel,
    r.backend,
    String(r.models),
    r.stepMs.toFixed(3),
    r.evalMs.toFixed(2),
    ((r.models * stepFlops()) / r.stepMs / 1e6).toFixed(1),
    ((r.models * evalFlops()) / r.evalMs / 1e6).toFixed(1),
    runSeconds(r).toFixed(1),
    sweepMinutes(r).toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** One real run of SHAPE.steps steps with a test evaluation after every step; seconds (wall, and as clock()). */
function fullRun(kernel: Kernel, models = 1): { wall: number; busy: number } {
  const { data, spec } = benchProblem(models);
  const r = kernel.create(data, spec);
  const t0 = performance.now();
  const elapsed = clock();
  for (let t = 0; t < SHAPE.steps; t++) {
    r.step();
    r.testMSE();
  }
  const busy = elapsed() / 1000;
  r.dispose();
  return { wall: (performance.now() - t0) / 1000, busy };
}

/**
 * `node dist/bench.js [simd] [js] [tfjs] [native] [presets] [optim] [eig] [views]` limits the output to those kernels / tables /
 * timings; `presets-native` alone projects the presets on native only (the wasm projection takes long).
 */
async function main(only: string[]): Promise<void> {
  const s = SHAPE;
  if (only[0] === 'native-child') return nativeBench('OPENBLAS_CORETYPE unset (child process)');
  if (only.length === 1 && only[0] === 'presets') return presets();
  if (only.length === 1 && only[0] === 'presets-native') return presets(false);
  const want = (k: string) => only.length === 0 || only.includes(k);
  const relaxedNative = simdAvailable('relaxed-simd');
  enableRelaxedSimd();
  console.log(
    `shapes: dx ${s.dx}, width ${s.width}, ${s.nTrain} train, ${s.nTest} test; one run = ${s.steps} steps + ` +
      `${s.steps} test evaluations`,
  );
  console.log(
    `flops per model (2 per multiply-add): step 2*nTrain*width*(2*dx+2) = ${stepFlops() / 1e6} M, eval ` +
      `2*nTest*width*(dx+1) = ${evalFlops() / 1e6} M`,
  );
  console.log(
    'relaxed SIMD (fused multiply-add): ' +
      `${relaxedNative ? 'native' : simdAvailable('relaxed-simd') ? 'enabled by enableRelaxedSimd()' : 'unavailable'}`,
  );
  console.log(
    `times are min(wall, process CPU time); load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `sweep = fig1-cov, ${SWEEP.runs} runs (10 groups of 5 models) on ${SWEEP.workers} workers, ideal scaling; one ` +
      `core per worker\n`,
  );
  const rows: BenchRow[] = [];
  const kernelOf = new Map<BenchRow, Kernel>();
  const add = (kernel: Kernel, row: BenchRow) => {
    rows.push(row);
    kernelOf.set(row, kernel);
    console.log(
      `  ${row.kernel}/${row.backend} M=${row.models}: step ${row.stepMs.toFixed(3)} ms, eval ` +
        `${row.evalMs.toFixed(2)} ms`,
    );
  };
  const variants = (['relaxed-simd', 'simd'] as SimdVariant[]).filter((v) => simdAvailable(v));
  for (const models of [1, 5]) {
    if (want('simd'))
      for (const v of variants) add(simdKernelFor(v), timeKernel(simdKernelFor(v), `wasm ${v}`, models, 1500, 1, 300));
    if (want('js')) add(KERNELS.js, timeKernel(KERNELS.js, 'js', models, 1000, 1, 300));
    if (want('native') && loadNative().addon)
      add(KERNELS.native, timeKernel(KERNELS.native, 'native', models, 1500, 1, 300));
  }
  const backends: BackendName[] = want('tfjs') ? ['tfjs-node', 'wasm', 'cpu'] : [];
  for (const backend of backends) {
    try {
      await initBackend(backend);
    } catch {
      console.log(`  tfjs/${backend}: not available`);
      continue;
    }
    const slow = backend === 'cpu';
    for (const models of [1, 5])
      add(KERNELS.tfjs, timeKernel(KERNELS.tfjs, backend, models, slow ? 500 : 1500, 1, slow ? 0 : 300));
  }
  if (!rows.length) {
    optimizers(want('optim'));
    return hostTimings(want);
  }
  console.log(`\n${formatTable(rows)}\n`);
  const best = rows.filter((r) => r.models === 1).reduce((a, b) => (runSeconds(b) < runSeconds(a) ? b : a));
  if (runSeconds(best) < 60 && best.kernel !== 'tfjs') {
    const { wall, busy } = fullRun(kernelOf.get(best) as Kernel);
    console.log(
      `full run, ${best.kernel}/${best.backend}, M=1, ${s.steps} steps with test MSE every step: ` +
        `${busy.toFixed(1)} s measured (${wall.toFixed(1)} s wall)`,
    );
  } else {
    console.log(
      `full run skipped: the best kernel (${best.kernel}/${best.backend}) projects ${runSeconds(best).toFixed(0)} s`,
    );
  }
  if (want('native')) await nativeRows(process.argv[1]);
  if (want('presets')) await presets();
  optimizers(want('optim'));
  hostTimings(want);
}

/** Projected wall times of the full Figure 2 presets on native (where it loads) and, unless withWasm is false, wasm. */
async function presets(withWasm = true): Promise<void> {
  console.log('\nprojected full Figure 2 presets (short runs of each optimizer; one thread per run, 2 workers):');
  if (loadNative().addon) {
    loadNative().addon?.setThreads(1);
    await presetProjection('native');
  }
  if (withWasm) await presetProjection('wasm');
}

function optimizers(wanted: boolean): void {
  if (!wanted) return;
  console.log(
    '\none optimizer step (plain TypeScript passes with exact HVPs; full batch), min(wall, CPU) ms per step:',
  );
  console.log(optimizerTable());
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
