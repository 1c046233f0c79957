// Pure planning of a sweep, shared by every executor: how the runs due batch into jobs (the runs that share data,
// trained as one batch, exactly as locally, so a run's numbers never depend on where it ran) and how jobs split
// into slices for an engine's tasks. No processes and no store writes here; the store is read only through the
// `weightsFor` callback (a transfer run reuses a finished Task 1's weights).
import type { ExperimentConfig, RegressionParams, RunSpec } from '../shared/config';
import type { BackendChoice, Job, JobRun } from '../shared/protocol';
import type { ParamsJson } from '../shared/records';
import type { RunFile } from './store';
import type { PlannedJob } from './executors/types';

export interface DueRun {
  spec: RunSpec;
  file: RunFile;
}

/** Task 1 weights already trained elsewhere in the store, for a transfer run (store.findWeights). */
export type WeightsLookup = (
  weightsKey: string,
) => { weights: ParamsJson; from: string; final: Record<string, number> } | undefined;

/** Groups the runs due into jobs: OOD one run per job (long, nothing worth batching); noise and transfer one job
 *  per (case, snr, seed), its runs in the order given. */
export function groupJobs(
  config: ExperimentConfig,
  due: DueRun[],
  backend: BackendChoice,
  init: ParamsJson | undefined,
  weightsFor: WeightsLookup,
): PlannedJob[] {
  if (config.kind === 'ood') {
    return due.map(({ spec, file }) => ({
      job: {
        kind: 'ood',
        settings: config.settings,
        common: { seed: spec.params.seed },
        runs: [{ id: spec.id, p: spec.params.p, optimizer: spec.params.optimizer }],
        backend,
      },
      files: [file],
    }));
  }
  const groups = new Map<string, PlannedJob>();
  for (const { spec, file } of due) {
    const { case: c, snr, seed } = spec.params as RegressionParams;
    const gk = `${c}|${snr}|${seed}`;
    let g = groups.get(gk);
    if (!g) {
      g = {
        job: { kind: config.kind, settings: config.settings, common: { case: c, snr, seed }, runs: [], backend },
        files: [],
      };
      groups.set(gk, g);
    }
    const run: JobRun = { id: spec.id, p: spec.params.p, init };
    if (config.kind === 'transfer') {
      const found = weightsFor(file.weightsKey);
      if (found) run.task1 = { params: found.weights, from: found.from, final: found.final };
    }
    g.job.runs.push(run);
    g.files.push(file);
  }
  return [...groups.values()];
}

/** A job with only the runs not cancelled; undefined when none is left. */
export function withoutCancelled(job: PlannedJob, cancelled: (id: string) => boolean): PlannedJob | undefined {
  const files = job.files.filter((f) => !cancelled(f.id));
  if (!files.length) return undefined;
  return { job: { ...job.job, runs: job.job.runs.filter((r) => !cancelled(r.id)) } as Job, files };
}

/** Splits jobs into at most `tasks` slices of whole jobs, balanced by run count (largest first, each to the
 *  lightest slice); a job is never split, so its runs train together wherever the slice runs. Slices keep the
 *  jobs' planned order within them; empty slices are dropped. */
export function sliceJobs<T extends { files: unknown[] }>(jobs: T[], tasks: number): T[][] {
  const n = Math.max(1, Math.min(Math.floor(tasks), jobs.length));
  const slices: { load: number; items: number[] }[] = Array.from({ length: n }, () => ({ load: 0, items: [] }));
  const order = jobs.map((j, i) => i).sort((a, b) => jobs[b].files.length - jobs[a].files.length || a - b);
  for (const i of order) {
    const lightest = slices.reduce((m, s) => (s.load < m.load ? s : m), slices[0]);
    lightest.load += jobs[i].files.length;
    lightest.items.push(i);
  }
  return slices.filter((s) => s.items.length).map((s) => s.items.sort((a, b) => a - b).map((i) => jobs[i]));
}
