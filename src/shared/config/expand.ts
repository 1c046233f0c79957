// A validated config's grid expanded into runs, and each run's id (the name of its results folder).
import type { ExperimentConfig, OodOptimizer, RunParams, RunSpec } from './types';

export function runId(p: RunParams): string {
  if (p.optimizer) return `${p.optimizer}${p.p !== undefined ? `_p${p.p}` : ''}_s${p.seed}`;
  return `${p.case}_p${p.p}_snr${p.snr}_s${p.seed}`;
}

/** Only AdaHessian has a power to sweep in the OOD experiment; the other optimizers run once per seed. */
export const oodUsesPower = (optimizer: OodOptimizer): boolean => optimizer === 'adahessian';

/** Every combination of the grid, in a stable order so runs sharing data are adjacent. */
export function expandRuns(config: ExperimentConfig): RunSpec[] {
  const out: RunSpec[] = [];
  if (config.kind === 'ood') {
    for (const seed of config.grid.seed)
      for (const optimizer of config.grid.optimizer ?? [])
        for (const p of oodUsesPower(optimizer) ? config.grid.p : [undefined]) {
          const params: RunParams = p === undefined ? { optimizer, seed } : { optimizer, p, seed };
          out.push({ id: runId(params), params });
        }
    return out;
  }
  for (const c of config.grid.case)
    for (const snr of config.grid.snr)
      for (const seed of config.grid.seed)
        for (const p of config.grid.p) {
          const params = { case: c, p, snr, seed };
          out.push({ id: runId(params), params });
        }
  return out;
}
