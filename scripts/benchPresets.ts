// Projected wall times of the full Figure 2 presets (fig2-optimizers, fig2-adahessian-power) on one backend, from
// short runs of each optimizer: two runs of S and 2S steps with an evaluation at the start and the end give the cost
// of a step (their difference over S) and of an evaluation; a full run is steps x step + evaluations x evaluation;
// the preset's runs are then packed onto the workers a sweep gets (2 here, one BLAS thread each), longest first.
// K-FAC's eigendecomposition every eigEvery steps and L-BFGS's line search are averaged over the short runs, so
// those two are the roughest. CPU time is used (the machine is shared), so the wall times are for idle cores.
import { initBackend, type BackendName } from '../src/lab/backend';
import { oodContext, trainOodRun } from '../src/lab/experiments/ood';
import { wasmLayerScope } from '../src/lab/models/wasmFirstLayer';
import { presetVariant } from '../src/shared/presets';
import type { OodSettings } from '../src/shared/config';

const PRESETS = ['fig2-optimizers', 'fig2-adahessian-power'] as const;
const WORKERS = 2;

interface RunSpec {
  optimizer: string;
  p?: number;
}

/** CPU seconds of one run of `steps` steps evaluated at its first and last step. */
async function shortRun(settings: OodSettings, run: RunSpec, steps: number, backend: BackendName): Promise<number> {
  const ctx = oodContext({ ...settings, steps, evalEvery: steps }, 42, backend === 'native' ? 'native' : 'wasm');
  const c0 = process.cpuUsage();
  await trainOodRun(ctx, { id: run.optimizer, optimizer: run.optimizer, p: run.p } as never, {
    record: () => {},
    progress: () => {},
    shouldStop: () => false,
  });
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** Longest-first packing of run times onto `workers` workers: the sweep's wall time. */
function makespan(times: number[], workers: number): number {
  const load = new Array<number>(workers).fill(0);
  for (const t of [...times].sort((a, b) => b - a)) load[load.indexOf(Math.min(...load))] += t;
  return Math.max(...load);
}

const fmt = (s: number) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;

/** Prints one line per preset: projected CPU per run and the sweep's wall time on WORKERS workers. */
export async function presetProjection(backend: BackendName, shortSteps = 3): Promise<void> {
  await initBackend(backend);
  const release = backend === 'native' ? () => {} : wasmLayerScope();
  try {
    const perOptimizer = new Map<string, number>();
    for (const name of PRESETS) {
      const config = presetVariant(name);
      if (!config) throw new Error(`no preset ${name}`);
      const settings = config.settings as OodSettings;
      const grid = config.grid as { optimizer: string[]; p: number[] };
      const runs: RunSpec[] = grid.optimizer.flatMap((optimizer) => grid.p.map((p) => ({ optimizer, p })));
      const times: number[] = [];
      for (const run of runs) {
        // the cost does not depend on p (AdaHessian's power has a fast path for each grid value): measure once
        let perRun = perOptimizer.get(run.optimizer);
        if (perRun === undefined) {
          const t1 = await shortRun(settings, run, shortSteps, backend);
          const t2 = await shortRun(settings, run, 2 * shortSteps, backend);
          const step = Math.max(0, (t2 - t1) / shortSteps);
          const evaluation = Math.max(0, (t1 - shortSteps * step) / 2);
          const evals = Math.floor(settings.steps / settings.evalEvery) + 1;
          perRun = settings.steps * step + evals * evaluation;
          perOptimizer.set(run.optimizer, perRun);
        }
        times.push(perRun);
      }
      const cpu = times.reduce((a, b) => a + b, 0);
      console.log(
        `  ${name.padEnd(22)} ${backend.padEnd(6)} ${runs.length} runs x ${settings.steps} steps: ` +
          `${fmt(cpu)} CPU, ${fmt(makespan(times, WORKERS))} wall on ${WORKERS} idle cores (${runs
            .map((r, i) => `${r.optimizer}${grid.p.length > 1 ? ` p ${r.p}` : ''} ${times[i].toFixed(0)} s`)
            .join(', ')})`,
      );
    }
  } finally {
    release();
  }
}
